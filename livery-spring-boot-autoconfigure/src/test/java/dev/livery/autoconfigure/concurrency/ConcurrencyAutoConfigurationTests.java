package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimiterMetrics;
import dev.livery.concurrency.ConcurrencyLimitingWebFilter;
import dev.livery.concurrency.FixedConcurrencyLimiter;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConcurrencyAutoConfiguration}.
 */
class ConcurrencyAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ConcurrencyAutoConfiguration.class));

	@Test
	void runShouldCreateLimiterAndFilterWithDefaults() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ConcurrencyLimiter.class)
				.hasSingleBean(ConcurrencyLimitingWebFilter.class)
				.doesNotHaveBean(ConcurrencyLimiterMetrics.class);
			ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
			assertThat(limiter).isInstanceOf(FixedConcurrencyLimiter.class);
			assertThat(limiter.limit()).isEqualTo(1000);
			ConcurrencyLimitingWebFilter filter = context.getBean(ConcurrencyLimitingWebFilter.class);
			assertThat(filter.getLimiter()).isSameAs(limiter);
			assertThat(filter.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE + 10).isLessThan(-100);
			ConcurrencyProperties properties = context.getBean(ConcurrencyProperties.class);
			assertThat(properties.getExcludePaths()).containsExactly("/actuator/**", "/livez", "/readyz");
			assertThat(properties.getRetryAfter()).isEqualTo(Duration.ofSeconds(1));
		});
	}

	@Test
	void runWithPropertiesShouldConfigureLimiterAndFilter() {
		this.contextRunner
			.withPropertyValues("livery.concurrency.max-concurrent-requests=8", "livery.concurrency.order=-200",
					"livery.concurrency.retry-after=0", "livery.concurrency.exclude-paths=/probe/**")
			.run((context) -> {
				assertThat(context.getBean(ConcurrencyLimiter.class).limit()).isEqualTo(8);
				assertThat(context.getBean(ConcurrencyLimitingWebFilter.class).getOrder()).isEqualTo(-200);
				assertThat(context.getBean(ConcurrencyProperties.class).getExcludePaths()).containsExactly("/probe/**");
			});
	}

	@Test
	void runWhenDisabledShouldNotCreateFilter() {
		this.contextRunner.withPropertyValues("livery.concurrency.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ConcurrencyLimitingWebFilter.class)
				.doesNotHaveBean(ConcurrencyLimiter.class)
				.doesNotHaveBean(ConcurrencyProperties.class));
	}

	@Test
	void runInNonReactiveApplicationShouldNotCreateFilter() {
		// A servlet context needs the Servlet API, which this module does not have on its
		// test class path; the condition is the same: anything but a reactive web app.
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConcurrencyAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ConcurrencyLimitingWebFilter.class)
				.doesNotHaveBean(ConcurrencyLimiter.class));
	}

	@Test
	void runWithoutWebFluxShouldNotCreateFilter() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(WebFilter.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ConcurrencyLimitingWebFilter.class)
				.doesNotHaveBean(ConcurrencyLimiter.class));
	}

	@Test
	void runWithUserLimiterShouldUseIt() {
		this.contextRunner.withUserConfiguration(UserLimiterConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ConcurrencyLimiter.class);
			ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
			assertThat(limiter.limit()).isEqualTo(3);
			assertThat(context.getBean(ConcurrencyLimitingWebFilter.class).getLimiter()).isSameAs(limiter);
		});
	}

	@Test
	void runWithUserFilterShouldBackOff() {
		this.contextRunner.withUserConfiguration(UserFilterConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ConcurrencyLimitingWebFilter.class);
			assertThat(context.getBean(ConcurrencyLimitingWebFilter.class))
				.isSameAs(context.getBean("userFilter"));
		});
	}

	@Test
	void runWithZeroMaxConcurrentRequestsShouldFail() {
		this.contextRunner.withPropertyValues("livery.concurrency.max-concurrent-requests=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.concurrency.max-concurrent-requests")
				.hasMessageContaining("'0'")
				.hasMessageContaining("must be at least 1"));
	}

	@Test
	void runWithNegativeRetryAfterShouldFail() {
		this.contextRunner.withPropertyValues("livery.concurrency.retry-after=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.concurrency.retry-after")
				.hasMessageContaining("must be zero or positive"));
	}

	@Test
	void runWithMalformedExcludePathShouldFail() {
		this.contextRunner.withPropertyValues("livery.concurrency.exclude-paths=/a/{unclosed")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.concurrency.exclude-paths")
				.hasMessageContaining("/a/{unclosed"));
	}

	@Test
	void runWithUserLimiterAndInvalidMaxConcurrentRequestsShouldStillFail() {
		this.contextRunner.withUserConfiguration(UserLimiterConfiguration.class)
			.withPropertyValues("livery.concurrency.max-concurrent-requests=-5")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.concurrency.max-concurrent-requests"));
	}

	@Test
	void runWithMeterRegistryShouldReportLimiter() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
			.withUserConfiguration(MeterRegistryConfiguration.class)
			.withPropertyValues("livery.concurrency.max-concurrent-requests=2")
			.run((context) -> {
				assertThat(context).hasSingleBean(ConcurrencyLimiterMetrics.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
				ConcurrencyLimiter.Permit permit = limiter.tryAcquire();
				limiter.tryAcquire();
				limiter.tryAcquire();
				assertThat(registry.get("livery.concurrency.in.flight").gauge().value()).isEqualTo(2.0);
				assertThat(registry.get("livery.concurrency.limit").gauge().value()).isEqualTo(2.0);
				assertThat(registry.get("livery.concurrency.rejected").functionCounter().count()).isEqualTo(1.0);
				permit.release(ConcurrencyLimiter.Outcome.SUCCESS);
				assertThat(registry.get("livery.concurrency.in.flight").gauge().value()).isEqualTo(1.0);
			});
	}

	@Test
	void runWithoutMeterRegistryShouldNotCreateMetrics() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(ConcurrencyLimitingWebFilter.class)
				.doesNotHaveBean(ConcurrencyLimiterMetrics.class));
	}

	@Test
	void runWithServingStatusShouldNeverLimitItsWatchStreams() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(
					dev.livery.autoconfigure.serving.ServingStatusAutoConfiguration.class))
			.withPropertyValues("livery.concurrency.max-concurrent-requests=1")
			.run((context) -> {
				ConcurrencyLimitingWebFilter filter = context.getBean(ConcurrencyLimitingWebFilter.class);
				ConcurrencyLimiter.Permit held = filter.getLimiter().tryAcquire();
				assertThat(held).isNotNull();
				assertThat(status(filter, "/livery/serving/watch")).isNull();
				assertThat(status(filter, "/livery/serving/watch/orders")).isNull();
				assertThat(status(filter, "/orders")).isEqualTo(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE);
				held.release(ConcurrencyLimiter.Outcome.SUCCESS);
			});
	}

	private static org.springframework.http.HttpStatusCode status(ConcurrencyLimitingWebFilter filter, String path) {
		org.springframework.mock.web.server.MockServerWebExchange exchange = org.springframework.mock.web.server.MockServerWebExchange
			.from(org.springframework.mock.http.server.reactive.MockServerHttpRequest.get(path));
		filter.filter(exchange, (passed) -> reactor.core.publisher.Mono.empty()).block(Duration.ofSeconds(5));
		return exchange.getResponse().getStatusCode();
	}

	@Test
	void runWithoutMicrometerShouldNotCreateMetrics() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.run((context) -> assertThat(context).hasSingleBean(ConcurrencyLimitingWebFilter.class)
				.doesNotHaveBean(ConcurrencyLimiterMetrics.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserLimiterConfiguration {

		@Bean
		ConcurrencyLimiter userLimiter() {
			return new FixedConcurrencyLimiter(3);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserFilterConfiguration {

		@Bean
		ConcurrencyLimitingWebFilter userFilter() {
			return new ConcurrencyLimitingWebFilter(new FixedConcurrencyLimiter(5), List.of(), Duration.ZERO, 0);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MeterRegistryConfiguration {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
