package dev.livery.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Offers load to {@code http://backend/} through a load-balanced {@link WebClient}: open loop (Poisson arrivals at a
 * fixed rate, latency from each request's scheduled start) or closed loop (a fixed number of callers, each sending
 * its next request when the previous one ends).
 */
final class LoadGenerator {

	private LoadGenerator() {
	}

	/**
	 * What one load saw.
	 */
	static final class Tally {

		final ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);

		final LongAdder ok = new LongAdder();

		final LongAdder errors = new LongAdder();

		final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();

		final LongAdder sent = new LongAdder();

		/** Requests slower than 10 ms, by the 250 ms slot of the run in which they started. */
		final AtomicIntegerArray slowBySlot = new AtomicIntegerArray(800);

		private final long start = System.nanoTime();

		void ok(long micros) {
			this.latency.recordValue(Math.min(micros, this.latency.getHighestTrackableValue()));
			this.ok.increment();
		}

		void error(String kind, long micros) {
			this.latency.recordValue(Math.min(micros, this.latency.getHighestTrackableValue()));
			this.errors.increment();
			this.errorKinds.computeIfAbsent(kind, (k) -> new LongAdder()).increment();
		}

		void finished(long started) {
			long now = System.nanoTime();
			if (now - started > 10_000_000) {
				int slot = (int) Math.min(this.slowBySlot.length() - 1, Math.max(0, (started - this.start) / 250_000_000));
				this.slowBySlot.incrementAndGet(slot);
			}
		}

		String timeline(Duration duration) {
			StringBuilder timeline = new StringBuilder();
			for (int i = 0; i < Math.min(this.slowBySlot.length(), duration.toMillis() / 250); i++) {
				timeline.append(this.slowBySlot.get(i)).append(' ');
			}
			return timeline.toString();
		}

	}

	/**
	 * Offer Poisson arrivals at {@code rate} for {@code duration}, then wait until every request has finished. Each
	 * request's latency is measured from its scheduled start, so a stalled client is charged for the requests it
	 * could not send (no coordinated omission).
	 */
	static Tally open(WebClient client, int rate, Duration duration, long seed, Duration callerTimeout)
			throws InterruptedException {
		Tally tally = new Tally();
		Random random = new Random(seed);
		double meanGapNanos = 1e9 / rate;
		long start = System.nanoTime();
		long end = start + duration.toNanos();
		Pending pending = new Pending();
		double next = start;
		while (true) {
			next += -Math.log(1 - random.nextDouble()) * meanGapNanos;
			long scheduled = (long) next;
			if (scheduled >= end) {
				break;
			}
			long wait = scheduled - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			send(client, tally, pending, scheduled, callerTimeout, null);
		}
		pending.awaitAll(callerTimeout);
		return tally;
	}

	/**
	 * Run {@code callers} callers for {@code duration}, each sending a request, waiting for its end (answer, error
	 * or caller timeout) and sending the next. Latency is measured from each request's send: a closed loop slows
	 * down with its backends, which is what it is for (a fixed number of users), so its percentiles understate what
	 * an open arrival stream would see.
	 */
	static Tally closed(WebClient client, int callers, Duration duration, Duration callerTimeout)
			throws InterruptedException {
		Tally tally = new Tally();
		long end = System.nanoTime() + duration.toNanos();
		Pending pending = new Pending();
		for (int i = 0; i < callers; i++) {
			Runnable[] loop = new Runnable[1];
			loop[0] = () -> {
				if (System.nanoTime() < end) {
					send(client, tally, pending, System.nanoTime(), callerTimeout, loop[0]);
				}
			};
			loop[0].run();
		}
		long wait = end - System.nanoTime();
		if (wait > 0) {
			Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
		}
		pending.awaitAll(callerTimeout);
		return tally;
	}

	private static void send(WebClient client, Tally tally, Pending pending, long started, Duration callerTimeout,
			Runnable then) {
		pending.begin();
		tally.sent.increment();
		client.get()
			.uri("http://backend/")
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
			.timeout(callerTimeout)
			.subscribe((status) -> {
				long micros = (System.nanoTime() - started) / 1000;
				if (status >= 200 && status < 300) {
					tally.ok(micros);
				}
				else {
					tally.error("http " + status, micros);
				}
			}, (ex) -> {
				tally.error(kind(ex), (System.nanoTime() - started) / 1000);
				tally.finished(started);
				pending.end();
				if (then != null) {
					then.run();
				}
			}, () -> {
				tally.finished(started);
				pending.end();
				if (then != null) {
					then.run();
				}
			});
	}

	static String kind(Throwable ex) {
		if (ex instanceof TimeoutException) {
			return "caller timeout";
		}
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String name = root.getClass().getSimpleName();
		return (root == ex) ? name : ex.getClass().getSimpleName() + "/" + name;
	}

	/**
	 * Requests started and not yet ended, plus the generator's own hold until it stops sending.
	 */
	private static final class Pending {

		private final AtomicLong count = new AtomicLong(1);

		private final CountDownLatch drained = new CountDownLatch(1);

		void begin() {
			this.count.incrementAndGet();
		}

		void end() {
			if (this.count.decrementAndGet() == 0) {
				this.drained.countDown();
			}
		}

		void awaitAll(Duration callerTimeout) throws InterruptedException {
			end();
			if (!this.drained.await(callerTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
				throw new IllegalStateException(this.count.get() + " requests never finished");
			}
		}

	}

}
