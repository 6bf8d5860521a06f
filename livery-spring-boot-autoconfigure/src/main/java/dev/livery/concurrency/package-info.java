/**
 * Server concurrency limit: a {@link dev.livery.concurrency.ConcurrencyLimiter} that admits
 * at most a bounded number of requests at once with a compare-and-set (never queueing,
 * never blocking), either a fixed number or one that a
 * {@link dev.livery.concurrency.LimitAlgorithm} (Gradient2, Vegas, AIMD) moves with the
 * measured latency, and the thin glue that applies it to a WebFlux server and reports it
 * to Micrometer. The limiters and algorithms depend on nothing but the JDK, so they can
 * guard any Reactor or Netty server.
 */
@NullMarked
package dev.livery.concurrency;

import org.jspecify.annotations.NullMarked;
