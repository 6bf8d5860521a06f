package dev.livery.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.livery.concurrency.ConcurrencyLimiter.Outcome;
import dev.livery.concurrency.ConcurrencyLimiter.Permit;
import dev.livery.concurrency.FixedConcurrencyLimiter;
import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.FakeTicker;
import dev.livery.loadbalancer.Lease;
import dev.livery.loadbalancer.OutlierDetection;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.SlowStart;
import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DashboardSnapshots}: the fields of a snapshot, its rates, and that it works for any subset of
 * sources.
 */
class DashboardSnapshotsTests {

	private static final long SECOND = 1_000_000_000L;

	private static final OutlierDetection EJECT_AT_ONCE = new OutlierDetection(true, 1, Duration.ofSeconds(10),
			Duration.ofSeconds(100), 100);

	private final FakeTicker ticker = new FakeTicker();

	private final EndpointPools<String> pools = new EndpointPools<>((member) -> member, this.ticker,
			PoolListener.NONE);

	@Test
	void snapshotWithoutSourcesShouldBeAnEmptyObject() {
		DashboardSnapshots snapshots = new DashboardSnapshots(null, null, null, null);
		assertThat(snapshots.take(0)).isEqualTo("{}");
		assertThat(snapshots.take(SECOND)).isEqualTo("{}");
	}

