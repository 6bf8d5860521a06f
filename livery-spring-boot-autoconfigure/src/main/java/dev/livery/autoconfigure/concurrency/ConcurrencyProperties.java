package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.Ordered;

/**
 * Configuration properties of the server concurrency limit.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("livery.concurrency")
public class ConcurrencyProperties {

	/**
	 * Whether the concurrency-limiting WebFilter is installed.
	 */
	private boolean enabled = true;

	/**
	 * Requests handled at once; the next one is answered 503 at once. At least 1.
	 */
	private int maxConcurrentRequests = 1000;

	/**
	 * Path patterns, within the application, that are neither limited nor counted.
	 */
	private List<String> excludePaths = new ArrayList<>(List.of("/actuator/**", "/livez", "/readyz"));

	/**
	 * Delay sent in the Retry-After header of a 503, in whole seconds rounded up; 0 sends no
	 * header.
	 */
	private Duration retryAfter = Duration.ofSeconds(1);

	/**
	 * Order of the WebFilter; keep it before Spring Security's (-100).
	 */
	private int order = Ordered.HIGHEST_PRECEDENCE + 10;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getMaxConcurrentRequests() {
		return this.maxConcurrentRequests;
	}

	public void setMaxConcurrentRequests(int maxConcurrentRequests) {
		this.maxConcurrentRequests = maxConcurrentRequests;
	}

	public List<String> getExcludePaths() {
		return this.excludePaths;
	}

	public void setExcludePaths(List<String> excludePaths) {
		this.excludePaths = excludePaths;
	}

	public Duration getRetryAfter() {
		return this.retryAfter;
	}

	public void setRetryAfter(Duration retryAfter) {
		this.retryAfter = retryAfter;
	}

	public int getOrder() {
		return this.order;
	}

	public void setOrder(int order) {
		this.order = order;
	}

}
