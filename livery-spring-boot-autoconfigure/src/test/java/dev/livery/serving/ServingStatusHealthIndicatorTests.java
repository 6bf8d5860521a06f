package dev.livery.serving;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ServingStatusHealthIndicator}.
 */
class ServingStatusHealthIndicatorTests {

	private final ServingStatusStore store = new ServingStatusStore();

	private final ServingStatusHealthIndicator indicator = new ServingStatusHealthIndicator(this.store);

	@Test
	void serverStatusMapsToHealthStatus() {
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.UP);
		this.store.set("", ServingStatus.NOT_SERVING);
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		this.store.set("", ServingStatus.UNKNOWN);
		assertThat(this.indicator.health().getStatus()).isEqualTo(Status.UNKNOWN);
	}

	@Test
	void namedServicesAreDetailsAndDoNotChangeHealthStatus() {
		this.store.set("orders", ServingStatus.NOT_SERVING);
		this.store.set("billing", ServingStatus.SERVING);
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("server", ServingStatus.SERVING)
			.containsEntry("services", Map.of("orders", ServingStatus.NOT_SERVING, "billing", ServingStatus.SERVING));
	}

}
