package dev.livery.loadbalancer;

/**
 * Source of monotonic time in nanoseconds, injected so that ejection and backoff can be tested without sleeping.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface Ticker {

	/**
	 * Return the current time in nanoseconds; only differences between two readings are meaningful.
	 * @return the current reading
	 */
	long read();

	/**
	 * Return a ticker backed by {@link System#nanoTime()}.
	 * @return the system ticker
	 */
	static Ticker system() {
		return System::nanoTime;
	}

}
