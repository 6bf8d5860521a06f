/**
 * Serving status in the gRPC health model: a framework-free {@link dev.livery.serving.ServingStatusStore} (Reactor
 * only) with live watch streams, and the thin Spring glue that exposes it as an Actuator health contributor and
 * endpoint, drives readiness and shutdown from it, serves its watch streams as Server-Sent Events and publishes it as
 * a metric.
 */
@NullMarked
package dev.livery.serving;

import org.jspecify.annotations.NullMarked;
