package dev.livery.samples.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * livery on Consul (a real agent in a container, found with Spring Cloud Consul discovery): services that register
 * join the pool, ones that deregister leave it and stop getting traffic. Skipped where no Docker engine runs; the
 * same behaviour on a real registry is proven without Docker by {@link RegistrySampleTests} (ZooKeeper).
 */
@Testcontainers(disabledWithoutDocker = true)
class ConsulMembershipTests {

	@Container
	static final GenericContainer<?> consul = new GenericContainer<>("hashicorp/consul:1.20")
		.withCommand("agent", "-dev", "-client", "0.0.0.0")
		.withExposedPorts(8500);

	private static final List<DisposableServer> backends = new ArrayList<>();

	private static ConfigurableApplicationContext context;

	private static WebClient agent;

	@BeforeAll
	static void start() {
		for (int i = 0; i < 3; i++) {
			String name = "catalog-" + i;
			backends.add(HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.handle((request, response) -> response.sendString(Mono.just(name)))
				.bindNow());
		}
		agent = WebClient.create("http://" + consul.getHost() + ":" + consul.getMappedPort(8500));
		register(0);
		register(1);
		context = new SpringApplicationBuilder(ConsulClient.class).web(WebApplicationType.NONE)
			.properties("spring.cloud.consul.host=" + consul.getHost(),
					"spring.cloud.consul.port=" + consul.getMappedPort(8500),
					"spring.cloud.consul.discovery.register=false", "spring.cloud.zookeeper.enabled=false",
					"spring.cloud.loadbalancer.cache.ttl=1s", "spring.main.banner-mode=off")
			.run();
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		backends.forEach(DisposableServer::disposeNow);
	}

	private static void register(int i) {
		agent.put()
			.uri("/v1/agent/service/register")
			.bodyValue(Map.of("ID", "catalog-" + i, "Name", "catalog", "Address", "127.0.0.1", "Port",
					backends.get(i).port()))
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
	}

	private static void deregister(int i) {
		agent.put().uri("/v1/agent/service/deregister/catalog-" + i).retrieve().toBodilessEntity()
			.block(Duration.ofSeconds(10));
	}

	private static Set<String> spread(int requests) {
		WebClient client = context.getBean(WebClient.Builder.class).build();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < requests; i++) {
			seen.add(client.get().uri("http://catalog/").retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(10)));
		}
		return seen;
	}

	private static Set<String> eventuallySpread(Set<String> expected) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		Set<String> seen = spread(30);
		while (!seen.equals(expected) && System.nanoTime() < deadline) {
			seen = spread(30);
		}
		return seen;
	}

	@Test
	void servicesThatRegisterShouldJoinAndOnesThatLeaveShouldStopGettingTraffic() {
		assertThat(eventuallySpread(Set.of("catalog-0", "catalog-1"))).containsExactlyInAnyOrder("catalog-0",
				"catalog-1");
		register(2);
		assertThat(eventuallySpread(Set.of("catalog-0", "catalog-1", "catalog-2"))).hasSize(3);
		deregister(0);
		assertThat(eventuallySpread(Set.of("catalog-1", "catalog-2"))).containsExactlyInAnyOrder("catalog-1",
				"catalog-2");
		@SuppressWarnings("unchecked")
		EndpointPool<ServiceInstance> pool = context.getBean(EndpointPools.class).get("catalog");
		assertThat(pool.endpoints()).hasSize(2);
		assertThat(pool.inFlight()).isZero();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(IsolatedNettyResources.class)
	static class ConsulClient {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

	}

}
