package dev.livery.concurrency;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * {@link LimitAlgorithm} that estimates how many requests are queued from the ratio of the
 * no-load latency to the measured one, and keeps that queue small (TCP Vegas, as Netflix
 * concurrency-limits' VegasLimit applies it to concurrency).
 *
 * <p><b>Implementation note.</b> The no-load RTT is the smallest window latency seen. Per
 * window, with {@code L} the current limit and {@code log = max(1, ⌊log10 L⌋)}:
 * <ul>
 * <li>{@code queue = ⌈L × (1 − rttNoLoad / rtt)⌉}: if {@code L} requests take {@code rtt}
 * where one alone takes {@code rttNoLoad}, about that many of them were waiting;</li>
 * <li>{@code queue ≤ log}: no queue, grow fast ({@code L + β});
 * {@code queue < α}: grow ({@code L + log}); {@code queue > β}: shrink ({@code L − log});
 * otherwise the limit is in its sweet spot and stays, with {@code α = alpha × log} and
 * {@code β = beta × log} (3 and 6 by default);</li>
 * <li>a window with a drop shrinks the limit ({@code L − log}) whatever its latency;</li>
 * <li>without a drop, while fewer than {@code L / 2} requests were in flight the limit stays
 * (the application limited the load, not the server);</li>
 * <li>the new limit is smoothed ({@code L × (1 − smoothing) + new × smoothing}) and
 * clamped to the bounds.</li>
 * </ul>
 * The minimum only ever falls, so a service whose real latency rose would look queued for
 * ever. Every {@code probeMultiplier × L} windows (jittered by a factor in
 * {@code [0.5, 1)}) the no-load RTT is therefore reset to the current window's latency and
 * learnt again from there. At equilibrium the server holds about {@code α} to {@code β}
 * requests beyond its capacity, so the latency stays close to the no-load one. Not
 * thread-safe, see {@link LimitAlgorithm}.
 *
 * @since 0.2.0
 */
public final class VegasAlgorithm implements LimitAlgorithm {

	private final int minLimit;

	private final int maxLimit;

	private final int alpha;

	private final int beta;

	private final double smoothing;

	private final int probeMultiplier;

	private final RandomGenerator random;

	private double estimate;

	private long rttNoLoad;

	private int windowsSinceProbe;

	private double probeJitter;

	private VegasAlgorithm(Builder builder) {
		this.minLimit = builder.minLimit;
		this.maxLimit = builder.maxLimit;
		this.alpha = builder.alpha;
		this.beta = builder.beta;
		this.smoothing = builder.smoothing;
		this.probeMultiplier = builder.probeMultiplier;
		this.random = builder.random;
		this.estimate = builder.initialLimit;
		this.probeJitter = nextJitter();
	}

	/**
	 * Return a builder with the defaults of Netflix's VegasLimit where they apply: limits 20
	 * to 1000 starting at 20, alpha 3, beta 6, probe multiplier 30, smoothing 1.
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
		int log = log10((int) limit);
		if (dropped) {
			return apply(limit - log);
		}
		if (rttNanos <= 0) {
			return (int) limit;
		}
		this.windowsSinceProbe++;
		if (this.windowsSinceProbe >= this.probeJitter * this.probeMultiplier * limit) {
			this.windowsSinceProbe = 0;
			this.probeJitter = nextJitter();
			this.rttNoLoad = rttNanos;
			return (int) limit;
		}
		if (this.rttNoLoad == 0 || rttNanos < this.rttNoLoad) {
			this.rttNoLoad = rttNanos;
			return (int) limit;
		}
		if (maxInFlight * 2 < limit) {
			return (int) limit;
		}
		int queue = (int) Math.ceil(limit * (1 - (double) this.rttNoLoad / rttNanos));
		if (queue <= log) {
			return apply(limit + this.beta * log);
		}
		if (queue < this.alpha * log) {
			return apply(limit + log);
		}
		if (queue > this.beta * log) {
			return apply(limit - log);
		}
		return (int) limit;
	}

	private static int log10(int limit) {
		return Math.max(1, (int) Math.log10(limit));
	}

	private double nextJitter() {
		return 0.5 + this.random.nextDouble() * 0.5;
	}

	private int apply(double target) {
		double bounded = Math.max(this.minLimit, Math.min(this.maxLimit, target));
		double smoothed = this.estimate * (1 - this.smoothing) + bounded * this.smoothing;
		this.estimate = Math.max(this.minLimit, Math.min(this.maxLimit, smoothed));
		return (int) this.estimate;
	}

	@Override
	public long rttNoLoadNanos() {
		return this.rttNoLoad;
	}

	@Override
	public String toString() {
		return "VegasAlgorithm[limit=" + limit() + ", rttNoLoad=" + this.rttNoLoad + "ns]";
	}

	/**
	 * Builder of a {@link VegasAlgorithm}; every setting is checked by {@link #build()}.
	 *
	 * @since 0.2.0
	 */
	public static final class Builder {

		private int minLimit = 20;

		private int maxLimit = 1000;

		private int initialLimit = 20;

		private int alpha = 3;

		private int beta = 6;

		private double smoothing = 1.0;

		private int probeMultiplier = 30;

		private RandomGenerator random = new SplittableRandom();

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
		 * Set the queue, in multiples of {@code log10(limit)}, below which the limit grows.
		 * @param alpha at least 1
		 * @return this builder
		 */
		public Builder alpha(int alpha) {
			this.alpha = alpha;
			return this;
		}

		/**
		 * Set the queue, in multiples of {@code log10(limit)}, above which the limit shrinks.
		 * @param beta greater than alpha
		 * @return this builder
		 */
		public Builder beta(int beta) {
			this.beta = beta;
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
		 * Set how often the no-load RTT is measured afresh, in multiples of the limit.
		 * @param probeMultiplier at least 1
		 * @return this builder
		 */
		public Builder probeMultiplier(int probeMultiplier) {
			this.probeMultiplier = probeMultiplier;
			return this;
		}

		/**
		 * Set the source of the probe interval's jitter (tests pass a seeded one).
		 * @param random the generator, used by one thread at a time
		 * @return this builder
		 */
		public Builder random(RandomGenerator random) {
			this.random = random;
			return this;
		}

		/**
		 * Create the algorithm.
		 * @return a new algorithm at its initial limit
		 * @throws IllegalArgumentException if a setting is out of range
		 */
		public VegasAlgorithm build() {
			Limits.check(this.minLimit, this.initialLimit, this.maxLimit);
			Limits.checkAtLeast("alpha", this.alpha, 1);
			Limits.checkAtLeast("beta", this.beta, this.alpha + 1L);
			Limits.checkFactor("smoothing", this.smoothing);
			Limits.checkAtLeast("probeMultiplier", this.probeMultiplier, 1);
			return new VegasAlgorithm(this);
		}

	}

}
