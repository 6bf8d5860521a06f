package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import org.jspecify.annotations.Nullable;

/**
 * A consistent-hash ring (Karger et al., "Consistent Hashing and Random Trees", 1997) over a set of elements, each
 * placed on the ring as virtual nodes in proportion to its weight. A key belongs to the first virtual node at or after
 * its hash, going round.
 *
 * <p>The ring is a function of the <em>set</em> of (key, weight) pairs only: element {@code k} with weight {@code w}
 * owns the points {@code xxh64(k, seed = i)} for {@code i < w × pointsPerWeight}, ties are broken by key, and the
 * order in which elements are given does not matter. So every client that sees the same members builds the same ring,
 * and adding or removing one element moves only the keys that land on it or leave it.
 *
 * @param <E> the type of element
 * @since 0.2.0
 */
public final class HashRing<E> {

	/*
	 * Implementation note: the points are kept in two parallel arrays sorted by point, so a lookup is one binary
	 * search over a long[] and allocates nothing. Points are compared as unsigned numbers; they are stored with the
	 * sign bit flipped so that a signed comparison orders them. The points per element depend on its own weight only
	 * (not on how many elements there are): that is what keeps the other elements' keys in place when one leaves.
	 * Sorting is an LSD radix sort, stable, over points generated in key order, so equal points (vanishingly rare)
	 * are ordered by key on every client. A ring is immutable once built and safe to share.
	 *
	 * A lookup reads a bucket index first: the top bits of a hash select the run of points that share them, about
	 * two per bucket, so a lookup costs two cache misses and a short scan rather than a binary search whose
	 * branches the processor cannot predict.
	 */

	/** Most points a ring holds; weights beyond that are scaled down together. */
	public static final int MAX_POINTS = 1 << 20;

	private final Object[] elements;

	private final String[] keys;

	private final long[] points;

	private final int[] owners;

	/** bucketStart[b] is the first point whose top bits are at least b; one more entry holds the point count. */
	private final int[] bucketStart;

	private final int bucketShift;

	private HashRing(Object[] elements, String[] keys, long[] points, int[] owners) {
		this.elements = elements;
		this.keys = keys;
		this.points = points;
		this.owners = owners;
		int n = points.length;
		int bits = (n < 4) ? 0 : 31 - Integer.numberOfLeadingZeros(n) - 1;
		this.bucketShift = 64 - bits;
		int buckets = 1 << bits;
		this.bucketStart = new int[buckets + 1];
		int point = 0;
		for (int b = 0; b < buckets; b++) {
			while (point < n && bucketOf(points[point] ^ Long.MIN_VALUE) < b) {
				point++;
			}
			this.bucketStart[b] = point;
		}
		this.bucketStart[buckets] = n;
	}

	private int bucketOf(long hash) {
		return (this.bucketShift == 64) ? 0 : (int) (hash >>> this.bucketShift);
	}

