package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RingHashPolicy}: affinity, agreement between clients, minimal movement on ejection and return,
 * the fallback without a key, request-scoped subsets, and selection of replicas.
 */
class RingHashPolicyTests {

	private static final int KEYS = 5000;

	private final TestEndpoints endpoints = new TestEndpoints();

	private static RingHashPolicy policy(Endpoint<String>[] members) {
		RingHashPolicy policy = new RingHashPolicy();
		policy.membersChanged(members);
		return policy;
	}

	private static List<String> route(RingHashPolicy policy, Endpoint<String>[] members) {
		List<String> owners = new ArrayList<>(KEYS);
		for (int k = 0; k < KEYS; k++) {
			Endpoint<String> chosen = policy.choose(members, null, "user-" + k);
			owners.add((chosen != null) ? chosen.key() : null);
		}
		return owners;
	}

	private Endpoint<String>[] ten() {
		String[] keys = new String[10];
		for (int i = 0; i < 10; i++) {
			keys[i] = "10.0.0." + (i + 1) + ":8080";
		}
		return this.endpoints.of(keys);
	}

	@Test
	void onlyRingHashShouldAskForTheRequestsKey() {
		// The balancer reads the key header only for a policy that uses it (a String per request otherwise).
		for (PickPolicyType type : PickPolicyType.values()) {
			assertThat(type.newPolicy(PoolSettings.DEFAULTS).usesKey()).as(type.id())
				.isEqualTo(type == PickPolicyType.RING_HASH);
		}
	}

