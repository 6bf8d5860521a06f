package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link PeakEwmaPolicy}, alone and in an {@link EndpointPool}, on a fake clock.
 */
class PeakEwmaPolicyTests {

	private static final PoolSettings PEAK_EWMA = PoolSettings.DEFAULTS.withPolicy(PickPolicyType.PEAK_EWMA);

	private final FakeTicker ticker = new FakeTicker();

	private final AtomicInteger clockReads = new AtomicInteger();

	private final Ticker countingTicker = () -> {
		this.clockReads.incrementAndGet();
		return this.ticker.read();
	};

	private EndpointPool<String> pool(PoolSettings settings, String... members) {
		EndpointPool<String> pool = new EndpointPool<>("svc", settings, (m) -> m, this.countingTicker,
				PoolListener.NONE);
		pool.update(List.of(members));
		return pool;
	}

	@Test
	void typeShouldCreateThePolicyWithThePoolsLatencySettings() {
		LatencySettings latency = new LatencySettings(Duration.ofSeconds(3), Duration.ofMillis(250));
		PickPolicy policy = PickPolicyType.PEAK_EWMA.newPolicy(PEAK_EWMA.withLatency(latency));
		assertThat(policy).isInstanceOf(PeakEwmaPolicy.class).hasToString("peak-ewma");
		assertThat(((PeakEwmaPolicy) policy).settings()).isEqualTo(latency);
		assertThat(PickPolicyType.PEAK_EWMA.id()).isEqualTo("peak-ewma");
	}

