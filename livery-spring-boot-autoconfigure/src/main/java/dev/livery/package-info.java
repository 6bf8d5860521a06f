/**
 * livery: client load balancing with outlier ejection, a server concurrency limit and
 * gRPC-style serving status for Spring Boot applications. Each feature lives in its own
 * sub-package, mirrored by its auto-configuration under {@code dev.livery.autoconfigure}.
 */
@NullMarked
package dev.livery;

import org.jspecify.annotations.NullMarked;
