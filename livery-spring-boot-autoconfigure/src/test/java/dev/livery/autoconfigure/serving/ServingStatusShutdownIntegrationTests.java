package dev.livery.autoconfigure.serving;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livery.serving.ServingStatus;
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
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing the application context tells SSE watchers {@code NOT_SERVING} while the web server still answers, then
 * ends their streams cleanly.
 */
class ServingStatusShutdownIntegrationTests {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT = new ParameterizedTypeReference<>() {
	};

	// The client runs on its own event loop: closing the application must not take the client's loops with it.
	private final LoopResources clientLoops = LoopResources.create("serving-shutdown-test-client", 1, true);

	@AfterEach
	void disposeClient() {
		this.clientLoops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
	}

	@Test
	@Timeout(60)
	void closingContextDeliversNotServingToWatchersBeforeTheirStreamsEnd() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ServingStatusTestApplication.class)
			.properties("server.address=127.0.0.1", "server.port=0", "spring.main.banner-mode=off",
					"management.endpoints.web.exposure.include=health", "livery.serving.services.orders=SERVING")
			.run();
		try {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			WebClient client = client(port);
			ServingStatusStore store = context.getBean(ServingStatusStore.class);
			// While NOT_SERVING is announced, the server must still answer requests.
			AtomicInteger healthWhenNotServing = new AtomicInteger();
			store.addListener((service, status) -> {
				if (service.isEmpty() && status == ServingStatus.NOT_SERVING) {
					healthWhenNotServing.set(client.get()
						.uri("/actuator/health")
						.exchangeToMono((response) -> Mono.just(response.statusCode().value()))
						.block(Duration.ofSeconds(10)));
				}
			});
			Watch server = new Watch(client, "/livery/serving/watch");
			Watch orders = new Watch(client, "/livery/serving/watch/orders");
			await().atMost(Duration.ofSeconds(10))
				.until(() -> server.statuses.size() == 1 && orders.statuses.size() == 1);

			context.close();

			server.ended.get(10, TimeUnit.SECONDS);
			orders.ended.get(10, TimeUnit.SECONDS);
			assertThat(server.statuses).containsExactly("SERVING", "NOT_SERVING");
			assertThat(orders.statuses).containsExactly("SERVING", "NOT_SERVING");
			assertThat(healthWhenNotServing.get()).isEqualTo(503);
			assertThat(store.watcherCount("")).isZero();
			assertThat(store.watcherCount("orders")).isZero();
		}
		finally {
			context.close();
		}
	}

	private WebClient client(int port) {
		HttpClient httpClient = HttpClient.create(ConnectionProvider.newConnection()).runOn(this.clientLoops);
		return WebClient.builder()
			.baseUrl("http://127.0.0.1:" + port)
			.clientConnector(new ReactorClientHttpConnector(httpClient))
			.build();
	}

	/**
	 * One SSE watch: the statuses received, and how the stream ended (an error if the connection broke).
	 */
	private static final class Watch {

		final List<String> statuses = new CopyOnWriteArrayList<>();

		final CompletableFuture<Void> ended = new CompletableFuture<>();

		final Disposable subscription;

		Watch(WebClient client, String path) {
			this.subscription = client.get()
				.uri(path)
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(EVENT)
				.subscribe((event) -> this.statuses.add(event.data()), this.ended::completeExceptionally,
						() -> this.ended.complete(null));
		}

	}

}
