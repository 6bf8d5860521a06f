package dev.livery.loadbalancer;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * Each eligible endpoint in turn, as often as its weight says, interleaved smoothly (nginx's smooth weighted round
 * robin: weights 5, 1, 1 give a a b a c a a), from a cursor shared by every caller of the pool. With equal weights,
 * plain round robin.
 *
 * @since 0.2.0
 * @see PickPolicyType#ROUND_ROBIN
 */
public final class RoundRobinPolicy implements PickPolicy {

	/*
	 * Implementation note: the order is computed when the members change (SmoothWeightedSchedule) and a pick is one
	 * atomic increment of the cursor and an array read. A slot whose endpoint is not eligible (or is avoided) is
	 * skipped by taking the next slot from the shared cursor, so every slot is used once and the eligible endpoints
	 * keep exactly their relative weights (reading on along the cycle instead would hand an ejected endpoint's turns
	 * to whoever follows it in the cycle). Skips are bounded, then the first eligible member from the slot is taken.
	 * While an endpoint's effective weight is below its weight (slow start), it takes its turn with probability
	 * effective / weight, and otherwise it is skipped likewise. A pick among other members than the ones the schedule
	 * was built for (a request-scoped subset) is a plain round robin over them.
	 */

	private final AtomicLong cursor = new AtomicLong();

	private volatile Schedule schedule = new Schedule(new Endpoint<?>[0], new int[0], new int[0]);

	@Override
	public void membersChanged(Endpoint<?>[] members) {
		int[] weights = new int[members.length];
		for (int i = 0; i < members.length; i++) {
			weights[i] = members[i].weight();
		}
		Schedule current = this.schedule;
		if (current.sameAs(members, weights)) {
			this.schedule = new Schedule(members, weights, current.cycle);
			return;
		}
		this.schedule = new Schedule(members, weights, SmoothWeightedSchedule.build(weights));
	}

	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		int n = members.length;
		if (n == 0) {
			return null;
		}
		long slot = this.cursor.getAndIncrement();
		Schedule schedule = this.schedule;
		if (schedule.members != members) {
			return plain(members, avoid, slot);
		}
		int[] cycle = schedule.cycle;
		int length = cycle.length;
		for (int skips = 2 * n + 16; skips > 0; skips--) {
			Endpoint<T> endpoint = members[cycle[(int) Long.remainderUnsigned(slot, length)]];
			if (endpoint != avoid && endpoint.isEligible() && takesTurn(endpoint)) {
				return endpoint;
			}
			slot = this.cursor.getAndIncrement();
		}
		return plain(members, avoid, slot);
	}

	private static boolean takesTurn(Endpoint<?> endpoint) {
		double effective = endpoint.effectiveWeight();
		int weight = endpoint.weight();
		return effective >= weight || ThreadLocalRandom.current().nextDouble() * weight < effective;
	}

	private static <T> @Nullable Endpoint<T> plain(Endpoint<T>[] members, @Nullable Endpoint<T> avoid, long slot) {
		int n = members.length;
		int start = (int) Long.remainderUnsigned(slot, n);
		for (int k = 0; k < n; k++) {
			Endpoint<T> endpoint = members[(start + k) % n];
			if (endpoint != avoid && endpoint.isEligible()) {
				return endpoint;
			}
		}
		return null;
	}

	@Override
	public String toString() {
		return PickPolicyType.ROUND_ROBIN.id();
	}

	/** The members a cycle was computed for, their weights then, and the cycle of member indices. */
	private record Schedule(Endpoint<?>[] members, int[] weights, int[] cycle) {

		boolean sameAs(Endpoint<?>[] others, int[] otherWeights) {
			if (others.length != this.members.length) {
				return false;
			}
			for (int i = 0; i < others.length; i++) {
				if (others[i] != this.members[i] || otherWeights[i] != this.weights[i]) {
					return false;
				}
			}
			return true;
		}

	}

}
