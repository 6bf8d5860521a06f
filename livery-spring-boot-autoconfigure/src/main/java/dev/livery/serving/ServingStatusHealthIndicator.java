package dev.livery.serving;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@link HealthIndicator} that reports the server's serving status: {@code SERVING} is {@code UP},
 * {@code NOT_SERVING} is {@code OUT_OF_SERVICE} and {@code UNKNOWN} is {@code UNKNOWN}; the details list the server
 * status and every named service's status.
 *
 * @since 0.1.0
 */
public class ServingStatusHealthIndicator implements HealthIndicator {

	private final ServingStatusStore store;

	/**
	 * Create an indicator reading the given store.
	 * @param store store to report
	 */
	public ServingStatusHealthIndicator(ServingStatusStore store) {
		this.store = store;
	}

	@Override
	public Health health() {
		Map<String, ServingStatus> all = this.store.all();
		ServingStatus server = all.getOrDefault(ServingStatusStore.SERVER, ServingStatus.UNKNOWN);
		Health.Builder builder = switch (server) {
			case SERVING -> Health.up();
			case NOT_SERVING -> Health.outOfService();
			default -> Health.unknown();
		};
		Map<String, ServingStatus> services = new LinkedHashMap<>(all);
		services.remove(ServingStatusStore.SERVER);
		return builder.withDetail("server", server).withDetail("services", services).build();
	}

}
