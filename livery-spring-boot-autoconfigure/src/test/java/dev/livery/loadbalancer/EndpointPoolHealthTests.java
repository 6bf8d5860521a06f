package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for the health side of {@link EndpointPool}: eligibility by health, panic, slow start, and the events health
 * sources rely on, with a fake clock.
 */
class EndpointPoolHealthTests {

	private static final OutlierDetection OUTLIER = new OutlierDetection(true, 1, Duration.ofSeconds(10),
			Duration.ofSeconds(30), 100);

	private static final SlowStart RAMP = new SlowStart(Duration.ofSeconds(10), 1.0, 10);

	private final FakeTicker ticker = new FakeTicker();

	private final List<String> events = new ArrayList<>();

	private final PoolListener listener = new PoolListener() {

		@Override
		public void onMembershipChanged(EndpointPool<?> pool) {
			EndpointPoolHealthTests.this.events.add("members " + pool.endpoints().size());
		}

		@Override
		public void onPoolRetired(EndpointPool<?> pool) {
			EndpointPoolHealthTests.this.events.add("retired " + pool.serviceId());
		}

		@Override
		public void onConnectFailure(EndpointPool<?> pool, Endpoint<?> endpoint) {
			EndpointPoolHealthTests.this.events.add("connect failure " + endpoint.key());
		}

		@Override
		public void onHealthCheck(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
			EndpointPoolHealthTests.this.events.add("check " + endpoint.key() + " " + success);
		}

		@Override
		public void onPanic(EndpointPool<?> pool, boolean panic) {
			EndpointPoolHealthTests.this.events.add("panic " + panic);
		}

		@Override
		public void onHealthChanged(EndpointPool<?> pool, Endpoint<?> endpoint) {
			EndpointPoolHealthTests.this.events.add(endpoint.key() + " " + endpoint.health());
		}

	};

	private EndpointPool<String> pool(PoolSettings settings, String... members) {
		EndpointPool<String> pool = new EndpointPool<>("svc", settings.withOutlier(OUTLIER), (member) -> member,
				this.ticker, this.listener);
		pool.update(List.of(members));
		return pool;
	}

	private EndpointPool<String> pool(String... members) {
		return pool(PoolSettings.DEFAULTS, members);
	}

	@Test
	void healthIsUncheckedUntilASourceReportsAndShowsScoreAndStatus() {
		EndpointPool<String> pool = pool("a:1");
		Endpoint<String> a = pool.endpoint("a:1");
		assertThat(a.health()).isEqualTo(EndpointHealth.UNCHECKED);
		assertThat(a.healthScore()).isEmpty();
		assertThat(a.servingStatus()).isNull();
		pool.health().reportHealthScore(a, 1, true);
		assertThat(a.health()).isEqualTo(EndpointHealth.HEALTHY);
		assertThat(a.healthScore()).hasValue(1);
		pool.health().reportServingStatus(a, "SERVING", true);
		assertThat(a.servingStatus()).isEqualTo("SERVING");
		assertThat(a.health()).isEqualTo(EndpointHealth.HEALTHY);
		pool.health().reportHealthScore(a, -1, false);
		assertThat(a.health()).isEqualTo(EndpointHealth.UNHEALTHY);
		pool.health().clear(a);
		assertThat(a.health()).isEqualTo(EndpointHealth.UNCHECKED);
		assertThat(a.healthScore()).isEmpty();
		assertThat(a.servingStatus()).isNull();
	}

