package dev.livery.benchmarks;

import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.Lease;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancer;
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
 * Cost of the framework-free core alone: {@link EndpointPool#pick()} and {@link Lease#recordSuccess()} over 16
 * endpoints, without Spring Cloud or Reactor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class CorePickBenchmark {

	@State(Scope.Benchmark)
	public static class Pool {

		@Param({ "P2C", "ROUND_ROBIN" })
		public PickPolicyType policy;

		@Param("16")
		public int instances;

		EndpointPool<ServiceInstance> pool;

		@Setup(Level.Trial)
		public void setUp() {
			EndpointPools<ServiceInstance> pools = new EndpointPools<>(LiveryLoadBalancer::key, Ticker.system(),
					PoolListener.NONE);
			this.pool = pools.ensure(Instances.SERVICE, PoolSettings.DEFAULTS.withPolicy(this.policy),
					Instances.list(this.instances));
		}

	}

	@Benchmark
	@Threads(1)
	public Lease<ServiceInstance> pickSuccess1(Pool state) {
		return pickSuccess(state);
	}

	@Benchmark
	@Threads(2)
	public Lease<ServiceInstance> pickSuccess2(Pool state) {
		return pickSuccess(state);
	}

	@Benchmark
	@Threads(1)
	public Lease<ServiceInstance> pickRelease1(Pool state) {
		Lease<ServiceInstance> lease = state.pool.pick();
		lease.release();
		return lease;
	}

	/**
	 * Baseline: one clock read, as {@code LiveryLoadBalancer.choose} does on every call to see whether its member
	 * list is due for a refresh.
	 */
	@Benchmark
	@Threads(1)
	public long nanoTime1() {
		return System.nanoTime();
	}

	static Lease<ServiceInstance> pickSuccess(Pool state) {
		Lease<ServiceInstance> lease = state.pool.pick();
		lease.recordSuccess();
		return lease;
	}

}