	@Test
	void sameKeyShouldAlwaysGoToTheSameEndpoint() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		List<String> first = route(policy, members);
		members[0].acquire();
		assertThat(route(policy, members)).isEqualTo(first);
		assertThat(new HashSet<>(first)).hasSize(10);
	}

	@Test
	void clientsThatSeeMembersInAnotherOrderShouldAgree() {
		Endpoint<String>[] members = ten();
		List<Endpoint<String>> shuffled = new ArrayList<>(List.of(members));
		Collections.shuffle(shuffled, new Random(1));
		@SuppressWarnings("unchecked")
		Endpoint<String>[] other = new TestEndpoints().of(shuffled.stream().map(Endpoint::key).toArray(String[]::new));
		assertThat(route(policy(other), other)).isEqualTo(route(policy(members), members));
	}

	@Test
	void ejectingAnEndpointShouldMoveOnlyItsKeysAndReinstatingItShouldMoveThemBack() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		List<String> before = route(policy, members);
		TestEndpoints.eject(members[4]);
		List<String> during = route(policy, members);
		int moved = 0;
		for (int k = 0; k < KEYS; k++) {
			if (!before.get(k).equals(during.get(k))) {
				assertThat(before.get(k)).isEqualTo(members[4].key());
				moved++;
			}
		}
		assertThat(during).doesNotContain(members[4].key());
		assertThat(moved).isEqualTo(Collections.frequency(before, members[4].key())).isPositive();
		TestEndpoints.reinstate(members[4]);
		assertThat(route(policy, members)).isEqualTo(before);
	}

	@Test
	void rampingEndpointShouldTakeItsShareOfItsKeysAlwaysTheSameOnesAndMoreAsItRamps() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		List<String> full = route(policy, members);
		Endpoint<String> ramping = members[3];
		int own = Collections.frequency(full, ramping.key());
		Set<Integer> previous = new HashSet<>();
		for (double factor : new double[] { 0.1, 0.5, 0.9 }) {
			ramping.startRamp(0, factor);
			List<String> during = route(policy, members);
			assertThat(route(policy, members)).as("the same keys on every pick").isEqualTo(during);
			Set<Integer> taken = new HashSet<>();
			for (int k = 0; k < KEYS; k++) {
				if (!full.get(k).equals(during.get(k))) {
					assertThat(full.get(k)).as("only its keys move").isEqualTo(ramping.key());
					assertThat(during.get(k)).as("to the next distinct endpoint")
						.isEqualTo(policy.select(members, "user-" + k, 2).get(1).key());
				}
				else if (full.get(k).equals(ramping.key())) {
					taken.add(k);
				}
			}
			assertThat(taken).as("a set that only grows").containsAll(previous);
			// Each of its keys stays with probability factor: binomial, 5 sigma either side.
			double sigma = Math.sqrt(own * factor * (1 - factor));
			assertThat((double) taken.size()).as("keys kept at %s", factor)
				.isBetween(own * factor - 5 * sigma, own * factor + 5 * sigma);
			previous = taken;
		}
		ramping.ramp(0, 1.0);
		assertThat(route(policy, members)).isEqualTo(full);
	}

	@Test
	void rampingEndpointShouldTakeEveryKeyWhenNothingElseIsEligible() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1");
		RingHashPolicy policy = policy(members);
		TestEndpoints.eject(members[0]);
		members[1].startRamp(0, 0.01);
		for (int k = 0; k < 200; k++) {
			assertThat(policy.choose(members, null, "user-" + k)).isSameAs(members[1]);
		}
	}

	@Test
	void avoidedEndpointShouldPassTheKeyToTheNextDistinctOne() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		for (int k = 0; k < 200; k++) {
			String key = "order-" + k;
			List<Endpoint<String>> replicas = policy.select(members, key, 2);
			Endpoint<String> primary = policy.choose(members, null, key);
			assertThat(replicas.get(0)).isSameAs(primary);
			assertThat(policy.choose(members, primary, key)).isSameAs(replicas.get(1));
		}
	}

	@Test
	void requestWithoutKeyShouldBeBalancedByP2c() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1", "c:1");
		RingHashPolicy policy = policy(members);
		members[0].acquire();
		members[0].acquire();
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 600; i++) {
			counts.merge(policy.choose(members, null, null).key(), 1, Integer::sum);
		}
		// P2C never takes the busiest of three when comparing two distinct: a:1 only loses.
		assertThat(counts).containsOnlyKeys("b:1", "c:1");
	}

	@Test
	void subsetOfMembersShouldBeHonouredAlongTheRing() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		@SuppressWarnings("unchecked")
		Endpoint<String>[] subset = new Endpoint[] { members[2], members[7] };
		for (int k = 0; k < 500; k++) {
			String key = "user-" + k;
			Endpoint<String> chosen = policy.choose(subset, null, key);
			assertThat(chosen).isIn(members[2], members[7]);
			// The first of the two met going round from the key's point.
			List<Endpoint<String>> order = policy.select(members, key, 10);
			int a = order.indexOf(members[2]);
			int b = order.indexOf(members[7]);
			assertThat(chosen).isSameAs((a < b) ? members[2] : members[7]);
		}
	}

	@Test
	void selectShouldGiveDistinctReplicasPrimaryFirstAndSkipIneligibleOnes() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		List<Endpoint<String>> three = policy.select(members, "cart-42", 3);
		assertThat(three).hasSize(3).doesNotHaveDuplicates();
		assertThat(policy.select(members, "cart-42", 3)).isEqualTo(three);
		assertThat(policy.select(members, "cart-42", 99)).hasSize(10).startsWith(three.get(0), three.get(1),
				three.get(2));
		TestEndpoints.eject(three.get(0));
		List<Endpoint<String>> afterEjection = policy.select(members, "cart-42", 2);
		assertThat(afterEjection).containsExactly(three.get(1), three.get(2));
	}

	@Test
	void weightsShouldGiveProportionalShares() {
		Endpoint<String>[] members = this.endpoints.weighted(1, 1, 2);
		List<String> owners = route(policy(members), members);
		double heavy = Collections.frequency(owners, "e2:1") / (double) KEYS;
		assertThat(heavy).isBetween(0.45, 0.55);
	}

	@Test
	void endpointThatLeftAndCameBackShouldBeTheNewObject() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1");
		RingHashPolicy policy = policy(members);
		Endpoint<String>[] again = new TestEndpoints().of("a:1", "b:1");
		policy.membersChanged(again);
		for (int k = 0; k < 100; k++) {
			assertThat(policy.choose(again, null, "k" + k)).isIn((Object[]) again);
		}
	}

	@Test
	void nothingEligibleShouldGiveNull() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		for (Endpoint<String> member : members) {
			TestEndpoints.eject(member);
		}
		assertThat(policy.choose(members, null, "k")).isNull();
		assertThat(policy.select(members, "k", 3)).isEmpty();
		assertThat(new RingHashPolicy().choose(this.endpoints.of(), null, "k")).isNull();
	}

	@Test
	void onlyEligibleEndpointFarAlongTheRingShouldBeFound() {
		Endpoint<String>[] members = ten();
		RingHashPolicy policy = policy(members);
		for (int i = 1; i < members.length; i++) {
			TestEndpoints.eject(members[i]);
		}
		Set<String> chosen = new HashSet<>();
		for (int k = 0; k < 200; k++) {
			chosen.add(policy.choose(members, null, "user-" + k).key());
		}
		assertThat(chosen).containsExactly(members[0].key());
	}

	@Test
	void ringSizeShouldBeValidated() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RingHashPolicy(0));
		assertThat(new RingHashPolicy().ringSize()).isEqualTo(RingHashPolicy.DEFAULT_RING_SIZE);
		assertThat(PoolSettings.DEFAULTS.withRingSize(64).ringSize()).isEqualTo(64);
		assertThat(PickPolicyType.RING_HASH.newPolicy(PoolSettings.DEFAULTS.withRingSize(64)))
			.isInstanceOfSatisfying(RingHashPolicy.class, (p) -> assertThat(p.ringSize()).isEqualTo(64));
	}

}
