package dev.livery.loadbalancer;

import java.util.Locale;

/**
 * The built-in {@link PickPolicy picking policies}, by the name they are configured with.
 *
 * @since 0.2.0
 */
public enum PickPolicyType {

	/**
	 * Power of two choices on requests in flight ({@code p2c}).
	 */
	P2C,

	/**
	 * Each eligible endpoint in turn ({@code round-robin}).
	 */
	ROUND_ROBIN;

	/**
	 * Return the name the policy is configured with, such as {@code round-robin}.
	 * @return the policy's id
	 */
	public String id() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Create the policy for one pool.
	 * @param settings the pool's settings
	 * @return a new policy
	 */
	public PickPolicy newPolicy(PoolSettings settings) {
		return switch (this) {
			case P2C -> new P2cPolicy();
			case ROUND_ROBIN -> new RoundRobinPolicy();
		};
	}

}
