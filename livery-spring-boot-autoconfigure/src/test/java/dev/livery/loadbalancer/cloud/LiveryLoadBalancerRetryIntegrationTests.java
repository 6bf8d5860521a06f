package dev.livery.loadbalancer.cloud;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

/**
 * With Spring Cloud LoadBalancer's retries on, each attempt is accounted separately: a dead instance's refused
 * connections are failures that eject it, while every call still succeeds on the next instance.
 */
class LiveryLoadBalancerRetryIntegrationTests {

	private static TestBackend alive;

	private static int deadPort;

	private static ConfigurableApplicationContext context;

	@BeforeAll
	static void start() throws IOException {
		alive = new TestBackend("alive");
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			deadPort = socket.getLocalPort();
		}
		context = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
			.properties("spring.cloud.discovery.client.simple.instances.retried[0].uri=" + alive.uri(),
					"spring.cloud.discovery.client.simple.instances.retried[1].uri=http://127.0.0.1:" + deadPort,
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
