/**
 * The sample's inventory replica, a service that registers itself in ZooKeeper.
 */
@NullMarked
package dev.livery.samples.registry.backend;

import org.jspecify.annotations.NullMarked;
