package dev.livery.demo;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Gives each application of the demo its own Reactor Netty event loops. By default every application in a JVM
 * shares the global ones, and the first to shut down would close them under the others' feet.
 */
@Configuration(proxyBeanMethods = false)
class IsolatedNettyResources {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
