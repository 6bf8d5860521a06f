package dev.livery.loadbalancer.health;

import java.net.http.HttpClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PoolListener;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Runs the health sources of every pool of an {@link EndpointPools} registry that it is the {@link PoolListener} of:
 * from a pool's creation (a service's first request) until the pool is retired (reset) or the supervisor is
 * {@link #close() closed} (the application stops), following its members. Services for which no health source is on
 * and slow start is off cost nothing.
 *
 * @param <T> the type of what endpoints stand for
 * @since 0.2.0
 */
public final class HealthSupervisor<T> implements PoolListener, AutoCloseable {

	private static final System.Logger logger = System.getLogger(HealthSupervisor.class.getName());

	private final Function<String, HealthSources> sourcesByService;

	private final Function<? super T, HealthTarget> targets;

	private final Supplier<HttpClient> http;

	private final Scheduler scheduler;

	private final Map<EndpointPool<?>, PoolHealthSources<T>> pools = new ConcurrentHashMap<>();

	private volatile boolean closed;

	/**
	 * Create a supervisor.
	 * @param sourcesByService which sources run for a service
	 * @param targets where an endpoint's sources connect
	 * @param http the HTTP client (asked for only once a source needs it)
	 * @param scheduler where timers run
	 */
	public HealthSupervisor(Function<String, HealthSources> sourcesByService,
			Function<? super T, HealthTarget> targets, Supplier<HttpClient> http, Scheduler scheduler) {
		this.sourcesByService = sourcesByService;
		this.targets = targets;
		this.http = http;
		this.scheduler = scheduler;
	}

	@Override
	@SuppressWarnings("unchecked")
	public void onPoolCreated(EndpointPool<?> pool) {
		HealthSources sources = this.sourcesByService.apply(pool.serviceId());
		if (this.closed || (!sources.any() && !pool.health().isSlowStartEnabled())) {
			return;
		}
		PoolHealthSources<T> created = new PoolHealthSources<>((EndpointPool<T>) pool, sources, this.targets,
				this.http, this.scheduler);
		if (this.pools.putIfAbsent(pool, created) == null) {
			created.start();
			if (this.closed) {
				stop(pool);
			}
		}
	}

	@Override
	public void onMembershipChanged(EndpointPool<?> pool) {
		PoolHealthSources<T> sources = this.pools.get(pool);
		if (sources != null) {
			sources.membersChanged();
		}
	}

	@Override
	public void onPoolRetired(EndpointPool<?> pool) {
		stop(pool);
	}

	@Override
	public void onConnectFailure(EndpointPool<?> pool, Endpoint<?> endpoint) {
		PoolHealthSources<T> sources = this.pools.get(pool);
		if (sources != null) {
			sources.connectFailure(endpoint);
		}
	}

	@Override
	public void onPanic(EndpointPool<?> pool, boolean panic) {
		if (panic) {
			logger.log(System.Logger.Level.WARNING, () -> "Service '" + pool.serviceId() + "' is in panic: fewer than "
					+ pool.settings().panicThreshold() + " % of its endpoints are eligible, so active health checks "
					+ "are ignored until more are");
		}
		else {
			logger.log(System.Logger.Level.INFO, () -> "Service '" + pool.serviceId() + "' is out of panic");
		}
	}

	/**
	 * Return the health sources of a pool.
	 * @param pool the pool
	 * @return its sources, or {@code null} if none run
	 */
	public @Nullable PoolHealthSources<T> sources(EndpointPool<?> pool) {
		return this.pools.get(pool);
	}

	/**
	 * Return how many pools have sources running.
	 * @return the number of pools
	 */
	public int size() {
		return this.pools.size();
	}

	/**
	 * Stop every pool's sources, for good.
	 */
	@Override
	public void close() {
		this.closed = true;
		this.pools.keySet().forEach(this::stop);
	}

	private void stop(EndpointPool<?> pool) {
		PoolHealthSources<T> sources = this.pools.remove(pool);
		if (sources != null) {
			sources.stop();
		}
	}

}
