/**
 * livery on a real registry: an embedded ZooKeeper, inventory replicas that register themselves with Spring Cloud
 * Zookeeper, and a client that routes reads by key and replicates writes.
 */
@NullMarked
package dev.livery.samples.registry;

import org.jspecify.annotations.NullMarked;
