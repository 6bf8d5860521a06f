package dev.livery.concurrency;

import java.util.function.IntUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * Synthetic latency series for the algorithms' tests: a server that serves {@code capacity}
 * requests at once in {@code baseNanos} each and queues the rest, so a window in which
 * {@code n} requests are in flight has an average latency of
 * {@code baseNanos × max(1, n / capacity)} (Little's law for a saturated queue).
 */
final class SimulatedServer {

	static final long BASE_NANOS = 20_000_000;

	private SimulatedServer() {
	}

	static long rtt(int inFlight, int capacity) {
		return (long) (BASE_NANOS * Math.max(1.0, (double) inFlight / capacity));
	}

	/**
	 * Run {@code windows} windows in which callers offer {@code demand} requests at once and the
	 * server admits up to the algorithm's limit.
	 * @return the limit after each window
	 */
	static int[] run(LimitAlgorithm algorithm, int windows, int demand, IntUnaryOperator capacityAtWindow) {
		return run(algorithm, windows, demand, capacityAtWindow, (w) -> BASE_NANOS);
	}

	/**
	 * Run as above with a service whose unloaded latency may change too.
	 */
	static int[] run(LimitAlgorithm algorithm, int windows, int demand, IntUnaryOperator capacityAtWindow,
			LongUnaryOperator baseNanosAtWindow) {
		int[] limits = new int[windows];
		for (int w = 0; w < windows; w++) {
			int inFlight = Math.min(algorithm.limit(), demand);
			long rtt = rtt(inFlight, capacityAtWindow.applyAsInt(w)) * baseNanosAtWindow.applyAsLong(w) / BASE_NANOS;
			limits[w] = algorithm.update(rtt, inFlight, false);
		}
		return limits;
	}

	static int[] run(LimitAlgorithm algorithm, int windows, int demand, int capacity) {
		return run(algorithm, windows, demand, (w) -> capacity);
	}

	static int min(int[] limits, int from, int to) {
		int min = Integer.MAX_VALUE;
		for (int i = from; i < to; i++) {
			min = Math.min(min, limits[i]);
		}
		return min;
	}

	static int max(int[] limits, int from, int to) {
		int max = Integer.MIN_VALUE;
		for (int i = from; i < to; i++) {
			max = Math.max(max, limits[i]);
		}
		return max;
	}

	/**
	 * Return the first window from which the limit stays within {@code [low, high]} to the end, or
	 * -1 if it never does.
	 */
	static int settledFrom(int[] limits, int from, int low, int high) {
		int settled = -1;
		for (int i = from; i < limits.length; i++) {
			boolean inside = limits[i] >= low && limits[i] <= high;
			if (inside && settled < 0) {
				settled = i;
			}
			else if (!inside) {
				settled = -1;
			}
		}
		return settled;
	}

}
