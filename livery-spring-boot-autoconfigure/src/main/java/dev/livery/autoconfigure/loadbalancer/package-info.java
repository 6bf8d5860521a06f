/**
 * Auto-configuration of livery's client load balancer: the balancer as Spring Cloud LoadBalancer's default for
 * every client, its {@code livery.loadbalancer.*} properties, the {@code balancer} actuator endpoint and its
 * metrics.
 */
@NullMarked
package dev.livery.autoconfigure.loadbalancer;

import org.jspecify.annotations.NullMarked;
