package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.livery.autoconfigure.dashboard.DashboardProperties;
import dev.livery.autoconfigure.serving.ServingStatusProperties;
import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.ConcurrencyLimitingWebFilter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.server.WebFilter;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the server concurrency limit of a reactive web application.
 *
 * @since 0.1.0
 */
@AutoConfiguration(afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass({ WebFilter.class, PathPatternParser.class })
@ConditionalOnBooleanProperty(name = "livery.concurrency.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ConcurrencyProperties.class)
@Import(ConcurrencyMetricsConfiguration.class)
public final class ConcurrencyAutoConfiguration {

	private static final String PREFIX = "livery.concurrency.";

	ConcurrencyAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimiter liveryConcurrencyLimiter(ConcurrencyProperties properties) {
		validate(properties);
		return ConcurrencyLimiters.create(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimitingWebFilter liveryConcurrencyLimitingWebFilter(ConcurrencyLimiter limiter,
			ConcurrencyProperties properties, ObjectProvider<ServingStatusProperties> servingProperties,
			ObjectProvider<DashboardProperties> dashboardProperties) {
		validate(properties);
		List<String> excluded = new ArrayList<>(properties.getExcludePaths());
		// Serving-status watch streams stay open for the life of a client: counted, they would eat the limit, and
		// the 503 would cut a load balancer off from the very signal that tells it to drain.
		ServingStatusProperties serving = servingProperties.getIfAvailable();
		if (serving != null && serving.isEnabled()) {
			excluded.add(serving.getWatchPath());
			excluded.add(serving.getWatchPath() + "/**");
		}
		// The dashboard's event stream is as long-lived, and an operator needs the page most when the server sheds.
		DashboardProperties dashboard = dashboardProperties.getIfAvailable();
		if (dashboard != null && dashboard.isEnabled()) {
			excluded.add(dashboard.getPath());
			excluded.add(dashboard.getPath() + "/**");
		}
		return new ConcurrencyLimitingWebFilter(limiter, excluded, properties.getRetryAfter(), properties.getOrder());
	}

	/**
	 * Fail start-up on a value that cannot work, naming the property. Checked here rather
	 * than (only) with {@code @Validated} because many applications have no Bean Validation
	 * provider.
	 */
	private static void validate(ConcurrencyProperties properties) {
		if (properties.getMaxConcurrentRequests() < 1) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "max-concurrent-requests",
					properties.getMaxConcurrentRequests(), "must be at least 1");
		}
		Duration retryAfter = properties.getRetryAfter();
		if (retryAfter == null || retryAfter.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "retry-after", retryAfter,
					"must be zero or positive");
		}
		ConcurrencyLimiters.validate(properties);
		for (String pattern : properties.getExcludePaths()) {
			try {
				PathPatternParser.defaultInstance.parse(pattern);
			}
			catch (PatternParseException ex) {
				throw new InvalidConfigurationPropertyValueException(PREFIX + "exclude-paths", pattern,
						"must be a valid path pattern (" + ex.getMessage() + ")");
			}
		}
	}

}
