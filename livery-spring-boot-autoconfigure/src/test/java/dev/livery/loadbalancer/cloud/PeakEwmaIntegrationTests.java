package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livery.loadbalancer.cloud.TestBackend.Behaviour;
import org.awaitility.Awaitility;
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
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End-to-end tests of policy {@code peak-ewma} in a real Spring Boot client application calling real Reactor Netty
 * backends on 127.0.0.1, one misbehaving backend of three per service, on the system clock (latency is what is
 * measured). The assertions are on shares, with bounds wide enough for a loaded machine, and where it helps on the
 * contrast with {@code p2c} under the same fault.
 */
class PeakEwmaIntegrationTests {

	private static final Map<String, List<TestBackend>> backends = new HashMap<>();

	private static ConfigurableApplicationContext context;

	private static WebClient webClient;

	private static WebTestClient actuator;

	@BeforeAll
	static void start() {
		List<String> properties = new ArrayList<>();
		for (String service : List.of("slow", "hung", "hung-p2c", "failing", "failing-p2c")) {
			List<TestBackend> list = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				TestBackend backend = new TestBackend(service + "-" + i);
				list.add(backend);
				properties.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].uri="
						+ backend.uri());
			}
			backends.put(service, list);
		}
		properties.add("server.port=0");
		properties.add("server.address=127.0.0.1");
		properties.add("management.endpoints.web.exposure.include=balancer");
		properties.add("livery.loadbalancer.policy=peak-ewma");
		properties.add("livery.loadbalancer.clients.hung-p2c.policy=p2c");
		properties.add("livery.loadbalancer.clients.failing-p2c.policy=p2c");
		// No ejection for the failing backends: what keeps traffic away from them must be the latency penalty, here
		// 10 s rather than 1 s, because a loaded test machine can make healthy answers take a good part of a second.
		properties.add("livery.loadbalancer.clients.failing.outlier.enabled=false");
		properties.add("livery.loadbalancer.clients.failing.latency.failure-penalty=10s");
		properties.add("livery.loadbalancer.clients.failing-p2c.outlier.enabled=false");
		properties.add("spring.main.banner-mode=off");
		context = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
		webClient = context.getBean(WebClient.Builder.class).build();
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

	@Test
	void slowBackendShouldStopDrawingTrafficAtItsFirstSlowAnswer() {
		List<TestBackend> slow = warmUp("slow");
		slow.get(2).behave(Behaviour.SLOW);
		Flux.range(0, 300).flatMap((i) -> get("slow"), 8).blockLast(Duration.ofSeconds(60));
		int received = slow.get(2).received();
		System.out.println("peak-ewma: the backend 2 s slower received " + received + " of 300 requests");
		assertThat(total(slow)).isEqualTo(300);
		// Until its first slow answer it is judged like the others (a few in flight each); then it costs
		// 2 s × (in flight + 1) against the others' milliseconds (hundreds on a loaded machine): next to nothing.
		assertThat(received).as("requests to the slow backend, of 300").isLessThanOrEqualTo(30);
		assertInFlightReturnsToZero("slow");
		Map<String, Object> endpoint = endpoint("slow", slow.get(2));
		assertThat(Duration.parse((String) endpoint.get("latency"))).isGreaterThan(Duration.ofSeconds(1));
		describe("slow").jsonPath("$.policy").isEqualTo("peak-ewma");
		describe("slow").jsonPath("$.endpoints[*].latency").value((List<String> latencies) -> assertThat(latencies)
			.hasSize(3));
	}

	@Test
	void hungBackendShouldStopDrawingTrafficOnceCallersGiveUpOnIt() {
		List<TestBackend> hung = warmUp("hung");
		hung.get(2).behave(Behaviour.HANG);
		AtomicInteger timeouts = new AtomicInteger();
		Flux.range(0, 200)
			.flatMap((i) -> get("hung").timeout(Duration.ofSeconds(3)).onErrorResume((ex) -> {
				timeouts.incrementAndGet();
				return Mono.empty();
			}), 8)
			.blockLast(Duration.ofSeconds(60));
		int first = hung.get(2).received();
		System.out.println("peak-ewma: the hung backend received " + first + " of 200 requests");
		assertThat(first).as("the hung backend was called").isPositive();
		// Until the first cancel it is judged like the others, so it takes a few requests (round robin: a third).
		assertThat(first).as("requests to the hung backend, of 200").isLessThanOrEqualTo(50);
		assertThat(timeouts.get()).isGreaterThanOrEqualTo(first);
		assertInFlightReturnsToZero("hung");
		// The cancels taught it: at least 3 s. A cancel is neither success nor failure: no ejection.
		Map<String, Object> endpoint = endpoint("hung", hung.get(2));
		assertThat(Duration.parse((String) endpoint.get("latency"))).isGreaterThan(Duration.ofMillis(500));
		assertThat(endpoint).containsEntry("state", "UP").containsEntry("consecutiveFailures", 0);
		// One caller at a time now: with nothing in flight anywhere, only the estimate tells the hung one apart.
		assertThat(sequentialCallsTo("hung", 30)).as("calls that reached the hung backend, of 30").isLessThanOrEqualTo(1);
	}

	@Test
	void p2cShouldKeepCallingAHungBackendOnceItsCallersHaveGivenUp() {
		// The contrast: a cancel releases the slot and teaches p2c nothing.
		List<TestBackend> hung = warmUp("hung-p2c");
		hung.get(2).behave(Behaviour.HANG);
		assertThat(sequentialCallsTo("hung-p2c", 30)).as("calls that reached the hung backend, of 30")
			.isGreaterThanOrEqualTo(2);
		assertInFlightReturnsToZero("hung-p2c");
	}

	@Test
	void fastFailingBackendShouldDrawAtMostAFewPercentWithoutBeingEjected() {
		List<TestBackend> failing = warmUp("failing");
		failing.get(2).behave(Behaviour.FAIL_HALF);
		int errors = callAll("failing", 300);
		int received = failing.get(2).received();
		System.out.println("peak-ewma: the backend failing every other request received " + received + " of 300");
		assertThat(total(failing)).isEqualTo(300);
		assertThat(received).as("requests to the failing backend, of 300").isLessThanOrEqualTo(15);
		assertThat(errors).isLessThanOrEqualTo(received);
		assertThat(endpoint("failing", failing.get(2))).containsEntry("state", "UP");
		assertInFlightReturnsToZero("failing");
	}

	@Test
	void p2cShouldSendAFastFailingBackendAtLeastItsShare() {
		// The contrast: failing fast keeps its in-flight count low, so p2c favours it.
		List<TestBackend> failing = warmUp("failing-p2c");
		failing.get(2).behave(Behaviour.FAIL_HALF);
		callAll("failing-p2c", 300);
		System.out.println("p2c: the backend failing every other request received " + failing.get(2).received() + " of 300");
		assertThat(failing.get(2).received()).as("requests to the failing backend, of 300").isGreaterThan(60);
		assertInFlightReturnsToZero("failing-p2c");
	}

	/**
	 * Send sequential requests until every backend has answered a few times, then reset the counts.
	 */
	private static List<TestBackend> warmUp(String service) {
		List<TestBackend> list = backends.get(service);
		for (int i = 0; i < 300 && list.stream().anyMatch((backend) -> backend.received() < 3); i++) {
			get(service).block(Duration.ofSeconds(10));
		}
		assertThat(list).allSatisfy((backend) -> assertThat(backend.received()).isPositive());
		list.forEach(TestBackend::resetCount);
		return list;
	}

	/**
	 * Send requests four at a time; return how many failed.
	 */
	private static int callAll(String service, int count) {
		AtomicInteger errors = new AtomicInteger();
		Flux.range(0, count).flatMap((i) -> get(service).onErrorResume((ex) -> {
			errors.incrementAndGet();
			return Mono.empty();
		}), 4).blockLast(Duration.ofSeconds(60));
		return errors.get();
	}

	/**
	 * Send requests one at a time, each given up after 300 ms; return how many reached the hung backend.
	 */
	private static int sequentialCallsTo(String service, int count) {
		TestBackend hung = backends.get(service).get(2);
		int before = hung.received();
		for (int i = 0; i < count; i++) {
			get(service).timeout(Duration.ofMillis(300)).onErrorResume((ex) -> Mono.empty()).block(Duration.ofSeconds(10));
		}
		return hung.received() - before;
	}

	private static int total(List<TestBackend> list) {
		return list.stream().mapToInt(TestBackend::received).sum();
	}

	private static Mono<String> get(String service) {
		return webClient.get().uri("http://" + service + "/").retrieve().bodyToMono(String.class);
	}

	private static WebTestClient.BodyContentSpec describe(String service) {
		return actuator.get().uri("/balancer/" + service).exchange().expectStatus().isOk().expectBody();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> endpoint(String service, TestBackend backend) {
		Map<String, Object> body = actuator.get()
			.uri("/balancer/" + service)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
		List<Map<String, Object>> endpoints = (List<Map<String, Object>>) body.get("endpoints");
		return endpoints.stream()
			.filter((endpoint) -> backend.key().equals(endpoint.get("endpoint")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no endpoint " + backend.key() + " in " + body));
	}

	private static void assertInFlightReturnsToZero(String service) {
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> describe(service).jsonPath("$.endpoints[*].inFlight")
				.value((List<Integer> counts) -> assertThat(counts).containsOnly(0)));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ClientApplication {

		// One connection a request (reactor/reactor-netty#4361; see LiveryLoadBalancerIntegrationTests).
		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()));
		}

	}

}
