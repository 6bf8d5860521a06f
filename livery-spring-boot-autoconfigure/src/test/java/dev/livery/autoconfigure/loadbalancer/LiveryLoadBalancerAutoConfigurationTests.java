package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;

import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.actuate.BalancerEndpoint;
import dev.livery.loadbalancer.actuate.LoadBalancerMetrics;
import dev.livery.loadbalancer.cloud.LeaseReleasingBeanPostProcessor;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancer;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancerLifecycle;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerBeanPostProcessorAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerClientAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerExchangeFilterFunction;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClientSpecification;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LiveryLoadBalancerAutoConfiguration} and its companions.
 */
class LiveryLoadBalancerAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withPropertyValues("spring.cloud.discovery.client.simple.instances.svc[0].uri=http://127.0.0.1:1")
		.withConfiguration(AutoConfigurations.of(UtilAutoConfiguration.class,
				org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration.class,
				LoadBalancerAutoConfiguration.class,
				org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration.class,
				LoadBalancerBeanPostProcessorAutoConfiguration.class, ReactorLoadBalancerClientAutoConfiguration.class,
				LiveryLoadBalancerAutoConfiguration.class, BalancerEndpointAutoConfiguration.class,
				LoadBalancerMetricsAutoConfiguration.class));

	@Test
	void runShouldMakeLiveryEveryClientsBalancer() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(EndpointPools.class)
				.hasSingleBean(LiveryLoadBalancerLifecycle.class)
				.hasSingleBean(LeaseReleasingBeanPostProcessor.class)
				.hasSingleBean(LoadBalancerMetrics.class);
			assertThat(context.getBeansOfType(LoadBalancerClientSpecification.class).values())
				.filteredOn((spec) -> spec.getName().startsWith("default."))
				.flatExtracting((spec) -> java.util.List.of(spec.getConfiguration()))
				.contains(LiveryLoadBalancerClientConfiguration.class);
			Object balancer = context.getBean(LoadBalancerClientFactory.class)
				.getInstance("svc");
			assertThat(balancer).isInstanceOf(LiveryLoadBalancer.class);
			assertThat(((LiveryLoadBalancer) balancer).getPolicy()).isEqualTo(PickPolicyType.P2C);
		});
	}

	@Test
	void runShouldCreateTheEndpointOnlyWhenExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(BalancerEndpoint.class));
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=balancer")
			.run((context) -> assertThat(context).hasSingleBean(BalancerEndpoint.class));
	}

	@Test
	void runWhenDisabledShouldLeaveSpringCloudsDefault() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(EndpointPools.class).doesNotHaveBean(BalancerEndpoint.class);
			assertThat(context.getBean(LoadBalancerClientFactory.class).getInstance("svc"))
				.isInstanceOf(RoundRobinLoadBalancer.class);
		});
	}

	@Test
	void runWhenDisabledForOneClientShouldLeaveThatClientToSpringCloud() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.clients.svc.enabled=false").run((context) -> {
			LoadBalancerClientFactory factory = context.getBean(LoadBalancerClientFactory.class);
			assertThat(factory.getInstance("svc")).isInstanceOf(RoundRobinLoadBalancer.class);
			assertThat(factory.getInstance("other")).isInstanceOf(LiveryLoadBalancer.class);
		});
	}

	@Test
	void runWithPerClientPolicyShouldOverlayTheDefaults() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.clients.svc.policy=round-robin",
					"livery.loadbalancer.outlier.consecutive-failures=7")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				assertThat(properties.settingsFor("svc").getPolicy()).isEqualTo(PickPolicyType.ROUND_ROBIN);
				assertThat(properties.settingsFor("svc").getOutlier().getConsecutiveFailures()).isEqualTo(7);
				assertThat(properties.settingsFor("other").getPolicy()).isEqualTo(PickPolicyType.P2C);
				assertThat(((LiveryLoadBalancer) context.getBean(LoadBalancerClientFactory.class).getInstance("svc"))
					.getPolicy()).isEqualTo(PickPolicyType.ROUND_ROBIN);
			});
	}

	@Test
	void runWithoutSpringCloudLoadBalancerShouldBackOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(ReactorServiceInstanceLoadBalancer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(EndpointPools.class)
				.doesNotHaveBean(BalancerEndpoint.class)
				.doesNotHaveBean(LoadBalancerMetrics.class));
	}

	@Test
	void runWithoutActuatorOrMicrometerShouldStillBalance() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=balancer")
			.withClassLoader(new FilteredClassLoader(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class,
					io.micrometer.core.instrument.binder.MeterBinder.class))
			.run((context) -> assertThat(context).hasSingleBean(EndpointPools.class)
				.doesNotHaveBean(BalancerEndpoint.class)
				.doesNotHaveBean(LoadBalancerMetrics.class));
	}

	@Test
	void runWithUsersOwnServiceInstancePoolsShouldBackOff() {
		this.contextRunner.withUserConfiguration(UserServiceInstancePoolsConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(EndpointPools.class);
			assertThat(context.getBean(EndpointPools.class)).isSameAs(UserServiceInstancePoolsConfiguration.POOLS);
			assertThat(choose(context)).isNotNull();
			assertThat(UserServiceInstancePoolsConfiguration.POOLS.get("svc")).isNotNull();
		});
	}

	@Test
	void runWithUsersEndpointPoolsOfAnotherTypeShouldKeepLiverysOwn() {
		this.contextRunner.withUserConfiguration(UserStringPoolsConfiguration.class)
			.withPropertyValues("management.endpoints.web.exposure.include=balancer")
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasBean("userPools")
					.hasBean("liveryEndpointPools")
					.hasSingleBean(BalancerEndpoint.class)
					.hasSingleBean(LoadBalancerMetrics.class);
				assertThat(context.getBeanNamesForType(
						ResolvableType.forClassWithGenerics(EndpointPools.class, ServiceInstance.class)))
					.containsExactly("liveryEndpointPools");
				ServiceInstance chosen = choose(context);
				assertThat(chosen).isNotNull();
				assertThat(chosen.getPort()).isEqualTo(1);
				assertThat(context.getBean("liveryEndpointPools", EndpointPools.class).get("svc")).isNotNull();
				assertThat(UserStringPoolsConfiguration.POOLS.pools()).isEmpty();
			});
	}

	@Test
	void runWithUsersEndpointPoolsOfAnotherTypeAndLiveryDisabledShouldCreateNoEndpoint() {
		this.contextRunner.withUserConfiguration(UserStringPoolsConfiguration.class)
			.withPropertyValues("livery.loadbalancer.enabled=false",
					"management.endpoints.web.exposure.include=balancer")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(BalancerEndpoint.class)
				.doesNotHaveBean(LoadBalancerMetrics.class));
	}

	@Test
	void loadBalancerFilterFunctionShouldStayInjectableByItsClass() {
		this.contextRunner.run((context) -> {
			ReactorLoadBalancerExchangeFilterFunction function = context
				.getBean(ReactorLoadBalancerExchangeFilterFunction.class);
			assertThat(AopUtils.isCglibProxy(function)).isTrue();
		});
	}

	@Test
	void runWithZeroConsecutiveFailuresShouldFailNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.outlier.consecutive-failures=0",
				"livery.loadbalancer.outlier.consecutive-failures");
	}

	@Test
	void runWithNegativeEjectionTimeShouldFailNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.outlier.ejection-time=-1s", "livery.loadbalancer.outlier.ejection-time");
	}

	@Test
	void runWithMaxEjectionTimeBelowEjectionTimeShouldFailNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.outlier.max-ejection-time=10s",
				"livery.loadbalancer.outlier.max-ejection-time");
	}

	@Test
	void runWithPercentOutOfRangeShouldFailNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.outlier.max-ejection-percent=101",
				"livery.loadbalancer.outlier.max-ejection-percent");
	}

	@Test
	void runWithBadStatusCodesShouldFailNamingTheProperty() {
		assertStartupFails("livery.loadbalancer.outlier.failure-status-codes=500-abc",
				"livery.loadbalancer.outlier.failure-status-codes");
	}

	@Test
	void runWithBadClientOverrideShouldFailNamingTheClientsProperty() {
		assertStartupFails("livery.loadbalancer.clients.users.outlier.consecutive-failures=0",
				"livery.loadbalancer.clients.users.outlier.consecutive-failures");
	}

	private static ServiceInstance choose(org.springframework.context.ApplicationContext context) {
		ReactiveLoadBalancer<ServiceInstance> balancer = context.getBean(LoadBalancerClientFactory.class).getInstance("svc");
		assertThat(balancer).isInstanceOf(LiveryLoadBalancer.class);
		Response<ServiceInstance> response = Mono.from(balancer.choose()).block(Duration.ofSeconds(10));
		return (response != null) ? response.getServer() : null;
	}

	private void assertStartupFails(String property, String name) {
		this.contextRunner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining(name);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserServiceInstancePoolsConfiguration {

		static final EndpointPools<ServiceInstance> POOLS = new EndpointPools<>(LiveryLoadBalancer::key, Ticker.system(),
				PoolListener.NONE);

		@Bean
		EndpointPools<ServiceInstance> userPools() {
			return POOLS;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserStringPoolsConfiguration {

		static final EndpointPools<String> POOLS = new EndpointPools<>((member) -> member, Ticker.system(),
				PoolListener.NONE);

		@Bean
		EndpointPools<String> userPools() {
			return POOLS;
		}

	}

}
