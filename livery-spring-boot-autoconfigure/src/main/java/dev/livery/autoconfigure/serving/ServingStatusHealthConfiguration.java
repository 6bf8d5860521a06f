package dev.livery.autoconfigure.serving;

import dev.livery.serving.ServingStatusHealthIndicator;
import dev.livery.serving.ServingStatusStore;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health contributor {@code servingStatus} (bean {@code servingStatusHealthIndicator}; Spring Boot strips the
 * suffix), switched off with {@code management.health.servingstatus.enabled=false}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(HealthIndicator.class)
class ServingStatusHealthConfiguration {

	// Nested so that its condition, a class of spring-boot-health, is read only once that module is present.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnEnabledHealthIndicator("servingstatus")
	static class HealthIndicatorConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "servingStatusHealthIndicator")
		ServingStatusHealthIndicator servingStatusHealthIndicator(ServingStatusStore store) {
			return new ServingStatusHealthIndicator(store);
		}

	}

}
