package dev.livery.autoconfigure.dashboard;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in an application whose Actuator has a management port of its own: by default on both ports (WebFlux
 * serves the application's routes on the management port too), and with {@code management-port-only} on the
 * management port alone.
 */
class DashboardManagementPortIntegrationTests {

	@Test
	void dashboardShouldBeOnBothPortsByDefault() {
		try (ConfigurableApplicationContext context = start(false)) {
			assertThat(status(applicationPort(context), "/livery/dashboard")).isEqualTo(200);
			assertThat(status(managementPort(context), "/livery/dashboard")).isEqualTo(200);
		}
	}

	@Test
	void dashboardShouldBeOnlyOnTheManagementPortWhenAsked() {
		try (ConfigurableApplicationContext context = start(true)) {
			int application = applicationPort(context);
			int management = managementPort(context);
			assertThat(status(application, "/livery/dashboard")).isEqualTo(404);
			assertThat(status(application, "/livery/dashboard/events")).isEqualTo(404);
			assertThat(status(management, "/livery/dashboard")).isEqualTo(200);
			String snapshot = client(management).get()
				.uri("/livery/dashboard/events")
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(String.class)
				.blockFirst(Duration.ofSeconds(20));
			assertThat(snapshot).startsWith("{").contains("\"serving\":{\"\":\"SERVING\"}");
		}
	}

	private static ConfigurableApplicationContext start(boolean managementPortOnly) {
		return new SpringApplicationBuilder(DashboardTestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "management.server.port=0",
					"management.server.address=127.0.0.1", "spring.main.banner-mode=off",
					"livery.dashboard.enabled=true", "livery.dashboard.management-port-only=" + managementPortOnly)
			.run();
	}

	private static int applicationPort(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static int managementPort(ConfigurableApplicationContext context) {
		Integer port = context.getEnvironment().getProperty("local.management.port", Integer.class);
		assertThat(port).as("the management server's port").isNotNull().isPositive();
		return port;
	}

	private static int status(int port, String path) {
		// The event stream answers its headers at once, with the first snapshot.
		return client(port).get()
			.uri(path)
			.exchangeToMono((response) -> Mono.just(response.statusCode().value()))
			.block(Duration.ofSeconds(20));
	}

	private static WebClient client(int port) {
		return WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())))
			.baseUrl("http://127.0.0.1:" + port)
			.build();
	}

}
