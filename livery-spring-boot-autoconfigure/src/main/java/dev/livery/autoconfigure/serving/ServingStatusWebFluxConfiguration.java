package dev.livery.autoconfigure.serving;

import dev.livery.serving.ServingStatusStore;
import dev.livery.serving.ServingStatusWatchHandler;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Server-Sent Events watch route at {@code livery.serving.watch-path} in a WebFlux application.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(RouterFunction.class)
class ServingStatusWebFluxConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ServingStatusWatchHandler servingStatusWatchHandler(ServingStatusStore store, ServingStatusProperties properties) {
		return new ServingStatusWatchHandler(store, properties.getWatchHeartbeat(), Schedulers.parallel());
	}

	@Bean
	@ConditionalOnMissingBean(name = "servingStatusWatchRouter")
	RouterFunction<ServerResponse> servingStatusWatchRouter(ServingStatusWatchHandler handler,
			ServingStatusProperties properties) {
		return handler.routes(properties.getWatchPath());
	}

}
