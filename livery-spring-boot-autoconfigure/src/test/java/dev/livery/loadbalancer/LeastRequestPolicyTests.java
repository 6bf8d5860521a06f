package dev.livery.loadbalancer;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeastRequestPolicy}.
 */
class LeastRequestPolicyTests {

	private final LeastRequestPolicy policy = new LeastRequestPolicy();

	private final TestEndpoints endpoints = new TestEndpoints();

	@Test
	void shouldChooseTheEndpointWithFewestInFlight() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1", "c:1", "d:1");
		members[0].acquire();
		members[1].acquire();
		members[1].acquire();
		members[3].acquire();
		for (int i = 0; i < 100; i++) {
			assertThat(this.policy.choose(members, null, null)).isSameAs(members[2]);
		}
	}

	@Test
	void shouldBreakTiesAtRandom() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1", "c:1");
		members[1].acquire();
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 3000; i++) {
			counts.merge(this.policy.choose(members, null, null).key(), 1, Integer::sum);
		}
		assertThat(counts).doesNotContainKey("b:1");
		// Each of the two tied endpoints about half the time (binomial, 1500 +- 5 sigma of 27).
		assertThat(counts.get("a:1")).isBetween(1365, 1635);
		assertThat(counts.get("c:1")).isBetween(1365, 1635);
	}

	@Test
	void shouldCompareLoadForWeight() {
		// a: 3 in flight at weight 4 -> (3+1)/4 = 1; b: 1 in flight at weight 1 -> (1+1)/1 = 2.
		Endpoint<String>[] members = this.endpoints.weighted(4, 1);
		for (int i = 0; i < 3; i++) {
			members[0].acquire();
		}
		members[1].acquire();
		assertThat(this.policy.choose(members, null, null)).isSameAs(members[0]);
		members[0].acquire();
		members[0].acquire();
		// a: (5+1)/4 = 1.5 < 2 still; one more and it is 1.75, then 2 (a tie), then 2.25.
		assertThat(this.policy.choose(members, null, null)).isSameAs(members[0]);
		members[0].acquire();
		members[0].acquire();
		members[0].acquire();
		assertThat(this.policy.choose(members, null, null)).isSameAs(members[1]);
	}

	@Test
	void shouldSkipIneligibleAndAvoidedEndpoints() {
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1", "c:1");
		members[2].acquire();
		TestEndpoints.eject(members[0]);
		assertThat(this.policy.choose(members, members[1], null)).isSameAs(members[2]);
		assertThat(this.policy.choose(members, members[2], null)).isSameAs(members[1]);
		TestEndpoints.eject(members[1]);
		assertThat(this.policy.choose(members, members[2], null)).isNull();
		assertThat(this.policy.choose(this.endpoints.of(), null, null)).isNull();
	}

	@Test
	void shouldSpreadConcurrentLoadEvenly() {
		// Picks that keep their slot: least-request fills the endpoints level by level.
		Endpoint<String>[] members = this.endpoints.of("a:1", "b:1", "c:1", "d:1");
		for (int i = 0; i < 40; i++) {
			this.policy.choose(members, null, null).acquire();
		}
		for (Endpoint<String> member : members) {
			assertThat(member.inFlight()).isEqualTo(10);
		}
	}

}
