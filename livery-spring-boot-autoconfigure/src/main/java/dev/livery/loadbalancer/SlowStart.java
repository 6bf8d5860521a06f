package dev.livery.loadbalancer;

import java.time.Duration;

/**
 * Settings of slow start: an endpoint that joins a pool that already serves, or becomes eligible again, gets only a
 * growing part of its weight until {@code window} has passed: {@code weight × max(minWeightPercent / 100,
 * (t / window)^(1 / aggression))}, as Envoy ramps a host.
 *
 * @param window how long a ramp lasts; zero turns slow start off
 * @param aggression how fast the ramp rises: 1 is linear, above 1 faster at first (greater than 0)
 * @param minWeightPercent the smallest part of its weight an endpoint gets while ramping, in percent (1-100)
 * @since 0.2.0
 */
public record SlowStart(Duration window, double aggression, int minWeightPercent) {

	/**
	 * Slow start off.
	 */
	public static final SlowStart OFF = new SlowStart(Duration.ZERO, 1.0, 10);

	/**
	 * Validate the settings.
	 * @throws IllegalArgumentException naming the first invalid setting
	 */
	public SlowStart {
		if (window == null || window.isNegative()) {
			throw new IllegalArgumentException("window must be zero or positive but was " + window);
		}
		if (!(aggression > 0) || Double.isInfinite(aggression)) {
			throw new IllegalArgumentException("aggression must be greater than 0 but was " + aggression);
		}
		if (minWeightPercent < 1 || minWeightPercent > 100) {
			throw new IllegalArgumentException("minWeightPercent must be between 1 and 100 but was " + minWeightPercent);
		}
	}

	/**
	 * Return whether slow start is on.
	 * @return whether the window is positive
	 */
	public boolean enabled() {
		return !this.window.isZero();
	}

	/**
	 * Return the part of its weight an endpoint gets {@code elapsedNanos} into its ramp.
	 * @param elapsedNanos time since the ramp began
	 * @return the factor, from {@code minWeightPercent / 100} up to 1 (reached at the end of the window)
	 */
	public double factor(long elapsedNanos) {
		long window = this.window.toNanos();
		if (window <= 0 || elapsedNanos >= window) {
			return 1.0;
		}
		double progress = Math.max(0, elapsedNanos) / (double) window;
		double ramp = (this.aggression == 1.0) ? progress : Math.pow(progress, 1.0 / this.aggression);
		return Math.max(this.minWeightPercent / 100.0, ramp);
	}

}
