package dev.livery.autoconfigure.loadbalancer;

import java.beans.PropertyDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.livery.loadbalancer.LatencySettings;
import dev.livery.loadbalancer.NodeMatch;
import dev.livery.loadbalancer.OutlierDetection;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.cloud.FailureStatusCodes;
import dev.livery.loadbalancer.health.HealthSources;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;

/**
 * Load-balancer settings of one service: the defaults under {@code livery.loadbalancer}, and the same settings under
 * {@code livery.loadbalancer.clients.<serviceId>}, bound over a copy of the defaults.
 * <p>
 * <b>Adding settings.</b> This class is the one place. A group, say {@code livery.loadbalancer.slow-start.*}: a
 * public static nested class that extends {@code Group} (or, for a large one, a public class of its own in this
 * package, such as {@link SlowStartProperties}, whose field here is {@code @NestedConfigurationProperty}), with its
 * fields (one line of javadoc each, stating the bounds of a {@code Duration}; the default in the initialiser), getters
 * and setters, and its checks in
 * {@code validate(SettingsCheck)}; then a {@code final} field holding one, with a getter, here. A single setting: a
 * field with accessors here and its check in {@link #validate(String)}. Nothing else: the copy of the defaults for
 * each client, binding the client over it, checking the defaults and every configured client at start-up (naming
 * the full property), the metadata and the {@code clients.<serviceId>} form all follow. Then regenerate
 * {@code docs/configuration.md}, add hints for enumerated values to
 * {@code additional-spring-configuration-metadata.json}, and hand the values to the core in
 * {@link #toPoolSettings()}.
 *
 * @since 0.2.0
 */
public class LoadBalancerSettings {

	static final Duration MIN_REFRESH_INTERVAL = Duration.ofMillis(10);

	static final Duration MAX_REFRESH_INTERVAL = Duration.ofDays(1);

	/**
	 * Whether livery's balancer replaces Spring Cloud LoadBalancer's default one.
	 */
	private boolean enabled = true;

	/**
	 * How to choose among eligible instances: 'p2c', 'least-request', 'round-robin', 'random', 'ring-hash' or
	 * 'peak-ewma'.
	 */
	private PickPolicyType policy = PickPolicyType.P2C;

	/**
	 * How often to ask the instance-list supplier for a service's current instances, 10ms to 1d; requests never
	 * wait for it, except a service's first.
	 */
	private Duration refreshInterval = Duration.ofSeconds(1);

	private final Outlier outlier = new Outlier();

	private final Hash hash = new Hash();

	private final Latency latency = new Latency();

	/**
	 * Instances that may be members, if not all: 'key=glob' on instance metadata, 'regex:...' on the whole
	 * host:port, anything else a glob on host:port or instance id; an instance matching any entry is a member.
	 */
	private List<String> nodeMatch = new ArrayList<>();

	@NestedConfigurationProperty
	private final HealthCheckProperties healthCheck = new HealthCheckProperties();

	@NestedConfigurationProperty
	private final ServingWatchProperties servingWatch = new ServingWatchProperties();

	/**
	 * While fewer than this percentage of a service's instances that are not drained are eligible, active health
	 * checks are ignored (0-100; 0 never).
	 */
	private int panicThreshold = 50;

	@NestedConfigurationProperty
	private final SlowStartProperties slowStart = new SlowStartProperties();

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

	public Hash getHash() {
		return this.hash;
	}

	public Latency getLatency() {
		return this.latency;
	}

	public List<String> getNodeMatch() {
		return this.nodeMatch;
	}

	public void setNodeMatch(List<String> nodeMatch) {
		this.nodeMatch = nodeMatch;
	}

	/**
	 * Return the parsed node match.
	 * @return which instances may be members
	 */
	public NodeMatch toNodeMatch() {
		return NodeMatch.parse(this.nodeMatch);
	}

	public HealthCheckProperties getHealthCheck() {
		return this.healthCheck;
	}

	public ServingWatchProperties getServingWatch() {
		return this.servingWatch;
	}

	public int getPanicThreshold() {
		return this.panicThreshold;
	}

	public void setPanicThreshold(int panicThreshold) {
		this.panicThreshold = panicThreshold;
	}

	public SlowStartProperties getSlowStart() {
		return this.slowStart;
	}

