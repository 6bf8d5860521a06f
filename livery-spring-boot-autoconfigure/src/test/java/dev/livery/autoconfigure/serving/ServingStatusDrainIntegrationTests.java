package dev.livery.autoconfigure.serving;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.livery.serving.ServingStatusShutdownLifecycle;
import dev.livery.serving.ServingStatusStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * {@code livery.serving.shutdown-drain-time} in a real application on a random loopback port: on close, watchers hear
 * {@code NOT_SERVING} first, requests sent during the drain are still served, and only then does the server stop.
 * The drain waits on a latch the test releases, so the test does not depend on how long anything takes.
 */
class ServingStatusDrainIntegrationTests {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT = new ParameterizedTypeReference<>() {
	};

	// The client runs on its own event loop: closing the application must not take the client's loops with it.
	private final LoopResources clientLoops = LoopResources.create("serving-drain-test-client", 1, true);

	@AfterEach
	void disposeClient() {
		this.clientLoops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
	}

	@Test
	@Timeout(90)
	void closingKeepsServingForTheDrainTimeAfterNotServing() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ServingStatusTestApplication.class,
				DrainConfiguration.class)
			.properties("server.address=127.0.0.1", "server.port=0", "spring.main.banner-mode=off",
					"management.endpoints.web.exposure.include=health", "livery.serving.shutdown-drain-time=20s")
			.run();
		LatchSleeper sleeper = context.getBean(LatchSleeper.class);
		CompletableFuture<Void> closed = new CompletableFuture<>();
		try {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			WebClient client = client(port);
			ServingStatusStore store = context.getBean(ServingStatusStore.class);
			List<String> statuses = new CopyOnWriteArrayList<>();
			CompletableFuture<Void> watchEnded = new CompletableFuture<>();
			Disposable watch = client.get()
				.uri("/livery/serving/watch")
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(EVENT)
				.filter((event) -> event.event() != null)
				.subscribe((event) -> statuses.add(event.data()), watchEnded::completeExceptionally,
						() -> watchEnded.complete(null));
			await().atMost(Duration.ofSeconds(10)).until(() -> statuses.size() == 1);
			assertThat(get(client, "/hello")).isEqualTo(200);

			Thread closer = new Thread(() -> {
				context.close();
				closed.complete(null);
			}, "drain-test-close");
			closer.start();
			assertThat(sleeper.draining.await(30, TimeUnit.SECONDS)).isTrue();

			// Draining: the watcher has heard NOT_SERVING and its stream ended cleanly...
			watchEnded.get(10, TimeUnit.SECONDS);
			assertThat(statuses).containsExactly("SERVING", "NOT_SERVING");
			assertThat(store.watcherCount("")).isZero();
			assertThat(sleeper.requested).containsExactly(Duration.ofSeconds(20));
			// ...while requests sent now are still served, and pollers see the application out of service.
			assertThat(get(client, "/hello")).isEqualTo(200);
			assertThat(get(client, "/actuator/health")).isEqualTo(503);
			assertThat(closed).isNotDone();

			sleeper.release.countDown();
			closed.get(30, TimeUnit.SECONDS);
			assertThatException().isThrownBy(() -> get(client, "/hello"));
			watch.dispose();
		}
		finally {
			sleeper.release.countDown();
			context.close();
		}
	}

	private static int get(WebClient client, String path) {
		return client.get()
			.uri(path)
			.exchangeToMono((response) -> Mono.just(response.statusCode().value()))
			.block(Duration.ofSeconds(10));
	}

	private WebClient client(int port) {
		HttpClient httpClient = HttpClient.create(ConnectionProvider.newConnection()).runOn(this.clientLoops);
		return WebClient.builder()
			.baseUrl("http://127.0.0.1:" + port)
			.clientConnector(new ReactorClientHttpConnector(httpClient))
			.build();
	}

	@Configuration(proxyBeanMethods = false)
	static class DrainConfiguration {

		@Bean
		LatchSleeper latchSleeper() {
			return new LatchSleeper();
		}

		@Bean
		RouterFunction<ServerResponse> hello() {
			return RouterFunctions.route().GET("/hello", (request) -> ServerResponse.ok().bodyValue("hello")).build();
		}

	}

	/**
	 * Drains until the test releases it (bounded, so a failed test cannot hang the close).
	 */
	static class LatchSleeper implements ServingStatusShutdownLifecycle.Sleeper {

		final CountDownLatch draining = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final List<Duration> requested = new CopyOnWriteArrayList<>();

		@Override
		public void sleep(Duration duration) throws InterruptedException {
			this.requested.add(duration);
			this.draining.countDown();
			this.release.await(60, TimeUnit.SECONDS);
		}

	}

}
