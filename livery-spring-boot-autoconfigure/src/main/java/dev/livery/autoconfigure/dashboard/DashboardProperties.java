package dev.livery.autoconfigure.dashboard;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration properties of the live dashboard.
 *
 * <p>Validated in code, so an invalid value fails start-up with a message naming the property also without a Bean
 * Validation provider.
 *
 * @since 0.2.0
 */
@ConfigurationProperties("livery.dashboard")
public class DashboardProperties implements InitializingBean {

	private static final String PATH = "livery.dashboard.path";

	/**
	 * Whether the application serves the live dashboard page and its event stream.
	 */
	private boolean enabled;

	/**
	 * Path of the dashboard page, within the application; its event stream is this path followed by /events.
	 */
	private String path = "/livery/dashboard";

	/**
	 * Whether the dashboard is served only on the management port (management.server.port, which must then be a
	 * port of its own) and answers 404 on the application's port.
	 */
	private boolean managementPortOnly;

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

	public boolean isManagementPortOnly() {
		return this.managementPortOnly;
	}

	public void setManagementPortOnly(boolean managementPortOnly) {
		this.managementPortOnly = managementPortOnly;
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
		String path = this.path;
		if (path == null || !path.startsWith("/") || path.length() < 2) {
			throw new InvalidConfigurationPropertyValueException(PATH, path,
					"must start with '/' and name at least one segment, such as '/livery/dashboard'");
		}
		if (path.endsWith("/") || path.contains("//")) {
			throw new InvalidConfigurationPropertyValueException(PATH, path,
					"must not end with '/' nor contain an empty segment");
		}
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
					|| "/-._~".indexOf(c) >= 0;
			if (!allowed) {
				throw new InvalidConfigurationPropertyValueException(PATH, path,
						"must be a literal path of letters, digits and '/-._~' (found '" + c + "'); patterns such as"
								+ " '*' or '{name}' are not allowed");
			}
		}
	}

}
