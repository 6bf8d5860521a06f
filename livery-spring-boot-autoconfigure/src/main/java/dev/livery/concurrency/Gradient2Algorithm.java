package dev.livery.concurrency;

import java.util.function.IntUnaryOperator;

/**
 * {@link LimitAlgorithm} that compares each window's latency with a long-term average and
 * shrinks the limit when the two diverge (the Gradient2 algorithm of Netflix
 * concurrency-limits).
 *
 * <p><b>Implementation note.</b> Per window, with {@code L} the current limit:
 * <ul>
 * <li>the window's average latency is the <em>short</em> RTT; the <em>long</em> RTT is an
 * exponential average of the short ones over {@code longWindow} windows (a plain average
 * over the first ten). After a long overload the long RTT lags far above the short one once
 * the overload is gone, so when it exceeds twice the short RTT it is cut by 5 % per window
 * rather than left to decay;</li>
 * <li>{@code gradient = clamp(rttTolerance × long / short, 0.5, 1)}: {@code 1} while the
 * latency stays within the tolerance of its long-term level, less as a queue builds up, and
 * never below {@code 0.5} so that one outlier window cannot halve the limit;</li>
 * <li>{@code new = L × gradient}, or {@code L + queueSize(L)} while the gradient is 1,
 * smoothed: {@code L = L × (1 − smoothing) + new × smoothing}, then clamped to the bounds.
 * The {@code queueSize} term lets the limit grow while latency is flat, so the algorithm
 * keeps probing for capacity;</li>
 * <li>while fewer than {@code L / 2} requests were in flight the limit stays as it is: the
 * application, not the server, limited the load, so the window says nothing about capacity
 * (without this the limit would drift up to the maximum under light load);</li>
 * <li>a window with a drop counts as the steepest gradient, {@code 0.5}, with no queue term:
 * with the default smoothing the limit backs off by 10 %, as AIMD would. Netflix's Gradient2
 * ignores drops; livery treats a 5xx, a timeout or a cancellation as overload, as its other
 * algorithms do (the idea is discussed in concurrency-limits #134);</li>
 * <li><em>where livery departs from Netflix's Gradient2</em>, which adds the queue term
 * whatever the gradient and lets the long RTT learn every window. First, the queue term
 * only while the gradient is 1: added to a shrinking limit it holds the limit at
 * {@code queueSize / (1 − gradient)} (16 for a service twice as slow as it used to be),
 * where nothing is learnt and nothing recovers (the change proposed in concurrency-limits
 * #134). Second, the long RTT learns a window only if that window is below it, or the
 * application limited the load (fewer than {@code L / 2} in flight), or the limit is at its
 * minimum. Learning every window, under a
 * sustained overload the long RTT climbs towards the queued latency it should be compared
 * with, the gradient returns to 1 and the queue term grows the limit without end (on the
 * simulated server of this class's tests, from 80 to 193 in 600 windows at ten times the
 * capacity; the same creep is plotted in #134). A window with a queue is the limiter's own
 * doing and says nothing about the service. A service whose real latency rose is still
 * learnt: the limit shrinks to its minimum, where the long RTT learns again, then grows
 * back from the new level.</li>
 * </ul>
 * Under a sustained overload the limit therefore hovers where the short RTT is
 * {@code rttTolerance} times the long one: the admitted requests' latency settles at about
 * {@code rttTolerance} times the unloaded one.
 * Not thread-safe, see {@link LimitAlgorithm}.
 *
 * @since 0.2.0
 */
public final class Gradient2Algorithm implements LimitAlgorithm {

	private static final int WARM_UP_WINDOWS = 10;

	private final int minLimit;

	private final int maxLimit;

	private final double smoothing;

	private final IntUnaryOperator queueSize;

	private final double rttTolerance;

	private final double longRttFactor;

	private double estimate;

	private double longRtt;

	private long longRttSum;

	private int longRttCount;

	private Gradient2Algorithm(Builder builder) {
		this.minLimit = builder.minLimit;
		this.maxLimit = builder.maxLimit;
		this.smoothing = builder.smoothing;
		this.queueSize = builder.queueSize;
		this.rttTolerance = builder.rttTolerance;
		this.longRttFactor = 2.0 / (builder.longWindow + 1);
		this.estimate = builder.initialLimit;
	}

