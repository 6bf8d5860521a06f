/**
 * The {@link dev.livery.serving.ServingStatusStore serving-status store} served as the standard gRPC health service
 * {@code grpc.health.v1.Health} on a grpc-java server, with the store's semantics for {@code Check} and
 * {@code Watch}; it needs {@code io.grpc:grpc-services} and nothing of Spring.
 */
@NullMarked
package dev.livery.serving.grpc;

import org.jspecify.annotations.NullMarked;
