package dev.livery.loadbalancer;

/**
 * How an {@link EndpointPool} chooses among its eligible endpoints.
 *
 * @since 0.1.0
 */
public enum PickPolicy {

	/**
	 * Power of two choices: two distinct eligible endpoints at random, the one with fewer requests in flight wins.
	 */
	P2C,

	/**
	 * Each eligible endpoint in turn.
	 */
	ROUND_ROBIN

}
