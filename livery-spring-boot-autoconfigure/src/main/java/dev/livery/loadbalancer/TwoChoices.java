package dev.livery.loadbalancer;

import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

/**
 * The draw that {@link P2cPolicy} and {@link PeakEwmaPolicy} share: two distinct eligible endpoints at random, and a
 * {@link Judge} that says which of the two wins. Package-private and stateless; allocates nothing.
 */
final class TwoChoices {

	/*
	 * Implementation note. The two choices are *distinct*: sampling with replacement, as Envoy does, picks the busier
	 * of two endpoints a quarter of the time. The fast path draws two indices from one random long, each scaled by
	 * multiplication rather than division (Lemire), and takes them if both are eligible, which they almost always
	 * are; a tie reuses bit 0 of the same long, which neither index depends on in practice (each index is taken from
	 * the high bits of its half). Otherwise (an endpoint to avoid, or one of the two not eligible) one pass over the
	 * members reservoir-samples two eligible ones; the reservoir keeps array order, so a tie is broken by a fresh coin
	 * and the earlier endpoint is not favoured.
	 */

	private TwoChoices() {
	}

	/**
	 * Which of two eligible endpoints a policy prefers. Implementations are constants (no allocation per pick).
	 */
	interface Judge {

		/**
		 * Return the preferred of two distinct eligible endpoints.
		 * @param <T> the type of what endpoints stand for
		 * @param a one endpoint
		 * @param b the other
		 * @param tieToA whether a tie goes to {@code a} (a fair coin)
		 * @param timed whether {@code now} is the pool's clock for this pick
		 * @param now the pool's clock, if {@code timed}
		 * @return {@code a} or {@code b}
		 */
		<T> Endpoint<T> better(Endpoint<T> a, Endpoint<T> b, boolean tieToA, boolean timed, long now);

	}

	/**
	 * Draw two distinct eligible endpoints other than {@code avoid} and return the one the judge prefers; the only
	 * eligible one if there is one; {@code null} if there is none.
	 */
	static <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid, Judge judge,
			boolean timed, long now) {
		int n = members.length;
		if (avoid == null) {
			if (n == 1) {
				Endpoint<T> only = members[0];
				return only.isEligible() ? only : null;
			}
			if (n > 1) {
				long bits = ThreadLocalRandom.current().nextLong();
				int i = (int) (((bits >>> 32) * n) >>> 32);
				int j = (int) (((bits & 0xFFFFFFFFL) * (n - 1)) >>> 32);
				if (j >= i) {
					j++;
				}
				Endpoint<T> a = members[i];
				Endpoint<T> b = members[j];
				if (a.isEligible() && b.isEligible()) {
					return judge.better(a, b, (bits & 1) == 0, timed, now);
				}
			}
		}
		return sampleTwo(members, avoid, judge, timed, now);
	}

	private static <T> @Nullable Endpoint<T> sampleTwo(Endpoint<T>[] members, @Nullable Endpoint<T> avoid, Judge judge,
			boolean timed, long now) {
		Endpoint<T> first = null;
		Endpoint<T> second = null;
		int seen = 0;
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (Endpoint<T> endpoint : members) {
			if (endpoint == avoid || !endpoint.isEligible()) {
				continue;
			}
			seen++;
			if (seen == 1) {
				first = endpoint;
			}
			else if (seen == 2) {
				second = endpoint;
			}
			else {
				int slot = random.nextInt(seen);
				if (slot == 0) {
					first = endpoint;
				}
				else if (slot == 1) {
					second = endpoint;
				}
			}
		}
		if (second == null) {
			return first;
		}
		return judge.better(first, second, random.nextBoolean(), timed, now);
	}

}
