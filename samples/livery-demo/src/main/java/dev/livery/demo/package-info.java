/**
 * The one-command demo: sample backends and a client in one JVM, a scripted story of slow, failing, drained and
 * stopped instances, and a table, once a second, of what livery does about it.
 */
package dev.livery.demo;
