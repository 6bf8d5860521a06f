package dev.livery.concurrency;

import org.jspecify.annotations.Nullable;

/**
 * Decides whether one more request may be handled now, and keeps count of those in flight.
 *
 * <p>A caller asks for a {@link Permit} before it starts the work and releases the permit
 * exactly once when the work ends, however it ends. A limiter never blocks and never
 * queues: either a permit is available at once or the caller must shed the request.
 * Implementations must be safe for use by many threads at once; the count they report is
 * exact, never an estimate, and never negative.
 *
 * <p>The limit may move over time (an {@link AdaptiveConcurrencyLimiter} learns it from the
 * {@link Outcome outcomes} and latencies of the requests it admitted), so callers ask the
 * limiter on every request rather than caching {@link #limit()}.
 *
 * @since 0.1.0
 * @see FixedConcurrencyLimiter
 * @see AdaptiveConcurrencyLimiter
 */
public interface ConcurrencyLimiter {

	/**
	 * Try to admit one request now.
	 * @return a permit that the caller must {@link Permit#release(Outcome) release} once
	 * the request ends, or {@code null} if the limit is reached (the rejection is counted)
	 */
	@Nullable Permit tryAcquire();

	/**
	 * Return the number of permits currently held.
	 * @return the requests in flight, between {@code 0} and {@link #limit()} inclusive
	 * (unless the limit just shrank)
	 */
	int inFlight();

	/**
	 * Return the number of requests that may be in flight at once right now.
	 * @return the current limit, at least {@code 1}
	 */
	int limit();

	/**
	 * Return how many requests {@link #tryAcquire()} has turned away since this limiter was
	 * created.
	 * @return the monotonic count of rejections
	 */
	long rejected();

	/**
	 * Admission of one request, to be released exactly once.
	 *
	 * @since 0.1.0
	 */
	interface Permit {

		/**
		 * Give the slot back and report how the request ended. Only the first call has any
		 * effect, so a permit may safely be released from several paths that race (completion
		 * and cancellation, say).
		 * @param outcome how the request ended
		 * @return {@code true} if this call released the permit, {@code false} if it had
		 * already been released
		 */
		boolean release(Outcome outcome);

	}

	/**
	 * How an admitted request ended; an adaptive limiter learns from it, a fixed one ignores
	 * it.
	 *
	 * @since 0.1.0
	 */
	enum Outcome {

		/**
		 * The request completed with a status below 500; its latency is a fair sample of the
		 * server's.
		 */
		SUCCESS,

		/**
		 * The request failed: the handler signalled an error or answered with a 5xx status. An
		 * adaptive limiter counts it as a drop, a sign of overload.
		 */
		ERROR,

		/**
		 * The request was cancelled before it ended (the client went away or a timeout fired).
		 * Its latency is the caller's patience rather than the server's, but a caller that gave
		 * up usually waited too long, so an adaptive limiter counts it as a drop.
		 */
		CANCELLED

	}

}
