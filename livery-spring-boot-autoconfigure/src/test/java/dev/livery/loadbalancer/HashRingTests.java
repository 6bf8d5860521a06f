package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link HashRing}: independence from order, balance, minimal movement, weights, skipping and walks.
 */
class HashRingTests {

	private static final int POINTS = 512;

	private static final int KEYS = 20_000;

	private static List<String> endpoints(int count) {
		List<String> endpoints = new ArrayList<>();
		for (int i = 1; i <= count; i++) {
			endpoints.add("10.0.0." + i + ":8080");
		}
		return endpoints;
	}

	private static HashRing<String> ring(List<String> endpoints) {
		return HashRing.build(endpoints, Function.identity(), (e) -> 1, POINTS);
	}

	private static List<String> owners(HashRing<String> ring) {
		List<String> owners = new ArrayList<>(KEYS);
		for (int k = 0; k < KEYS; k++) {
			owners.add(ring.primary(HashRing.hash("key-" + k)));
		}
		return owners;
	}

	@Test
	void ringShouldNotDependOnTheOrderOfItsElements() {
		List<String> endpoints = endpoints(12);
		HashRing<String> sorted = ring(endpoints);
		List<String> shuffled = new ArrayList<>(endpoints);
		Collections.shuffle(shuffled, new Random(42));
		HashRing<String> other = ring(shuffled);
		assertThat(owners(other)).isEqualTo(owners(sorted));
		assertThat(other.shares()).containsExactly(sorted.shares());
	}

	@Test
	void sharesOfTenEqualEndpointsShouldBeWithinAQuarterOfTheMean() {
		for (int set = 0; set < 20; set++) {
			List<String> endpoints = new ArrayList<>();
			for (int i = 1; i <= 10; i++) {
				endpoints.add("10.1." + set + "." + i + ":" + (8080 + set));
			}
			double[] shares = ring(endpoints).shares();
			double max = 0;
			double total = 0;
			for (double share : shares) {
				max = Math.max(max, share);
				total += share;
			}
			assertThat(total).isCloseTo(1.0, Offset.offset(1e-9));
			assertThat(max / 0.1).as("max / mean of set %d", set).isLessThanOrEqualTo(1.25);
		}
	}

	@Test
	void removingAnEndpointShouldMoveOnlyItsKeysAndAddingItBackShouldRestoreThem() {
		List<String> endpoints = endpoints(10);
		List<String> before = owners(ring(endpoints));
		List<String> without = new ArrayList<>(endpoints);
		String leaving = without.remove(3);
		List<String> after = owners(ring(without));
		int moved = 0;
		for (int k = 0; k < KEYS; k++) {
			if (!before.get(k).equals(after.get(k))) {
				assertThat(before.get(k)).isEqualTo(leaving);
				moved++;
			}
			assertThat(after.get(k)).isNotEqualTo(leaving);
		}
		// Its keys, about a tenth, and no others.
		assertThat(moved).isEqualTo(Collections.frequency(before, leaving)).isBetween(KEYS / 20, KEYS / 5);
		assertThat(owners(ring(endpoints))).isEqualTo(before);
	}

	@Test
	void addingAnEndpointShouldMoveOnlyTheKeysItTakes() {
		List<String> endpoints = endpoints(10);
		List<String> before = owners(ring(endpoints));
		List<String> with = new ArrayList<>(endpoints);
		with.add("10.0.0.99:8080");
		List<String> after = owners(ring(with));
		for (int k = 0; k < KEYS; k++) {
			if (!before.get(k).equals(after.get(k))) {
				assertThat(after.get(k)).isEqualTo("10.0.0.99:8080");
			}
		}
	}

	@Test
	void virtualNodesShouldBeProportionalToWeight() {
		List<String> endpoints = endpoints(6);
		Map<String, Integer> weights = Map.of("10.0.0.1:8080", 3);
		HashRing<String> ring = HashRing.build(endpoints, Function.identity(), (e) -> weights.getOrDefault(e, 1),
				POINTS);
		assertThat(ring.size()).isEqualTo(8 * POINTS);
		double[] shares = ring.shares();
		// Element 0 is 10.0.0.1:8080 (elements are in key order): 3 of 8 units of weight.
		assertThat(ring.element(0)).isEqualTo("10.0.0.1:8080");
		assertThat(shares[0]).isCloseTo(3.0 / 8, Offset.offset(0.03));
		List<String> owners = owners(ring);
		assertThat(Collections.frequency(owners, "10.0.0.1:8080") / (double) KEYS).isCloseTo(3.0 / 8,
				Offset.offset(0.04));
	}

	@Test
	void firstShouldSkipAnUnacceptableEndpointSoThatOnlyItsKeysMove() {
		HashRing<String> ring = ring(endpoints(10));
		List<String> before = owners(ring);
		String out = "10.0.0.4:8080";
		for (int k = 0; k < KEYS; k++) {
			String owner = ring.first(HashRing.hash("key-" + k), (e) -> !e.equals(out));
			if (before.get(k).equals(out)) {
				assertThat(owner).isNotEqualTo(out);
				// The next distinct endpoint going round: the secondary of the full walk.
				assertThat(owner).isEqualTo(ring.walk(HashRing.hash("key-" + k), 2, (e) -> true).get(1));
			}
			else {
				assertThat(owner).isEqualTo(before.get(k));
			}
		}
	}

