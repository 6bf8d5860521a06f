package dev.livery.serving;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ServingStatusMeterBinder}.
 */
class ServingStatusMeterBinderTests {

	private final ServingStatusStore store = new ServingStatusStore();

	private final MeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void gaugeIsOneForCurrentStatusOnlyAndFollowsChanges() {
		this.store.set("orders", ServingStatus.SERVING);
		new ServingStatusMeterBinder(this.store).bindTo(this.registry);
		assertStatus("", ServingStatus.SERVING);
		assertStatus("orders", ServingStatus.SERVING);
		this.store.set("orders", ServingStatus.NOT_SERVING);
		assertStatus("orders", ServingStatus.NOT_SERVING);
		this.store.clear("orders");
		assertStatus("orders", ServingStatus.SERVICE_UNKNOWN);
	}

	@Test
	void gaugesAreRegisteredForServicesThatAppearLater() {
		new ServingStatusMeterBinder(this.store).bindTo(this.registry);
		assertThat(this.registry.find(ServingStatusMeterBinder.METRIC_NAME).tag("service", "billing").gauges())
			.isEmpty();
		this.store.set("billing", ServingStatus.UNKNOWN);
		assertStatus("billing", ServingStatus.UNKNOWN);
		this.store.set("billing", ServingStatus.SERVING);
		assertThat(this.registry.find(ServingStatusMeterBinder.METRIC_NAME).tag("service", "billing").gauges())
			.hasSize(ServingStatus.values().length);
	}

	private void assertStatus(String service, ServingStatus current) {
		for (ServingStatus status : ServingStatus.values()) {
			double value = this.registry.get(ServingStatusMeterBinder.METRIC_NAME)
				.tag("service", service)
				.tag("status", status.name())
				.gauge()
				.value();
			assertThat(value).as("%s of '%s'", status, service).isEqualTo((status == current) ? 1.0 : 0.0);
		}
	}

}
