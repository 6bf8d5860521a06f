package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads hammering one {@link EndpointPool}, bounded in operations and time, checking its invariants.
 */
class EndpointPoolConcurrencyTests {

	private static final int THREADS = 6;

	private final ExecutorService executor = Executors.newFixedThreadPool(THREADS);

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void inFlightShouldNeverGoNegativeAndShouldEndAtZero() throws Exception {
		FakeTicker ticker = new FakeTicker();
		AtomicLong ejections = new AtomicLong();
		AtomicLong probes = new AtomicLong();
		PoolListener listener = new PoolListener() {

			@Override
			public void onEjection(EndpointPool<?> pool, Endpoint<?> endpoint) {
				ejections.incrementAndGet();
			}

			@Override
			public void onProbe(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
				probes.incrementAndGet();
			}

		};
		EndpointPool<String> pool = new EndpointPool<>("svc",
				PoolSettings.DEFAULTS.withPolicy(PickPolicyType.P2C).withOutlier(
						new OutlierDetection(true, 2, Duration.ofMillis(5), Duration.ofMillis(20), 50)),
				(m) -> m, ticker,
				listener);
		List<String> all = List.of("a:1", "b:1", "c:1", "d:1", "e:1", "f:1");
		pool.update(all);
		AtomicInteger negative = new AtomicInteger();
		java.util.Set<Endpoint<String>> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
		seen.addAll(pool.endpoints());
		CyclicBarrier start = new CyclicBarrier(THREADS);
		List<Future<?>> futures = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			futures.add(this.executor.submit(() -> {
				start.await();
				ThreadLocalRandom random = ThreadLocalRandom.current();
				List<Lease<String>> held = new ArrayList<>();
				for (int i = 0; i < 50_000; i++) {
					int op = random.nextInt(100);
					if (op < 45) {
						Lease<String> lease = pool.pick();
						if (lease != null) {
							held.add(lease);
							seen.add(lease.endpoint());
						}
					}
					else if (op < 85 && !held.isEmpty()) {
						Lease<String> lease = held.remove(random.nextInt(held.size()));
						int outcome = random.nextInt(3);
						if (outcome == 0) {
							lease.recordSuccess();
						}
						else if (outcome == 1) {
							lease.recordFailure();
						}
						else {
							lease.release(); // a cancel
						}
						// Finishing twice, from another path, must change nothing.
						lease.release();
					}
					else if (op < 88) {
						pool.remove(all.get(random.nextInt(all.size())));
					}
					else if (op < 91) {
						pool.add(all.get(random.nextInt(all.size())));
					}
					else if (op < 93) {
						pool.drain(all.get(random.nextInt(all.size())));
					}
					else if (op < 96) {
						pool.restore(all.get(random.nextInt(all.size())));
					}
					else {
						ticker.advance(Duration.ofMillis(1));
					}
					for (Endpoint<String> endpoint : pool.endpoints()) {
						if (endpoint.inFlight() < 0) {
							negative.incrementAndGet();
						}
					}
				}
				held.forEach(Lease::release);
				return null;
			}));
		}
		for (Future<?> future : futures) {
			future.get(60, TimeUnit.SECONDS);
		}
		assertThat(negative).hasValue(0);
		assertThat(pool.inFlight()).isZero();
		for (Endpoint<String> endpoint : seen) {
			assertThat(endpoint.inFlight()).as(endpoint.toString()).isZero();
		}
		assertThat(ejections.get()).as("the run exercised ejection").isPositive();
		assertThat(probes.get()).as("the run exercised probes").isPositive();
		pool.update(all);
		all.forEach(pool::restore);
		long ejectedNow = pool.endpoints().stream().filter((e) -> e.state() != EndpointState.UP).count();
		assertThat(ejectedNow).isLessThanOrEqualTo(3);
	}

	@RepeatedTest(20)
	void racingPicksShouldLeaseExactlyOneProbePerExpiredEjection() throws Exception {
		FakeTicker ticker = new FakeTicker();
		EndpointPool<String> pool = new EndpointPool<>("svc",
				PoolSettings.DEFAULTS.withPolicy(PickPolicyType.P2C).withOutlier(
						new OutlierDetection(true, 1, Duration.ofSeconds(1), Duration.ofSeconds(10), 50)),
				(m) -> m, ticker,
				PoolListener.NONE);
		pool.update(List.of("a:1", "b:1", "c:1", "d:1"));
		Endpoint<String> a = pool.endpoint("a:1");
		while (a.state() == EndpointState.UP) {
			Lease<String> lease = pool.pick();
			if (lease.endpoint() == a) {
				lease.recordFailure();
			}
			else {
				lease.release();
			}
		}
		ticker.advance(Duration.ofSeconds(1));
		CyclicBarrier start = new CyclicBarrier(THREADS);
		CountDownLatch done = new CountDownLatch(THREADS);
		AtomicInteger probesToA = new AtomicInteger();
		AtomicInteger otherToA = new AtomicInteger();
		List<Lease<String>> held = new java.util.concurrent.CopyOnWriteArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			this.executor.submit(() -> {
				start.await();
				for (int i = 0; i < 200; i++) {
					Lease<String> lease = pool.pick();
					if (lease.endpoint() == a) {
						(lease.isProbe() ? probesToA : otherToA).incrementAndGet();
					}
					held.add(lease);
				}
				done.countDown();
				return null;
			});
		}
		assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(probesToA).hasValue(1);
		assertThat(otherToA).hasValue(0);
		held.forEach(Lease::recordSuccess);
		assertThat(a.state()).isEqualTo(EndpointState.UP);
		assertThat(pool.inFlight()).isZero();
	}

}
