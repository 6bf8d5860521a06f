package dev.livery.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.livery.concurrency.ConcurrencyLimiter.Outcome;
import dev.livery.concurrency.ConcurrencyLimiter.Permit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link FixedConcurrencyLimiter}.
 */
class FixedConcurrencyLimiterTests {

	private static final int THREADS = 8;

	private final ExecutorService executor = Executors.newFixedThreadPool(THREADS);

	@AfterEach
	void shutDown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void createWithLimitBelowOneShouldFail() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FixedConcurrencyLimiter(0))
			.withMessage("limit must be at least 1 but was 0");
	}

	@Test
	void tryAcquireShouldAdmitUpToTheLimitThenRejectAndCount() {
		FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(3);
		List<Permit> permits = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			permits.add(limiter.tryAcquire());
		}
		assertThat(permits).doesNotContainNull();
		assertThat(limiter.tryAcquire()).isNull();
		assertThat(limiter.tryAcquire()).isNull();
		assertThat(limiter.inFlight()).isEqualTo(3);
		assertThat(limiter.limit()).isEqualTo(3);
		assertThat(limiter.rejected()).isEqualTo(2);
		permits.get(0).release(Outcome.SUCCESS);
		assertThat(limiter.inFlight()).isEqualTo(2);
		assertThat(limiter.tryAcquire()).isNotNull();
		assertThat(limiter.inFlight()).isEqualTo(3);
	}

	@Test
	void releaseShouldTakeEffectOnlyOnce() {
		FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(2);
		Permit first = limiter.tryAcquire();
		Permit second = limiter.tryAcquire();
		assertThat(first.release(Outcome.CANCELLED)).isTrue();
		assertThat(first.release(Outcome.SUCCESS)).isFalse();
		assertThat(first.release(Outcome.ERROR)).isFalse();
		assertThat(limiter.inFlight()).isEqualTo(1);
		assertThat(second.release(Outcome.SUCCESS)).isTrue();
		assertThat(limiter.inFlight()).isZero();
	}

	@Test
	void burstOfRacingAcquiresShouldAdmitExactlyTheLimit() throws Exception {
		int limit = 3;
		int rounds = 300;
		CyclicBarrier start = new CyclicBarrier(THREADS);
		for (int round = 0; round < rounds; round++) {
			FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(limit);
			List<Future<Permit>> attempts = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				attempts.add(this.executor.submit(() -> {
					start.await(10, TimeUnit.SECONDS);
					return limiter.tryAcquire();
				}));
			}
			int admitted = 0;
			for (Future<Permit> attempt : attempts) {
				if (attempt.get(10, TimeUnit.SECONDS) != null) {
					admitted++;
				}
			}
			assertThat(admitted).as("round %d", round).isEqualTo(limit);
			assertThat(limiter.inFlight()).isEqualTo(limit);
			assertThat(limiter.rejected()).isEqualTo(THREADS - limit);
		}
	}

	@Test
	void manyThreadsAcquiringAndReleasingShouldNeverExceedTheLimitNorGoNegative() throws Exception {
		int limit = 4;
		int attemptsPerThread = 20_000;
		FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(limit);
		AtomicInteger holding = new AtomicInteger();
		AtomicInteger maxHolding = new AtomicInteger();
		AtomicInteger minObserved = new AtomicInteger();
		AtomicInteger admitted = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> workers = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			workers.add(this.executor.submit(() -> {
				start.await();
				for (int i = 0; i < attemptsPerThread; i++) {
					Permit permit = limiter.tryAcquire();
					minObserved.accumulateAndGet(limiter.inFlight(), Math::min);
					if (permit != null) {
						admitted.incrementAndGet();
						maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
						holding.decrementAndGet();
						// Racing releases of the same permit: only one may count.
						permit.release(Outcome.SUCCESS);
						permit.release(Outcome.CANCELLED);
					}
				}
				return null;
			}));
		}
		start.countDown();
		for (Future<?> worker : workers) {
			worker.get(30, TimeUnit.SECONDS);
		}
		assertThat(maxHolding.get()).isBetween(1, limit);
		assertThat(minObserved.get()).isNotNegative();
		assertThat(limiter.inFlight()).isZero();
		assertThat(admitted.get() + limiter.rejected()).isEqualTo((long) THREADS * attemptsPerThread);
	}

	@Test
	void twoThreadsContendingForOneSlotShouldNeverBothHoldIt() throws Exception {
		FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(1);
		AtomicInteger holding = new AtomicInteger();
		AtomicInteger overlaps = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> workers = new ArrayList<>();
		for (int t = 0; t < 2; t++) {
			workers.add(this.executor.submit(() -> {
				start.await();
				for (int i = 0; i < 2_000_000; i++) {
					Permit permit = limiter.tryAcquire();
					if (permit != null) {
						if (holding.incrementAndGet() > 1) {
							overlaps.incrementAndGet();
						}
						holding.decrementAndGet();
						permit.release(Outcome.SUCCESS);
					}
				}
				return null;
			}));
		}
		start.countDown();
		for (Future<?> worker : workers) {
			worker.get(30, TimeUnit.SECONDS);
		}
		assertThat(overlaps.get()).isZero();
		assertThat(limiter.inFlight()).isZero();
	}

	@Test
	void concurrentReleasesOfOnePermitShouldDecrementOnce() throws Exception {
		FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(1);
		CyclicBarrier start = new CyclicBarrier(THREADS);
		for (int round = 0; round < 200; round++) {
			Permit permit = limiter.tryAcquire();
			assertThat(permit).isNotNull();
			List<Future<Boolean>> releases = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				releases.add(this.executor.submit(() -> {
					start.await(10, TimeUnit.SECONDS);
					return permit.release(Outcome.CANCELLED);
				}));
			}
			int effective = 0;
			for (Future<Boolean> release : releases) {
				effective += release.get(10, TimeUnit.SECONDS) ? 1 : 0;
			}
			assertThat(effective).as("round %d", round).isOne();
			assertThat(limiter.inFlight()).isZero();
		}
	}

}
