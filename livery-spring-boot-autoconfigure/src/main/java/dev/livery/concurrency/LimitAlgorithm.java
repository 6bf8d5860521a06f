package dev.livery.concurrency;

/**
 * Rule that moves a concurrency limit from the latency and drops measured over one window of
 * completed requests.
 *
 * <p>An {@link AdaptiveConcurrencyLimiter} aggregates the samples of many requests into a
 * window and hands the window to {@link #update(long, int, boolean)}; the algorithm answers
 * with the limit to apply from then on. Implementations keep their estimate as plain fields
 * and need not be thread-safe: the limiter guarantees that at most one thread calls
 * {@code update} at a time, and that each call happens after the previous one returned.
 * They read no clock, so the same series of windows always gives the same series of limits.
 *
 * @since 0.2.0
 * @see Gradient2Algorithm
 * @see VegasAlgorithm
 * @see AimdAlgorithm
 */
public interface LimitAlgorithm {

	/**
	 * Return the limit the algorithm holds now: the initial limit until the first update.
	 * @return the current limit, between the algorithm's bounds
	 */
	int limit();

	/**
	 * Fold one window of samples into the limit.
	 * @param rttNanos average time from admission to completion of the window's requests that
	 * were not drops, in nanoseconds, or {@code 0} if every request of the window was a drop
	 * @param maxInFlight the most requests in flight at once during the window
	 * @param dropped whether at least one request of the window was a drop (a 5xx, an error,
	 * a timeout or a cancellation)
	 * @return the new limit, between the algorithm's bounds
	 */
	int update(long rttNanos, int maxInFlight, boolean dropped);

	/**
	 * Return the algorithm's estimate of the latency of an unloaded server, which it compares
	 * each window with.
	 * @return the estimate in nanoseconds, or {@code 0} if the algorithm keeps none or has
	 * not measured one yet
	 */
	default long rttNoLoadNanos() {
		return 0;
	}

}
