/**
 * Auto-configuration of the server concurrency limit: installs
 * {@link dev.livery.concurrency.ConcurrencyLimitingWebFilter} in reactive web applications,
 * bound to {@code livery.concurrency.*} properties, and reports the limiter to Micrometer
 * when a meter registry is present.
 */
@NullMarked
package dev.livery.autoconfigure.concurrency;

import org.jspecify.annotations.NullMarked;