	@Test
	void everySnapshotShouldBeOneJsonDocument() {
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, new FixedConcurrencyLimiter(5),
				new ServingStatusStore(), "app");
		this.pools.ensure("b", PoolSettings.DEFAULTS, List.of("h:1"));
		for (int i = 0; i < 3; i++) {
			Map<String, Object> snapshot = parse(snapshots.take(i * SECOND));
			assertThat(snapshot).containsOnlyKeys("application", "services", "concurrency", "serving");
		}
	}

	@Test
	void servicesShouldShowEveryEndpointWithItsState() {
		EndpointPool<String> three = this.pools.ensure("three",
				PoolSettings.DEFAULTS.withPolicy(PickPolicyType.ROUND_ROBIN), List.of("h:1", "h:2", "h:3"));
		three.drain("h:3");
		EndpointPool<String> one = this.pools.ensure("one", PoolSettings.DEFAULTS.withOutlier(EJECT_AT_ONCE),
				List.of("x:9"));
		one.pick().recordFailure();
		this.ticker.advance(Duration.ofMillis(2500));
		Lease<String> held = three.pick();
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);

		Map<String, Object> snapshot = parse(snapshots.take(0));

		assertThat(snapshot).containsOnlyKeys("services");
		List<Map<String, Object>> services = list(snapshot, "services");
		assertThat(services).extracting((service) -> service.get("service")).containsExactly("one", "three");
		Map<String, Object> oneService = services.get(0);
		assertThat(oneService).containsEntry("policy", "p2c")
			.containsEntry("inFlight", 0)
			.containsEntry("panic", true)
			.containsEntry("states", Map.of("UP", 0, "EJECTED", 1, "PROBING", 0, "DRAINED", 0))
			.doesNotContainKeys("requestsPerSecond", "errorRate");
		assertThat(list(oneService, "endpoints")).singleElement()
			.isEqualTo(Map.of("endpoint", "x:9", "state", "EJECTED", "inFlight", 0, "consecutiveFailures", 1,
					"ejections", 1, "weight", 1, "ejectionTimeRemainingMillis", 7500, "health", "UNCHECKED"));
		Map<String, Object> threeService = services.get(1);
		assertThat(threeService).containsEntry("policy", "round-robin")
			.containsEntry("panic", false)
			.containsEntry("inFlight", 1)
			.containsEntry("states", Map.of("UP", 2, "EJECTED", 0, "PROBING", 0, "DRAINED", 1));
		assertThat(list(threeService, "endpoints")).extracting((endpoint) -> endpoint.get("endpoint") + " "
				+ endpoint.get("state") + " " + endpoint.get("inFlight"))
			.containsExactlyInAnyOrder("h:1 UP " + ((held.endpoint().key().equals("h:1")) ? 1 : 0),
					"h:2 UP " + ((held.endpoint().key().equals("h:2")) ? 1 : 0), "h:3 DRAINED 0");
		held.release();
	}

	@Test
	void endpointsShouldShowHealthLatencyRampAndThePoolsPanic() {
		EndpointPool<String> pool = this.pools.ensure("b",
				PoolSettings.DEFAULTS.withPolicy(PickPolicyType.PEAK_EWMA)
					.withPanicThreshold(100)
					.withSlowStart(new SlowStart(Duration.ofSeconds(10), 1.0, 10)),
				List.of("h:1"));
		Endpoint<String> first = pool.endpoint("h:1");
		Lease<String> lease = pool.pick();
		this.ticker.advance(Duration.ofMillis(20));
		lease.recordSuccess();
		pool.health().reportHealthScore(first, 2, true);
		pool.health().reportServingStatus(first, "SERVING", true);
		pool.add("h:2");
		Endpoint<String> second = pool.endpoint("h:2");
		pool.health().reportHealthScore(second, -1, false);
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);

		Map<String, Object> service = service(snapshots.take(0));

		assertThat(service).containsEntry("panic", true);
		List<Map<String, Object>> endpoints = list(service, "endpoints");
		assertThat(endpoints.get(0)).containsEntry("endpoint", "h:1")
			.containsEntry("health", "HEALTHY")
			.containsEntry("healthScore", 2)
			.containsEntry("servingStatus", "SERVING")
			.containsEntry("latencyMillis", 20)
			.doesNotContainKey("rampUp");
		assertThat(endpoints.get(1)).containsEntry("endpoint", "h:2")
			.containsEntry("health", "UNHEALTHY")
			.containsEntry("healthScore", -1)
			.containsEntry("rampUp", 0.1)
			.doesNotContainKeys("servingStatus", "latencyMillis");
	}

	@Test
	void servicesShouldBeEmptyUntilTheFirstPoolExists() {
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);
		assertThat(parse(snapshots.take(0))).isEqualTo(Map.of("services", List.of()));
	}

	@Test
	void endpointsThatLeaveShouldBeForgotten() {
		EndpointPool<String> pool = this.pools.ensure("b", PoolSettings.DEFAULTS, List.of("h:1", "h:2", "h:3"));
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);
		snapshots.take(0);
		assertThat(snapshots.trackedEndpoints()).isEqualTo(3);
		pool.update(List.of("h:1"));
		snapshots.take(SECOND);
		assertThat(snapshots.trackedEndpoints()).isEqualTo(1);
		this.pools.reset("b");
		assertThat(parse(snapshots.take(2 * SECOND))).isEqualTo(Map.of("services", List.of()));
		assertThat(snapshots.trackedEndpoints()).isZero();
	}

	@Test
	void ratesShouldBeTheChangeOfTheCountersOverTheTimeBetweenSnapshots() {
		EndpointPool<String> pool = this.pools.ensure("b", PoolSettings.DEFAULTS, List.of("h:1"));
		complete(pool, 3, 1);
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);
		Map<String, Object> first = service(snapshots.take(0));
		assertThat(first).doesNotContainKeys("requestsPerSecond", "errorRate");
		assertThat(list(first, "endpoints").get(0)).doesNotContainKeys("requestsPerSecond", "errorRate");

		complete(pool, 6, 2);
		Map<String, Object> busy = service(snapshots.take(2 * SECOND));
		assertThat(busy).containsEntry("requestsPerSecond", 4).containsEntry("errorRate", 0.25);
		assertThat(list(busy, "endpoints").get(0)).containsEntry("requestsPerSecond", 4)
			.containsEntry("errorRate", 0.25);

		complete(pool, 1, 0);
		Map<String, Object> slow = service(snapshots.take(5 * SECOND));
		assertThat(list(slow, "endpoints").get(0)).containsEntry("requestsPerSecond", 0.33)
			.containsEntry("errorRate", 0);

		Map<String, Object> idle = service(snapshots.take(6 * SECOND));
		// No request completed: no error rate rather than a made-up 0 %.
		assertThat(idle).containsEntry("requestsPerSecond", 0).doesNotContainKey("errorRate");
		assertThat(list(idle, "endpoints").get(0)).containsEntry("requestsPerSecond", 0)
			.doesNotContainKey("errorRate");
	}

	@Test
	void serviceRatesShouldAddUpItsEndpoints() {
		EndpointPool<String> pool = this.pools.ensure("b", PoolSettings.DEFAULTS, List.of("h:1", "h:2", "h:3"));
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);
		snapshots.take(0);
		Map<String, Long> before = completed(pool);
		complete(pool, 40, 10);
		Map<String, Object> service = service(snapshots.take(SECOND));
		assertThat(service).containsEntry("requestsPerSecond", 50).containsEntry("errorRate", 0.2);
		Map<String, Long> after = completed(pool);
		for (Map<String, Object> endpoint : list(service, "endpoints")) {
			String key = (String) endpoint.get("endpoint");
			long delta = after.get(key) - before.get(key);
			assertThat(((Number) endpoint.getOrDefault("requestsPerSecond", -1)).longValue()).as(key).isEqualTo(delta);
		}
	}

	@Test
	void anEndpointThatJoinsShouldHaveNoRateUntilItsSecondSnapshot() {
		EndpointPool<String> pool = this.pools.ensure("b", PoolSettings.DEFAULTS, List.of("h:1"));
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, null);
		snapshots.take(0);
		pool.add("h:2");
		Map<String, Object> service = service(snapshots.take(SECOND));
		assertThat(list(service, "endpoints")).filteredOn((endpoint) -> endpoint.get("endpoint").equals("h:1"))
			.singleElement()
			.satisfies((endpoint) -> assertThat(endpoint).containsKey("requestsPerSecond"));
		assertThat(list(service, "endpoints")).filteredOn((endpoint) -> endpoint.get("endpoint").equals("h:2"))
			.singleElement()
			.satisfies((endpoint) -> assertThat(endpoint).doesNotContainKey("requestsPerSecond"));
		assertThat(list(service(snapshots.take(2 * SECOND)), "endpoints"))
			.allSatisfy((endpoint) -> assertThat(endpoint).containsKey("requestsPerSecond"));
	}

	@Test
	void concurrencyShouldShowLimitInFlightAndRejectionsPerSecond() {
		FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(2);
		Permit first = limiter.tryAcquire();
		Permit second = limiter.tryAcquire();
		reject(limiter, 3);
		DashboardSnapshots snapshots = new DashboardSnapshots(null, limiter, null, null);

		Map<String, Object> start = parse(snapshots.take(10 * SECOND));
		assertThat(start).isEqualTo(Map.of("concurrency", Map.of("limit", 2, "inFlight", 2, "rejected", 3)));

		reject(limiter, 5);
		first.release(Outcome.SUCCESS);
		// Two seconds later: 5 rejections in 2 s.
		Map<String, Object> later = parse(snapshots.take(12 * SECOND));
		assertThat(later).isEqualTo(
				Map.of("concurrency", Map.of("limit", 2, "inFlight", 1, "rejected", 8, "rejectedPerSecond", 2.5)));

		second.release(Outcome.SUCCESS);
		Map<String, Object> quiet = parse(snapshots.take(13 * SECOND));
		assertThat(quiet).isEqualTo(
				Map.of("concurrency", Map.of("limit", 2, "inFlight", 0, "rejected", 8, "rejectedPerSecond", 0)));
	}

	@Test
	void servingShouldShowEveryStatus() {
		ServingStatusStore store = new ServingStatusStore();
		store.set("orders", ServingStatus.NOT_SERVING);
		store.set("billing", ServingStatus.UNKNOWN);
		DashboardSnapshots snapshots = new DashboardSnapshots(null, null, store, null);
		assertThat(parse(snapshots.take(0))).isEqualTo(
				Map.of("serving", Map.of("", "SERVING", "orders", "NOT_SERVING", "billing", "UNKNOWN")));
		store.clear("billing");
		store.set("", ServingStatus.NOT_SERVING);
		assertThat(parse(snapshots.take(SECOND)))
			.isEqualTo(Map.of("serving", Map.of("", "NOT_SERVING", "orders", "NOT_SERVING")));
	}

	@Test
	void namesShouldBeEscaped() {
		this.pools.ensure("we\"ird\\", PoolSettings.DEFAULTS, List.of("h:1"));
		DashboardSnapshots snapshots = new DashboardSnapshots(this.pools, null, null, "app \"x\"");
		Map<String, Object> snapshot = parse(snapshots.take(0));
		assertThat(snapshot).containsEntry("application", "app \"x\"");
		assertThat(list(snapshot, "services").get(0)).containsEntry("service", "we\"ird\\");
	}

	/** Complete requests to the pool, never more than two failures in a row, so that nothing is ejected. */
	private static void complete(EndpointPool<String> pool, int successes, int failures) {
		for (int i = 0; i < successes + failures; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease).isNotNull();
			if (i % 3 == 0 && i / 3 < failures) {
				lease.recordFailure();
			}
			else {
				lease.recordSuccess();
			}
		}
	}

	private static Map<String, Long> completed(EndpointPool<String> pool) {
		Map<String, Long> completed = new java.util.HashMap<>();
		pool.endpoints().forEach((endpoint) -> completed.put(endpoint.key(), endpoint.successes() + endpoint.failures()));
		return completed;
	}

	private static Map<String, Object> service(String snapshot) {
		return list(parse(snapshot), "services").get(0);
	}

	private static void reject(FixedConcurrencyLimiter limiter, int times) {
		for (int i = 0; i < times; i++) {
			assertThat(limiter.tryAcquire()).isNull();
		}
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> parse(String json) {
		return JsonMapper.builder().build().readValue(json, Map.class);
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> list(Map<String, Object> map, String key) {
		return (List<Map<String, Object>>) map.get(key);
	}

}
