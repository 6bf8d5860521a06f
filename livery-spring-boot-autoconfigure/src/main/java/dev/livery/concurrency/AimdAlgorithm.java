package dev.livery.concurrency;

import java.time.Duration;

/**
 * {@link LimitAlgorithm} that grows the limit by one per window and cuts it by a ratio on a
 * drop (additive increase, multiplicative decrease, as TCP Reno and Netflix
 * concurrency-limits' AIMDLimit do).
 *
 * <p><b>Implementation note.</b> Per window, with {@code L} the current limit: a window with
 * a drop, or whose average latency exceeds {@code timeout}, sets
 * {@code L = ⌊L × backoffRatio⌋}; otherwise, if at least {@code L / 2} requests were in
 * flight, {@code L = L + 1}; then the limit is clamped to its bounds. AIMD knows nothing of
 * latency but the timeout: on a service that slows down without failing it grows until the
 * average latency crosses the timeout, so the timeout is the latency it will tolerate, and
 * should be set near the service's objective. Not thread-safe, see {@link LimitAlgorithm}.
 *
 * @since 0.2.0
 */
public final class AimdAlgorithm implements LimitAlgorithm {

	private final int minLimit;

	private final int maxLimit;

	private final double backoffRatio;

	private final long timeoutNanos;

	private int limit;

	private AimdAlgorithm(Builder builder) {
		this.minLimit = builder.minLimit;
		this.maxLimit = builder.maxLimit;
		this.backoffRatio = builder.backoffRatio;
		this.timeoutNanos = builder.timeout.toNanos();
		this.limit = builder.initialLimit;
	}

	/**
	 * Return a builder with the defaults of Netflix's AIMDLimit: limits 20 to 200 starting at
	 * 20, backoff ratio 0.9, timeout 5 seconds.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	@Override
	public int limit() {
		return this.limit;
	}

	@Override
	public int update(long rttNanos, int maxInFlight, boolean dropped) {
		int limit = this.limit;
		if (dropped || rttNanos > this.timeoutNanos) {
			limit = (int) (limit * this.backoffRatio);
		}
		else if (maxInFlight * 2 >= limit) {
			limit = limit + 1;
		}
		this.limit = Math.max(this.minLimit, Math.min(this.maxLimit, limit));
		return this.limit;
	}

	@Override
	public String toString() {
		return "AimdAlgorithm[limit=" + this.limit + "]";
	}

	/**
	 * Builder of an {@link AimdAlgorithm}; every setting is checked by {@link #build()}.
	 *
	 * @since 0.2.0
	 */
	public static final class Builder {

		private int minLimit = 20;

		private int maxLimit = 200;

		private int initialLimit = 20;

		private double backoffRatio = 0.9;

		private Duration timeout = Duration.ofSeconds(5);

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
		 * Set the factor the limit is multiplied by on a drop.
		 * @param backoffRatio in {@code [0.5, 1)}
		 * @return this builder
		 */
		public Builder backoffRatio(double backoffRatio) {
			this.backoffRatio = backoffRatio;
			return this;
		}

		/**
		 * Set the average latency above which a window counts as a drop.
		 * @param timeout positive
		 * @return this builder
		 */
		public Builder timeout(Duration timeout) {
			this.timeout = timeout;
			return this;
		}

		/**
		 * Create the algorithm.
		 * @return a new algorithm at its initial limit
		 * @throws IllegalArgumentException if a setting is out of range
		 */
		public AimdAlgorithm build() {
			Limits.check(this.minLimit, this.initialLimit, this.maxLimit);
			if (!(this.backoffRatio >= 0.5 && this.backoffRatio < 1)) {
				throw new IllegalArgumentException(
						"backoffRatio must be at least 0.5 and less than 1 but was " + this.backoffRatio);
			}
			if (this.timeout.isNegative() || this.timeout.isZero()) {
				throw new IllegalArgumentException("timeout must be positive but was " + this.timeout);
			}
			return new AimdAlgorithm(this);
		}

	}

}
