package dev.livery.autoconfigure.serving;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * Minimal WebFlux application for the serving-status integration tests; everything comes from auto-configuration.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class ServingStatusTestApplication {

}
