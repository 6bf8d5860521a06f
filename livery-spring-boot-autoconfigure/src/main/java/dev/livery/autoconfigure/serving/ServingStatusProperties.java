package dev.livery.autoconfigure.serving;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.livery.serving.ServingStatus;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration properties for livery's serving status.
 *
 * <p>
 * Validated in code, so an invalid value fails start-up with a message naming the property also without a Bean
 * Validation provider.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("livery.serving")
public class ServingStatusProperties implements InitializingBean {

	private static final String PREFIX = "livery.serving.";

	/**
	 * Largest accepted {@code max-services}.
	 */
	static final int MAX_SERVICES_LIMIT = 10_000;

	/**
	 * Shortest accepted {@code watch-heartbeat}.
	 */
	static final Duration MIN_WATCH_HEARTBEAT = Duration.ofSeconds(1);

	/**
	 * Longest accepted {@code watch-heartbeat}.
	 */
	static final Duration MAX_WATCH_HEARTBEAT = Duration.ofMinutes(10);

	/**
	 * Longest accepted {@code shutdown-drain-time}.
	 */
	static final Duration MAX_SHUTDOWN_DRAIN_TIME = Duration.ofMinutes(10);

	/**
	 * Whether the serving-status store and everything built on it are configured.
	 */
	private boolean enabled = true;

	/**
	 * Initial status of named services, by service name.
	 */
	private final Map<String, ServingStatus> services = new LinkedHashMap<>();

	/**
	 * Most named services that can have a status at once (0 to 10000); the servingstatus endpoint refuses a new one
	 * beyond it with 409.
	 */
	private int maxServices = 100;

	/**
	 * Path of the Server-Sent Events watch stream of the server; a service name appended as one more segment watches
	 * that service.
	 */
	private String watchPath = "/livery/serving/watch";

	/**
	 * Interval between heartbeat comments on an idle watch stream, so that proxies keep it open and a vanished client
	 * is noticed (1s to 10m).
	 */
	private Duration watchHeartbeat = Duration.ofSeconds(15);

	/**
	 * Whether every service is set NOT_SERVING, and watch streams completed, as the application context starts to
	 * close and before the web server stops.
	 */
	private boolean notServingOnShutdown = true;

	/**
	 * How long the application keeps serving after saying NOT_SERVING on shutdown, before its servers stop, so that
	 * watchers and pollers move away first (0 for no wait, at most 10m).
	 */
	private Duration shutdownDrainTime = Duration.ofSeconds(1);

	private final Grpc grpc = new Grpc();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Map<String, ServingStatus> getServices() {
		return this.services;
	}

	public int getMaxServices() {
		return this.maxServices;
	}

	public void setMaxServices(int maxServices) {
		this.maxServices = maxServices;
	}

	public String getWatchPath() {
		return this.watchPath;
	}

	public void setWatchPath(String watchPath) {
		this.watchPath = watchPath;
	}

	public Duration getWatchHeartbeat() {
		return this.watchHeartbeat;
	}

	public void setWatchHeartbeat(Duration watchHeartbeat) {
		this.watchHeartbeat = watchHeartbeat;
	}

	public boolean isNotServingOnShutdown() {
		return this.notServingOnShutdown;
	}

	public void setNotServingOnShutdown(boolean notServingOnShutdown) {
		this.notServingOnShutdown = notServingOnShutdown;
	}

	public Duration getShutdownDrainTime() {
		return this.shutdownDrainTime;
	}

	public void setShutdownDrainTime(Duration shutdownDrainTime) {
		this.shutdownDrainTime = shutdownDrainTime;
	}

	public Grpc getGrpc() {
		return this.grpc;
	}

	@Override
	public void afterPropertiesSet() {
		validate();
	}

	/**
	 * Check every property.
	 * @throws InvalidConfigurationPropertyValueException naming the first invalid property
	 */
	void validate() {
		this.services.forEach((name, status) -> {
			if (status == null || !status.isSettable()) {
				throw new InvalidConfigurationPropertyValueException(PREFIX + "services." + name, status,
						"must be one of UNKNOWN, SERVING, NOT_SERVING");
			}
		});
		if (this.maxServices < 0 || this.maxServices > MAX_SERVICES_LIMIT) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "max-services", this.maxServices,
					"must be between 0 and " + MAX_SERVICES_LIMIT);
		}
		if (this.services.size() > this.maxServices) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "services", this.services.keySet(),
					"names " + this.services.size() + " services, more than " + PREFIX + "max-services ("
							+ this.maxServices + ")");
		}
		String path = this.watchPath;
		if (path == null || !path.startsWith("/") || (path.length() > 1 && path.endsWith("/"))) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "watch-path", path,
					"must start with '/' and not end with '/'");
		}
		if (path.length() == 1) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "watch-path", path,
					"must not be '/', so that it cannot shadow every single-segment path of the application");
		}
		checkBetween("watch-heartbeat", this.watchHeartbeat, MIN_WATCH_HEARTBEAT, MAX_WATCH_HEARTBEAT);
		checkBetween("shutdown-drain-time", this.shutdownDrainTime, Duration.ZERO, MAX_SHUTDOWN_DRAIN_TIME);
	}

	private static void checkBetween(String name, Duration value, Duration min, Duration max) {
		if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + name, value,
					"must be between " + format(min) + " and " + format(max));
		}
	}

	private static String format(Duration duration) {
		if (duration.toSecondsPart() == 0 && duration.toNanosPart() == 0 && !duration.isZero()) {
			return duration.toMinutes() + "m";
		}
		return (duration.toNanosPart() == 0) ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
	}

	/**
	 * The store as the standard gRPC health service.
	 *
	 * @since 0.2.0
	 */
	public static class Grpc {

		/**
		 * Whether the store is served as the grpc.health.v1.Health service when io.grpc:grpc-services is on the class
		 * path; it then replaces Spring gRPC's own health service.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
