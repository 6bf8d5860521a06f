/**
 * Observability of livery's client load balancer: the {@code balancer} actuator endpoint, which shows every pool and
 * lets an operator drain, restore or forget endpoints, and the {@code livery.loadbalancer.*} Micrometer metrics.
 */
@NullMarked
package dev.livery.loadbalancer.actuate;

import org.jspecify.annotations.NullMarked;
