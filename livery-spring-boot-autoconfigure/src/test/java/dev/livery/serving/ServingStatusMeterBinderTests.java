package dev.livery.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
	}

	@Test
	void gaugesOfAClearedServiceAreRemovedAndComeBackWithANewStatus() {
		new ServingStatusMeterBinder(this.store).bindTo(this.registry);
		for (int i = 0; i < 100; i++) {
			this.store.set("service-" + i, ServingStatus.SERVING);
			this.store.clear("service-" + i);
		}
		assertThat(this.registry.find(ServingStatusMeterBinder.METRIC_NAME).gauges())
			.allSatisfy((gauge) -> assertThat(gauge.getId().getTag("service")).isEmpty());
		this.store.set("service-7", ServingStatus.NOT_SERVING);
		assertStatus("service-7", ServingStatus.NOT_SERVING);
	}

	@Test
	void concurrentSetsAndClearsLeaveGaugesExactlyForServicesWithAStatus() throws Exception {
		new ServingStatusMeterBinder(this.store).bindTo(this.registry);
		int threads = 4;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int seed = t;
				futures.add(executor.submit(() -> {
					for (int i = 0; i < 2_000; i++) {
						String service = "service-" + ((i + seed) % 3);
						if ((i + seed) % 2 == 0) {
							this.store.set(service, ((i & 2) == 0) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
						}
						else {
							this.store.clear(service);
						}
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		for (int i = 0; i < 3; i++) {
			String service = "service-" + i;
			if (this.store.get(service).isPresent()) {
				assertStatus(service, this.store.get(service).get());
			}
			else {
				assertThat(this.registry.find(ServingStatusMeterBinder.METRIC_NAME).tag("service", service).gauges())
					.isEmpty();
			}
		}
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
