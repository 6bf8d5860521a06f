package dev.livery.autoconfigure.concurrency;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimiterMetrics;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Reports the concurrency limiter to Micrometer when a meter registry is present; every
 * registry binds the {@link MeterBinder} bean.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(MeterRegistry.class)
class ConcurrencyMetricsConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimiterMetrics liveryConcurrencyLimiterMetrics(ConcurrencyLimiter limiter) {
		return new ConcurrencyLimiterMetrics(limiter);
	}

}
