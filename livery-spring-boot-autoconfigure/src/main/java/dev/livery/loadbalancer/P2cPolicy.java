package dev.livery.loadbalancer;

import org.jspecify.annotations.Nullable;

/**
 * Power of two choices on requests in flight: two distinct eligible endpoints drawn at random, the one with fewer
 * requests in flight for its weight wins, a tie goes to either.
 *
 * @since 0.2.0
 * @see PickPolicyType#P2C
 */
public final class P2cPolicy implements PickPolicy {

	/*
	 * Implementation note. Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing". The draw of two
	 * distinct eligible endpoints is TwoChoices' (shared with peak-ewma). Weights enter the comparison only (load =
	 * (in flight + 1) / effective weight, see Load), as in Envoy's least-request with unequal weights: the draw stays
	 * uniform.
	 */

	/** Fewer requests in flight for its weight wins. */
	private static final TwoChoices.Judge BY_LOAD = new TwoChoices.Judge() {

		@Override
		public <T> Endpoint<T> better(Endpoint<T> a, Endpoint<T> b, boolean tieToA, boolean timed, long now) {
			int order = Load.compare(a, b);
			if (order == 0) {
				return tieToA ? a : b;
			}
			return (order < 0) ? a : b;
		}

	};

	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		return TwoChoices.choose(members, avoid, BY_LOAD, false, 0);
	}

	@Override
	public String toString() {
		return PickPolicyType.P2C.id();
	}

}
