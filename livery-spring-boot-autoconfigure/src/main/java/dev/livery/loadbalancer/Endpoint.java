package dev.livery.loadbalancer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.OptionalInt;

import org.jspecify.annotations.Nullable;

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
	 *
	 * Health sits beside the status word, in its own int of bits: for each source (active checks, serving watch)
	 * whether it is on and whether it says unhealthy. Eligibility reads the status word and the health bits, and the
	 * pool's unhealthy mask only when some bit says unhealthy: in panic the mask leaves out the active checks' bit.
	 * The slow-start ramp factor is a plain volatile double that a timer moves; a pick reads it, never a clock.
	 *
	 * lastProgress (latency-aware pools only) is the later of the end of the last lease and the start of the last
	 * lease that found nothing in flight; the pool moves it forward only (a CAS loop), and, when in flight is above
	 * zero, the oldest request in flight is at least now - lastProgress old (see LeaseTiming).
	 */

	static final int UP = 0;

	static final int EJECTED = 1;

	static final int PROBING = 2;

	static final int DRAINED = 3;

	static final int REMOVED = 4;

	private static final int STATE_BITS = 3;

	private static final int STATE_MASK = (1 << STATE_BITS) - 1;

	/** Active checks are on for this endpoint. */
	static final int CHECK_ON = 1;

	/** Active checks say unhealthy. */
	static final int CHECK_BAD = 2;

	/** The serving watch is on for this endpoint. */
	static final int WATCH_ON = 4;

	/** The serving watch says unhealthy. */
	static final int WATCH_BAD = 8;

	/** Every source's unhealthy bit. */
	static final int BAD = CHECK_BAD | WATCH_BAD;

	private static final int NO_SCORE = Integer.MIN_VALUE;

	static final long NOT_RAMPING = Long.MIN_VALUE;

	private static final VarHandle STATUS;

	private static final VarHandle IN_FLIGHT;

	private static final VarHandle FAILURES;

	private static final VarHandle EJECTIONS;

	private static final VarHandle SUCCESSES;

	private static final VarHandle FAILURE_COUNT;

	private static final VarHandle HEALTH;

	private static final VarHandle RAMP_STARTED_AT;

	private static final VarHandle LAST_PROGRESS;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATUS = lookup.findVarHandle(Endpoint.class, "status", long.class);
			IN_FLIGHT = lookup.findVarHandle(Endpoint.class, "inFlight", int.class);
			FAILURES = lookup.findVarHandle(Endpoint.class, "consecutiveFailures", int.class);
			EJECTIONS = lookup.findVarHandle(Endpoint.class, "ejections", long.class);
			SUCCESSES = lookup.findVarHandle(Endpoint.class, "successes", long.class);
			FAILURE_COUNT = lookup.findVarHandle(Endpoint.class, "failures", long.class);
			HEALTH = lookup.findVarHandle(Endpoint.class, "health", int.class);
			RAMP_STARTED_AT = lookup.findVarHandle(Endpoint.class, "rampStartedAt", long.class);
			LAST_PROGRESS = lookup.findVarHandle(Endpoint.class, "lastProgress", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final EndpointPool<T> pool;

	private final String key;

	private volatile T payload;

	/** Weight from discovery (instance metadata {@code weight}), at least 1; set by the pool. */
	private volatile int weight = 1;

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

	/** Latency estimate kept by a latency-aware policy, which attaches it; null under other policies. */
	private volatile @Nullable PeakEwma latency;

	/**
	 * Ticks since the pool's epoch of the last sign of progress (latency-aware pools only): the later of the end of
	 * the last lease and the start of the last lease taken while nothing was in flight. Only ever moves forward.
	 */
	private volatile long lastProgress;

	/** The health bits: CHECK_ON, CHECK_BAD, WATCH_ON, WATCH_BAD. */
	private volatile int health;

	private volatile int healthScore = NO_SCORE;

	private volatile @Nullable String servingStatus;

	/** Part of its weight the endpoint gets while slow start ramps it; 1 otherwise. */
	private volatile double rampUp = 1.0;

	/** Ticks since the pool's epoch at which the current ramp began, or NOT_RAMPING. */
	private volatile long rampStartedAt = NOT_RAMPING;

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
	 * Return whether a policy may choose this endpoint now: it is {@link EndpointState#UP} and its
	 * {@link #health() health} is not {@link EndpointHealth#UNHEALTHY} (in panic, active checks are not listened to).
	 * (The single probe of an expired ejection is chosen by the pool, not by a policy.)
	 * @return whether eligible
	 * @since 0.2.0
	 */
	public boolean isEligible() {
		if (stateOf(this.status) != UP) {
			return false;
		}
		int bits = this.health;
		return (bits & BAD) == 0 || (bits & this.pool.unhealthyMask()) == 0;
	}

	/**
	 * Return the endpoint's weight as discovery gives it (instance metadata {@code weight} for Spring Cloud
	 * instances): policies give it a share of the traffic proportional to this.
	 * @return the weight, at least 1
	 * @since 0.2.0
	 * @see #effectiveWeight()
	 */
	public int weight() {
		return this.weight;
	}

	/**
	 * Return the weight policies use right now: {@link #weight()}, scaled by anything that temporarily lowers it
	 * (the slow-start {@link #rampUp() ramp}). Every policy reads this one accessor, so whatever scales the weight does
	 * it here.
	 * @return the effective weight, above 0
	 * @since 0.2.0
	 */
	public double effectiveWeight() {
		return this.weight * this.rampUp;
	}

	/**
	 * Return the part of its weight slow start gives the endpoint now: 1 unless it is ramping up after joining or
	 * coming back.
	 * @return the factor, greater than 0 and at most 1
	 * @since 0.2.0
	 */
	public double rampUp() {
		return this.rampUp;
	}

	/**
	 * Return what the endpoint's health sources say of it.
	 * @return the health
	 * @since 0.2.0
	 */
	public EndpointHealth health() {
		int bits = this.health;
		if ((bits & BAD) != 0) {
			return EndpointHealth.UNHEALTHY;
		}
		return (bits == 0) ? EndpointHealth.UNCHECKED : EndpointHealth.HEALTHY;
	}

	/**
	 * Return the endpoint's active-check score.
	 * @return the score, or empty while active checks are off for it
	 * @since 0.2.0
	 */
	public OptionalInt healthScore() {
		int score = this.healthScore;
		return (score == NO_SCORE) ? OptionalInt.empty() : OptionalInt.of(score);
	}

	/**
	 * Return the last status the endpoint's serving watch received, such as {@code SERVING}.
	 * @return the status name, or {@code null} if none (watch off, nothing received yet, or the endpoint does not
	 * speak the protocol)
	 * @since 0.2.0
	 */
	public @Nullable String servingStatus() {
		return this.servingStatus;
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

	/**
	 * Return the latency estimate of a latency-aware policy ({@code peak-ewma}) as of now.
	 * @return the estimate, or {@code null} under another policy or before the first answer
	 * @since 0.2.0
	 */
	public @Nullable Duration latencyEstimate() {
		PeakEwma current = this.latency;
		if (current == null) {
			return null;
		}
		double nanos = current.estimateNanos(this.pool.now());
		return (nanos < 0) ? null : Duration.ofNanos(Math.round(nanos));
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

	/**
	 * Take an in-flight slot.
	 * @return the requests in flight before
	 */
	int acquire() {
		return (int) IN_FLIGHT.getAndAdd(this, 1);
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

	/**
	 * Set the weight; called by the pool under its membership lock.
	 * @return whether it changed
	 */
	boolean weight(int weight) {
		if (this.weight == weight) {
			return false;
		}
		this.weight = weight;
		return true;
	}

	// --- health and slow start, changed by the pool ---

	int healthBits() {
		return this.health;
	}

	/**
	 * Replace the bits of {@code mask} with {@code bits}.
	 * @return the bits before
	 */
	int updateHealth(int mask, int bits) {
		while (true) {
			int current = this.health;
			int next = (current & ~mask) | bits;
			if (current == next || HEALTH.compareAndSet(this, current, next)) {
				return current;
			}
		}
	}

	void healthScore(int score) {
		this.healthScore = score;
	}

	void clearHealthScore() {
		this.healthScore = NO_SCORE;
	}

	void servingStatus(@Nullable String status) {
		this.servingStatus = status;
	}

	long rampStartedAt() {
		return this.rampStartedAt;
	}

	void startRamp(long now, double factor) {
		this.rampStartedAt = now;
		this.rampUp = factor;
	}

	/**
	 * Move the ramp of the ramp that began at {@code startedAt}; a ramp that began since is left alone.
	 */
	void ramp(long startedAt, double factor) {
		if (factor >= 1.0) {
			if (RAMP_STARTED_AT.compareAndSet(this, startedAt, NOT_RAMPING)) {
				this.rampUp = 1.0;
			}
		}
		else if (this.rampStartedAt == startedAt) {
			this.rampUp = factor;
		}
	}

	void payload(T payload) {
		if (this.payload != payload) {
			this.payload = payload;
		}
	}

	@Nullable PeakEwma latency() {
		return this.latency;
	}

	void latency(PeakEwma latency) {
		this.latency = latency;
	}

	void forgetLatency() {
		PeakEwma current = this.latency;
		if (current != null) {
			current.forget();
		}
	}

	long lastProgress() {
		return this.lastProgress;
	}

	/**
	 * Move the last progress forward to {@code ticks}; a time at or before it changes nothing.
	 */
	void progress(long ticks) {
		long current = this.lastProgress;
		while (ticks > current) {
			long witness = (long) LAST_PROGRESS.compareAndExchange(this, current, ticks);
			if (witness == current) {
				return;
			}
			current = witness;
		}
	}

	EndpointPool<T> pool() {
		return this.pool;
	}

}
