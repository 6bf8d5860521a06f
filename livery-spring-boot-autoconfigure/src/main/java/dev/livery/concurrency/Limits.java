package dev.livery.concurrency;

/**
 * Argument checks shared by the algorithms' builders.
 */
final class Limits {

	private Limits() {
	}

	static void check(int minLimit, int initialLimit, int maxLimit) {
		checkAtLeast("minLimit", minLimit, 1);
		if (maxLimit < minLimit) {
			throw new IllegalArgumentException(
					"maxLimit must be at least minLimit (" + minLimit + ") but was " + maxLimit);
		}
		if (initialLimit < minLimit || initialLimit > maxLimit) {
			throw new IllegalArgumentException("initialLimit must be between minLimit (" + minLimit
					+ ") and maxLimit (" + maxLimit + ") but was " + initialLimit);
		}
	}

	static void checkAtLeast(String name, long value, long min) {
		if (value < min) {
			throw new IllegalArgumentException(name + " must be at least " + min + " but was " + value);
		}
	}

	/**
	 * Check a factor in {@code (0, 1]}.
	 */
	static void checkFactor(String name, double value) {
		if (!(value > 0 && value <= 1)) {
			throw new IllegalArgumentException(name + " must be greater than 0 and at most 1 but was " + value);
		}
	}

}
