package dev.livery.loadbalancer.cloud;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.client.ServiceInstance;

/**
 * The weight of a discovered instance: its metadata {@code weight}, an integer from 1 to {@value #MAX}. An instance
 * without one weighs 1; one with anything else (not a number, 0, negative, above the maximum) weighs 1 too, and
 * livery logs a warning once for that instance and value.
 *
 * @since 0.2.0
 */
public final class InstanceWeights {

	/** Metadata key of an instance's weight; the one Spring Cloud's weighted supplier reads too. */
	public static final String METADATA_KEY = "weight";

	/** Heaviest weight accepted. */
	public static final int MAX = 10_000;

	private static final Log logger = LogFactory.getLog(InstanceWeights.class);

	/** Instances and values already warned about; bounded, since it only keeps a log quiet. */
	private static final Set<String> warned = ConcurrentHashMap.newKeySet();

	private InstanceWeights() {
	}

	/**
	 * Return an instance's weight.
	 * @param instance the instance
	 * @return its weight, from 1 to {@value #MAX}
	 */
	public static int of(ServiceInstance instance) {
		Map<String, String> metadata = instance.getMetadata();
		String value = (metadata != null) ? metadata.get(METADATA_KEY) : null;
		if (value == null) {
			return 1;
		}
		try {
			int weight = Integer.parseInt(value.trim());
			if (weight >= 1 && weight <= MAX) {
				return weight;
			}
		}
		catch (NumberFormatException ex) {
			// Warned about below.
		}
		String instanceKey = LiveryLoadBalancer.key(instance) + "=" + value;
		if (warned.size() < 1000 && warned.add(instanceKey)) {
			logger.warn("Instance " + LiveryLoadBalancer.key(instance) + " of service '" + instance.getServiceId()
					+ "' has metadata weight '" + value + "', which is not an integer from 1 to " + MAX
					+ "; it weighs 1");
		}
		return 1;
	}

}
