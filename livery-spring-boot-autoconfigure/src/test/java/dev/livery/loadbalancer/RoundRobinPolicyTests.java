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

	@SuppressWarnings("unchecked")
	private Endpoint<String>[] endpoints(String... keys) {
		Endpoint<String>[] endpoints = new Endpoint[keys.length];
		for (int i = 0; i < keys.length; i++) {
			endpoints[i] = new Endpoint<>(this.pool, keys[i], keys[i], Endpoint.UP);
		}
		return endpoints;
	}

}
