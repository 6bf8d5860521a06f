package dev.livery.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ServingStatusStore}.
 */
class ServingStatusStoreTests {

	private final ServingStatusStore store = new ServingStatusStore();

	@Test
	void serverStartsServingAndNamedServicesAreUnknown() {
		assertThat(this.store.get("")).contains(ServingStatus.SERVING);
		assertThat(this.store.get("orders")).isEmpty();
		assertThat(this.store.all()).containsExactly(Map.entry("", ServingStatus.SERVING));
	}

	@Test
	void setNotifiesWatchersOnlyOnChange() {
		Recorder recorder = new Recorder();
		this.store.watch("orders").subscribe(recorder);
		assertThat(this.store.set("orders", ServingStatus.SERVING)).isTrue();
		assertThat(this.store.set("orders", ServingStatus.SERVING)).isFalse();
		assertThat(this.store.set("orders", ServingStatus.NOT_SERVING)).isTrue();
		assertThat(this.store.set("orders", ServingStatus.NOT_SERVING)).isFalse();
		assertThat(this.store.set("orders", ServingStatus.UNKNOWN)).isTrue();
		assertThat(recorder.seen).containsExactly(ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING,
				ServingStatus.NOT_SERVING, ServingStatus.UNKNOWN);
		assertThat(this.store.get("orders")).contains(ServingStatus.UNKNOWN);
		recorder.dispose();
	}

	@Test
	void watchEmitsCurrentStatusFirstAndStaysOpen() {
		this.store.set("orders", ServingStatus.NOT_SERVING);
		StepVerifier.create(this.store.watch("orders"))
			.expectNext(ServingStatus.NOT_SERVING)
			.then(() -> this.store.set("orders", ServingStatus.SERVING))
			.expectNext(ServingStatus.SERVING)
			.thenCancel()
			.verify();
		StepVerifier.create(this.store.watch("")).expectNext(ServingStatus.SERVING).thenCancel().verify();
		assertThat(this.store.watcherCount("orders")).isZero();
		assertThat(this.store.watcherCount("")).isZero();
	}

	@Test
	void clearTellsWatchersServiceUnknown() {
		this.store.set("orders", ServingStatus.SERVING);
		Recorder recorder = new Recorder();
		this.store.watch("orders").subscribe(recorder);
		assertThat(this.store.clear("orders")).isTrue();
		assertThat(this.store.clear("orders")).isFalse();
		assertThat(recorder.seen).containsExactly(ServingStatus.SERVING, ServingStatus.SERVICE_UNKNOWN);
		assertThat(this.store.get("orders")).isEmpty();
		assertThat(this.store.all()).doesNotContainKey("orders");
		assertThat(recorder.isDisposed()).isFalse();
		recorder.dispose();
	}

	@Test
	void clearWithoutWatchersForgetsService() {
		this.store.set("orders", ServingStatus.SERVING);
		assertThat(this.store.clear("orders")).isTrue();
		assertThat(this.store.get("orders")).isEmpty();
		assertThat(this.store.all()).containsOnlyKeys("");
	}

