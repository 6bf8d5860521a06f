package dev.livery.autoconfigure.serving;

import dev.livery.serving.ServingStatusReadinessPublisher;
import dev.livery.serving.ServingStatusShutdownLifecycle;
import dev.livery.serving.ServingStatusStore;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the
 * {@link ServingStatusStore serving-status store}, its readiness and shutdown wiring, and, when available, its health
 * contributor, Actuator endpoint and Server-Sent Events watch route.
 *
 * @since 0.1.0
 */
@AutoConfiguration(
		afterName = "org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration")
@ConditionalOnClass(Flux.class)
@ConditionalOnBooleanProperty(name = "livery.serving.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ServingStatusProperties.class)
@Import({ ServingStatusHealthConfiguration.class, ServingStatusEndpointConfiguration.class,
		ServingStatusWebFluxConfiguration.class })
public final class ServingStatusAutoConfiguration {

	ServingStatusAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ServingStatusStore servingStatusStore(ServingStatusProperties properties) {
		ServingStatusStore store = new ServingStatusStore(properties.getMaxServices());
		properties.getServices().forEach(store::set);
		return store;
	}

	@Bean
	@ConditionalOnMissingBean
	ServingStatusReadinessPublisher servingStatusReadinessPublisher(ServingStatusStore store,
			ApplicationEventPublisher publisher) {
		return new ServingStatusReadinessPublisher(store, publisher);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "livery.serving.not-serving-on-shutdown", matchIfMissing = true)
	ServingStatusShutdownLifecycle servingStatusShutdownLifecycle(ServingStatusStore store,
			ServingStatusProperties properties, ObjectProvider<ServingStatusShutdownLifecycle.Sleeper> sleeper) {
		return new ServingStatusShutdownLifecycle(store, properties.getShutdownDrainTime(),
				sleeper.getIfAvailable(() -> ServingStatusShutdownLifecycle.Sleeper.THREAD));
	}

}
