package dev.livery.loadbalancer;

import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

/**
 * An eligible endpoint at random, each with probability proportional to its weight.
 *
 * @since 0.2.0
 * @see PickPolicyType#RANDOM
 */
public final class RandomPolicy implements PickPolicy {

	/*
	 * Implementation note: rejection sampling. A uniformly drawn member is taken with probability effective weight
	 * / heaviest weight (the heaviest is computed when the members change; effective weights never exceed the
	 * weights they scale), and refused if it is not eligible. With equal weights and everyone eligible the first
	 * draw is taken, so a pick is one random number and no scan. After a few refusals (most members ineligible, or
	 * weights very unequal) one weighted pass over the members decides instead, so a pick is bounded by O(n).
	 */

	private static final int DRAWS = 8;

	private volatile double heaviest = 1;

	@Override
	public void membersChanged(Endpoint<?>[] members) {
		double max = 1;
		for (Endpoint<?> endpoint : members) {
			max = Math.max(max, endpoint.weight());
		}
		this.heaviest = max;
	}

	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		int n = members.length;
		if (n == 0) {
			return null;
		}
		ThreadLocalRandom random = ThreadLocalRandom.current();
		double heaviest = this.heaviest;
		for (int draw = 0; draw < DRAWS; draw++) {
			Endpoint<T> endpoint = members[random.nextInt(n)];
			if (endpoint == avoid || !endpoint.isEligible()) {
				continue;
			}
			double weight = endpoint.effectiveWeight();
			if (weight >= heaviest || random.nextDouble() * heaviest < weight) {
				return endpoint;
			}
		}
		return weightedScan(members, avoid, random);
	}

	private static <T> @Nullable Endpoint<T> weightedScan(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			ThreadLocalRandom random) {
		// One pass: the k-th eligible endpoint replaces the choice with probability w_k / (w_1 + ... + w_k).
		Endpoint<T> chosen = null;
		double total = 0;
		for (Endpoint<T> endpoint : members) {
			if (endpoint == avoid || !endpoint.isEligible()) {
				continue;
			}
			double weight = endpoint.effectiveWeight();
			total += weight;
			if (random.nextDouble() * total < weight) {
				chosen = endpoint;
			}
		}
		return chosen;
	}

	@Override
	public String toString() {
		return PickPolicyType.RANDOM.id();
	}

}
