package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import dev.livery.concurrency.AdaptiveConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimiter;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End to end, on a real WebFlux server on loopback: a handler with a real capacity (a few
 * tasks at once, the rest queued, so its latency grows with the queue) is offered ten times
 * what it can serve. With {@code fixed} at 1000 everybody is admitted and waits in the
 * handler's queue; with {@code gradient2} the limit finds the capacity from the latency
 * alone and the queue stays short. The assertions are on the queue and the limit, which the
 * algorithm decides, not on wall-clock latency, which a loaded machine decides.
 */
class AdaptiveConcurrencyLimitIntegrationTests {

	static final int CAPACITY = 4;

	/**
	 * Long enough that a request spends far longer queued in the server than in the client between two requests, so
	 * that even a starved, cold JVM keeps nearly all callers' requests outstanding.
	 */
	static final Duration TASK = Duration.ofMillis(50);

	static final int CLIENTS = 10 * CAPACITY;

	@Test
	void overloadedHandlerShouldKeepAShortQueueWithGradient2ButNotWithAFixedLimitOf1000() {
		Result fixed = run("livery.concurrency.max-concurrent-requests=1000");
		Result adaptive = run("livery.concurrency.algorithm=gradient2", "livery.concurrency.adaptive.min-limit=1",
				"livery.concurrency.adaptive.initial-limit=2");
		System.out.printf("fixed: %s%ngradient2: %s%n", fixed, adaptive);

		// Everybody gets in and queues: the admitted requests wait behind most of the other callers (all 36 but for
		// the few a starved machine has not yet reconnected).
		assertThat(fixed.rejected()).isZero();
		assertThat(fixed.maxWaiting()).isGreaterThanOrEqualTo(CLIENTS - 4 * CAPACITY);

		// Gradient2 settles where latency is about 1.5 x the unloaded one: 1.5 x capacity plus its queue-size
		// term (4), far below the callers' 40, so the queue in front of the handler stays a few requests long.
		assertThat(adaptive.maxLimit()).isBetween(CAPACITY, 4 * CAPACITY);
		assertThat(adaptive.maxWaiting()).isLessThanOrEqualTo(3 * CAPACITY).isLessThan(fixed.maxWaiting() / 2);
		assertThat(adaptive.rejected()).isPositive();
		assertThat(adaptive.served()).isPositive();
		assertThat(adaptive.rttNoLoadNanos()).isPositive();
	}

	private Result run(String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.addAll(List.of("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
				"livery.loadbalancer.enabled=false"));
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CapacityApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run()) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			CapacityLimitedService service = context.getBean(CapacityLimitedService.class);
			ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
			AtomicInteger maxLimit = new AtomicInteger();
			LongAdder statuses = new LongAdder();
			// Kept-alive connections, one per caller: a new connection a request cost up to a second each on a loaded
			// machine (the fixed arm's callers then never got their requests into the queue), while the stall of
			// reactor/reactor-netty#4361 costs one caller at most, which the assertions below leave room for.
			ConnectionProvider connections = ConnectionProvider.builder("adaptive-e2e").maxConnections(CLIENTS).build();
			HttpClient client = HttpClient.create(connections).baseUrl("http://127.0.0.1:" + port);
			Disposable load = offer(client, statuses);
			try {
				// Let the limit find its level, then watch the queue and the limit.
				sleep(Duration.ofSeconds(4));
				service.takeMaxWaiting();
				Disposable watch = Flux.interval(Duration.ofMillis(20))
					.subscribe((tick) -> maxLimit.accumulateAndGet(limiter.limit(), Math::max));
				sleep(Duration.ofSeconds(4));
				watch.dispose();
				int maxWaiting = service.takeMaxWaiting();
				long rejected = limiter.rejected();
				load.dispose();
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
					assertThat(limiter.inFlight()).isZero();
					assertThat(service.running()).isZero();
					assertThat(service.waiting()).isZero();
				});
				long rttNoLoad = (limiter instanceof AdaptiveConcurrencyLimiter adaptive) ? adaptive.rttNoLoadNanos()
						: 0;
				return new Result(maxLimit.get(), maxWaiting, rejected, service.served(), rttNoLoad, statuses.sum());
			}
			finally {
				load.dispose();
				connections.disposeLater().block(Duration.ofSeconds(10));
			}
		}
	}

	/**
	 * Ten callers per slot of capacity, each sending its next request when the last one is answered; one turned
	 * away waits a task's time before trying again, as a client honouring a short back-off would.
	 */
	private static Disposable offer(HttpClient client, LongAdder statuses) {
		return Flux.range(0, CLIENTS)
			.flatMap((i) -> Mono.defer(() -> client.get()
				.uri("/task")
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code()))))
				.onErrorReturn(-1)
				.flatMap((status) -> {
					statuses.increment();
					return (status == 200) ? Mono.just(status) : Mono.delay(TASK).thenReturn(status);
				})
				.repeat(), CLIENTS)
			.subscribeOn(Schedulers.parallel())
			.subscribe();
	}

	/**
	 * Waits while the load runs: the test measures a period of load, it does not wait for a condition.
	 */
	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	record Result(int maxLimit, int maxWaiting, long rejected, long served, long rttNoLoadNanos, long answers) {
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class CapacityApplication {

		@Bean
		CapacityLimitedService capacityLimitedService() {
			return new CapacityLimitedService(CAPACITY, TASK);
		}

		@Bean
		RouterFunction<ServerResponse> capacityRoutes(CapacityLimitedService service) {
			return RouterFunctions.route()
				.GET("/task", (request) -> service.run().then(ServerResponse.ok().bodyValue("done")))
				.build();
		}

	}

}
