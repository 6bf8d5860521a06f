package dev.livery.loadbalancer;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Consistent hashing of a request's key onto a ring of virtual nodes (Karger's ring hash): requests with the same
 * key go to the same endpoint while it is eligible. An endpoint that is not eligible (ejected, drained, unhealthy)
 * is skipped for the next distinct endpoint on the ring, so only its keys move, and they move back when it returns.
 * Requests without a key are balanced by {@link P2cPolicy power of two choices}. An endpoint that ramps up (slow
 * start) takes only that share of its keys, always the same ones, and more as it ramps; the others go on to the next
 * distinct endpoint meanwhile.
 *
 * <p>The ring depends only on the set of endpoint keys ({@code host:port}) and weights, never on the order
 * discovery lists them in, so every client that sees the same members sends a key to the same endpoint; an endpoint
 * of weight {@code w} has {@code w × ringSize} virtual nodes (see {@link HashRing}).
 *
 * @since 0.2.0
 * @see PickPolicyType#RING_HASH
 */
public final class RingHashPolicy implements PickPolicy {

	/*
	 * Implementation note: the ring is rebuilt under the pool's membership lock when the set of keys or a weight
	 * changes, and published with the member array it was built for (a refresh that changes nothing keeps the ring
	 * and only swaps the array). A pick hashes the key (xxHash64, no allocation for ASCII keys), finds the key's
	 * virtual node through the ring's bucket index and walks on until it meets an acceptable endpoint: eligible, not
	 * avoided, and, when the pool picks among a request-scoped subset of its members, in that subset. Walks are short
	 * unless most endpoints are out; after a bounded walk the members are checked once for anything acceptable before
	 * the walk goes all the way round, so a pick with nothing to find costs O(members), not O(ring).
	 * Karger's ring rather than Maglev: Maglev's table rebuild moves keys between endpoints that stay.
	 *
	 * Slow start. The ring holds full weights (a ring rebuilt as weights ramp would move keys between endpoints that
	 * stay). Instead, an endpoint whose ramp factor is r < 1 takes a key only if the key's second hash, uniform in
	 * [0, 1) and independent of where the key lands, is below r: the share r of its keys, the same keys on every
	 * pick and every client with the same factor, a set that only grows as r rises. The others walk on as if it were
	 * not eligible. If every acceptable endpoint is ramping and declines, the first of them takes the key after all.
	 * Only picks read the ramp: select() gives the key's replicas by the ring alone.
	 */

	/** Virtual nodes per unit of weight unless configured: max ÷ mean share ≤ 1.17 over 2,000 sets of 10. */
	public static final int DEFAULT_RING_SIZE = 512;

	private final int ringSize;

	private final P2cPolicy withoutKey = new P2cPolicy();

	private volatile Ring ring;

	/**
	 * Create a policy with the default ring size.
	 */
	public RingHashPolicy() {
		this(DEFAULT_RING_SIZE);
	}

	/**
	 * Create a policy.
	 * @param ringSize virtual nodes per unit of weight, at least 1
	 */
	public RingHashPolicy(int ringSize) {
		if (ringSize < 1) {
			throw new IllegalArgumentException("ringSize must be at least 1, was " + ringSize);
		}
		this.ringSize = ringSize;
		this.ring = build(new Endpoint<?>[0], new int[0]);
	}

	/**
	 * Return the number of virtual nodes per unit of weight.
	 * @return the ring size
	 */
	public int ringSize() {
		return this.ringSize;
	}

	@Override
	public void membersChanged(Endpoint<?>[] members) {
		int[] weights = new int[members.length];
		for (int i = 0; i < members.length; i++) {
			weights[i] = members[i].weight();
		}
		Ring current = this.ring;
		this.ring = current.sameSet(members, weights) ? new Ring(current.hashRing, members, weights)
				: build(members, weights);
	}

	private Ring build(Endpoint<?>[] members, int[] weights) {
		HashRing<Endpoint<?>> hashRing = HashRing.build(Arrays.asList(members), Endpoint::key, Endpoint::weight,
				this.ringSize);
		return new Ring(hashRing, members, weights);
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		if (key == null) {
			return this.withoutKey.choose(members, avoid, null);
		}
		Ring ring = this.ring;
		HashRing<Endpoint<?>> hashRing = ring.hashRing;
		int size = hashRing.size();
		long hash = HashRing.hash(key);
		int start = hashRing.locate(hash);
		if (start < 0) {
			return null;
		}
		Endpoint<?>[] subset = (ring.members == members) ? null : members;
		Endpoint<?> declined = null;
		int shortWalk = 4 * hashRing.elementCount() + 16;
		for (int k = 0; k < size; k++) {
			if (k == shortWalk && !anyAcceptable(members, avoid)) {
				break;
			}
			Endpoint<?> endpoint = hashRing.element(hashRing.ownerAt(wrap(start + k, size)));
			if (acceptable(endpoint, avoid, subset)) {
				if (takesKey(endpoint, hash)) {
					return (Endpoint<T>) endpoint;
				}
				declined = (declined != null) ? declined : endpoint;
			}
		}
		return (Endpoint<T>) declined;
	}

