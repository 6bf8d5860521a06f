package dev.livery.loadbalancer;

import java.time.Duration;

/**
 * Settings of outlier ejection: when an endpoint is ejected and for how long.
 *
 * @param enabled whether failing endpoints are ejected at all
 * @param consecutiveFailures failures in a row that eject an endpoint (at least 1)
 * @param ejectionTime base ejection time, at most {@link #MAX_EJECTION_TIME}; the n-th ejection in a row lasts n
 * times this
 * @param maxEjectionTime cap on the length of one ejection, from {@code ejectionTime} to
 * {@link #MAX_MAX_EJECTION_TIME}
 * @param maxEjectionPercent at most this share (0-100) of a pool's endpoints that are not drained ejected at once;
 * one endpoint is always ejectable
 * @since 0.1.0
 */
public record OutlierDetection(boolean enabled, int consecutiveFailures, Duration ejectionTime,
		Duration maxEjectionTime, int maxEjectionPercent) {

	/**
	 * Longest base ejection time: a day.
	 */
	public static final Duration MAX_EJECTION_TIME = Duration.ofDays(1);

	/**
	 * Longest cap on one ejection: a week. Deadlines are kept in nanoseconds in 61 bits of an endpoint's status word
	 * (about 36 years): bounded here, they cannot overflow nor wrap.
	 */
	public static final Duration MAX_MAX_EJECTION_TIME = Duration.ofDays(7);

	/**
	 * Defaults: 5 consecutive failures, 30 s base, 300 s cap, 50 % ejectable.
	 */
	public static final OutlierDetection DEFAULTS = new OutlierDetection(true, 5, Duration.ofSeconds(30),
			Duration.ofSeconds(300), 50);

	/**
	 * Validate the settings.
	 * @throws IllegalArgumentException naming the first invalid setting
	 */
	public OutlierDetection {
		if (consecutiveFailures < 1) {
			throw new IllegalArgumentException("consecutiveFailures must be at least 1 but was " + consecutiveFailures);
		}
		if (ejectionTime == null || ejectionTime.isNegative() || ejectionTime.isZero()
				|| ejectionTime.compareTo(MAX_EJECTION_TIME) > 0) {
			throw new IllegalArgumentException(
					"ejectionTime must be positive and at most " + MAX_EJECTION_TIME + " but was " + ejectionTime);
		}
		if (maxEjectionTime == null || maxEjectionTime.compareTo(ejectionTime) < 0
				|| maxEjectionTime.compareTo(MAX_MAX_EJECTION_TIME) > 0) {
			throw new IllegalArgumentException("maxEjectionTime must be between ejectionTime (" + ejectionTime + ") and "
					+ MAX_MAX_EJECTION_TIME + " but was " + maxEjectionTime);
		}
		if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
			throw new IllegalArgumentException("maxEjectionPercent must be between 0 and 100 but was " + maxEjectionPercent);
		}
	}

	/**
	 * Return how long the n-th ejection in a row lasts: {@code min(n × ejectionTime, maxEjectionTime)}.
	 * @param n the number of the ejection in the current run, from 1
	 * @return the ejection's length in nanoseconds
	 */
	long ejectionNanos(int n) {
		long base = this.ejectionTime.toNanos();
		long max = this.maxEjectionTime.toNanos();
		return (n > max / base) ? max : Math.min(max, base * n);
	}

	/**
	 * Return how many of {@code total} endpoints may be ejected at once.
	 * @param total the number of endpoints in the pool that are not drained
	 * @return the budget, at least 1
	 */
	int ejectionBudget(int total) {
		return Math.max(1, (int) ((long) total * this.maxEjectionPercent / 100));
	}

	/**
	 * Return the ejection multiplier left after time spent healthy: one less for every {@code ejectionTime}.
	 * @param multiplier the multiplier of the endpoint's last ejection, 0 if none
	 * @param healthyNanos nanoseconds since it was last reinstated
	 * @return the decayed multiplier, at least 0
	 */
	int decayedMultiplier(int multiplier, long healthyNanos) {
		if (multiplier == 0) {
			return 0;
		}
		return (int) Math.max(0, multiplier - healthyNanos / this.ejectionTime.toNanos());
	}

}
