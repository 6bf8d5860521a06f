package dev.livery.loadbalancer;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link P2cPolicy}.
 */
class P2cPolicyTests {

	private final P2cPolicy policy = new P2cPolicy();

	private final EndpointPool<String> pool = new EndpointPool<>("svc", PoolSettings.DEFAULTS, (m) -> m,
			new FakeTicker(), PoolListener.NONE);

	@Test
	void shouldChooseNothingFromNoEndpoints() {
		assertThat(this.policy.choose(endpoints(), null, null)).isNull();
	}

	@Test
	void shouldChooseTheOnlyEligibleEndpoint() {
		Endpoint<String>[] endpoints = endpoints("a:1");
		assertThat(this.policy.choose(endpoints, null, null)).isSameAs(endpoints[0]);
		assertThat(this.policy.choose(endpoints, endpoints[0], null)).isNull();
	}

	@Test
	void shouldNeverChooseTheBusierOfTwo() {
		Endpoint<String>[] endpoints = endpoints("a:1", "b:1");
		endpoints[0].acquire();
		for (int i = 0; i < 200; i++) {
			assertThat(this.policy.choose(endpoints, null, null)).isSameAs(endpoints[1]);
		}
	}

	@Test
	void shouldCompareTwoDistinctEndpoints() {
		// With distinct choices the single most loaded of three endpoints can never win.
		Endpoint<String>[] endpoints = endpoints("a:1", "b:1", "c:1");
		endpoints[0].acquire();
		endpoints[0].acquire();
		for (int i = 0; i < 500; i++) {
			assertThat(this.policy.choose(endpoints, null, null)).isNotSameAs(endpoints[0]);
		}
	}

	@Test
	void shouldSkipIneligibleEndpointsAndTheOneToAvoid() {
		Endpoint<String>[] endpoints = endpoints("a:1", "b:1", "c:1", "d:1");
		endpoints[1].casStatus(endpoints[1].status(), Endpoint.pack(Endpoint.DRAINED, 0));
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 600; i++) {
			counts.merge(this.policy.choose(endpoints, endpoints[2], null).key(), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("a:1", "d:1");
		assertThat(counts.get("a:1")).isBetween(200, 400);
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
