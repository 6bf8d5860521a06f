package dev.livery.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.livery.concurrency.ConcurrencyLimiter.Outcome;
import dev.livery.concurrency.ConcurrencyLimiter.Permit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link AdaptiveConcurrencyLimiter}, on a fake clock.
 */
class AdaptiveConcurrencyLimiterTests {

	private static final long MS = 1_000_000;

	private final AtomicLong clock = new AtomicLong(1_000 * MS);

	private final ExecutorService executor = Executors.newFixedThreadPool(8);

	@AfterEach
	void shutDown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private AdaptiveConcurrencyLimiter limiter(LimitAlgorithm algorithm, int windowSamples) {
		return new AdaptiveConcurrencyLimiter(algorithm, Duration.ofMillis(100), windowSamples, this.clock::get);
	}

	@Test
	void createWithBadWindowShouldFail() {
		Scripted algorithm = new Scripted(5);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AdaptiveConcurrencyLimiter(algorithm, Duration.ZERO, 1, this.clock::get))
			.withMessage("window must be positive but was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AdaptiveConcurrencyLimiter(algorithm, Duration.ofMillis(1), 0, this.clock::get))
			.withMessage("windowSamples must be at least 1 but was 0");
	}

	@Test
	void tryAcquireShouldAdmitUpToTheAlgorithmsLimitThenRejectAndCount() {
		AdaptiveConcurrencyLimiter limiter = limiter(new Scripted(3), 1);
		List<Permit> permits = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			permits.add(limiter.tryAcquire());
		}
		assertThat(permits).doesNotContainNull();
		assertThat(limiter.tryAcquire()).isNull();
		assertThat(limiter.limit()).isEqualTo(3);
		assertThat(limiter.inFlight()).isEqualTo(3);
		assertThat(limiter.rejected()).isOne();
		permits.forEach((permit) -> permit.release(Outcome.SUCCESS));
		assertThat(limiter.inFlight()).isZero();
	}

	@Test
	void sampleShouldBeTheTimeFromAdmissionToReleaseAveragedOverTheWindow() {
		Scripted algorithm = new Scripted(10, 12);
		AdaptiveConcurrencyLimiter limiter = limiter(algorithm, 2);
		Permit first = limiter.tryAcquire();
		Permit second = limiter.tryAcquire();
		this.clock.addAndGet(40 * MS);
		first.release(Outcome.SUCCESS);
		this.clock.addAndGet(80 * MS);
		second.release(Outcome.SUCCESS);
		// first: 40 ms, second: 120 ms; the window is 120 ms old and has two samples.
		assertThat(algorithm.calls).containsExactly(new Call(80 * MS, 2, false));
		assertThat(limiter.limit()).isEqualTo(12);
		assertThat(limiter.recentRttNanos()).isEqualTo(80 * MS);
		assertThat(limiter.rttNoLoadNanos()).isEqualTo(42);
	}

	@Test
	void windowShouldWaitForItsTimeAndItsSamples() {
		Scripted algorithm = new Scripted(10, 11, 12);
		AdaptiveConcurrencyLimiter limiter = limiter(algorithm, 3);
		// Three samples in 50 ms: too early.
		for (int i = 0; i < 3; i++) {
			this.clock.addAndGet(10 * MS);
			limiter.tryAcquire().release(Outcome.SUCCESS);
		}
		assertThat(algorithm.calls).isEmpty();
		// 200 ms later but only one more sample since: the window holds four, so it closes.
		this.clock.addAndGet(200 * MS);
		limiter.tryAcquire().release(Outcome.SUCCESS);
		assertThat(algorithm.calls).hasSize(1);
		assertThat(limiter.limit()).isEqualTo(11);
		// A new window starts empty: two samples after its time are not enough, the third is.
		this.clock.addAndGet(150 * MS);
		limiter.tryAcquire().release(Outcome.SUCCESS);
		limiter.tryAcquire().release(Outcome.SUCCESS);
		assertThat(algorithm.calls).hasSize(1);
		limiter.tryAcquire().release(Outcome.SUCCESS);
		assertThat(algorithm.calls).hasSize(2);
		assertThat(limiter.limit()).isEqualTo(12);
	}

	@Test
	void errorsAndCancellationsShouldBeDropsWithoutTheirLatency() {
		Scripted algorithm = new Scripted(10, 9, 8);
		AdaptiveConcurrencyLimiter limiter = limiter(algorithm, 3);
		Permit ok = limiter.tryAcquire();
		Permit failed = limiter.tryAcquire();
		Permit cancelled = limiter.tryAcquire();
		this.clock.addAndGet(1 * MS);
		failed.release(Outcome.ERROR);
		this.clock.addAndGet(199 * MS);
		cancelled.release(Outcome.CANCELLED);
		ok.release(Outcome.SUCCESS);
		assertThat(algorithm.calls).containsExactly(new Call(200 * MS, 3, true));
		assertThat(limiter.dropped()).isEqualTo(2);
		// A window of drops only has no latency at all.
		this.clock.addAndGet(200 * MS);
		for (int i = 0; i < 3; i++) {
			limiter.tryAcquire().release(Outcome.CANCELLED);
		}
		assertThat(algorithm.calls).last().isEqualTo(new Call(0, 1, true));
		assertThat(limiter.recentRttNanos()).as("the last window with samples").isEqualTo(200 * MS);
		assertThat(limiter.dropped()).isEqualTo(5);
	}

	@Test
	void shrinkingLimitShouldAdmitNobodyUntilInFlightIsBelowIt() {
		Scripted algorithm = new Scripted(10, 5);
		AdaptiveConcurrencyLimiter limiter = limiter(algorithm, 1);
		List<Permit> held = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			held.add(limiter.tryAcquire());
		}
		this.clock.addAndGet(100 * MS);
		held.remove(0).release(Outcome.SUCCESS);
		assertThat(limiter.limit()).isEqualTo(5);
		assertThat(limiter.inFlight()).isEqualTo(9);
		for (int i = 0; i < 4; i++) {
			assertThat(limiter.tryAcquire()).isNull();
			held.remove(0).release(Outcome.SUCCESS);
		}
		assertThat(limiter.inFlight()).isEqualTo(5);
		assertThat(limiter.tryAcquire()).isNull();
		held.remove(0).release(Outcome.SUCCESS);
		Permit admitted = limiter.tryAcquire();
		assertThat(admitted).isNotNull();
		assertThat(limiter.tryAcquire()).isNull();
		assertThat(limiter.rejected()).isEqualTo(6);
		admitted.release(Outcome.SUCCESS);
		held.forEach((permit) -> permit.release(Outcome.SUCCESS));
		assertThat(limiter.inFlight()).isZero();
	}

	@Test
	void releaseShouldTakeEffectAndSampleOnlyOnce() {
		Scripted algorithm = new Scripted(10, 10);
		AdaptiveConcurrencyLimiter limiter = limiter(algorithm, 2);
		Permit permit = limiter.tryAcquire();
		this.clock.addAndGet(300 * MS);
		assertThat(permit.release(Outcome.SUCCESS)).isTrue();
		assertThat(permit.release(Outcome.CANCELLED)).isFalse();
		assertThat(permit.release(Outcome.ERROR)).isFalse();
		assertThat(limiter.inFlight()).isZero();
		assertThat(limiter.dropped()).isZero();
		assertThat(algorithm.calls).as("one sample, not the two the window needs").isEmpty();
	}

	@Test
	void manyThreadsShouldNeverExceedTheLimitNorOverlapInTheAlgorithmAndShouldEndAtZero() throws Exception {
		int threads = 8;
		int attempts = 20_000;
		// Real clock, tiny windows: the limit moves between 1 and 6 hundreds of times while threads race.
		Overlapping algorithm = new Overlapping();
		AdaptiveConcurrencyLimiter limiter = new AdaptiveConcurrencyLimiter(algorithm, Duration.ofNanos(1), 1,
				System::nanoTime);
		AtomicInteger holding = new AtomicInteger();
		AtomicInteger maxHolding = new AtomicInteger();
		AtomicInteger admitted = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			workers.add(this.executor.submit(() -> {
				start.await();
				for (int i = 0; i < attempts; i++) {
					Permit permit = limiter.tryAcquire();
					if (permit != null) {
						admitted.incrementAndGet();
						maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
						holding.decrementAndGet();
						Outcome outcome = Outcome.values()[ThreadLocalRandom.current().nextInt(3)];
						permit.release(outcome);
						permit.release(Outcome.SUCCESS);
					}
				}
				return null;
			}));
		}
		start.countDown();
		for (Future<?> worker : workers) {
			worker.get(60, TimeUnit.SECONDS);
		}
		assertThat(algorithm.updates.get()).isGreaterThan(100);
		assertThat(algorithm.overlaps.get()).isZero();
		assertThat(maxHolding.get()).isBetween(1, Overlapping.MAX);
		assertThat(limiter.inFlight()).isZero();
		assertThat(admitted.get() + limiter.rejected()).isEqualTo((long) threads * attempts);
	}

	record Call(long rttNanos, int maxInFlight, boolean dropped) {
	}

	/**
	 * Returns scripted limits, one per update, and records what it was given.
	 */
	static final class Scripted implements LimitAlgorithm {

		final List<Call> calls = new ArrayList<>();

		private final int[] limits;

		Scripted(int... limits) {
			this.limits = limits;
		}

		@Override
		public int limit() {
			return this.limits[Math.min(this.calls.size(), this.limits.length - 1)];
		}

		@Override
		public int update(long rttNanos, int maxInFlight, boolean dropped) {
			this.calls.add(new Call(rttNanos, maxInFlight, dropped));
			return limit();
		}

		@Override
		public long rttNoLoadNanos() {
			return 42;
		}

	}

	/**
	 * Cycles its limit through 1 to {@link #MAX} and detects two threads inside {@code update} at once.
	 */
	static final class Overlapping implements LimitAlgorithm {

		static final int MAX = 6;

		final AtomicInteger updates = new AtomicInteger();

		final AtomicInteger overlaps = new AtomicInteger();

		private final AtomicInteger inside = new AtomicInteger();

		private int limit = 3;

		@Override
		public int limit() {
			return this.limit;
		}

		@Override
		public int update(long rttNanos, int maxInFlight, boolean dropped) {
			if (this.inside.incrementAndGet() > 1) {
				this.overlaps.incrementAndGet();
			}
			Thread.onSpinWait();
			this.limit = (this.limit % MAX) + 1;
			this.updates.incrementAndGet();
			this.inside.decrementAndGet();
			return this.limit;
		}

	}

}
