package dev.livery.loadbalancer.health.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.livery.loadbalancer.health.HealthBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow start end to end: a real Spring Boot client with {@code slow-start.window} and the serving watch over real
 * Reactor Netty backends on 127.0.0.1. A backend that says {@code SERVING} again ramps up: under the same load, its
 * share early in the window is well below its steady share. The ramp's clock is virtual; the requests are real.
 */
@Timeout(180)
class SlowStartIntegrationTests {

	private final List<HealthBackend> backends = new ArrayList<>();

	private HealthClient client;

	@AfterEach
	void stop() {
		if (this.client != null) {
			this.client.close();
		}
		this.backends.forEach(HealthBackend::close);
	}

	@Test
	void backendThatComesBackGetsLessThanItsShareEarlyInTheWindow() {
		start("livery.loadbalancer.serving-watch.enabled=true", "livery.loadbalancer.slow-start.window=10s");
		HealthBackend returning = this.backends.get(2);
		returning.status("NOT_SERVING");
		this.client.send("ramp", 30, 6);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> "NOT_SERVING".equals(this.client.endpoint("ramp", returning.key()).get("servingStatus")));
		assertThat(this.client.send("ramp", 300, 12)).doesNotContainKey(returning.name());

		returning.status("SERVING");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> "HEALTHY".equals(this.client.endpoint("ramp", returning.key()).get("health")));
		assertThat(this.client.endpoint("ramp", returning.key())).containsEntry("rampUp", 0.1);
		double early = share(returning);

		this.client.time().advanceTimeBy(Duration.ofSeconds(5));
		assertThat((Double) this.client.endpoint("ramp", returning.key()).get("rampUp")).isBetween(0.45, 0.55);
		double middle = share(returning);

		this.client.time().advanceTimeBy(Duration.ofSeconds(6));
		assertThat(this.client.endpoint("ramp", returning.key())).doesNotContainKey("rampUp");
		double steady = share(returning);

		System.out.printf(Locale.ROOT, "livery: share of the backend that came back, 3 backends under load: %.1f %% "
				+ "at 10 %% of its weight, %.1f %% at half, %.1f %% after the window%n", 100 * early, 100 * middle,
				100 * steady);
		assertThat(early).as("share early in the window").isLessThan(steady / 2);
		assertThat(steady).as("steady share of one of three").isGreaterThan(0.2);
	}

	@Test
	void withoutSlowStartABackendThatComesBackGetsItsShareAtOnce() {
		start("livery.loadbalancer.serving-watch.enabled=true");
		HealthBackend returning = this.backends.get(2);
		returning.status("NOT_SERVING");
		this.client.send("ramp", 30, 6);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> "NOT_SERVING".equals(this.client.endpoint("ramp", returning.key()).get("servingStatus")));
		returning.status("SERVING");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> "HEALTHY".equals(this.client.endpoint("ramp", returning.key()).get("health")));
		assertThat(this.client.endpoint("ramp", returning.key())).doesNotContainKey("rampUp");
		assertThat(share(returning)).isGreaterThan(0.2);
	}

	private void start(String... properties) {
		for (int i = 1; i <= 3; i++) {
			// A service time, so that requests are in flight and P2C has something to compare.
			this.backends.add(new HealthBackend("ramp-" + i).delay(Duration.ofMillis(20)));
		}
		this.client = HealthClient.builder()
			.virtualTime()
			.instances("ramp", this.backends.stream().map(HealthBackend::uri).toList())
			.properties(properties)
			.start();
	}

	private double share(HealthBackend backend) {
		Map<String, Integer> answers = this.client.send("ramp", 600, 12);
		int total = answers.values().stream().mapToInt(Integer::intValue).sum();
		assertThat(total).isEqualTo(600);
		return answers.getOrDefault(backend.name(), 0) / (double) total;
	}

}
