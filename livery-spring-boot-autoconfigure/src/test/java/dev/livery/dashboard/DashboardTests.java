package dev.livery.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.concurrency.FixedConcurrencyLimiter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link Dashboard}: the cadence of the shared ticker on a virtual clock, that it runs only while someone
 * watches, and that no viewer can stop or slow another.
 */
class DashboardTests {

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final FixedConcurrencyLimiter limiter = new FixedConcurrencyLimiter(1);

	private final AtomicInteger runs = new AtomicInteger();

	private final Dashboard dashboard = new Dashboard(() -> {
		this.runs.incrementAndGet();
		return new DashboardSnapshots(null, this.limiter, null, null);
	}, Duration.ofSeconds(1), this.scheduler, () -> this.scheduler.now(TimeUnit.NANOSECONDS));

	@AfterEach
	void disposeScheduler() {
		this.scheduler.dispose();
	}

	@Test
	void nothingShouldBeTakenWhileNobodyWatches() {
		this.scheduler.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(this.dashboard.snapshotsTaken()).isZero();
		assertThat(this.dashboard.isTicking()).isFalse();
		assertThat(this.runs).hasValue(0);
	}

	@Test
	void firstViewerShouldGetASnapshotAtOnceAndThenOneASecond() {
		List<String> received = new CopyOnWriteArrayList<>();
		Disposable viewer = this.dashboard.snapshots().subscribe(received::add);
		this.scheduler.advanceTime();
		assertThat(received).hasSize(1);
		assertThat(this.dashboard.isTicking()).isTrue();
		this.scheduler.advanceTimeBy(Duration.ofMillis(999));
		assertThat(received).hasSize(1);
		this.scheduler.advanceTimeBy(Duration.ofMillis(1));
		assertThat(received).hasSize(2);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(8));
		assertThat(received).hasSize(10);
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(10);
		viewer.dispose();
	}

	@Test
	void viewersShouldShareOneTicker() {
		List<String> first = new CopyOnWriteArrayList<>();
		List<String> second = new CopyOnWriteArrayList<>();
		Disposable one = this.dashboard.snapshots().subscribe(first::add);
		this.scheduler.advanceTimeBy(Duration.ofMillis(2500));
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(3);
		Disposable two = this.dashboard.snapshots().subscribe(second::add);
		// The latest snapshot at once, from the one taken for the first viewer.
		assertThat(second).containsExactly(first.get(2));
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(3);
		assertThat(this.dashboard.viewers()).isEqualTo(2);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(8);
		assertThat(first).hasSize(8);
		assertThat(second).hasSize(6).isEqualTo(first.subList(2, 8));
		assertThat(this.runs).hasValue(1);
		one.dispose();
		two.dispose();
	}

	@Test
	void lastViewerLeavingShouldStopTheTicker() {
		Disposable one = this.dashboard.snapshots().subscribe();
		Disposable two = this.dashboard.snapshots().subscribe();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(3));
		one.dispose();
		assertThat(this.dashboard.viewers()).isEqualTo(1);
		assertThat(this.dashboard.isTicking()).isTrue();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(5);
		two.dispose();
		assertThat(this.dashboard.viewers()).isZero();
		assertThat(this.dashboard.isTicking()).isFalse();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(60));
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(5);
	}

	@Test
	void tickerShouldRestartAfreshForTheNextViewer() {
		List<String> received = new CopyOnWriteArrayList<>();
		Disposable first = this.dashboard.snapshots().subscribe();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(2));
		first.dispose();
		this.limiter.tryAcquire();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(30));
		Disposable again = this.dashboard.snapshots().subscribe(received::add);
		this.scheduler.advanceTime();
		assertThat(this.runs).hasValue(2);
		// A new run has no previous snapshot: no rate, rather than one averaged over the 30 s nobody watched.
		assertThat(concurrency(received.get(0))).doesNotContainKey("rejectedPerSecond");
		assertThat(this.limiter.tryAcquire()).isNull();
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(concurrency(received.get(1))).containsEntry("rejectedPerSecond", 1);
		again.dispose();
	}

	@Test
	void ratesShouldUseTheTimeBetweenSnapshots() {
		List<String> received = new CopyOnWriteArrayList<>();
		Disposable viewer = this.dashboard.snapshots().subscribe(received::add);
		this.scheduler.advanceTime();
		this.limiter.tryAcquire();
		for (int i = 0; i < 4; i++) {
			assertThat(this.limiter.tryAcquire()).isNull();
		}
		this.scheduler.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(concurrency(received.get(1))).containsEntry("rejectedPerSecond", 4)
			.containsEntry("inFlight", 1)
			.containsEntry("limit", 1);
		viewer.dispose();
	}

	@Test
	void aSnapshotThatFailsShouldBeSkippedWithoutEndingTheStream() {
		AtomicInteger calls = new AtomicInteger();
		ConcurrencyLimiter flaky = new ConcurrencyLimiter() {

			@Override
			public @Nullable Permit tryAcquire() {
				return null;
			}

			@Override
			public int inFlight() {
				return 0;
			}

			@Override
			public int limit() {
				if (calls.incrementAndGet() == 2) {
					throw new IllegalStateException("boom");
				}
				return 1;
			}

			@Override
			public long rejected() {
				return 0;
			}

		};
		Dashboard dashboard = new Dashboard(() -> new DashboardSnapshots(null, flaky, null, null),
				Duration.ofSeconds(1), this.scheduler, () -> this.scheduler.now(TimeUnit.NANOSECONDS));
		List<String> received = new CopyOnWriteArrayList<>();
		AtomicInteger errors = new AtomicInteger();
		Disposable viewer = dashboard.snapshots().subscribe(received::add, (ex) -> errors.incrementAndGet());
		this.scheduler.advanceTimeBy(Duration.ofSeconds(3));
		assertThat(received).hasSize(3);
		assertThat(errors).hasValue(0);
		assertThat(dashboard.snapshotsTaken()).isEqualTo(3);
		viewer.dispose();
	}

	@Test
	void aViewerThatStopsReadingShouldNotHoldBackTheOthers() {
		List<String> slow = new CopyOnWriteArrayList<>();
		BaseSubscriber<String> stalled = new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
				request(1);
			}

			@Override
			protected void hookOnNext(String value) {
				slow.add(value);
			}

		};
		List<String> fast = new CopyOnWriteArrayList<>();
		this.dashboard.snapshots().subscribe(stalled);
		Disposable other = this.dashboard.snapshots().subscribe(fast::add);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(fast).hasSize(6);
		assertThat(slow).hasSize(1);
		stalled.request(1);
		// It catches up with the latest snapshot, not with a backlog.
		assertThat(slow).hasSize(2);
		assertThat(slow.get(1)).isEqualTo(fast.get(5));
		stalled.dispose();
		other.dispose();
		assertThat(this.dashboard.viewers()).isZero();
		assertThat(this.dashboard.isTicking()).isFalse();
	}

	@Test
	void closeShouldCompleteEveryStreamAndStopTheTicker() {
		AtomicInteger completed = new AtomicInteger();
		this.dashboard.snapshots().subscribe(null, null, completed::incrementAndGet);
		this.dashboard.snapshots().subscribe(null, null, completed::incrementAndGet);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(2));
		this.dashboard.close();
		assertThat(completed).hasValue(2);
		assertThat(this.dashboard.viewers()).isZero();
		assertThat(this.dashboard.isTicking()).isFalse();
		List<String> late = new CopyOnWriteArrayList<>();
		this.dashboard.snapshots().subscribe(late::add, null, completed::incrementAndGet);
		this.scheduler.advanceTimeBy(Duration.ofSeconds(10));
		assertThat(completed).hasValue(3);
		assertThat(late).isEmpty();
		assertThat(this.dashboard.snapshotsTaken()).isEqualTo(3);
		assertThat(this.dashboard.viewers()).isZero();
	}

	@Test
	void intervalShouldBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Dashboard(
				() -> new DashboardSnapshots(null, null, null, null), Duration.ZERO, this.scheduler, System::nanoTime))
			.withMessageContaining("interval");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> concurrency(String snapshot) {
		return (Map<String, Object>) DashboardSnapshotsTests.parse(snapshot).get("concurrency");
	}

}
