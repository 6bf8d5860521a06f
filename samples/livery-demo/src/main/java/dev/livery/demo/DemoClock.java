package dev.livery.demo;

/**
 * Seconds since the demo's story began.
 */
final class DemoClock {

	private volatile long start = System.nanoTime();

	void restart() {
		this.start = System.nanoTime();
	}

	double seconds() {
		return (System.nanoTime() - this.start) / 1e9;
	}

	static String format(double seconds) {
		return String.format("%5.1f s", seconds);
	}

}
