package dev.livery.concurrency;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@link MeterBinder} that reports a {@link ConcurrencyLimiter}'s requests in flight, its
 * limit and its rejections.
 *
 * <p>Meters: gauge {@code livery.concurrency.in.flight}, gauge
 * {@code livery.concurrency.limit} and function counter {@code livery.concurrency.rejected};
 * for an {@link AdaptiveConcurrencyLimiter} also time gauges
 * {@code livery.concurrency.rtt.no.load} and {@code livery.concurrency.rtt.recent} and
 * function counter {@code livery.concurrency.dropped}, which show why the limit moves.
 * They read the limiter when scraped, so the request path pays nothing for them.
 *
 * @since 0.1.0
 */
public class ConcurrencyLimiterMetrics implements MeterBinder {

	private static final String PREFIX = "livery.concurrency.";

	private final ConcurrencyLimiter limiter;

	/**
	 * Create a binder for the given limiter.
	 * @param limiter the limiter to report
	 */
	public ConcurrencyLimiterMetrics(ConcurrencyLimiter limiter) {
		this.limiter = limiter;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder(PREFIX + "in.flight", this.limiter, ConcurrencyLimiter::inFlight)
			.description("Requests being handled now under the server concurrency limit")
			.baseUnit("requests")
			.strongReference(true)
			.register(registry);
		Gauge.builder(PREFIX + "limit", this.limiter, ConcurrencyLimiter::limit)
			.description("Requests the server concurrency limit admits at once")
			.baseUnit("requests")
			.strongReference(true)
			.register(registry);
		FunctionCounter.builder(PREFIX + "rejected", this.limiter, ConcurrencyLimiter::rejected)
			.description("Requests rejected with 503 because the server concurrency limit was reached")
			.baseUnit("requests")
			.register(registry);
		if (this.limiter instanceof AdaptiveConcurrencyLimiter adaptive) {
			bindAdaptive(registry, adaptive);
		}
	}

	private static void bindAdaptive(MeterRegistry registry, AdaptiveConcurrencyLimiter adaptive) {
		TimeGauge.builder(PREFIX + "rtt.no.load", adaptive, TimeUnit.NANOSECONDS, AdaptiveConcurrencyLimiter::rttNoLoadNanos)
			.description("Latency the adaptive concurrency limit takes for the server's unloaded latency")
			.strongReference(true)
			.register(registry);
		TimeGauge.builder(PREFIX + "rtt.recent", adaptive, TimeUnit.NANOSECONDS, AdaptiveConcurrencyLimiter::recentRttNanos)
			.description("Average latency, admission to completion, of the last window the adaptive limit learnt from")
			.strongReference(true)
			.register(registry);
		FunctionCounter.builder(PREFIX + "dropped", adaptive, AdaptiveConcurrencyLimiter::dropped)
			.description("Admitted requests that ended in a 5xx, an error or a cancellation, which shrink an adaptive limit")
			.baseUnit("requests")
			.register(registry);
	}

}
