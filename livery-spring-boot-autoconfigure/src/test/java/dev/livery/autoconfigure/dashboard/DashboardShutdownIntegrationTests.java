package dev.livery.autoconfigure.dashboard;

import java.time.Duration;

import dev.livery.dashboard.Dashboard;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.awaitility.Awaitility.await;

/**
 * An open dashboard does not hold up a graceful shutdown: the application ends the event stream itself, cleanly,
 * as it starts to close.
 */
class DashboardShutdownIntegrationTests {

	@Test
	void shutdownShouldEndOpenStreamsCleanly() {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(DashboardTestApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"server.shutdown=graceful", "spring.lifecycle.timeout-per-shutdown-phase=60s",
					"livery.dashboard.enabled=true")
			.run();
		Dashboard dashboard = context.getBean(Dashboard.class);
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		Flux<String> stream = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())))
			.build()
			.get()
			.uri("http://127.0.0.1:" + port + "/livery/dashboard/events")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(String.class);
		// Without the application ending it, the stream would last until graceful shutdown gave up (60 s) and then
		// break off with the connection, an error rather than a completion.
		StepVerifier.create(stream)
			.expectNextCount(1)
			.then(() -> Schedulers.boundedElastic().schedule(context::close))
			.thenConsumeWhile((snapshot) -> true)
			.expectComplete()
			.verify(Duration.ofSeconds(45));
		// The server counts its viewer out when its side of the stream terminates, which may come just after the
		// client has seen the completion.
		await().atMost(Duration.ofSeconds(10)).until(() -> dashboard.viewers() == 0 && !dashboard.isTicking());
	}

}
