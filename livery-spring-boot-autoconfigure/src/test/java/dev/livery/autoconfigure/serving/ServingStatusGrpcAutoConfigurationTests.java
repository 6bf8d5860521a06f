package dev.livery.autoconfigure.serving;

import java.util.Map;

import dev.livery.serving.ServingStatusStore;
import dev.livery.serving.grpc.ServingStatusHealthService;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ServingStatusGrpcAutoConfiguration} and {@link ServingStatusGrpcEnvironmentPostProcessor}.
 */
class ServingStatusGrpcAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ServingStatusAutoConfiguration.class, ServingStatusGrpcAutoConfiguration.class))
		.withPropertyValues("livery.serving.shutdown-drain-time=0");

	@Test
	void runWithGrpcServicesShouldServeStoreAsHealthService() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ServingStatusHealthService.class);
			assertThat(context.getBeansOfType(BindableService.class)).hasSize(1);
			assertThat(context.getBean(ServingStatusHealthService.class).bindService().getServiceDescriptor().getName())
				.isEqualTo(HealthGrpc.SERVICE_NAME);
		});
	}

	@Test
	void runWhenGrpcDisabledShouldNotCreateHealthService() {
		this.contextRunner.withPropertyValues("livery.serving.grpc.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ServingStatusStore.class)
				.doesNotHaveBean(ServingStatusHealthService.class));
	}

	@Test
	void runWhenServingDisabledShouldNotCreateHealthService() {
		this.contextRunner.withPropertyValues("livery.serving.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ServingStatusHealthService.class));
	}

	@Test
	void runWhenSpringGrpcHealthExplicitlyEnabledShouldBackOff() {
		this.contextRunner.withPropertyValues("spring.grpc.server.health.enabled=true")
			.run((context) -> assertThat(context).doesNotHaveBean(ServingStatusHealthService.class));
		this.contextRunner.withPropertyValues("spring.grpc.server.health.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ServingStatusHealthService.class));
	}

	@Test
	void runWithUserHealthServiceShouldUseIt() {
		ServingStatusHealthService own = new ServingStatusHealthService(new ServingStatusStore());
		this.contextRunner.withBean("ownHealthService", ServingStatusHealthService.class, () -> own)
			.run((context) -> assertThat(context).getBean(ServingStatusHealthService.class).isSameAs(own));
	}

	@Test
	void runWithoutGrpcServicesShouldChangeNothing() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthGrpc.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(ServingStatusStore.class)
				.doesNotHaveBean(ServingStatusHealthService.class));
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.grpc"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(ServingStatusStore.class)
				.doesNotHaveBean(ServingStatusHealthService.class));
	}

	@Test
	void environmentPostProcessorSwitchesSpringGrpcHealthOffByDefault() {
		StandardEnvironment environment = postProcess(new StandardEnvironment(), getClass().getClassLoader());
		assertThat(environment.getProperty("spring.grpc.server.health.enabled")).isEqualTo("false");
		assertThat(environment.getPropertySources().stream().toList().get(environment.getPropertySources().size() - 1)
			.getName()).isEqualTo(ServingStatusGrpcEnvironmentPostProcessor.PROPERTY_SOURCE_NAME);
	}

	@Test
	void environmentPostProcessorLeavesSpringGrpcHealthAloneWhenAsked() {
		assertThat(postProcess(environment("livery.serving.grpc.enabled", "false"), getClass().getClassLoader())
			.containsProperty("spring.grpc.server.health.enabled")).isFalse();
		assertThat(postProcess(environment("livery.serving.enabled", "false"), getClass().getClassLoader())
			.containsProperty("spring.grpc.server.health.enabled")).isFalse();
		assertThat(postProcess(environment("spring.grpc.server.health.enabled", "true"), getClass().getClassLoader())
			.getProperty("spring.grpc.server.health.enabled")).isEqualTo("true");
		assertThat(postProcess(new StandardEnvironment(), new FilteredClassLoader(HealthGrpc.class))
			.containsProperty("spring.grpc.server.health.enabled")).isFalse();
	}

	private static StandardEnvironment environment(String name, String value) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(name, value)));
		return environment;
	}

	private static StandardEnvironment postProcess(StandardEnvironment environment, ClassLoader classLoader) {
		SpringApplication application = new SpringApplication(new DefaultResourceLoader(classLoader));
		new ServingStatusGrpcEnvironmentPostProcessor().postProcessEnvironment(environment, application);
		return environment;
	}

}