	/**
	 * Return these settings as the core's settings of one pool.
	 * @return the pool settings
	 */
	public PoolSettings toPoolSettings() {
		return PoolSettings.DEFAULTS.withPolicy(this.policy)
			.withOutlier(this.outlier.toOutlierDetection())
			.withRingSize(this.hash.ringSize)
			.withLatency(this.latency.toLatencySettings())
			.withPanicThreshold(this.panicThreshold)
			.withSlowStart(this.slowStart.toSlowStart());
	}

	/**
	 * Return the health sources these settings turn on.
	 * @return the active checks' and the serving watch's settings, each {@code null} when off
	 */
	public HealthSources toHealthSources() {
		return new HealthSources(this.healthCheck.isEnabled() ? this.healthCheck.toHealthCheckSettings() : null,
				this.servingWatch.isEnabled() ? this.servingWatch.toServingWatchSettings() : null);
	}

	/**
	 * Check every setting, as bound under {@code prefix}.
	 * @param prefix where the settings were bound, such as {@code livery.loadbalancer.clients.orders}
	 * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
	 * the full property of the first invalid setting
	 */
	final void validate(String prefix) {
		SettingsCheck check = new SettingsCheck(prefix);
		check.between("refresh-interval", this.refreshInterval, MIN_REFRESH_INTERVAL, MAX_REFRESH_INTERVAL);
		check.parses("node-match", this.nodeMatch, this::toNodeMatch);
		check.between("panic-threshold", this.panicThreshold, 0, 100);
		BeanWrapper settings = new BeanWrapperImpl(this);
		for (PropertyDescriptor property : settings.getPropertyDescriptors()) {
			if (property.getReadMethod() != null && Group.class.isAssignableFrom(property.getPropertyType())
					&& settings.getPropertyValue(property.getName()) instanceof Group group) {
				group.validate(check.group(DataObjectPropertyName.toDashedForm(property.getName())));
			}
		}
	}

	/**
	 * Return a deep copy of these settings, for a client to be bound over.
	 * @return a new {@code LoadBalancerSettings} with the same values
	 */
	final LoadBalancerSettings copy() {
		LoadBalancerSettings copy = new LoadBalancerSettings();
		copy(this, copy);
		return copy;
	}

	// Reflective so that a new setting or group is copied without a line here: a setting left out of a hand-written
	// copy would silently fall back to its field default for every client that sets something else.
	private static void copy(Object source, Object target) {
		BeanWrapper from = new BeanWrapperImpl(source);
		BeanWrapper to = new BeanWrapperImpl(target);
		for (PropertyDescriptor property : to.getPropertyDescriptors()) {
			String name = property.getName();
			if (property.getReadMethod() == null || !from.isReadableProperty(name)) {
				continue;
			}
			Object value = from.getPropertyValue(name);
			if (property.getWriteMethod() != null) {
				to.setPropertyValue(name, independent(value));
			}
			else if (value instanceof Group) {
				copy(value, to.getPropertyValue(name));
			}
		}
	}

	// The binder merges a client's list into the existing one in place: the copy must not share it with the defaults.
	private static @Nullable Object independent(@Nullable Object value) {
		if (value instanceof List<?> list) {
			return new ArrayList<>(list);
		}
		if (value instanceof Set<?> set) {
			return new LinkedHashSet<>(set);
		}
		if (value instanceof Map<?, ?> map) {
			return new LinkedHashMap<>(map);
		}
		return value;
	}

	/**
	 * A group of settings under one name, such as {@code outlier}: copied, bound and validated with the rest.
	 */
	abstract static class Group {

		/**
		 * Check the group's settings.
		 * @param check names the properties of this group
		 */
		abstract void validate(SettingsCheck check);

	}

	/**
	 * Outlier ejection: when an instance that keeps failing is taken out, and for how long.
	 */
	public static class Outlier extends Group {

		static final Duration MIN_EJECTION_TIME = Duration.ofMillis(1);


		/**
		 * Whether instances that keep failing are ejected.
		 */
		private boolean enabled = true;

		/**
		 * Failures in a row that eject an instance (at least 1).
		 */
		private int consecutiveFailures = 5;

		/**
		 * Base ejection time, 1ms to 1d; the n-th ejection in a row lasts n times this.
		 */
		private Duration ejectionTime = Duration.ofSeconds(30);

