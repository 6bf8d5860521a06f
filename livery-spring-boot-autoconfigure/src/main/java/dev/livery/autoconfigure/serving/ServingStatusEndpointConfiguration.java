package dev.livery.autoconfigure.serving;

import dev.livery.serving.ServingStatusEndpoint;
import dev.livery.serving.ServingStatusStore;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator endpoint {@code servingstatus}, when available (enabled and exposed).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint",
		"org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
class ServingStatusEndpointConfiguration {

	// Nested so that its condition, a class of spring-boot-actuator-autoconfigure, is read only once present.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnAvailableEndpoint(ServingStatusEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ServingStatusEndpoint servingStatusEndpoint(ServingStatusStore store) {
			return new ServingStatusEndpoint(store);
		}

	}

}
