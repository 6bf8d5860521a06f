package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;

import dev.livery.loadbalancer.health.ServingWatchSettings;

/**
 * The serving watch: one Server-Sent Events stream per instance to its serving status.
 *
 * @since 0.2.0
 */
public class ServingWatchProperties extends LoadBalancerSettings.Group {

	static final Duration MIN_BACKOFF = Duration.ofMillis(10);

	static final Duration MAX_BACKOFF = Duration.ofDays(1);

	static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);

	/**
	 * Whether every instance's serving status is watched, so that an instance is taken out the moment it says
	 * NOT_SERVING.
	 */
	private boolean enabled;

	/**
	 * Path of the instances' watch stream, their 'livery.serving.watch-path'.
	 */
	private String path = "/livery/serving/watch";

	/**
	 * Service whose status to watch; empty for the whole server.
	 */
	private String service = "";

	/**
	 * Wait before reopening a stream that failed or ended, 10ms to 1d; doubles per failure in a row.
	 */
	private Duration reconnectBackoff = Duration.ofSeconds(1);

	/**
	 * Cap on that wait, from the reconnect backoff to 1d; also how often an instance that does not speak the
	 * protocol is asked again.
	 */
	private Duration maxReconnectBackoff = Duration.ofSeconds(30);

	/**
	 * A stream silent this long (no status, no heartbeat) is taken for dead and reopened, 1s to 1d; keep it
	 * above the servers' 'livery.serving.watch-heartbeat'.
	 */
	private Duration idleTimeout = Duration.ofSeconds(45);

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

	public String getService() {
		return this.service;
	}

	public void setService(String service) {
		this.service = service;
	}

	public Duration getReconnectBackoff() {
		return this.reconnectBackoff;
	}

	public void setReconnectBackoff(Duration reconnectBackoff) {
		this.reconnectBackoff = reconnectBackoff;
	}

	public Duration getMaxReconnectBackoff() {
		return this.maxReconnectBackoff;
	}

	public void setMaxReconnectBackoff(Duration maxReconnectBackoff) {
		this.maxReconnectBackoff = maxReconnectBackoff;
	}

	public Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	/**
	 * Return these settings as the health package's.
	 * @return the serving watch's settings
	 */
	public ServingWatchSettings toServingWatchSettings() {
		return new ServingWatchSettings(this.path, (this.service != null) ? this.service : "",
				this.reconnectBackoff, this.maxReconnectBackoff, this.idleTimeout);
	}

	@Override
	void validate(SettingsCheck check) {
		String path = this.path;
		if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
			throw check.invalid("path", path, "must start with '/', not end with '/' and not be '/'");
		}
		check.between("reconnect-backoff", this.reconnectBackoff, MIN_BACKOFF, MAX_BACKOFF);
		if (this.maxReconnectBackoff != null && this.maxReconnectBackoff.compareTo(this.reconnectBackoff) < 0) {
			throw check.invalid("max-reconnect-backoff", SettingsCheck.format(this.maxReconnectBackoff),
					"must be at least the reconnect backoff (" + SettingsCheck.format(this.reconnectBackoff) + ")");
		}
		check.between("max-reconnect-backoff", this.maxReconnectBackoff, this.reconnectBackoff, MAX_BACKOFF);
		check.between("idle-timeout", this.idleTimeout, MIN_IDLE_TIMEOUT, MAX_BACKOFF);
	}

}
