/**
 * Spring Cloud LoadBalancer integration of livery's endpoint pools: a {@code ReactorServiceInstanceLoadBalancer}
 * whose pick is the pool's, a {@code LoadBalancerLifecycle} that reads real outcomes (HTTP status included), and a
 * post-processor that decorates Spring Cloud's load-balancer entry points (WebClient filter functions, the Gateway's
 * filter) so that a request's slot is released however it ends, a caller's cancel included, which Spring Cloud never
 * reports.
 */
@NullMarked
package dev.livery.loadbalancer.cloud;

import org.jspecify.annotations.NullMarked;
