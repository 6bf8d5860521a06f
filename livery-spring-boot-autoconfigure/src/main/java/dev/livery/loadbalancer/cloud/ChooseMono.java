package dev.livery.loadbalancer.cloud;

import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;

/**
 * The result of one {@code choose}: picks when subscribed, emits the lease (or an empty response) on request, and
 * releases the lease if cancelled before it was delivered. Replaces {@code Mono.just} so that a pick made for a
 * subscriber that goes away cannot leak its slot.
 */
final class ChooseMono extends Mono<Response<ServiceInstance>> {

	static final Response<ServiceInstance> EMPTY = new EmptyResponse();

	private final LiveryLoadBalancer balancer;

	private final Request<?> request;

	ChooseMono(LiveryLoadBalancer balancer, Request<?> request) {
		this.balancer = balancer;
		this.request = request;
	}

	@Override
	public void subscribe(CoreSubscriber<? super Response<ServiceInstance>> actual) {
		InstanceLease lease;
		try {
			lease = this.balancer.pick(this.request);
		}
		catch (RuntimeException ex) {
			Operators.error(actual, ex);
			return;
		}
		if (lease != null) {
			LeaseScope scope = actual.currentContext().getOrDefault(LeaseScope.class, null);
			if (scope != null) {
				scope.track(lease);
			}
		}
		actual.onSubscribe(new LeaseSubscription(actual, lease));
	}

	private static final class LeaseSubscription extends AtomicBoolean implements Subscription {

		private final CoreSubscriber<? super Response<ServiceInstance>> actual;

		private final @Nullable InstanceLease lease;

		LeaseSubscription(CoreSubscriber<? super Response<ServiceInstance>> actual, @Nullable InstanceLease lease) {
			this.actual = actual;
			this.lease = lease;
		}

		@Override
		public void request(long n) {
			if (n > 0 && compareAndSet(false, true)) {
				this.actual.onNext((this.lease != null) ? this.lease : EMPTY);
				this.actual.onComplete();
			}
		}

		@Override
		public void cancel() {
			if (compareAndSet(false, true) && this.lease != null) {
				this.lease.release();
			}
		}

	}

}
