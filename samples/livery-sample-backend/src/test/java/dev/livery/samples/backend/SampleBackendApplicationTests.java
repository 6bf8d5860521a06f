package dev.livery.samples.backend;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Smoke test: the sample backend starts on a random port of 127.0.0.1 and answers, and its chaos knob works.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "sample.instance-name=backend-test", "sample.chaos.delay=0ms" })
class SampleBackendApplicationTests {

	@LocalServerPort
	private int port;

	private WebTestClient http;

	@BeforeEach
	void client() {
		this.http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	@Test
	void workShouldAnswerWithTheInstanceName() {
		this.http.get().uri("/work").exchange().expectStatus().isOk().expectBody().jsonPath("$.instance")
			.isEqualTo("backend-test");
	}

	@Test
	void chaosShouldMakeWorkFailAndSlowAndRejectBadValues() {
		try {
			this.http.post().uri("/chaos").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"delay\":\"150ms\",\"failureRate\":1.0}")
				.exchange()
				.expectStatus().isOk()
				.expectBody().jsonPath("$.delay").isEqualTo("150ms").jsonPath("$.failureRate").isEqualTo(1.0);
			long start = System.nanoTime();
			this.http.get().uri("/work").exchange().expectStatus().isEqualTo(500);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
			this.http.post().uri("/chaos").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"failureRate\":2}")
				.exchange()
				.expectStatus().isBadRequest();
			this.http.post().uri("/chaos").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"delay\":\"soon\"}")
				.exchange()
				.expectStatus().isBadRequest();
			this.http.get().uri("/chaos").exchange().expectBody().jsonPath("$.failureRate").isEqualTo(1.0);
		}
		finally {
			this.http.post().uri("/chaos").contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"delay\":\"0ms\",\"failureRate\":0}")
				.exchange()
				.expectStatus().isOk();
		}
		this.http.get().uri("/work").exchange().expectStatus().isOk();
	}

	@Test
	void servingStatusShouldDriveReadinessAndTheWatchStream() {
		this.http.get().uri("/actuator/servingstatus").exchange().expectStatus().isOk().expectBody()
			.jsonPath("$.status").isEqualTo("SERVING");
		this.http.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
		List<String> watched = new CopyOnWriteArrayList<>();
		Disposable watch = WebClient.create("http://127.0.0.1:" + this.port)
			.get()
			.uri("/livery/serving/watch")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.subscribe((event) -> watched.add(event.data()));
		try {
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watched.contains("SERVING"));
			setStatus("NOT_SERVING");
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watched.contains("NOT_SERVING"));
			this.http.get().uri("/actuator/health/readiness").exchange().expectStatus().isEqualTo(503);
		}
		finally {
			setStatus("SERVING");
			watch.dispose();
		}
		this.http.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
	}

	private void setStatus(String status) {
		this.http.post().uri("/actuator/servingstatus").contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"status\":\"" + status + "\"}")
			.exchange()
			.expectStatus().is2xxSuccessful();
	}

	@Test
	void concurrencyLimitShouldBeTheConfiguredOne() {
		this.http.get().uri("/actuator/metrics/livery.concurrency.limit").exchange().expectStatus().isOk().expectBody()
			.jsonPath("$.measurements[0].value").isEqualTo(200.0);
	}

	@Test
	void healthShouldBeUp() {
		this.http.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody().jsonPath("$.status")
			.isEqualTo("UP");
	}

}
