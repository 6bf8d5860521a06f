package dev.livery.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.cloud.FailureStatusCodes;
import dev.livery.loadbalancer.cloud.InstanceLease;
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
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.RandomLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Cost of one {@code choose(request)} and its completion, for livery (P2C and round robin) and Spring Cloud's round
 * robin and random balancers, over the same 16 instances.
 *
 * <p>Each operation subscribes to the balancer's {@code Mono} with a per-thread subscriber that is reused (every
 * balancer here answers synchronously), so the numbers are the balancers' own cost and not a caller's plumbing;
 * livery's lease is then finished with {@code recordSuccess()}, as its lifecycle does on a 2xx. Spring Cloud's
 * balancers keep no per-request state, so they have nothing to finish.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class ChooseBenchmark {

	@State(Scope.Benchmark)
	public static class Balancer {

		/**
		 * {@code sc-round-robin-caching} is Spring Cloud's round robin behind the caching supplier its default
		 * configuration adds ({@code withDiscoveryClient().withCaching()}), for reference; the others all read the
		 * bare static supplier.
		 */
		@Param({ "livery-p2c", "livery-rr", "sc-round-robin", "sc-random", "sc-round-robin-caching" })
		public String balancer;

		@Param("16")
		public int instances;

		ReactorServiceInstanceLoadBalancer loadBalancer;

		Request<RequestDataContext> request;

		@Setup(Level.Trial)
		public void setUp() {
			var supplier = Instances.supplier(Instances.list(this.instances));
			this.request = Instances.request();
			this.loadBalancer = switch (this.balancer) {
				case "livery-p2c" -> livery(supplier, PickPolicyType.P2C);
				case "livery-rr" -> livery(supplier, PickPolicyType.ROUND_ROBIN);
				case "sc-round-robin" -> new RoundRobinLoadBalancer(supplier, Instances.SERVICE);
				case "sc-random" -> new RandomLoadBalancer(supplier, Instances.SERVICE);
				case "sc-round-robin-caching" -> new RoundRobinLoadBalancer(Instances.caching(supplier),
						Instances.SERVICE);
				default -> throw new IllegalArgumentException(this.balancer);
			};
			// Seed (livery lists its instances on the first request) and check the balancer answers.
			Capture capture = new Capture();
			this.loadBalancer.choose(this.request).subscribe(capture);
			Response<ServiceInstance> seeded = capture.take();
			if (seeded == null) {
				throw new IllegalStateException(this.balancer + " chose nothing");
			}
			if (seeded.getServer() instanceof InstanceLease lease) {
				lease.recordSuccess();
			}
		}

		private static LiveryLoadBalancer livery(ObjectProvider<ServiceInstanceListSupplier> supplier,
				PickPolicyType policy) {
			EndpointPools<ServiceInstance> pools = new EndpointPools<>(LiveryLoadBalancer::key, Ticker.system(),
					PoolListener.NONE);
			return new LiveryLoadBalancer(Instances.SERVICE, supplier, pools,
					PoolSettings.DEFAULTS.withPolicy(policy), FailureStatusCodes.SERVER_ERRORS, Duration.ofSeconds(1));
		}

	}

	/**
	 * Reused subscriber that keeps what a synchronous {@code Mono} emits.
	 */
	@State(Scope.Thread)
	public static class Capture implements CoreSubscriber<Response<ServiceInstance>> {

		private Response<ServiceInstance> value;

		@Override
		public void onSubscribe(Subscription subscription) {
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(Response<ServiceInstance> response) {
			this.value = response;
		}

		@Override
		public void onError(Throwable ex) {
			throw new IllegalStateException(ex);
		}

		@Override
		public void onComplete() {
		}

		Response<ServiceInstance> take() {
			Response<ServiceInstance> response = this.value;
			this.value = null;
			return response;
		}

	}

	@Benchmark
	@Threads(1)
	public ServiceInstance choose1(Balancer state, Capture capture) {
		return chooseAndComplete(state, capture);
	}

	@Benchmark
	@Threads(2)
	public ServiceInstance choose2(Balancer state, Capture capture) {
		return chooseAndComplete(state, capture);
	}

	static ServiceInstance chooseAndComplete(Balancer state, Capture capture) {
		state.loadBalancer.choose(state.request).subscribe(capture);
		Response<ServiceInstance> response = capture.take();
		ServiceInstance server = response.getServer();
		if (server instanceof InstanceLease lease) {
			lease.recordSuccess();
		}
		return server;
	}

}
