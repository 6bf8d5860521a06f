package dev.livery.autoconfigure.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.dashboard.Dashboard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard's page and event stream over real HTTP, in a WebFlux application on a random loopback port that
 * balances a real backend and has a concurrency limit of one request.
 */
class DashboardWebIntegrationTests {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT = new ParameterizedTypeReference<>() {
	};

	private static final Backend backend = new Backend();

	private static ConfigurableApplicationContext context;

	private static Dashboard dashboard;

	private static String base;

	@BeforeAll
	static void start() {
		context = new SpringApplicationBuilder(DashboardTestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"spring.application.name=feed-test", "livery.dashboard.enabled=true",
					"livery.dashboard.path=/ops/dashboard", "livery.concurrency.max-concurrent-requests=1",
					"spring.cloud.discovery.client.simple.instances.backend[0].uri=" + backend.uri())
			.run();
		dashboard = context.getBean(Dashboard.class);
		base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
		context.getBean(WebClient.Builder.class)
			.build()
			.get()
			.uri("http://backend/")
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		backend.close();
	}

	/** A client whose every exchange has a connection of its own, closed at its end. */
	private static WebClient client() {
		return WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())))
			.baseUrl(base)
			.build();
	}

	@Test
	void pageShouldBeOneSelfContainedHtmlFileWhoseScriptIsAllowedByItsPolicy() throws Exception {
		ResponseEntity<String> page = client().get()
			.uri("/ops/dashboard")
			.retrieve()
			.toEntity(String.class)
			.block(Duration.ofSeconds(10));
		assertThat(page.getStatusCode().value()).isEqualTo(200);
		assertThat(page.getHeaders().getContentType()).hasToString("text/html;charset=UTF-8");
		String html = page.getBody();
		assertThat(html).contains("<title>livery dashboard</title>");
		// Nothing from elsewhere: no CDN, no font service; the page works offline.
		assertThat(html).doesNotContain("http://", "https://", "//cdn", "src=\"", "<link rel=\"stylesheet\"");
		String policy = page.getHeaders().getFirst("Content-Security-Policy");
		assertThat(policy).contains("default-src 'none'", "connect-src 'self'",
				"script-src " + sha256(between(html, "<script>", "</script>")),
				"style-src " + sha256(between(html, "<style>", "</style>")));
		assertThat(page.getHeaders().getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
	}

	@Test
	void eventsShouldCarryOneJsonSnapshotPerEvent() {
		List<ServerSentEvent<String>> events = client().get()
			.uri("/ops/dashboard/events")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(EVENT)
			.take(3)
			.collectList()
			.block(Duration.ofSeconds(20));
		assertThat(events).hasSize(3);
		for (ServerSentEvent<String> event : events) {
			Map<String, Object> snapshot = parse(event.data());
			assertThat(snapshot).containsOnlyKeys("application", "services", "concurrency", "serving")
				.containsEntry("application", "feed-test")
				.containsEntry("serving", Map.of("", "SERVING"));
			assertThat(snapshot.get("concurrency")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
				.containsEntry("limit", 1)
				.containsEntry("inFlight", 0);
			List<Map<String, Object>> services = list(snapshot, "services");
			assertThat(services).singleElement().satisfies((service) -> {
				assertThat(service).containsEntry("service", "backend").containsEntry("policy", "p2c");
				assertThat(list(service, "endpoints")).singleElement()
					.satisfies((endpoint) -> assertThat(endpoint).containsEntry("endpoint", backend.key())
						.containsEntry("state", "UP")
						.containsEntry("inFlight", 0));
			});
		}
	}

	@Test
	void streamsShouldNotBeCountedByTheConcurrencyLimit() {
		ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
		// The limit is one request: counted, the second stream would be answered 503.
		Flux<ServerSentEvent<String>> first = stream();
		Flux<ServerSentEvent<String>> second = stream();
		StepVerifier.create(Flux.merge(first.take(2), second.take(2)))
			.expectNextCount(3)
			.then(() -> assertThat(limiter.inFlight()).isZero())
			.expectNextCount(1)
			.expectComplete()
			.verify(Duration.ofSeconds(20));
		ResponseEntity<String> page = client().get()
			.uri("/ops/dashboard")
			.retrieve()
			.toEntity(String.class)
			.block(Duration.ofSeconds(10));
		assertThat(page.getStatusCode().value()).isEqualTo(200);
	}

	@Test
	void viewerLeavingShouldStopTheTicker() {
		StepVerifier.create(stream())
			.expectNextCount(1)
			.then(() -> {
				assertThat(dashboard.viewers()).isEqualTo(1);
				assertThat(dashboard.isTicking()).isTrue();
			})
			.thenCancel()
			.verify(Duration.ofSeconds(20));
		await().atMost(Duration.ofSeconds(10)).until(() -> dashboard.viewers() == 0 && !dashboard.isTicking());
		long taken = dashboard.snapshotsTaken();
		await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> dashboard.snapshotsTaken() == taken);
	}

	@Test
	void pageAndStreamShouldBeReadOnly() {
		for (String path : List.of("/ops/dashboard", "/ops/dashboard/events")) {
			int status = client().post()
				.uri(path)
				.bodyValue("{}")
				.exchangeToMono((response) -> Mono.just(response.statusCode().value()))
				.block(Duration.ofSeconds(10));
			assertThat(status).as("POST " + path).isBetween(400, 499);
		}
		int status = client().get()
			.uri("/livery/dashboard")
			.exchangeToMono((response) -> Mono.just(response.statusCode().value()))
			.block(Duration.ofSeconds(10));
		assertThat(status).as("the default path, moved by livery.dashboard.path").isEqualTo(404);
	}

	private static Flux<ServerSentEvent<String>> stream() {
		return client().get()
			.uri("/ops/dashboard/events")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			.retrieve()
			.bodyToFlux(EVENT);
	}

	private static String between(String text, String open, String close) {
		Matcher matcher = Pattern.compile(Pattern.quote(open) + "(.*?)" + Pattern.quote(close), Pattern.DOTALL)
			.matcher(text);
		assertThat(matcher.find()).isTrue();
		return matcher.group(1);
	}

	private static String sha256(String text) throws Exception {
		byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
		return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> parse(String json) {
		return JsonMapper.builder().build().readValue(json, Map.class);
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
		return (List<Map<String, Object>>) map.get(key);
	}

}
