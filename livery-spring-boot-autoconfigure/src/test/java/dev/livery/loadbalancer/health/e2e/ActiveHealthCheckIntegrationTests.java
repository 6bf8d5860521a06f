package dev.livery.loadbalancer.health.e2e;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.health.ActiveHealthCheck;
import dev.livery.loadbalancer.health.HealthBackend;
import dev.livery.loadbalancer.health.HealthBackend.Health;
import dev.livery.loadbalancer.health.PoolHealthSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Active health checks end to end: a real Spring Boot client with {@code health-check.enabled} over real Reactor
 * Netty backends on 127.0.0.1 whose health path the test switches. Check intervals run on virtual time (the client's
 * health scheduler and pool clock), the checks and requests over real HTTP.
 */
@Timeout(180)
class ActiveHealthCheckIntegrationTests {

	private static final Map<String, List<HealthBackend>> backends = new HashMap<>();

	private static int deadPort;

	private static HealthClient client;

	@BeforeAll
	static void start() throws Exception {
		backends("checked", 3);
		backends("dead", 1);
		backends("panic", 2);
		backends("nopanic", 2);
		try (ServerSocket socket = new ServerSocket(0)) {
			deadPort = socket.getLocalPort();
		}
		HealthClient.Builder builder = HealthClient.builder().virtualTime();
		backends.forEach((service, list) -> {
			List<String> uris = new ArrayList<>(list.stream().map(HealthBackend::uri).toList());
			if (service.equals("dead")) {
				uris.add("http://127.0.0.1:" + deadPort);
			}
			builder.instances(service, uris);
		});
		client = builder.properties("livery.loadbalancer.health-check.enabled=true",
				"livery.loadbalancer.clients.nopanic.panic-threshold=0")
			.start();
	}

	@AfterAll
	static void stop() {
		if (client != null) {
			client.close();
		}
		backends.values().forEach((list) -> list.forEach(HealthBackend::close));
	}

	private static void backends(String service, int count) {
		List<HealthBackend> list = new ArrayList<>();
		for (int i = 1; i <= count; i++) {
			list.add(new HealthBackend(service + "-" + i));
		}
		backends.put(service, list);
	}

	@Test
	void scoreHysteresisBothWays() {
		List<HealthBackend> checked = backends.get("checked");
		HealthBackend c1 = checked.get(0);
		client.send("checked", 30, 3);
		checkRoundsUntil(3, () -> score("checked", c1) == 3);
		// One failed check at the top moves nothing.
		c1.health(Health.DOWN);
		checkRounds("checked", c1, 1);
		assertThat(client.endpoint("checked", c1.key())).containsEntry("healthScore", 2).containsEntry("health", "HEALTHY");
		assertThat(client.send("checked", 90, 3)).containsKey(c1.name());
		c1.health(Health.UP);
		checkRounds("checked", c1, 1);
		assertThat(score("checked", c1)).isEqualTo(3);
		// Four in a row take it out: after three it still serves.
		c1.health(Health.DOWN);
		checkRounds("checked", c1, 3);
		assertThat(client.endpoint("checked", c1.key())).containsEntry("healthScore", 0).containsEntry("health", "HEALTHY");
		checkRounds("checked", c1, 1);
		assertThat(client.endpoint("checked", c1.key())).containsEntry("healthScore", -1)
			.containsEntry("health", "UNHEALTHY")
			.containsEntry("state", "UP");
		Map<String, Integer> answers = client.send("checked", 90, 3);
		assertThat(answers).doesNotContainKey(c1.name()).containsKeys("checked-2", "checked-3");
		assertThat(client.metric("livery.loadbalancer.endpoints", "service:checked", "state:UP", "health:UNHEALTHY"))
			.isEqualTo(1.0);
		assertThat(client.metric("livery.loadbalancer.health.checks", "service:checked", "outcome:failure"))
			.isEqualTo(5.0);
		// Down to the bottom; then three good checks bring it back, and not two.
		checkRounds("checked", c1, 2);
		assertThat(score("checked", c1)).isEqualTo(-3);
		c1.health(Health.UP);
		checkRounds("checked", c1, 2);
		assertThat(client.endpoint("checked", c1.key())).containsEntry("healthScore", -1)
			.containsEntry("health", "UNHEALTHY");
		assertThat(client.send("checked", 60, 3)).doesNotContainKey(c1.name());
		checkRounds("checked", c1, 1);
		assertThat(client.endpoint("checked", c1.key())).containsEntry("healthScore", 0).containsEntry("health", "HEALTHY");
		assertThat(client.send("checked", 90, 3)).containsKey(c1.name());
	}