	@Test
	void shouldChooseNothingFromNoEligibleEndpoint() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1");
		Endpoint<String>[] members = members(pool);
		assertThat(pool.policy().choose(members, null, null)).isSameAs(members[0]);
		assertThat(pool.policy().choose(members, members[0], null)).isNull();
		pool.drain("a:1");
		assertThat(pool.policy().choose(members, null, null)).isNull();
		assertThat(pool.pick()).isNull();
	}

	@Test
	void shouldPreferTheFasterOfTwo() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		sample(pool, "a:1", Duration.ofMillis(10));
		sample(pool, "b:1", Duration.ofMillis(2));
		for (int i = 0; i < 200; i++) {
			assertThat(pool.policy().choose(members(pool), null, null).key()).isEqualTo("b:1");
		}
	}

	@Test
	void shouldWeighRequestsInFlight() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		sample(pool, "a:1", Duration.ofMillis(1));
		sample(pool, "b:1", Duration.ofMillis(3));
		Endpoint<String> a = pool.endpoint("a:1");
		for (int i = 0; i < 5; i++) {
			a.acquire();
		}
		// 1 ms × 6 against 3 ms × 1.
		assertThat(pool.policy().choose(members(pool), null, null).key()).isEqualTo("b:1");
		for (int i = 0; i < 4; i++) {
			a.release();
		}
		// 1 ms × 2 against 3 ms × 1.
		assertThat(pool.policy().choose(members(pool), null, null).key()).isEqualTo("a:1");
		a.release();
	}

	@Test
	void shouldDivideTheCostByTheWeight() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "heavy:1", "light:1");
		pool.endpoint("heavy:1").weight(3);
		sample(pool, "heavy:1", Duration.ofMillis(5));
		sample(pool, "light:1", Duration.ofMillis(2));
		// 5 ms × 1 ÷ 3 against 2 ms × 1 ÷ 1.
		for (int i = 0; i < 100; i++) {
			assertThat(pool.policy().choose(members(pool), null, null).key()).isEqualTo("heavy:1");
		}
		pool.endpoint("heavy:1").acquire();
		// 5 ms × 2 ÷ 3 against 2 ms: the light one now.
		assertThat(pool.policy().choose(members(pool), null, null).key()).isEqualTo("light:1");
		pool.endpoint("heavy:1").release();
	}

	@Test
	void endpointWithoutSampleShouldBeJudgedOnRequestsInFlightOnly() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "new:1", "slow:1");
		sample(pool, "slow:1", Duration.ofSeconds(1));
		Endpoint<String> fresh = pool.endpoint("new:1");
		Endpoint<String> slow = pool.endpoint("slow:1");
		fresh.acquire();
		// As fast as its partner, however slow that is: the one with fewer in flight wins.
		assertThat(pool.policy().choose(members(pool), null, null)).isSameAs(slow);
		fresh.release();
		slow.acquire();
		assertThat(pool.policy().choose(members(pool), null, null)).isSameAs(fresh);
		slow.release();
		// A tie on both counts goes either way.
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 400; i++) {
			counts.merge(pool.policy().choose(members(pool), null, null).key(), 1, Integer::sum);
		}
		assertThat(counts.get("new:1")).isBetween(120, 280);
	}

	@Test
	void shouldCompareTwoDistinctEndpoints() {
		// With distinct choices the single most expensive of three endpoints can never win.
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1", "c:1");
		sample(pool, "a:1", Duration.ofMillis(50));
		sample(pool, "b:1", Duration.ofMillis(1));
		sample(pool, "c:1", Duration.ofMillis(2));
		for (int i = 0; i < 500; i++) {
			assertThat(pool.policy().choose(members(pool), null, null).key()).isNotEqualTo("a:1");
		}
	}

	@Test
	void shouldSkipIneligibleEndpointsAndTheOneToAvoid() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1", "c:1", "d:1");
		pool.drain("b:1");
		Endpoint<String>[] members = members(pool);
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 600; i++) {
			counts.merge(pool.policy().choose(members, pool.endpoint("c:1"), null).key(), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("a:1", "d:1");
		assertThat(counts.get("a:1")).isBetween(200, 400);
	}

	@Test
	void choosingShouldReadNoClock() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1", "c:1");
		sample(pool, "a:1", Duration.ofMillis(5));
		sample(pool, "b:1", Duration.ofMillis(1));
		this.clockReads.set(0);
		for (int i = 0; i < 1000; i++) {
			pool.policy().choose(members(pool), null, null);
		}
		assertThat(this.clockReads).hasValue(0);
	}

	@Test
	void peakEwmaLeaseShouldReadTheClockOnceAtItsStartAndOnceAtItsEnd() {
		// No ejection: an endpoint that a random draw gives five failures in a row would be ejected, and every pick
		// while something is ejected reads the clock once more to look for a due probe.
		EndpointPool<String> pool = pool(PEAK_EWMA.withOutlier(new OutlierDetection(false, 5, Duration.ofSeconds(30),
				Duration.ofSeconds(300), 50)), "a:1", "b:1", "c:1");
		this.clockReads.set(0);
		for (int i = 0; i < 100; i++) {
			Lease<String> lease = pool.pick();
			switch (i % 3) {
				case 0 -> lease.recordSuccess();
				case 1 -> lease.recordFailure();
				default -> lease.release();
			}
			// Finishing again does nothing, and reads nothing.
			lease.release();
			lease.recordSuccess();
		}
		assertThat(this.clockReads).hasValue(200);
	}

	@Test
	void p2cLeaseShouldReadNoClock() {
		EndpointPool<String> pool = pool(PoolSettings.DEFAULTS, "a:1", "b:1", "c:1");
		this.clockReads.set(0);
		for (int i = 0; i < 100; i++) {
			Lease<String> lease = pool.pick();
			if (i % 2 == 0) {
				lease.recordSuccess();
			}
			else {
				lease.release();
			}
		}
		assertThat(this.clockReads).hasValue(0);
		assertThat(pool.endpoint("a:1").latencyEstimate()).isNull();
	}

	@Test
	void outcomesShouldBeSamplesFromTheLeasesStart() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1");
		Endpoint<String> a = pool.endpoint("a:1");
		assertThat(a.latencyEstimate()).as("no sample yet").isNull();
		Lease<String> lease = pool.pick();
		this.ticker.advance(Duration.ofMillis(30));
		lease.recordSuccess();
		assertThat(millis(a.latencyEstimate())).isCloseTo(30, within(1e-3));
		lease = pool.pick();
		this.ticker.advance(Duration.ofMillis(2));
		lease.recordFailure();
		assertThat(millis(a.latencyEstimate())).as("a fast failure costs the penalty").isCloseTo(1000, within(1e-3));
		lease = pool.pick();
		this.ticker.advance(Duration.ofSeconds(5));
		lease.release();
		assertThat(millis(a.latencyEstimate())).as("a cancel after 5 s: at least 5 s").isCloseTo(5000, within(1e-3));
	}

	@Test
	void aLeaseShouldBeSampledExactlyOnce() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1");
		Endpoint<String> a = pool.endpoint("a:1");
		Lease<String> lease = pool.pick();
		this.ticker.advance(Duration.ofMillis(20));
		lease.recordSuccess();
		this.ticker.advance(Duration.ofSeconds(3));
		// Released late (a cancel after 3 s would raise the estimate to 3 s): the lease is already finished.
		lease.release();
		lease.recordFailure();
		assertThat(millis(a.latencyEstimate())).isCloseTo(20 * Math.exp(-0.3), within(0.01));
	}

	@Test
	void slowEndpointShouldStopDrawingPicksAfterItsFirstAnswer() {
		// Sequential callers, one request at a time, so requests in flight never tell the endpoints apart: P2C
		// splits evenly, peak-ewma moves away at the first slow answer.
		assertThat(picksOfTheBadEndpoint(PEAK_EWMA, false)).isLessThanOrEqualTo(1);
		assertThat(picksOfTheBadEndpoint(PoolSettings.DEFAULTS, false)).isGreaterThan(150);
	}

	@Test
	void fastFailingEndpointShouldStopDrawingPicksAfterItsFirstFailure() {
		PoolSettings noEjection = PEAK_EWMA
			.withOutlier(new OutlierDetection(false, 5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50));
		assertThat(picksOfTheBadEndpoint(noEjection, true)).isLessThanOrEqualTo(1);
		assertThat(picksOfTheBadEndpoint(PoolSettings.DEFAULTS.withOutlier(noEjection.outlier()), true))
			.isGreaterThan(150);
	}

	/**
	 * 1,000 sequential requests over four endpoints, 1 ms each, except d:1: 300 ms, or failing in 1 ms. Under
	 * peak-ewma every endpoint has answered once in 1 ms before: an endpoint with no sample ties with any other
	 * (see PeakEwma), so d:1 would otherwise win a random share of its comparisons with those not yet sampled.
	 */
	private int picksOfTheBadEndpoint(PoolSettings settings, boolean failing) {
		EndpointPool<String> pool = pool(settings, "a:1", "b:1", "c:1", "d:1");
		if (settings.policy() == PickPolicyType.PEAK_EWMA) {
			for (String key : List.of("a:1", "b:1", "c:1", "d:1")) {
				sample(pool, key, Duration.ofMillis(1));
			}
		}
		int bad = 0;
		for (int i = 0; i < 1000; i++) {
			Lease<String> lease = pool.pick();
			boolean isBad = lease.payload().equals("d:1");
			if (isBad) {
				bad++;
			}
			this.ticker.advance(Duration.ofMillis((isBad && !failing) ? 300 : 1));
			if (isBad && failing) {
				lease.recordFailure();
			}
			else {
				lease.recordSuccess();
			}
		}
		assertThat(pool.inFlight()).isZero();
		return bad;
	}

	@Test
	void shunnedEndpointShouldBeTriedAgainOnceItsEstimateHasDecayed() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		sample(pool, "a:1", Duration.ofSeconds(1));
		sample(pool, "b:1", Duration.ofMillis(1));
		int picksOfA = 0;
		// b answers in 1 ms every 100 ms; a's 1 s decays toward b's 1 ms over tau × ln(1000) = 69 s.
		for (int i = 0; i < 1000; i++) {
			this.ticker.advance(Duration.ofMillis(100));
			Lease<String> lease = pool.pick();
			if (lease.payload().equals("a:1")) {
				picksOfA++;
				assertThat(i).as("not before a's estimate has decayed near b's").isGreaterThan(600);
			}
			this.ticker.advance(Duration.ofMillis(1));
			lease.recordSuccess();
		}
		assertThat(picksOfA).isPositive();
	}

	@Test
	void endpointThatRejoinsShouldStartWithoutSample() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		sample(pool, "a:1", Duration.ofMillis(300));
		assertThat(pool.endpoint("a:1").latencyEstimate()).isNotNull();
		pool.remove("a:1");
		pool.add("a:1");
		assertThat(pool.endpoint("a:1").latencyEstimate()).isNull();
		sample(pool, "b:1", Duration.ofMillis(300));
		pool.update(List.of("c:1"));
		pool.update(List.of("b:1", "c:1"));
		assertThat(pool.endpoint("b:1").latencyEstimate()).isNull();
	}

	@Test
	void restoredEndpointShouldStartWithoutSample() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		sample(pool, "a:1", Duration.ofMillis(300));
		pool.drain("a:1");
		assertThat(pool.endpoint("a:1").latencyEstimate()).as("kept while drained").isNotNull();
		pool.restore("a:1");
		assertThat(pool.endpoint("a:1").latencyEstimate()).isNull();
	}

	@Test
	void probeOutcomeShouldBeASample() {
		OutlierDetection outlier = new OutlierDetection(true, 1, Duration.ofSeconds(10), Duration.ofSeconds(40), 50);
		EndpointPool<String> pool = pool(PEAK_EWMA.withOutlier(outlier), "a:1", "b:1");
		Lease<String> lease;
		do {
			lease = pool.pick();
			this.ticker.advance(Duration.ofMillis(1));
			if (lease.payload().equals("a:1")) {
				lease.recordFailure();
			}
			else {
				lease.recordSuccess();
			}
		}
		while (pool.endpoint("a:1").state() != EndpointState.EJECTED);
		Endpoint<String> a = pool.endpoint("a:1");
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> probe = pool.pick();
		assertThat(probe.isProbe()).isTrue();
		assertThat(probe.endpoint()).isSameAs(a);
		double before = millis(a.latencyEstimate());
		this.ticker.advance(Duration.ofMillis(20));
		probe.recordSuccess();
		assertThat(a.state()).isEqualTo(EndpointState.UP);
		// The penalty's second, decayed for 10 s, plus the probe's 20 ms weighted by that gap.
		double w = Math.exp(-1.002);
		assertThat(before).isCloseTo(1000 * Math.exp(-1), within(0.5));
		assertThat(millis(a.latencyEstimate())).isCloseTo(1000 * w + 20 * (1 - w), within(0.5));
	}

	@Test
	void hungEndpointShouldLoseToAFasterOneWithMoreInFlightOnceItsRequestWaitsLongerThanItsEstimate() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "hung:1", "fast:1");
		Endpoint<String> hung = pool.endpoint("hung:1");
		Endpoint<String> fast = pool.endpoint("fast:1");
		answer(pool, hung, Duration.ofMillis(1));
		answer(pool, fast, Duration.ofMillis(1));
		// hung:1 takes a request and never answers it; fast:1 keeps answering in 1 ms.
		Lease<String> pending = leaseOn(pool, hung);
		this.ticker.advance(Duration.ofMillis(49));
		for (int i = 0; i < 3; i++) {
			leaseOn(pool, fast);
		}
		answer(pool, fast, Duration.ofMillis(1));
		assertThat(hung.inFlight()).isOne();
		assertThat(fast.inFlight()).isEqualTo(3);
		// Its one request has waited 50 ms: max(1 ms, 50 ms) × 2 against 1 ms × 4.
		long now = pool.now();
		this.clockReads.set(0);
		for (int i = 0; i < 100; i++) {
			assertThat(pool.policy().choose(members(pool), null, null, now)).isSameAs(fast);
		}
		// Without the time, the estimates alone: 1 ms × 2 against 1 ms × 4, as before.
		for (int i = 0; i < 100; i++) {
			assertThat(pool.policy().choose(members(pool), null, null)).isSameAs(hung);
		}
		assertThat(this.clockReads).as("choosing reads no clock, with or without the time").hasValue(0);
		// The pool's picks compare as of their own start: one clock read each, and the fast endpoint.
		for (int i = 0; i < 10; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease.endpoint()).isSameAs(fast);
			this.ticker.advance(Duration.ofMillis(1));
			lease.recordSuccess();
		}
		assertThat(this.clockReads).hasValue(20);
		// Once the request ends (here cancelled after 60 ms) nothing is in flight on hung:1 and the silence is gone;
		// the cancel left its lower bound in the estimate instead.
		pending.release();
		assertThat(hung.inFlight()).isZero();
		assertThat(millis(hung.latencyEstimate())).isCloseTo(60, within(1e-3));
	}

	@Test
	void withNothingInFlightOrJustSentTheTimeShouldChangeNothing() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		Endpoint<String> b = pool.endpoint("b:1");
		answer(pool, a, Duration.ofMillis(1));
		answer(pool, b, Duration.ofMillis(3));
		// Both silent for a second, but with nothing in flight: no silence.
		this.ticker.advance(Duration.ofSeconds(1));
		assertThat(pool.policy().choose(members(pool), null, null, pool.now())).isSameAs(a);
		// Requests just sent (the first marks its start as progress): 1 ms × 6 against 3 ms × 1.
		List<Lease<String>> leases = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			leases.add(leaseOn(pool, a));
		}
		assertThat(pool.policy().choose(members(pool), null, null, pool.now())).isSameAs(b);
		assertThat(pool.policy().choose(members(pool), null, null)).isSameAs(b);
		// Cancelled at once: a lower bound of 0 leaves a's estimate alone.
		leases.forEach(Lease::release);
		// A request in flight for less than its endpoint's estimate: the estimate counts. b has one in flight for
		// 2 ms, under its 3 ms (decayed for 1 s: 2.71 ms), so 2.71 ms × 2; a has 6 just sent, 0.90 ms × 7.
		leaseOn(pool, b);
		this.ticker.advance(Duration.ofMillis(2));
		for (int i = 0; i < 6; i++) {
			leaseOn(pool, a);
		}
		assertThat(pool.policy().choose(members(pool), null, null, pool.now())).isSameAs(b);
		assertThat(pool.policy().choose(members(pool), null, null)).isSameAs(b);
	}

	@Test
	void silenceShouldNotApplyToTwoEndpointsWithoutSample() {
		EndpointPool<String> pool = pool(PEAK_EWMA, "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		Endpoint<String> b = pool.endpoint("b:1");
		leaseOn(pool, a);
		this.ticker.advance(Duration.ofSeconds(1));
		// Neither has answered yet: in flight alone decides.
		assertThat(pool.policy().choose(members(pool), null, null, pool.now())).isSameAs(b);
		leaseOn(pool, b);
		leaseOn(pool, b);
		assertThat(pool.policy().choose(members(pool), null, null, pool.now())).isSameAs(a);
		// Once b has a sample, a (no sample) is taken to be as fast as b, then raised to its 1 s of silence.
		answer(pool, b, Duration.ofMillis(1));
		assertThat(pool.policy().choose(members(pool), null, null, pool.now())).isSameAs(b);
	}

	@Test
	void lastProgressShouldBeTheLaterOfTheLastEndAndTheLastStartWithNothingInFlight() {
		OutlierDetection outlier = new OutlierDetection(true, 1, Duration.ofSeconds(10), Duration.ofSeconds(40), 50);
		EndpointPool<String> pool = pool(PEAK_EWMA.withOutlier(outlier), "a:1", "b:1");
		Endpoint<String> a = pool.endpoint("a:1");
		Endpoint<String> b = pool.endpoint("b:1");
		this.ticker.advance(Duration.ofMillis(100));
		Lease<String> first = leaseOn(pool, a);
		assertThat(a.lastProgress()).as("0 -> 1").isEqualTo(ms(100));
		this.ticker.advance(Duration.ofMillis(10));
		Lease<String> second = leaseOn(pool, a);
		assertThat(a.lastProgress()).as("1 -> 2: the oldest is older").isEqualTo(ms(100));
		this.ticker.advance(Duration.ofMillis(10));
		first.recordSuccess();
		assertThat(a.lastProgress()).as("an end").isEqualTo(ms(120));
		this.ticker.advance(Duration.ofMillis(10));
		// The second request is 20 ms old; the bound says at least 10 ms.
		assertThat(pool.now() - a.lastProgress()).isEqualTo(ms(10));
		second.release();
		assertThat(a.lastProgress()).as("a cancel is an end").isEqualTo(ms(130));
		// An untracked lease takes no slot, so its start is no mark; its outcome is one (an end only shrinks bounds).
		this.ticker.advance(Duration.ofMillis(10));
		Lease<String> untracked = pool.pick(Lease::new, b, false);
		assertThat(untracked.endpoint()).isSameAs(a);
		assertThat(a.inFlight()).isZero();
		assertThat(a.lastProgress()).isEqualTo(ms(130));
		this.ticker.advance(Duration.ofMillis(10));
		untracked.recordFailure();
		assertThat(a.lastProgress()).isEqualTo(ms(150));
		// That failure ejected a (one failure ejects here); its probe, 10 s later, is a 0 -> 1 like any other lease.
		assertThat(a.state()).isEqualTo(EndpointState.EJECTED);
		this.ticker.advance(Duration.ofSeconds(10));
		Lease<String> probe = pool.pick();
		assertThat(probe.isProbe()).isTrue();
		assertThat(probe.endpoint()).isSameAs(a);
		assertThat(a.lastProgress()).isEqualTo(ms(10_150));
		this.ticker.advance(Duration.ofMillis(3));
		probe.recordSuccess();
		assertThat(a.lastProgress()).isEqualTo(ms(10_153));
		assertThat(a.inFlight()).isZero();
		// The failure's 1 s penalty at 150 ms, blended with the probe's 3 ms (from the pick's one clock read).
		double w = Math.exp(-((ms(10_153) >> 20) - (ms(150) >> 20)) / (ms(10_000) / (double) (1 << 20)));
		assertThat(millis(a.latencyEstimate())).isCloseTo(1000 * w + 3 * (1 - w), within(0.01));
	}

	@Test
	void peakEwmaPickShouldReadTheClockOnceEvenWhileSomethingIsEjected() {
		OutlierDetection outlier = new OutlierDetection(true, 1, Duration.ofSeconds(10), Duration.ofSeconds(40), 50);
		EndpointPool<String> pool = pool(PEAK_EWMA.withOutlier(outlier), "a:1", "b:1");
		Lease<String> failing = leaseOn(pool, pool.endpoint("a:1"));
		failing.recordFailure();
		assertThat(pool.endpoint("a:1").state()).isEqualTo(EndpointState.EJECTED);
		this.clockReads.set(0);
		for (int i = 0; i < 100; i++) {
			pool.pick().recordSuccess();
		}
		// One read when picking (shared by the look for a due probe, the choice and the lease), one when it ends.
		assertThat(this.clockReads).hasValue(200);
	}

	@Test
	void pickAndCompletionShouldAllocateNothingButTheLease() {
		java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
		assertThat(threads).isInstanceOf(com.sun.management.ThreadMXBean.class);
		com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) threads;
		EndpointPool<String> peakEwma = pool(PEAK_EWMA, "a:1", "b:1", "c:1", "d:1");
		EndpointPool<String> p2c = pool(PoolSettings.DEFAULTS, "a:1", "b:1", "c:1", "d:1");
		// Warm up (class loading, the JIT), then count. A lease is 40 bytes (compressed references) and the only
		// object a pick creates: the silence is arithmetic on two fields, progress a compare-and-set.
		long[] bytes = new long[2];
		for (int round = 0; round < 3; round++) {
			bytes[0] = allocatedPerPick(bean, peakEwma);
			bytes[1] = allocatedPerPick(bean, p2c);
		}
		assertThat(bytes[0]).as("bytes per peak-ewma pick (p2c: %d)", bytes[1]).isLessThanOrEqualTo(48);
		assertThat(bytes[1]).as("bytes per p2c pick").isLessThanOrEqualTo(48);
	}

	private long allocatedPerPick(com.sun.management.ThreadMXBean bean, EndpointPool<String> pool) {
		int picks = 100_000;
		Duration step = Duration.ofNanos(1_000);
		List<Lease<String>> pending = List.of(pool.pick(), pool.pick());
		long before = bean.getCurrentThreadAllocatedBytes();
		for (int i = 0; i < picks; i++) {
			Lease<String> lease = pool.pick();
			this.ticker.advance(step);
			if ((i & 3) == 0) {
				lease.release();
			}
			else {
				lease.recordSuccess();
			}
		}
		long after = bean.getCurrentThreadAllocatedBytes();
		pending.forEach(Lease::release);
		return (after - before) / picks;
	}

	private Lease<String> leaseOn(EndpointPool<String> pool, Endpoint<String> endpoint) {
		Endpoint<String> other = pool.endpoints().stream().filter((e) -> e != endpoint).findFirst().orElseThrow();
		Lease<String> lease = pool.pick(Lease::new, other, true);
		assertThat(lease.endpoint()).isSameAs(endpoint);
		return lease;
	}

	/**
	 * A request of the given time through the pool, as a real one would: a lease from now, answered after it.
	 */
	private void answer(EndpointPool<String> pool, Endpoint<String> endpoint, Duration elapsed) {
		Lease<String> lease = leaseOn(pool, endpoint);
		this.ticker.advance(elapsed);
		lease.recordSuccess();
	}

	private static long ms(long millis) {
		return Duration.ofMillis(millis).toNanos();
	}

	private void sample(EndpointPool<String> pool, String key, Duration elapsed) {
		long now = pool.now();
		pool.endpoint(key).latency().recordSuccess(now - elapsed.toNanos(), now);
	}

	@SuppressWarnings("unchecked")
	private static Endpoint<String>[] members(EndpointPool<String> pool) {
		return pool.endpoints().toArray(new Endpoint[0]);
	}

	private static double millis(Duration duration) {
		assertThat(duration).isNotNull();
		return duration.toNanos() / 1e6;
	}

}
