package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;

import dev.livery.loadbalancer.SlowStart;

/**
 * Slow start: an instance that joins a service that already serves, or becomes eligible again, gets a growing
 * part of its weight over a window.
 *
 * @since 0.2.0
 */
public class SlowStartProperties extends LoadBalancerSettings.Group {

	static final Duration MAX_WINDOW = Duration.ofHours(1);

	/**
	 * Length of the ramp, 0s to 1h; 0s turns slow start off.
	 */
	private Duration window = Duration.ZERO;

	/**
	 * Shape of the ramp, greater than 0 and at most 100: 1.0 rises linearly, more rises faster at first.
	 */
	private double aggression = 1.0;

	/**
	 * Part of its weight an instance gets when its ramp begins, in percent (1-100).
	 */
	private int minWeightPercent = 10;

	public Duration getWindow() {
		return this.window;
	}

	public void setWindow(Duration window) {
		this.window = window;
	}

	public double getAggression() {
		return this.aggression;
	}

	public void setAggression(double aggression) {
		this.aggression = aggression;
	}

	public int getMinWeightPercent() {
		return this.minWeightPercent;
	}

	public void setMinWeightPercent(int minWeightPercent) {
		this.minWeightPercent = minWeightPercent;
	}

	/**
	 * Return these settings as the core's.
	 * @return the slow-start settings
	 */
	public SlowStart toSlowStart() {
		return new SlowStart(this.window, this.aggression, this.minWeightPercent);
	}

	@Override
	void validate(SettingsCheck check) {
		check.between("window", this.window, Duration.ZERO, MAX_WINDOW);
		if (!(this.aggression > 0) || this.aggression > 100) {
			throw check.invalid("aggression", this.aggression, "must be greater than 0 and at most 100");
		}
		check.between("min-weight-percent", this.minWeightPercent, 1, 100);
	}

}
