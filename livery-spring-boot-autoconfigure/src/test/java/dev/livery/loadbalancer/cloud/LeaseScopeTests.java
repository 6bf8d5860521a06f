package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.Lease;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.Ticker;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeaseScope}: whatever ends a request releases every lease it picked, once.
 */
class LeaseScopeTests {

	private final EndpointPool<String> pool = new EndpointPools<String>((member) -> member, Ticker.system(),
			PoolListener.NONE)
		.ensure("svc", PoolSettings.DEFAULTS, List.of("a:1", "b:1", "c:1"));

	@Test
	void closeShouldReleaseEveryOpenLeaseAndLeaveFinishedOnesAlone() {
		LeaseScope scope = new LeaseScope();
		Lease<String> finished = pick();
		scope.track(finished);
		finished.recordFailure();
		Lease<String> open = pick();
		Lease<String> another = pick();
		scope.track(open);
		scope.track(another);
		assertThat(this.pool.inFlight()).isEqualTo(2);
		scope.close();
		assertThat(this.pool.inFlight()).isZero();
		assertThat(open.isOpen()).isFalse();
		assertThat(another.isOpen()).isFalse();
		assertThat(finished.endpoint().consecutiveFailures()).as("the recorded outcome stands").isEqualTo(1);
		assertThat(open.recordSuccess()).as("released: a later outcome does nothing").isFalse();
	}

	@Test
	void trackAfterCloseShouldReleaseAtOnce() {
		LeaseScope scope = new LeaseScope();
		scope.close();
		Lease<String> late = pick();
		scope.track(late);
		assertThat(late.isOpen()).isFalse();
		assertThat(this.pool.inFlight()).isZero();
	}

	@Test
	void scopedMonoShouldReleaseOnCompleteWhenTheLifecycleMissedIt() {
		StepVerifier.create(LeaseScope.scope(pickInScope(Mono.just("response"))))
			.expectNext("response")
			.verifyComplete();
		assertThat(this.pool.inFlight()).isZero();
	}

	@Test
	void scopedMonoShouldReleaseOnError() {
		StepVerifier.create(LeaseScope.scope(pickInScope(Mono.error(new IllegalStateException("request building")))))
			.verifyErrorMessage("request building");
		assertThat(this.pool.inFlight()).isZero();
	}

	@Test
	void scopedMonoShouldReleaseOnCancel() {
		StepVerifier.create(LeaseScope.scope(pickInScope(Mono.never())))
			.expectSubscription()
			.then(() -> assertThat(this.pool.inFlight()).isEqualTo(1))
			.thenCancel()
			.verify(Duration.ofSeconds(5));
		assertThat(this.pool.inFlight()).isZero();
	}

	@Test
	void eachSubscriptionShouldGetItsOwnScope() {
		Mono<String> call = LeaseScope.scope(pickInScope(Mono.never()));
		StepVerifier.create(call).expectSubscription().thenCancel().verify(Duration.ofSeconds(5));
		StepVerifier.create(call.timeout(Duration.ofMillis(50), Mono.just("fallback")))
			.expectNext("fallback")
			.verifyComplete();
		assertThat(this.pool.inFlight()).isZero();
	}

	@Test
	void nestedScopeShouldHoldOnlyItsOwnLeases() {
		Mono<String> inner = LeaseScope.scope(pickInScope(Mono.just("inner")));
		Mono<String> outer = LeaseScope.scope(inner.then(pickInScope(Mono.never())));
		StepVerifier.create(outer)
			.expectSubscription()
			.then(() -> assertThat(this.pool.inFlight()).as("the inner call ended; the outer one is open").isEqualTo(1))
			.thenCancel()
			.verify(Duration.ofSeconds(5));
		assertThat(this.pool.inFlight()).isZero();
	}

	@Test
	void trackRacingCloseShouldNeverLoseALease() throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(2);
		try {
			for (int round = 0; round < 2_000; round++) {
				LeaseScope scope = new LeaseScope();
				List<Lease<String>> leases = List.of(pick(), pick(), pick());
				CountDownLatch start = new CountDownLatch(1);
				List<Future<?>> tasks = new ArrayList<>();
				tasks.add(executor.submit(() -> {
					await(start);
					leases.forEach(scope::track);
				}));
				tasks.add(executor.submit(() -> {
					await(start);
					scope.close();
				}));
				start.countDown();
				for (Future<?> task : tasks) {
					task.get(10, TimeUnit.SECONDS);
				}
				assertThat(this.pool.inFlight()).as("round %d", round).isZero();
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	private Mono<String> pickInScope(Mono<String> then) {
		return Mono.deferContextual((context) -> {
			context.get(LeaseScope.class).track(pick());
			return then;
		});
	}

	private Lease<String> pick() {
		Lease<String> lease = this.pool.pick();
		assertThat(lease).isNotNull();
		return lease;
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
