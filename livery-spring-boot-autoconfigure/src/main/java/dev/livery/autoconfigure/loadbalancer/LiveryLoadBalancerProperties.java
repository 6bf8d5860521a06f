package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.livery.loadbalancer.OutlierDetection;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.cloud.FailureStatusCodes;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration properties of livery's client load balancer.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("livery.loadbalancer")
public class LiveryLoadBalancerProperties implements InitializingBean {

	static final String PREFIX = "livery.loadbalancer";

	/**
	 * Whether livery's balancer replaces Spring Cloud LoadBalancer's default one.
	 */
	private boolean enabled = true;

	/**
	 * How to choose among eligible instances: power of two choices on requests in flight, or round robin.
	 */
	private PickPolicyType policy = PickPolicyType.P2C;

	/**
	 * How often to ask the instance-list supplier for a service's current instances; requests never wait for it,
	 * except a service's first.
	 */
	private Duration refreshInterval = Duration.ofSeconds(1);

	private final Outlier outlier = new Outlier();

	/**
	 * Overrides for single services, by service id: any of 'enabled', 'policy', 'refresh-interval' and
	 * 'outlier.*', laid over the defaults above.
	 */
	private Map<String, Client> clients = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public PickPolicyType getPolicy() {
		return this.policy;
	}

	public void setPolicy(PickPolicyType policy) {
		this.policy = policy;
	}

	public Duration getRefreshInterval() {
		return this.refreshInterval;
	}

	public void setRefreshInterval(Duration refreshInterval) {
		this.refreshInterval = refreshInterval;
	}

	public Outlier getOutlier() {
		return this.outlier;
	}

	public Map<String, Client> getClients() {
		return this.clients;
	}

	public void setClients(Map<String, Client> clients) {
		this.clients = clients;
	}

	@Override
	public void afterPropertiesSet() {
		settings(PREFIX, null);
		for (String serviceId : this.clients.keySet()) {
			settings(PREFIX + ".clients." + serviceId, this.clients.get(serviceId));
		}
	}

	/**
	 * Return the settings of one service: the defaults with the service's overrides laid over them.
	 * @param serviceId the service
	 * @return the settings
	 */
	public Settings settingsFor(String serviceId) {
		Client client = this.clients.get(serviceId);
		if (client == null) {
			for (Map.Entry<String, Client> entry : this.clients.entrySet()) {
				if (entry.getKey().equalsIgnoreCase(serviceId)) {
					client = entry.getValue();
					break;
				}
			}
		}
		return settings(PREFIX + ".clients." + serviceId, client);
	}

