/**
 * Framework-free client load balancing: per-service pools of endpoints ({@code host:port}), power of two choices
 * on requests in flight, outlier ejection after consecutive failures, and a single leased probe that decides when an
 * ejected endpoint comes back. Nothing here depends on Spring; the Spring Cloud LoadBalancer glue lives in
 * {@code dev.livery.loadbalancer.cloud}.
 */
@NullMarked
package dev.livery.loadbalancer;

import org.jspecify.annotations.NullMarked;
