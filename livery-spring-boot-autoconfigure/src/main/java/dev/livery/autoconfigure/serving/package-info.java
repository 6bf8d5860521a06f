/**
 * Auto-configuration for the serving-status store of {@code dev.livery.serving}: the store itself, readiness and
 * shutdown wiring, and, when their modules are on the class path, the Actuator health contributor, the
 * {@code servingstatus} endpoint, the WebFlux Server-Sent Events watch route and the {@code livery.serving.status}
 * gauge.
 */
@NullMarked
package dev.livery.autoconfigure.serving;

import org.jspecify.annotations.NullMarked;
