package dev.livery.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import dev.livery.loadbalancer.HashRing;
import dev.livery.loadbalancer.RingHashPolicy;

/**
 * The figures of livery's hash ring that do not need JMH: balance (each endpoint's share of the hash space, max ÷
 * mean) over many sets of 10 equal endpoints, keys moved when one of N endpoints leaves, and build time. Prints a
 * Markdown table. Options: {@code --ring-size=512} (virtual nodes per unit of weight), {@code --sets=2000}.
 */
public final class RingFigures {

	private RingFigures() {
	}

	public static void main(String[] args) {
		int ringSize = RingHashPolicy.DEFAULT_RING_SIZE;
		int sets = 2000;
		for (String arg : args) {
			if (arg.startsWith("--ring-size=")) {
				ringSize = Integer.parseInt(arg.substring("--ring-size=".length()));
			}
			else if (arg.startsWith("--sets=")) {
				sets = Integer.parseInt(arg.substring("--sets=".length()));
			}
			else {
				throw new IllegalArgumentException("Unknown option " + arg + "; options: --ring-size=N --sets=N");
			}
		}
		System.out.println("| ring size (virtual nodes per unit of weight) | " + ringSize + " |");
		System.out.println("|---|---|");
		balance(ringSize, sets);
		for (int n : new int[] { 10, 100 }) {
			movement(ringSize, n);
		}
		for (int n : new int[] { 10, 100, 1000 }) {
			build(ringSize, n);
		}
	}

	private static List<String> endpoints(int set, int n) {
		List<String> endpoints = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			endpoints.add("10." + (set % 250) + "." + (i / 250) + "." + (i % 250 + 1) + ":" + (8080 + set / 250));
		}
		return endpoints;
	}

	private static void balance(int ringSize, int sets) {
		double[] ratios = new double[sets];
		for (int s = 0; s < sets; s++) {
			HashRing<String> ring = HashRing.build(endpoints(s, 10), Function.identity(), (e) -> 1, ringSize);
			double max = Arrays.stream(ring.shares()).max().orElse(0);
			ratios[s] = max / 0.1;
		}
		Arrays.sort(ratios);
		System.out.printf("| max ÷ mean share, 10 equal endpoints, %d sets: median / p99 / worst | %.3f / %.3f / %.3f |%n",
				sets, ratios[sets / 2], ratios[(int) (sets * 0.99)], ratios[sets - 1]);
	}

	private static void movement(int ringSize, int n) {
		int keys = 100_000;
		List<String> all = endpoints(7, n);
		HashRing<String> before = HashRing.build(all, Function.identity(), (e) -> 1, ringSize);
		List<String> without = new ArrayList<>(all);
		String leaving = without.remove(n / 2);
		HashRing<String> after = HashRing.build(without, Function.identity(), (e) -> 1, ringSize);
		int moved = 0;
		int movedOthers = 0;
		for (int k = 0; k < keys; k++) {
			long hash = HashRing.hash("key-" + k);
			String was = before.primary(hash);
			String is = after.primary(hash);
			if (!was.equals(is)) {
				moved++;
				if (!was.equals(leaving)) {
					movedOthers++;
				}
			}
		}
		System.out.printf("| keys moved when 1 of %d leaves (ideal %.2f %%) | %.2f %% (of them from endpoints that stayed: %d) |%n",
				n, 100.0 / n, 100.0 * moved / keys, movedOthers);
	}

	private static void build(int ringSize, int n) {
		List<String> all = endpoints(3, n);
		// Warm up, then the median of 21 builds.
		for (int i = 0; i < 30; i++) {
			HashRing.build(all, Function.identity(), (e) -> 1, ringSize);
		}
		long[] times = new long[21];
		for (int i = 0; i < times.length; i++) {
			long start = System.nanoTime();
			HashRing.build(all, Function.identity(), (e) -> 1, ringSize);
			times[i] = System.nanoTime() - start;
		}
		Arrays.sort(times);
		HashRing<String> ring = HashRing.build(all, Function.identity(), (e) -> 1, ringSize);
		System.out.printf("| build, %d endpoints (%d virtual nodes, %.1f MiB): median of 21 | %.2f ms |%n", n,
				ring.size(), ring.size() * 12.0 / (1 << 20), times[10] / 1e6);
	}

}
