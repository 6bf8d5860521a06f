package dev.livery.loadbalancer.health;

import org.jspecify.annotations.Nullable;

/**
 * Where a health source reports what it learns of one endpoint: the only way health reaches a pool, so that the pool
 * never knows HTTP. Called from the sources' own threads, never from a request's; implementations must be quick and
 * must not throw.
 *
 * @since 0.2.0
 */
public interface EndpointHealthSink {

	/**
	 * An active health check finished.
	 * @param success whether it was answered with a 2xx
	 */
	void healthCheck(boolean success);

	/**
	 * The endpoint's health score changed, or may have: the latest report always carries the current score.
	 * @param score the score
	 * @param healthy whether the score counts as healthy (0 or more)
	 */
	void healthScore(int score, boolean healthy);

	/**
	 * The endpoint's serving watch stream said something, or turned out not to exist.
	 * @param status the status name received ({@code SERVING}, {@code NOT_SERVING}, ...), or {@code null} when the
	 * endpoint does not speak the protocol (before ever answering, its watch path answered 4xx or 501 or it refused
	 * the connection; at any time, the path answered 404, 405 or 501), which counts as healthy
	 * @param healthy whether the endpoint may be sent traffic: only {@code SERVING} and {@code null} are healthy
	 */
	void servingStatus(@Nullable String status, boolean healthy);

}
