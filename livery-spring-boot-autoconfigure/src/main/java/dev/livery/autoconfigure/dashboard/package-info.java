/**
 * Auto-configuration of the live dashboard of {@code dev.livery.dashboard}: off unless
 * {@code livery.dashboard.enabled} is set, served by a WebFlux application at {@code livery.dashboard.path}, and fed
 * by whichever of the load balancer, the concurrency limit and the serving-status store the application has.
 */
@NullMarked
package dev.livery.autoconfigure.dashboard;

import org.jspecify.annotations.NullMarked;
