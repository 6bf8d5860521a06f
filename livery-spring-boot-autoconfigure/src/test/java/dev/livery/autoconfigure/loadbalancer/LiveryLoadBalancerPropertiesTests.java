package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.livery.loadbalancer.PickPolicyType;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.loadbalancer.LoadBalancerProperties;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LiveryLoadBalancerProperties}: the defaults, each client laid over them, and the checks at
 * start-up.
 */
class LiveryLoadBalancerPropertiesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesConfiguration.class);

	@Test
	void clientThatSetsOneNestedValueShouldInheritTheRest() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.policy=round-robin", "livery.loadbalancer.refresh-interval=5s",
					"livery.loadbalancer.outlier.consecutive-failures=7",
					"livery.loadbalancer.outlier.ejection-time=10s",
					"livery.loadbalancer.outlier.failure-status-codes=502,503",
					"livery.loadbalancer.clients.orders.outlier.ejection-time=1m")
			.run((context) -> {
				LoadBalancerSettings orders = context.getBean(LiveryLoadBalancerProperties.class).settingsFor("orders");
				assertThat(orders.getOutlier().getEjectionTime()).isEqualTo(Duration.ofMinutes(1));
				assertThat(orders.getOutlier().getConsecutiveFailures()).isEqualTo(7);
				assertThat(orders.getOutlier().getFailureStatusCodes()).containsExactly("502", "503");
				assertThat(orders.getOutlier().getMaxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
				assertThat(orders.getOutlier().isEnabled()).isTrue();
				assertThat(orders.getPolicy()).isEqualTo(PickPolicyType.ROUND_ROBIN);
				assertThat(orders.getRefreshInterval()).isEqualTo(Duration.ofSeconds(5));
				assertThat(orders.isEnabled()).isTrue();
			});
	}

	@Test
	void clientListShouldLeaveTheDefaultsAlone() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.outlier.failure-status-codes=502,503",
					"livery.loadbalancer.clients.orders.outlier.failure-status-codes=500",
					"livery.loadbalancer.clients.billing.policy=round-robin")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				assertThat(properties.settingsFor("orders").getOutlier().getFailureStatusCodes()).containsExactly("500");
				assertThat(properties.getOutlier().getFailureStatusCodes()).containsExactly("502", "503");
				assertThat(properties.settingsFor("billing").getOutlier().getFailureStatusCodes())
					.containsExactly("502", "503");
				assertThat(properties.settingsFor("other").getOutlier().getFailureStatusCodes())
					.containsExactly("502", "503");
			});
	}

	@Test
	void unknownClientShouldGetTheDefaults() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.outlier.consecutive-failures=7",
					"livery.loadbalancer.clients.orders.policy=round-robin",
					"livery.loadbalancer.clients.orders.outlier.consecutive-failures=2")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				LoadBalancerSettings unknown = properties.settingsFor("unknown");
				assertThat(unknown.getPolicy()).isEqualTo(PickPolicyType.P2C);
				assertThat(unknown.getOutlier().getConsecutiveFailures()).isEqualTo(7);
				assertThat(unknown.getOutlier().getEjectionTime()).isEqualTo(Duration.ofSeconds(30));
				assertThat(properties.getClients()).containsOnlyKeys("orders");
			});
	}

	@Test
	void settingsShouldBeResolvedOnceAtStartUp() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.clients.orders.policy=round-robin")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				assertThat(properties.getClients().get("orders").getPolicy()).isEqualTo(PickPolicyType.ROUND_ROBIN);
				assertThat(properties.settingsFor("orders")).isSameAs(properties.getClients().get("orders"));
				assertThat(properties.settingsFor("unknown")).isSameAs(properties.settingsFor("other"));
			});
	}

	@Test
	void clientIdsShouldMatchAsSpringCloudLoadBalancerMatchesItsOwn() {
		// The same key forms under both prefixes: a properties key as written, bracketed (dots and case kept), and
		// an environment variable (lower case). Each client marks itself by a value the defaults do not have.
		Map<String, String> forms = Map.of("orders", "clients.orders", "Inventory", "clients.Inventory",
				"Billing.EU", "clients[Billing.EU]", "my-service", "clients.my-service");
		ApplicationContextRunner runner = this.contextRunner
			.withConfiguration(AutoConfigurations.of(UtilAutoConfiguration.class,
					org.springframework.cloud.client.loadbalancer.LoadBalancerAutoConfiguration.class,
					org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration.class))
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource(
						StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("LIVERY_LOADBALANCER_CLIENTS_STOCK_OUTLIER_CONSECUTIVEFAILURES", "9",
								"SPRING_CLOUD_LOADBALANCER_CLIENTS_STOCK_HINTHEADERNAME", "marked"))));
		for (Map.Entry<String, String> form : forms.entrySet()) {
			runner = runner.withPropertyValues("livery.loadbalancer." + form.getValue() + ".outlier.consecutive-failures=9",
					"spring.cloud.loadbalancer." + form.getValue() + ".hint-header-name=marked");
		}
		runner.run((context) -> {
			LiveryLoadBalancerProperties livery = context.getBean(LiveryLoadBalancerProperties.class);
			LoadBalancerClientFactory springCloud = context.getBean(LoadBalancerClientFactory.class);
			List<String> serviceIds = List.of("orders", "Inventory", "inventory", "Billing.EU", "billing.eu",
					"my-service", "myservice", "stock", "STOCK", "unknown");
			for (String serviceId : serviceIds) {
				LoadBalancerProperties springCloudSettings = springCloud.getProperties(serviceId);
				boolean springCloudMatches = "marked".equals(springCloudSettings.getHintHeaderName());
				boolean liveryMatches = livery.settingsFor(serviceId).getOutlier().getConsecutiveFailures() == 9;
				boolean exactlyMatches = livery.getClients().containsKey(serviceId);
				assertThat(exactlyMatches).as("livery's exact match of '%s' is Spring Cloud's", serviceId)
					.isEqualTo(springCloudMatches);
				if (springCloudMatches) {
					assertThat(liveryMatches).as("livery's settings for '%s'", serviceId).isTrue();
				}
			}
			assertThat(livery.getClients()).containsOnlyKeys("orders", "Inventory", "Billing.EU", "my-service", "stock");
			// Beyond Spring Cloud, a service id that differs only in case finds its settings (URIs and environment
			// variables do not keep case).
			assertThat(livery.settingsFor("STOCK").getOutlier().getConsecutiveFailures()).isEqualTo(9);
			assertThat(livery.settingsFor("billing.eu").getOutlier().getConsecutiveFailures()).isEqualTo(9);
			assertThat(livery.settingsFor("myservice").getOutlier().getConsecutiveFailures()).isEqualTo(5);
			assertThat(livery.settingsFor("unknown").getOutlier().getConsecutiveFailures()).isEqualTo(5);
		});
	}

	@Test
	void badClientValueShouldFailStartUpNamingTheFullProperty() {
		assertStartupFails("livery.loadbalancer.clients.orders.outlier.ejection-time=-1s",
				"livery.loadbalancer.clients.orders.outlier.ejection-time", "must be between 1ms and 1d");
	}

	@Test
	void clientValueInvalidOnlyOverTheDefaultsShouldFailStartUpNamingTheClientsProperty() {
		assertStartupFails(List.of("livery.loadbalancer.outlier.max-ejection-time=1m",
				"livery.loadbalancer.clients.orders.outlier.ejection-time=2m"),
				"livery.loadbalancer.clients.orders.outlier.max-ejection-time", "must be at least the ejection time (2m)");
	}

	@Test
	void bracketedClientIdShouldBeNamedAsWritten() {
		assertStartupFails("livery.loadbalancer.clients[Billing.EU].refresh-interval=0s",
				"livery.loadbalancer.clients[Billing.EU].refresh-interval", "must be between 10ms and 1d");
	}

	@Test
	void ejectionTimeBeyondADayShouldFailStartUp() {
		// Before the bound, 365000d started and every ejection then threw ArithmeticException from toNanos() inside a
		// request.
		assertStartupFails(List.of("livery.loadbalancer.outlier.ejection-time=365000d",
				"livery.loadbalancer.outlier.max-ejection-time=365000d"), "livery.loadbalancer.outlier.ejection-time",
				"must be between 1ms and 1d");
	}

	@Test
	void maxEjectionTimeBeyondAWeekShouldFailStartUp() {
		// 40000d fits toNanos() but not the 61 bits of an endpoint's packed deadline: the deadline wrapped and the
		// ejected endpoint was probed at once.
		assertStartupFails("livery.loadbalancer.outlier.max-ejection-time=40000d",
				"livery.loadbalancer.outlier.max-ejection-time", "must be between 30s and 7d");
		assertStartupFails("livery.loadbalancer.clients.orders.outlier.max-ejection-time=8d",
				"livery.loadbalancer.clients.orders.outlier.max-ejection-time", "must be between 30s and 7d");
	}

	@Test
	void refreshIntervalOutsideItsBoundsShouldFailStartUp() {
		// Before the bound, 1ns scheduled a task every nanosecond.
		assertStartupFails("livery.loadbalancer.refresh-interval=1ns", "livery.loadbalancer.refresh-interval",
				"must be between 10ms and 1d");
		assertStartupFails("livery.loadbalancer.clients.orders.refresh-interval=2d",
				"livery.loadbalancer.clients.orders.refresh-interval", "must be between 10ms and 1d");
	}

	@Test
	void durationsAtTheirBoundsShouldStart() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.refresh-interval=10ms", "livery.loadbalancer.outlier.ejection-time=1ms",
					"livery.loadbalancer.outlier.max-ejection-time=7d",
					"livery.loadbalancer.clients.orders.refresh-interval=1d",
					"livery.loadbalancer.clients.orders.outlier.ejection-time=1d")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LoadBalancerSettings orders = context.getBean(LiveryLoadBalancerProperties.class).settingsFor("orders");
				assertThat(orders.getOutlier().toOutlierDetection().maxEjectionTime()).isEqualTo(Duration.ofDays(7));
			});
	}

	@Test
	void badStatusCodesOfAClientShouldFailStartUpNamingTheFullProperty() {
		assertStartupFails("livery.loadbalancer.clients.orders.outlier.failure-status-codes=500-abc",
				"livery.loadbalancer.clients.orders.outlier.failure-status-codes", "500-abc");
	}

	@Test
	void bindShouldResolveWithoutAContext() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new org.springframework.core.env.MapPropertySource("test",
					Map.of("livery.loadbalancer.outlier.consecutive-failures", "7",
							"livery.loadbalancer.clients.orders.enabled", "false")));
		LiveryLoadBalancerProperties properties = LiveryLoadBalancerProperties.bind(environment);
		assertThat(properties.settingsFor("orders").isEnabled()).isFalse();
		assertThat(properties.settingsFor("orders").getOutlier().getConsecutiveFailures()).isEqualTo(7);
		assertThat(properties.settingsFor("other").isEnabled()).isTrue();
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
