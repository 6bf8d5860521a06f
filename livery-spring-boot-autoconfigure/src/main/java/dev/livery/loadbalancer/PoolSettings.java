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

	private PoolSettings() {
	}

	private PoolSettings(PoolSettings from) {
		this.policy = from.policy;
		this.outlier = from.outlier;
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

	@Override
	public String toString() {
		return "PoolSettings[policy=" + this.policy.id() + ", outlier=" + this.outlier + "]";
	}

}
