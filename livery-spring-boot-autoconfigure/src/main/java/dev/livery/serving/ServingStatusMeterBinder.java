package dev.livery.serving;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@link MeterBinder} for the gauge {@value #METRIC_NAME} (tags {@code service}, {@code status}): {@code 1} for a
 * service's current status, {@code 0} for the others. A service's gauges are registered when it gets a status and
 * removed when it is cleared, so the number of gauges follows the number of services that have a status.
 *
 * <p>
 * Implementation note. The store tells listeners of concurrent changes of one service in either order, so a listener
 * does not act on the change it is told of: under one lock per registry it reads the service's current status and
 * registers or removes its gauges to match. The last of these reconciliations reads the state after the last change,
 * so the gauges always end up matching the store. Status changes are rare and never on a request path, so the lock
 * costs nothing that matters.
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
		Gauges gauges = new Gauges(registry);
		// Listen first, then register what is known, so no service falls in between.
		this.store.addListener((service, status) -> gauges.reconcile(service));
		this.store.all().keySet().forEach(gauges::reconcile);
	}

	private static boolean is(ServingStatusStore store, String service, ServingStatus status) {
		return store.get(service).orElse(ServingStatus.SERVICE_UNKNOWN) == status;
	}

	/**
	 * The gauges of one registry, by service.
	 */
	private final class Gauges {

		private final MeterRegistry registry;

		private final Map<String, List<Meter>> byService = new HashMap<>();

		Gauges(MeterRegistry registry) {
			this.registry = registry;
		}

		synchronized void reconcile(String service) {
			boolean known = ServingStatusMeterBinder.this.store.get(service).isPresent();
			List<Meter> registered = this.byService.get(service);
			if (known && registered == null) {
				this.byService.put(service, register(service));
			}
			else if (!known && registered != null) {
				this.byService.remove(service);
				registered.forEach(this.registry::remove);
			}
		}

		private List<Meter> register(String service) {
			ServingStatusStore store = ServingStatusMeterBinder.this.store;
			List<Meter> meters = new ArrayList<>(ServingStatus.values().length);
			for (ServingStatus status : ServingStatus.values()) {
				meters.add(Gauge.builder(METRIC_NAME, store, (s) -> is(s, service, status) ? 1 : 0)
					.description("Serving status of a service: 1 for its current status, 0 for the others")
					.tag("service", service)
					.tag("status", status.name())
					.strongReference(true)
					.register(this.registry));
			}
			return meters;
		}

	}

}
