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

	/**
	 * A pool was retired: its registry forgot it (a reset), so whatever runs for it should stop.
	 * @param pool the retired pool
	 * @since 0.2.0
	 */
	default void onPoolRetired(EndpointPool<?> pool) {
	}

	/**
	 * A pool's members changed: endpoints joined or left. Called after the change, possibly under the pool's
	 * membership lock: hand any real work to another thread.
	 * @param pool the pool
	 * @since 0.2.0
	 */
	default void onMembershipChanged(EndpointPool<?> pool) {
	}

	/**
	 * A request to an endpoint failed to connect (reported with {@link Lease#recordConnectFailure()}).
	 * @param pool the pool
	 * @param endpoint the endpoint
	 * @since 0.2.0
	 */
	default void onConnectFailure(EndpointPool<?> pool, Endpoint<?> endpoint) {
	}

	/**
	 * An active health check of an endpoint finished.
	 * @param pool the pool
	 * @param endpoint the endpoint
	 * @param success whether it was answered with a 2xx
	 * @since 0.2.0
	 */
	default void onHealthCheck(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
	}

	/**
	 * An endpoint's health sources turned it unhealthy, or healthy again ({@link Endpoint#health()}).
	 * @param pool the pool
	 * @param endpoint the endpoint
	 * @since 0.2.0
	 */
	default void onHealthChanged(EndpointPool<?> pool, Endpoint<?> endpoint) {
	}

	/**
	 * A pool entered or left panic.
	 * @param pool the pool
	 * @param panic whether it is now in panic
	 * @since 0.2.0
	 */
	default void onPanic(EndpointPool<?> pool, boolean panic) {
	}

}
