package dev.livery.samples.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Smoke test: the sample client starts on a random port of 127.0.0.1 and spreads its calls over two real backends
 * (Reactor Netty servers on loopback) through livery.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class SampleClientApplicationTests {

	private static final List<DisposableServer> backends = List.of(backend("one"), backend("two"));

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void instances(DynamicPropertyRegistry registry) {
		for (int i = 0; i < backends.size(); i++) {
			int port = backends.get(i).port();
			registry.add("spring.cloud.discovery.client.simple.instances.backend[" + i + "].uri",
					() -> "http://127.0.0.1:" + port);
		}
		// A list from a higher-priority source replaces application.yml's whole list: exactly these two.
	}

	@AfterAll
	static void stop() {
		backends.forEach((server) -> server.disposeNow(Duration.ofSeconds(5)));
	}

	private static DisposableServer backend(String name) {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/work", (request, response) -> response
				.header("Content-Type", "application/json")
				.sendString(Mono.just("{\"instance\":\"" + name + "\"}"))))
			.bindNow();
	}

	@Test
	void spreadShouldReachBothBackendsThroughLivery() {
		WebTestClient http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(20))
			.build();
		Map<String, Integer> counts = http.get()
			.uri("/spread?n=100&concurrency=8")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Integer>>() {
			})
			.returnResult()
			.getResponseBody();
		assertThat(counts).containsOnlyKeys("one", "two");
		assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
		http.get().uri("/call").exchange().expectStatus().isOk().expectBody().jsonPath("$.instance").exists();
		http.get()
			.uri("/actuator/balancer/backend")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.policy").isEqualTo("p2c")
			.jsonPath("$.endpoints.length()").isEqualTo(2)
			.jsonPath("$.endpoints[0].inFlight").isEqualTo(0)
			.jsonPath("$.endpoints[1].inFlight").isEqualTo(0);
	}

}
