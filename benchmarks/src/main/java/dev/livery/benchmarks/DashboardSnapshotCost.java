package dev.livery.benchmarks;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

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

import org.springframework.cloud.client.ServiceInstance;

/**
 * What one dashboard snapshot costs in CPU time and allocation, measured per thread (so that a busy machine, which
 * stretches wall-clock time, does not inflate the figure): the same set-up as {@link DashboardSnapshotBenchmark},
 * a warm-up, then the mean and the minimum over many snapshots, with traffic between snapshots left out of the
 * measurement.
 *
 * <pre>
 * ./mvnw -pl benchmarks -am -DskipTests -Pdashboard verify [-Dharness.args="--endpoints=200 --snapshots=20000"]
 * </pre>
 */
public final class DashboardSnapshotCost {

	private DashboardSnapshotCost() {
	}

	public static void main(String[] args) {
		int endpoints = 200;
		int snapshots = 20_000;
		for (String arg : args) {
			if (arg.startsWith("--endpoints=")) {
				endpoints = Integer.parseInt(arg.substring("--endpoints=".length()));
			}
			else if (arg.startsWith("--snapshots=")) {
				snapshots = Integer.parseInt(arg.substring("--snapshots=".length()));
			}
		}
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		long thread = Thread.currentThread().getId();
		for (int size : new int[] { 20, endpoints }) {
			EndpointPools<ServiceInstance> pools = new EndpointPools<>(LiveryLoadBalancer::key, Ticker.system(),
					PoolListener.NONE);
			PoolSettings settings = PoolSettings.DEFAULTS
				.withOutlier(new OutlierDetection(false, 5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50));
			EndpointPool<ServiceInstance> pool = pools.ensure(Instances.SERVICE, settings, Instances.list(size));
			ServingStatusStore serving = new ServingStatusStore();
			serving.set("orders", ServingStatus.SERVING);
			serving.set("billing", ServingStatus.NOT_SERVING);
			DashboardSnapshots run = new DashboardSnapshots(pools, new FixedConcurrencyLimiter(1000), serving,
					"benchmark");
			long now = 0;
			long cpu = 0;
			long bytes = 0;
			long minCpu = Long.MAX_VALUE;
			int length = 0;
			int measured = 0;
			for (int i = 0; i < 2 * snapshots; i++) {
				traffic(pool, size);
				now += 1_000_000_000L;
				long cpuBefore = threads.getCurrentThreadCpuTime();
				long bytesBefore = threads.getThreadAllocatedBytes(thread);
				length = run.take(now).length();
				long cpuTaken = threads.getCurrentThreadCpuTime() - cpuBefore;
				long bytesTaken = threads.getThreadAllocatedBytes(thread) - bytesBefore;
				if (i >= snapshots) {
					cpu += cpuTaken;
					bytes += bytesTaken;
					minCpu = Math.min(minCpu, cpuTaken);
					measured++;
				}
			}
			System.out.printf(Locale.ROOT,
					"dashboard snapshot, %d endpoints: CPU %.1f us mean, %.1f us min; %,d bytes allocated; JSON %,d "
							+ "chars (%d snapshots after %d of warm-up)%n",
					size, cpu / 1e3 / measured, minCpu / 1e3, bytes / measured, length, measured, snapshots);
		}
	}

	private static void traffic(EndpointPool<ServiceInstance> pool, int requests) {
		for (int i = 0; i < requests; i++) {
			Lease<ServiceInstance> lease = pool.pick();
			if (i % 10 == 0) {
				lease.recordFailure();
			}
			else {
				lease.recordSuccess();
			}
		}
	}

}
