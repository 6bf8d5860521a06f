package dev.livery.autoconfigure.serving;

import dev.livery.serving.ServingStatusStore;
import dev.livery.serving.grpc.ServingStatusHealthService;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthGrpc;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} that serves the
 * {@link ServingStatusStore serving-status store} as the standard gRPC health service {@code grpc.health.v1.Health},
 * when {@code io.grpc:grpc-services} is on the class path.
 *
 * <p>
 * The service is a {@link BindableService} bean: Spring gRPC adds it to its server, and an application that builds
 * its own grpc-java server adds it there. Spring gRPC's own health service is switched off by
 * {@link ServingStatusGrpcEnvironmentPostProcessor} (a default of {@code spring.grpc.server.health.enabled=false}),
 * and if the application sets that property to {@code true}, Spring gRPC's wins and this backs off, so a server never
 * registers two {@code Health} services. Ordered before Spring gRPC's server auto-configuration, whose server exists
 * only when some {@link BindableService} bean does.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = ServingStatusAutoConfiguration.class,
		beforeName = { "org.springframework.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration",
				"org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration",
				"org.springframework.boot.grpc.server.autoconfigure.health.GrpcServerHealthAutoConfiguration" })
@ConditionalOnClass({ BindableService.class, HealthGrpc.class })
@ConditionalOnBean(ServingStatusStore.class)
@ConditionalOnBooleanProperty(name = "livery.serving.grpc.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "spring.grpc.server.health.enabled", havingValue = "false", matchIfMissing = true)
public final class ServingStatusGrpcAutoConfiguration {

	ServingStatusGrpcAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ServingStatusHealthService servingStatusHealthService(ServingStatusStore store) {
		return new ServingStatusHealthService(store);
	}

}
