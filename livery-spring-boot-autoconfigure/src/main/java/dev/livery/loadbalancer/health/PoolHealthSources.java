package dev.livery.loadbalancer.health;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPoolHealth;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * The health sources of one {@link EndpointPool}: an {@link ActiveHealthCheck} and a {@link ServingWatch} per
 * endpoint, as configured, started for endpoints that join and stopped for those that leave, and the timer that moves
 * the pool's slow-start ramps. Usable on its own next to a pool (call {@link #start()}, {@link #membersChanged()} after
 * changing the pool's members, {@link #stop()}); {@link HealthSupervisor} does that for every pool of a registry.
 *
 * @param <T> the type of what endpoints stand for
 * @since 0.2.0
 */
public final class PoolHealthSources<T> {

	/*
	 * Implementation note: membership changes are reconciled on the scheduler, never on the thread that changed the
	 * members (often a request's), and coalesced: however many changes arrive while one reconciliation is queued,
	 * it runs once over the members it then finds. Reconciliation and stop() hold this object's lock, so a source is
	 * never started after stop(). The sources report through the pool's EndpointPoolHealth only.
	 */

	private static final System.Logger logger = System.getLogger(PoolHealthSources.class.getName());

	private final EndpointPool<T> pool;

	private final HealthSources sources;

	private final Function<? super T, HealthTarget> targets;

	private final Supplier<HttpClient> http;

	private final Scheduler scheduler;

	private final Map<Endpoint<T>, Running> running = new ConcurrentHashMap<>();

	private final AtomicBoolean reconcileQueued = new AtomicBoolean();

	private final Disposable.Swap rampTimer = Disposables.swap();

	private boolean stopped;

	/**
	 * Create the health sources of a pool; nothing runs until {@link #start()}.
	 * @param pool the pool
	 * @param sources which sources to run
	 * @param targets where an endpoint's sources connect
	 * @param http the HTTP client (asked for only when a source needs it)
	 * @param scheduler where timers and reconciliations run
	 */
	public PoolHealthSources(EndpointPool<T> pool, HealthSources sources, Function<? super T, HealthTarget> targets,
			Supplier<HttpClient> http, Scheduler scheduler) {
		this.pool = pool;
		this.sources = sources;
		this.targets = targets;
		this.http = http;
		this.scheduler = scheduler;
	}

	/**
	 * Return the pool.
	 * @return the pool
	 */
	public EndpointPool<T> pool() {
		return this.pool;
	}

	/**
	 * Start sources for the current members, and the slow-start timer if the pool ramps endpoints.
	 */
	public void start() {
		membersChanged();
		EndpointPoolHealth<T> health = this.pool.health();
		if (health.isSlowStartEnabled()) {
			long period = rampPeriod(this.pool.settings().slowStart().window()).toNanos();
			try {
				this.rampTimer.update(this.scheduler.schedulePeriodically(health::refreshRampUp, period, period,
						TimeUnit.NANOSECONDS));
			}
			catch (RejectedExecutionException ex) {
				// Shutting down.
			}
		}
	}

	/**
	 * Reconcile the sources with the pool's members soon, on the scheduler.
	 */
	public void membersChanged() {
		if (this.reconcileQueued.compareAndSet(false, true)) {
			try {
				this.scheduler.schedule(this::reconcile);
			}
			catch (RejectedExecutionException ex) {
				this.reconcileQueued.set(false);
			}
		}
	}

	/**
	 * Tell the endpoint's active checks that a real request failed to connect to it.
	 * @param endpoint the endpoint
	 */
	public void connectFailure(Endpoint<?> endpoint) {
		Running sources = this.running.get(endpoint);
		if (sources != null && sources.check != null) {
			sources.check.recordConnectFailure();
		}
	}

	/**
	 * Stop every source and the ramp timer, for good. Idempotent.
	 */
	public synchronized void stop() {
		this.stopped = true;
		this.rampTimer.dispose();
		this.running.values().forEach(Running::stop);
		this.running.clear();
	}