	@Test
	void connectFailuresOfRealRequestsLowerTheScore() {
		HealthBackend alive = backends.get("dead").get(0);
		String dead = "127.0.0.1:" + deadPort;
		int errors = 0;
		for (int i = 0; i < 200 && errors < 2; i++) {
			if ("error".equals(client.send("dead", 1, 1).keySet().iterator().next())) {
				errors++;
				assertThat(client.endpoint("dead", dead)).containsEntry("healthScore", 1 - errors);
			}
		}
		assertThat(errors).isEqualTo(2);
		// No check has run: two failed connections took it from 1 to -1.
		assertThat(client.endpoint("dead", dead)).containsEntry("health", "UNHEALTHY")
			.containsEntry("state", "UP")
			.containsEntry("consecutiveFailures", 2);
		assertThat(client.send("dead", 60, 3)).containsOnlyKeys(alive.name());
	}

	@Test
	void panicIgnoresActiveChecksWhenTooFewAreHealthyUnlessTurnedOff() {
		for (HealthBackend backend : backends.get("panic")) {
			backend.health(Health.DOWN);
		}
		for (HealthBackend backend : backends.get("nopanic")) {
			backend.health(Health.DOWN);
		}
		client.send("panic", 10, 2);
		client.send("nopanic", 10, 2);
		checkRoundsUntil(5, () -> allUnhealthy("panic"));
		checkRoundsUntil(5, () -> allUnhealthy("nopanic"));
		// Both unhealthy: in panic, both still get traffic; without panic, nothing does.
		assertThat(client.balancer("panic")).containsEntry("panic", true);
		assertThat(client.metric("livery.loadbalancer.panic", "service:panic")).isEqualTo(1.0);
		assertThat(client.send("panic", 60, 3)).containsOnlyKeys("panic-1", "panic-2");
		assertThat(client.balancer("nopanic")).containsEntry("panic", false);
		assertThat(client.send("nopanic", 20, 2)).containsOnlyKeys("503");
		// One back: half of them eligible is not below 50 %, so out of panic and only the healthy one serves.
		HealthBackend back = backends.get("panic").get(0);
		back.health(Health.UP);
		checkRoundsUntil(4, () -> "HEALTHY".equals(client.endpoint("panic", back.key()).get("health")));
		assertThat(client.balancer("panic")).containsEntry("panic", false);
		assertThat(client.metric("livery.loadbalancer.panic", "service:panic")).isZero();
		assertThat(client.send("panic", 60, 3)).containsOnlyKeys("panic-1");
	}

	private static boolean allUnhealthy(String service) {
		return backends.get(service)
			.stream()
			.allMatch((backend) -> "UNHEALTHY".equals(client.endpoint(service, backend.key()).get("health")));
	}

	private static int score(String service, HealthBackend backend) {
		return (Integer) client.endpoint(service, backend.key()).get("healthScore");
	}

	/**
	 * Move virtual time until the backend's endpoint has finished {@code rounds} more checks, one at a time, in steps
	 * far shorter than the check timeout, waiting before each step for the real answers of every check in flight (of
	 * every service: they share the clock), so that no check times out for want of a real answer. The next check of
	 * an endpoint comes at least 4.5 s after its last, so each round is exactly one check of it.
	 */
	private static void checkRounds(String service, HealthBackend backend, int rounds) {
		Endpoint<ServiceInstance> endpoint = client.pool(service).endpoint(backend.key());
		ActiveHealthCheck check = check(client.sources(service), endpoint);
		for (int round = 0; round < rounds; round++) {
			int before = check.checksCompleted();
			advanceUntil(() -> check.checksCompleted() > before);
			assertThat(check.checksCompleted()).as("checks of " + backend.name()).isEqualTo(before + 1);
		}
	}

	/**
	 * Move virtual time, as above, until the condition holds; at most {@code rounds} check intervals.
	 */
	private static void checkRoundsUntil(int rounds, java.util.function.BooleanSupplier condition) {
		advanceUntil(condition, rounds * 120);
		assertThat(condition.getAsBoolean()).as("reached within " + rounds + " check intervals").isTrue();
	}

	private static void advanceUntil(java.util.function.BooleanSupplier condition) {
		advanceUntil(condition, 200);
	}

	private static void advanceUntil(java.util.function.BooleanSupplier condition, int maxSteps) {
		for (int step = 0; step < maxSteps; step++) {
			await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10)).until(() -> checksInFlight() == 0);
			if (condition.getAsBoolean()) {
				return;
			}
			client.time().advanceTimeBy(Duration.ofMillis(50));
		}
	}

	private static int checksInFlight() {
		int inFlight = 0;
		for (String service : backends.keySet()) {
			if (client.bean(dev.livery.loadbalancer.EndpointPools.class).get(service) == null) {
				continue;
			}
			PoolHealthSources<ServiceInstance> sources = client.sources(service);
			for (Endpoint<ServiceInstance> endpoint : client.pool(service).endpoints()) {
				inFlight += check(sources, endpoint).checksInFlight();
			}
		}
		return inFlight;
	}

	private static ActiveHealthCheck check(PoolHealthSources<ServiceInstance> sources,
			Endpoint<ServiceInstance> endpoint) {
		ActiveHealthCheck check = sources.activeCheck(endpoint);
		assertThat(check).as("checks of " + endpoint.key()).isNotNull();
		return check;
	}

}