	@Test
	void listenerIsToldWhenHealthFlipsOnly() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPanicThreshold(0), "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		pool.health().reportHealthScore(a, 1, true);
		pool.health().reportServingStatus(a, "SERVING", true);
		pool.health().reportHealthScore(a, -1, false);
		pool.health().reportServingStatus(a, "NOT_SERVING", false);
		pool.health().reportHealthScore(a, 0, true);
		pool.health().reportServingStatus(a, "SERVING", true);
		assertThat(this.events).filteredOn((event) -> event.startsWith("a:1"))
			.containsExactly("a:1 UNHEALTHY", "a:1 HEALTHY");
	}

	@Test
	void unhealthyByActiveChecksIsNotPickedUntilHealthyAgain() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPanicThreshold(0), "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		pool.health().reportHealthScore(a, -1, false);
		assertThat(a.isEligible()).isFalse();
		assertThat(picks(pool, 200)).containsOnlyKeys("b:1");
		pool.health().reportHealthScore(a, 0, true);
		assertThat(a.isEligible()).isTrue();
		assertThat(picks(pool, 200)).containsKeys("a:1", "b:1");
	}

	@Test
	void anyStatusButServingKeepsAnEndpointOutAndServingBringsItBack() {
		EndpointPool<String> pool = pool("a:1", "b:1", "c:1", "d:1");
		Endpoint<String> a = pool.endpoint("a:1");
		for (String status : new String[] { "NOT_SERVING", "SERVICE_UNKNOWN", "UNKNOWN" }) {
			pool.health().reportServingStatus(a, status, false);
			assertThat(a.isEligible()).as(status).isFalse();
			assertThat(picks(pool, 100)).doesNotContainKey("a:1");
			pool.health().reportServingStatus(a, "SERVING", true);
			assertThat(a.isEligible()).isTrue();
		}
		// A watch that found no protocol counts as healthy.
		pool.health().reportServingStatus(a, null, true);
		assertThat(a.health()).isEqualTo(EndpointHealth.HEALTHY);
		assertThat(a.isEligible()).isTrue();
	}

	@Test
	void eitherSourceSayingUnhealthyIsEnough() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPanicThreshold(0), "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		pool.health().reportServingStatus(a, "SERVING", true);
		pool.health().reportHealthScore(a, -2, false);
		assertThat(a.isEligible()).isFalse();
		pool.health().reportHealthScore(a, 0, true);
		pool.health().reportServingStatus(a, "NOT_SERVING", false);
		assertThat(a.isEligible()).isFalse();
		pool.health().reportServingStatus(a, "SERVING", true);
		assertThat(a.isEligible()).isTrue();
	}

	@Test
	void panicBelowTheThresholdIgnoresActiveChecksButNotTheWatchDrainsOrEjections() {
		EndpointPool<String> pool = pool("a:1", "b:1", "c:1", "d:1");
		pool.health().reportHealthScore(pool.endpoint("a:1"), -1, false);
		assertThat(pool.health().isPanic()).isFalse();
		// Two of four eligible: 50 % is not below 50 %.
		pool.health().reportHealthScore(pool.endpoint("b:1"), -1, false);
		assertThat(pool.health().isPanic()).isFalse();
		assertThat(picks(pool, 200)).containsOnlyKeys("c:1", "d:1");
		// One of four: panic, and every endpoint active checks kept out is picked again.
		pool.health().reportHealthScore(pool.endpoint("c:1"), -1, false);
		assertThat(pool.health().isPanic()).isTrue();
		assertThat(picks(pool, 400)).containsOnlyKeys("a:1", "b:1", "c:1", "d:1");
		assertThat(pool.endpoint("a:1").health()).isEqualTo(EndpointHealth.UNHEALTHY);
		// NOT_SERVING still counts in panic.
		pool.health().reportServingStatus(pool.endpoint("a:1"), "NOT_SERVING", false);
		assertThat(picks(pool, 400)).containsOnlyKeys("b:1", "c:1", "d:1");
		// And so do drains and ejections.
		pool.drain("b:1");
		fail(pool, "c:1");
		assertThat(pool.endpoint("c:1").state()).isEqualTo(EndpointState.EJECTED);
		assertThat(picks(pool, 200)).containsOnlyKeys("d:1");
		// a healthy again: two of the three that are not drained are eligible, out of panic.
		pool.health().reportHealthScore(pool.endpoint("a:1"), 0, true);
		assertThat(pool.health().isPanic()).isTrue();
		pool.health().reportServingStatus(pool.endpoint("a:1"), "SERVING", true);
		assertThat(pool.health().isPanic()).isFalse();
		assertThat(picks(pool, 200)).containsOnlyKeys("a:1", "d:1");
		assertThat(this.events).containsSubsequence("panic true", "panic false");
	}

	@Test
	void drainedEndpointsDoNotCountTowardsPanic() {
		EndpointPool<String> pool = pool("a:1", "b:1", "c:1", "d:1");
		pool.drain("a:1");
		pool.drain("b:1");
		pool.health().reportHealthScore(pool.endpoint("c:1"), -1, false);
		// One of the two that are not drained is eligible: 50 %, no panic.
		assertThat(pool.health().isPanic()).isFalse();
		assertThat(picks(pool, 100)).containsOnlyKeys("d:1");
	}

	@Test
	void ejectionsCanCausePanicWhichOnlyRelaxesActiveChecks() {
		EndpointPool<String> pool = pool("a:1", "b:1", "c:1");
		pool.health().reportHealthScore(pool.endpoint("a:1"), -1, false);
		fail(pool, "b:1");
		assertThat(pool.health().isPanic()).isTrue();
		assertThat(picks(pool, 300)).containsOnlyKeys("a:1", "c:1");
	}

	@Test
	void panicThresholdZeroNeverPanics() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPanicThreshold(0), "a:1", "b:1");
		pool.health().reportHealthScore(pool.endpoint("a:1"), -1, false);
		pool.health().reportHealthScore(pool.endpoint("b:1"), -1, false);
		assertThat(pool.health().isPanic()).isFalse();
		assertThat(pool.pick()).isNull();
	}

	@Test
	void panicThreshold100PanicsWithOneUnhealthyEndpoint() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPanicThreshold(100), "a:1", "b:1");
		pool.health().reportHealthScore(pool.endpoint("a:1"), -1, false);
		assertThat(pool.health().isPanic()).isTrue();
		assertThat(picks(pool, 200)).containsOnlyKeys("a:1", "b:1");
	}

	@Test
	void unhealthyEjectedEndpointIsNotProbedUntilItsHealthImproves() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPanicThreshold(0), "a:1", "b:1");
		fail(pool, "a:1");
		Endpoint<String> a = pool.endpoint("a:1");
		pool.health().reportHealthScore(a, -1, false);
		this.ticker.advance(Duration.ofSeconds(11));
		for (int i = 0; i < 100; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease.isProbe()).isFalse();
			assertThat(lease.payload()).isEqualTo("b:1");
			lease.recordSuccess();
		}
		pool.health().reportHealthScore(a, 0, true);
		Lease<String> probe = pool.pick();
		assertThat(probe.isProbe()).isTrue();
		assertThat(probe.payload()).isEqualTo("a:1");
		probe.recordSuccess();
		assertThat(a.state()).isEqualTo(EndpointState.UP);
	}

	@Test
	void slowStartRampsAnEndpointThatJoinsAServingPool() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withSlowStart(RAMP), "a:1", "b:1");
		// The first members of a pool do not ramp: there was nothing to protect them from.
		assertThat(pool.endpoint("a:1").rampUp()).isEqualTo(1.0);
		assertThat(pool.health().refreshRampUp()).isFalse();
		pool.add("c:1");
		Endpoint<String> c = pool.endpoint("c:1");
		assertThat(c.rampUp()).isEqualTo(0.1);
		assertThat(c.effectiveWeight()).isEqualTo(0.1);
		this.ticker.advance(Duration.ofSeconds(5));
		assertThat(pool.health().refreshRampUp()).isTrue();
		assertThat(c.rampUp()).isCloseTo(0.5, within(1e-9));
		this.ticker.advance(Duration.ofSeconds(5));
		assertThat(pool.health().refreshRampUp()).isFalse();
		assertThat(c.rampUp()).isEqualTo(1.0);
	}

	@Test
	void slowStartFollowsEnvoysCurve() {
		SlowStart aggressive = new SlowStart(Duration.ofSeconds(100), 2.0, 5);
		assertThat(aggressive.factor(0)).isEqualTo(0.05);
		assertThat(aggressive.factor(Duration.ofSeconds(1).toNanos())).isCloseTo(0.1, within(1e-9));
		assertThat(aggressive.factor(Duration.ofSeconds(25).toNanos())).isCloseTo(0.5, within(1e-9));
		assertThat(aggressive.factor(Duration.ofSeconds(100).toNanos())).isEqualTo(1.0);
		assertThat(SlowStart.OFF.enabled()).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> new SlowStart(Duration.ofSeconds(1), 0, 10))
			.withMessageContaining("aggression");
		assertThatIllegalArgumentException().isThrownBy(() -> new SlowStart(Duration.ofSeconds(1), 1, 0))
			.withMessageContaining("minWeightPercent");
		assertThatIllegalArgumentException().isThrownBy(() -> PoolSettings.DEFAULTS.withPanicThreshold(101))
			.withMessageContaining("panicThreshold");
	}

	@Test
	void slowStartRampsAnEndpointThatComesBack() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withSlowStart(RAMP).withPanicThreshold(0), "a:1",
				"b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		// Reinstated by its probe.
		fail(pool, "a:1");
		this.ticker.advance(Duration.ofSeconds(11));
		Lease<String> probe = pool.pick();
		assertThat(probe.isProbe()).isTrue();
		probe.recordSuccess();
		assertThat(a.rampUp()).isEqualTo(0.1);
		this.ticker.advance(Duration.ofSeconds(10));
		pool.health().refreshRampUp();
		assertThat(a.rampUp()).isEqualTo(1.0);
		// Restored after a drain.
		pool.drain("a:1");
		pool.restore("a:1");
		assertThat(a.rampUp()).isEqualTo(0.1);
		this.ticker.advance(Duration.ofSeconds(10));
		pool.health().refreshRampUp();
		// Healthy again.
		pool.health().reportHealthScore(a, -1, false);
		assertThat(a.rampUp()).isEqualTo(1.0);
		pool.health().reportHealthScore(a, 0, true);
		assertThat(a.rampUp()).isEqualTo(0.1);
	}

	@Test
	void p2cGivesARampingEndpointLessThanItsShare() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withSlowStart(RAMP), "a:1");
		pool.add("b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		// Idle, b ramping at 10 %: a wins every comparison while (its in flight + 1) is below 10 times b's.
		assertThat(picks(pool, 200)).containsOnlyKeys("a:1");
		for (int i = 0; i < 8; i++) {
			a.acquire();
		}
		assertThat(picks(pool, 200)).containsOnlyKeys("a:1");
		a.acquire();
		a.acquire();
		assertThat(picks(pool, 200)).containsOnlyKeys("b:1");
	}

	@Test
	void roundRobinGivesARampingEndpointItsRampedWeight() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withPolicy(PickPolicyType.ROUND_ROBIN)
			.withSlowStart(new SlowStart(Duration.ofSeconds(10), 1.0, 20)), "a:1");
		pool.add("b:1");
		Map<String, Integer> picks = picks(pool, 10_000);
		// b weighs a fifth of a: it takes each of its turns with probability 0.2, so 0.2 / 1.2 of the picks, 1,667 of
		// 10,000, with a standard deviation of 30 (sqrt(n p (1 - p) / (1 + p)^3)): 5 sigma either side.
		assertThat(picks.get("b:1")).isBetween(1515, 1819);
	}

	@Test
	void eventsForHealthSources() {
		EndpointPools<String> pools = new EndpointPools<>((member) -> member, this.ticker, this.listener);
		EndpointPool<String> pool = pools.ensure("svc", PoolSettings.DEFAULTS, List.of("a:1"));
		pool.add("b:1");
		pool.remove("a:1");
		Lease<String> lease = pool.pick();
		lease.recordConnectFailure();
		assertThat(pool.endpoint("b:1").consecutiveFailures()).isEqualTo(1);
		pool.health().reportHealthCheck(pool.endpoint("b:1"), true);
		pools.reset("svc");
		assertThat(this.events).containsExactly("members 1", "members 2", "members 1", "connect failure b:1",
				"check b:1 true", "retired svc");
		// A lease finishes once: a late connect failure is not counted.
		assertThat(lease.recordConnectFailure()).isFalse();
		assertThat(this.events).hasSize(6);
	}

	@Test
	void racingHealthReportsAndPicksLeaveAConsistentPoolAndNothingInFlight() throws Exception {
		String[] keys = { "a:1", "b:1", "c:1", "d:1", "e:1", "f:1" };
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS.withSlowStart(RAMP), keys);
		java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newFixedThreadPool(4);
		try {
			java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
			List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 2; t++) {
				futures.add(executor.submit(() -> {
					start.await();
					java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
					for (int i = 0; i < 20_000; i++) {
						Endpoint<String> endpoint = pool.endpoint(keys[random.nextInt(keys.length)]);
						boolean healthy = random.nextBoolean();
						if (random.nextBoolean()) {
							pool.health().reportHealthScore(endpoint, healthy ? 0 : -1, healthy);
						}
						else {
							pool.health().reportServingStatus(endpoint, healthy ? "SERVING" : "NOT_SERVING", healthy);
						}
					}
					return null;
				}));
				futures.add(executor.submit(() -> {
					start.await();
					for (int i = 0; i < 20_000; i++) {
						Lease<String> lease = pool.pick();
						if (lease != null) {
							lease.recordSuccess();
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (java.util.concurrent.Future<?> future : futures) {
				future.get(60, java.util.concurrent.TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(pool.inFlight()).isZero();
		long healthy = pool.endpoints().stream().filter((e) -> e.health() != EndpointHealth.UNHEALTHY).count();
		assertThat(pool.health().isPanic()).as("panic matches the members after the race").isEqualTo(healthy * 2 < 6);
		for (Endpoint<String> endpoint : pool.endpoints()) {
			pool.health().reportHealthScore(endpoint, 1, true);
			pool.health().reportServingStatus(endpoint, "SERVING", true);
		}
		assertThat(pool.health().isPanic()).isFalse();
		assertThat(pool.endpoints()).allMatch(Endpoint::isEligible);
	}

	@Test
	void reportsForAnotherPoolsEndpointAreRejected() {
		EndpointPool<String> one = pool("a:1");
		EndpointPool<String> other = pool("a:1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> one.health().reportHealthScore(other.endpoint("a:1"), 0, true))
			.withMessageContaining("a:1");
	}

	private void fail(EndpointPool<String> pool, String key) {
		for (int i = 0; i < 10_000; i++) {
			Lease<String> lease = pool.pick();
			if (lease != null && lease.payload().equals(key)) {
				lease.recordFailure();
				return;
			}
			if (lease != null) {
				lease.release();
			}
		}
		throw new AssertionError("never picked " + key);
	}

	private static Map<String, Integer> picks(EndpointPool<String> pool, int n) {
		Map<String, Integer> picks = new HashMap<>();
		for (int i = 0; i < n; i++) {
			Lease<String> lease = pool.pick();
			if (lease == null) {
				continue;
			}
			picks.merge(lease.payload(), 1, Integer::sum);
			lease.release();
		}
		Set<String> keys = new TreeSet<>(picks.keySet());
		assertThat(keys).isNotEmpty();
		return picks;
	}

}
