package dev.livery.loadbalancer.cloud;

import dev.livery.loadbalancer.Lease;
import org.jspecify.annotations.Nullable;

/**
 * Remembers the lease of a request's current attempt so that it can be released when the caller cancels. Put in the
 * Reactor context of an exchange by {@link LeaseReleasingExchangeFilterFunction} and filled by
 * {@link LiveryLoadBalancer} when it picks.
 *
 * @since 0.1.0
 */
final class CancelGuard {

	private volatile @Nullable Lease<?> lease;

	private volatile boolean cancelled;

	void track(Lease<?> lease) {
		this.lease = lease;
		if (this.cancelled) {
			// Cancelled while the pick was on its way: nobody will ever finish this lease.
			lease.release();
		}
	}

	void cancel() {
		this.cancelled = true;
		Lease<?> current = this.lease;
		if (current != null) {
			current.release();
		}
	}

}
