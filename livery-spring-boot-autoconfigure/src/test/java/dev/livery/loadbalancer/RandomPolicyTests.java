package dev.livery.loadbalancer;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RandomPolicy}: uniform or weighted shares within five standard deviations, never an ineligible
 * endpoint.
 */
class RandomPolicyTests {

	private static final int PICKS = 20_000;

	private final RandomPolicy policy = new RandomPolicy();

	private final TestEndpoints endpoints = new TestEndpoints();

	private Map<String, Integer> counts(Endpoint<String>[] members, Endpoint<String> avoid) {
		this.policy.membersChanged(members);
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < PICKS; i++) {
			Endpoint<String> chosen = this.policy.choose(members, avoid, null);
			counts.merge((chosen != null) ? chosen.key() : "none", 1, Integer::sum);
		}
		return counts;
	}

	private static void assertShare(Map<String, Integer> counts, String key, double share) {
		double sigma = Math.sqrt(PICKS * share * (1 - share));
		assertThat((double) counts.getOrDefault(key, 0)).as(key).isBetween(PICKS * share - 5 * sigma,
				PICKS * share + 5 * sigma);
	}

	@Test
	void equalWeightsShouldGiveEqualShares() {
		Map<String, Integer> counts = counts(this.endpoints.of("a:1", "b:1", "c:1", "d:1"), null);
		for (String key : new String[] { "a:1", "b:1", "c:1", "d:1" }) {
			assertShare(counts, key, 0.25);
		}
	}

	@Test
	void sharesShouldBeProportionalToWeights() {
		Map<String, Integer> counts = counts(this.endpoints.weighted(1, 2, 5), null);
		assertShare(counts, "e0:1", 1 / 8.0);
		assertShare(counts, "e1:1", 2 / 8.0);
		assertShare(counts, "e2:1", 5 / 8.0);
	}

	@Test
	void ineligibleEndpointsShouldNeverBeChosenAndTheRestKeepTheirProportions() {
		Endpoint<String>[] members = this.endpoints.weighted(1, 1, 1, 1, 1, 1, 1, 1, 1, 3);
		for (int i = 0; i < 8; i++) {
			TestEndpoints.eject(members[i]);
		}
		// Mostly ineligible: the scan path decides often, with the same proportions (1 : 3).
		Map<String, Integer> counts = counts(members, null);
		assertThat(counts.keySet()).containsOnly("e8:1", "e9:1");
		assertShare(counts, "e8:1", 0.25);
		assertShare(counts, "e9:1", 0.75);
	}

	@Test
	void shouldAvoidAndReturnNullWhenNothingIsEligible() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1");
		assertThat(counts(members, members[0])).containsOnlyKeys("b:1");
		TestEndpoints.eject(members[1]);
		assertThat(this.policy.choose(members, members[0], null)).isNull();
		assertThat(this.policy.choose(this.endpoints.of(), null, null)).isNull();
	}

	@Test
	void selectShouldReturnDistinctEligibleEndpoints() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1", "c:1", "d:1");
		TestEndpoints.eject(members[3]);
		this.policy.membersChanged(members);
		Map<String, Integer> firsts = new HashMap<>();
		for (int i = 0; i < 3000; i++) {
			var selected = this.policy.select(members, "k", 2);
			assertThat(selected).hasSize(2).doesNotHaveDuplicates().doesNotContain(members[3]);
			firsts.merge(selected.get(0).key(), 1, Integer::sum);
		}
		// In random order: each eligible endpoint comes first about a third of the time.
		assertThat(firsts.values()).allSatisfy((count) -> assertThat(count).isBetween(800, 1200));
		assertThat(this.policy.select(members, "k", 10)).hasSize(3);
	}

}
