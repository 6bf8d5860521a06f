/**
 * Benchmarks of livery against Spring Cloud LoadBalancer: JMH micro-benchmarks of the cost of a pick, and a harness
 * that routes real HTTP traffic over loopback backends while one of them misbehaves. Never deployed.
 */
package dev.livery.benchmarks;
