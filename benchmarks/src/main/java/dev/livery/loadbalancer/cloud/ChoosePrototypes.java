package dev.livery.loadbalancer.cloud;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;

/**
 * Benchmark-only prototypes of two changes proposed for {@link LiveryLoadBalancer#choose}, so that their worth is
 * measured rather than guessed. Not part of livery: they sit in livery's package (in the benchmarks module) only to
 * reach its package-private pick. Both wrap an already seeded balancer and never refresh it.
 */
public final class ChoosePrototypes {

	private ChoosePrototypes() {
	}

	/**
	 * {@code choose} without the clock read of {@code refreshIfDue()}, as if a periodic task set a refresh flag.
	 * @param seeded a balancer that has served one request
	 * @return the prototype
	 */
	public static ReactorServiceInstanceLoadBalancer withoutClockRead(LiveryLoadBalancer seeded) {
		return (request) -> new ChooseMono(seeded, request);
	}

	/**
	 * As {@link #withoutClockRead}, and the {@code Mono} is its own subscription (one object fewer per request).
	 * @param seeded a balancer that has served one request
	 * @return the prototype
	 */
	public static ReactorServiceInstanceLoadBalancer withoutClockReadFused(LiveryLoadBalancer seeded) {
		return (request) -> new FusedChooseMono(seeded, request);
	}

	/**
	 * A {@code ChooseMono} that serves as the subscription of its (single) subscriber. Prototype: a second
	 * subscription is refused rather than served.
	 */
	@SuppressWarnings("rawtypes")
	static final class FusedChooseMono extends Mono<Response<ServiceInstance>> implements Subscription {

		private static final AtomicIntegerFieldUpdater<FusedChooseMono> DONE = AtomicIntegerFieldUpdater
			.newUpdater(FusedChooseMono.class, "done");

		private final LiveryLoadBalancer balancer;

		private final Request<?> request;

		private @Nullable CoreSubscriber<? super Response<ServiceInstance>> actual;

		private @Nullable InstanceLease lease;

		private volatile int done;

		FusedChooseMono(LiveryLoadBalancer balancer, Request<?> request) {
			this.balancer = balancer;
			this.request = request;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Response<ServiceInstance>> actual) {
			if (this.actual != null) {
				Operators.error(actual, new IllegalStateException("prototype: subscribe once"));
				return;
			}
			InstanceLease picked = this.balancer.pick(this.request);
			if (picked != null) {
				CancelGuard guard = actual.currentContext().getOrDefault(CancelGuard.class, null);
				if (guard != null) {
					guard.track(picked);
				}
			}
			this.lease = picked;
			this.actual = actual;
			actual.onSubscribe(this);
		}

		@Override
		public void request(long n) {
			if (n > 0 && DONE.compareAndSet(this, 0, 1)) {
				this.actual.onNext((this.lease != null) ? this.lease : ChooseMono.EMPTY);
				this.actual.onComplete();
			}
		}

		@Override
		public void cancel() {
			if (DONE.compareAndSet(this, 0, 1) && this.lease != null) {
				this.lease.release();
			}
		}

	}

}
