/**
 * The live dashboard: a snapshot of every load-balanced service's endpoints, the server concurrency limit and the
 * serving statuses, taken once a second by one shared ticker that runs only while someone watches, streamed as
 * Server-Sent Events and shown by one self-contained HTML page that the application serves itself. It only reads
 * the other features, and works with any of them absent.
 */
@NullMarked
package dev.livery.dashboard;

import org.jspecify.annotations.NullMarked;