	private Settings settings(String prefix, @Nullable Client client) {
		ClientOutlier override = (client != null) ? client.getOutlier() : new ClientOutlier();
		String outlierPrefix = prefix + ".outlier.";
		boolean enabledValue = pick(client != null ? client.getEnabled() : null, this.enabled);
		PickPolicyType policyValue = pick(client != null ? client.getPolicy() : null, this.policy);
		Duration refresh = pick(client != null ? client.getRefreshInterval() : null, this.refreshInterval);
		if (refresh == null || refresh.isNegative() || refresh.isZero()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".refresh-interval", refresh,
					"must be positive");
		}
		int failures = pick(override.getConsecutiveFailures(), this.outlier.consecutiveFailures);
		if (failures < 1) {
			throw new InvalidConfigurationPropertyValueException(outlierPrefix + "consecutive-failures", failures,
					"must be at least 1");
		}
		Duration ejection = pick(override.getEjectionTime(), this.outlier.ejectionTime);
		if (ejection == null || ejection.isNegative() || ejection.isZero()) {
			throw new InvalidConfigurationPropertyValueException(outlierPrefix + "ejection-time", ejection,
					"must be positive");
		}
		Duration maxEjection = pick(override.getMaxEjectionTime(), this.outlier.maxEjectionTime);
		if (maxEjection == null || maxEjection.compareTo(ejection) < 0) {
			throw new InvalidConfigurationPropertyValueException(outlierPrefix + "max-ejection-time", maxEjection,
					"must be at least the ejection time (" + ejection + ")");
		}
		int percent = pick(override.getMaxEjectionPercent(), this.outlier.maxEjectionPercent);
		if (percent < 0 || percent > 100) {
			throw new InvalidConfigurationPropertyValueException(outlierPrefix + "max-ejection-percent", percent,
					"must be between 0 and 100");
		}
		List<String> codes = pick(override.getFailureStatusCodes(), this.outlier.failureStatusCodes);
		FailureStatusCodes failureStatusCodes;
		try {
			failureStatusCodes = FailureStatusCodes.parse(codes);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(outlierPrefix + "failure-status-codes",
					String.join(",", codes), ex.getMessage());
		}
		boolean outlierEnabled = pick(override.getEnabled(), this.outlier.enabled);
		return new Settings(enabledValue, policyValue, refresh,
				new OutlierDetection(outlierEnabled, failures, ejection, maxEjection, percent), failureStatusCodes);
	}

	private static <V> V pick(@Nullable V override, V fallback) {
		return (override != null) ? override : fallback;
	}

	/**
	 * The resolved settings of one service.
	 *
	 * @param enabled whether livery balances the service
	 * @param policy how to choose
	 * @param refreshInterval how often to refresh the members
	 * @param outlier when to eject
	 * @param failureStatusCodes the statuses that count as failures
	 */
	public record Settings(boolean enabled, PickPolicyType policy, Duration refreshInterval, OutlierDetection outlier,
			FailureStatusCodes failureStatusCodes) {
	}

	/**
	 * Outlier ejection.
	 */
	public static class Outlier {

		/**
		 * Whether instances that keep failing are ejected.
		 */
		private boolean enabled = true;

		/**
		 * Failures in a row that eject an instance (at least 1).
		 */
		private int consecutiveFailures = 5;

		/**
		 * Base ejection time; the n-th ejection in a row lasts n times this.
		 */
		private Duration ejectionTime = Duration.ofSeconds(30);

		/**
		 * Cap on the length of one ejection (at least the ejection time).
		 */
		private Duration maxEjectionTime = Duration.ofSeconds(300);

		/**
		 * Most instances of a service ejected at once, in percent of those not drained (0-100); one is always
		 * ejectable.
		 */
		private int maxEjectionPercent = 50;

		/**
		 * HTTP statuses that count as failures: codes and ranges, such as '502,503,504' or '500-599'.
		 */
		private List<String> failureStatusCodes = List.of("500-599");

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getConsecutiveFailures() {
			return this.consecutiveFailures;
		}

		public void setConsecutiveFailures(int consecutiveFailures) {
			this.consecutiveFailures = consecutiveFailures;
		}

		public Duration getEjectionTime() {
			return this.ejectionTime;
		}

		public void setEjectionTime(Duration ejectionTime) {
			this.ejectionTime = ejectionTime;
		}

		public Duration getMaxEjectionTime() {
			return this.maxEjectionTime;
		}

		public void setMaxEjectionTime(Duration maxEjectionTime) {
			this.maxEjectionTime = maxEjectionTime;
		}

		public int getMaxEjectionPercent() {
			return this.maxEjectionPercent;
		}

		public void setMaxEjectionPercent(int maxEjectionPercent) {
			this.maxEjectionPercent = maxEjectionPercent;
		}

		public List<String> getFailureStatusCodes() {
			return this.failureStatusCodes;
		}

		public void setFailureStatusCodes(List<String> failureStatusCodes) {
			this.failureStatusCodes = failureStatusCodes;
		}

	}

	/**
	 * Overrides for one service; what is not set comes from the defaults.
	 */
	public static class Client {

		/**
		 * Whether livery balances this service.
		 */
		private @Nullable Boolean enabled;

		/**
		 * How to choose among this service's instances.
		 */
		private @Nullable PickPolicyType policy;

		/**
		 * How often to refresh this service's instances.
		 */
		private @Nullable Duration refreshInterval;

		private final ClientOutlier outlier = new ClientOutlier();

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable PickPolicyType getPolicy() {
			return this.policy;
		}

		public void setPolicy(@Nullable PickPolicyType policy) {
			this.policy = policy;
		}

		public @Nullable Duration getRefreshInterval() {
			return this.refreshInterval;
		}

		public void setRefreshInterval(@Nullable Duration refreshInterval) {
			this.refreshInterval = refreshInterval;
		}

		public ClientOutlier getOutlier() {
			return this.outlier;
		}

	}

	/**
	 * Outlier ejection overrides for one service.
	 */
	public static class ClientOutlier {

		/**
		 * Whether this service's failing instances are ejected.
		 */
		private @Nullable Boolean enabled;

		/**
		 * Failures in a row that eject one of this service's instances.
		 */
		private @Nullable Integer consecutiveFailures;

		/**
		 * Base ejection time for this service.
		 */
		private @Nullable Duration ejectionTime;

		/**
		 * Cap on one ejection's length for this service.
		 */
		private @Nullable Duration maxEjectionTime;

		/**
		 * Most of this service's instances ejected at once, in percent.
		 */
		private @Nullable Integer maxEjectionPercent;

		/**
		 * HTTP statuses that count as failures for this service.
		 */
		private @Nullable List<String> failureStatusCodes;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Integer getConsecutiveFailures() {
			return this.consecutiveFailures;
		}

		public void setConsecutiveFailures(@Nullable Integer consecutiveFailures) {
			this.consecutiveFailures = consecutiveFailures;
		}

		public @Nullable Duration getEjectionTime() {
			return this.ejectionTime;
		}

		public void setEjectionTime(@Nullable Duration ejectionTime) {
			this.ejectionTime = ejectionTime;
		}

		public @Nullable Duration getMaxEjectionTime() {
			return this.maxEjectionTime;
		}

		public void setMaxEjectionTime(@Nullable Duration maxEjectionTime) {
			this.maxEjectionTime = maxEjectionTime;
		}

		public @Nullable Integer getMaxEjectionPercent() {
			return this.maxEjectionPercent;
		}

		public void setMaxEjectionPercent(@Nullable Integer maxEjectionPercent) {
			this.maxEjectionPercent = maxEjectionPercent;
		}

		public @Nullable List<String> getFailureStatusCodes() {
			return this.failureStatusCodes;
		}

		public void setFailureStatusCodes(@Nullable List<String> failureStatusCodes) {
			this.failureStatusCodes = failureStatusCodes;
		}

	}

}
