package dev.livery.serving;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ServingStatusEndpoint} without HTTP: the cases a running server cannot easily reach.
 */
class ServingStatusEndpointTests {

	private final ServingStatusStore store = new ServingStatusStore();

	private final ServingStatusEndpoint endpoint = new ServingStatusEndpoint(this.store);

	@Test
	void statusNamesAreCaseInsensitiveAndTrimmed() {
		WebEndpointResponse<Object> response = this.endpoint.setServiceStatus("orders", " not_serving ");
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getBody())
			.isEqualTo(new ServingStatusEndpoint.ServiceStatusDescriptor("orders", ServingStatus.NOT_SERVING));
		assertThat(this.store.get("orders")).contains(ServingStatus.NOT_SERVING);
	}

	@Test
	void missingStatusIs400AndChangesNothing() {
		WebEndpointResponse<Object> response = this.endpoint.setServerStatus(null);
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(response.getBody()).isInstanceOf(ServingStatusEndpoint.Failure.class);
		assertThat(this.store.all()).containsExactly(Map.entry("", ServingStatus.SERVING));
	}

	@Test
	void updatesAfterTerminalStateAre409AndChangeNothing() {
		this.store.set("orders", ServingStatus.SERVING);
		this.store.enterTerminalState();
		assertThat(this.endpoint.setServerStatus("SERVING").getStatus()).isEqualTo(409);
		assertThat(this.endpoint.setServiceStatus("orders", "SERVING").getStatus()).isEqualTo(409);
		assertThat(this.endpoint.clearServiceStatus("orders").getStatus()).isEqualTo(409);
		assertThat(this.store.all()).containsOnly(Map.entry("", ServingStatus.NOT_SERVING),
				Map.entry("orders", ServingStatus.NOT_SERVING));
		assertThat(this.endpoint.serviceStatus("orders").getStatus()).isEqualTo(200);
	}

}