	@Test
	void invalidArgumentsAreRejectedAndChangeNothing() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.set("orders", ServingStatus.SERVICE_UNKNOWN))
			.withMessageContaining("SERVICE_UNKNOWN");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.set("orders", null))
			.withMessageContaining("Status must be one of");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.set(null, ServingStatus.SERVING))
			.withMessageContaining("Service name must not be null");
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.get(null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.watch(null));
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.clear(""))
			.withMessageContaining("cannot be cleared");
		assertThat(this.store.all()).containsExactly(Map.entry("", ServingStatus.SERVING));
	}

	@Test
	void newNamedServiceBeyondMaxServicesIsRefusedAndChangesNothing() {
		ServingStatusStore bounded = new ServingStatusStore(2);
		bounded.set("a", ServingStatus.SERVING);
		bounded.set("b", ServingStatus.NOT_SERVING);
		List<ServingStatus> seen = new CopyOnWriteArrayList<>();
		Disposable watch = bounded.watch("c").subscribe(seen::add);
		Map<String, ServingStatus> before = bounded.all();
		assertThatExceptionOfType(ServingStatusStore.TooManyServicesException.class)
			.isThrownBy(() -> bounded.set("c", ServingStatus.SERVING))
			.withMessageContaining("'c'")
			.withMessageContaining("at most 2")
			.satisfies((ex) -> assertThat(ex.getMaxServices()).isEqualTo(2));
		assertThat(bounded.all()).isEqualTo(before);
		assertThat(seen).containsExactly(ServingStatus.SERVICE_UNKNOWN);
		// Services that have a status, and the server, still change; a clear frees a slot.
		assertThat(bounded.set("a", ServingStatus.NOT_SERVING)).isTrue();
		assertThat(bounded.set("", ServingStatus.NOT_SERVING)).isTrue();
		bounded.clear("b");
		assertThat(bounded.set("c", ServingStatus.SERVING)).isTrue();
		assertThat(seen).containsExactly(ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING);
		assertThat(bounded.maxServices()).isEqualTo(2);
		assertThat(new ServingStatusStore().maxServices()).isEqualTo(Integer.MAX_VALUE);
		assertThatIllegalArgumentException().isThrownBy(() -> new ServingStatusStore(-1));
		watch.dispose();
	}

	@Test
	void concurrentSettersNeverTakeMoreThanMaxServices() throws Exception {
		ServingStatusStore bounded = new ServingStatusStore(10);
		int threads = 4;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Integer>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int seed = t;
				futures.add(executor.submit(() -> {
					int refused = 0;
					for (int i = 0; i < 5_000; i++) {
						String service = "service-" + ((i * 7 + seed) % 40);
						try {
							if (i % 3 == 0) {
								bounded.clear(service);
							}
							else {
								bounded.set(service, ServingStatus.SERVING);
							}
						}
						catch (ServingStatusStore.TooManyServicesException ex) {
							refused++;
						}
					}
					return refused;
				}));
			}
			int refused = 0;
			for (Future<Integer> future : futures) {
				refused += future.get(60, TimeUnit.SECONDS);
			}
			assertThat(refused).isPositive();
		}
		finally {
			executor.shutdownNow();
		}
		// all() is weakly consistent while setters run, so the bound is checked once they have stopped.
		assertThat(bounded.all().size() - 1).isLessThanOrEqualTo(10);
		// No slot leaked: once everything is cleared, exactly ten new services fit again.
		bounded.all().keySet().stream().filter((service) -> !service.isEmpty()).forEach(bounded::clear);
		for (int i = 0; i < 10; i++) {
			bounded.set("fresh-" + i, ServingStatus.SERVING);
		}
		assertThatExceptionOfType(ServingStatusStore.TooManyServicesException.class)
			.isThrownBy(() -> bounded.set("fresh-10", ServingStatus.SERVING));
	}

	@Test
	void allIsAnImmutableSnapshot() {
		this.store.set("b", ServingStatus.SERVING);
		this.store.set("a", ServingStatus.NOT_SERVING);
		Map<String, ServingStatus> snapshot = this.store.all();
		this.store.set("c", ServingStatus.UNKNOWN);
		assertThat(snapshot).containsExactly(Map.entry("", ServingStatus.SERVING),
				Map.entry("a", ServingStatus.NOT_SERVING), Map.entry("b", ServingStatus.SERVING));
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> snapshot.put("d", ServingStatus.SERVING));
	}

	@Test
	void cancelledWatcherIsDroppedAtOnce() {
		Disposable first = this.store.watch("orders").subscribe();
		Disposable second = this.store.watch("orders").subscribe();
		assertThat(this.store.watcherCount("orders")).isEqualTo(2);
		first.dispose();
		assertThat(this.store.watcherCount("orders")).isOne();
		second.dispose();
		assertThat(this.store.watcherCount("orders")).isZero();
		assertThat(this.store.get("orders")).isEmpty();
	}

	@Test
	void tenThousandSubscribeCancelCyclesLeaveNoWatcherBehind() {
		this.store.set("known", ServingStatus.SERVING);
		for (int i = 0; i < 10_000; i++) {
			this.store.watch("known").subscribe().dispose();
			this.store.watch("unknown-" + (i % 7)).subscribe().dispose();
			this.store.watch("").take(1).subscribe();
		}
		assertThat(this.store.watcherCount("known")).isZero();
		assertThat(this.store.watcherCount("")).isZero();
		for (int i = 0; i < 7; i++) {
			assertThat(this.store.watcherCount("unknown-" + i)).isZero();
		}
		assertThat(this.store.all()).containsOnlyKeys("", "known");
	}

	@Test
	@Timeout(10)
	void watcherThatNeverRequestsDoesNotBlockSetAndThenGetsLatestStatus() {
		NoDemand slow = new NoDemand();
		this.store.watch("orders").subscribe(slow);
		Recorder fast = new Recorder();
		this.store.watch("orders").subscribe(fast);
		for (int i = 0; i < 1_000; i++) {
			assertThat(this.store.set("orders", (i % 2 == 0) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING))
				.isTrue();
		}
		this.store.set("orders", ServingStatus.UNKNOWN);
		assertThat(slow.seen).isEmpty();
		assertThat(fast.seen).hasSize(1_002).endsWith(ServingStatus.UNKNOWN);
		slow.request(5);
		assertThat(slow.seen).containsExactly(ServingStatus.UNKNOWN);
		this.store.set("orders", ServingStatus.SERVING);
		assertThat(slow.seen).containsExactly(ServingStatus.UNKNOWN, ServingStatus.SERVING);
		slow.dispose();
		fast.dispose();
		assertThat(this.store.watcherCount("orders")).isZero();
	}

	@Test
	@Timeout(30)
	void concurrentSetAndWatchEndOnLatestStatusWithoutLeaks() throws Exception {
		int threads = 4;
		int rounds = 5_000;
		ServingStatus[] settable = { ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.UNKNOWN };
		Recorder steady = new Recorder();
		this.store.watch("orders").subscribe(steady);
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				boolean setter = t % 2 == 0;
				futures.add(executor.submit(() -> {
					start.await();
					ThreadLocalRandom random = ThreadLocalRandom.current();
					for (int i = 0; i < rounds; i++) {
						if (setter) {
							if (random.nextInt(10) == 0) {
								this.store.clear("orders");
							}
							else {
								this.store.set("orders", settable[random.nextInt(settable.length)]);
							}
						}
						else {
							Recorder recorder = new Recorder();
							this.store.watch("orders").subscribe(recorder);
							recorder.dispose();
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(20, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		ServingStatus last = this.store.get("orders").orElse(ServingStatus.SERVICE_UNKNOWN);
		assertThat(steady.seen).last().isEqualTo(last);
		for (int i = 1; i < steady.seen.size(); i++) {
			assertThat(steady.seen.get(i)).as("status %d repeats its predecessor", i)
				.isNotEqualTo(steady.seen.get(i - 1));
		}
		steady.dispose();
		assertThat(this.store.watcherCount("orders")).isZero();
	}

	@Test
	@Timeout(30)
	void terminalStateRacingSettersLeavesEverythingNotServingAndEveryWatcherDrained() throws Exception {
		int threads = 3;
		String[] services = { "", "a", "b", "c" };
		List<Recorder> watchers = new ArrayList<>();
		for (String service : services) {
			Recorder recorder = new Recorder();
			this.store.watch(service).subscribe(recorder);
			watchers.add(recorder);
		}
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			CountDownLatch running = new CountDownLatch(threads);
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				futures.add(executor.submit(() -> {
					start.await();
					ThreadLocalRandom random = ThreadLocalRandom.current();
					for (int i = 0; i < 2_000; i++) {
						if (i == 100) {
							running.countDown();
						}
						this.store.set(services[random.nextInt(services.length)],
								(random.nextBoolean()) ? ServingStatus.SERVING : ServingStatus.UNKNOWN);
					}
					return null;
				}));
			}
			start.countDown();
			running.await(10, TimeUnit.SECONDS);
			this.store.enterTerminalState();
			for (Future<?> future : futures) {
				future.get(20, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(this.store.all()).isNotEmpty().allSatisfy((service, status) -> assertThat(status)
			.as("status of '%s'", service)
			.isEqualTo(ServingStatus.NOT_SERVING));
		for (int i = 0; i < services.length; i++) {
			Recorder recorder = watchers.get(i);
			assertThat(recorder.completed.get()).as("watcher of '%s' completed", services[i]).isTrue();
			assertThat(recorder.seen).as("statuses seen by watcher of '%s'", services[i])
				.last()
				.isIn(ServingStatus.NOT_SERVING, ServingStatus.SERVICE_UNKNOWN);
			assertThat(recorder.seen.get(recorder.seen.size() - 1))
				.isEqualTo(this.store.get(services[i]).orElse(ServingStatus.SERVICE_UNKNOWN));
			assertThat(this.store.watcherCount(services[i])).isZero();
		}
	}

	@Test
	void terminalStateSetsEverythingNotServingAndCompletesWatchers() {
		this.store.set("orders", ServingStatus.SERVING);
		this.store.set("billing", ServingStatus.UNKNOWN);
		Recorder server = new Recorder();
		Recorder orders = new Recorder();
		Recorder unknown = new Recorder();
		this.store.watch("").subscribe(server);
		this.store.watch("orders").subscribe(orders);
		this.store.watch("nobody").subscribe(unknown);
		this.store.enterTerminalState();
		assertThat(this.store.isTerminal()).isTrue();
		assertThat(this.store.all()).containsOnly(Map.entry("", ServingStatus.NOT_SERVING),
				Map.entry("orders", ServingStatus.NOT_SERVING), Map.entry("billing", ServingStatus.NOT_SERVING));
		assertThat(server.seen).containsExactly(ServingStatus.SERVING, ServingStatus.NOT_SERVING);
		assertThat(orders.seen).containsExactly(ServingStatus.SERVING, ServingStatus.NOT_SERVING);
		assertThat(unknown.seen).containsExactly(ServingStatus.SERVICE_UNKNOWN);
		assertThat(server.completed.get()).isTrue();
		assertThat(orders.completed.get()).isTrue();
		assertThat(unknown.completed.get()).isTrue();
		assertThat(this.store.watcherCount("")).isZero();
		assertThat(this.store.watcherCount("orders")).isZero();
		assertThat(this.store.watcherCount("nobody")).isZero();
	}

	@Test
	void terminalStateIgnoresLaterUpdatesAndCompletesNewWatchers() {
		this.store.set("orders", ServingStatus.SERVING);
		this.store.enterTerminalState();
		assertThat(this.store.set("", ServingStatus.SERVING)).isFalse();
		assertThat(this.store.set("orders", ServingStatus.SERVING)).isFalse();
		assertThat(this.store.set("late", ServingStatus.SERVING)).isFalse();
		assertThat(this.store.clear("orders")).isFalse();
		assertThat(this.store.all()).containsOnly(Map.entry("", ServingStatus.NOT_SERVING),
				Map.entry("orders", ServingStatus.NOT_SERVING));
		StepVerifier.create(this.store.watch("orders")).expectNext(ServingStatus.NOT_SERVING).verifyComplete();
		StepVerifier.create(this.store.watch("late")).expectNext(ServingStatus.SERVICE_UNKNOWN).verifyComplete();
		assertThat(this.store.watcherCount("orders")).isZero();
	}

	@Test
	void slowWatcherCompletesOnlyAfterReceivingNotServing() {
		NoDemand slow = new NoDemand();
		this.store.watch("").subscribe(slow);
		this.store.enterTerminalState();
		assertThat(slow.completed.get()).isFalse();
		assertThat(this.store.watcherCount("")).isOne();
		slow.request(1);
		assertThat(slow.seen).containsExactly(ServingStatus.NOT_SERVING);
		assertThat(slow.completed.get()).isTrue();
		assertThat(this.store.watcherCount("")).isZero();
	}

	@Test
	void listenersAreToldOfChangesOnlyUntilRemoved() {
		List<String> changes = new CopyOnWriteArrayList<>();
		Disposable registration = this.store.addListener((service, status) -> changes.add(service + "=" + status));
		this.store.addListener((service, status) -> {
			throw new IllegalStateException("a failing listener must not break set");
		});
		this.store.set("orders", ServingStatus.SERVING);
		this.store.set("orders", ServingStatus.SERVING);
		this.store.clear("orders");
		this.store.set("", ServingStatus.NOT_SERVING);
		registration.dispose();
		this.store.set("", ServingStatus.SERVING);
		assertThat(changes).containsExactly("orders=SERVING", "orders=SERVICE_UNKNOWN", "=NOT_SERVING");
	}

	static class Recorder extends BaseSubscriber<ServingStatus> {

		final List<ServingStatus> seen = new CopyOnWriteArrayList<>();

		final AtomicBoolean completed = new AtomicBoolean();

		@Override
		protected void hookOnNext(ServingStatus value) {
			this.seen.add(value);
		}

		@Override
		protected void hookOnComplete() {
			this.completed.set(true);
		}

	}

	static class NoDemand extends Recorder {

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			// request(0): nothing until the test asks
		}

	}

}
