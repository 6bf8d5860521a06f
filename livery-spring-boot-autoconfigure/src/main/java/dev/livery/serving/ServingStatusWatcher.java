package dev.livery.serving;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * One subscription to {@link ServingStatusStore#watch(String)}: a latest-wins drain loop over the service's current
 * status, registered with the store while it lasts.
 */
final class ServingStatusWatcher implements Subscription {

	private static final AtomicLongFieldUpdater<ServingStatusWatcher> REQUESTED = AtomicLongFieldUpdater
		.newUpdater(ServingStatusWatcher.class, "requested");

	private static final AtomicIntegerFieldUpdater<ServingStatusWatcher> WIP = AtomicIntegerFieldUpdater
		.newUpdater(ServingStatusWatcher.class, "wip");

	private static final AtomicIntegerFieldUpdater<ServingStatusWatcher> DONE = AtomicIntegerFieldUpdater
		.newUpdater(ServingStatusWatcher.class, "done");

	final String service;

	private final ServingStatusStore store;

	private final CoreSubscriber<? super ServingStatus> actual;

	private volatile long requested;

	private volatile int wip;

	/**
	 * 1 once cancelled or terminated; the watcher is then (being) unregistered.
	 */
	private volatile int done;

	/**
	 * Last status emitted; read and written only inside the drain loop.
	 */
	private @Nullable ServingStatus emitted;

	ServingStatusWatcher(ServingStatusStore store, String service, CoreSubscriber<? super ServingStatus> actual) {
		this.store = store;
		this.service = service;
		this.actual = actual;
	}

	void start() {
		if (this.done != 0) {
			return;
		}
		this.store.register(this);
		if (this.done != 0) {
			// Cancelled while registering: the cancel may have missed the registration.
			this.store.unregister(this);
			return;
		}
		drain();
	}

	@Override
	public void request(long n) {
		if (Operators.validate(n)) {
			Operators.addCap(REQUESTED, this, n);
			drain();
		}
	}

	@Override
	public void cancel() {
		if (DONE.compareAndSet(this, 0, 1)) {
			this.store.unregister(this);
		}
	}

	void drain() {
		if (WIP.getAndIncrement(this) != 0) {
			return;
		}
		int missed = 1;
		for (;;) {
			if (this.done != 0) {
				return;
			}
			// Read 'closed' before the status: once closed, every status read is final.
			boolean closed = this.store.closed;
			ServingStatus current = this.store.current(this.service);
			if (current != this.emitted && this.requested > 0) {
				this.emitted = current;
				if (this.requested != Long.MAX_VALUE) {
					REQUESTED.decrementAndGet(this);
				}
				try {
					this.actual.onNext(current);
				}
				catch (Throwable ex) {
					Exceptions.throwIfFatal(ex);
					cancel();
					this.actual.onError(Operators.onOperatorError(ex, this.actual.currentContext()));
					return;
				}
			}
			if (closed && current == this.emitted
					&& (current == ServingStatus.NOT_SERVING || current == ServingStatus.SERVICE_UNKNOWN)) {
				if (DONE.compareAndSet(this, 0, 1)) {
					this.store.unregister(this);
					this.actual.onComplete();
				}
				return;
			}
			missed = WIP.addAndGet(this, -missed);
			if (missed == 0) {
				return;
			}
		}
	}

	/**
	 * The {@link Flux} that {@link ServingStatusStore#watch(String)} returns: one watcher per subscriber.
	 */
	static final class WatchFlux extends Flux<ServingStatus> {

		private final ServingStatusStore store;

		private final String service;

		WatchFlux(ServingStatusStore store, String service) {
			this.store = store;
			this.service = service;
		}

		@Override
		public void subscribe(CoreSubscriber<? super ServingStatus> actual) {
			ServingStatusWatcher watcher = new ServingStatusWatcher(this.store, this.service, actual);
			actual.onSubscribe(watcher);
			watcher.start();
		}

	}

}
