package dev.livery.samples.backend;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

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
	void healthShouldBeUp() {
		this.http.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody().jsonPath("$.status")
			.isEqualTo("UP");
	}

}
