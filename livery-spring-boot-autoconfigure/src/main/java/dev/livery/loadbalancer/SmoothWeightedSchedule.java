package dev.livery.loadbalancer;

/**
 * The order in which smooth weighted round robin visits members: the sequence nginx's smooth weighted round robin
 * produces, computed once per membership so that a pick is one atomic increment and an array read.
 */
final class SmoothWeightedSchedule {

	/*
	 * Implementation note: nginx's algorithm gives every member a credit; each step adds every member's weight to
	 * its credit, picks the member with the most credit (the first on a tie) and takes the total weight off the
	 * winner. Over one cycle of W = sum of weights steps each member is picked exactly its weight times, and at
	 * every prefix of the cycle each member's count is within one of its share: weights 5, 1, 1 give a a b a c a a.
	 * Running it per pick would need a lock (every credit changes on every pick); the sequence depends only on the
	 * weights, so it is computed here, at a membership change, and callers share a cursor into it. Weights are
	 * divided by their greatest common divisor (equal weights give plain round robin, a sequence of n) and scaled
	 * down when the cycle would exceed the length budget, which bounds both the array and the O(W x n) build.
	 */

	/** Longest cycle kept; longer ones are scaled down proportionally (each weight stays at least 1). */
	static final int MAX_LENGTH = 1 << 16;

	/** Budget for the cycle length times the member count, the cost of a build. */
	private static final long MAX_WORK = 1L << 22;

	private SmoothWeightedSchedule() {
	}

	/**
	 * Return the cycle of member indices for the given weights.
	 * @param weights each member's weight, at least 1
	 * @return the member index of every step of one cycle; empty for no members
	 */
	static int[] build(int[] weights) {
		int n = weights.length;
		if (n == 0) {
			return new int[0];
		}
		int[] w = reduce(weights);
		long total = 0;
		for (int weight : w) {
			total += weight;
		}
		long budget = Math.max(n, Math.min(MAX_LENGTH, MAX_WORK / n));
		if (total > budget) {
			for (int i = 0; i < n; i++) {
				w[i] = (int) Math.max(1, w[i] * budget / total);
			}
			w = reduce(w);
			total = 0;
			for (int weight : w) {
				total += weight;
			}
		}
		int[] cycle = new int[(int) total];
		long[] credit = new long[n];
		for (int step = 0; step < cycle.length; step++) {
			int best = 0;
			for (int i = 0; i < n; i++) {
				credit[i] += w[i];
				if (credit[i] > credit[best]) {
					best = i;
				}
			}
			credit[best] -= total;
			cycle[step] = best;
		}
		return cycle;
	}

	private static int[] reduce(int[] weights) {
		int gcd = 0;
		for (int weight : weights) {
			if (weight < 1) {
				throw new IllegalArgumentException("Weights must be at least 1, was " + weight);
			}
			gcd = gcd(gcd, weight);
		}
		int[] reduced = new int[weights.length];
		for (int i = 0; i < weights.length; i++) {
			reduced[i] = weights[i] / gcd;
		}
		return reduced;
	}

	private static int gcd(int a, int b) {
		while (b != 0) {
			int t = a % b;
			a = b;
			b = t;
		}
		return a;
	}

}
