package dev.livery.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Checks of load-balancer settings bound under one prefix, such as {@code livery.loadbalancer.clients.orders}: a
 * failure names the full property, as {@code InvalidConfigurationPropertyValueException} does for every invalid
 * setting, with or without a Bean Validation provider.
 */
final class SettingsCheck {

	private final String prefix;

	SettingsCheck(String prefix) {
		this.prefix = prefix;
	}

	/**
	 * Return the checks of a group under this prefix.
	 * @param name the group's property name, such as {@code outlier}
	 * @return checks naming the group's properties
	 */
	SettingsCheck group(String name) {
		return new SettingsCheck(this.prefix + "." + name);
	}

	void atLeast(String property, int value, int min) {
		if (value < min) {
			throw invalid(property, value, "must be at least " + min);
		}
	}

	void between(String property, int value, int min, int max) {
		if (value < min || value > max) {
			throw invalid(property, value, "must be between " + min + " and " + max);
		}
	}

	void between(String property, @Nullable Duration value, Duration min, Duration max) {
		if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
			throw invalid(property, (value != null) ? format(value) : null,
					"must be between " + format(min) + " and " + format(max));
		}
	}

	<T> T parses(String property, Object shown, Supplier<T> parse) {
		try {
			return parse.get();
		}
		catch (IllegalArgumentException ex) {
			throw invalid(property, shown, String.valueOf(ex.getMessage()));
		}
	}

	InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value, String reason) {
		return new InvalidConfigurationPropertyValueException(this.prefix + "." + property, value, reason);
	}

	// In the form users write in application.yml, so that a message reads '365000d', not 'PT8760000H'.
	static String format(Duration duration) {
		if (duration.getNano() != 0) {
			try {
				return (duration.getNano() % 1_000_000 == 0) ? duration.toMillis() + "ms" : duration.toNanos() + "ns";
			}
			catch (ArithmeticException ex) {
				return duration.toString();
			}
		}
		long seconds = duration.getSeconds();
		if (seconds != 0 && seconds % 86_400 == 0) {
			return seconds / 86_400 + "d";
		}
		if (seconds != 0 && seconds % 3_600 == 0) {
			return seconds / 3_600 + "h";
		}
		if (seconds != 0 && seconds % 60 == 0) {
			return seconds / 60 + "m";
		}
		return seconds + "s";
	}

}
