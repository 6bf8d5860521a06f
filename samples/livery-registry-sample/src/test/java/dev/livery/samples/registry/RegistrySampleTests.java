package dev.livery.samples.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registry sample end to end, on a real ZooKeeper (embedded, on 127.0.0.1): replicas that register join the
 * client's pool, a replica that leaves stops getting traffic and its keys move to the next replica on the ring,
 * which has the data because writes went to the key's two replicas; state (a drain) survives refreshes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistrySampleTests {

	private static final ParameterizedTypeReference<Map<String, Object>> MAP = new ParameterizedTypeReference<>() {
	};

	private static final ParameterizedTypeReference<List<String>> LIST = new ParameterizedTypeReference<>() {
	};

	private static final Duration PATIENCE = Duration.ofSeconds(45);

	private static RegistrySample sample;

	private static WebClient client;

	@BeforeAll
	static void start() throws Exception {
		// Consul discovery is on this module's test class path for the Consul test; not wanted here.
		System.setProperty("spring.cloud.consul.enabled", "false");
		sample = RegistrySample.start(null, 3, 0);
		client = WebClient.create("http://127.0.0.1:" + sample.clientPort());
	}

	@AfterAll
	static void stop() throws Exception {
		try {
			if (sample != null) {
				sample.close();
			}
		}
		finally {
			System.clearProperty("spring.cloud.consul.enabled");
		}
	}

	private static List<String> replicas(String key, int count) {
		return client.get()
			.uri("/replicas/{key}?replicas={count}", key, count)
			.retrieve()
			.bodyToMono(LIST)
			.block(Duration.ofSeconds(10));
	}

	private static ResponseEntity<Map<String, Object>> read(String key) {
		return client.get()
			.uri("/items/{key}", key)
			.exchangeToMono((response) -> response.toEntity(MAP))
			.block(Duration.ofSeconds(10));
	}

	private static <T> T eventually(Supplier<T> attempt, java.util.function.Predicate<T> done, String what) {
		long deadline = System.nanoTime() + PATIENCE.toNanos();
		Object last = null;
		while (System.nanoTime() < deadline) {
			try {
				T value = attempt.get();
				last = value;
				if (done.test(value)) {
					return value;
				}
			}
			catch (RuntimeException ex) {
				// Not yet (a 503 while a registry change propagates).
				last = ex;
			}
			sleep(200);
		}
		throw new AssertionError("Timed out waiting for " + what + "; last: " + last);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static EndpointPool<ServiceInstance> pool() {
		@SuppressWarnings("unchecked")
		EndpointPools<ServiceInstance> pools = sample.client().getBean(EndpointPools.class);
		return pools.get("inventory");
	}

	@Test
	@Order(1)
	void registeredReplicasShouldJoinAndReadsShouldFollowTheKey() {
		List<String> three = eventually(() -> replicas("apple", 3), (r) -> r.size() == 3, "three replicas");
		assertThat(three).doesNotHaveDuplicates();
		Map<String, Object> written = client.put()
			.uri("/items/apple?replicas=2")
			.bodyValue("red")
			.retrieve()
			.bodyToMono(MAP)
			.block(Duration.ofSeconds(10));
		@SuppressWarnings("unchecked")
		List<String> writtenTo = (List<String>) written.get("replicas");
		assertThat(writtenTo).hasSize(2).doesNotHaveDuplicates();
		for (int i = 0; i < 10; i++) {
			ResponseEntity<Map<String, Object>> response = read("apple");
			assertThat(response.getStatusCode().value()).isEqualTo(200);
			assertThat(response.getBody()).containsEntry("instance", writtenTo.get(0)).containsEntry("value", "red");
		}
		assertThat(pool().settings().policy().id()).isEqualTo("ring-hash");
		assertThat(pool().endpoints()).hasSize(3);
	}

	@Test
	@Order(2)
	void drainShouldSurviveRefreshesOfTheRegistry() {
		List<String> order = replicas("pear", 3);
		String drained = order.get(0);
		pool().drain(drained);
		// Several refreshes of the member list (1s) and of Spring Cloud's cache (2s) later, still out.
		long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (System.nanoTime() < until) {
			assertThat(replicas("pear", 1)).containsExactly(order.get(1));
			sleep(250);
		}
		assertThat(pool().endpoint(drained).state()).isEqualTo(EndpointState.DRAINED);
		pool().restore(drained);
		assertThat(replicas("pear", 1)).containsExactly(drained);
	}

	@Test
	@Order(3)
	void replicaThatLeavesShouldStopGettingTrafficAndItsKeysShouldMoveToTheNextReplica() {
		client.put().uri("/items/plum?replicas=2").bodyValue("purple").retrieve().toBodilessEntity()
			.block(Duration.ofSeconds(10));
		String primary = (String) read("plum").getBody().get("instance");
		ConfigurableApplicationContext leaving = sample.replicas()
			.stream()
			.filter((replica) -> replica.getEnvironment()
				.getProperty("spring.cloud.zookeeper.discovery.instance-id")
				.equals(primary))
			.findFirst()
			.orElseThrow();
		leaving.close();
		// The registry drops it; the key's next replica on the ring serves the read, and has the value.
		ResponseEntity<Map<String, Object>> moved = eventually(() -> read("plum"),
				(r) -> r.getStatusCode().value() == 200 && !primary.equals(r.getBody().get("instance")),
				"the read to move off the replica that left");
		assertThat(moved.getBody()).containsEntry("value", "purple");
		eventually(() -> replicas("plum", 10).size(), (size) -> size == 2, "the pool to shrink to 2");
		assertThat(pool().endpoints()).hasSize(2);
		for (int i = 0; i < 20; i++) {
			assertThat(read("plum").getBody()).doesNotContainEntry("instance", primary);
		}
	}

	@Test
	@Order(4)
	void replicaThatRegistersShouldJoin() {
		int before = pool().endpoints().size();
		sample.startReplica("inventory-9");
		// Requests drive the refreshes of the members (one per refresh interval); selection is one.
		eventually(() -> replicas("fig", 10).size(), (size) -> size == before + 1, "the new replica to join");
		List<String> all = eventually(() -> replicas("fig", 10), (r) -> r.size() == before + 1,
				"selection to include the new replica");
		assertThat(all).doesNotHaveDuplicates();
		assertThat(pool().inFlight()).isZero();
	}

}
