package dev.livery.benchmarks;

import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.Lease;
import dev.livery.loadbalancer.PickPolicy;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.PoolSettings;
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
 * Cost of each policy's choice over 100 endpoints: the policy's {@code choose} alone (what the policy adds), and the
 * pool's pick with its in-flight slot and release. Under {@code ring-hash} every operation carries a different key
 * from a set of 1,024, so the ring lookup is not served from one cache line.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Threads(1)
public class PolicyPickBenchmark {

	@State(Scope.Benchmark)
	public static class Pool {

		@Param({ "P2C", "LEAST_REQUEST", "ROUND_ROBIN", "RANDOM", "RING_HASH" })
		public PickPolicyType policy;

		@Param("100")
		public int instances;

		EndpointPool<ServiceInstance> pool;

		PickPolicy chooser;

		Endpoint<ServiceInstance>[] members;

		final String[] keys = new String[1024];

		@Setup(Level.Trial)
		@SuppressWarnings("unchecked")
		public void setUp() {
			EndpointPools<ServiceInstance> pools = new EndpointPools<>(LiveryLoadBalancer::key, Ticker.system(),
					PoolListener.NONE);
			this.pool = pools.ensure(Instances.SERVICE, PoolSettings.DEFAULTS.withPolicy(this.policy),
					Instances.list(this.instances));
			this.members = this.pool.endpoints().toArray(new Endpoint[0]);
			this.chooser = this.policy.newPolicy(PoolSettings.DEFAULTS);
			this.chooser.membersChanged(this.members);
			for (int i = 0; i < this.keys.length; i++) {
				this.keys[i] = "user-" + (i * 7919);
			}
		}

	}

	@State(Scope.Thread)
	public static class Keys {

		int next;

	}

	@Benchmark
	public Endpoint<ServiceInstance> choose(Pool state, Keys keys) {
		String key = state.keys[(keys.next++) & 1023];
		return state.chooser.choose(state.members, null, key);
	}

	@Benchmark
	public Lease<ServiceInstance> pickRelease(Pool state, Keys keys) {
		String key = state.keys[(keys.next++) & 1023];
		Lease<ServiceInstance> lease = state.pool.pick(key);
		lease.release();
		return lease;
	}

}
