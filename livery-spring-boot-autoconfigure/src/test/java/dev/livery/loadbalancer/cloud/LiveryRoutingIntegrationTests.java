package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClient;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: a real Spring Boot client calling real backends on 127.0.0.1 through a {@code @LoadBalanced}
 * {@link WebClient}, with each policy, weights from instance metadata, and each instance-list configuration Spring
 * Cloud LoadBalancer offers ({@code spring.cloud.loadbalancer.clients.<id>.configurations}), plus hints, with livery
 * balancing.
 */
class LiveryRoutingIntegrationTests {

	private static final Map<String, List<RoutingBackend>> backends = new LinkedHashMap<>();

	private static final List<String> properties = new ArrayList<>();

	private static ConfigurableApplicationContext context;

	private static WebClient webClient;

	@BeforeAll
	static void start() {
		service("rr", 2, (i) -> meta("rr", i, "weight", (i == 0) ? "3" : "1"));
		properties.add("livery.loadbalancer.clients.rr.policy=round-robin");
		service("random", 2, (i) -> meta("random", i, "weight", (i == 0) ? "1" : "3"));
		properties.add("livery.loadbalancer.clients.random.policy=random");
		service("least", 3, (i) -> {
		});
		properties.add("livery.loadbalancer.clients.least.policy=least-request");
		service("ring", 4, (i) -> {
		});
		properties.add("livery.loadbalancer.clients.ring.policy=ring-hash");
		service("sticky", 3, (i) -> instanceId("sticky", i));
		properties.add("spring.cloud.loadbalancer.clients.sticky.configurations=request-based-sticky-session");
		service("hinted", 3, (i) -> meta("hinted", i, "hint", (i == 0) ? "blue" : "green"));
		service("same", 3, (i) -> {
		});
		properties.add("spring.cloud.loadbalancer.clients.same.configurations=same-instance-preference");
		service("zoned", 3, (i) -> meta("zoned", i, "zone", (i == 2) ? "us" : "eu"));
		properties.add("spring.cloud.loadbalancer.clients.zoned.configurations=zone-preference");
		properties.add("spring.cloud.loadbalancer.zone=eu");
		service("weighted", 2, (i) -> meta("weighted", i, "weight", (i == 0) ? "3" : "1"));
		properties.add("spring.cloud.loadbalancer.clients.weighted.configurations=weighted");
		properties.add("livery.loadbalancer.clients.weighted.policy=round-robin");
		service("checked", 3, (i) -> {
		});
		backends.get("checked").get(1).unhealthy();
		properties.add("spring.cloud.loadbalancer.clients.checked.configurations=health-check");
		properties.add("spring.cloud.loadbalancer.clients.checked.health-check.refetch-instances=true");
		service("subset", 4, (i) -> {
		});
		properties.add("spring.cloud.loadbalancer.clients.subset.configurations=subset");
		properties.add("spring.cloud.loadbalancer.clients.subset.subset.size=2");
		service("matched", 3, (i) -> meta("matched", i, "zone", (i == 0) ? "eu-west" : "us-east"));
		properties.add("livery.loadbalancer.clients.matched.node-match=zone=eu-*,"
				+ backends.get("matched").get(2).key().replace("127.0.0.1", "127.0.*"));
		properties.add("management.endpoints.web.exposure.include=balancer");
		properties.add("server.port=0");
		properties.add("server.address=127.0.0.1");
		properties.add("spring.main.banner-mode=off");
		context = new SpringApplicationBuilder(RoutingClient.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
		webClient = context.getBean("loadBalancedWebClientBuilder", WebClient.Builder.class).build();
	}

	private static void service(String service, int count, Consumer<Integer> instance) {
		List<RoutingBackend> list = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			RoutingBackend backend = new RoutingBackend(service + "-" + i);
			list.add(backend);
			properties.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].uri="
					+ backend.uri());
			instance.accept(i);
		}
		backends.put(service, list);
	}

	private static void meta(String service, int i, String key, String value) {
		properties.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].metadata." + key
				+ "=" + value);
	}

	private static void instanceId(String service, int i) {
		properties.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].instance-id="
				+ service + "-" + i);
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		backends.values().forEach((list) -> list.forEach(RoutingBackend::close));
	}

	private static String call(String service, Map<String, String> headers, Map<String, String> cookies) {
		return webClient.get()
			.uri("http://" + service + "/work")
			.headers((h) -> headers.forEach(h::add))
			.cookies((c) -> cookies.forEach(c::add))
			.retrieve()
			.bodyToMono(String.class)
			.block(Duration.ofSeconds(10));
	}

	private static String call(String service) {
		return call(service, Map.of(), Map.of());
	}

	private static Map<String, Integer> spread(String service, int requests, Map<String, String> headers) {
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < requests; i++) {
			counts.merge(call(service, headers, Map.of()), 1, Integer::sum);
		}
		return counts;
	}

	private static EndpointPool<ServiceInstance> pool(String service) {
		@SuppressWarnings("unchecked")
		EndpointPools<ServiceInstance> pools = context.getBean(EndpointPools.class);
		return pools.get(service);
	}

	private static void assertNothingInFlight(String service) {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (pool(service).inFlight() != 0 && System.nanoTime() < deadline) {
			Thread.onSpinWait();
		}
		assertThat(pool(service).inFlight()).as("in flight, %s", service).isZero();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> balancer(String service) {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		return WebClient.create("http://127.0.0.1:" + port)
			.get()
			.uri("/actuator/balancer/" + service)
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(10));
	}

	@Test
	@SuppressWarnings("unchecked")
	void roundRobinShouldFollowWeightsExactly() {
		// Weights 3 and 1 in instance metadata: 3 of every 4 sequential requests, smoothly interleaved.
		List<String> sequence = new ArrayList<>();
		for (int i = 0; i < 400; i++) {
			sequence.add(call("rr"));
		}
		assertThat(sequence.stream().filter("rr-0"::equals).count()).isEqualTo(300);
		for (int i = 0; i + 4 <= sequence.size(); i++) {
			assertThat(sequence.subList(i, i + 4)).as("window at %d", i).contains("rr-0");
		}
		assertThat(pool("rr").endpoint(backends.get("rr").get(0).key()).weight()).isEqualTo(3);
		// The balancer endpoint shows the policy as configured and each endpoint's weight.
		Map<String, Object> rr = balancer("rr");
		assertThat(rr).containsEntry("policy", "round-robin");
		assertThat((List<Map<String, Object>>) rr.get("endpoints")).extracting((e) -> e.get("weight"))
			.containsExactlyInAnyOrder(3, 1);
		assertThat(balancer("ring")).containsEntry("policy", "ring-hash");
		assertNothingInFlight("rr");
	}

	@Test
	void randomShouldFollowWeights() {
		Map<String, Integer> counts = spread("random", 800, Map.of());
		// Weight 3 of 4: 600 +- 5 sigma (61).
		assertThat(counts.get("random-1")).isBetween(539, 661);
		assertNothingInFlight("random");
	}

	@Test
	void leastRequestShouldKeepAwayFromAnEndpointWhoseRequestsPileUp() {
		RoutingBackend hung = backends.get("least").get(2).hang();
		int concurrency = 6;
		Flux.range(0, 120)
			.flatMap((i) -> webClient.get()
				.uri("http://least/work")
				.retrieve()
				.bodyToMono(String.class)
				.timeout(Duration.ofSeconds(3))
				.onErrorResume((ex) -> Mono.empty()), concurrency)
			.blockLast(Duration.ofSeconds(60));
		// It gets a request only when no other endpoint has fewer in flight than it: at most the concurrency.
		assertThat(hung.served()).isBetween(1, concurrency);
		assertThat(backends.get("least").get(0).served() + backends.get("least").get(1).served())
			.isGreaterThanOrEqualTo(120 - concurrency);
		assertNothingInFlight("least");
	}

	@Test
	void ringHashShouldKeepKeysOnTheirEndpointAndMoveOnlyADrainedEndpointsKeys() {
		Map<String, String> before = new LinkedHashMap<>();
		for (int k = 0; k < 60; k++) {
			String key = "user-" + k;
			String first = call("ring", Map.of("X-Livery-Key", key), Map.of());
			for (int again = 0; again < 2; again++) {
				assertThat(call("ring", Map.of("X-Livery-Key", key), Map.of())).isEqualTo(first);
			}
			before.put(key, first);
		}
		assertThat(new HashSet<>(before.values())).hasSizeGreaterThan(2);
		RoutingBackend drained = backends.get("ring").get(1);
		assertThat(before).containsValue(drained.name());
		pool("ring").drain(drained.key());
		before.forEach((key, owner) -> {
			String now = call("ring", Map.of("X-Livery-Key", key), Map.of());
			if (owner.equals(drained.name())) {
				assertThat(now).isNotEqualTo(owner);
			}
			else {
				assertThat(now).as(key).isEqualTo(owner);
			}
		});
		pool("ring").restore(drained.key());
		before.forEach((key, owner) -> assertThat(call("ring", Map.of("X-Livery-Key", key), Map.of())).as(key)
			.isEqualTo(owner));
		// Without a key: p2c over all four.
		assertThat(spread("ring", 80, Map.of()).keySet()).hasSize(4);
		assertNothingInFlight("ring");
	}

	@Test
	void instanceSelectorShouldGiveTheKeysReplicasPrimaryFirst() {
		InstanceSelector selector = context.getBean(InstanceSelector.class);
		for (int k = 0; k < 20; k++) {
			String key = "order-" + k;
			List<ServiceInstance> replicas = selector.select("ring", key, 3).block(Duration.ofSeconds(10));
			assertThat(replicas).hasSize(3);
			assertThat(replicas.stream().map(LiveryLoadBalancer::key).distinct()).hasSize(3);
			assertThat(selector.select("ring", key, 3).block(Duration.ofSeconds(10))).isEqualTo(replicas);
			ServiceInstance primary = selector.select("ring", key).block(Duration.ofSeconds(10));
			assertThat(primary).isEqualTo(replicas.get(0));
			String servedBy = call("ring", Map.of("X-Livery-Key", key), Map.of());
			assertThat(name("ring", LiveryLoadBalancer.key(primary))).isEqualTo(servedBy);
		}
		assertThat(selector.select("ring", "x", 10).block(Duration.ofSeconds(10))).hasSize(4);
		assertThat(selector.select("random", "x", 2).block(Duration.ofSeconds(10))).hasSize(2);
		assertThat(selector.select("rr").block(Duration.ofSeconds(10))).isNotNull();
		org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
			.isThrownBy(() -> selector.select("ring", "x", 0));
		assertNothingInFlight("ring");
	}

	private static String name(String service, String key) {
		return backends.get(service).stream().filter((b) -> b.key().equals(key)).findFirst().orElseThrow().name();
	}

	@Test
	void requestBasedStickySessionShouldBeHonouredPerRequest() {
		for (int i = 0; i < 30; i++) {
			assertThat(call("sticky", Map.of(), Map.of("sc-lb-instance-id", "sticky-2"))).isEqualTo("sticky-2");
		}
		// Without the cookie: balanced over all three, which are all members of the pool.
		assertThat(spread("sticky", 90, Map.of()).keySet()).hasSize(3);
		assertThat(pool("sticky").endpoints()).hasSize(3);
		// A drained sticky instance: the request goes elsewhere rather than fail.
		pool("sticky").drain(backends.get("sticky").get(2).key());
		assertThat(call("sticky", Map.of(), Map.of("sc-lb-instance-id", "sticky-2"))).isNotEqualTo("sticky-2");
		pool("sticky").restore(backends.get("sticky").get(2).key());
		assertNothingInFlight("sticky");
	}

	@Test
	void hintsShouldBeHonouredPerRequest() {
		for (int i = 0; i < 30; i++) {
			assertThat(call("hinted", Map.of("X-SC-LB-Hint", "blue"), Map.of())).isEqualTo("hinted-0");
		}
		Map<String, Integer> green = spread("hinted", 60, Map.of("X-SC-LB-Hint", "green"));
		assertThat(green.keySet()).containsExactlyInAnyOrder("hinted-1", "hinted-2");
		assertThat(spread("hinted", 90, Map.of()).keySet()).hasSize(3);
		assertNothingInFlight("hinted");
	}

	@Test
	void sameInstancePreferenceShouldStickUntilTheInstanceGoesAway() {
		String first = call("same");
		for (int i = 0; i < 20; i++) {
			assertThat(call("same")).isEqualTo(first);
		}
		RoutingBackend chosen = backends.get("same").stream().filter((b) -> b.name().equals(first)).findFirst()
			.orElseThrow();
		pool("same").drain(chosen.key());
		String second = call("same");
		assertThat(second).isNotEqualTo(first);
		for (int i = 0; i < 20; i++) {
			assertThat(call("same")).isEqualTo(second);
		}
		pool("same").restore(chosen.key());
		assertNothingInFlight("same");
	}

	@Test
	void zonePreferenceShouldKeepTrafficInTheZone() {
		Map<String, Integer> counts = spread("zoned", 60, Map.of());
		assertThat(counts.keySet()).containsExactlyInAnyOrder("zoned-0", "zoned-1");
		assertNothingInFlight("zoned");
	}

	@Test
	void weightedSupplierShouldCountAWeightOnce() {
		// The weighted supplier lists zoned-0 three times; livery collapses the duplicates and reads the weight:
		// 3 : 1, not 9 : 1.
		Map<String, Integer> counts = spread("weighted", 400, Map.of());
		assertThat(counts.get("weighted-0")).isEqualTo(300);
		assertThat(pool("weighted").endpoints()).hasSize(2);
		assertNothingInFlight("weighted");
	}

	@Test
	void healthCheckConfigurationShouldKeepAnUnhealthyInstanceOut() {
		RoutingBackend sick = backends.get("checked").get(1);
		// Spring Cloud's health-check supplier lists nothing until its first round of checks, then drops the sick
		// instance; livery's next refresh takes the list as it is.
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (System.nanoTime() < deadline && (pool("checked") == null || pool("checked").endpoints().size() != 2)) {
			try {
				call("checked");
			}
			catch (RuntimeException ex) {
				// 503 "no instances" while the first checks run.
			}
		}
		assertThat(pool("checked").endpoints()).extracting((e) -> e.key())
			.doesNotContain(sick.key())
			.hasSize(2);
		int before = sick.served();
		assertThat(spread("checked", 60, Map.of()).keySet()).containsExactlyInAnyOrder("checked-0", "checked-2");
		assertThat(sick.served()).isEqualTo(before);
		assertNothingInFlight("checked");
	}

	@Test
	void subsetConfigurationShouldLimitTheMembers() {
		Set<String> seen = spread("subset", 80, Map.of()).keySet();
		assertThat(seen).hasSize(2);
		assertThat(pool("subset").endpoints()).hasSize(2);
		assertNothingInFlight("subset");
	}

	@Test
	void nodeMatchShouldLimitMembership() {
		assertThat(spread("matched", 60, Map.of()).keySet()).containsExactlyInAnyOrder("matched-0", "matched-2");
		assertThat(pool("matched").endpoints()).hasSize(2);
		assertThat(backends.get("matched").get(1).served()).isZero();
		assertNothingInFlight("matched");
	}

	@Test
	void invalidNodeMatchShouldFailStartUpNamingTheProperty() {
		SpringApplicationBuilder application = new SpringApplicationBuilder(RoutingClient.class)
			.web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off", "livery.loadbalancer.clients.orders.node-match=regex:(unclosed");
		org.assertj.core.api.Assertions.assertThatException()
			.isThrownBy(application::run)
			.havingRootCause()
			.withMessageContaining("livery.loadbalancer.clients.orders.node-match")
			.withMessageContaining("is not a valid regular expression");
	}

	/**
	 * The client application: a {@code @LoadBalanced} builder, a plain one, and a client whose supplier adds hints.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@LoadBalancerClient(name = "hinted", configuration = HintsConfiguration.class)
	static class RoutingClient {

		/** Plain: what Spring Cloud's health-check supplier calls instances with. */
		@Bean
		@Primary
		WebClient.Builder webClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

	}

	/**
	 * Hints are not one of the named configurations: a client adds them to its supplier.
	 */
	static class HintsConfiguration {

		@Bean
		ServiceInstanceListSupplier hintedSupplier(ConfigurableApplicationContext context) {
			return ServiceInstanceListSupplier.builder().withDiscoveryClient().withHints().build(context);
		}

	}

}