	@Test
	void firstShouldFindTheOnlyAcceptableEndpointAndNullWhenThereIsNone() {
		HashRing<String> ring = ring(endpoints(50));
		for (int k = 0; k < 200; k++) {
			assertThat(ring.first(HashRing.hash("key-" + k), "10.0.0.17:8080"::equals)).isEqualTo("10.0.0.17:8080");
			assertThat(ring.first(HashRing.hash("key-" + k), (e) -> false)).isNull();
		}
	}

	@Test
	void walkShouldReturnDistinctEndpointsPrimaryFirst() {
		HashRing<String> ring = ring(endpoints(10));
		for (int k = 0; k < 500; k++) {
			long hash = HashRing.hash("key-" + k);
			List<String> three = ring.walk(hash, 3, (e) -> true);
			assertThat(three).hasSize(3).doesNotHaveDuplicates();
			assertThat(three.get(0)).isEqualTo(ring.primary(hash));
			assertThat(ring.walk(hash, 1, (e) -> true)).containsExactly(three.get(0));
			assertThat(ring.walk(hash, 20, (e) -> true)).hasSize(10).doesNotHaveDuplicates().startsWith(
					three.toArray(new String[0]));
		}
	}

	@Test
	void walkShouldSkipUnacceptableEndpointsAndKeepTheOrderOfTheRest() {
		HashRing<String> ring = ring(endpoints(10));
		long hash = HashRing.hash("order-42");
		List<String> all = ring.walk(hash, 10, (e) -> true);
		Set<String> out = new HashSet<>(List.of(all.get(0), all.get(2)));
		List<String> expected = new ArrayList<>(all);
		expected.removeAll(out);
		assertThat(ring.walk(hash, 3, (e) -> !out.contains(e))).containsExactlyElementsOf(expected.subList(0, 3));
	}

	@Test
	void emptyRingShouldFindNothing() {
		HashRing<String> ring = ring(List.of());
		assertThat(ring.size()).isZero();
		assertThat(ring.locate(42)).isEqualTo(-1);
		assertThat(ring.primary(42)).isNull();
		assertThat(ring.first(42, (e) -> true)).isNull();
		assertThat(ring.walk(42, 3, (e) -> true)).isEmpty();
	}

	@Test
	void singleEndpointShouldOwnEverything() {
		HashRing<String> ring = HashRing.build(List.of("a:1"), Function.identity(), (e) -> 1, 1);
		assertThat(ring.shares()).containsExactly(1.0);
		assertThat(ring.primary(Long.MIN_VALUE)).isEqualTo("a:1");
		assertThat(ring.primary(-1L)).isEqualTo("a:1");
	}

	@Test
	void keysPastTheLastPointShouldWrapToTheFirst() {
		HashRing<String> ring = ring(endpoints(3));
		// -1 is the largest unsigned hash: past every point.
		assertThat(ring.locate(-1L)).isZero();
		assertThat(ring.locate(0L)).isZero();
	}

	@Test
	void locateShouldAgreeWithALinearSearch() {
		HashRing<String> ring = ring(endpoints(7));
		Random random = new Random(7);
		for (int trial = 0; trial < 200; trial++) {
			long hash = random.nextLong();
			int located = ring.locate(hash);
			String owner = ring.element(ring.ownerAt(located));
			// The owner by brute force: the smallest point >= hash over every endpoint's points, else the smallest.
			String expected = null;
			long best = 0;
			String smallestOwner = null;
			long smallest = 0;
			for (int e = 0; e < ring.elementCount(); e++) {
				for (int j = 0; j < POINTS; j++) {
					long point = XxHash64.hash(ring.element(e), j);
					if (Long.compareUnsigned(point, hash) >= 0
							&& (expected == null || Long.compareUnsigned(point, best) < 0)) {
						expected = ring.element(e);
						best = point;
					}
					if (smallestOwner == null || Long.compareUnsigned(point, smallest) < 0) {
						smallestOwner = ring.element(e);
						smallest = point;
					}
				}
			}
			assertThat(owner).isEqualTo((expected != null) ? expected : smallestOwner);
		}
	}

	@Test
	void buildShouldRejectDuplicateKeysAndBadWeights() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> HashRing.build(List.of("a:1", "a:1"), Function.identity(), (e) -> 1, 4))
			.withMessageContaining("Duplicate key a:1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> HashRing.build(List.of("a:1"), Function.identity(), (e) -> 0, 4))
			.withMessageContaining("Weight of a:1 must be at least 1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> HashRing.build(List.of("a:1"), Function.identity(), (e) -> 1, 0))
			.withMessageContaining("pointsPerWeight");
	}

	@Test
	void hugeWeightsShouldBeScaledDownToTheMaximumSize() {
		HashRing<String> ring = HashRing.build(endpoints(4), Function.identity(), (e) -> 100_000, 512);
		assertThat(ring.size()).isLessThanOrEqualTo(HashRing.MAX_POINTS);
		for (double share : ring.shares()) {
			assertThat(share).isCloseTo(0.25, Offset.offset(0.05));
		}
	}

}
