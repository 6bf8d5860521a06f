package dev.livery.loadbalancer.health;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointHealth;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.Lease;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.SlowStart;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.health.HealthBackend.Health;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@link HealthSupervisor} as the listener of a real registry of pools whose endpoints are real backends on
 * 127.0.0.1: sources start with a pool, follow its members, report into its eligibility, and stop on reset and
 * close. Time (check intervals, reconnects, ramps) is virtual, and so is the pools' clock.
 */
@Timeout(60)
class HealthSupervisorTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

	private final Ticker ticker = () -> this.time.now(java.util.concurrent.TimeUnit.NANOSECONDS);

	private final HttpClient http = HealthHttp.client();

	private final List<HealthBackend> backends = new ArrayList<>();

	private HealthSources sources = new HealthSources(HealthCheckSettings.DEFAULTS, ServingWatchSettings.DEFAULTS);

	private final HealthSupervisor<String> supervisor = new HealthSupervisor<>((service) -> this.sources,
			(key) -> new HealthTarget(false, "127.0.0.1", Integer.parseInt(key.substring(key.indexOf(':') + 1)),
					Map.of()),
			() -> this.http, this.time);

	private final EndpointPools<String> pools = new EndpointPools<>((key) -> key, this.ticker, this.supervisor);

	@AfterEach
	void stop() {
		this.supervisor.close();
		this.backends.forEach(HealthBackend::close);
		this.time.dispose();
	}

	@Test
	void sourcesStartWithThePoolAndReportIntoItsEligibility() {
		HealthBackend a = backend("a");
		HealthBackend b = backend("b");
		EndpointPool<String> pool = this.pools.ensure("svc", PoolSettings.DEFAULTS.withPanicThreshold(0),
				List.of(a.key(), b.key()));
		PoolHealthSources<String> sources = awaitSources(pool, 2);
		Endpoint<String> endpointA = pool.endpoint(a.key());
		await().atMost(WAIT).until(() -> "SERVING".equals(endpointA.servingStatus()));
		assertThat(endpointA.health()).isEqualTo(EndpointHealth.HEALTHY);
		assertThat(endpointA.healthScore()).hasValue(1);
		assertThat(a.openStreams()).isEqualTo(1);
		// NOT_SERVING takes a out at once.
		a.status("NOT_SERVING");
		await().atMost(WAIT).until(() -> !endpointA.isEligible());
		assertThat(endpointA.health()).isEqualTo(EndpointHealth.UNHEALTHY);
		for (int i = 0; i < 50; i++) {
			Lease<String> lease = pool.pick();
			assertThat(lease.payload()).isEqualTo(b.key());
			lease.release();
		}
		a.status("SERVING");
		await().atMost(WAIT).until(endpointA::isEligible);
		// Failed checks take b out after the score falls below 0: from 1, two failures.
		b.health(Health.DOWN);
		ActiveHealthCheck checkB = sources.activeCheck(pool.endpoint(b.key()));
		runChecks(checkB, 2);
		assertThat(pool.endpoint(b.key()).healthScore()).hasValue(-1);
		assertThat(pool.endpoint(b.key()).isEligible()).isFalse();
	}

	@Test
	void sourcesFollowTheMembers() {
		HealthBackend a = backend("a");
		HealthBackend b = backend("b");
		EndpointPool<String> pool = this.pools.ensure("svc", PoolSettings.DEFAULTS, List.of(a.key()));
		PoolHealthSources<String> sources = awaitSources(pool, 1);
		await().atMost(WAIT).until(() -> a.openStreams() == 1);
		pool.add(b.key());
		this.time.advanceTime();
		assertThat(sources.size()).isEqualTo(2);
		await().atMost(WAIT).until(() -> b.openStreams() == 1);
		pool.remove(a.key());
		this.time.advanceTime();
		assertThat(sources.size()).isEqualTo(1);
		await().atMost(WAIT).until(() -> a.openStreams() == 0);
		// Less than the idle timeout, which would reopen b's silent stream.
		this.time.advanceTimeBy(Duration.ofSeconds(30));
		assertThat(a.streamsOpened()).isEqualTo(1);
		assertThat(b.openStreams()).isEqualTo(1);
	}

	@Test
	void resetStopsTheSourcesAndTheNextPoolStartsNewOnes() {
		HealthBackend a = backend("a");
		EndpointPool<String> pool = this.pools.ensure("svc", PoolSettings.DEFAULTS, List.of(a.key()));
		awaitSources(pool, 1);
		await().atMost(WAIT).until(() -> a.openStreams() == 1);
		this.pools.reset("svc");
		assertThat(this.supervisor.sources(pool)).isNull();
		await().atMost(WAIT).until(() -> a.openStreams() == 0);
		int checks = a.healthChecks();
		this.time.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(a.healthChecks()).isEqualTo(checks);
		EndpointPool<String> next = this.pools.ensure("svc", PoolSettings.DEFAULTS, List.of(a.key()));
		awaitSources(next, 1);
		await().atMost(WAIT).until(() -> a.openStreams() == 1);
	}

	@Test
	void closeStopsEverythingAndNothingStartsAfter() {
		HealthBackend a = backend("a");
		EndpointPool<String> pool = this.pools.ensure("svc", PoolSettings.DEFAULTS, List.of(a.key()));
		awaitSources(pool, 1);
		await().atMost(WAIT).until(() -> a.openStreams() == 1);
		this.supervisor.close();
		assertThat(this.supervisor.size()).isZero();
		await().atMost(WAIT).until(() -> a.openStreams() == 0);
		this.pools.ensure("other", PoolSettings.DEFAULTS, List.of(a.key()));
		this.time.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(this.supervisor.size()).isZero();
		assertThat(a.streamsOpened()).isEqualTo(1);
	}

	@Test
	void connectFailuresOfRequestsLowerTheScore() {
		HealthBackend a = backend("a");
		EndpointPool<String> pool = this.pools.ensure("svc", PoolSettings.DEFAULTS.withPanicThreshold(0),
				List.of(a.key()));
		awaitSources(pool, 1);
		Endpoint<String> endpoint = pool.endpoint(a.key());
		await().atMost(WAIT).until(() -> endpoint.healthScore().isPresent());
		pool.pick().recordConnectFailure();
		assertThat(endpoint.healthScore()).hasValue(0);
		assertThat(endpoint.isEligible()).isTrue();
		pool.pick().recordConnectFailure();
		assertThat(endpoint.healthScore()).hasValue(-1);
		assertThat(endpoint.isEligible()).isFalse();
	}

	@Test
	void servicesWithoutSourcesCostNothingButSlowStartStillRamps() {
		this.sources = HealthSources.NONE;
		HealthBackend a = backend("a");
		HealthBackend b = backend("b");
		EndpointPool<String> plain = this.pools.ensure("plain", PoolSettings.DEFAULTS, List.of(a.key()));
		assertThat(this.supervisor.sources(plain)).isNull();
		EndpointPool<String> ramped = this.pools.ensure("ramped",
				PoolSettings.DEFAULTS.withSlowStart(new SlowStart(Duration.ofSeconds(10), 1.0, 10)), List.of(a.key()));
		assertThat(this.supervisor.sources(ramped)).isNotNull();
		ramped.add(b.key());
		Endpoint<String> joined = ramped.endpoint(b.key());
		assertThat(joined.rampUp()).isEqualTo(0.1);
		this.time.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(joined.rampUp()).isCloseTo(0.5, org.assertj.core.api.Assertions.within(0.06));
		this.time.advanceTimeBy(Duration.ofSeconds(6));
		assertThat(joined.rampUp()).isEqualTo(1.0);
		assertThat(a.healthChecks()).isZero();
		assertThat(a.streamsOpened()).isZero();
	}

	private HealthBackend backend(String name) {
		HealthBackend backend = new HealthBackend(name);
		this.backends.add(backend);
		return backend;
	}

	private PoolHealthSources<String> awaitSources(EndpointPool<String> pool, int endpoints) {
		PoolHealthSources<String> sources = this.supervisor.sources(pool);
		assertThat(sources).isNotNull();
		this.time.advanceTime();
		assertThat(sources.size()).isEqualTo(endpoints);
		return sources;
	}

	private void runChecks(ActiveHealthCheck check, int n) {
		for (int i = 0; i < n; i++) {
			int before = check.checksCompleted();
			for (int step = 0; step < 200 && check.checksInFlight() == 0 && check.checksCompleted() == before; step++) {
				this.time.advanceTimeBy(Duration.ofMillis(50));
			}
			await().pollInterval(Duration.ofMillis(10)).atMost(WAIT).until(() -> check.checksCompleted() > before);
		}
	}

}
