package dev.livery.loadbalancer.cloud;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.context.Context;

import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LiveryLoadBalancer} on its own, over a supplier whose members the test changes.
 */
class LiveryLoadBalancerTests {

	private final AtomicReference<List<ServiceInstance>> members = new AtomicReference<>(
			List.of(instance(1), instance(2)));

	private final Supplier<Flux<List<ServiceInstance>>> current = () -> Flux.just(this.members.get());

	private final AtomicReference<Supplier<Flux<List<ServiceInstance>>>> lists = new AtomicReference<>(this.current);

	private final AtomicInteger reads = new AtomicInteger();

	private final EndpointPools<ServiceInstance> pools = new EndpointPools<>(LiveryLoadBalancer::key,
			Ticker.system(), PoolListener.NONE);

	private final LiveryLoadBalancer balancer = new LiveryLoadBalancer("svc", supplier(), this.pools,
			PoolSettings.DEFAULTS, FailureStatusCodes.SERVER_ERRORS, Duration.ofMillis(50));

	@AfterEach
	void destroy() {
		this.balancer.destroy();
	}

	@Test
	void chooseShouldSeedFromTheSupplierAndTrackTheRequest() {
		InstanceLease lease = choose(tracked());
		assertThat(lease.getServiceId()).isEqualTo("svc");
		assertThat(lease.isOpen()).isTrue();
		assertThat(pool().inFlight()).isEqualTo(1);
		assertThat(lease.recordStatus(503)).isTrue();
		assertThat(lease.endpoint().consecutiveFailures()).isEqualTo(1);
		assertThat(pool().inFlight()).isZero();
	}

	@Test
	void bareChooseShouldTakeNoSlot() {
		InstanceLease lease = choose(ReactiveLoadBalancer.REQUEST);
		assertThat(lease.isOpen()).isFalse();
		assertThat(pool().inFlight()).isZero();
	}

	@Test
	void retryShouldAvoidThePreviousInstance() {
		InstanceLease first = choose(tracked());
		first.recordFailure();
		for (int i = 0; i < 50; i++) {
			InstanceLease retry = choose(new DefaultRequest<>(new RetryableRequestContext(first, requestData(), "default")));
			assertThat(retry.endpoint()).isNotSameAs(first.endpoint());
			retry.release();
		}
	}

