/**
 * The sample's client: reads routed by key through a {@code @LoadBalanced WebClient} under livery's
 * {@code ring-hash} policy, writes replicated to the key's replicas with livery's {@code InstanceSelector}.
 */
@NullMarked
package dev.livery.samples.registry.client;

import org.jspecify.annotations.NullMarked;
