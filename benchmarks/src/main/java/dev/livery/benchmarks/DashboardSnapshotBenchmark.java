package dev.livery.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.livery.concurrency.FixedConcurrencyLimiter;
import dev.livery.dashboard.DashboardSnapshots;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.Lease;
import dev.livery.loadbalancer.OutlierDetection;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancer;
import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.cloud.client.ServiceInstance;

/**
 * What one dashboard snapshot costs: {@link DashboardSnapshots#take(long)} over one service of {@code endpoints}
 * endpoints, a concurrency limiter and a serving-status store with a few services, every endpoint having completed
 * requests since the previous snapshot (so every rate is computed and written). The dashboard takes one snapshot a
 * second while someone watches, whatever the number of viewers; {@code -prof gc} gives the bytes allocated per
 * snapshot ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class DashboardSnapshotBenchmark {

	private static final long SECOND = 1_000_000_000L;

	@State(Scope.Thread)
	public static class Sources {

		@Param({ "20", "200" })
		public int endpoints;

		EndpointPool<ServiceInstance> pool;

		DashboardSnapshots snapshots;

		long now;

		@Setup(Level.Trial)
		public void setUp() {
			EndpointPools<ServiceInstance> pools = new EndpointPools<>(LiveryLoadBalancer::key, Ticker.system(),
					PoolListener.NONE);
			// No ejection: every iteration sees the same pool, all UP.
			PoolSettings settings = PoolSettings.DEFAULTS
				.withOutlier(new OutlierDetection(false, 5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50));
			this.pool = pools.ensure(Instances.SERVICE, settings, Instances.list(this.endpoints));
			FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(1000);
			ServingStatusStore serving = new ServingStatusStore();
			serving.set("orders", ServingStatus.SERVING);
			serving.set("billing", ServingStatus.NOT_SERVING);
			this.snapshots = new DashboardSnapshots(pools, limiter, serving, "benchmark");
			this.snapshots.take(this.now);
		}

		/** Complete as many requests as there are endpoints, one in ten a failure, between two snapshots. */
		@Setup(Level.Invocation)
		public void traffic() {
			for (int i = 0; i < this.endpoints; i++) {
				Lease<ServiceInstance> lease = this.pool.pick();
				if (i % 10 == 0) {
					lease.recordFailure();
				}
				else {
					lease.recordSuccess();
				}
			}
			this.now += SECOND;
		}

	}

	@Benchmark
	@Threads(1)
	public String snapshot(Sources sources) {
		return sources.snapshots.take(sources.now);
	}

}
