package dev.livery.serving;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@link MeterBinder} for the gauge {@value #METRIC_NAME} (tags {@code service}, {@code status}): {@code 1} for a
 * service's current status, {@code 0} for the others. Gauges are registered for each service as it first gets a
 * status; a cleared service reports {@code SERVICE_UNKNOWN}.
 *
 * @since 0.1.0
 */
public class ServingStatusMeterBinder implements MeterBinder {

	/**
	 * Name of the gauge.
	 */
	public static final String METRIC_NAME = "livery.serving.status";

	private final ServingStatusStore store;

	/**
	 * Create a binder for the given store.
	 * @param store store to report
	 */
	public ServingStatusMeterBinder(ServingStatusStore store) {
		this.store = store;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Set<String> registered = ConcurrentHashMap.newKeySet();
		// Listen first, then register what is known, so no service falls in between.
		this.store.addListener((service, status) -> register(registry, registered, service));
		this.store.all().keySet().forEach((service) -> register(registry, registered, service));
	}

	private void register(MeterRegistry registry, Set<String> registered, String service) {
		if (!registered.add(service)) {
			return;
		}
		for (ServingStatus status : ServingStatus.values()) {
			Gauge.builder(METRIC_NAME, this.store, (store) -> is(store, service, status) ? 1 : 0)
				.description("Serving status of a service: 1 for its current status, 0 for the others")
				.tag("service", service)
				.tag("status", status.name())
				.strongReference(true)
				.register(registry);
		}
	}

	private static boolean is(ServingStatusStore store, String service, ServingStatus status) {
		return store.get(service).orElse(ServingStatus.SERVICE_UNKNOWN) == status;
	}

}
