package dev.livery.loadbalancer;

import org.jspecify.annotations.Nullable;

/**
 * The time-keeping of an {@link EndpointPool} whose policy {@link PickPolicy#needsLatency() needs latency}: one
 * clock read per pick (before the policy chooses, and the lease's start), one per lease end, and each endpoint's
 * progress mark, from which the policy knows how long its oldest request in flight has at least waited. For any
 * other policy every method passes through without reading a clock. Lock-free; package-private, one per pool.
 *
 * @param <T> the type of what endpoints stand for
 */
final class LeaseTiming<T> {

	/*
	 * Latency. Only for a policy that needsLatency() (peak-ewma) does a pick read the clock, once, before it chooses:
	 * the policy compares endpoints as of that time (choose with now), and it is the lease's start. The pool reads
	 * the clock again when the lease ends, to tell the policy how long it took and how it ended; the lease's
	 * once-only CAS makes that exactly once per lease. Other policies read no clock for it.
	 *
	 * Progress (latency-aware pools). Each endpoint's lastProgress is the later of the end of its last lease (of any
	 * kind: success, failure, cancel, tracked or not) and the start of its last lease taken while nothing was in
	 * flight (a 0 -> 1, probes included). Whenever in flight is above zero, its oldest request is then at least
	 * now - lastProgress old: if a request was in flight when the last lease ended it still is (no lease has ended
	 * since), and it is older; if none was, in flight went 0 -> 1 since, and that lease is still in flight. The
	 * policy takes that age as a lower bound of the endpoint's latency (its "silence"), as it takes a cancel. A late
	 * mark only shrinks the bound; a missing or stale one would inflate it, so the orders are these. A completion
	 * reads the clock and marks progress before it releases its slot. A pick marks its start before it takes the slot
	 * if it saw nothing in flight, and again after if the slot it took was the first (in flight went 1 -> 0 between
	 * its look and its increment). A pick's policy reads in flight before lastProgress (and a later lastProgress
	 * than the one that went with that in flight only shrinks the bound). What remains is skew: a lease that read its
	 * end before a pick's start but released its slot after that pick's look or increment leaves its end as the mark,
	 * so the bound can exceed the truth by at most the time between that lease's clock read and its release
	 * (nanoseconds, unless its thread is descheduled right there). Untracked leases take no slot; their outcomes still
	 * mark progress (an answer is progress; the mark can only shrink the bound).
	 */

	private final EndpointPool<T> pool;

	private final PickPolicy policy;

	private final boolean on;

	LeaseTiming(EndpointPool<T> pool, PickPolicy policy) {
		this.pool = pool;
		this.policy = policy;
		this.on = policy.needsLatency();
	}

	/**
	 * Return whether leases are timed (the policy needs latency).
	 */
	boolean isOn() {
		return this.on;
	}

	/**
	 * Return the time of a pick: the pool's clock if leases are timed, else 0 (no read).
	 */
	long pickTime() {
		return this.on ? this.pool.now() : 0;
	}

	/**
	 * Let the policy choose, as of {@code now} if leases are timed.
	 */
	@Nullable Endpoint<T> choose(Endpoint<T>[] among, @Nullable Endpoint<T> avoid, @Nullable String key, long now) {
		return this.on ? this.policy.choose(among, avoid, key, now) : this.policy.choose(among, avoid, key);
	}

	/**
	 * Give a new lease its start, if leases are timed.
	 */
	<L extends Lease<T>> L started(L lease, long start) {
		if (this.on) {
			lease.start(start);
		}
		return lease;
	}

	/**
	 * Take an in-flight slot for a lease that starts at {@code start}; if leases are timed, mark the start as
	 * progress if nothing was in flight (before the increment if seen before, after it if it was the first).
	 */
	void acquire(Endpoint<T> endpoint, long start) {
		if (!this.on) {
			endpoint.acquire();
			return;
		}
		if (endpoint.inFlight() == 0) {
			endpoint.progress(start);
		}
		if (endpoint.acquire() == 0) {
			endpoint.progress(start);
		}
	}

	/**
	 * End a lease: if leases are timed, read the clock and mark progress; then release the slot if the lease held
	 * one; then tell the policy how long the lease took and how it ended.
	 */
	void end(Endpoint<T> endpoint, PickPolicy.Outcome outcome, long start, boolean held) {
		if (!this.on) {
			if (held) {
				endpoint.release();
			}
			return;
		}
		long end = this.pool.now();
		endpoint.progress(end);
		if (held) {
			endpoint.release();
		}
		this.policy.completed(endpoint, outcome, start, end);
	}

}