	@Test
	void refreshShouldFollowTheSupplierAndKeepTheStateOfMembersThatStay() {
		choose(tracked()).release();
		pool().drain("127.0.0.1:2");
		this.members.set(List.of(instance(2), instance(3)));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			choose(tracked()).release();
			assertThat(pool().endpoints()).extracting((endpoint) -> endpoint.key())
				.containsExactlyInAnyOrder("127.0.0.1:2", "127.0.0.1:3");
		});
		assertThat(pool().endpoint("127.0.0.1:2").state()).isEqualTo(EndpointState.DRAINED);
		assertThat(pool().inFlight()).isZero();
	}

	@Test
	void forgottenPoolShouldBeSeededAfresh() {
		choose(tracked()).release();
		EndpointPool<ServiceInstance> before = pool();
		before.drain("127.0.0.1:1");
		this.pools.reset("svc");
		choose(tracked()).release();
		assertThat(pool()).isNotSameAs(before);
		assertThat(pool().endpoints()).extracting((endpoint) -> endpoint.state()).containsOnly(EndpointState.UP);
	}

	@Test
	void cancelBeforeDeliveryShouldReleaseTheSlot() {
		choose(tracked()).release();
		this.balancer.choose(tracked()).subscribe(new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				cancel();
			}

		});
		assertThat(pool().inFlight()).isZero();
	}

	@Test
	void leaseScopeInTheContextShouldReleaseTheSlotWhenClosed() {
		choose(tracked()).release();
		LeaseScope scope = new LeaseScope();
		StepVerifier.create(this.balancer.choose(tracked()).contextWrite(Context.of(LeaseScope.class, scope)))
			.assertNext((response) -> assertThat(pool().inFlight()).isEqualTo(1))
			.verifyComplete();
		scope.close();
		assertThat(pool().inFlight()).isZero();
	}

	@Test
	void noMembersShouldGiveAnEmptyResponse() {
		this.members.set(List.of());
		StepVerifier.create(this.balancer.choose(tracked()))
			.assertNext((response) -> assertThat(response.hasServer()).isFalse())
			.verifyComplete();
	}

	@Test
	void refreshFromASupplierThatThrowsShouldKeepServingTheLastMembers() {
		choose(tracked()).release();
		this.lists.set(LiveryLoadBalancerTests::registryDown);
		int before = this.reads.get();
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			choose(tracked()).release();
			assertThat(this.reads.get()).as("refreshes tried").isGreaterThan(before + 1);
		});
		assertThat(pool().endpoints()).extracting((endpoint) -> endpoint.key())
			.containsExactlyInAnyOrder("127.0.0.1:1", "127.0.0.1:2");
		assertThat(pool().inFlight()).isZero();
	}

	@Test
	void firstSeedFromASupplierThatThrowsShouldAnswerNoInstances() {
		this.lists.set(LiveryLoadBalancerTests::registryDown);
		StepVerifier.create(this.balancer.choose(tracked()))
			.assertNext((response) -> assertThat(response.hasServer()).isFalse())
			.verifyComplete();
		this.lists.set(this.current);
		assertThat(choose(tracked()).getPort()).as("the next request seeds").isIn(1, 2);
	}

	@Test
	void refreshFromASupplierThatNeverAnswersShouldTimeOutAndRefreshAgain() {
		VirtualTimeScheduler timer = VirtualTimeScheduler.create();
		Duration interval = Duration.ofMillis(50);
		LiveryLoadBalancer virtual = new LiveryLoadBalancer("svc", supplier(), this.pools, PoolSettings.DEFAULTS,
				FailureStatusCodes.SERVER_ERRORS, interval, timer);
		try {
			choose(virtual, tracked()).release();
			this.lists.set(Flux::never);
			timer.advanceTimeBy(interval);
			choose(virtual, tracked()).release();
			int stuck = this.reads.get();
			this.members.set(List.of(instance(2), instance(3)));
			this.lists.set(this.current);
			timer.advanceTimeBy(interval);
			choose(virtual, tracked()).release();
			assertThat(this.reads).as("no second refresh while one runs").hasValue(stuck);
			timer.advanceTimeBy(LiveryLoadBalancer.readTimeout(interval));
			choose(virtual, tracked()).release();
			assertThat(pool().endpoints()).as("refreshed after the hung read timed out")
				.extracting((endpoint) -> endpoint.key())
				.containsExactlyInAnyOrder("127.0.0.1:2", "127.0.0.1:3");
			assertThat(pool().inFlight()).isZero();
		}
		finally {
			virtual.destroy();
			timer.dispose();
		}
	}

	@Test
	void readTimeoutShouldBeTenRefreshIntervalsAndAtLeastFiveSeconds() {
		assertThat(LiveryLoadBalancer.readTimeout(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(10));
		assertThat(LiveryLoadBalancer.readTimeout(Duration.ofMillis(50))).isEqualTo(Duration.ofSeconds(5));
	}

	private static Flux<List<ServiceInstance>> registryDown() {
		throw new IllegalStateException("registry down");
	}

	private InstanceLease choose(Request<?> request) {
		return choose(this.balancer, request);
	}

	private static InstanceLease choose(LiveryLoadBalancer balancer, Request<?> request) {
		Response<ServiceInstance> response = balancer.choose(request).block(Duration.ofSeconds(5));
		assertThat(response).isInstanceOf(InstanceLease.class);
		return (InstanceLease) response;
	}

	private EndpointPool<ServiceInstance> pool() {
		return this.pools.get("svc");
	}

	private org.springframework.beans.factory.ObjectProvider<ServiceInstanceListSupplier> supplier() {
		ServiceInstanceListSupplier supplier = new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return "svc";
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				LiveryLoadBalancerTests.this.reads.incrementAndGet();
				return LiveryLoadBalancerTests.this.lists.get().get();
			}

		};
		StaticListableBeanFactory beanFactory = new StaticListableBeanFactory(Map.of("supplier", supplier));
		return beanFactory.getBeanProvider(ServiceInstanceListSupplier.class);
	}

	private static Request<RequestDataContext> tracked() {
		return new DefaultRequest<>(new RequestDataContext(requestData(), "default"));
	}

	private static RequestData requestData() {
		return new RequestData(HttpMethod.GET, URI.create("http://svc/"), new HttpHeaders(),
				new LinkedMultiValueMap<>(), Map.of());
	}

	private static ServiceInstance instance(int port) {
		return new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port, false);
	}

}
