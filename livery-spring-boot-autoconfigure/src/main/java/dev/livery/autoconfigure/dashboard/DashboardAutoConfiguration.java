package dev.livery.autoconfigure.dashboard;

import dev.livery.autoconfigure.concurrency.ConcurrencyAutoConfiguration;
import dev.livery.autoconfigure.loadbalancer.LiveryLoadBalancerAutoConfiguration;
import dev.livery.autoconfigure.serving.ServingStatusAutoConfiguration;
import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.dashboard.Dashboard;
import dev.livery.dashboard.DashboardHandler;
import dev.livery.dashboard.DashboardShutdownLifecycle;
import dev.livery.dashboard.DashboardSnapshots;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.serving.ServingStatusStore;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@link AutoConfiguration Auto-configuration} of the live dashboard in a reactive web application, when
 * {@code livery.dashboard.enabled} is set. The dashboard reads whichever of the load balancer's pools, the
 * concurrency limiter and the serving-status store the application has.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = { LiveryLoadBalancerAutoConfiguration.class, ConcurrencyAutoConfiguration.class,
		ServingStatusAutoConfiguration.class })
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBooleanProperty("livery.dashboard.enabled")
@EnableConfigurationProperties(DashboardProperties.class)
public final class DashboardAutoConfiguration {

	private static final String MANAGEMENT_SERVER = "org.springframework.boot.actuate.autoconfigure.web.server."
			+ "ManagementContextAutoConfiguration";

	DashboardAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	Dashboard liveryDashboard(ObjectProvider<EndpointPools<?>> pools, ObjectProvider<ConcurrencyLimiter> limiter,
			ObjectProvider<ServingStatusStore> serving, Environment environment) {
		EndpointPools<?> endpointPools = pools.getIfUnique();
		ConcurrencyLimiter concurrencyLimiter = limiter.getIfUnique();
		ServingStatusStore servingStatus = serving.getIfUnique();
		String application = environment.getProperty("spring.application.name");
		return new Dashboard(() -> new DashboardSnapshots(endpointPools, concurrencyLimiter, servingStatus,
				application));
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardShutdownLifecycle liveryDashboardShutdownLifecycle(Dashboard dashboard) {
		return new DashboardShutdownLifecycle(dashboard);
	}

	@Bean
	@ConditionalOnMissingBean
	DashboardHandler liveryDashboardHandler(Dashboard dashboard) {
		return new DashboardHandler(dashboard);
	}

	@Bean
	@ConditionalOnMissingBean(name = "liveryDashboardRouter")
	RouterFunction<ServerResponse> liveryDashboardRouter(DashboardHandler handler, DashboardProperties properties,
			ApplicationContext context) {
		if (!properties.isManagementPortOnly()) {
			return handler.routes(properties.getPath());
		}
		if (!hasManagementPortOfItsOwn(context.getEnvironment())) {
			throw new InvalidConfigurationPropertyValueException("livery.dashboard.management-port-only", true,
					"needs management.server.port set to a port of its own (and Spring Boot Actuator)");
		}
		// WebFlux serves this context's routes on the management port too, through the management server's own
		// child context: a request is served there exactly when its exchange belongs to another context.
		return handler.routes(properties.getPath(),
				(request) -> request.exchange().getApplicationContext() != context);
	}

	/**
	 * Whether a management server of its own will run, as Spring Boot Actuator decides (ManagementPortType).
	 */
	private static boolean hasManagementPortOfItsOwn(Environment environment) {
		if (!ClassUtils.isPresent(MANAGEMENT_SERVER, DashboardAutoConfiguration.class.getClassLoader())) {
			return false;
		}
		Integer managementPort = environment.getProperty("management.server.port", Integer.class);
		if (managementPort == null || managementPort < 0) {
			return false;
		}
		Integer serverPort = environment.getProperty("server.port", Integer.class, 8080);
		return managementPort == 0 || !managementPort.equals(serverPort);
	}

}
