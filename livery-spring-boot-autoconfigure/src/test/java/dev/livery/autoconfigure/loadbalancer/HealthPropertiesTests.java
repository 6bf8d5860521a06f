package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.List;

import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.health.HealthCheckSettings;
import dev.livery.loadbalancer.health.HealthSources;
import dev.livery.loadbalancer.health.ServingWatchSettings;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the health settings of {@link LoadBalancerSettings}: {@code health-check.*}, {@code serving-watch.*},
 * {@code panic-threshold} and {@code slow-start.*}, their defaults, their {@code clients.<id>} form, and the checks
 * that fail start-up naming the full property.
 */
class HealthPropertiesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesConfiguration.class);

	@Test
	void defaultsShouldTurnNoSourceOnAndMatchTheCore() {
		this.contextRunner.run((context) -> {
			LoadBalancerSettings settings = context.getBean(LiveryLoadBalancerProperties.class).settingsFor("any");
			assertThat(settings.toHealthSources()).isEqualTo(HealthSources.NONE);
			assertThat(settings.getHealthCheck().toHealthCheckSettings()).isEqualTo(HealthCheckSettings.DEFAULTS);
			assertThat(settings.getServingWatch().toServingWatchSettings()).isEqualTo(ServingWatchSettings.DEFAULTS);
			PoolSettings pool = settings.toPoolSettings();
			assertThat(pool.panicThreshold()).isEqualTo(50);
			assertThat(pool.slowStart().enabled()).isFalse();
			assertThat(pool.slowStart().aggression()).isEqualTo(1.0);
			assertThat(pool.slowStart().minWeightPercent()).isEqualTo(10);
		});
	}

	@Test
	void everyHealthSettingShouldReachTheCore() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.health-check.enabled=true",
				"livery.loadbalancer.health-check.path=/actuator/health/readiness",
				"livery.loadbalancer.health-check.port=9090", "livery.loadbalancer.health-check.interval=2s",
				"livery.loadbalancer.health-check.timeout=500ms", "livery.loadbalancer.health-check.low-score=-5",
				"livery.loadbalancer.health-check.high-score=5", "livery.loadbalancer.health-check.initial-score=0",
				"livery.loadbalancer.health-check.success-delta=2", "livery.loadbalancer.health-check.failure-delta=-3",
				"livery.loadbalancer.serving-watch.enabled=true", "livery.loadbalancer.serving-watch.path=/watch",
				"livery.loadbalancer.serving-watch.service=orders",
				"livery.loadbalancer.serving-watch.reconnect-backoff=200ms",
				"livery.loadbalancer.serving-watch.max-reconnect-backoff=10s",
				"livery.loadbalancer.serving-watch.idle-timeout=20s", "livery.loadbalancer.panic-threshold=30",
				"livery.loadbalancer.slow-start.window=1m", "livery.loadbalancer.slow-start.aggression=2.5",
				"livery.loadbalancer.slow-start.min-weight-percent=5")
			.run((context) -> {
				LoadBalancerSettings settings = context.getBean(LiveryLoadBalancerProperties.class).settingsFor("any");
				HealthSources sources = settings.toHealthSources();
				assertThat(sources.activeChecks()).isEqualTo(new HealthCheckSettings("/actuator/health/readiness", 9090,
						Duration.ofSeconds(2), Duration.ofMillis(500), -5, 5, 0, 2, -3));
				assertThat(sources.servingWatch()).isEqualTo(new ServingWatchSettings("/watch", "orders",
						Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(20)));
				PoolSettings pool = settings.toPoolSettings();
				assertThat(pool.panicThreshold()).isEqualTo(30);
				assertThat(pool.slowStart().window()).isEqualTo(Duration.ofMinutes(1));
				assertThat(pool.slowStart().aggression()).isEqualTo(2.5);
				assertThat(pool.slowStart().minWeightPercent()).isEqualTo(5);
			});
	}

	@Test
	void clientShouldTurnSourcesOnForItselfAndInheritTheRest() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.health-check.interval=2s",
					"livery.loadbalancer.clients.orders.health-check.enabled=true",
					"livery.loadbalancer.clients.orders.serving-watch.enabled=true",
					"livery.loadbalancer.clients.orders.panic-threshold=0",
					"livery.loadbalancer.clients.orders.slow-start.window=30s")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				HealthSources orders = properties.settingsFor("orders").toHealthSources();
				assertThat(orders.activeChecks().interval()).isEqualTo(Duration.ofSeconds(2));
				assertThat(orders.servingWatch()).isEqualTo(ServingWatchSettings.DEFAULTS);
				assertThat(properties.settingsFor("orders").toPoolSettings().panicThreshold()).isZero();
				assertThat(properties.settingsFor("orders").toPoolSettings().slowStart().window())
					.isEqualTo(Duration.ofSeconds(30));
				assertThat(properties.settingsFor("billing").toHealthSources()).isEqualTo(HealthSources.NONE);
				assertThat(properties.settingsFor("billing").toPoolSettings().panicThreshold()).isEqualTo(50);
			});
	}

	@Test
	void badHealthCheckValuesShouldFailStartUpNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.health-check.timeout=5s", "livery.loadbalancer.health-check.timeout",
				"less than the interval");
		assertStartupFails("livery.loadbalancer.clients.orders.health-check.interval=10ms",
				"livery.loadbalancer.clients.orders.health-check.interval", "between 100ms and 1h");
		assertStartupFails("livery.loadbalancer.health-check.path=actuator/health",
				"livery.loadbalancer.health-check.path", "must start with '/'");
		assertStartupFails("livery.loadbalancer.health-check.port=70000", "livery.loadbalancer.health-check.port",
				"between 1 and 65535");
		assertStartupFails("livery.loadbalancer.health-check.low-score=0", "livery.loadbalancer.health-check.low-score",
				"at most -1");
		assertStartupFails("livery.loadbalancer.health-check.high-score=-1",
				"livery.loadbalancer.health-check.high-score", "at least 0");
		assertStartupFails("livery.loadbalancer.clients.orders.health-check.initial-score=4",
				"livery.loadbalancer.clients.orders.health-check.initial-score", "between -3 and 3");
		assertStartupFails("livery.loadbalancer.health-check.success-delta=0",
				"livery.loadbalancer.health-check.success-delta", "at least 1");
		assertStartupFails("livery.loadbalancer.health-check.failure-delta=0",
				"livery.loadbalancer.health-check.failure-delta", "at most -1");
	}

	@Test
	void badServingWatchValuesShouldFailStartUpNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.serving-watch.path=/", "livery.loadbalancer.serving-watch.path",
				"must start with '/'");
		assertStartupFails("livery.loadbalancer.serving-watch.reconnect-backoff=0s",
				"livery.loadbalancer.serving-watch.reconnect-backoff", "between 10ms and 1d");
		assertStartupFails(
				List.of("livery.loadbalancer.serving-watch.reconnect-backoff=10s",
						"livery.loadbalancer.clients.orders.serving-watch.max-reconnect-backoff=5s"),
				"livery.loadbalancer.clients.orders.serving-watch.max-reconnect-backoff", "at least the reconnect backoff");
		assertStartupFails("livery.loadbalancer.serving-watch.idle-timeout=500ms",
				"livery.loadbalancer.serving-watch.idle-timeout", "between 1s and 1d");
	}

	@Test
	void badPanicAndSlowStartValuesShouldFailStartUpNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.panic-threshold=101", "livery.loadbalancer.panic-threshold",
				"between 0 and 100");
		assertStartupFails("livery.loadbalancer.clients.orders.panic-threshold=-1",
				"livery.loadbalancer.clients.orders.panic-threshold", "between 0 and 100");
		assertStartupFails("livery.loadbalancer.slow-start.window=2h", "livery.loadbalancer.slow-start.window",
				"between 0s and 1h");
		assertStartupFails("livery.loadbalancer.slow-start.aggression=0", "livery.loadbalancer.slow-start.aggression",
				"greater than 0");
		assertStartupFails("livery.loadbalancer.clients.orders.slow-start.min-weight-percent=0",
				"livery.loadbalancer.clients.orders.slow-start.min-weight-percent", "between 1 and 100");
	}

	@Test
	void badValueShouldFailStartUpWithoutABeanValidationProvider() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("jakarta.validation", "org.hibernate.validator"))
			.withPropertyValues("livery.loadbalancer.health-check.timeout=10s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.loadbalancer.health-check.timeout"));
	}

	private void assertStartupFails(String property, String name, String reason) {
		assertStartupFails(List.of(property), name, reason);
	}

	private void assertStartupFails(List<String> properties, String name, String reason) {
		this.contextRunner.withPropertyValues(properties.toArray(String[]::new)).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("Property " + name + " ")
				.hasMessageContaining(reason);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(LiveryLoadBalancerProperties.class)
	static class PropertiesConfiguration {

	}

}
