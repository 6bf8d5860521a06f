/**
 * A sample backend service: some "work" whose latency and failure rate change at run time, served behind livery's
 * concurrency limit and serving status.
 */
package dev.livery.samples.backend;
