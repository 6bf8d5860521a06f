package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RoundRobinPolicy}.
 */
class RoundRobinPolicyTests {

	private final RoundRobinPolicy policy = new RoundRobinPolicy();

	private final EndpointPool<String> pool = new EndpointPool<>("svc", PoolSettings.DEFAULTS, (m) -> m,
			new FakeTicker(), PoolListener.NONE);

	@Test
	void shouldTakeEachEndpointInTurn() {
		Endpoint<String>[] endpoints = endpoints("a:1", "b:1", "c:1");
		List<String> chosen = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			chosen.add(this.policy.choose(endpoints, null, null).key());
		}
		assertThat(chosen).containsExactly("a:1", "b:1", "c:1", "a:1", "b:1", "c:1");
	}

	@Test
	void shouldSkipIneligibleEndpointsAndTheOneToAvoid() {
		Endpoint<String>[] endpoints = endpoints("a:1", "b:1", "c:1");
		endpoints[1].casStatus(endpoints[1].status(), Endpoint.pack(Endpoint.EJECTED, 0));
		for (int i = 0; i < 6; i++) {
			assertThat(this.policy.choose(endpoints, endpoints[2], null)).isSameAs(endpoints[0]);
		}
		assertThat(this.policy.choose(endpoints, endpoints[0], null)).isSameAs(endpoints[2]);
	}

	@Test
	void shouldChooseNothingWhenNothingIsEligible() {
		Endpoint<String>[] endpoints = endpoints("a:1");
		assertThat(this.policy.choose(endpoints, endpoints[0], null)).isNull();
		assertThat(this.policy.choose(endpoints(), null, null)).isNull();
	}

	@Test
	void weightsShouldGiveNginxSmoothSequence() {
		Endpoint<String>[] members = new TestEndpoints().weighted(5, 1, 1);
		this.policy.membersChanged(members);
		List<String> chosen = new ArrayList<>();
		for (int i = 0; i < 14; i++) {
			chosen.add(this.policy.choose(members, null, null).key());
		}
		assertThat(chosen).containsExactly("e0:1", "e0:1", "e1:1", "e0:1", "e2:1", "e0:1", "e0:1", "e0:1", "e0:1",
				"e1:1", "e0:1", "e2:1", "e0:1", "e0:1");
	}

	@Test
	void ineligibleEndpointsTurnsShouldBeSharedInProportionToWeights() {
		// Weights 4, 2, 2: with the heavy one ejected, the other two split evenly (not by cycle position).
		Endpoint<String>[] members = new TestEndpoints().weighted(4, 2, 2);
		this.policy.membersChanged(members);
		TestEndpoints.eject(members[0]);
		java.util.Map<String, Integer> counts = new java.util.HashMap<>();
		for (int i = 0; i < 400; i++) {
			counts.merge(this.policy.choose(members, null, null).key(), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("e1:1", "e2:1");
		assertThat(counts.get("e1:1")).isBetween(190, 210);
	}

	@Test
	void refreshWithTheSameMembersShouldKeepTheCycle() {
		Endpoint<String>[] members = new TestEndpoints().weighted(2, 1);
		this.policy.membersChanged(members);
		assertThat(this.policy.choose(members, null, null).key()).isEqualTo("e0:1");
		Endpoint<String>[] same = members.clone();
		this.policy.membersChanged(same);
		// The cursor goes on through the same cycle: e1, e0 (then e0 e1 e0 ...).
		assertThat(this.policy.choose(same, null, null).key()).isEqualTo("e1:1");
		assertThat(this.policy.choose(same, null, null).key()).isEqualTo("e0:1");
	}

	@SuppressWarnings("unchecked")
	private Endpoint<String>[] endpoints(String... keys) {
		Endpoint<String>[] endpoints = new Endpoint[keys.length];
		for (int i = 0; i < keys.length; i++) {
			endpoints[i] = new Endpoint<>(this.pool, keys[i], keys[i], Endpoint.UP);
		}
		return endpoints;
	}

}
