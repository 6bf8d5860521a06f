package dev.livery.loadbalancer.health.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.livery.serving.ServingStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The serving watch end to end: a real Spring Boot client balancing with {@code serving-watch.enabled} over three
 * real livery backends (Spring Boot applications with the starter) on 127.0.0.1, under steady load. A backend that
 * says {@code NOT_SERVING} is drained within milliseconds (the drain latency is printed), and a backend's graceful
 * shutdown costs the callers no failed request.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingWatchIntegrationTests {

	private static final String SERVICE = "backend";

	private static final List<LiveryBackend> backends = new ArrayList<>();

	private static HealthClient client;

	@BeforeAll
	static void start() {
		for (int i = 1; i <= 3; i++) {
			backends.add(LiveryBackend.start("backend-" + i, "livery.serving.shutdown-drain-time=2s"));
		}
		client = HealthClient.builder()
			.instances(SERVICE, backends.stream().map(LiveryBackend::uri).toList())
			.properties("livery.loadbalancer.serving-watch.enabled=true")
			.start();
		// The first request creates the pool and opens the streams; a few hundred warm the JIT up.
		client.send(SERVICE, 300, 8);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> backends.stream().allMatch((backend) -> backend.watchers() == backend.ownWatchers() + 1));
	}

	@AfterAll
	static void stop() {
		if (client != null) {
			client.close();
		}
		backends.forEach(LiveryBackend::close);
	}

	@Test
	@Order(1)
	void notServingDrainsTheBackendWithinMillisecondsAndServingBringsItBack() {
		LiveryBackend backend = backends.get(0);
		List<Double> latencies = new ArrayList<>();
		for (int round = 0; round < 5; round++) {
			HealthClient.Load load = client.load(SERVICE, 8);
			await().atMost(Duration.ofSeconds(10)).until(() -> load.answered(backend.name()) > 50);
			int before = backend.requests();
			long changed = System.nanoTime();
			backend.status(ServingStatus.NOT_SERVING);
			// Keep the load on for 400 more answers: any request that still reaches it shows.
			int answered = load.total();
			await().atMost(Duration.ofSeconds(30)).until(() -> load.total() > answered + 400);
			load.stop();
			int during = load.total() - answered;
			// The SPEC's measure: from the change to the last request livery sent there (picked just before).
			double latency = Math.max(0, client.lastSentNanos(backend.key()) - changed) / 1e6;
			// And to the last request it received, which includes the time a request picked earlier took to arrive.
			double arrival = Math.max(0, backend.lastRequestNanos() - changed) / 1e6;
			latencies.add(latency);
			System.out.printf(Locale.ROOT, "livery: drain latency round %d: %.1f ms from NOT_SERVING to the last "
					+ "request livery sent to %s (goal < 50 ms); its last request arrived after %.1f ms; it received "
					+ "%d requests after the change, of %d answered meanwhile%n", round + 1, latency, backend.name(),
					arrival, backend.requests() - before, during);
			assertThat(load.failures).as("failed requests").hasValue(0);
			assertThat(latency).as("drain latency in ms (goal 50, bound for a loaded machine 1000)").isLessThan(1000);
			assertThat(client.endpoint(SERVICE, backend.key())).containsEntry("health", "UNHEALTHY")
				.containsEntry("servingStatus", "NOT_SERVING")
				.containsEntry("state", "UP");
			backend.status(ServingStatus.SERVING);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> "HEALTHY".equals(client.endpoint(SERVICE, backend.key()).get("health")));
		}
		latencies.sort(null);
		System.out.printf(Locale.ROOT, "livery: drain latency over 5 rounds: min %.1f ms, median %.1f ms, max %.1f ms "
				+ "(load average %s)%n", latencies.get(0), latencies.get(2), latencies.get(4), loadAverage());
		assertThat(client.send(SERVICE, 300, 8)).containsKey(backend.name());
	}

	@Test
	@Order(2)
	void gracefulShutdownOfABackendUnderLoadCostsNoFailedRequest() throws Exception {
		LiveryBackend leaving = backends.get(1);
		HealthClient.Load load = client.load(SERVICE, 8);
		await().atMost(Duration.ofSeconds(10)).until(() -> load.answered(leaving.name()) > 50);
		long closing = System.nanoTime();
		// As on a deploy: NOT_SERVING to every watcher, the drain time, then the server's graceful shutdown.
		leaving.close();
		long closed = System.nanoTime();
		int answeredAtClose = load.total();
		await().atMost(Duration.ofSeconds(30)).until(() -> load.total() > answeredAtClose + 500);
		load.stop();
		System.out.printf(Locale.ROOT, "livery: graceful shutdown of %s under load took %.0f ms; %d requests answered, "
				+ "%d failed; livery sent it its last request %.1f ms after the shutdown began, which arrived after "
				+ "%.1f ms%n", leaving.name(), (closed - closing) / 1e6, load.total(), load.failures.get(),
				Math.max(0, client.lastSentNanos(leaving.key()) - closing) / 1e6,
				Math.max(0, leaving.lastRequestNanos() - closing) / 1e6);
		assertThat(load.errors).as("errors").isEmpty();
		assertThat(load.failures).as("failed requests").hasValue(0);
		assertThat(client.endpoint(SERVICE, leaving.key())).containsEntry("health", "UNHEALTHY")
			.containsEntry("servingStatus", "NOT_SERVING");
	}

	@Test
	@Order(3)
	void stoppingTheClientClosesEveryStream() {
		LiveryBackend remaining = backends.get(2);
		assertThat(remaining.watchers()).isEqualTo(remaining.ownWatchers() + 1);
		client.close();
		await().atMost(Duration.ofSeconds(10)).until(() -> remaining.watchers() == remaining.ownWatchers());
		client = null;
	}

	private static String loadAverage() {
		try {
			return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
		}
		catch (java.io.IOException | RuntimeException ex) {
			return "?";
		}
	}

}
