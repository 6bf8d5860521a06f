package dev.livery.autoconfigure.loadbalancer;

import java.util.List;
import java.util.Map;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.health.HealthSupervisor;
import dev.livery.loadbalancer.health.HealthTarget;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the health part of {@link LiveryLoadBalancerAutoConfiguration}: the supervisor, its scheduler, and how
 * they reach the pools.
 */
class LoadBalancerHealthConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UtilAutoConfiguration.class, LiveryLoadBalancerAutoConfiguration.class));

	@Test
	void runShouldCreateASupervisorThatHearsThePools() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.clients.svc.serving-watch.enabled=true")
			.run((context) -> {
				assertThat(context).hasSingleBean(HealthSupervisor.class)
					.hasBean(LoadBalancerHealthConfiguration.SCHEDULER);
				@SuppressWarnings("unchecked")
				EndpointPools<ServiceInstance> pools = context.getBean(EndpointPools.class);
				HealthSupervisor<?> supervisor = context.getBean(HealthSupervisor.class);
				EndpointPool<ServiceInstance> watched = pools.ensure("svc", PoolSettings.DEFAULTS,
						List.of(new DefaultServiceInstance("a", "svc", "127.0.0.1", 1, false)));
				EndpointPool<ServiceInstance> plain = pools.ensure("other", PoolSettings.DEFAULTS, List.of());
				assertThat(supervisor.sources(watched)).isNotNull();
				assertThat(supervisor.sources(plain)).isNull();
				pools.reset("svc");
				assertThat(supervisor.sources(watched)).isNull();
			});
	}

	@Test
	void closingTheContextShouldStopEverySource() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.serving-watch.enabled=true").run((context) -> {
			@SuppressWarnings("unchecked")
			EndpointPools<ServiceInstance> pools = context.getBean(EndpointPools.class);
			HealthSupervisor<?> supervisor = context.getBean(HealthSupervisor.class);
			pools.ensure("svc", PoolSettings.DEFAULTS, List.of());
			assertThat(supervisor.size()).isOne();
			context.close();
			assertThat(supervisor.size()).isZero();
		});
	}

	@Test
	void userSchedulerShouldReplaceLiverysOwn() {
		this.contextRunner.withUserConfiguration(VirtualTimeConfiguration.class).run((context) -> {
			assertThat(context.getBean(LoadBalancerHealthConfiguration.SCHEDULER))
				.isInstanceOf(VirtualTimeScheduler.class);
			assertThat(context).hasSingleBean(HealthSupervisor.class);
		});
	}

	@Test
	void userSupervisorShouldReplaceLiverysOwn() {
		this.contextRunner.withUserConfiguration(UserSupervisorConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(HealthSupervisor.class);
			assertThat(context.getBean(HealthSupervisor.class)).isSameAs(UserSupervisorConfiguration.SUPERVISOR);
		});
	}

	@Test
	void targetShouldCarryTheInstancesAddressAndMetadata() {
		ServiceInstance instance = new DefaultServiceInstance("a", "svc", "10.0.0.7", 8443, true,
				Map.of("management.port", "9090"));
		HealthTarget target = LoadBalancerHealthConfiguration.target(instance);
		assertThat(target.uri(target.checkPort(0), "/actuator/health")).hasToString("https://10.0.0.7:9090/actuator/health");
	}

	@Configuration(proxyBeanMethods = false)
	static class VirtualTimeConfiguration {

		@Bean(LoadBalancerHealthConfiguration.SCHEDULER)
		Scheduler liveryHealthScheduler() {
			return VirtualTimeScheduler.create();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserSupervisorConfiguration {

		static final HealthSupervisor<ServiceInstance> SUPERVISOR = new HealthSupervisor<>(
				(service) -> dev.livery.loadbalancer.health.HealthSources.NONE, LoadBalancerHealthConfiguration::target,
				dev.livery.loadbalancer.health.HealthHttpClients.lazy(), VirtualTimeScheduler.create());

		@Bean
		HealthSupervisor<ServiceInstance> userSupervisor() {
			return SUPERVISOR;
		}

	}

}
