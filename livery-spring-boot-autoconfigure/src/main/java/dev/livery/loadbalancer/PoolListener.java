package dev.livery.loadbalancer;

/**
 * Told of the rare events of an {@link EndpointPool}, for metrics and logs. Called on the thread that reported the
 * outcome, so implementations must be quick and must not throw.
 *
 * @since 0.1.0
 */
public interface PoolListener {

	/**
	 * A listener that does nothing.
	 */
	PoolListener NONE = new PoolListener() {
	};

	/**
	 * A registry created a pool.
	 * @param pool the new pool
	 */
	default void onPoolCreated(EndpointPool<?> pool) {
	}

	/**
	 * An endpoint was ejected, after consecutive failures or a failed probe.
	 * @param pool the pool
	 * @param endpoint the ejected endpoint
	 */
	default void onEjection(EndpointPool<?> pool, Endpoint<?> endpoint) {
	}

	/**
	 * A probe answered.
	 * @param pool the pool
	 * @param endpoint the probed endpoint
	 * @param success whether the endpoint was reinstated
	 */
	default void onProbe(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
	}

}
