/**
 * Framework-free client load balancing: per-service pools of weighted endpoints ({@code host:port}), picking
 * policies (power of two choices on requests in flight, least-request, smooth weighted round robin, weighted random,
 * consistent hashing on a ring of virtual nodes), node match, outlier ejection after consecutive failures, and a
 * single leased probe that decides when an ejected endpoint comes back. Nothing here depends on Spring; the Spring
 * Cloud LoadBalancer glue lives in {@code dev.livery.loadbalancer.cloud}.
 */
@NullMarked
package dev.livery.loadbalancer;

import org.jspecify.annotations.NullMarked;
