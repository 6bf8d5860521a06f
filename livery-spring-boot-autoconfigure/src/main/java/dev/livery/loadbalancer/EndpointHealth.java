package dev.livery.loadbalancer;

/**
 * What an endpoint's health sources (active checks, the serving watch) say of it, next to its
 * {@link EndpointState state}. An endpoint is eligible only while its state is {@code UP} and its health is not
 * {@link #UNHEALTHY} (except that a pool in panic ignores what active checks say).
 *
 * @since 0.2.0
 */
public enum EndpointHealth {

	/**
	 * Some health source is on and none says otherwise.
	 */
	HEALTHY,

	/**
	 * Its active-check score is below 0, or its serving watch said anything but {@code SERVING}.
	 */
	UNHEALTHY,

	/**
	 * No health source is on for it.
	 */
	UNCHECKED

}
