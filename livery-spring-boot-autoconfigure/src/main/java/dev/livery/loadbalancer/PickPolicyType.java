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
	 * The eligible endpoint with the fewest requests in flight for its weight, over a full scan
	 * ({@code least-request}).
	 * @since 0.2.0
	 */
	LEAST_REQUEST,

	/**
	 * Each eligible endpoint in turn, smoothly weighted ({@code round-robin}).
	 */
	ROUND_ROBIN,

	/**
	 * An eligible endpoint at random, in proportion to its weight ({@code random}).
	 * @since 0.2.0
	 */
	RANDOM,

	/**
	 * Consistent hashing of the request's key onto a ring of virtual nodes; without a key, p2c
	 * ({@code ring-hash}).
	 * @since 0.2.0
	 */
	RING_HASH;

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
			case LEAST_REQUEST -> new LeastRequestPolicy();
			case ROUND_ROBIN -> new RoundRobinPolicy();
			case RANDOM -> new RandomPolicy();
			case RING_HASH -> new RingHashPolicy(settings.ringSize());
		};
	}

}
