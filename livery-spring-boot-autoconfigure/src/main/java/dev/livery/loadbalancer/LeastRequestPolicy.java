package dev.livery.loadbalancer;

import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

/**
 * The eligible endpoint with the fewest requests in flight for its weight, over a scan of every member; ties are
 * broken at random.
 *
 * @since 0.2.0
 * @see PickPolicyType#LEAST_REQUEST
 */
public final class LeastRequestPolicy implements PickPolicy {

	/*
	 * Implementation note: one pass, O(n) per pick, keeping the least loaded endpoint seen (load = (in flight + 1) /
	 * effective weight, see Load) and, among equally loaded ones, each with equal probability (reservoir sampling of
	 * the ties: the k-th tie replaces the choice with probability 1/k). In-flight counts are read without a lock, so
	 * concurrent picks may both see the same minimum and land on it: the full scan is exact for one caller at a time,
	 * which is what distinguishes it from p2c's sampled comparison (Envoy's least_request with FULL_SCAN). Ties are
	 * the common case (idle endpoints all tie), so each tie draws from a xorshift generator seeded once per pick from
	 * ThreadLocalRandom, rather than calling ThreadLocalRandom for every endpoint.
	 */

	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		Endpoint<T> best = null;
		int ties = 0;
		long bits = 0;
		for (Endpoint<T> endpoint : members) {
			if (endpoint == avoid || !endpoint.isEligible()) {
				continue;
			}
			if (best == null) {
				best = endpoint;
				ties = 1;
				continue;
			}
			int order = Load.compare(endpoint, best);
			if (order < 0) {
				best = endpoint;
				ties = 1;
			}
			else if (order == 0) {
				ties++;
				if (bits == 0) {
					bits = ThreadLocalRandom.current().nextLong() | 1;
				}
				// xorshift64 (Marsaglia); the top 32 bits scaled to [0, ties) by multiplication (Lemire).
				bits ^= bits << 13;
				bits ^= bits >>> 7;
				bits ^= bits << 17;
				if ((((bits >>> 32) * ties) >>> 32) == 0) {
					best = endpoint;
				}
			}
		}
		return best;
	}

	@Override
	public String toString() {
		return PickPolicyType.LEAST_REQUEST.id();
	}

}