	/**
	 * Build a ring.
	 * @param <E> the type of element
	 * @param elements the elements, in any order; keys must be distinct
	 * @param keyOf an element's key, such as {@code host:port}
	 * @param weightOf an element's weight, at least 1
	 * @param pointsPerWeight virtual nodes per unit of weight, at least 1
	 * @return the ring
	 * @throws IllegalArgumentException if two elements share a key, or a weight or the points per weight is below 1
	 */
	public static <E> HashRing<E> build(Collection<? extends E> elements, Function<? super E, String> keyOf,
			ToIntFunction<? super E> weightOf, int pointsPerWeight) {
		if (pointsPerWeight < 1) {
			throw new IllegalArgumentException("pointsPerWeight must be at least 1, was " + pointsPerWeight);
		}
		int n = elements.size();
		List<E> sorted = new ArrayList<>(elements);
		String[] keys = new String[n];
		sorted.sort(Comparator.comparing(keyOf));
		int[] weights = new int[n];
		long totalWeight = 0;
		for (int i = 0; i < n; i++) {
			E element = sorted.get(i);
			keys[i] = keyOf.apply(element);
			if (i > 0 && keys[i].equals(keys[i - 1])) {
				throw new IllegalArgumentException("Duplicate key " + keys[i]);
			}
			weights[i] = weightOf.applyAsInt(element);
			if (weights[i] < 1) {
				throw new IllegalArgumentException("Weight of " + keys[i] + " must be at least 1, was " + weights[i]);
			}
			totalWeight += weights[i];
		}
		long perWeight = pointsPerWeight;
		if (totalWeight * perWeight > MAX_POINTS) {
			perWeight = Math.max(1, MAX_POINTS / Math.max(1, totalWeight));
		}
		int size = 0;
		int[] counts = new int[n];
		for (int i = 0; i < n; i++) {
			counts[i] = (int) Math.min(MAX_POINTS, weights[i] * perWeight);
			size = (int) Math.min(MAX_POINTS, (long) size + counts[i]);
		}
		long[] points = new long[size];
		int[] owners = new int[size];
		int p = 0;
		for (int i = 0; i < n && p < size; i++) {
			for (int j = 0; j < counts[i] && p < size; j++) {
				points[p] = XxHash64.hash(keys[i], j);
				owners[p] = i;
				p++;
			}
		}
		radixSort(points, owners);
		for (int i = 0; i < size; i++) {
			points[i] ^= Long.MIN_VALUE;
		}
		return new HashRing<>(sorted.toArray(), keys, points, owners);
	}

	/**
	 * Return the hash of a key, as the ring places it.
	 * @param key the key
	 * @return its 64-bit hash
	 */
	public static long hash(String key) {
		return XxHash64.hash(key, 0);
	}

	/**
	 * Return the number of virtual nodes.
	 * @return the ring's size
	 */
	public int size() {
		return this.points.length;
	}

	/**
	 * Return the number of elements.
	 * @return the element count
	 */
	public int elementCount() {
		return this.elements.length;
	}

	/**
	 * Return an element by its index; elements are indexed in key order.
	 * @param index the index
	 * @return the element
	 */
	@SuppressWarnings("unchecked")
	public E element(int index) {
		return (E) this.elements[index];
	}

	/**
	 * Return the index of the first virtual node at or after a hash, going round.
	 * @param hash the hash of a key
	 * @return the virtual node's index, or -1 if the ring is empty
	 */
	public int locate(long hash) {
		long[] points = this.points;
		int n = points.length;
		if (n == 0) {
			return -1;
		}
		long target = hash ^ Long.MIN_VALUE;
		int bucket = bucketOf(hash);
		int low = this.bucketStart[bucket];
		int high = this.bucketStart[bucket + 1];
		while (low < high && points[low] < target) {
			low++;
		}
		return (low == n) ? 0 : low;
	}

	/**
	 * Return the index of the element that owns a virtual node.
	 * @param point the virtual node's index
	 * @return the owner's index
	 */
	public int ownerAt(int point) {
		return this.owners[point];
	}

	/**
	 * Return the element that owns a key when every element is acceptable.
	 * @param hash the key's hash
	 * @return the owner, or {@code null} if the ring is empty
	 */
	public @Nullable E primary(long hash) {
		int point = locate(hash);
		return (point < 0) ? null : element(this.owners[point]);
	}

	/**
	 * Return the first acceptable element from a key's point, going round: an element that is not acceptable is
	 * skipped for the next distinct one, so only its keys move.
	 * @param hash the key's hash
	 * @param acceptable which elements may be returned
	 * @return the element, or {@code null} if none is acceptable
	 */
	public @Nullable E first(long hash, Predicate<? super E> acceptable) {
		int start = locate(hash);
		if (start < 0) {
			return null;
		}
		int n = this.points.length;
		// Most walks end within a few points; bound the common case, then make sure there is something to find
		// before going all the way round.
		int shortWalk = Math.min(n, 4 * this.elements.length + 16);
		for (int k = 0; k < shortWalk; k++) {
			E element = element(this.owners[wrap(start + k, n)]);
			if (acceptable.test(element)) {
				return element;
			}
		}
		if (shortWalk == n || !anyAcceptable(acceptable)) {
			return null;
		}
		for (int k = shortWalk; k < n; k++) {
			E element = element(this.owners[wrap(start + k, n)]);
			if (acceptable.test(element)) {
				return element;
			}
		}
		return null;
	}

