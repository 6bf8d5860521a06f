package dev.livery.loadbalancer;

import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

/**
 * Power of two choices on requests in flight: two distinct eligible endpoints drawn at random, the one with fewer
 * requests in flight wins, a tie goes to either.
 *
 * @since 0.2.0
 * @see PickPolicyType#P2C
 */
public final class P2cPolicy implements PickPolicy {

	/*
	 * Implementation note. Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing". The two choices
	 * are *distinct*: sampling with replacement, as Envoy does, picks the busier of two endpoints a quarter of the
	 * time. The fast path draws two indices from one random long, each scaled by multiplication rather than division
	 * (Lemire), and takes them if both are eligible, which they almost always are; otherwise one pass over the
	 * members reservoir-samples two eligible ones.
	 */

	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
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
					return (b.inFlight() < a.inFlight()) ? b : a;
				}
			}
		}
		return sampleTwo(members, avoid);
	}

	private static <T> @Nullable Endpoint<T> sampleTwo(Endpoint<T>[] members, @Nullable Endpoint<T> avoid) {
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
		int a = first.inFlight();
		int b = second.inFlight();
		if (a == b) {
			// The reservoir keeps array order; break ties at random so that the earlier endpoint is not favoured.
			return random.nextBoolean() ? first : second;
		}
		return (b < a) ? second : first;
	}

	@Override
	public String toString() {
		return PickPolicyType.P2C.id();
	}

}
