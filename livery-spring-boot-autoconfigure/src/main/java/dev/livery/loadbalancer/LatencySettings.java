package dev.livery.loadbalancer;

import java.time.Duration;

/**
 * Settings of the latency estimates of the {@code peak-ewma} policy (see {@link PeakEwma}).
 *
 * @param decay time constant of the estimates: a sample's weight is {@code 1 - exp(-gap / decay)}, and an estimate
 * with no new sample shrinks by e every {@code decay} (between 100 ms and 1 day)
 * @param failurePenalty least sample a failure counts as, so that an endpoint that fails fast does not look fast
 * (zero or more, at most 1 day)
 * @since 0.2.0
 */
public record LatencySettings(Duration decay, Duration failurePenalty) {

	/** Shortest decay: the estimates keep time to a millisecond. */
	public static final Duration MIN_DECAY = Duration.ofMillis(100);

	/** Longest decay, and longest failure penalty. */
	public static final Duration MAX = Duration.ofDays(1);

	// After the bounds, which the constructor reads.
	/**
	 * Defaults: decay 10 s (Finagle's and Linkerd's), failure penalty 1 s.
	 */
	public static final LatencySettings DEFAULTS = new LatencySettings(Duration.ofSeconds(10), Duration.ofSeconds(1));

	/**
	 * Validate the settings.
	 * @throws IllegalArgumentException naming the first invalid setting
	 */
	public LatencySettings {
		if (decay == null || decay.compareTo(MIN_DECAY) < 0 || decay.compareTo(MAX) > 0) {
			throw new IllegalArgumentException("decay must be between 100ms and 1d but was " + decay);
		}
		if (failurePenalty == null || failurePenalty.isNegative() || failurePenalty.compareTo(MAX) > 0) {
			throw new IllegalArgumentException("failurePenalty must be between 0 and 1d but was " + failurePenalty);
		}
	}

}