	/**
	 * Return up to {@code count} distinct acceptable elements in ring order from a key's point: the first is the
	 * key's owner (or, if that one is not acceptable, the next distinct acceptable one), the rest its successors.
	 * @param hash the key's hash
	 * @param count the most elements to return
	 * @param acceptable which elements may be returned
	 * @return the elements, primary first
	 */
	public List<E> walk(long hash, int count, Predicate<? super E> acceptable) {
		int start = locate(hash);
		if (start < 0 || count < 1) {
			return List.of();
		}
		int n = this.points.length;
		int elementCount = this.elements.length;
		boolean[] seen = new boolean[elementCount];
		int distinctSeen = 0;
		List<E> found = new ArrayList<>(Math.min(count, elementCount));
		for (int k = 0; k < n && found.size() < count && distinctSeen < elementCount; k++) {
			int owner = this.owners[wrap(start + k, n)];
			if (seen[owner]) {
				continue;
			}
			seen[owner] = true;
			distinctSeen++;
			E element = element(owner);
			if (acceptable.test(element)) {
				found.add(element);
			}
		}
		return found;
	}

	/**
	 * Return each element's share of the hash space, in element (key) order; the shares add up to 1.
	 * @return the shares
	 */
	public double[] shares() {
		double[] shares = new double[this.elements.length];
		int n = this.points.length;
		if (n == 0) {
			return shares;
		}
		double full = 0x1p64;
		for (int i = 0; i < n; i++) {
			long point = this.points[i] ^ Long.MIN_VALUE;
			long previous = this.points[(i == 0) ? n - 1 : i - 1] ^ Long.MIN_VALUE;
			// Keys in (previous, point] belong to this point; with one point it owns the whole ring.
			long span = point - previous;
			double width = (n == 1) ? full : unsigned(span);
			shares[this.owners[i]] += width / full;
		}
		return shares;
	}

	/**
	 * Return the keys of the elements, in element order.
	 * @return the keys
	 */
	public List<String> keys() {
		return List.of(this.keys);
	}

	private boolean anyAcceptable(Predicate<? super E> acceptable) {
		for (Object element : this.elements) {
			@SuppressWarnings("unchecked")
			E typed = (E) element;
			if (acceptable.test(typed)) {
				return true;
			}
		}
		return false;
	}

	private static int wrap(int index, int n) {
		return (index >= n) ? index - n : index;
	}

	private static double unsigned(long value) {
		double d = (double) (value >>> 1) * 2.0;
		return d + (value & 1);
	}

	/** Stable LSD radix sort of unsigned 64-bit points, carrying their owners along. */
	private static void radixSort(long[] points, int[] owners) {
		int n = points.length;
		long[] pointBuffer = new long[n];
		int[] ownerBuffer = new int[n];
		int[] counts = new int[257];
		long[] fromPoints = points;
		int[] fromOwners = owners;
		long[] toPoints = pointBuffer;
		int[] toOwners = ownerBuffer;
		for (int shift = 0; shift < 64; shift += 8) {
			Arrays.fill(counts, 0);
			for (int i = 0; i < n; i++) {
				counts[(int) ((fromPoints[i] >>> shift) & 0xFF) + 1]++;
			}
			for (int b = 0; b < 256; b++) {
				counts[b + 1] += counts[b];
			}
			for (int i = 0; i < n; i++) {
				int bucket = (int) ((fromPoints[i] >>> shift) & 0xFF);
				int to = counts[bucket]++;
				toPoints[to] = fromPoints[i];
				toOwners[to] = fromOwners[i];
			}
			long[] swapPoints = fromPoints;
			fromPoints = toPoints;
			toPoints = swapPoints;
			int[] swapOwners = fromOwners;
			fromOwners = toOwners;
			toOwners = swapOwners;
		}
		// Eight passes: the sorted data is back in the original arrays.
	}

	@Override
	public String toString() {
		return "HashRing[" + this.elements.length + " elements, " + this.points.length + " points]";
	}

}
