package dev.livery.loadbalancer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pick of an {@link EndpointPool}: holds the endpoint's in-flight slot (and, for a probe, the probe lease) until
 * the caller reports an outcome or gives up. Whichever of {@link #recordSuccess()}, {@link #recordFailure()} and
 * {@link #release()} comes first takes effect; the others do nothing, so a lease can be finished from several
 * places (completion, error, cancellation) without ever releasing twice.
 *
 * <p>The class is open so that an integration can make its lease double as the object its framework needs per
 * request (see {@link LeaseFactory}); subclasses add behaviour, never state transitions.
 *
 * @param <T> the type of what endpoints stand for
 * @since 0.1.0
 */
public class Lease<T> {

	private static final int OPEN = 0;

	private static final int UNTRACKED = 1;

	private static final int DONE = 2;

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(Lease.class, "state", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Endpoint<T> endpoint;

	private final T payload;

	private final long probeToken;

	/**
	 * The pool's clock when it picked the endpoint, if its policy needs latency; else 0. Set by the pool before the
	 * lease leaves its pick (so published with the lease, like the state), because the pool reads that clock before
	 * the lease exists: its policy compares endpoints as of that time.
	 */
	private long start;

	private volatile int state;

	/**
	 * Create a lease; called by an {@link EndpointPool} through a {@link LeaseFactory} only, which passes its
	 * arguments through unchanged.
	 * @param endpoint the leased endpoint
	 * @param probeToken the pool's token for a probe lease, {@code 0} otherwise
	 * @param tracked whether the lease holds an in-flight slot
	 */
	protected Lease(Endpoint<T> endpoint, long probeToken, boolean tracked) {
		this.endpoint = endpoint;
		this.payload = endpoint.payload();
		this.probeToken = probeToken;
		this.state = tracked ? OPEN : UNTRACKED;
	}

	/**
	 * Return the leased endpoint.
	 * @return the endpoint
	 */
	public final Endpoint<T> endpoint() {
		return this.endpoint;
	}

	/**
	 * Return what the leased endpoint stood for when it was picked.
	 * @return the payload
	 */
	public final T payload() {
		return this.payload;
	}

	/**
	 * Return whether this lease is the single probe of an endpoint whose ejection expired.
	 * @return whether this is a probe
	 */
	public final boolean isProbe() {
		return this.probeToken != 0;
	}

	/**
	 * Return whether the lease is still open: picked, and neither completed nor released.
	 * @return whether the lease still holds its slot
	 */
	public final boolean isOpen() {
		return this.state == OPEN;
	}

	/**
	 * Report a success: releases the slot, resets the failure streak, and reinstates a probed endpoint.
	 * @return whether this call finished the lease
	 */
	public final boolean recordSuccess() {
		int previous = finish();
		if (previous == DONE) {
			return false;
		}
		this.endpoint.pool().onSuccess(this.endpoint, this.probeToken, this.start, previous == OPEN);
		return true;
	}

	/**
	 * Report a failure: releases the slot, extends the failure streak (ejecting the endpoint when it reaches the
	 * threshold), and ejects a probed endpoint again for longer.
	 * @return whether this call finished the lease
	 */
	public final boolean recordFailure() {
		int previous = finish();
		if (previous == DONE) {
			return false;
		}
		this.endpoint.pool().onFailure(this.endpoint, this.probeToken, this.start, previous == OPEN);
		return true;
	}

	/**
	 * Report a failure to connect: a {@link #recordFailure() failure}, which also lowers the endpoint's active-check
	 * score where active health checks are on.
	 * @return whether this call finished the lease
	 * @since 0.2.0
	 */
	public final boolean recordConnectFailure() {
		if (!recordFailure()) {
			return false;
		}
		this.endpoint.pool().health().reportConnectFailure(this.endpoint);
		return true;
	}

	/**
	 * Give the slot back without an outcome, as when the caller cancelled. A released probe lets the next pick probe
	 * again; a latency-aware policy learns that the call took at least this long. Idempotent, and safe after the
	 * endpoint left its pool. Does nothing to an untracked lease, which holds
	 * no slot and may still be told an outcome.
	 * @return whether this call finished the lease
	 */
	public final boolean release() {
		if (!STATE.compareAndSet(this, OPEN, DONE)) {
			return false;
		}
		this.endpoint.pool().onRelease(this.endpoint, this.probeToken, this.start);
		return true;
	}

	/**
	 * Mark the lease done; the pool then releases the slot if it was open (after it marked the endpoint's
	 * progress, under a latency-aware policy).
	 * @return the state before
	 */
	private int finish() {
		int current = this.state;
		while (current != DONE) {
			int witness = (int) STATE.compareAndExchange(this, current, DONE);
			if (witness == current) {
				return current;
			}
			current = witness;
		}
		return DONE;
	}

	/**
	 * Set the time the pool picked the endpoint; called by the pool only, before the lease leaves its pick.
	 */
	final void start(long start) {
		this.start = start;
	}

	@Override
	public String toString() {
		return "Lease[" + this.endpoint.key() + (isProbe() ? ", probe" : "")
				+ ((this.state == DONE) ? ", done]" : ", open]");
	}

}
