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
	 * Requests handled at once (the fixed limit, or the most an adaptive one may reach); the
	 * next one is answered 503 at once. At least 1.
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

	/**
	 * How the limit is set: fixed at max-concurrent-requests, or adapted to the measured
	 * latency between adaptive.min-limit and max-concurrent-requests.
	 */
	private Algorithm algorithm = Algorithm.FIXED;

	private final Adaptive adaptive = new Adaptive();

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

	public Algorithm getAlgorithm() {
		return this.algorithm;
	}

	public void setAlgorithm(Algorithm algorithm) {
		this.algorithm = algorithm;
	}

	public Adaptive getAdaptive() {
		return this.adaptive;
	}

	/**
	 * How the concurrency limit is set.
	 *
	 * @since 0.2.0
	 */
	public enum Algorithm {

		/**
		 * The limit is max-concurrent-requests, always.
		 */
		FIXED,

		/**
		 * Netflix's Gradient2: shrink when the latency rises above its long-term average.
		 */
		GRADIENT2,

		/**
		 * TCP Vegas: keep the estimated queue beyond capacity small.
		 */
		VEGAS,

		/**
		 * Additive increase, multiplicative decrease on drops and timeouts.
		 */
		AIMD

	}

	/**
	 * Settings of the adaptive algorithms.
	 *
	 * @since 0.2.0
	 */
	public static class Adaptive {

		/**
		 * Smallest limit an adaptive algorithm sets; at least 1 and at most
		 * max-concurrent-requests.
		 */
		private int minLimit = 20;

		/**
		 * Limit an adaptive algorithm starts from, between min-limit and max-concurrent-requests.
		 */
		private int initialLimit = 20;

		/**
		 * Shortest time between two updates of an adaptive limit; the latencies of the requests
		 * that complete in between are averaged.
		 */
		private Duration window = Duration.ofMillis(100);

		/**
		 * Fewest completed requests a window needs before it updates an adaptive limit.
		 */
		private int windowSamples = 10;

		private final Gradient2 gradient2 = new Gradient2();

		private final Vegas vegas = new Vegas();

		private final Aimd aimd = new Aimd();

		public int getMinLimit() {
			return this.minLimit;
		}

		public void setMinLimit(int minLimit) {
			this.minLimit = minLimit;
		}

		public int getInitialLimit() {
			return this.initialLimit;
		}

		public void setInitialLimit(int initialLimit) {
			this.initialLimit = initialLimit;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public int getWindowSamples() {
			return this.windowSamples;
		}

		public void setWindowSamples(int windowSamples) {
			this.windowSamples = windowSamples;
		}

		public Gradient2 getGradient2() {
			return this.gradient2;
		}

		public Vegas getVegas() {
			return this.vegas;
		}

		public Aimd getAimd() {
			return this.aimd;
		}

	}

	/**
	 * Settings of the {@code gradient2} algorithm.
	 *
	 * @since 0.2.0
	 */
	public static class Gradient2 {

		/**
		 * Share of each window's new limit that is taken, greater than 0 and at most 1.
		 */
		private double smoothing = 0.2;

		/**
		 * Requests the limit grows by per window while the latency is flat; at least 0.
		 */
		private int queueSize = 4;

		/**
		 * Windows the long-term latency average spans; at least 1.
		 */
		private int longWindow = 600;

		/**
		 * Ratio of recent to long-term latency tolerated before the limit shrinks; at least 1.
		 */
		private double rttTolerance = 1.5;

		public double getSmoothing() {
			return this.smoothing;
		}

		public void setSmoothing(double smoothing) {
			this.smoothing = smoothing;
		}

		public int getQueueSize() {
			return this.queueSize;
		}

		public void setQueueSize(int queueSize) {
			this.queueSize = queueSize;
		}

		public int getLongWindow() {
			return this.longWindow;
		}

		public void setLongWindow(int longWindow) {
			this.longWindow = longWindow;
		}

		public double getRttTolerance() {
			return this.rttTolerance;
		}

		public void setRttTolerance(double rttTolerance) {
			this.rttTolerance = rttTolerance;
		}

	}

	/**
	 * Settings of the {@code vegas} algorithm.
	 *
	 * @since 0.2.0
	 */
	public static class Vegas {

		/**
		 * Estimated queue, in multiples of log10 of the limit, below which the limit grows; at
		 * least 1.
		 */
		private int alpha = 3;

		/**
		 * Estimated queue, in multiples of log10 of the limit, above which the limit shrinks;
		 * greater than alpha.
		 */
		private int beta = 6;

		/**
		 * Windows between two fresh measurements of the no-load latency, in multiples of the
		 * limit (jittered down to half); at least 1.
		 */
		private int probeMultiplier = 30;

		/**
		 * Share of each window's new limit that is taken, greater than 0 and at most 1.
		 */
		private double smoothing = 1.0;

		public int getAlpha() {
			return this.alpha;
		}

		public void setAlpha(int alpha) {
			this.alpha = alpha;
		}

		public int getBeta() {
			return this.beta;
		}

		public void setBeta(int beta) {
			this.beta = beta;
		}

		public int getProbeMultiplier() {
			return this.probeMultiplier;
		}

		public void setProbeMultiplier(int probeMultiplier) {
			this.probeMultiplier = probeMultiplier;
		}

		public double getSmoothing() {
			return this.smoothing;
		}

		public void setSmoothing(double smoothing) {
			this.smoothing = smoothing;
		}

	}

	/**
	 * Settings of the {@code aimd} algorithm.
	 *
	 * @since 0.2.0
	 */
	public static class Aimd {

		/**
		 * Factor the limit is multiplied by after a window with a drop or a timeout; at least 0.5
		 * and less than 1.
		 */
		private double backoffRatio = 0.9;

		/**
		 * Average window latency above which the window counts as a drop; set it near the
		 * service's latency objective.
		 */
		private Duration timeout = Duration.ofSeconds(5);

		public double getBackoffRatio() {
			return this.backoffRatio;
		}

		public void setBackoffRatio(double backoffRatio) {
			this.backoffRatio = backoffRatio;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

}
