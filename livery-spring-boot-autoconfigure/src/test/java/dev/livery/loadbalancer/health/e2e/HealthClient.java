package dev.livery.loadbalancer.health.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.health.HealthSupervisor;
import dev.livery.loadbalancer.health.PoolHealthSources;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * A real Spring Boot client application with a {@code @LoadBalanced WebClient} balanced by livery, its services'
 * instances listed by simple discovery. With {@link #virtualTime()}, livery's health timers and its pools' clock run on
 * a {@link VirtualTimeScheduler} the test moves.
 */
final class HealthClient implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final WebClient webClient;

	private final WebClient actuator;

	private final @Nullable VirtualTimeScheduler time;

	/** When each instance was last handed a request, after livery picked it (System.nanoTime()). */
	private final Map<String, Long> lastSent = new ConcurrentHashMap<>();

	private HealthClient(ConfigurableApplicationContext context, @Nullable VirtualTimeScheduler time) {
		this.context = context;
		this.time = time;
		// Added last, so it runs after the load-balancer filter and sees the instance livery picked.
		this.webClient = context.getBean(WebClient.Builder.class).clone().filter((request, next) -> {
			this.lastSent.put(request.url().getHost() + ":" + request.url().getPort(), System.nanoTime());
			return next.exchange(request);
		}).build();
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		this.actuator = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()))
			.baseUrl("http://127.0.0.1:" + port + "/actuator")
			.build();
	}

	static Builder builder() {
		return new Builder();
	}

	static final class Builder {

		private final List<String> properties = new ArrayList<>();

		private boolean virtualTime;

		Builder instances(String service, List<String> uris) {
			for (int i = 0; i < uris.size(); i++) {
				this.properties.add("spring.cloud.discovery.client.simple.instances." + service + "[" + i + "].uri="
						+ uris.get(i));
			}
			return this;
		}

		Builder properties(String... properties) {
			this.properties.addAll(List.of(properties));
			return this;
		}

		Builder virtualTime() {
			this.virtualTime = true;
			return this;
		}

		HealthClient start() {
			VirtualTimeScheduler time = this.virtualTime ? VirtualTimeScheduler.create() : null;
			List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
					"spring.main.banner-mode=off", "management.endpoints.web.exposure.include=balancer,metrics,health",
					"livery.concurrency.enabled=false"));
			all.addAll(this.properties);
			ConfigurableApplicationContext context = new SpringApplicationBuilder(ClientApplication.class)
				.web(WebApplicationType.REACTIVE)
				.initializers((applicationContext) -> {
					if (time != null) {
						ConfigurableListableBeanFactory beans = applicationContext.getBeanFactory();
						beans.registerSingleton("liveryHealthScheduler", time);
						beans.registerSingleton("liveryTicker", (Ticker) () -> time.now(TimeUnit.NANOSECONDS));
					}
				})
				.properties(all.toArray(String[]::new))
				.run();
			return new HealthClient(context, time);
		}

	}

	/**
	 * Return when the client last sent a request to an instance, just after livery picked it.
	 * @param key the instance's {@code host:port}
	 * @return the time ({@link System#nanoTime()}), or 0 if never
	 */
	long lastSentNanos(String key) {
		return this.lastSent.getOrDefault(key, 0L);
	}

	VirtualTimeScheduler time() {
		if (this.time == null) {
			throw new IllegalStateException("Not started with virtual time");
		}
		return this.time;
	}

	/**
	 * GET {@code http://service/work}.
	 * @return the answering backend's name, {@code "503"} etc. for an error status, {@code "error"} for another
	 * failure
	 */
	Mono<String> get(String service) {
		return this.webClient.get()
			.uri("http://" + service + "/work")
			.retrieve()
			.bodyToMono(String.class)
			.onErrorResume((ex) -> Mono.just((ex instanceof WebClientResponseException response)
					? String.valueOf(response.getStatusCode().value()) : "error"));
	}

	/**
	 * Send {@code n} requests, {@code concurrency} at a time.
	 * @return how many each backend (or error status) answered
	 */
	Map<String, Integer> send(String service, int n, int concurrency) {
		Map<String, Integer> answers = new ConcurrentHashMap<>();
		Flux.range(0, n)
			.flatMap((i) -> get(service), concurrency)
			.doOnNext((answer) -> answers.merge(answer, 1, Integer::sum))
			.blockLast(Duration.ofSeconds(60));
		return answers;
	}

	/**
	 * Keeps {@code concurrency} requests in flight until stopped, counting answers and failures.
	 */
	Load load(String service, int concurrency) {
		return new Load(this, service, concurrency);
	}

	@SuppressWarnings("unchecked")
	EndpointPool<ServiceInstance> pool(String service) {
		EndpointPools<ServiceInstance> pools = this.context.getBean(EndpointPools.class);
		EndpointPool<ServiceInstance> pool = pools.get(service);
		if (pool == null) {
			throw new AssertionError("No pool for " + service);
		}
		return pool;
	}

	@SuppressWarnings("unchecked")
	PoolHealthSources<ServiceInstance> sources(String service) {
		HealthSupervisor<ServiceInstance> supervisor = this.context.getBean(HealthSupervisor.class);
		PoolHealthSources<ServiceInstance> sources = supervisor.sources(pool(service));
		if (sources == null) {
			throw new AssertionError("No health sources for " + service);
		}
		return sources;
	}

	Map<String, Object> balancer(String service) {
		return this.actuator.get()
			.uri("/balancer/" + service)
			.retrieve()
			.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(10));
	}

	@SuppressWarnings("unchecked")
	Map<String, Object> endpoint(String service, String key) {
		Map<String, Object> body = balancer(service);
		return ((List<Map<String, Object>>) body.get("endpoints")).stream()
			.filter((endpoint) -> key.equals(endpoint.get("endpoint")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no endpoint " + key + " in " + body));
	}

	@SuppressWarnings("unchecked")
	double metric(String name, String... tags) {
		StringBuilder uri = new StringBuilder("/metrics/" + name + "?");
		for (String tag : tags) {
			uri.append("tag=").append(tag).append('&');
		}
		Map<String, Object> body = this.actuator.get()
			.uri(uri.toString())
			.retrieve()
			.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(10));
		List<Map<String, Object>> measurements = (List<Map<String, Object>>) body.get("measurements");
		return ((Number) measurements.get(0).get("value")).doubleValue();
	}

	<T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
		if (this.time != null) {
			this.time.dispose();
		}
	}

	/**
	 * Requests kept in flight by a few loops until {@link #stop()}.
	 */
	static final class Load {

		final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();

		final AtomicInteger failures = new AtomicInteger();

		final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

		private Load(HealthClient client, String service, int concurrency) {
			Flux.range(0, concurrency)
				.flatMap((loop) -> Mono.defer(() -> client.webClient.get()
					.uri("http://" + service + "/work")
					.retrieve()
					.bodyToMono(String.class)
					.doOnNext((name) -> this.answers.computeIfAbsent(name, (k) -> new AtomicInteger()).incrementAndGet())
					.onErrorResume((ex) -> {
						this.failures.incrementAndGet();
						if (this.errors.size() < 20) {
							this.errors.add(ex);
						}
						return Mono.empty();
					}))
					.repeat(this.running::get), concurrency)
				.doFinally((signal) -> this.done.countDown())
				.subscribe();
		}

		int answered(String name) {
			AtomicInteger count = this.answers.get(name);
			return (count != null) ? count.get() : 0;
		}

		int total() {
			return this.answers.values().stream().mapToInt(AtomicInteger::get).sum();
		}

		/**
		 * Stop sending; requests in flight finish.
		 */
		void stop() {
			this.running.set(false);
			try {
				if (!this.done.await(30, TimeUnit.SECONDS)) {
					throw new AssertionError("Requests in flight did not finish within 30 s");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ClientApplication {

		// One connection a request: Reactor Netty before 1.3.8 can leave a kept-alive connection unread when a
		// response written off the event loop is followed quickly by the next request (reactor/reactor-netty#4361).
		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()));
		}

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			return factory;
		}

	}

}
