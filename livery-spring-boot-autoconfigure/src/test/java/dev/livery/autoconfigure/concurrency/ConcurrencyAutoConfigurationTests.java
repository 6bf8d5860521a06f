package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.livery.concurrency.AdaptiveConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimiterMetrics;
import dev.livery.concurrency.ConcurrencyLimitingWebFilter;
import dev.livery.concurrency.FixedConcurrencyLimiter;
import dev.livery.concurrency.LimitAlgorithm;

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

	@ParameterizedTest
	@CsvSource({ "gradient2, Gradient2Algorithm", "vegas, VegasAlgorithm", "aimd, AimdAlgorithm" })
	void runWithAdaptiveAlgorithmShouldCreateAdaptiveLimiterStartingAtTheInitialLimit(String algorithm,
			String algorithmClass) {
		this.contextRunner
			.withPropertyValues("livery.concurrency.algorithm=" + algorithm, "livery.concurrency.adaptive.min-limit=5",
					"livery.concurrency.adaptive.initial-limit=30", "livery.concurrency.max-concurrent-requests=50")
			.run((context) -> {
				ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
				assertThat(limiter).isInstanceOf(AdaptiveConcurrencyLimiter.class);
				assertThat(((AdaptiveConcurrencyLimiter) limiter).getAlgorithm().getClass().getSimpleName())
					.isEqualTo(algorithmClass);
				assertThat(limiter.limit()).isEqualTo(30);
				assertThat(context.getBean(ConcurrencyLimitingWebFilter.class).getLimiter()).isSameAs(limiter);
			});
	}

	@Test
	void runWithAdaptiveDefaultsShouldStartAtTwenty() {
		this.contextRunner.withPropertyValues("livery.concurrency.algorithm=gradient2").run((context) -> {
			assertThat(context.getBean(ConcurrencyLimiter.class).limit()).isEqualTo(20);
			ConcurrencyProperties.Adaptive adaptive = context.getBean(ConcurrencyProperties.class).getAdaptive();
			assertThat(adaptive.getMinLimit()).isEqualTo(20);
			assertThat(adaptive.getWindow()).isEqualTo(Duration.ofMillis(100));
			assertThat(adaptive.getGradient2().getSmoothing()).isEqualTo(0.2);
			assertThat(adaptive.getGradient2().getQueueSize()).isEqualTo(4);
			assertThat(adaptive.getGradient2().getLongWindow()).isEqualTo(600);
			assertThat(adaptive.getGradient2().getRttTolerance()).isEqualTo(1.5);
			assertThat(adaptive.getVegas().getAlpha()).isEqualTo(3);
			assertThat(adaptive.getVegas().getBeta()).isEqualTo(6);
			assertThat(adaptive.getVegas().getProbeMultiplier()).isEqualTo(30);
			assertThat(adaptive.getAimd().getBackoffRatio()).isEqualTo(0.9);
			assertThat(adaptive.getAimd().getTimeout()).isEqualTo(Duration.ofSeconds(5));
		});
	}

	@Test
	void runWithAimdSettingsShouldPassThemToTheAlgorithm() {
		this.contextRunner
			.withPropertyValues("livery.concurrency.algorithm=aimd", "livery.concurrency.adaptive.initial-limit=100",
					"livery.concurrency.adaptive.aimd.backoff-ratio=0.5", "livery.concurrency.adaptive.aimd.timeout=50ms")
			.run((context) -> {
				LimitAlgorithm algorithm = ((AdaptiveConcurrencyLimiter) context.getBean(ConcurrencyLimiter.class))
					.getAlgorithm();
				assertThat(algorithm.update(Duration.ofMillis(49).toNanos(), 100, false)).isEqualTo(101);
				assertThat(algorithm.update(Duration.ofMillis(51).toNanos(), 100, false)).isEqualTo(50);
			});
	}

	@Test
	void runWithGradient2SettingsShouldPassThemToTheAlgorithm() {
		this.contextRunner
			.withPropertyValues("livery.concurrency.algorithm=gradient2", "livery.concurrency.adaptive.initial-limit=100",
					"livery.concurrency.adaptive.gradient2.smoothing=1", "livery.concurrency.adaptive.gradient2.queue-size=7")
			.run((context) -> {
				LimitAlgorithm algorithm = ((AdaptiveConcurrencyLimiter) context.getBean(ConcurrencyLimiter.class))
					.getAlgorithm();
				assertThat(algorithm.update(1_000_000, 100, false)).as("flat latency: + queue size").isEqualTo(107);
				assertThat(algorithm.update(0, 107, true)).as("a drop, unsmoothed: halved").isEqualTo(53);
			});
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			algorithm=gradient2, adaptive.min-limit=0                                  | adaptive.min-limit                | must be at least 1
			algorithm=gradient2, adaptive.initial-limit=10                             | adaptive.initial-limit            | must be at least livery.concurrency.adaptive.min-limit (20)
			algorithm=vegas, adaptive.min-limit=30, adaptive.initial-limit=30, max-concurrent-requests=25| adaptive.min-limit                | must be at most livery.concurrency.max-concurrent-requests (25)
			algorithm=aimd, adaptive.min-limit=5, adaptive.initial-limit=30, max-concurrent-requests=25 | adaptive.initial-limit | must be at most livery.concurrency.max-concurrent-requests (25)
			adaptive.window=0s                                                        | adaptive.window                   | must be positive
			adaptive.window-samples=0                                                 | adaptive.window-samples           | must be at least 1
			adaptive.gradient2.smoothing=0                                            | adaptive.gradient2.smoothing      | must be greater than 0 and at most 1
			adaptive.gradient2.smoothing=1.5                                          | adaptive.gradient2.smoothing      | must be greater than 0 and at most 1
			adaptive.gradient2.queue-size=-1                                          | adaptive.gradient2.queue-size     | must be at least 0
			adaptive.gradient2.long-window=0                                          | adaptive.gradient2.long-window    | must be at least 1
			adaptive.gradient2.rtt-tolerance=0.5                                      | adaptive.gradient2.rtt-tolerance  | must be at least 1.0
			adaptive.vegas.alpha=0                                                    | adaptive.vegas.alpha              | must be at least 1
			adaptive.vegas.beta=3                                                     | adaptive.vegas.beta               | must be greater than livery.concurrency.adaptive.vegas.alpha (3)
			adaptive.vegas.probe-multiplier=0                                         | adaptive.vegas.probe-multiplier   | must be at least 1
			adaptive.vegas.smoothing=-0.1                                             | adaptive.vegas.smoothing          | must be greater than 0 and at most 1
			adaptive.aimd.backoff-ratio=1                                             | adaptive.aimd.backoff-ratio       | must be at least 0.5 and less than 1
			adaptive.aimd.backoff-ratio=0.4                                           | adaptive.aimd.backoff-ratio       | must be at least 0.5 and less than 1
			adaptive.aimd.timeout=-1s                                                 | adaptive.aimd.timeout             | must be positive
			""")
	void runWithInvalidAdaptiveSettingShouldFailNamingIt(String settings, String property, String reason) {
		String[] pairs = Arrays.stream(settings.split(",\\s*")).map((pair) -> "livery.concurrency." + pair)
			.toArray(String[]::new);
		this.contextRunner.withPropertyValues(pairs)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("Property livery.concurrency." + property + " with value")
				.hasMessageContaining(reason));
	}

	@Test
	void runWithFixedAlgorithmShouldIgnoreAdaptiveBoundsAboveTheLimit() {
		this.contextRunner.withPropertyValues("livery.concurrency.max-concurrent-requests=10")
			.run((context) -> assertThat(context.getBean(ConcurrencyLimiter.class))
				.isInstanceOf(FixedConcurrencyLimiter.class));
	}

	@Test
	void runWithUnknownAlgorithmShouldFail() {
		// Spring Boot's binder rejects it; its failure analyzer names the property and the accepted values.
		this.contextRunner.withPropertyValues("livery.concurrency.algorithm=gradient3")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("Failed to bind properties under 'livery.concurrency.algorithm'"));
	}

	@Test
	void runWithAdaptiveAlgorithmAndMeterRegistryShouldReportWhyTheLimitMoves() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
			.withUserConfiguration(MeterRegistryConfiguration.class)
			.withPropertyValues("livery.concurrency.algorithm=vegas")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
				limiter.tryAcquire().release(ConcurrencyLimiter.Outcome.CANCELLED);
				assertThat(registry.get("livery.concurrency.limit").gauge().value()).isEqualTo(20.0);
				assertThat(registry.get("livery.concurrency.dropped").functionCounter().count()).isEqualTo(1.0);
				assertThat(registry.get("livery.concurrency.rtt.no.load").timeGauge().value()).isZero();
				assertThat(registry.get("livery.concurrency.rtt.recent").timeGauge().value()).isZero();
			});
	}

	@Test
	void runWithFixedAlgorithmAndMeterRegistryShouldNotReportAdaptiveMeters() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
			.withUserConfiguration(MeterRegistryConfiguration.class)
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find("livery.concurrency.limit").gauge()).isNotNull();
				assertThat(registry.find("livery.concurrency.dropped").functionCounter()).isNull();
				assertThat(registry.find("livery.concurrency.rtt.no.load").timeGauge()).isNull();
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
