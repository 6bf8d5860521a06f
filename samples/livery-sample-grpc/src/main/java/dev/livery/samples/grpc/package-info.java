/**
 * A Spring gRPC server whose standard {@code grpc.health.v1.Health} service is livery's serving-status store.
 */
@NullMarked
package dev.livery.samples.grpc;

import org.jspecify.annotations.NullMarked;
