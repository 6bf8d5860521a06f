package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link EndpointPool}: picks, ejection, probing and membership, with a fake clock.
 */
class EndpointPoolTests {

	private static final OutlierDetection OUTLIER = new OutlierDetection(true, 3, Duration.ofSeconds(10),
			Duration.ofSeconds(25), 50);

	private final FakeTicker ticker = new FakeTicker();

	private final List<String> events = new ArrayList<>();

	private final PoolListener listener = new PoolListener() {

		@Override
		public void onEjection(EndpointPool<?> pool, Endpoint<?> endpoint) {
			EndpointPoolTests.this.events.add("ejected " + endpoint.key());
		}

		@Override
		public void onProbe(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
			EndpointPoolTests.this.events.add("probe " + endpoint.key() + " " + (success ? "success" : "failure"));
		}

	};

	private EndpointPool<String> pool(PickPolicyType policy, String... members) {
		EndpointPool<String> pool = new EndpointPool<>("svc", PoolSettings.DEFAULTS.withPolicy(policy).withOutlier(OUTLIER),
				(member) -> member, this.ticker, this.listener);
		pool.update(List.of(members));
		return pool;
	}

	@Test
	void pickWhenEmptyShouldReturnNull() {
		assertThat(pool(PickPolicyType.P2C).pick()).isNull();
	}