	/**
	 * Whether the endpoint takes a key with this hash: always, unless it is ramping up; then if the key's second
	 * hash falls below its ramp factor.
	 */
	private static boolean takesKey(Endpoint<?> endpoint, long hash) {
		double ramp = endpoint.rampUp();
		return ramp >= 1.0 || rampPosition(hash) < ramp;
	}

	/**
	 * Return a key's place in [0, 1) among the keys a ramping endpoint takes: the key's hash through the SplitMix64
	 * finaliser (Steele, Lea and Flood, 2014), so that it does not depend on where the key lands on the ring.
	 * @param hash the key's hash
	 * @return a value in [0, 1)
	 */
	static double rampPosition(long hash) {
		long z = hash + 0x9E3779B97F4A7C15L;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E9B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		z ^= (z >>> 31);
		return (z >>> 11) * 0x1.0p-53;
	}

	/**
	 * Return the key's endpoint and its successors on the ring, up to {@code count} distinct eligible ones: the
	 * first is where a request with this key goes (unless it is ramping up and does not take the key yet), the rest
	 * are the next distinct endpoints going round, the same on every client with the same members. Without a key, a
	 * weighted random selection.
	 */
	@Override
	@SuppressWarnings("unchecked")
	public <T> List<Endpoint<T>> select(Endpoint<T>[] members, @Nullable String key, int count) {
		if (key == null) {
			return PickPolicy.super.select(members, null, count);
		}
		Ring ring = this.ring;
		Endpoint<?>[] subset = (ring.members == members) ? null : members;
		List<Endpoint<?>> walk = ring.hashRing.walk(HashRing.hash(key), count,
				(endpoint) -> acceptable(endpoint, null, subset));
		return (List<Endpoint<T>>) (List<?>) walk;
	}

	private static boolean acceptable(Endpoint<?> endpoint, @Nullable Endpoint<?> avoid,
			Endpoint<?> @Nullable [] subset) {
		if (endpoint == avoid || !endpoint.isEligible()) {
			return false;
		}
		if (subset == null) {
			return true;
		}
		for (Endpoint<?> member : subset) {
			if (member == endpoint) {
				return true;
			}
		}
		return false;
	}

	private static boolean anyAcceptable(Endpoint<?>[] members, @Nullable Endpoint<?> avoid) {
		for (Endpoint<?> endpoint : members) {
			if (endpoint != avoid && endpoint.isEligible()) {
				return true;
			}
		}
		return false;
	}

	private static int wrap(int index, int n) {
		return (index >= n) ? index - n : index;
	}

	@Override
	public boolean usesKey() {
		return true;
	}

	@Override
	public String toString() {
		return PickPolicyType.RING_HASH.id();
	}

	/** A ring and the member array (with its weights) it was built for. */
	private record Ring(HashRing<Endpoint<?>> hashRing, Endpoint<?>[] members, int[] weights) {

		/**
		 * Whether the other members are the same endpoints (the ring holds them, so a key that left and came back
		 * as a new endpoint means a rebuild) with the same weights, in any order.
		 */
		boolean sameSet(Endpoint<?>[] others, int[] otherWeights) {
			if (others.length != this.members.length) {
				return false;
			}
			boolean sameOrder = true;
			for (int i = 0; i < others.length && sameOrder; i++) {
				sameOrder = others[i] == this.members[i] && otherWeights[i] == this.weights[i];
			}
			if (sameOrder) {
				return true;
			}
			Map<Endpoint<?>, Integer> recorded = new IdentityHashMap<>(this.members.length * 2);
			for (int i = 0; i < this.members.length; i++) {
				recorded.put(this.members[i], this.weights[i]);
			}
			for (int i = 0; i < others.length; i++) {
				Integer weight = recorded.get(others[i]);
				if (weight == null || weight != otherWeights[i]) {
					return false;
				}
			}
			return true;
		}

	}

}
