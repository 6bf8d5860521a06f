package dev.livery.autoconfigure.serving;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.livery.serving.ServingStatus;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

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
	 * Whether the serving-status store and everything built on it are configured.
	 */
	private boolean enabled = true;

	/**
	 * Initial status of named services, by service name.
	 */
	private final Map<String, ServingStatus> services = new LinkedHashMap<>();

	/**
	 * Path of the Server-Sent Events watch stream of the server; a service name appended as one more segment watches
	 * that service.
	 */
	private String watchPath = "/livery/serving/watch";

	/**
	 * Whether every service is set NOT_SERVING, and watch streams completed, as the application context starts to
	 * close and before the web server stops.
	 */
	private boolean notServingOnShutdown = true;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Map<String, ServingStatus> getServices() {
		return this.services;
	}

	public String getWatchPath() {
		return this.watchPath;
	}

	public void setWatchPath(String watchPath) {
		this.watchPath = watchPath;
	}

	public boolean isNotServingOnShutdown() {
		return this.notServingOnShutdown;
	}

	public void setNotServingOnShutdown(boolean notServingOnShutdown) {
		this.notServingOnShutdown = notServingOnShutdown;
	}

	@Override
	public void afterPropertiesSet() {
		validate();
	}

	/**
	 * Check every property.
	 * @throws IllegalArgumentException naming the first invalid property
	 */
	void validate() {
		this.services.forEach((name, status) -> {
			if (status == null || !status.isSettable()) {
				throw new IllegalArgumentException(PREFIX + "services." + name
						+ " must be one of UNKNOWN, SERVING, NOT_SERVING, but was " + status);
			}
		});
		String path = this.watchPath;
		if (path == null || !path.startsWith("/") || (path.length() > 1 && path.endsWith("/"))) {
			throw new IllegalArgumentException(
					PREFIX + "watch-path must start with '/' and not end with '/', but was '" + path + "'");
		}
		if (path.length() == 1) {
			throw new IllegalArgumentException(PREFIX + "watch-path must not be '/', so that it cannot shadow "
					+ "every single-segment path of the application");
		}
	}

}
