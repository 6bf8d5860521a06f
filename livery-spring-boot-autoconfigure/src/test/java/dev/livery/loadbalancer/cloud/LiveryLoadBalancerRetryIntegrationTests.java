package dev.livery.loadbalancer.cloud;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableLoadBalancerExchangeFilterFunction;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Spring Cloud LoadBalancer's retries on, each attempt is accounted separately: a dead instance's refused
 * connections are failures that eject it, while every call still succeeds on the next instance.
 */
class LiveryLoadBalancerRetryIntegrationTests {

	private static TestBackend alive;

	private static TestBackend hung;

	private static int deadPort;

	private static ConfigurableApplicationContext context;

	@BeforeAll
	static void start() throws IOException {
		alive = new TestBackend("alive");
		hung = new TestBackend("hung").behave(TestBackend.Behaviour.HANG);
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			deadPort = socket.getLocalPort();
		}
		context = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
			.properties("spring.cloud.discovery.client.simple.instances.retried[0].uri=" + alive.uri(),
					"spring.cloud.discovery.client.simple.instances.retried[1].uri=http://127.0.0.1:" + deadPort,
					"spring.cloud.discovery.client.simple.instances.hung[0].uri=" + hung.uri(),
					"spring.cloud.loadbalancer.retry.enabled=true", "livery.loadbalancer.outlier.consecutive-failures=3",
					"spring.main.banner-mode=off")
			.run();
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		alive.close();
		hung.close();
	}

	@Test
	void retriedCallsShouldSucceedWhileTheDeadInstanceIsEjected() {
		assertThat(context.getBean(RetryableLoadBalancerExchangeFilterFunction.class)).isNotNull();
		WebClient client = context.getBean(WebClient.Builder.class).build();
		for (int i = 0; i < 40; i++) {
			String body = client.get().uri("http://retried/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
			assertThat(body).isEqualTo("alive");
		}
		@SuppressWarnings("unchecked")
		EndpointPool<ServiceInstance> pool = context.getBean(EndpointPools.class).get("retried");
		Endpoint<ServiceInstance> dead = pool.endpoint("127.0.0.1:" + deadPort);
		assertThat(dead.state()).isEqualTo(EndpointState.EJECTED);
		assertThat(dead.ejections()).isEqualTo(1);
		assertThat(alive.received()).isEqualTo(40);
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void callerTimeoutsThroughTheRetryingFilterShouldLeaveNothingInFlight() {
		RetryableLoadBalancerExchangeFilterFunction function = context
			.getBean(RetryableLoadBalancerExchangeFilterFunction.class);
		WebClient byHand = WebClient.builder().filter(function).build();
		WebClient loadBalanced = context.getBean(WebClient.Builder.class).build();
		for (WebClient client : List.of(byHand, loadBalanced)) {
			List<Throwable> errors = Flux.range(0, 6)
				.flatMap((i) -> client.get()
					.uri("http://hung/")
					.retrieve()
					.bodyToMono(String.class)
					.timeout(Duration.ofMillis(400))
					.then(Mono.<Throwable>empty())
					.onErrorResume(Mono::just))
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(errors).hasSize(6).allSatisfy((error) -> assertThat(error).isInstanceOf(TimeoutException.class));
		}
		assertThat(hung.received()).as("calls that reached the hung backend").isPositive();
		@SuppressWarnings("unchecked")
		EndpointPool<ServiceInstance> pool = context.getBean(EndpointPools.class).get("hung");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pool.inFlight()).isZero());
		assertThat(pool.endpoints()).extracting(Endpoint::inFlight).containsOnly(0);
		assertThat(pool.endpoints()).extracting(Endpoint::consecutiveFailures).containsOnly(0);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ClientApplication {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

	}

}
