package dev.livery.loadbalancer.actuate;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointHealth;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import dev.livery.loadbalancer.PoolListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer metrics of livery's client load balancer, each tagged with {@code service}: gauges
 * {@code livery.loadbalancer.endpoints} (tagged {@code state} and {@code health}), {@code livery.loadbalancer.in.flight}
 * and {@code livery.loadbalancer.panic}, counters {@code livery.loadbalancer.ejections},
 * {@code livery.loadbalancer.probes} and {@code livery.loadbalancer.health.checks} (both tagged {@code outcome}).
 *
 * @since 0.1.0
 */
public class LoadBalancerMetrics implements MeterBinder, PoolListener {

	private final EndpointPools<?> pools;

	private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

	/** Services whose meters each registry has; MeterRegistry keeps identity equality. */
	private final Map<MeterRegistry, Set<String>> registered = new ConcurrentHashMap<>();

	/**
	 * Create the metrics of the given pools.
	 * @param pools the pools
	 */
	public LoadBalancerMetrics(EndpointPools<?> pools) {
		this.pools = pools;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registries.add(registry);
		for (String serviceId : this.pools.pools().keySet()) {
			register(registry, serviceId);
		}
	}

	@Override
	public void onPoolCreated(EndpointPool<?> pool) {
		for (MeterRegistry registry : this.registries) {
			register(registry, pool.serviceId());
		}
	}

	@Override
	public void onEjection(EndpointPool<?> pool, Endpoint<?> endpoint) {
		for (MeterRegistry registry : this.registries) {
			ejections(registry, pool.serviceId()).increment();
		}
	}

	@Override
	public void onProbe(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
		for (MeterRegistry registry : this.registries) {
			probes(registry, pool.serviceId(), success).increment();
		}
	}

	@Override
	public void onHealthCheck(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
		for (MeterRegistry registry : this.registries) {
			healthChecks(registry, pool.serviceId(), success).increment();
		}
	}

	private void register(MeterRegistry registry, String serviceId) {
		// A pool forgotten and seeded again keeps its meters, which read the registry's current pool.
		if (!this.registered.computeIfAbsent(registry, (key) -> ConcurrentHashMap.newKeySet()).add(serviceId)) {
			return;
		}
		for (EndpointState state : EndpointState.values()) {
			for (EndpointHealth health : EndpointHealth.values()) {
				Gauge.builder("livery.loadbalancer.endpoints", () -> count(serviceId, state, health))
					.description("Endpoints of the service in the given state and health")
					.tag("service", serviceId)
					.tag("state", state.name())
					.tag("health", health.name())
					.strongReference(true)
					.register(registry);
			}
		}
		Gauge.builder("livery.loadbalancer.panic", () -> panic(serviceId))
			.description("1 while the service is in panic (too few eligible endpoints: active health checks ignored)")
			.tag("service", serviceId)
			.strongReference(true)
			.register(registry);
		Gauge.builder("livery.loadbalancer.in.flight", () -> inFlight(serviceId))
			.description("Requests to the service picked and not yet completed, failed or cancelled")
			.tag("service", serviceId)
			.strongReference(true)
			.register(registry);
		ejections(registry, serviceId);
		probes(registry, serviceId, true);
		probes(registry, serviceId, false);
		healthChecks(registry, serviceId, true);
		healthChecks(registry, serviceId, false);
	}

	private int count(String serviceId, EndpointState state, EndpointHealth health) {
		EndpointPool<?> pool = this.pools.get(serviceId);
		if (pool == null) {
			return 0;
		}
		int count = 0;
		for (Endpoint<?> endpoint : pool.endpoints()) {
			if (endpoint.state() == state && endpoint.health() == health) {
				count++;
			}
		}
		return count;
	}

	private int panic(String serviceId) {
		EndpointPool<?> pool = this.pools.get(serviceId);
		return (pool != null && pool.health().isPanic()) ? 1 : 0;
	}

	private int inFlight(String serviceId) {
		EndpointPool<?> pool = this.pools.get(serviceId);
		return (pool != null) ? pool.inFlight() : 0;
	}

	private static Counter ejections(MeterRegistry registry, String serviceId) {
		return Counter.builder("livery.loadbalancer.ejections")
			.description("Ejections of the service's endpoints, after consecutive failures or a failed probe")
			.tag("service", serviceId)
			.register(registry);
	}

	private static Counter healthChecks(MeterRegistry registry, String serviceId, boolean success) {
		return Counter.builder("livery.loadbalancer.health.checks")
			.description("Active health checks of the service's endpoints that finished")
			.tag("service", serviceId)
			.tag("outcome", success ? "success" : "failure")
			.register(registry);
	}

	private static Counter probes(MeterRegistry registry, String serviceId, boolean success) {
		return Counter.builder("livery.loadbalancer.probes")
			.description("Probes of ejected endpoints of the service that answered")
			.tag("service", serviceId)
			.tag("outcome", success ? "success" : "failure")
			.register(registry);
	}

}
