package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;

import dev.livery.loadbalancer.health.HealthCheckSettings;
import org.jspecify.annotations.Nullable;

/**
 * Active health checks: {@code GET path} on every instance every {@code interval}, scored with hysteresis.
 *
 * @since 0.2.0
 */
public class HealthCheckProperties extends LoadBalancerSettings.Group {

	static final Duration MIN_INTERVAL = Duration.ofMillis(100);

	static final Duration MAX_INTERVAL = Duration.ofHours(1);

	static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

	/**
	 * Whether instances are checked.
	 */
	private boolean enabled;

	/**
	 * Path of the check, such as '/actuator/health/readiness'; may include a query.
	 */
	private String path = "/actuator/health";

	/**
	 * Port to check on (1-65535); when unset, the port in instance metadata 'management.port', else the
	 * instance's own.
	 */
	private @Nullable Integer port;

	/**
	 * Time between two checks of one instance, 100ms to 1h, jittered by 10 %.
	 */
	private Duration interval = Duration.ofSeconds(5);

	/**
	 * Longest wait for a check's answer, from 1ms to less than the interval.
	 */
	private Duration timeout = Duration.ofSeconds(1);

	/**
	 * Lowest score (below 0).
	 */
	private int lowScore = -3;

	/**
	 * Highest score (0 or more).
	 */
	private int highScore = 3;

	/**
	 * Score of an instance not yet checked, between the lowest and the highest.
	 */
	private int initialScore = 1;

	/**
	 * Added to the score per check answered with a 2xx (at least 1).
	 */
	private int successDelta = 1;

	/**
	 * Added to the score per failed check and per request that failed to connect (at most -1).
	 */
	private int failureDelta = -1;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPath() {
		return this.path;
	}

	public void setPath(String path) {
		this.path = path;
	}

	public @Nullable Integer getPort() {
		return this.port;
	}

	public void setPort(@Nullable Integer port) {
		this.port = port;
	}

	public Duration getInterval() {
		return this.interval;
	}

	public void setInterval(Duration interval) {
		this.interval = interval;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public int getLowScore() {
		return this.lowScore;
	}

	public void setLowScore(int lowScore) {
		this.lowScore = lowScore;
	}

	public int getHighScore() {
		return this.highScore;
	}

	public void setHighScore(int highScore) {
		this.highScore = highScore;
	}

	public int getInitialScore() {
		return this.initialScore;
	}

	public void setInitialScore(int initialScore) {
		this.initialScore = initialScore;
	}

	public int getSuccessDelta() {
		return this.successDelta;
	}

	public void setSuccessDelta(int successDelta) {
		this.successDelta = successDelta;
	}

	public int getFailureDelta() {
		return this.failureDelta;
	}

	public void setFailureDelta(int failureDelta) {
		this.failureDelta = failureDelta;
	}

	/**
	 * Return these settings as the health package's.
	 * @return the active checks' settings
	 */
	public HealthCheckSettings toHealthCheckSettings() {
		return new HealthCheckSettings(this.path, (this.port != null) ? this.port : 0, this.interval, this.timeout,
				this.lowScore, this.highScore, this.initialScore, this.successDelta, this.failureDelta);
	}

	@Override
	void validate(SettingsCheck check) {
		if (this.path == null || !this.path.startsWith("/")) {
			throw check.invalid("path", this.path, "must start with '/'");
		}
		if (this.port != null) {
			check.between("port", this.port, 1, 65535);
		}
		check.between("interval", this.interval, MIN_INTERVAL, MAX_INTERVAL);
		if (this.timeout != null && this.timeout.compareTo(this.interval) >= 0) {
			throw check.invalid("timeout", SettingsCheck.format(this.timeout),
					"must be less than the interval (" + SettingsCheck.format(this.interval) + ")");
		}
		check.between("timeout", this.timeout, MIN_TIMEOUT, this.interval);
		check.atMost("low-score", this.lowScore, -1);
		check.atLeast("high-score", this.highScore, 0);
		check.between("initial-score", this.initialScore, this.lowScore, this.highScore);
		check.atLeast("success-delta", this.successDelta, 1);
		check.atMost("failure-delta", this.failureDelta, -1);
	}

}
