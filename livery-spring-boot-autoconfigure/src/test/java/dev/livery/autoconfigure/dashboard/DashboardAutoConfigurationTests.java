package dev.livery.autoconfigure.dashboard;

import java.time.Duration;
import java.util.Map;

import dev.livery.autoconfigure.concurrency.ConcurrencyAutoConfiguration;
import dev.livery.autoconfigure.loadbalancer.LiveryLoadBalancerAutoConfiguration;
import dev.livery.autoconfigure.serving.ServingStatusAutoConfiguration;
import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimitingWebFilter;
import dev.livery.dashboard.Dashboard;
import dev.livery.dashboard.DashboardHandler;
import dev.livery.dashboard.DashboardSnapshots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.server.RouterFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DashboardAutoConfiguration}.
 */
class DashboardAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DashboardAutoConfiguration.class));

	private final ReactiveWebApplicationContextRunner withEverything = this.contextRunner
		.withConfiguration(AutoConfigurations.of(LiveryLoadBalancerAutoConfiguration.class,
				ConcurrencyAutoConfiguration.class, ServingStatusAutoConfiguration.class));

	@Test
	void runByDefaultShouldNotCreateDashboard() {
		this.withEverything.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(Dashboard.class)
			.doesNotHaveBean(DashboardHandler.class)
			.doesNotHaveBean("liveryDashboardRouter")
			.doesNotHaveBean(DashboardProperties.class));
	}

	@Test
	void runWhenEnabledShouldCreateDashboardAndItsRoutes() {
		this.withEverything.withPropertyValues("livery.dashboard.enabled=true", "spring.application.name=orders")
			.run((context) -> {
				assertThat(context).hasSingleBean(Dashboard.class)
					.hasSingleBean(DashboardHandler.class)
					.hasBean("liveryDashboardRouter");
				assertThat(context.getBean("liveryDashboardRouter")).isInstanceOf(RouterFunction.class);
				assertThat(context.getBean(DashboardProperties.class).getPath()).isEqualTo("/livery/dashboard");
				assertThat(firstSnapshot(context)).containsOnlyKeys("application", "services", "concurrency", "serving")
					.containsEntry("application", "orders");
			});
	}

	@Test
	void runWithNothingToShowShouldStillServeTheDashboard() {
		this.contextRunner.withPropertyValues("livery.dashboard.enabled=true")
			.run((context) -> assertThat(firstSnapshot(context)).isEmpty());
	}

	@Test
	void runWithOnlyServingStatusShouldShowOnlyServingStatus() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(ServingStatusAutoConfiguration.class))
			.withPropertyValues("livery.dashboard.enabled=true")
			.run((context) -> assertThat(firstSnapshot(context)).containsOnlyKeys("serving"));
	}

	@Test
	void runWithOnlyTheLoadBalancerShouldShowOnlyServices() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LiveryLoadBalancerAutoConfiguration.class))
			.withPropertyValues("livery.dashboard.enabled=true")
			.run((context) -> assertThat(firstSnapshot(context)).containsOnlyKeys("services"));
	}

	@Test
	void runWithOnlyTheConcurrencyLimitShouldShowOnlyTheLimit() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(ConcurrencyAutoConfiguration.class))
			.withPropertyValues("livery.dashboard.enabled=true")
			.run((context) -> assertThat(firstSnapshot(context)).containsOnlyKeys("concurrency"));
	}

	@Test
	void runInNonReactiveApplicationShouldNotCreateDashboard() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DashboardAutoConfiguration.class))
			.withPropertyValues("livery.dashboard.enabled=true")
			.run((context) -> assertThat(context).doesNotHaveBean(Dashboard.class));
	}

	@Test
	void runWithUserDashboardShouldBackOff() {
		this.contextRunner.withPropertyValues("livery.dashboard.enabled=true")
			.withUserConfiguration(UserDashboardConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(Dashboard.class)
				.getBean(Dashboard.class)
				.isSameAs(context.getBean(UserDashboardConfiguration.class).dashboard));
	}

	@ParameterizedTest
	@ValueSource(strings = { "dashboard", "/", "/livery/", "/livery//dashboard", "/livery/{name}", "/livery/**",
			"/livery dashboard", "" })
	void runWithInvalidPathShouldFailNamingTheProperty(String path) {
		this.contextRunner.withPropertyValues("livery.dashboard.enabled=true", "livery.dashboard.path=" + path)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.dashboard.path"));
	}

	@Test
	void runWithValidPathShouldUseIt() {
		this.contextRunner.withPropertyValues("livery.dashboard.enabled=true", "livery.dashboard.path=/ops/live-view_2")
			.run((context) -> assertThat(context).hasNotFailed()
				.getBean(DashboardProperties.class)
				.extracting(DashboardProperties::getPath)
				.isEqualTo("/ops/live-view_2"));
	}

	@Test
	void runWithManagementPortOnlyButNoManagementPortShouldFail() {
		this.contextRunner.withPropertyValues("livery.dashboard.enabled=true", "livery.dashboard.management-port-only=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.dashboard.management-port-only")
				.hasMessageContaining("management.server.port"));
	}

	@Test
	void runWithManagementPortOnlyOnTheSamePortShouldFail() {
		this.contextRunner
			.withPropertyValues("livery.dashboard.enabled=true", "livery.dashboard.management-port-only=true",
					"server.port=8081", "management.server.port=8081")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.dashboard.management-port-only"));
	}

	@Test
	void concurrencyLimitShouldNotCountTheDashboardWhenEnabled() {
		this.withEverything
			.withPropertyValues("livery.dashboard.enabled=true", "livery.dashboard.path=/ops/dashboard",
					"livery.concurrency.max-concurrent-requests=1")
			.run((context) -> {
				ConcurrencyLimitingWebFilter filter = context.getBean(ConcurrencyLimitingWebFilter.class);
				// The one slot is taken: only what the limit does not count gets through.
				assertThat(context.getBean(ConcurrencyLimiter.class).tryAcquire()).isNotNull();
				assertThat(passes(filter, "/ops/dashboard")).isTrue();
				assertThat(passes(filter, "/ops/dashboard/events")).isTrue();
				assertThat(passes(filter, "/ops/other")).isFalse();
			});
	}

	@Test
	void concurrencyLimitShouldCountTheDashboardPathWhenDisabled() {
		this.withEverything.withPropertyValues("livery.concurrency.max-concurrent-requests=1").run((context) -> {
			ConcurrencyLimitingWebFilter filter = context.getBean(ConcurrencyLimitingWebFilter.class);
			assertThat(context.getBean(ConcurrencyLimiter.class).tryAcquire()).isNotNull();
			assertThat(passes(filter, "/livery/dashboard/events")).isFalse();
		});
	}

	private static boolean passes(ConcurrencyLimitingWebFilter filter, String path) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get(path));
		boolean[] passed = new boolean[1];
		filter.filter(exchange, (filtered) -> {
			passed[0] = true;
			return Mono.empty();
		}).block(Duration.ofSeconds(5));
		assertThat(passed[0] || exchange.getResponse().getStatusCode() == HttpStatus.SERVICE_UNAVAILABLE).isTrue();
		return passed[0];
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> firstSnapshot(AssertableReactiveWebApplicationContext context) {
		String json = context.getBean(Dashboard.class).snapshots().blockFirst(Duration.ofSeconds(10));
		return JsonMapper.builder().build().readValue(json, Map.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class UserDashboardConfiguration {

		final Dashboard dashboard = new Dashboard(() -> new DashboardSnapshots(null, null, null, null));

		@Bean
		Dashboard userDashboard() {
			return this.dashboard;
		}

	}

}
