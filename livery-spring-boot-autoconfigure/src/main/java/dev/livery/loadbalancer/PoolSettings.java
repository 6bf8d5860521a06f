package dev.livery.loadbalancer;

import java.util.Objects;

/**
 * The settings of one {@link EndpointPool}: how it picks and when it ejects. Immutable; each {@code with...} method
 * returns a copy with one setting changed, so settings can be added without breaking callers.
 *
 * @since 0.2.0
 */
public final class PoolSettings {

	/**
	 * P2C with the default outlier ejection.
	 */
	public static final PoolSettings DEFAULTS = new PoolSettings();

	// Written only by the constructors and the with... methods on a fresh copy, before the copy is published.

	private PickPolicyType policy = PickPolicyType.P2C;

	private OutlierDetection outlier = OutlierDetection.DEFAULTS;

	private int panicThreshold = 50;

	private SlowStart slowStart = SlowStart.OFF;

	private int ringSize = RingHashPolicy.DEFAULT_RING_SIZE;

	private LatencySettings latency = LatencySettings.DEFAULTS;

	private PoolSettings() {
	}

	private PoolSettings(PoolSettings from) {
		this.policy = from.policy;
		this.outlier = from.outlier;
		this.panicThreshold = from.panicThreshold;
		this.slowStart = from.slowStart;
		this.ringSize = from.ringSize;
		this.latency = from.latency;
	}

	/**
	 * Return how the pool chooses among eligible endpoints.
	 * @return the policy
	 */
	public PickPolicyType policy() {
		return this.policy;
	}

	/**
	 * Return when the pool ejects endpoints.
	 * @return the outlier ejection settings
	 */
	public OutlierDetection outlier() {
		return this.outlier;
	}

	/**
	 * Return the settings of the latency estimates ({@code peak-ewma} only).
	 * @return the latency settings
	 */
	public LatencySettings latency() {
		return this.latency;
	}

	/**
	 * Return the panic threshold: while fewer than this percentage of the endpoints that are not drained are
	 * eligible, the pool ignores what active health checks say; {@code 0} never panics.
	 * @return the threshold in percent (0-100)
	 */
	public int panicThreshold() {
		return this.panicThreshold;
	}

	/**
	 * Return the slow-start settings.
	 * @return the settings; {@link SlowStart#OFF} by default
	 */
	public SlowStart slowStart() {
		return this.slowStart;
	}

	/**
	 * Return a copy with another policy.
	 * @param policy the policy
	 * @return the new settings
	 */
	public PoolSettings withPolicy(PickPolicyType policy) {
		PoolSettings copy = new PoolSettings(this);
		copy.policy = Objects.requireNonNull(policy, "policy");
		return copy;
	}

	/**
	 * Return a copy with other outlier ejection settings.
	 * @param outlier the outlier ejection settings
	 * @return the new settings
	 */
	public PoolSettings withOutlier(OutlierDetection outlier) {
		PoolSettings copy = new PoolSettings(this);
		copy.outlier = Objects.requireNonNull(outlier, "outlier");
		return copy;
	}

	/**
	 * Return the virtual nodes per unit of weight of the {@code ring-hash} policy's ring.
	 * @return the ring size
	 * @since 0.2.0
	 */
	public int ringSize() {
		return this.ringSize;
	}

	/**
	 * Return a copy with another ring size.
	 * @param ringSize virtual nodes per unit of weight on the {@code ring-hash} policy's ring, at least 1
	 * @return the new settings
	 * @since 0.2.0
	 */
	public PoolSettings withRingSize(int ringSize) {
		if (ringSize < 1) {
			throw new IllegalArgumentException("ringSize must be at least 1, was " + ringSize);
		}
		PoolSettings copy = new PoolSettings(this);
		copy.ringSize = ringSize;
		return copy;
	}

	/**
	 * Return a copy with other latency settings.
	 * @param latency the latency settings
	 * @return the new settings
	 */
	public PoolSettings withLatency(LatencySettings latency) {
		PoolSettings copy = new PoolSettings(this);
		copy.latency = Objects.requireNonNull(latency, "latency");
		return copy;
	}

	/**
	 * Return a copy with another panic threshold.
	 * @param panicThreshold the threshold in percent (0-100); {@code 0} never panics
	 * @return the new settings
	 */
	public PoolSettings withPanicThreshold(int panicThreshold) {
		if (panicThreshold < 0 || panicThreshold > 100) {
			throw new IllegalArgumentException("panicThreshold must be between 0 and 100 but was " + panicThreshold);
		}
		PoolSettings copy = new PoolSettings(this);
		copy.panicThreshold = panicThreshold;
		return copy;
	}

	/**
	 * Return a copy with other slow-start settings.
	 * @param slowStart the slow-start settings
	 * @return the new settings
	 */
	public PoolSettings withSlowStart(SlowStart slowStart) {
		PoolSettings copy = new PoolSettings(this);
		copy.slowStart = Objects.requireNonNull(slowStart, "slowStart");
		return copy;
	}

	@Override
	public String toString() {
		return "PoolSettings[policy=" + this.policy.id() + ", outlier=" + this.outlier + ", ringSize="
				+ this.ringSize + ", latency=" + this.latency + ", panicThreshold=" + this.panicThreshold + ", slowStart="
				+ this.slowStart + "]";
	}

}
