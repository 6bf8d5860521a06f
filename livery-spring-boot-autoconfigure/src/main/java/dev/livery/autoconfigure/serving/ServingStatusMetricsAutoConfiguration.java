package dev.livery.autoconfigure.serving;

import dev.livery.serving.ServingStatusMeterBinder;
import dev.livery.serving.ServingStatusStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the
 * {@code livery.serving.status} gauge, when Micrometer and a {@link MeterRegistry} are present.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = ServingStatusAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass({ MeterRegistry.class, MeterBinder.class })
@ConditionalOnBean({ ServingStatusStore.class, MeterRegistry.class })
public final class ServingStatusMetricsAutoConfiguration {

	ServingStatusMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ServingStatusMeterBinder servingStatusMeterBinder(ServingStatusStore store) {
		return new ServingStatusMeterBinder(store);
	}

}
