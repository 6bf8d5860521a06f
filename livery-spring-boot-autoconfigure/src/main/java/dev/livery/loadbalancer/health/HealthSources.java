package dev.livery.loadbalancer.health;

import org.jspecify.annotations.Nullable;

/**
 * Which health sources run for the endpoints of one service.
 *
 * @param activeChecks the active checks' settings, or {@code null} for none
 * @param servingWatch the serving watch's settings, or {@code null} for none
 * @since 0.2.0
 */
public record HealthSources(@Nullable HealthCheckSettings activeChecks, @Nullable ServingWatchSettings servingWatch) {

	/**
	 * No health source.
	 */
	public static final HealthSources NONE = new HealthSources(null, null);

	/**
	 * Return whether any source is on.
	 * @return whether active checks or the serving watch run
	 */
	public boolean any() {
		return this.activeChecks != null || this.servingWatch != null;
	}

}
