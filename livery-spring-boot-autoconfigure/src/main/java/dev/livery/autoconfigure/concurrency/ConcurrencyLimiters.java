package dev.livery.autoconfigure.concurrency;

import java.time.Duration;

import dev.livery.autoconfigure.concurrency.ConcurrencyProperties.Adaptive;
import dev.livery.autoconfigure.concurrency.ConcurrencyProperties.Aimd;
import dev.livery.autoconfigure.concurrency.ConcurrencyProperties.Algorithm;
import dev.livery.autoconfigure.concurrency.ConcurrencyProperties.Gradient2;
import dev.livery.autoconfigure.concurrency.ConcurrencyProperties.Vegas;
import dev.livery.concurrency.AdaptiveConcurrencyLimiter;
import dev.livery.concurrency.AimdAlgorithm;
import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.FixedConcurrencyLimiter;
import dev.livery.concurrency.Gradient2Algorithm;
import dev.livery.concurrency.LimitAlgorithm;
import dev.livery.concurrency.VegasAlgorithm;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Builds the {@link ConcurrencyLimiter} that {@code livery.concurrency.algorithm} asks for,
 * and checks the adaptive settings first, so that a bad value fails start-up naming the
 * property rather than surfacing as an {@link IllegalArgumentException} of the core.
 */
final class ConcurrencyLimiters {

	private static final String ADAPTIVE = "livery.concurrency.adaptive.";

	private ConcurrencyLimiters() {
	}

	/**
	 * Create the limiter of validated properties.
	 */
	static ConcurrencyLimiter create(ConcurrencyProperties properties) {
		int max = properties.getMaxConcurrentRequests();
		Adaptive adaptive = properties.getAdaptive();
		if (properties.getAlgorithm() == Algorithm.FIXED) {
			return new FixedConcurrencyLimiter(max);
		}
		LimitAlgorithm algorithm = switch (properties.getAlgorithm()) {
			case GRADIENT2 -> gradient2(adaptive, max);
			case VEGAS -> vegas(adaptive, max);
			case AIMD -> aimd(adaptive, max);
			case FIXED -> throw new IllegalStateException("handled above");
		};
		return new AdaptiveConcurrencyLimiter(algorithm, adaptive.getWindow(), adaptive.getWindowSamples(),
				System::nanoTime);
	}

	private static LimitAlgorithm gradient2(Adaptive adaptive, int max) {
		Gradient2 settings = adaptive.getGradient2();
		return Gradient2Algorithm.builder()
			.limits(adaptive.getMinLimit(), adaptive.getInitialLimit(), max)
			.smoothing(settings.getSmoothing())
			.queueSize(settings.getQueueSize())
			.longWindow(settings.getLongWindow())
			.rttTolerance(settings.getRttTolerance())
			.build();
	}

	private static LimitAlgorithm vegas(Adaptive adaptive, int max) {
		Vegas settings = adaptive.getVegas();
		return VegasAlgorithm.builder()
			.limits(adaptive.getMinLimit(), adaptive.getInitialLimit(), max)
			.alpha(settings.getAlpha())
			.beta(settings.getBeta())
			.probeMultiplier(settings.getProbeMultiplier())
			.smoothing(settings.getSmoothing())
			.build();
	}

	private static LimitAlgorithm aimd(Adaptive adaptive, int max) {
		Aimd settings = adaptive.getAimd();
		return AimdAlgorithm.builder()
			.limits(adaptive.getMinLimit(), adaptive.getInitialLimit(), max)
			.backoffRatio(settings.getBackoffRatio())
			.timeout(settings.getTimeout())
			.build();
	}

	/**
	 * Check every adaptive setting, also those of algorithms not in use (a typo there is still
	 * a typo); the bounds against {@code max-concurrent-requests} only when an adaptive
	 * algorithm is chosen, since the fixed limit ignores them.
	 */
	static void validate(ConcurrencyProperties properties) {
		if (properties.getAlgorithm() == null) {
			throw new InvalidConfigurationPropertyValueException("livery.concurrency.algorithm", null,
					"must be one of fixed, gradient2, vegas, aimd");
		}
		Adaptive adaptive = properties.getAdaptive();
		atLeast("min-limit", adaptive.getMinLimit(), 1);
		atLeast("initial-limit", adaptive.getInitialLimit(), adaptive.getMinLimit(), "adaptive.min-limit");
		positive("window", adaptive.getWindow());
		atLeast("window-samples", adaptive.getWindowSamples(), 1);
		Gradient2 gradient2 = adaptive.getGradient2();
		factor("gradient2.smoothing", gradient2.getSmoothing());
		atLeast("gradient2.queue-size", gradient2.getQueueSize(), 0);
		atLeast("gradient2.long-window", gradient2.getLongWindow(), 1);
		if (!(gradient2.getRttTolerance() >= 1.0) || Double.isInfinite(gradient2.getRttTolerance())) {
			throw invalid("gradient2.rtt-tolerance", gradient2.getRttTolerance(), "must be at least 1.0");
		}
		Vegas vegas = adaptive.getVegas();
		atLeast("vegas.alpha", vegas.getAlpha(), 1);
		if (vegas.getBeta() <= vegas.getAlpha()) {
			throw invalid("vegas.beta", vegas.getBeta(),
					"must be greater than livery.concurrency.adaptive.vegas.alpha (" + vegas.getAlpha() + ")");
		}
		atLeast("vegas.probe-multiplier", vegas.getProbeMultiplier(), 1);
		factor("vegas.smoothing", vegas.getSmoothing());
		Aimd aimd = adaptive.getAimd();
		if (!(aimd.getBackoffRatio() >= 0.5 && aimd.getBackoffRatio() < 1)) {
			throw invalid("aimd.backoff-ratio", aimd.getBackoffRatio(), "must be at least 0.5 and less than 1");
		}
		positive("aimd.timeout", aimd.getTimeout());
		if (properties.getAlgorithm() != Algorithm.FIXED) {
			int max = properties.getMaxConcurrentRequests();
			String bound = "livery.concurrency.max-concurrent-requests (" + max + "), the adaptive limit's maximum";
			if (adaptive.getMinLimit() > max) {
				throw invalid("min-limit", adaptive.getMinLimit(), "must be at most " + bound);
			}
			if (adaptive.getInitialLimit() > max) {
				throw invalid("initial-limit", adaptive.getInitialLimit(), "must be at most " + bound);
			}
		}
	}

	private static void atLeast(String name, int value, int min) {
		if (value < min) {
			throw invalid(name, value, "must be at least " + min);
		}
	}

	private static void atLeast(String name, int value, int min, String minName) {
		if (value < min) {
			throw invalid(name, value, "must be at least livery.concurrency." + minName + " (" + min + ")");
		}
	}

	private static void factor(String name, double value) {
		if (!(value > 0 && value <= 1)) {
			throw invalid(name, value, "must be greater than 0 and at most 1");
		}
	}

	private static void positive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw invalid(name, value, "must be positive");
		}
	}

	private static InvalidConfigurationPropertyValueException invalid(String name, Object value, String reason) {
		return new InvalidConfigurationPropertyValueException(ADAPTIVE + name, value, reason);
	}

}
