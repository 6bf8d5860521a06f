package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import dev.livery.loadbalancer.cloud.TestBackend.Behaviour;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerExchangeFilterFunction;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Soak: four real backends on 127.0.0.1 flapping between healthy, 503, refusing connections and hung, called by 32
 * callers through every kind of load-balanced client (a {@code @LoadBalanced} WebClient, a WebClient built by hand
 * with Spring Cloud's filter function, a blocking RestClient and a Spring Cloud Gateway {@code lb://} route), each
 * giving up after a random time. A sampler watches the pool throughout. At the end nothing is in flight, every
 * endpoint is back, the ejected share never exceeded the budget and no expired ejection waited longer than one probe.
 * Bounded: about 35 seconds of traffic. Runs with the Gateway on the class path (tag {@code gateway}).
 */
@Tag("gateway")
@Timeout(180)
class LoadBalancerSoakTests {

	private static final String SERVICE = "soak";

	private static final int BACKENDS = 4;

	private static final int CALLERS = 32;

	private static final Duration FLAPPING = Duration.ofSeconds(24);

	private static final Duration RECOVERY = Duration.ofSeconds(9);

	private static final Duration EJECTION_TIME = Duration.ofMillis(500);

	private static final Duration MAX_EJECTION_TIME = Duration.ofSeconds(2);

	private static final int MAX_EJECTION_PERCENT = 50;

	// Callers give up after 300 ms to 2.5 s: long enough for a machine whose cores are shared by many processes.
	private static final int MIN_CALLER_TIMEOUT_MILLIS = 300;

	private static final int MAX_CALLER_TIMEOUT_MILLIS = 2500;

	// An expired ejection waits for the next pick, then for its probe: at most the longest caller timeout, plus
	// slack for a machine whose cores are shared.
	private static final Duration ONE_PROBE = Duration.ofMillis(MAX_CALLER_TIMEOUT_MILLIS + 2500);

	private static final long SEED = 20261128L;

	enum Client {

		WEB_CLIENT, HAND_BUILT_WEB_CLIENT, REST_CLIENT, GATEWAY

	}

	@Test
	void flappingBackendsShouldLeaveNoLeakNoStrandedEndpointAndStayWithinTheBudget() throws Exception {
		List<TestBackend> backends = new ArrayList<>();
		for (int i = 0; i < BACKENDS; i++) {
			backends.add(new TestBackend(SERVICE + "-" + i));
		}
		ConfigurableApplicationContext context = null;
		ExecutorService executor = Executors.newFixedThreadPool(CALLERS + BACKENDS + 1);
		try {
			context = start(backends);
			Soak soak = new Soak(context, backends);
			soak.run(executor);
			soak.report();
			soak.assertOutcome();
		}
		finally {
			executor.shutdownNow();
			executor.awaitTermination(10, TimeUnit.SECONDS);
			if (context != null) {
				context.close();
			}
			backends.forEach(TestBackend::close);
		}
	}

	private static ConfigurableApplicationContext start(List<TestBackend> backends) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < backends.size(); i++) {
			properties.add("spring.cloud.discovery.client.simple.instances." + SERVICE + "[" + i + "].uri="
					+ backends.get(i).uri());
		}
		properties.add("spring.cloud.gateway.server.webflux.routes[0].id=soak");
		properties.add("spring.cloud.gateway.server.webflux.routes[0].uri=lb://" + SERVICE);
		properties.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/gw/**");
		properties.add("spring.cloud.gateway.server.webflux.routes[0].filters[0]=StripPrefix=1");
		properties.add("spring.cloud.gateway.server.webflux.httpclient.connect-timeout=500");
		properties.add("server.port=0");
		properties.add("server.address=127.0.0.1");
		properties.add("livery.loadbalancer.outlier.consecutive-failures=3");
		properties.add("livery.loadbalancer.outlier.ejection-time=" + EJECTION_TIME.toMillis() + "ms");
		properties.add("livery.loadbalancer.outlier.max-ejection-time=" + MAX_EJECTION_TIME.toMillis() + "ms");
		properties.add("livery.loadbalancer.outlier.max-ejection-percent=" + MAX_EJECTION_PERCENT);
		properties.add("spring.main.banner-mode=off");
		properties.add("logging.level.org.springframework.cloud.gateway=error");
		properties.add("logging.level.org.springframework.web=error");
		properties.add("logging.level.reactor.netty=error");
		return new SpringApplicationBuilder(SoakApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	/**
	 * One run: the callers, the flapping, the sampler and what they saw.
	 */
	private static final class Soak {

		private final List<TestBackend> backends;

		private final EndpointPools<ServiceInstance> pools;

		private final MeterRegistry meters;

		private final WebClient loadBalanced;

		private final WebClient handBuilt;

		private final List<RestClient> restClients = new ArrayList<>();

		private final WebClient gateway;

		private final Map<Client, LongAdder> requests = new EnumMap<>(Client.class);

		private final Map<Client, LongAdder> errors = new EnumMap<>(Client.class);

		private final Map<Behaviour, LongAdder> flaps = new EnumMap<>(Behaviour.class);

		private final Map<Client, Long> warmUp = new EnumMap<>(Client.class);

		private final Map<String, LongAdder> errorKinds = new ConcurrentSkipListMap<>();

		private final AtomicLong samples = new AtomicLong();

		private final Map<String, Long> expiredSince = new HashMap<>();

		private volatile double maxEjectedShare;

		private volatile long longestExpiredEjectionNanos;

		private volatile boolean flapping = true;

		private volatile boolean calling = true;

		private volatile boolean sampling = true;

		@SuppressWarnings("unchecked")
		Soak(ConfigurableApplicationContext context, List<TestBackend> backends) {
			this.backends = backends;
			this.pools = context.getBean(EndpointPools.class);
			this.meters = context.getBean(MeterRegistry.class);
			this.loadBalanced = context.getBean(WebClient.Builder.class).build();
			this.handBuilt = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()))
				.filter(context.getBean(ReactorLoadBalancerExchangeFilterFunction.class))
				.build();
			RestClient.Builder restClientBuilder = context.getBean(RestClient.Builder.class);
			// The blocking client's read timeout is a failure (it ejects): not so short that a loaded machine fails
			// healthy backends.
			for (int timeout : new int[] { 1000, 1750, MAX_CALLER_TIMEOUT_MILLIS }) {
				SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
				factory.setConnectTimeout(Duration.ofMillis(500));
				factory.setReadTimeout(Duration.ofMillis(timeout));
				this.restClients.add(restClientBuilder.clone().requestFactory(factory).build());
			}
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			this.gateway = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()))
				.baseUrl("http://127.0.0.1:" + port + "/gw")
				.build();
			for (Client client : Client.values()) {
				this.requests.put(client, new LongAdder());
				this.errors.put(client, new LongAdder());
			}
			for (Behaviour behaviour : Behaviour.values()) {
				this.flaps.put(behaviour, new LongAdder());
			}
		}

		void run(ExecutorService executor) throws Exception {
			// Seed the pool before the sampler looks at it, and check that every path answers while all is healthy.
			for (Client client : Client.values()) {
				long start = System.nanoTime();
				call(client, Duration.ofSeconds(30), new SplittableRandom(SEED));
				this.warmUp.put(client, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
			}
			List<Future<?>> tasks = new ArrayList<>();
			tasks.add(executor.submit(this::sample));
			for (int i = 0; i < BACKENDS; i++) {
				TestBackend backend = this.backends.get(i);
				SplittableRandom random = new SplittableRandom(SEED + i);
				tasks.add(executor.submit(() -> flap(backend, random)));
			}
			List<Future<?>> callers = new ArrayList<>();
			for (int i = 0; i < CALLERS; i++) {
				SplittableRandom random = new SplittableRandom(SEED * 31 + i);
				callers.add(executor.submit(() -> call(random)));
			}
			sleep(FLAPPING);
			this.flapping = false;
			// Healthy again: within one longest ejection and its probe, traffic must bring every endpoint back.
			sleep(RECOVERY);
			this.calling = false;
			for (Future<?> caller : callers) {
				caller.get(30, TimeUnit.SECONDS);
			}
			this.sampling = false;
			for (Future<?> task : tasks) {
				task.get(30, TimeUnit.SECONDS);
			}
		}

		private void flap(TestBackend backend, SplittableRandom random) {
			while (this.flapping) {
				int draw = random.nextInt(100);
				Behaviour next = (draw < 45) ? Behaviour.OK : (draw < 65) ? Behaviour.FAIL_503
						: (draw < 82) ? Behaviour.REFUSED : Behaviour.HANG;
				backend.behave(next);
				this.flaps.get(next).increment();
				sleep(Duration.ofMillis(400 + random.nextInt(1600)));
			}
			backend.behave(Behaviour.OK);
		}

		private void call(SplittableRandom random) {
			while (this.calling) {
				Client client = Client.values()[random.nextInt(Client.values().length)];
				Duration timeout = Duration
					.ofMillis(MIN_CALLER_TIMEOUT_MILLIS + random.nextInt(MAX_CALLER_TIMEOUT_MILLIS - MIN_CALLER_TIMEOUT_MILLIS));
				this.requests.get(client).increment();
				try {
					call(client, timeout, random);
				}
				catch (RuntimeException ex) {
					this.errors.get(client).increment();
					this.errorKinds.computeIfAbsent(client + " " + kind(ex), (key) -> new LongAdder()).increment();
				}
			}
		}

		private void call(Client client, Duration timeout, SplittableRandom random) {
			switch (client) {
				case WEB_CLIENT -> reactive(this.loadBalanced.get().uri("http://" + SERVICE + "/"), timeout);
				case HAND_BUILT_WEB_CLIENT -> reactive(this.handBuilt.get().uri("http://" + SERVICE + "/"), timeout);
				case GATEWAY -> reactive(this.gateway.get().uri("/"), timeout);
				case REST_CLIENT -> this.restClients.get(random.nextInt(this.restClients.size()))
					.get()
					.uri("http://" + SERVICE + "/")
					.retrieve()
					.toBodilessEntity();
			}
		}

		private static String kind(Throwable error) {
			Throwable cause = error;
			while (cause.getCause() != null && cause.getCause() != cause) {
				cause = cause.getCause();
			}
			if (cause instanceof WebClientResponseException response) {
				return "HTTP " + response.getStatusCode().value();
			}
			if (cause instanceof RestClientResponseException response) {
				return "HTTP " + response.getStatusCode().value();
			}
			return cause.getClass().getSimpleName();
		}

		private static void reactive(WebClient.RequestHeadersSpec<?> request, Duration timeout) {
			request.retrieve().toBodilessEntity().timeout(timeout).onErrorMap((ex) -> new IllegalStateException(ex))
				.then(Mono.empty())
				.block(Duration.ofSeconds(10));
		}

		/** Whether the previous sample saw more endpoints out than the budget allows. */
		private boolean overBudget;

		private void sample() {
			int budget = Math.max(1, BACKENDS * MAX_EJECTION_PERCENT / 100);
			while (this.sampling) {
				EndpointPool<ServiceInstance> pool = this.pools.get(SERVICE);
				if (pool != null) {
					long now = System.nanoTime();
					int out = 0;
					int members = 0;
					for (Endpoint<ServiceInstance> endpoint : pool.endpoints()) {
						EndpointState state = endpoint.state();
						if (state == EndpointState.DRAINED) {
							continue;
						}
						members++;
						if (state == EndpointState.EJECTED || state == EndpointState.PROBING) {
							out++;
						}
						boolean expired = state == EndpointState.EJECTED && endpoint.ejectionTimeRemaining().isZero();
						if (expired) {
							long since = this.expiredSince.computeIfAbsent(endpoint.key(), (key) -> now);
							this.longestExpiredEjectionNanos = Math.max(this.longestExpiredEjectionNanos, now - since);
						}
						else {
							this.expiredSince.remove(endpoint.key());
						}
					}
					if (members > 0) {
						if (out > budget && !this.overBudget) {
							// The states are read one after the other, not at one instant: an endpoint reinstated
							// after its read and another ejected before its read look like one too many out. A real
							// breach lasts at least an ejection time, so it is still there at the next sample.
							this.overBudget = true;
						}
						else {
							assertThat(out).as("endpoints ejected at once, budget %d, in two samples in a row", budget)
								.isLessThanOrEqualTo(budget);
							this.overBudget = false;
							this.maxEjectedShare = Math.max(this.maxEjectedShare, (double) out / members);
						}
					}
					this.samples.incrementAndGet();
				}
				sleep(Duration.ofMillis(5));
			}
		}

		void report() {
			long total = this.requests.values().stream().mapToLong(LongAdder::sum).sum();
			long failed = this.errors.values().stream().mapToLong(LongAdder::sum).sum();
			System.out.printf(
					"livery soak: %d requests (%s), %d errors (%s), %d ejections, %d probes (%d success, %d failure), "
							+ "max ejected share %.2f (budget %.2f), longest expired ejection %d ms, %d samples, flaps %s, "
							+ "errors by kind %s, first call (ms) %s%n",
					total, this.requests, failed, this.errors, (long) count("livery.loadbalancer.ejections", null),
					(long) (count("livery.loadbalancer.probes", "success") + count("livery.loadbalancer.probes", "failure")),
					(long) count("livery.loadbalancer.probes", "success"),
					(long) count("livery.loadbalancer.probes", "failure"), this.maxEjectedShare,
					MAX_EJECTION_PERCENT / 100.0, TimeUnit.NANOSECONDS.toMillis(this.longestExpiredEjectionNanos),
					this.samples.get(), this.flaps, this.errorKinds, this.warmUp);
		}

		void assertOutcome() {
			for (Client client : Client.values()) {
				assertThat(this.requests.get(client).sum()).as("requests through %s", client).isGreaterThan(20);
			}
			assertThat(this.samples.get()).as("samples").isGreaterThan(100);
			assertThat(count("livery.loadbalancer.ejections", null)).as("ejections").isPositive();
			assertThat(count("livery.loadbalancer.probes", "success")).as("successful probes").isPositive();
			assertThat(this.maxEjectedShare).as("ejected share").isLessThanOrEqualTo(MAX_EJECTION_PERCENT / 100.0);
			assertThat(Duration.ofNanos(this.longestExpiredEjectionNanos)).as("longest wait of an expired ejection")
				.isLessThanOrEqualTo(ONE_PROBE);
			EndpointPool<ServiceInstance> pool = this.pools.get(SERVICE);
			assertThat(pool.endpoints()).extracting(Endpoint::state)
				.as("after %s of healthy traffic", RECOVERY)
				.containsOnly(EndpointState.UP);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(pool.endpoints()).extracting(Endpoint::inFlight).containsOnly(0);
				assertThat(pool.inFlight()).isZero();
			});
		}

		private double count(String name, String outcome) {
			var search = this.meters.find(name).tag("service", SERVICE);
			if (outcome != null) {
				search = search.tag("outcome", outcome);
			}
			Counter counter = search.counter();
			return (counter != null) ? counter.count() : 0;
		}

		private static void sleep(Duration duration) {
			try {
				Thread.sleep(duration.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class SoakApplication {

		// One connection a request: see LiveryLoadBalancerIntegrationTests (reactor/reactor-netty#4361).
		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()));
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

	}

}
