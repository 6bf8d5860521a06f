package dev.livery.loadbalancer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for what {@link EndpointPool} does for the policies: weights from the payload, picks among a request's
 * candidates, and selection of several endpoints.
 */
class EndpointPoolWeightsTests {

	private final Map<String, Integer> weights = new HashMap<>();

	private EndpointPool<String> pool(PickPolicyType policy, String... members) {
		EndpointPool<String> pool = new EndpointPool<>("svc", PoolSettings.DEFAULTS.withPolicy(policy), (m) -> m,
				(m) -> this.weights.getOrDefault(m, 1), new FakeTicker(), PoolListener.NONE);
		pool.update(List.of(members));
		return pool;
	}

	@Test
	void weightsShouldComeFromThePayloadAndFollowRefreshes() {
		this.weights.put("b:1", 3);
		this.weights.put("c:1", -5);
		EndpointPool<String> pool = pool(PickPolicyType.ROUND_ROBIN, "a:1", "b:1", "c:1");
		assertThat(pool.endpoint("a:1").weight()).isEqualTo(1);
		assertThat(pool.endpoint("b:1").weight()).isEqualTo(3);
		assertThat(pool.endpoint("b:1").effectiveWeight()).isEqualTo(3.0);
		// Below 1 counts as 1.
		assertThat(pool.endpoint("c:1").weight()).isEqualTo(1);
		this.weights.put("a:1", 2);
		pool.update(List.of("a:1", "b:1", "c:1"));
		assertThat(pool.endpoint("a:1").weight()).isEqualTo(2);
		this.weights.put("a:1", 5);
		pool.add("a:1");
		assertThat(pool.endpoint("a:1").weight()).isEqualTo(5);
		// The policy saw the change: of every 9 picks a:1 now gets 5, b:1 3 and c:1 1.
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 9 * 7; i++) {
			Lease<String> lease = pool.pick();
			counts.merge(lease.payload(), 1, Integer::sum);
			lease.release();
		}
		assertThat(counts).containsEntry("a:1", 35).containsEntry("b:1", 21).containsEntry("c:1", 7);
	}

	@Test
	void pickAmongCandidatesShouldStayAmongThemAndFallBackWhenNoneIsEligible() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1", "c:1");
		@SuppressWarnings("unchecked")
		Endpoint<String>[] candidates = new Endpoint[] { pool.endpoint("b:1") };
		for (int i = 0; i < 50; i++) {
			Lease<String> lease = pool.pick(Lease::new, null, null, true, candidates);
			assertThat(lease.payload()).isEqualTo("b:1");
			lease.release();
		}
		pool.drain("b:1");
		for (int i = 0; i < 50; i++) {
			Lease<String> lease = pool.pick(Lease::new, null, null, true, candidates);
			assertThat(lease.payload()).isIn("a:1", "c:1");
			lease.release();
		}
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void selectShouldValidateItsCountAndTakeNoSlot() {
		EndpointPool<String> pool = pool(PickPolicyType.RING_HASH, "a:1", "b:1", "c:1");
		assertThatIllegalArgumentException().isThrownBy(() -> pool.select("k", 0))
			.withMessage("count must be at least 1, was 0");
		List<Endpoint<String>> two = pool.select("k", 2);
		assertThat(two).hasSize(2).doesNotHaveDuplicates();
		assertThat(pool.select("k", 2)).isEqualTo(two);
		// What a request with the key gets is the first of them.
		Lease<String> lease = pool.pick(Lease::new, null, "k", true);
		assertThat(lease.endpoint()).isSameAs(two.get(0));
		lease.release();
		assertThat(pool.inFlight()).isZero();
	}

}
