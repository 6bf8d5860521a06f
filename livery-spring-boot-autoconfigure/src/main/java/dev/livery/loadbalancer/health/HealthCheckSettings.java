package dev.livery.loadbalancer.health;

import java.time.Duration;

/**
 * Settings of active health checks: what to ask, how often, and how the answers move an endpoint's
 * {@link HealthScore score}.
 *
 * @param path path of the {@code GET}, starting with {@code /}
 * @param port port to check on, {@code 0} for instance metadata {@code management.port} or else the endpoint's own
 * @param interval time between two checks of one endpoint, before jitter of ±10 %
 * @param timeout longest wait for an answer (less than {@code interval})
 * @param lowScore lowest score (below 0)
 * @param highScore highest score (0 or more)
 * @param initialScore score of an endpoint never checked yet (between {@code lowScore} and {@code highScore})
 * @param successDelta added to the score on a 2xx answer (at least 1)
 * @param failureDelta added to the score on any other outcome and on a connect failure of a real request (at most
 * -1)
 * @since 0.2.0
 */
public record HealthCheckSettings(String path, int port, Duration interval, Duration timeout, int lowScore,
		int highScore, int initialScore, int successDelta, int failureDelta) {

	/**
	 * Defaults: {@code GET /actuator/health} every 5 s with a 1 s timeout, score in [-3, 3] starting at 1, +1 per
	 * success, -1 per failure.
	 */
	public static final HealthCheckSettings DEFAULTS = new HealthCheckSettings("/actuator/health", 0,
			Duration.ofSeconds(5), Duration.ofSeconds(1), -3, 3, 1, 1, -1);

	/**
	 * Validate the settings.
	 * @throws IllegalArgumentException naming the first invalid setting
	 */
	public HealthCheckSettings {
		if (path == null || !path.startsWith("/")) {
			throw new IllegalArgumentException("path must start with '/' but was '" + path + "'");
		}
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port must be between 0 and 65535 but was " + port);
		}
		if (interval == null || interval.isNegative() || interval.isZero()) {
			throw new IllegalArgumentException("interval must be positive but was " + interval);
		}
		if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(interval) >= 0) {
			throw new IllegalArgumentException(
					"timeout must be positive and less than interval (" + interval + ") but was " + timeout);
		}
		if (lowScore >= 0) {
			throw new IllegalArgumentException(
					"lowScore must be below 0, or an endpoint could never become unhealthy, but was " + lowScore);
		}
		if (highScore < 0) {
			throw new IllegalArgumentException(
					"highScore must be 0 or more, or an endpoint could never be healthy, but was " + highScore);
		}
		if (initialScore < lowScore || initialScore > highScore) {
			throw new IllegalArgumentException("initialScore must be between lowScore (" + lowScore + ") and highScore ("
					+ highScore + ") but was " + initialScore);
		}
		if (successDelta < 1) {
			throw new IllegalArgumentException("successDelta must be at least 1 but was " + successDelta);
		}
		if (failureDelta > -1) {
			throw new IllegalArgumentException("failureDelta must be at most -1 but was " + failureDelta);
		}
	}

	/**
	 * Return a copy with another interval and timeout.
	 * @param interval the interval
	 * @param timeout the timeout
	 * @return the copy
	 */
	public HealthCheckSettings withTiming(Duration interval, Duration timeout) {
		return new HealthCheckSettings(this.path, this.port, interval, timeout, this.lowScore, this.highScore,
				this.initialScore, this.successDelta, this.failureDelta);
	}

	/**
	 * Return a copy with another path and port.
	 * @param path the path
	 * @param port the port, {@code 0} for the default
	 * @return the copy
	 */
	public HealthCheckSettings withTarget(String path, int port) {
		return new HealthCheckSettings(path, port, this.interval, this.timeout, this.lowScore, this.highScore,
				this.initialScore, this.successDelta, this.failureDelta);
	}

}
