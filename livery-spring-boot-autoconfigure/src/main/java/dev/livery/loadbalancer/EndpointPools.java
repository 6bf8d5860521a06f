package dev.livery.loadbalancer;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The {@link EndpointPool pools} of every service a client talks to, created on first use and forgotten on
 * demand. Usable on its own, for example from a raw Reactor Netty or gRPC client:
 *
 * <pre class="code">
 * EndpointPools&lt;InetSocketAddress&gt; pools = new EndpointPools&lt;&gt;(a -&gt; a.getHostString() + ":" + a.getPort(),
 * 		Ticker.system(), PoolListener.NONE);
 * EndpointPool&lt;InetSocketAddress&gt; pool = pools.ensure("users", PoolSettings.DEFAULTS, addresses);
 * Lease&lt;InetSocketAddress&gt; lease = pool.pick();
 * // ... call lease.payload(), then lease.recordSuccess(), lease.recordFailure() or, if abandoned, lease.release()
 * </pre>
 *
 * @param <T> the type of what endpoints stand for
 * @since 0.1.0
 */
public final class EndpointPools<T> {

	private final Map<String, EndpointPool<T>> pools = new ConcurrentHashMap<>();

	private final Function<? super T, String> keyFunction;

	private final Ticker ticker;

	private final PoolListener listener;

	/**
	 * Create an empty registry.
	 * @param keyFunction the identity ({@code host:port}) of a payload
	 * @param ticker the time source of every pool
	 * @param listener told of every pool's ejections and probes
	 */
	public EndpointPools(Function<? super T, String> keyFunction, Ticker ticker, PoolListener listener) {
		this.keyFunction = Objects.requireNonNull(keyFunction, "keyFunction");
		this.ticker = Objects.requireNonNull(ticker, "ticker");
		this.listener = Objects.requireNonNull(listener, "listener");
	}

	/**
	 * Return the pool of a service, creating it with the given members if there is none. A pool that exists is
	 * returned as it is: what was removed or drained from it is not added back.
	 * @param serviceId the service
	 * @param settings how the new pool picks and ejects
	 * @param initialMembers the new pool's members
	 * @return the service's pool
	 * @since 0.2.0
	 */
	public EndpointPool<T> ensure(String serviceId, PoolSettings settings, Collection<? extends T> initialMembers) {
		EndpointPool<T> existing = this.pools.get(serviceId);
		if (existing != null) {
			return existing;
		}
		EndpointPool<T> created = new EndpointPool<>(serviceId, settings, this.keyFunction, this.ticker,
				this.listener);
		created.update(initialMembers);
		existing = this.pools.putIfAbsent(serviceId, created);
		if (existing != null) {
			return existing;
		}
		this.listener.onPoolCreated(created);
		return created;
	}

	/**
	 * Return the pool of a service.
	 * @param serviceId the service
	 * @return the pool, or {@code null} if there is none
	 */
	public @Nullable EndpointPool<T> get(String serviceId) {
		return this.pools.get(serviceId);
	}

	/**
	 * Forget a service's pool and all its state; the next {@link #ensure} starts afresh.
	 * @param serviceId the service
	 * @return whether there was a pool
	 */
	public boolean reset(String serviceId) {
		EndpointPool<T> pool = this.pools.remove(serviceId);
		if (pool == null) {
			return false;
		}
		pool.retire();
		return true;
	}

	/**
	 * Return every pool by service id.
	 * @return an unmodifiable live view
	 */
	public Map<String, EndpointPool<T>> pools() {
		return Collections.unmodifiableMap(this.pools);
	}

}
