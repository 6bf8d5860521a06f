package dev.livery.loadbalancer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * One {@code host:port} in an {@link EndpointPool}, with its state, requests in flight and failure history.
 * Instances are created and changed by their pool only; the accessors give a consistent enough view for
 * monitoring.
 *
 * @param <T> the type of what the endpoint stands for, such as a discovery {@code ServiceInstance}
 * @since 0.1.0
 */
public final class Endpoint<T> {

	/*
	 * Implementation note: the state and its deadline share one long, the status word, so that a single
	 * compare-and-set moves an endpoint from one state to the next together with the time that state ends. Bits 0-2
	 * hold the state code, bits 3-63 the deadline in ticks since the pool's epoch (for EJECTED: when the ejection
	 * ends; for PROBING: when an unanswered probe lease lapses). A probe lease remembers the exact word it installed;
	 * completing the probe is a CAS from that word, so a lapsed probe answering late cannot disturb its successor.
	 * REMOVED is terminal and internal: once an endpoint leaves its pool no transition can succeed on it, which is
	 * what keeps the pool's counters exact under concurrent removal.
	 */

	static final int UP = 0;

	static final int EJECTED = 1;

	static final int PROBING = 2;

	static final int DRAINED = 3;

	static final int REMOVED = 4;

	private static final int STATE_BITS = 3;

	private static final int STATE_MASK = (1 << STATE_BITS) - 1;

	private static final VarHandle STATUS;

	private static final VarHandle IN_FLIGHT;

	private static final VarHandle FAILURES;

	private static final VarHandle EJECTIONS;

	private static final VarHandle SUCCESSES;

	private static final VarHandle FAILURE_COUNT;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATUS = lookup.findVarHandle(Endpoint.class, "status", long.class);
			IN_FLIGHT = lookup.findVarHandle(Endpoint.class, "inFlight", int.class);
			FAILURES = lookup.findVarHandle(Endpoint.class, "consecutiveFailures", int.class);
			EJECTIONS = lookup.findVarHandle(Endpoint.class, "ejections", long.class);
			SUCCESSES = lookup.findVarHandle(Endpoint.class, "successes", long.class);
			FAILURE_COUNT = lookup.findVarHandle(Endpoint.class, "failures", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final EndpointPool<T> pool;

	private final String key;

	private volatile T payload;

	private volatile long status;

	private volatile int inFlight;

	private volatile int consecutiveFailures;

	private volatile long ejections;

	private volatile long successes;

	private volatile long failures;

	/** Number of the latest ejection in the current run; decays while the endpoint stays healthy. */
	private volatile int multiplier;

	/** Ticks since the pool's epoch at which the endpoint was last reinstated. */
	private volatile long reinstatedAt;

	Endpoint(EndpointPool<T> pool, String key, T payload, int initialState) {
		this.pool = pool;
		this.key = key;
		this.payload = payload;
		this.status = pack(initialState, 0);
	}

	/**
	 * Return the endpoint's identity, {@code host:port}.
	 * @return the key
	 */
	public String key() {
		return this.key;
	}

	/**
	 * Return what the endpoint stands for, as last reported by discovery.
	 * @return the payload
	 */
	public T payload() {
		return this.payload;
	}

	/**
	 * Return the endpoint's state. An endpoint removed from its pool reports {@link EndpointState#DRAINED}.
	 * @return the state
	 */
	public EndpointState state() {
		return switch (stateOf(this.status)) {
			case UP -> EndpointState.UP;
			case EJECTED -> EndpointState.EJECTED;
			case PROBING -> EndpointState.PROBING;
			default -> EndpointState.DRAINED;
		};
	}

	/**
	 * Return whether the endpoint has left its pool.
	 * @return {@code true} once removed
	 */
	public boolean isRemoved() {
		return stateOf(this.status) == REMOVED;
	}

	/**
	 * Return whether a policy may choose this endpoint now: it is {@link EndpointState#UP}. (The single probe of an
	 * expired ejection is chosen by the pool, not by a policy.)
	 * @return whether eligible
	 * @since 0.2.0
	 */
	public boolean isEligible() {
		return stateOf(this.status) == UP;
	}

	/**
	 * Return the endpoint's weight: policies give it a share of the traffic proportional to this.
	 * @return the weight, at least 1
	 * @since 0.2.0
	 */
	public int weight() {
		return 1;
	}

	/**
	 * Return the number of requests picked for this endpoint and not yet completed, failed or cancelled.
	 * @return requests in flight
	 */
	public int inFlight() {
		return this.inFlight;
	}

	/**
	 * Return the number of failures since the last success.
	 * @return the current failure streak
	 */
	public int consecutiveFailures() {
		return this.consecutiveFailures;
	}

	/**
	 * Return how many requests to this endpoint have succeeded since it joined its pool.
	 * @return the cumulative number of successes
	 * @since 0.2.0
	 */
	public long successes() {
		return this.successes;
	}

	/**
	 * Return how many requests to this endpoint have failed since it joined its pool.
	 * @return the cumulative number of failures
	 * @since 0.2.0
	 */
	public long failures() {
		return this.failures;
	}

	/**
	 * Return how many times this endpoint has been ejected.
	 * @return the total number of ejections
	 */
	public long ejections() {
		return this.ejections;
	}

	/**
	 * Return the time left until the current ejection expires; zero unless {@link EndpointState#EJECTED}.
	 * @return the remaining ejection time
	 */
	public Duration ejectionTimeRemaining() {
		long word = this.status;
		if (stateOf(word) != EJECTED) {
			return Duration.ZERO;
		}
		return Duration.ofNanos(Math.max(0, deadlineOf(word) - this.pool.now()));
	}

	@Override
	public String toString() {
		return this.key + "[" + state() + ", inFlight=" + this.inFlight + ", failures=" + this.consecutiveFailures
				+ ", ejections=" + this.ejections + "]";
	}

	// --- status word ---

	static long pack(int state, long deadline) {
		return (deadline << STATE_BITS) | state;
	}

	static int stateOf(long word) {
		return (int) (word & STATE_MASK);
	}

	static long deadlineOf(long word) {
		return word >>> STATE_BITS;
	}

	long status() {
		return this.status;
	}

	boolean casStatus(long expected, long next) {
		return STATUS.compareAndSet(this, expected, next);
	}

	// --- counters ---

	void acquire() {
		IN_FLIGHT.getAndAdd(this, 1);
	}

	void release() {
		IN_FLIGHT.getAndAdd(this, -1);
	}

	int recordFailure() {
		FAILURE_COUNT.getAndAdd(this, 1L);
		return (int) FAILURES.getAndAdd(this, 1) + 1;
	}

	void countSuccess() {
		SUCCESSES.getAndAdd(this, 1L);
	}

	void resetFailures() {
		// Read first: successes are the common case and must not write the shared line each time.
		if (this.consecutiveFailures != 0) {
			this.consecutiveFailures = 0;
		}
	}

	void countEjection() {
		EJECTIONS.getAndAdd(this, 1L);
	}

	int multiplier() {
		return this.multiplier;
	}

	void multiplier(int multiplier) {
		this.multiplier = multiplier;
	}

	long reinstatedAt() {
		return this.reinstatedAt;
	}

	void reinstatedAt(long ticks) {
		this.reinstatedAt = ticks;
	}

	void payload(T payload) {
		if (this.payload != payload) {
			this.payload = payload;
		}
	}

	EndpointPool<T> pool() {
		return this.pool;
	}

}
