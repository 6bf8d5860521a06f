package dev.livery.concurrency;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * {@link ConcurrencyLimiter} whose limit a {@link LimitAlgorithm} moves with the latency and
 * the drops of the requests it admitted.
 *
 * <p><b>Implementation note.</b> Admission is the fixed limiter's, against a limit that
 * moves:
 * <ul>
 * <li><em>exact bound</em>: a request is admitted by one compare-and-set of the in-flight
 * count from {@code n} to {@code n + 1}, taken only while {@code n} is below the current
 * limit (read afresh on every attempt). When the limit shrinks below the count, nobody is
 * admitted until enough requests have finished; nothing already admitted is cut off;</li>
 * <li><em>release exactly once</em>: each permit flips its own released flag with a
 * compare-and-set and only the call that flips it gives the slot back and records a
 * sample, so completion, error and cancellation may race without a double count.</li>
 * </ul>
 * <b>Samples.</b> A permit records the clock at admission and the count it was admitted at;
 * its release adds the time since admission to the current window (a {@link LongAdder} sum
 * and count) or, for a drop ({@link Outcome#ERROR} or {@link Outcome#CANCELLED}), counts a
 * drop without its latency: a fast 5xx would otherwise make an overloaded server look fast,
 * and a cancellation's latency is the caller's patience. Nothing is allocated per sample.
 * <p><b>Windows.</b> The limit is not moved per request: the algorithm's state would need a
 * lock, and one request's latency is noise. A release that finds the window at least
 * {@code window} old and holding at least {@code windowSamples} samples tries to claim the
 * update with a compare-and-set; the one thread that wins reads and resets the window, asks
 * the algorithm for the new limit and publishes it, while every other thread goes on
 * without waiting. The algorithm is therefore called by one thread at a time, and the
 * claiming compare-and-set and the releasing volatile write order successive updates. The
 * window's counters are reset one after the other, so a sample that lands mid-reset may
 * count its latency in one window and itself in the next; over a window of many samples
 * that error is negligible and never accumulates.
 *
 * @since 0.2.0
 */
public final class AdaptiveConcurrencyLimiter implements ConcurrencyLimiter {

	/**
	 * Default shortest time between two limit updates.
	 */
	public static final Duration DEFAULT_WINDOW = Duration.ofMillis(100);

	/**
	 * Default fewest completed requests a window needs before it updates the limit.
	 */
	public static final int DEFAULT_WINDOW_SAMPLES = 10;

	private static final VarHandle IN_FLIGHT;

	private static final VarHandle MAX_IN_FLIGHT;

	private static final VarHandle UPDATING;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			IN_FLIGHT = lookup.findVarHandle(AdaptiveConcurrencyLimiter.class, "inFlight", int.class);
			MAX_IN_FLIGHT = lookup.findVarHandle(AdaptiveConcurrencyLimiter.class, "maxInFlight", int.class);
			UPDATING = lookup.findVarHandle(AdaptiveConcurrencyLimiter.class, "updating", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final LimitAlgorithm algorithm;

	private final LongSupplier nanoClock;

	private final long windowNanos;

	private final int windowSamples;

	private final LongAdder rejected = new LongAdder();

	private final LongAdder dropped = new LongAdder();

	private final LongAdder windowRttSum = new LongAdder();

	private final LongAdder windowSampleCount = new LongAdder();

	private final LongAdder windowDropCount = new LongAdder();

	@SuppressWarnings("unused") // accessed through IN_FLIGHT
	private volatile int inFlight;

	@SuppressWarnings("unused") // accessed through MAX_IN_FLIGHT
	private volatile int maxInFlight;

	@SuppressWarnings("unused") // accessed through UPDATING
	private volatile boolean updating;

	private volatile int limit;

	private volatile long windowStart;

	private volatile long recentRttNanos;

	private volatile long rttNoLoadNanos;

	/**
	 * Create a limiter with the default window ({@value #DEFAULT_WINDOW_SAMPLES} samples and
	 * 100 ms at least) on the system clock.
	 * @param algorithm the algorithm that moves the limit, at its initial limit
	 */
	public AdaptiveConcurrencyLimiter(LimitAlgorithm algorithm) {
		this(algorithm, DEFAULT_WINDOW, DEFAULT_WINDOW_SAMPLES, System::nanoTime);
	}

	/**
	 * Create a limiter.
	 * @param algorithm the algorithm that moves the limit, at its initial limit
	 * @param window the shortest time between two limit updates, positive
	 * @param windowSamples the fewest completed requests (samples and drops) a window needs
	 * before it updates the limit, at least 1
	 * @param nanoClock monotonic time in nanoseconds (tests pass a fake one)
	 */
	public AdaptiveConcurrencyLimiter(LimitAlgorithm algorithm, Duration window, int windowSamples,
			LongSupplier nanoClock) {
		if (window.isNegative() || window.isZero()) {
			throw new IllegalArgumentException("window must be positive but was " + window);
		}
		if (windowSamples < 1) {
			throw new IllegalArgumentException("windowSamples must be at least 1 but was " + windowSamples);
		}
		this.algorithm = algorithm;
		this.nanoClock = nanoClock;
		this.windowNanos = window.toNanos();
		this.windowSamples = windowSamples;
		this.limit = Math.max(1, algorithm.limit());
		this.windowStart = nanoClock.getAsLong();
	}

	@Override
	public @Nullable Permit tryAcquire() {
		int current = this.inFlight;
		while (current < this.limit) {
			int witness = (int) IN_FLIGHT.compareAndExchange(this, current, current + 1);
			if (witness == current) {
				return new AdaptivePermit(this, this.nanoClock.getAsLong(), current + 1);
			}
			current = witness;
		}
		this.rejected.increment();
		return null;
	}

	private void release(AdaptivePermit permit, Outcome outcome) {
		int previous = (int) IN_FLIGHT.getAndAdd(this, -1);
		assert previous > 0 : "released more permits than acquired";
		long now = this.nanoClock.getAsLong();
		if (outcome == Outcome.SUCCESS) {
			this.windowRttSum.add(now - permit.admittedAt);
			this.windowSampleCount.increment();
		}
		else {
			this.windowDropCount.increment();
			this.dropped.increment();
		}
		raiseMaxInFlight(permit.inFlightAtAdmission);
		if (now - this.windowStart >= this.windowNanos) {
			tryUpdate(now);
		}
	}

	private void raiseMaxInFlight(int candidate) {
		int current = this.maxInFlight;
		while (candidate > current) {
			int witness = (int) MAX_IN_FLIGHT.compareAndExchange(this, current, candidate);
			if (witness == current) {
				return;
			}
			current = witness;
		}
	}

	private void tryUpdate(long now) {
		if (!UPDATING.compareAndSet(this, false, true)) {
			return;
		}
		try {
			if (now - this.windowStart < this.windowNanos
					|| this.windowSampleCount.sum() + this.windowDropCount.sum() < this.windowSamples) {
				return;
			}
			long samples = this.windowSampleCount.sumThenReset();
			long rttSum = this.windowRttSum.sumThenReset();
			long drops = this.windowDropCount.sumThenReset();
			int maxInFlight = Math.max((int) MAX_IN_FLIGHT.getAndSet(this, 0), this.inFlight);
			long rtt = (samples > 0) ? Math.max(1, rttSum / samples) : 0;
			int newLimit = Math.max(1, this.algorithm.update(rtt, maxInFlight, drops > 0));
			if (rtt > 0) {
				this.recentRttNanos = rtt;
			}
			this.rttNoLoadNanos = this.algorithm.rttNoLoadNanos();
			this.limit = newLimit;
			this.windowStart = now;
		}
		finally {
			UPDATING.setVolatile(this, false);
		}
	}

	@Override
	public int inFlight() {
		return this.inFlight;
	}

	@Override
	public int limit() {
		return this.limit;
	}

	@Override
	public long rejected() {
		return this.rejected.sum();
	}

	/**
	 * Return how many admitted requests ended as drops (an error, a 5xx, a cancellation)
	 * since this limiter was created.
	 * @return the monotonic count of drops
	 */
	public long dropped() {
		return this.dropped.sum();
	}

	/**
	 * Return the average latency, admission to completion, of the last window that had
	 * samples.
	 * @return the latency in nanoseconds, or {@code 0} before the first update
	 */
	public long recentRttNanos() {
		return this.recentRttNanos;
	}

	/**
	 * Return the algorithm's estimate of the no-load latency after the last update (see
	 * {@link LimitAlgorithm#rttNoLoadNanos()}).
	 * @return the estimate in nanoseconds, or {@code 0} if the algorithm keeps none
	 */
	public long rttNoLoadNanos() {
		return this.rttNoLoadNanos;
	}

	/**
	 * Return the algorithm that moves the limit; it is not thread-safe, so read it only for
	 * display.
	 * @return the algorithm
	 */
	public LimitAlgorithm getAlgorithm() {
		return this.algorithm;
	}

	@Override
	public String toString() {
		return "AdaptiveConcurrencyLimiter[" + this.algorithm.getClass().getSimpleName() + ", limit=" + this.limit
				+ ", inFlight=" + this.inFlight + ", rejected=" + rejected() + "]";
	}

	/**
	 * A permit that remembers when it was admitted and gives its slot back at most once.
	 */
	private static final class AdaptivePermit implements Permit {

		private static final VarHandle RELEASED;

		static {
			try {
				RELEASED = MethodHandles.lookup().findVarHandle(AdaptivePermit.class, "released", boolean.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final AdaptiveConcurrencyLimiter limiter;

		private final long admittedAt;

		private final int inFlightAtAdmission;

		@SuppressWarnings("unused") // accessed through RELEASED
		private volatile boolean released;

		AdaptivePermit(AdaptiveConcurrencyLimiter limiter, long admittedAt, int inFlightAtAdmission) {
			this.limiter = limiter;
			this.admittedAt = admittedAt;
			this.inFlightAtAdmission = inFlightAtAdmission;
		}

		@Override
		public boolean release(Outcome outcome) {
			if (!RELEASED.compareAndSet(this, false, true)) {
				return false;
			}
			this.limiter.release(this, outcome);
			return true;
		}

		@Override
		public String toString() {
			return "AdaptivePermit[released=" + this.released + "]";
		}

	}

}
