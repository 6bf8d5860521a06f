/**
 * Server concurrency limit: a {@link dev.livery.concurrency.ConcurrencyLimiter} that admits
 * at most a bounded number of requests at once with a compare-and-set (never queueing,
 * never blocking), and the thin glue that applies it to a WebFlux server and reports it
 * to Micrometer. The limiter itself depends on nothing but the JDK, so it can guard any
 * Reactor or Netty server.
 */
@NullMarked
package dev.livery.concurrency;

import org.jspecify.annotations.NullMarked;
