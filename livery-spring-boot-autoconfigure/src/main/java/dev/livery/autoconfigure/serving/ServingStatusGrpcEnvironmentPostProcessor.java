package dev.livery.autoconfigure.serving;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * {@link EnvironmentPostProcessor} that switches Spring gRPC's own health service off by default
 * ({@code spring.grpc.server.health.enabled=false}, in a property source of lowest precedence named
 * {@value #PROPERTY_SOURCE_NAME}) while livery serves {@code grpc.health.v1.Health} from its serving-status store,
 * so a gRPC server registers one {@code Health} service, not two.
 *
 * <p>
 * Nothing is added when {@code io.grpc:grpc-services} is absent, when {@code livery.serving.enabled} or
 * {@code livery.serving.grpc.enabled} is {@code false}, or when the application sets
 * {@code spring.grpc.server.health.enabled} itself (set to {@code true}, Spring gRPC's health service wins and
 * livery's backs off).
 *
 * @since 0.2.0
 */
public final class ServingStatusGrpcEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/**
	 * Name of the property source added.
	 */
	public static final String PROPERTY_SOURCE_NAME = "liveryServingGrpc";

	static final String SPRING_GRPC_HEALTH_ENABLED = "spring.grpc.server.health.enabled";

	private static final String HEALTH_GRPC = "io.grpc.health.v1.HealthGrpc";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!ClassUtils.isPresent(HEALTH_GRPC, application.getClassLoader())
				|| !environment.getProperty("livery.serving.enabled", Boolean.class, true)
				|| !environment.getProperty("livery.serving.grpc.enabled", Boolean.class, true)
				|| environment.containsProperty(SPRING_GRPC_HEALTH_ENABLED)) {
			return;
		}
		environment.getPropertySources()
			.addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of(SPRING_GRPC_HEALTH_ENABLED, "false")));
	}

	@Override
	public int getOrder() {
		// After the application's own configuration has been loaded, so that its settings are seen.
		return Ordered.LOWEST_PRECEDENCE;
	}

}