		/**
		 * Cap on the length of one ejection, from the ejection time to 7d.
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
		private List<String> failureStatusCodes = new ArrayList<>(List.of("500-599"));

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

		/**
		 * Return these settings as the core's outlier detection.
		 * @return the outlier detection
		 */
		public OutlierDetection toOutlierDetection() {
			return new OutlierDetection(this.enabled, this.consecutiveFailures, this.ejectionTime, this.maxEjectionTime,
					this.maxEjectionPercent);
		}

		/**
		 * Return the parsed failure status codes.
		 * @return the statuses that count as failures
		 */
		public FailureStatusCodes toFailureStatusCodes() {
			return FailureStatusCodes.parse(this.failureStatusCodes);
		}

		@Override
		void validate(SettingsCheck check) {
			check.atLeast("consecutive-failures", this.consecutiveFailures, 1);
			check.between("ejection-time", this.ejectionTime, MIN_EJECTION_TIME, OutlierDetection.MAX_EJECTION_TIME);
			if (this.maxEjectionTime != null && this.maxEjectionTime.compareTo(this.ejectionTime) < 0) {
				throw check.invalid("max-ejection-time", SettingsCheck.format(this.maxEjectionTime),
						"must be at least the ejection time (" + SettingsCheck.format(this.ejectionTime) + ")");
			}
			check.between("max-ejection-time", this.maxEjectionTime, this.ejectionTime,
					OutlierDetection.MAX_MAX_EJECTION_TIME);
			check.between("max-ejection-percent", this.maxEjectionPercent, 0, 100);
			check.parses("failure-status-codes", String.join(",", this.failureStatusCodes), this::toFailureStatusCodes);
		}

	}

	/**
	 * Consistent hashing ({@code policy: ring-hash}): where a request's key comes from, and how fine the ring is.
	 */
	public static class Hash extends Group {

		static final int MAX_RING_SIZE = 8192;

		/**
		 * Request header whose value is the request's hash key; a request without it is balanced by p2c.
		 */
		private String header = "X-Livery-Key";

		/**
		 * Virtual nodes on the ring per unit of instance weight, 1 to 8192; more spread keys more evenly (512: the
		 * largest of 10 equal instances' shares is within 1.17 of the mean) at the cost of memory.
		 */
		private int ringSize = 512;

		public String getHeader() {
			return this.header;
		}

		public void setHeader(String header) {
			this.header = header;
		}

		public int getRingSize() {
			return this.ringSize;
		}

		public void setRingSize(int ringSize) {
			this.ringSize = ringSize;
		}

		@Override
		void validate(SettingsCheck check) {
			if (this.header == null || this.header.isBlank() || !this.header.chars().allMatch(Hash::isTokenChar)) {
				throw check.invalid("header", this.header, "must be an HTTP header name");
			}
			check.between("ring-size", this.ringSize, 1, MAX_RING_SIZE);
		}

		private static boolean isTokenChar(int c) {
			return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
		}

	}

	/**
	 * Latency estimates of policy peak-ewma: how fast they forget, and what a failure costs.
	 */
	public static class Latency extends Group {

		/**
		 * Time constant of the estimates, 100ms to 1d: a sample below the estimate weighs 1 - e^(-gap / decay), and
		 * an estimate with no new sample shrinks by e every decay, so that a shunned instance is tried again.
		 */
		private Duration decay = Duration.ofSeconds(10);

		/**
		 * Least sample a failure counts as, 0 to 1d, so that an instance that fails fast does not look fast.
		 */
		private Duration failurePenalty = Duration.ofSeconds(1);

		public Duration getDecay() {
			return this.decay;
		}

		public void setDecay(Duration decay) {
			this.decay = decay;
		}

		public Duration getFailurePenalty() {
			return this.failurePenalty;
		}

		public void setFailurePenalty(Duration failurePenalty) {
			this.failurePenalty = failurePenalty;
		}

		/**
		 * Return these settings as the core's latency settings.
		 * @return the latency settings
		 */
		public LatencySettings toLatencySettings() {
			return new LatencySettings(this.decay, this.failurePenalty);
		}

		@Override
		void validate(SettingsCheck check) {
			check.between("decay", this.decay, LatencySettings.MIN_DECAY, LatencySettings.MAX);
			check.between("failure-penalty", this.failurePenalty, Duration.ZERO, LatencySettings.MAX);
		}

	}

}
