package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.FakeTicker;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.cloud.TestBackend.Behaviour;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.core.RandomLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End-to-end tests of livery's balancer inside a real Spring Boot client application calling real Reactor Netty
 * backends on 127.0.0.1 through {@code @LoadBalanced} clients.
 */
class LiveryLoadBalancerIntegrationTests {

	private static final FakeTicker ticker = new FakeTicker();

	private static final Map<String, List<TestBackend>> backends = new HashMap<>();

	private static ConfigurableApplicationContext context;

	private static WebClient webClient;

	private static RestClient restClient;

	private static WebTestClient actuator;

	@BeforeAll
	static void start() {
		List<String> properties = new ArrayList<>();
		backends("slow", 3);
		backends("failing", 3);
		backends("hung", 2);
		backends("blocking", 2);
		backends("rr", 3);
		backends("drain", 2);
		backends("custom", 1);
		backends("plain", 1);
		backends.forEach((service, list) -> {
			for (int i = 0; i < list.size(); i++) {
				properties.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].uri="
						+ list.get(i).uri());
			}
		});
		properties.add("server.port=0");
		properties.add("server.address=127.0.0.1");
		properties.add("management.endpoints.web.exposure.include=balancer,metrics,health");
		properties.add("livery.loadbalancer.outlier.consecutive-failures=3");
		properties.add("livery.loadbalancer.outlier.ejection-time=10s");
		properties.add("livery.loadbalancer.clients.rr.policy=round-robin");
		properties.add("livery.loadbalancer.clients.plain.enabled=false");
		properties.add("spring.main.banner-mode=off");
		context = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
		webClient = context.getBean(WebClient.Builder.class).build();
		restClient = context.getBean(RestClient.Builder.class).build();
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		actuator = WebTestClient.bindToServer(new ReactorClientHttpConnector(HttpClient.newConnection()))
			.baseUrl("http://127.0.0.1:" + port + "/actuator")
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		backends.values().forEach((list) -> list.forEach(TestBackend::close));
	}

	private static void backends(String service, int count) {
		List<TestBackend> list = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			list.add(new TestBackend(service + "-" + i));
		}
		backends.put(service, list);
	}

	@Test
	void slowBackendShouldGetASmallShareUnderConcurrency() {
		List<TestBackend> slow = backends.get("slow");
		slow.get(2).behave(Behaviour.SLOW);
		Map<String, AtomicInteger> share = new ConcurrentHashMap<>();
		Flux.range(0, 300)
			.flatMap((i) -> get("slow"), 24)
			.doOnNext((body) -> share.computeIfAbsent(body, (k) -> new AtomicInteger()).incrementAndGet())
			.blockLast(Duration.ofSeconds(60));
		int slowCount = share.getOrDefault("slow-2", new AtomicInteger()).get();
		System.out.println("livery: the backend 2 s slower received " + slowCount + " of 300 requests " + share);
		assertThat(share.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(300);
		// Round robin would send it a third (100); P2C on in-flight starves it while it is slow.
		assertThat(slowCount).as("requests to the slow backend, of 300").isLessThan(45);
		assertInFlightReturnsToZero("slow");
		describe("slow").jsonPath("$.policy").isEqualTo("p2c");
	}

	@Test
	void failingBackendShouldBeEjectedAndThenProbedExactlyOnce() {
		TestBackend bad = backends.get("failing").get(2).behave(Behaviour.FAIL_503);
		for (int i = 0; i < 300 && bad.received() < 3; i++) {
			getStatus("failing");
		}
		assertThat(bad.received()).isEqualTo(3);
		assertThat(endpoint("failing", bad)).containsEntry("state", "EJECTED").containsEntry("ejections", 1);
		for (int i = 0; i < 60; i++) {
			assertThat(getStatus("failing")).isEqualTo(200);
		}
		assertThat(bad.received()).as("ejected: receives nothing").isEqualTo(3);
		System.out.println("livery: the 503 backend received " + bad.received() + " of 63 requests before and after ejection");

		ticker.advance(Duration.ofSeconds(10));
		List<Integer> statuses = Flux.range(0, 40)
			.flatMap((i) -> Mono.fromCallable(() -> getStatus("failing")), 40)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(bad.received()).as("exactly one probe").isEqualTo(4);
		assertThat(statuses).filteredOn((status) -> status == 503).hasSize(1);
		assertThat(endpoint("failing", bad)).containsEntry("state", "EJECTED").containsEntry("ejections", 2);
		assertThat(metric("livery.loadbalancer.probes", "service:failing", "outcome:failure")).isEqualTo(1.0);

		bad.behave(Behaviour.OK);
		ticker.advance(Duration.ofSeconds(20));
		for (int i = 0; i < 10; i++) {
			assertThat(getStatus("failing")).isEqualTo(200);
		}
		assertThat(bad.received()).as("the probe, then a share of the traffic").isGreaterThan(4);
		assertThat(endpoint("failing", bad)).containsEntry("state", "UP").containsEntry("consecutiveFailures", 0);
		assertThat(metric("livery.loadbalancer.probes", "service:failing", "outcome:success")).isEqualTo(1.0);
		assertThat(metric("livery.loadbalancer.ejections", "service:failing")).isEqualTo(2.0);
		assertInFlightReturnsToZero("failing");
	}

	@Test
	void hungBackendWithCallerTimeoutsShouldLeaveNothingInFlight() {
		TestBackend hung = backends.get("hung").get(1).behave(Behaviour.HANG);
		AtomicInteger timeouts = new AtomicInteger();
		Flux.range(0, 40)
			// Long enough for every request to reach its backend on a starved machine before the caller gives up.
			.flatMap((i) -> get("hung").timeout(Duration.ofSeconds(2)).onErrorResume((ex) -> {
				timeouts.incrementAndGet();
				return Mono.empty();
			}), 40)
			.blockLast(Duration.ofSeconds(30));
		assertThat(hung.received()).as("the hung backend was called").isPositive();
		// Every request the hung backend took timed out at the caller (a loaded machine may time out others too).
		assertThat(timeouts.get()).isGreaterThanOrEqualTo(hung.received());
		assertInFlightReturnsToZero("hung");
		// A cancel is neither a success nor a failure.
		assertThat(endpoint("hung", hung)).containsEntry("state", "UP").containsEntry("consecutiveFailures", 0);
	}

	@Test
	void blockingRestClientShouldEjectToo() {
		TestBackend bad = backends.get("blocking").get(1).behave(Behaviour.FAIL_503);
		int errors = 0;
		for (int i = 0; i < 200 && bad.received() < 3; i++) {
			try {
				restClient.get().uri("http://blocking/").retrieve().body(String.class);
			}
			catch (RestClientResponseException ex) {
				assertThat(ex.getStatusCode().value()).isEqualTo(503);
				errors++;
			}
		}
		assertThat(errors).isEqualTo(3);
		assertThat(endpoint("blocking", bad)).containsEntry("state", "EJECTED");
		for (int i = 0; i < 20; i++) {
			assertThat(restClient.get().uri("http://blocking/").retrieve().body(String.class)).isEqualTo("blocking-0");
		}
		assertThat(bad.received()).isEqualTo(3);
		assertInFlightReturnsToZero("blocking");
	}

	@Test
	void perClientPolicyShouldOverrideTheDefault() {
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 30; i++) {
			counts.merge(get("rr").block(Duration.ofSeconds(10)), 1, Integer::sum);
		}
		assertThat(counts).containsOnly(Map.entry("rr-0", 10), Map.entry("rr-1", 10), Map.entry("rr-2", 10));
		describe("rr").jsonPath("$.policy").isEqualTo("round-robin");
	}

	@Test
	void drainAndRestoreThroughTheEndpoint() {
		get("drain").block(Duration.ofSeconds(10));
		TestBackend drained = backends.get("drain").get(0);
		act("drain", drained.key(), "drain").expectStatus().isOk().expectBody().jsonPath("$.state").isEqualTo("DRAINED");
		int before = drained.received();
		for (int i = 0; i < 30; i++) {
			assertThat(get("drain").block(Duration.ofSeconds(10))).isEqualTo("drain-1");
		}
		assertThat(drained.received()).isEqualTo(before);
		TestBackend other = backends.get("drain").get(1);
		act("drain", other.key(), "drain").expectStatus().isOk();
		assertThat(getStatus("drain")).as("nothing eligible: Spring Cloud's 503, not an exception").isEqualTo(503);
		act("drain", other.key(), "restore").expectStatus().isOk();
		act("drain", drained.key(), "restore").expectStatus().isOk().expectBody().jsonPath("$.state").isEqualTo("UP");
		for (int i = 0; i < 200 && drained.received() == before; i++) {
			get("drain").block(Duration.ofSeconds(10));
		}
		assertThat(drained.received()).isGreaterThan(before);
	}

	@Test
	void deleteShouldForgetAServiceUntilItsNextRequest() {
		get("drain").block(Duration.ofSeconds(10));
		act("drain", backends.get("drain").get(1).key(), "drain").expectStatus().isOk();
		actuator.delete().uri("/balancer/drain").exchange().expectStatus().isNoContent();
		actuator.get().uri("/balancer/drain").exchange().expectStatus().isNotFound();
		get("drain").block(Duration.ofSeconds(10));
		describe("drain").jsonPath("$.endpoints[*].state").isEqualTo(List.of("UP", "UP"));
	}

	@Test
	void badRequestsToTheEndpointShouldGet4xxAndChangeNothing() {
		get("drain").block(Duration.ofSeconds(10));
		String key = backends.get("drain").get(0).key();
		actuator.get().uri("/balancer/nope").exchange().expectStatus().isNotFound();
		act("drain", key, "explode").expectStatus().isBadRequest().expectBody().jsonPath("$.message").value(
				(String message) -> assertThat(message).contains("explode"));
		act("nope", key, "drain").expectStatus().isNotFound();
		act("drain", "10.0.0.1:1", "drain").expectStatus().isNotFound();
		actuator.post()
			.uri("/balancer/drain")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("endpoint", key))
			.exchange()
			.expectStatus()
			.isBadRequest();
		actuator.delete().uri("/balancer/nope").exchange().expectStatus().isNotFound();
		assertThat(endpoint("drain", backends.get("drain").get(0))).containsEntry("state", "UP");
	}

	@Test
	void usersOwnLoadBalancerClientConfigurationShouldWin() {
		assertThat(get("custom").block(Duration.ofSeconds(10))).isEqualTo("custom-0");
		LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
		assertThat(factory.getInstance("custom")).isInstanceOf(RandomLoadBalancer.class);
		assertThat(factory.getInstance("slow")).isInstanceOf(LiveryLoadBalancer.class);
		assertThat(context.getBean(EndpointPools.class).get("custom")).isNull();
	}

	@Test
	void disabledClientShouldUseSpringCloudsDefault() {
		assertThat(get("plain").block(Duration.ofSeconds(10))).isEqualTo("plain-0");
		LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
		assertThat(factory.getInstance("plain")).isNotInstanceOf(LiveryLoadBalancer.class).isNotNull();
		assertThat(context.getBean(EndpointPools.class).get("plain")).isNull();
	}

	private static Mono<String> get(String service) {
		return webClient.get().uri("http://" + service + "/").retrieve().bodyToMono(String.class);
	}

	private static int getStatus(String service) {
		try {
			get(service).block(Duration.ofSeconds(10));
			return 200;
		}
		catch (WebClientResponseException ex) {
			return ex.getStatusCode().value();
		}
	}

	private static WebTestClient.BodyContentSpec describe(String service) {
		return actuator.get().uri("/balancer/" + service).exchange().expectStatus().isOk().expectBody();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> endpoint(String service, TestBackend backend) {
		Map<String, Object> body = json("/balancer/" + service);
		List<Map<String, Object>> endpoints = (List<Map<String, Object>>) body.get("endpoints");
		return endpoints.stream()
			.filter((endpoint) -> backend.key().equals(endpoint.get("endpoint")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no endpoint " + backend.key() + " in " + body));
	}

	private static WebTestClient.ResponseSpec act(String service, String endpoint, String action) {
		return actuator.post()
			.uri("/balancer/" + service)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("endpoint", endpoint, "action", action))
			.exchange();
	}

	private static double metric(String name, String... tags) {
		StringBuilder uri = new StringBuilder("/metrics/" + name + "?");
		for (String tag : tags) {
			uri.append("tag=").append(tag).append('&');
		}
		Map<String, Object> body = json(uri.toString());
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> measurements = (List<Map<String, Object>>) body.get("measurements");
		return ((Number) measurements.get(0).get("value")).doubleValue();
	}

	private static Map<String, Object> json(String uri) {
		return actuator.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
	}

	private static void assertInFlightReturnsToZero(String service) {
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(metric("livery.loadbalancer.in.flight", "service:" + service)).isZero());
		describe(service).jsonPath("$.endpoints[*].inFlight").value((List<Integer> counts) -> assertThat(counts)
			.containsOnly(0));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@LoadBalancerClient(name = "custom", configuration = CustomBalancerConfiguration.class)
	static class ClientApplication {

		// One connection a request, in the client and towards the actuator: Reactor Netty before 1.3.8 can leave a
		// kept-alive connection unread when a response written off the event loop (a slow backend, an actuator
		// operation) is followed quickly by the next request (reactor/reactor-netty#4361).
		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()));
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		Ticker testTicker() {
			return ticker;
		}

	}

	static class CustomBalancerConfiguration {

		@Bean
		ReactorLoadBalancer<ServiceInstance> randomLoadBalancer(Environment environment,
				LoadBalancerClientFactory factory) {
			String name = LoadBalancerClientFactory.getName(environment);
			return new RandomLoadBalancer(factory.getLazyProvider(name, ServiceInstanceListSupplier.class), name);
		}

	}

}