	@Test
	void pickWithOneEndpointShouldTakeIt() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1");
		Lease<String> lease = pool.pick();
		assertThat(lease).isNotNull();
		assertThat(lease.payload()).isEqualTo("a:1");
		assertThat(pool.endpoint("a:1").inFlight()).isEqualTo(1);
		lease.release();
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void p2cWithTwoEndpointsShouldAlwaysTakeTheLessLoaded() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		Lease<String> busy = pickFrom(pool, "a:1");
		for (int i = 0; i < 200; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease.payload()).isEqualTo("b:1");
			lease.recordSuccess();
		}
		busy.release();
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void p2cShouldCompareTwoDistinctEndpoints() {
		// With distinct choices the single most loaded of three endpoints can never win.
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1", "c:1");
		load(pool.endpoint("a:1"), 3);
		load(pool.endpoint("b:1"), 1);
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 3000; i++) {
			Lease<String> lease = pool.pick();
			counts.merge(lease.payload(), 1, Integer::sum);
			lease.release();
		}
		assertThat(counts).doesNotContainKey("a:1");
		// c (idle) wins against a and b; b wins only against a: 2/3 vs 1/3 of the pairs.
		assertThat(counts.get("c:1")).isGreaterThan(counts.get("b:1"));
		assertThat(pool.inFlight()).isEqualTo(4);
	}

	@Test
	void roundRobinShouldVisitEachEndpointInTurn() {
		EndpointPool<String> pool = pool(PickPolicyType.ROUND_ROBIN, "a:1", "b:1", "c:1");
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 300; i++) {
			Lease<String> lease = pool.pick();
			counts.merge(lease.payload(), 1, Integer::sum);
			lease.recordSuccess();
		}
		assertThat(counts).containsOnly(Map.entry("a:1", 100), Map.entry("b:1", 100), Map.entry("c:1", 100));
	}

	@Test
	void consecutiveFailuresShouldEjectAndSuccessShouldResetTheStreak() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 2);
		pickFrom(pool, "a:1").recordSuccess();
		assertThat(pool.endpoint("a:1").consecutiveFailures()).isZero();
		fail(pool, "a:1", 2);
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
		fail(pool, "a:1", 1);
		Endpoint<String> a = pool.endpoint("a:1");
		assertThat(a.state()).isEqualTo(EndpointState.EJECTED);
		assertThat(a.ejections()).isEqualTo(1);
		assertThat(a.ejectionTimeRemaining()).isEqualTo(Duration.ofSeconds(10));
		assertThat(this.events).containsExactly("ejected a:1");
		for (int i = 0; i < 100; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease.payload()).isEqualTo("b:1");
			lease.recordSuccess();
		}
	}

	@Test
	void expiredEjectionShouldLeaseExactlyOneProbeAndSuccessShouldReinstate() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(9));
		assertThat(pool.pick().payload()).isEqualTo("b:1");
		this.ticker.advance(Duration.ofSeconds(1));
		Lease<String> probe = pool.pick();
		assertThat(probe.payload()).isEqualTo("a:1");
		assertThat(probe.isProbe()).isTrue();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.PROBING);
		for (int i = 0; i < 100; i++) {
			Lease<String> other = pool.pick();
			assertThat(other.payload()).isEqualTo("b:1");
			other.release();
		}
		probe.recordSuccess();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.endpoint("a:1").consecutiveFailures()).isZero();
		assertThat(this.events).containsExactly("ejected a:1", "probe a:1 success");
	}

	@Test
	void failedProbeShouldEjectAgainForLongerUpToTheCap() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		Endpoint<String> a = pool.endpoint("a:1");
		long[] expected = { 20, 25, 25 };
		for (long seconds : expected) {
			this.ticker.advance(a.ejectionTimeRemaining());
			Lease<String> probe = pool.pick();
			assertThat(probe.isProbe()).isTrue();
			probe.recordFailure();
			assertThat(a.state()).isEqualTo(EndpointState.EJECTED);
			assertThat(a.ejectionTimeRemaining()).isEqualTo(Duration.ofSeconds(seconds));
		}
		assertThat(a.ejections()).isEqualTo(4);
		assertThat(this.events).containsExactly("ejected a:1", "probe a:1 failure", "ejected a:1",
				"probe a:1 failure", "ejected a:1", "probe a:1 failure", "ejected a:1");
	}

	@Test
	void multiplierShouldDecayWhileHealthy() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(10));
		pool.pick().recordFailure(); // probe fails: second ejection, 20 s
		this.ticker.advance(Duration.ofSeconds(20));
		pool.pick().recordSuccess(); // probe succeeds
		fail(pool, "a:1", 3);
		assertThat(a.ejectionTimeRemaining()).as("third in a row").isEqualTo(Duration.ofSeconds(25));
		this.ticker.advance(Duration.ofSeconds(25));
		pool.pick().recordSuccess();
		this.ticker.advance(Duration.ofSeconds(30)); // three healthy base intervals: multiplier 3 -> 0
		fail(pool, "a:1", 3);
		assertThat(a.ejectionTimeRemaining()).isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void cancelledProbeShouldLetTheNextPickProbe() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> probe = pool.pick();
		assertThat(probe.isProbe()).isTrue();
		assertThat(probe.release()).isTrue();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.EJECTED);
		Lease<String> next = pool.pick();
		assertThat(next.isProbe()).isTrue();
		assertThat(next.payload()).isEqualTo("a:1");
		assertThat(this.events).containsExactly("ejected a:1");
	}

	@Test
	void slowProbeShouldNotBeDuplicated() {
		// Issue 9, defect 4: a probe slower than the ejection time used to lapse, and the next pick probed again.
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> probe = pool.pick();
		assertThat(probe.isProbe()).isTrue();
		this.ticker.advance(Duration.ofSeconds(24)); // longer than ejection-time (10s), shorter than the max (25s)
		for (int i = 0; i < 20; i++) {
			Lease<String> other = pool.pick();
			assertThat(other.isProbe()).isFalse();
			assertThat(other.payload()).isEqualTo("b:1");
			other.recordSuccess();
		}
		probe.recordSuccess();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void lostProbeShouldLapseAfterMaxEjectionTimeAndItsLateAnswerBeIgnored() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> lost = pool.pick();
		this.ticker.advance(Duration.ofSeconds(25));
		Lease<String> second = pool.pick();
		assertThat(second.isProbe()).isTrue();
		assertThat(second.payload()).isEqualTo("a:1");
		lost.recordSuccess();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.PROBING);
		second.recordSuccess();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void maxEjectionPercentShouldBoundEjectionsButOneIsAlwaysEjectable() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1", "c:1", "d:1");
		fail(pool, "a:1", 3);
		fail(pool, "b:1", 3);
		fail(pool, "c:1", 3);
		assertThat(pool.endpoints()).extracting(Endpoint::state)
			.containsExactly(EndpointState.EJECTED, EndpointState.EJECTED, EndpointState.UP, EndpointState.UP);
		EndpointPool<String> single = pool(PickPolicyType.P2C, "z:1");
		fail(single, "z:1", 3);
		assertThat(single.endpoint("z:1").state()).isEqualTo(EndpointState.EJECTED);
		assertThat(single.pick()).isNull();
	}

	@Test
	void ejectionBudgetShouldBeAShareOfTheEndpointsThatAreNotDrained() {
		// Issue 9, defect 7: drained endpoints counted towards the budget, so ejections could take out every
		// endpoint that still served.
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1", "c:1", "d:1");
		pool.drain("c:1");
		pool.drain("d:1");
		fail(pool, "a:1", 3);
		fail(pool, "b:1", 3);
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.EJECTED);
		assertThat(pool.endpoint("b:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.pick().payload()).isEqualTo("b:1");
	}

	@Test
	void drainingAnEjectedEndpointShouldNotFreeBudgetBeyondTheShare() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1", "c:1", "d:1");
		fail(pool, "a:1", 3);
		fail(pool, "b:1", 3);
		pool.drain("a:1");
		fail(pool, "c:1", 3); // 50 % of the three that are not drained is one, and b:1 is out already
		assertThat(pool.endpoints()).extracting(Endpoint::state)
			.containsExactly(EndpointState.DRAINED, EndpointState.EJECTED, EndpointState.UP, EndpointState.UP);
	}

	@Test
	void disabledOutlierDetectionShouldNeverEject() {
		EndpointPool<String> pool = new EndpointPool<>("svc",
				PoolSettings.DEFAULTS.withPolicy(PickPolicyType.P2C).withOutlier(
						new OutlierDetection(false, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 100)),
				(m) -> m,
				this.ticker, this.listener);
		pool.update(List.of("a:1"));
		fail(pool, "a:1", 10);
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.endpoint("a:1").consecutiveFailures()).isEqualTo(10);
	}

	@Test
	void updateShouldKeepStateOfEndpointsThatStay() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1", "c:1");
		fail(pool, "a:1", 3);
		Lease<String> onC = pickFrom(pool, "c:1");
		pool.update(List.of("a:1", "b:1", "d:1"));
		assertThat(pool.endpoints()).extracting(Endpoint::key).containsExactly("a:1", "b:1", "d:1");
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.EJECTED);
		assertThat(onC.endpoint().isRemoved()).isTrue();
		assertThat(onC.recordFailure()).isTrue();
		assertThat(onC.endpoint().inFlight()).isZero();
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void removingAnEjectedEndpointShouldGiveBackItsEjectionBudget() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		fail(pool, "b:1", 3);
		assertThat(pool.endpoint("b:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.remove("a:1")).isTrue();
		fail(pool, "b:1", 1);
		assertThat(pool.endpoint("b:1").state()).isEqualTo(EndpointState.EJECTED);
	}

	@Test
	void drainedEndpointShouldStayOutWhileDiscoveryListsItUntilRestored() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		assertThat(pool.drain("a:1")).isTrue();
		pool.update(List.of("a:1", "b:1"));
		pool.update(List.of("b:1"));
		pool.update(List.of("a:1", "b:1"));
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.DRAINED);
		for (int i = 0; i < 100; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease.payload()).isEqualTo("b:1");
			lease.release();
		}
		assertThat(pool.restore("a:1")).isTrue();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
		assertThat(pool.drain("x:1")).isFalse();
		assertThat(pool.restore("x:1")).isFalse();
	}

	@Test
	void drainingAProbingEndpointShouldIgnoreTheProbeAnswer() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> probe = pool.pick();
		pool.drain("a:1");
		probe.recordSuccess();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.DRAINED);
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void leaseShouldFinishOnlyOnce() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1");
		Lease<String> lease = pool.pick();
		assertThat(lease.recordFailure()).isTrue();
		assertThat(lease.recordFailure()).isFalse();
		assertThat(lease.recordSuccess()).isFalse();
		assertThat(lease.release()).isFalse();
		assertThat(pool.endpoint("a:1").consecutiveFailures()).isEqualTo(1);
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void untrackedPickShouldTakeNoSlotButMayRecordOutcomes() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		pool.drain("a:1");
		Lease<String> untracked = pool.pick(Lease::new, null, false);
		assertThat(untracked.payload()).isEqualTo("b:1");
		assertThat(pool.inFlight()).isZero();
		assertThat(untracked.release()).isFalse();
		assertThat(untracked.recordFailure()).isTrue();
		assertThat(pool.endpoint("b:1").consecutiveFailures()).isEqualTo(1);
		assertThat(pool.endpoint("b:1").failures()).isEqualTo(1);
		assertThat(pool.inFlight()).isZero();
	}

	@Test
	void untrackedCallersShouldProbeWhatTheyEject() {
		// Issue 9, defect 5: callers that choose and then report (LoadBalancerClient.choose + execute) ejected
		// endpoints but never probed them, so a service used only that way kept them out for ever.
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		for (int i = 0; i < 3; i++) {
			Lease<String> lease = pickUntracked(pool, "a:1");
			lease.recordFailure();
		}
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.EJECTED);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> probe = pool.pick(Lease::new, null, false);
		assertThat(probe.isProbe()).isTrue();
		assertThat(probe.payload()).isEqualTo("a:1");
		assertThat(pool.inFlight()).isZero();
		probe.recordSuccess();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.UP);
	}

	@Test
	void untrackedProbeThatNeverReportsShouldLapseAfterOneEjectionTime() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		fail(pool, "a:1", 3);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> abandoned = pool.pick(Lease::new, null, false);
		assertThat(abandoned.isProbe()).isTrue();
		this.ticker.advance(Duration.ofSeconds(9));
		assertThat(pool.pick(Lease::new, null, false).isProbe()).isFalse();
		this.ticker.advance(Duration.ofSeconds(1));
		Lease<String> next = pool.pick(Lease::new, null, false);
		assertThat(next.isProbe()).isTrue();
		assertThat(next.payload()).isEqualTo("a:1");
	}

	@Test
	void outcomesShouldBeCounted() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1");
		pool.pick().recordSuccess();
		pool.pick().recordSuccess();
		pool.pick().recordFailure();
		pool.pick().release();
		Endpoint<String> a = pool.endpoint("a:1");
		assertThat(a.successes()).isEqualTo(2);
		assertThat(a.failures()).isEqualTo(1);
	}

	@Test
	void avoidShouldBeHonouredUnlessNothingElseIsEligible() {
		EndpointPool<String> pool = pool(PickPolicyType.P2C, "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		for (int i = 0; i < 50; i++) {
			Lease<String> lease = pool.pick(Lease::new, a, true);
			assertThat(lease.payload()).isEqualTo("b:1");
			lease.release();
		}
		pool.drain("b:1");
		Lease<String> lease = pool.pick(Lease::new, a, true);
		assertThat(lease.payload()).isEqualTo("a:1");
		lease.release();
	}

	@Test
	void invalidOutlierSettingsShouldBeRejectedByName() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 0, Duration.ofSeconds(1), Duration.ofSeconds(1), 10))
			.withMessageContaining("consecutiveFailures");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, Duration.ofSeconds(-1), Duration.ofSeconds(1), 10))
			.withMessageContaining("ejectionTime");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, Duration.ofSeconds(2), Duration.ofSeconds(1), 10))
			.withMessageContaining("maxEjectionTime");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 101))
			.withMessageContaining("maxEjectionPercent");
	}

	@Test
	void registryShouldEnsureOnceAndResetOnDemand() {
		EndpointPools<String> pools = new EndpointPools<>((m) -> m, this.ticker, this.listener);
		EndpointPool<String> pool = pools.ensure("svc", PoolSettings.DEFAULTS.withOutlier(OUTLIER), List.of("a:1", "b:1"));
		pool.remove("b:1");
		pool.drain("a:1");
		assertThat(pools.ensure("svc", PoolSettings.DEFAULTS.withOutlier(OUTLIER), List.of("a:1", "b:1"))).isSameAs(pool);
		assertThat(pool.endpoints()).extracting(Endpoint::key).containsExactly("a:1");
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.DRAINED);
		assertThat(pools.reset("svc")).isTrue();
		assertThat(pool.isRetired()).isTrue();
		assertThat(pools.get("svc")).isNull();
		assertThat(pools.reset("svc")).isFalse();
		EndpointPool<String> fresh = pools.ensure("svc", PoolSettings.DEFAULTS.withOutlier(OUTLIER), List.of("a:1", "b:1"));
		assertThat(fresh.endpoints()).extracting(Endpoint::state).containsOnly(EndpointState.UP);
	}

	private void load(Endpoint<String> endpoint, int requests) {
		for (int i = 0; i < requests; i++) {
			endpoint.acquire();
		}
	}

	private void fail(EndpointPool<String> pool, String key, int times) {
		for (int i = 0; i < times; i++) {
			pickFrom(pool, key).recordFailure();
		}
	}

	/** Pick untracked until the given endpoint comes up. */
	private Lease<String> pickUntracked(EndpointPool<String> pool, String key) {
		for (int i = 0; i < 10_000; i++) {
			Lease<String> lease = pool.pick(Lease::new, null, false);
			if (lease != null && lease.payload().equals(key)) {
				return lease;
			}
		}
		throw new AssertionError("never picked " + key);
	}

	/** Pick until the given endpoint comes up, releasing the others. */
	private Lease<String> pickFrom(EndpointPool<String> pool, String key) {
		for (int i = 0; i < 10_000; i++) {
			Lease<String> lease = pool.pick();
			if (lease != null && lease.payload().equals(key)) {
				return lease;
			}
			if (lease != null) {
				lease.release();
			}
		}
		throw new AssertionError("never picked " + key);
	}

}