	/**
	 * Return a builder with the defaults of Netflix's Gradient2: limits 20 to 200 starting at
	 * 20, smoothing 0.2, queue size 4, long window 600, RTT tolerance 1.5.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	@Override
	public int limit() {
		return (int) this.estimate;
	}

	@Override
	public int update(long rttNanos, int maxInFlight, boolean dropped) {
		double limit = this.estimate;
		if (dropped) {
			return apply(limit * 0.5);
		}
		if (rttNanos <= 0) {
			return (int) limit;
		}
		double shortRtt = rttNanos;
		boolean appLimited = maxInFlight < limit / 2;
		double longRtt = this.longRtt;
		if (this.longRttCount < WARM_UP_WINDOWS || shortRtt < longRtt || appLimited || limit <= this.minLimit) {
			longRtt = addToLongRtt(shortRtt);
		}
		if (longRtt / shortRtt > 2) {
			longRtt = longRtt * 0.95;
			this.longRtt = longRtt;
		}
		if (appLimited) {
			return (int) limit;
		}
		double gradient = Math.max(0.5, Math.min(1.0, this.rttTolerance * longRtt / shortRtt));
		return apply((gradient < 1.0) ? limit * gradient : limit + this.queueSize.applyAsInt((int) limit));
	}

	/**
	 * Add a window to the long-term average; in warm-up, a plain average of the first windows.
	 */
	private double addToLongRtt(double rtt) {
		if (this.longRttCount < WARM_UP_WINDOWS) {
			this.longRttCount++;
			this.longRttSum += (long) rtt;
			this.longRtt = (double) this.longRttSum / this.longRttCount;
		}
		else {
			this.longRtt = this.longRtt * (1 - this.longRttFactor) + rtt * this.longRttFactor;
		}
		return this.longRtt;
	}

	private int apply(double target) {
		double smoothed = this.estimate * (1 - this.smoothing) + target * this.smoothing;
		this.estimate = Math.max(this.minLimit, Math.min(this.maxLimit, smoothed));
		return (int) this.estimate;
	}

	@Override
	public long rttNoLoadNanos() {
		return (long) this.longRtt;
	}

	@Override
	public String toString() {
		return "Gradient2Algorithm[limit=" + limit() + ", longRtt=" + (long) this.longRtt + "ns]";
	}

	/**
	 * Builder of a {@link Gradient2Algorithm}; every setting is checked by {@link #build()}.
	 *
	 * @since 0.2.0
	 */
	public static final class Builder {

		private int minLimit = 20;

		private int maxLimit = 200;

		private int initialLimit = 20;

		private double smoothing = 0.2;

		private IntUnaryOperator queueSize = (limit) -> 4;

		private int queueSizeConstant = 4;

		private int longWindow = 600;

		private double rttTolerance = 1.5;

		private Builder() {
		}

		/**
		 * Set the bounds of the limit and where it starts.
		 * @param minLimit the smallest limit, at least 1
		 * @param initialLimit the limit before the first window, between the two bounds
		 * @param maxLimit the largest limit
		 * @return this builder
		 */
		public Builder limits(int minLimit, int initialLimit, int maxLimit) {
			this.minLimit = minLimit;
			this.initialLimit = initialLimit;
			this.maxLimit = maxLimit;
			return this;
		}

		/**
		 * Set how much of each window's new limit is taken.
		 * @param smoothing a factor in {@code (0, 1]}; 1 takes the new limit whole
		 * @return this builder
		 */
		public Builder smoothing(double smoothing) {
			this.smoothing = smoothing;
			return this;
		}

		/**
		 * Set the number of requests the limit grows by per window while latency is flat.
		 * @param queueSize at least 0
		 * @return this builder
		 */
		public Builder queueSize(int queueSize) {
			this.queueSizeConstant = queueSize;
			this.queueSize = (limit) -> queueSize;
			return this;
		}

		/**
		 * Set the queue size as a function of the current limit, for example
		 * {@code (limit) -> (int) Math.sqrt(limit)} to probe faster at large limits.
		 * @param queueSize a function of the limit, never negative
		 * @return this builder
		 */
		public Builder queueSize(IntUnaryOperator queueSize) {
			this.queueSizeConstant = 0;
			this.queueSize = queueSize;
			return this;
		}

		/**
		 * Set the number of windows the long-term RTT averages over.
		 * @param longWindow at least 1
		 * @return this builder
		 */
		public Builder longWindow(int longWindow) {
			this.longWindow = longWindow;
			return this;
		}

		/**
		 * Set how far above its long-term level the latency may rise before the limit shrinks.
		 * @param rttTolerance a ratio of at least 1
		 * @return this builder
		 */
		public Builder rttTolerance(double rttTolerance) {
			this.rttTolerance = rttTolerance;
			return this;
		}

		/**
		 * Create the algorithm.
		 * @return a new algorithm at its initial limit
		 * @throws IllegalArgumentException if a setting is out of range
		 */
		public Gradient2Algorithm build() {
			Limits.check(this.minLimit, this.initialLimit, this.maxLimit);
			Limits.checkFactor("smoothing", this.smoothing);
			Limits.checkAtLeast("queueSize", this.queueSizeConstant, 0);
			Limits.checkAtLeast("longWindow", this.longWindow, 1);
			if (!(this.rttTolerance >= 1.0) || Double.isInfinite(this.rttTolerance)) {
				throw new IllegalArgumentException("rttTolerance must be at least 1.0 but was " + this.rttTolerance);
			}
			return new Gradient2Algorithm(this);
		}

	}

}
