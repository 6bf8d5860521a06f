/**
 * Spring Cloud LoadBalancer integration of livery's endpoint pools: a {@code ReactorServiceInstanceLoadBalancer}
 * whose pick is the pool's, a {@code LoadBalancerLifecycle} that reads real outcomes (HTTP status included), and an
 * exchange filter that releases a request's slot when its caller cancels, which Spring Cloud never reports.
 */
@NullMarked
package dev.livery.loadbalancer.cloud;

import org.jspecify.annotations.NullMarked;
