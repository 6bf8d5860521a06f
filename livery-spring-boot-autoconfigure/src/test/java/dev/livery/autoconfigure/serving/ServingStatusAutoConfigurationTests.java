package dev.livery.autoconfigure.serving;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusEndpoint;
import dev.livery.serving.ServingStatusHealthIndicator;
import dev.livery.serving.ServingStatusMeterBinder;
import dev.livery.serving.ServingStatusReadinessPublisher;
import dev.livery.serving.ServingStatusShutdownLifecycle;
import dev.livery.serving.ServingStatusStore;
import dev.livery.serving.ServingStatusWatchHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ServingStatusAutoConfiguration} and {@link ServingStatusMetricsAutoConfiguration}.
 */
class ServingStatusAutoConfigurationTests {

	// No drain by default here, so that closing each context does not sleep; the drain has tests of its own.
	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class,
				ServingStatusAutoConfiguration.class, ServingStatusMetricsAutoConfiguration.class))
		.withPropertyValues("livery.serving.shutdown-drain-time=0");

	private final ReactiveWebApplicationContextRunner reactiveContextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ServingStatusAutoConfiguration.class));

	@Test
	void runShouldCreateStoreAndItsWiring() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ServingStatusStore.class)
				.hasSingleBean(ServingStatusReadinessPublisher.class)
				.hasSingleBean(ServingStatusShutdownLifecycle.class)
				.hasSingleBean(ServingStatusHealthIndicator.class)
				.hasBean("servingStatusHealthIndicator")
				.doesNotHaveBean(ServingStatusWatchHandler.class)
				.doesNotHaveBean(ServingStatusMeterBinder.class);
			assertThat(context.getBean(ServingStatusStore.class).get("")).contains(ServingStatus.SERVING);
		});
	}

	@Test
	void runWhenDisabledShouldNotCreateStore() {
		this.contextRunner.withPropertyValues("livery.serving.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(ServingStatusStore.class)
				.doesNotHaveBean(ServingStatusReadinessPublisher.class)
				.doesNotHaveBean(ServingStatusShutdownLifecycle.class)
				.doesNotHaveBean(ServingStatusHealthIndicator.class)
				.doesNotHaveBean(ServingStatusProperties.class);
		});
	}

	@Test
	void runWithUserStoreShouldUseIt() {
		this.contextRunner.withUserConfiguration(UserStoreConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ServingStatusStore.class);
			assertThat(context.getBean(ServingStatusStore.class)).isSameAs(context.getBean("userStore"));
			assertThat(context.getBean(ServingStatusHealthIndicator.class).health().getStatus().getCode())
				.isEqualTo("OUT_OF_SERVICE");
		});
	}

	@Test
	void runWithUserHealthIndicatorShouldBackOff() {
		this.contextRunner.withBean("servingStatusHealthIndicator", Object.class, Object::new)
			.run((context) -> assertThat(context).doesNotHaveBean(ServingStatusHealthIndicator.class)
				.hasBean("servingStatusHealthIndicator"));
	}

	@Test
	void runWithoutActuatorOrMicrometerShouldStillCreateWorkingStore() {
		this.contextRunner
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.",
					"org.springframework.boot.health.", "io.micrometer."))
			.withBean(SimpleMeterRegistry.class)
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(ServingStatusStore.class)
					.doesNotHaveBean("servingStatusHealthIndicator")
					.doesNotHaveBean("servingStatusEndpoint")
					.doesNotHaveBean("servingStatusMeterBinder");
				ServingStatusStore store = context.getBean(ServingStatusStore.class);
				assertThat(store.set("orders", ServingStatus.NOT_SERVING)).isTrue();
				assertThat(store.get("orders")).contains(ServingStatus.NOT_SERVING);
			});
	}

	@Test
	void runWithHealthIndicatorDisabledShouldNotCreateIt() {
		this.contextRunner.withPropertyValues("management.health.servingstatus.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ServingStatusStore.class)
				.doesNotHaveBean(ServingStatusHealthIndicator.class));
	}

	@Test
	void runWithExposedEndpointShouldCreateIt() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=servingstatus")
			.run((context) -> assertThat(context).hasSingleBean(ServingStatusEndpoint.class));
	}

	@Test
	void runWithUnexposedEndpointShouldNotCreateIt() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ServingStatusEndpoint.class));
	}

	@Test
	void runWithMeterRegistryShouldCreateMeterBinder() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(ServingStatusMeterBinder.class));
	}

	@Test
	void runWithInitialServicesShouldSetThem() {
		this.contextRunner
			.withPropertyValues("livery.serving.services.orders=NOT_SERVING", "livery.serving.services.billing=serving")
			.run((context) -> {
				ServingStatusStore store = context.getBean(ServingStatusStore.class);
				assertThat(store.get("orders")).contains(ServingStatus.NOT_SERVING);
				assertThat(store.get("billing")).contains(ServingStatus.SERVING);
				assertThat(store.get("")).contains(ServingStatus.SERVING);
			});
	}

	@Test
	void runWithServiceUnknownInitialStatusShouldFailNamingProperty() {
		this.contextRunner.withPropertyValues("livery.serving.services.orders=SERVICE_UNKNOWN")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.serving.services.orders"));
	}

	@Test
	void runWithUnknownInitialStatusNameShouldFailNamingProperty() {
		this.contextRunner.withPropertyValues("livery.serving.services.orders=BOGUS")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("livery.serving.services.orders"));
	}

	@Test
	void runWithRelativeWatchPathShouldFailNamingProperty() {
		this.contextRunner.withPropertyValues("livery.serving.watch-path=watch")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.serving.watch-path"));
	}

	@Test
	void runWithRootWatchPathShouldFailNamingProperty() {
		this.contextRunner.withPropertyValues("livery.serving.watch-path=/")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.serving.watch-path"));
	}

	@Test
	void runShouldBoundStoreByMaxServices() {
		this.contextRunner.withPropertyValues("livery.serving.max-services=1", "livery.serving.services.orders=SERVING")
			.run((context) -> {
				ServingStatusStore store = context.getBean(ServingStatusStore.class);
				assertThat(store.maxServices()).isEqualTo(1);
				assertThatExceptionOfType(ServingStatusStore.TooManyServicesException.class)
					.isThrownBy(() -> store.set("billing", ServingStatus.SERVING));
			});
		this.contextRunner.run((context) -> assertThat(context.getBean(ServingStatusStore.class).maxServices())
			.isEqualTo(100));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "livery.serving.max-services=-1 | livery.serving.max-services",
			"livery.serving.max-services=10001 | livery.serving.max-services",
			"livery.serving.watch-heartbeat=0s | livery.serving.watch-heartbeat",
			"livery.serving.watch-heartbeat=999ms | livery.serving.watch-heartbeat",
			"livery.serving.watch-heartbeat=11m | livery.serving.watch-heartbeat",
			"livery.serving.watch-heartbeat=-1s | livery.serving.watch-heartbeat",
			"livery.serving.shutdown-drain-time=-1ms | livery.serving.shutdown-drain-time",
			"livery.serving.shutdown-drain-time=11m | livery.serving.shutdown-drain-time",
			"livery.serving.shutdown-drain-time=365000d | livery.serving.shutdown-drain-time" })
	void runWithOutOfRangeValueShouldFailNamingProperty(String property, String name) {
		this.contextRunner.withPropertyValues(property)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining(name));
	}

	@Test
	void runWithMoreInitialServicesThanMaxServicesShouldFailNamingBothProperties() {
		this.contextRunner
			.withPropertyValues("livery.serving.max-services=1", "livery.serving.services.orders=SERVING",
					"livery.serving.services.billing=SERVING")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.serving.services")
				.hasMessageContaining("livery.serving.max-services (1)"));
	}

	@Test
	void runWithBoundaryValuesShouldStart() {
		this.contextRunner
			.withPropertyValues("livery.serving.max-services=0", "livery.serving.watch-heartbeat=1s",
					"livery.serving.shutdown-drain-time=0s")
			.run((context) -> assertThat(context).hasNotFailed());
		this.contextRunner
			.withPropertyValues("livery.serving.max-services=10000", "livery.serving.watch-heartbeat=10m",
					"livery.serving.shutdown-drain-time=10m")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void runWhenNotServingOnShutdownDisabledShouldNotCreateLifecycle() {
		this.contextRunner.withPropertyValues("livery.serving.not-serving-on-shutdown=false")
			.run((context) -> assertThat(context).hasSingleBean(ServingStatusStore.class)
				.doesNotHaveBean(ServingStatusShutdownLifecycle.class));
	}

	@Test
	void closeShouldPutStoreInTerminalState() {
		ServingStatusStore[] store = new ServingStatusStore[1];
		this.contextRunner.run((context) -> {
			store[0] = context.getBean(ServingStatusStore.class);
			store[0].set("orders", ServingStatus.SERVING);
			assertThat(store[0].isTerminal()).isFalse();
		});
		assertThat(store[0].isTerminal()).isTrue();
		assertThat(store[0].all()).containsOnly(Map.entry("", ServingStatus.NOT_SERVING),
				Map.entry("orders", ServingStatus.NOT_SERVING));
	}

	@Test
	void closeShouldDrainForTheConfiguredTimeAfterNotServing() {
		List<String> steps = new CopyOnWriteArrayList<>();
		ServingStatusStore[] store = new ServingStatusStore[1];
		this.contextRunner.withPropertyValues("livery.serving.shutdown-drain-time=3s")
			.withBean(ServingStatusShutdownLifecycle.Sleeper.class,
					() -> (duration) -> steps.add("drain " + duration + " while " + store[0].get("").get()))
			.run((context) -> {
				store[0] = context.getBean(ServingStatusStore.class);
				assertThat(context.getBean(ServingStatusShutdownLifecycle.class).getDrainTime())
					.isEqualTo(Duration.ofSeconds(3));
			});
		assertThat(steps).containsExactly("drain PT3S while NOT_SERVING");
	}

	@Test
	void closeShouldDrainForOneSecondByDefaultAndNotAtAllWhenZero() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ServingStatusAutoConfiguration.class))
			.withBean(ServingStatusShutdownLifecycle.Sleeper.class, () -> (duration) -> {
			})
			.run((context) -> assertThat(context.getBean(ServingStatusShutdownLifecycle.class).getDrainTime())
				.isEqualTo(Duration.ofSeconds(1)));
		List<Duration> drains = new CopyOnWriteArrayList<>();
		this.contextRunner.withPropertyValues("livery.serving.shutdown-drain-time=0")
			.withBean(ServingStatusShutdownLifecycle.Sleeper.class, () -> drains::add)
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(drains).isEmpty();
	}

	@Test
	void serverStatusShouldDriveReadiness() {
		this.contextRunner.run((context) -> {
			ServingStatusStore store = context.getBean(ServingStatusStore.class);
			ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
			store.set("", ServingStatus.NOT_SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
			store.set("", ServingStatus.SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
			store.set("orders", ServingStatus.NOT_SERVING);
			assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
		});
	}

	@Test
	void runInReactiveWebApplicationShouldCreateWatchRoute() {
		this.reactiveContextRunner.run((context) -> assertThat(context).hasSingleBean(ServingStatusWatchHandler.class)
			.hasBean("servingStatusWatchRouter"));
	}

	@Test
	void runInReactiveWebApplicationShouldGiveWatchRouteTheConfiguredHeartbeat() {
		this.reactiveContextRunner
			.run((context) -> assertThat(context.getBean(ServingStatusWatchHandler.class).getHeartbeat())
				.isEqualTo(Duration.ofSeconds(15)));
		this.reactiveContextRunner.withPropertyValues("livery.serving.watch-heartbeat=2s")
			.run((context) -> assertThat(context.getBean(ServingStatusWatchHandler.class).getHeartbeat())
				.isEqualTo(Duration.ofSeconds(2)));
	}

	@Test
	void runInReactiveWebApplicationWhenDisabledShouldNotCreateWatchRoute() {
		this.reactiveContextRunner.withPropertyValues("livery.serving.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ServingStatusWatchHandler.class)
				.doesNotHaveBean("servingStatusWatchRouter"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserStoreConfiguration {

		@Bean
		ServingStatusStore userStore() {
			ServingStatusStore store = new ServingStatusStore();
			store.set("", ServingStatus.NOT_SERVING);
			return store;
		}

	}

}