	/**
	 * Return the active checks of an endpoint.
	 * @param endpoint the endpoint
	 * @return its checks, or {@code null} if none run
	 */
	public @Nullable ActiveHealthCheck activeCheck(Endpoint<?> endpoint) {
		Running sources = this.running.get(endpoint);
		return (sources != null) ? sources.check : null;
	}

	/**
	 * Return the serving watch of an endpoint.
	 * @param endpoint the endpoint
	 * @return its watch, or {@code null} if none runs
	 */
	public @Nullable ServingWatch servingWatch(Endpoint<?> endpoint) {
		Running sources = this.running.get(endpoint);
		return (sources != null) ? sources.watch : null;
	}

	/**
	 * Return how many endpoints have sources running.
	 * @return the number of endpoints watched or checked
	 */
	public int size() {
		return this.running.size();
	}

	private synchronized void reconcile() {
		this.reconcileQueued.set(false);
		if (this.stopped) {
			return;
		}
		List<Endpoint<T>> members = this.pool.endpoints();
		Set<Endpoint<T>> current = new HashSet<>(members);
		this.running.entrySet().removeIf((entry) -> {
			if (current.contains(entry.getKey()) && !entry.getKey().isRemoved()) {
				return false;
			}
			entry.getValue().stop();
			return true;
		});
		for (Endpoint<T> endpoint : members) {
			if (!endpoint.isRemoved() && !this.running.containsKey(endpoint)) {
				try {
					Running started = start(endpoint);
					this.running.put(endpoint, started);
				}
				catch (RuntimeException ex) {
					logger.log(System.Logger.Level.WARNING, "Could not start the health sources of " + endpoint.key()
							+ " of service '" + this.pool.serviceId() + "'", ex);
				}
			}
		}
	}

	private Running start(Endpoint<T> endpoint) {
		HealthTarget target = this.targets.apply(endpoint.payload());
		Reporter reporter = new Reporter(endpoint);
		HealthCheckSettings checks = this.sources.activeChecks();
		ServingWatchSettings watch = this.sources.servingWatch();
		Running running = new Running(
				(checks != null) ? new ActiveHealthCheck(target, checks, this.http.get(), this.scheduler, reporter) : null,
				(watch != null) ? new ServingWatch(target, watch, this.http.get(), this.scheduler, reporter) : null);
		if (running.watch != null) {
			running.watch.start();
		}
		if (running.check != null) {
			running.check.start();
		}
		return running;
	}

	static Duration rampPeriod(Duration window) {
		Duration period = window.dividedBy(20);
		Duration floor = Duration.ofMillis(50);
		Duration ceiling = Duration.ofSeconds(1);
		return (period.compareTo(floor) < 0) ? floor : (period.compareTo(ceiling) > 0) ? ceiling : period;
	}

	@Override
	public String toString() {
		return "PoolHealthSources[" + this.pool.serviceId() + ", " + this.running.size() + " endpoints]";
	}

	private record Running(@Nullable ActiveHealthCheck check, @Nullable ServingWatch watch) {

		void stop() {
			if (this.watch != null) {
				this.watch.stop();
			}
			if (this.check != null) {
				this.check.stop();
			}
		}

	}

	/**
	 * Hands one endpoint's reports to the pool.
	 */
	private final class Reporter implements EndpointHealthSink {

		private final Endpoint<T> endpoint;

		Reporter(Endpoint<T> endpoint) {
			this.endpoint = endpoint;
		}

		@Override
		public void healthCheck(boolean success) {
			PoolHealthSources.this.pool.health().reportHealthCheck(this.endpoint, success);
		}

		@Override
		public void healthScore(int score, boolean healthy) {
			PoolHealthSources.this.pool.health().reportHealthScore(this.endpoint, score, healthy);
		}

		@Override
		public void servingStatus(@Nullable String status, boolean healthy) {
			PoolHealthSources.this.pool.health().reportServingStatus(this.endpoint, status, healthy);
		}

	}

}
