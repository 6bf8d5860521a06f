package dev.livery.dashboard;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The dashboard's live feed: one JSON snapshot per interval (see {@link DashboardSnapshots}) to every viewer,
 * taken by one ticker shared by all of them, which runs only while someone watches.
 *
 * @since 0.2.0
 */
public final class Dashboard {

	/*
	 * Implementation note: the ticker is Flux.interval behind replay(1).refCount(1). The first viewer connects it (a
	 * snapshot at once, then one per interval), later viewers share it and get the latest snapshot at once from the
	 * replay, and the last viewer to leave cancels it, which disposes the interval's timer: nothing runs while nobody
	 * watches. Each run creates its own DashboardSnapshots inside Flux.defer, so a run's counters die with it and
	 * a restart begins without stale rates; within a run Flux.interval emits serially, which is what the
	 * non-thread-safe snapshots need. A snapshot that throws is logged and skipped rather than ending everyone's
	 * stream. Closing completes the ticker itself, which completes every viewer through the replay; a viewer that
	 * comes after is completed at once without reconnecting it. Viewers never slow each other down: each one keeps
	 * only its latest undelivered snapshot (onBackpressureLatest), so a stalled browser costs one snapshot of
	 * memory, and the interval itself drops ticks rather than failing should the replay ever not request.
	 */

	/**
	 * Time between two snapshots.
	 */
	public static final Duration INTERVAL = Duration.ofSeconds(1);

	private static final System.Logger logger = System.getLogger(Dashboard.class.getName());

	private final Flux<String> ticker;

	private final AtomicInteger viewers = new AtomicInteger();

	private final AtomicInteger runs = new AtomicInteger();

	private final AtomicLong taken = new AtomicLong();

	private final Sinks.Empty<Void> closed = Sinks.empty();

	private volatile boolean isClosed;

	/**
	 * Create a feed with a snapshot every {@link #INTERVAL}, on Reactor's parallel scheduler.
	 * @param snapshots creates the snapshots of one run of the ticker
	 */
	public Dashboard(Supplier<DashboardSnapshots> snapshots) {
		this(snapshots, INTERVAL, Schedulers.parallel(), System::nanoTime);
	}

	/**
	 * Create a feed.
	 * @param snapshots creates the snapshots of one run of the ticker
	 * @param interval time between two snapshots
	 * @param scheduler where the ticker's timer runs and snapshots are taken
	 * @param nanoClock monotonic time in nanoseconds, from which rates are computed
	 */
	public Dashboard(Supplier<DashboardSnapshots> snapshots, Duration interval, Scheduler scheduler,
			LongSupplier nanoClock) {
		Objects.requireNonNull(snapshots, "snapshots");
		Objects.requireNonNull(scheduler, "scheduler");
		Objects.requireNonNull(nanoClock, "nanoClock");
		if (interval.isNegative() || interval.isZero()) {
			throw new IllegalArgumentException("interval must be positive but was " + interval);
		}
		this.ticker = Flux.defer(() -> {
			DashboardSnapshots run = snapshots.get();
			return Flux.interval(Duration.ZERO, interval, scheduler)
				.onBackpressureDrop()
				.<String>handle((tick, sink) -> {
					String snapshot = take(run, nanoClock);
					if (snapshot != null) {
						sink.next(snapshot);
					}
				})
				.doOnSubscribe((subscription) -> this.runs.incrementAndGet())
				.doFinally((signal) -> this.runs.decrementAndGet());
		}).takeUntilOther(this.closed.asMono()).replay(1).refCount(1);
	}

	private @Nullable String take(DashboardSnapshots run, LongSupplier nanoClock) {
		try {
			String snapshot = run.take(nanoClock.getAsLong());
			this.taken.incrementAndGet();
			return snapshot;
		}
		catch (RuntimeException ex) {
			logger.log(System.Logger.Level.WARNING, "Dashboard snapshot failed; skipping it", ex);
			return null;
		}
	}

	/**
	 * Watch the feed: the latest snapshot at once (taken now if nobody was watching), then one per interval, for as
	 * long as the subscription lasts. A subscriber that falls behind gets the latest snapshot, not a backlog.
	 * @return a stream of JSON snapshots that completes only when the feed is {@link #close() closed}
	 */
	public Flux<String> snapshots() {
		return Flux.defer(() -> this.isClosed ? Flux.<String>empty() : this.ticker)
			.onBackpressureLatest()
			.doOnSubscribe((subscription) -> this.viewers.incrementAndGet())
			.doFinally((signal) -> this.viewers.decrementAndGet());
	}

	/**
	 * Complete every viewer's stream, and the streams of viewers yet to come at once, which stops the ticker for
	 * good. Meant for shutdown: an open stream would otherwise hold up a graceful shutdown until it times out.
	 */
	public void close() {
		this.isClosed = true;
		this.closed.tryEmitEmpty();
	}

	/**
	 * Return the number of subscriptions to {@link #snapshots()} that have not ended.
	 * @return the number of viewers
	 */
	public int viewers() {
		return this.viewers.get();
	}

	/**
	 * Return whether the ticker is running, which it does exactly while someone watches.
	 * @return whether snapshots are being taken
	 */
	public boolean isTicking() {
		return this.runs.get() > 0;
	}

	/**
	 * Return how many snapshots have been taken since this feed was created.
	 * @return the number of snapshots
	 */
	public long snapshotsTaken() {
		return this.taken.get();
	}

}
