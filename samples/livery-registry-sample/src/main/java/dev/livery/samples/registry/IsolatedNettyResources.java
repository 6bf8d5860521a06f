package dev.livery.samples.registry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Gives each application of the sample its own Reactor Netty event loops. By default every application in a JVM
 * shares the global ones, and a replica that stops would close them under the others' feet.
 *
 * @since 0.2.0
 */
@Configuration(proxyBeanMethods = false)
public class IsolatedNettyResources {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
