package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.cloud.TestBackend.Behaviour;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerClientRequestTransformer;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerExchangeFilterFunction;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.HttpServiceGroup.ClientType;
import org.springframework.web.service.registry.ImportHttpServices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Every way a Spring application makes a load-balanced call, end to end against a real hung backend on 127.0.0.1
 * with the caller giving up: the in-flight count, read from livery's pools, returns to zero on each. Spring Cloud's
 * lifecycle reports none of these cancels.
 * Runs with Spring Cloud Gateway on the class path (tag {@code gateway}: a Surefire execution of its own).
 */
@Tag("gateway")
@Timeout(120)
class CancelSafetyIntegrationTests {

	private static final Duration CALLER_TIMEOUT = Duration.ofMillis(400);

	private static final int CALLS = 6;

	private static final List<TestBackend> backends = new ArrayList<>();

	private static ConfigurableApplicationContext context;

	private static EndpointPools<ServiceInstance> pools;

	private static int port;

	@BeforeAll
	@SuppressWarnings("unchecked")
	static void start() {
		List<String> properties = new ArrayList<>();
		for (String service : List.of("builder", "hand", "group", "gateway", "blocking", "template", "transformer")) {
			TestBackend backend = new TestBackend(service);
			if (!service.equals("transformer")) {
				backend.behave(Behaviour.HANG);
			}
			backends.add(backend);
			properties.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri=" + backend.uri());
		}
		properties.add("spring.cloud.gateway.server.webflux.routes[0].id=gateway");
		properties.add("spring.cloud.gateway.server.webflux.routes[0].uri=lb://gateway");
		properties.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/gw/**");
		properties.add("spring.cloud.gateway.server.webflux.routes[0].filters[0]=StripPrefix=1");
		properties.add("spring.cloud.gateway.server.webflux.routes[1].id=healthy");
		properties.add("spring.cloud.gateway.server.webflux.routes[1].uri=lb://transformer");
		properties.add("spring.cloud.gateway.server.webflux.routes[1].predicates[0]=Path=/ok/**");
		properties.add("spring.cloud.gateway.server.webflux.routes[1].filters[0]=StripPrefix=1");
		properties.add("server.port=0");
		properties.add("server.address=127.0.0.1");
		// Timeouts of the blocking clients are failures: keep them from ejecting the only instance.
		properties.add("livery.loadbalancer.outlier.consecutive-failures=1000");
		properties.add("spring.main.banner-mode=off");
		context = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
		pools = context.getBean(EndpointPools.class);
		port = ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		backends.forEach(TestBackend::close);
	}

	@Test
	void loadBalancedWebClientBuilder() {
		WebClient client = context.getBean(WebClient.Builder.class).build();
		callerTimeoutsShouldLeaveNothingInFlight("builder",
				() -> client.get().uri("http://builder/").retrieve().bodyToMono(String.class));
	}

	@Test
	void webClientBuiltByHandWithSpringCloudsFilterFunction() {
		ReactorLoadBalancerExchangeFilterFunction function = context.getBean(ReactorLoadBalancerExchangeFilterFunction.class);
		assertThat(AopUtils.isCglibProxy(function)).as("decorated, still injectable by its class").isTrue();
		WebClient client = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()))
			.filter(function)
			.build();
		callerTimeoutsShouldLeaveNothingInFlight("hand",
				() -> client.get().uri("http://hand/").retrieve().bodyToMono(String.class));
	}

	@Test
	void httpServiceClientGroup() {
		GroupClient client = context.getBean(GroupClient.class);
		callerTimeoutsShouldLeaveNothingInFlight("group", client::get);
	}

	@Test
	void gatewayLoadBalancedRoute() {
		WebClient caller = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()))
			.baseUrl("http://127.0.0.1:" + port)
			.build();
		// Warm the gateway up on a healthy route, so that its first calls to the hung one are not timed out early.
		assertThat(caller.get().uri("/ok/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30)))
			.isEqualTo("transformer");
		callerTimeoutsShouldLeaveNothingInFlight("gateway",
				() -> caller.get().uri("/gw/").retrieve().bodyToMono(String.class));
	}

	@Test
	void blockingRestClientWithReadTimeout() {
		RestClient client = context.getBean(RestClient.Builder.class).build();
		readTimeoutsShouldBeFailuresAndLeaveNothingInFlight("blocking",
				() -> client.get().uri("http://blocking/").retrieve().body(String.class));
	}

	@Test
	void blockingRestTemplateWithReadTimeout() {
		RestTemplate template = context.getBean(RestTemplate.class);
		readTimeoutsShouldBeFailuresAndLeaveNothingInFlight("template",
				() -> template.getForObject("http://template/", String.class));
	}

	@Test
	void errorAfterThePickOutsideTheLifecycleShouldReleaseTheSlot() {
		WebClient client = context.getBean(WebClient.Builder.class).build();
		for (int i = 0; i < CALLS; i++) {
			Mono<String> call = client.get()
				.uri("http://transformer/")
				.header(ClientApplication.FAIL_HEADER, "true")
				.retrieve()
				.bodyToMono(String.class);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> call.block(Duration.ofSeconds(10)))
				.withMessageContaining("transformer failed");
		}
		assertThat(pool("transformer").endpoints()).extracting(Endpoint::inFlight).containsOnly(0);
		assertThat(pool("transformer").inFlight()).isZero();
		assertThat(client.get().uri("http://transformer/").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
			.as("the instance still serves").isEqualTo("transformer");
	}

	private static void callerTimeoutsShouldLeaveNothingInFlight(String service, Supplier<Mono<String>> call) {
		TestBackend hung = backend(service);
		// A cold JVM on a busy machine may time a call out before it reaches the backend: go on until some did.
		for (int round = 0; round < 20 && hung.received() < CALLS; round++) {
			List<Throwable> errors = Flux.range(0, CALLS)
				.flatMap((i) -> call.get().timeout(CALLER_TIMEOUT).then(Mono.<Throwable>empty()).onErrorResume(Mono::just),
						CALLS)
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(errors).hasSize(CALLS).allSatisfy((error) -> assertThat(error).isInstanceOf(TimeoutException.class));
		}
		assertThat(hung.received()).as("calls that reached the hung backend").isGreaterThanOrEqualTo(CALLS);
		assertNothingInFlight(service);
		assertThat(pool(service).endpoint(hung.key()).consecutiveFailures()).as("a cancel is not a failure").isZero();
	}

	private static void readTimeoutsShouldBeFailuresAndLeaveNothingInFlight(String service, Supplier<String> call) {
		TestBackend hung = backend(service);
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(ResourceAccessException.class).isThrownBy(call::get);
		}
		assertThat(hung.received()).isEqualTo(3);
		assertNothingInFlight(service);
		assertThat(pool(service).endpoint(hung.key()).consecutiveFailures()).as("the client's own timeout is a failure")
			.isEqualTo(3);
	}

	private static void assertNothingInFlight(String service) {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(pool(service).endpoints()).extracting(Endpoint::inFlight).containsOnly(0);
			assertThat(pool(service).inFlight()).isZero();
		});
	}

	private static EndpointPool<ServiceInstance> pool(String service) {
		EndpointPool<ServiceInstance> pool = pools.get(service);
		assertThat(pool).as("pool of %s", service).isNotNull();
		return pool;
	}

	private static TestBackend backend(String service) {
		return backends.stream().filter((backend) -> backend.name().equals(service)).findFirst().orElseThrow();
	}

	interface GroupClient {

		@GetExchange("/")
		Mono<String> get();

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@ImportHttpServices(group = "group", types = GroupClient.class, clientType = ClientType.WEB_CLIENT)
	static class ClientApplication {

		static final String FAIL_HEADER = "X-Livery-Test-Fail";

		// One connection a request: see LiveryLoadBalancerIntegrationTests (reactor/reactor-netty#4361).
		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()));
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder().requestFactory(readTimeout());
		}

		@Bean
		@LoadBalanced
		RestTemplate loadBalancedRestTemplate() {
			return new RestTemplate(readTimeout());
		}

		// Runs after the pick and before Spring Cloud attaches its error handling to the exchange.
		@Bean
		LoadBalancerClientRequestTransformer failingTransformer() {
			return (request, instance) -> {
				if (request.headers().containsHeader(FAIL_HEADER)) {
					throw new IllegalStateException("transformer failed");
				}
				return request;
			};
		}

		private static SimpleClientHttpRequestFactory readTimeout() {
			SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
			factory.setReadTimeout(CALLER_TIMEOUT);
			return factory;
		}

	}

}
