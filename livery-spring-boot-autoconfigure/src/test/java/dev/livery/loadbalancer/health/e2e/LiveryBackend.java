package dev.livery.loadbalancer.health.e2e;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A real livery backend: a Spring Boot WebFlux application with livery's serving status (watch stream, shutdown
 * wiring) on a free port of 127.0.0.1, answering {@code GET /work} with its name and remembering when each request
 * arrived ({@link System#nanoTime()}, the same clock as the test's).
 */
final class LiveryBackend implements AutoCloseable {

	private final String name;

	private final ConfigurableApplicationContext context;

	private final int port;

	private final Arrivals arrivals;

	private final int ownWatchers;

	private LiveryBackend(String name, ConfigurableApplicationContext context) {
		this.name = name;
		this.context = context;
		this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
		this.arrivals = context.getBean(Arrivals.class);
		this.ownWatchers = watchers();
	}

	static LiveryBackend start(String name, String... properties) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(BackendApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"spring.application.name=" + name, "livery.concurrency.enabled=false",
					"management.endpoints.web.exposure.include=health")
			.properties(properties)
			.run();
		context.getBean(Arrivals.class).name = name;
		return new LiveryBackend(name, context);
	}

	String name() {
		return this.name;
	}

	String uri() {
		return "http://127.0.0.1:" + this.port;
	}

	String key() {
		return "127.0.0.1:" + this.port;
	}

	void status(ServingStatus status) {
		this.context.getBean(ServingStatusStore.class).set(ServingStatusStore.SERVER, status);
	}

	/**
	 * Return the watchers the application has of itself before any client comes (readiness follows the store).
	 * @return the number of its own watchers of the server status
	 */
	int ownWatchers() {
		return this.ownWatchers;
	}

	int watchers() {
		return this.context.getBean(ServingStatusStore.class).watcherCount(ServingStatusStore.SERVER);
	}

	int requests() {
		return this.arrivals.count.get();
	}

	long lastRequestNanos() {
		return this.arrivals.last.get();
	}

	boolean isRunning() {
		return this.context.isActive();
	}

	/**
	 * Shut down gracefully, as on a deploy.
	 */
	@Override
	public void close() {
		this.context.close();
	}

	/**
	 * Counts requests to {@code /work} and remembers the latest arrival.
	 */
	static final class Arrivals {

		final AtomicInteger count = new AtomicInteger();

		final AtomicLong last = new AtomicLong();

		volatile String name = "?";

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class BackendApplication {

		@Bean
		Arrivals arrivals() {
			return new Arrivals();
		}

		@Bean
		RouterFunction<ServerResponse> work(Arrivals arrivals) {
			return RouterFunctions.route().GET("/work", (request) -> {
				arrivals.count.incrementAndGet();
				arrivals.last.set(System.nanoTime());
				return ServerResponse.ok().bodyValue(arrivals.name);
			}).build();
		}

		// Each application its own event loops: by default all share the global ones, and the first to shut down
		// would close them under the others' feet.
		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			return factory;
		}

	}

}
