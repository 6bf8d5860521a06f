/**
 * A sample client service: calls the sample backend through a {@code @LoadBalanced WebClient} that livery balances.
 */
package dev.livery.samples.client;
