package dev.livery.loadbalancer.health;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Settings of the serving watch: which stream to open on each endpoint, how to reopen it, and when a silent one is
 * dead.
 *
 * @param path path of the watch stream, starting with {@code /} and not ending with it
 * @param service the service to watch, {@code ""} for the whole server
 * @param reconnectBackoff wait before reopening a stream that failed or ended; doubles on every failure in a row
 * @param maxReconnectBackoff cap on that wait, and the wait before asking again an endpoint that does not speak the
 * protocol (at least {@code reconnectBackoff})
 * @param idleTimeout a stream silent this long (no event, no heartbeat) is taken for dead and reopened; keep it above
 * the servers' heartbeat interval
 * @since 0.2.0
 */
public record ServingWatchSettings(String path, String service, Duration reconnectBackoff,
		Duration maxReconnectBackoff, Duration idleTimeout) {

	/**
	 * Defaults: the whole server's stream at {@code /livery/serving/watch}, reopened after 1 s doubling to 30 s, dead
	 * after 45 s of silence (three of the server's default 15 s heartbeats).
	 */
	public static final ServingWatchSettings DEFAULTS = new ServingWatchSettings("/livery/serving/watch", "",
			Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(45));

	/**
	 * Validate the settings.
	 * @throws IllegalArgumentException naming the first invalid setting
	 */
	public ServingWatchSettings {
		if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
			throw new IllegalArgumentException(
					"path must start with '/', not end with '/' and not be '/' but was '" + path + "'");
		}
		if (service == null) {
			throw new IllegalArgumentException("service must not be null; use \"\" for the whole server");
		}
		if (reconnectBackoff == null || reconnectBackoff.isNegative() || reconnectBackoff.isZero()) {
			throw new IllegalArgumentException("reconnectBackoff must be positive but was " + reconnectBackoff);
		}
		if (maxReconnectBackoff == null || maxReconnectBackoff.compareTo(reconnectBackoff) < 0) {
			throw new IllegalArgumentException("maxReconnectBackoff must be at least reconnectBackoff ("
					+ reconnectBackoff + ") but was " + maxReconnectBackoff);
		}
		if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
			throw new IllegalArgumentException("idleTimeout must be positive but was " + idleTimeout);
		}
	}

	/**
	 * Return the path of the stream to open: {@code path} for the whole server, else {@code path/service}.
	 * @return the path
	 */
	public String streamPath() {
		if (this.service.isEmpty()) {
			return this.path;
		}
		return this.path + "/" + URLEncoder.encode(this.service, StandardCharsets.UTF_8).replace("+", "%20");
	}

}
