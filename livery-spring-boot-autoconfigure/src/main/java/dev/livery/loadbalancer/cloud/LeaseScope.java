package dev.livery.loadbalancer.cloud;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.livery.loadbalancer.Lease;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.util.context.Context;

/**
 * The leases picked for one load-balanced request, released together when the request ends, however it ends. A
 * scope travels in the Reactor context of the request; {@link ChooseMono} registers every lease it picks there.
 */
class LeaseScope {

	/*
	 * Implementation note: the leases live in one field, null (none yet), a Lease (the usual single attempt), a Node
	 * list (retries, or several picks in one request) or CLOSED, changed only by compare-and-set, so that a track()
	 * racing the close() either lands before it (and is released by it) or sees CLOSED (and releases itself): no
	 * lease escapes. Closing releases every lease; a lease that the lifecycle already finished ignores it, because
	 * whichever of record/release comes first wins (Lease). A scope therefore holds finished leases until the request
	 * ends, which costs nothing but their references.
	 */

	private static final Object CLOSED = new Object();

	private static final VarHandle LEASES;

	static {
		try {
			LEASES = MethodHandles.lookup().findVarHandle(LeaseScope.class, "leases", Object.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private volatile @Nullable Object leases;

	/**
	 * Return a Mono that runs {@code source} in a new scope per subscription and releases the scope's leases when it
	 * completes, fails or is cancelled.
	 * @param <T> the type of the value
	 * @param source the load-balanced call
	 * @return the scoped call
	 */
	static <T> Mono<T> scope(Mono<T> source) {
		return new ScopedMono<>(source);
	}

	/**
	 * Add a lease to this scope, or release it at once if the request has already ended.
	 * @param lease the lease of one pick
	 */
	final void track(Lease<?> lease) {
		Object current = this.leases;
		while (current != CLOSED) {
			Object next = (current != null) ? new Node(lease, current) : lease;
			Object witness = LEASES.compareAndExchange(this, current, next);
			if (witness == current) {
				return;
			}
			current = witness;
		}
		// The request ended while the pick was on its way: nobody will ever finish this lease.
		lease.release();
	}

	/**
	 * End the scope: release every lease that is still open. Later tracks release their lease at once.
	 */
	final void close() {
		Object current = LEASES.getAndSet(this, CLOSED);
		while (current instanceof Node node) {
			node.lease.release();
			current = node.next;
		}
		if (current instanceof Lease<?> lease) {
			lease.release();
		}
	}

	private record Node(Lease<?> lease, Object next) {
	}

	private static final class ScopedMono<T> extends MonoOperator<T, T> {

		ScopedMono(Mono<T> source) {
			super(source);
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.source.subscribe(new ScopedSubscriber<>(actual));
		}

	}

	/**
	 * The scope of one subscription, which is also the subscriber that sees the request end.
	 */
	private static final class ScopedSubscriber<T> extends LeaseScope implements CoreSubscriber<T>, Subscription {

		private final CoreSubscriber<? super T> actual;

		private final Context context;

		private @Nullable Subscription upstream;

		ScopedSubscriber(CoreSubscriber<? super T> actual) {
			this.actual = actual;
			this.context = actual.currentContext().put(LeaseScope.class, this);
		}

		@Override
		public Context currentContext() {
			return this.context;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.upstream = subscription;
			this.actual.onSubscribe(this);
		}

		@Override
		public void onNext(T value) {
			this.actual.onNext(value);
		}

		@Override
		public void onError(Throwable error) {
			try {
				close();
			}
			finally {
				this.actual.onError(error);
			}
		}

		@Override
		public void onComplete() {
			try {
				close();
			}
			finally {
				this.actual.onComplete();
			}
		}

		@Override
		public void request(long n) {
			Subscription subscription = this.upstream;
			if (subscription != null) {
				subscription.request(n);
			}
		}

		@Override
		public void cancel() {
			try {
				Subscription subscription = this.upstream;
				if (subscription != null) {
					subscription.cancel();
				}
			}
			finally {
				close();
			}
		}

	}

}
