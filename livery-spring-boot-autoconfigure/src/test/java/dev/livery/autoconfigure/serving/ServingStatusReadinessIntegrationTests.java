package dev.livery.autoconfigure.serving;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readiness follows the server status in a real Spring Boot application, through start-up and past listeners that
 * fail.
 */
class ServingStatusReadinessIntegrationTests {

	@Test
	void notServingSetDuringStartUpIsNotOverwrittenWhenTheApplicationIsReady() {
		try (ConfigurableApplicationContext context = run(NotServingAtStartUp.class)) {
			ServingStatusStore store = context.getBean(ServingStatusStore.class);
			ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
			assertThat(store.get("")).contains(ServingStatus.NOT_SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
			store.set("", ServingStatus.SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
		}
	}

	@Test
	void servingAtStartUpLeavesSpringBootsReadinessAlone() {
		try (ConfigurableApplicationContext context = run(Object.class)) {
			assertThat(context.getBean(ApplicationAvailability.class).getReadinessState())
				.isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
		}
	}

	@Test
	void listenerThatThrowsOnceDoesNotDetachReadinessFromTheStore() {
		try (ConfigurableApplicationContext context = run(ThrowingListener.class)) {
			ServingStatusStore store = context.getBean(ServingStatusStore.class);
			ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
			store.set("", ServingStatus.NOT_SERVING);
			assertThat(context.getBean(ThrowingListener.class).thrown).isTrue();
			store.set("", ServingStatus.SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
			store.set("", ServingStatus.NOT_SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
			assertThat(store.watcherCount("")).isOne();
		}
	}

	private static ConfigurableApplicationContext run(Class<?> configuration) {
		return new SpringApplicationBuilder(ServingStatusTestApplication.class, configuration)
			.web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off")
			.run();
	}

	@Configuration(proxyBeanMethods = false)
	static class NotServingAtStartUp {

		@Bean
		ApplicationRunner warmUp(ServingStatusStore store) {
			return (args) -> store.set("", ServingStatus.NOT_SERVING);
		}

	}

	static class ThrowingListener implements ApplicationListener<AvailabilityChangeEvent<?>> {

		final AtomicBoolean thrown = new AtomicBoolean();

		@Override
		public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
			if (event.getState() == ReadinessState.REFUSING_TRAFFIC && this.thrown.compareAndSet(false, true)) {
				throw new IllegalStateException("listener failed");
			}
		}

	}

}
