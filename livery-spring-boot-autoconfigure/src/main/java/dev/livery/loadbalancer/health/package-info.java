/**
 * Health sources of livery's client load balancer, usable without Spring: scored active health checks
 * ({@code GET /actuator/health} every few seconds, with hysteresis) and the client of the serving-status watch stream
 * (one Server-Sent Events stream per endpoint that says {@code NOT_SERVING} the moment a backend stops serving). They
 * speak HTTP with the JDK's own client and keep time with a Reactor {@code Scheduler}; they tell an endpoint's pool
 * what they learn through the narrow {@link dev.livery.loadbalancer.health.EndpointHealthSink}, so the pool never
 * knows HTTP.
 */
@NullMarked
package dev.livery.loadbalancer.health;

import org.jspecify.annotations.NullMarked;
