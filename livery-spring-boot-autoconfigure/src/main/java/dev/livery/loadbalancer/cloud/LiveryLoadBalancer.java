package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.LeaseFactory;
import dev.livery.loadbalancer.NodeMatch;
import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.PoolSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequestContext;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.SelectedInstanceCallback;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * A Spring Cloud {@link ReactorServiceInstanceLoadBalancer} that picks from a livery {@link EndpointPool}: power of
 * two choices on requests in flight (or another {@link PickPolicyType policy}), outlier ejection and a single probe
 * per expired ejection.
 *
 * <p>Membership comes from the service's {@link ServiceInstanceListSupplier} (simple properties, Eureka, Consul,
 * Kubernetes, ZooKeeper, ...), limited to the instances the {@link NodeMatch node match} accepts: the first request
 * waits for it, later ones never do; every {@code refreshInterval} the next request triggers a background refresh,
 * and the state of instances that stay survives it. A read of the list is abandoned after ten refresh intervals (at
 * least five seconds) and when the supplier fails or throws; the members stay as they were. A retry avoids the
 * instance of the previous attempt while another is eligible. Supplier layers that narrow the instances per request
 * (hints, request-based sticky sessions, same-instance preference, API versions) are asked with each request, and the
 * pick is made among the instances they leave. Under {@code ring-hash} a request's key is the value of its
 * {@code hashHeader} header.
 *
 * @since 0.1.0
 */
public class LiveryLoadBalancer implements ReactorServiceInstanceLoadBalancer, DisposableBean {

	/*
	 * Implementation note: a choose() on a seeded pool costs a volatile read, a pick and two small objects (the
	 * ChooseMono and its subscription) besides the lease, which doubles as the Response and the ServiceInstance. It
	 * reads no clock: a timer marks the members stale every refresh interval (on a VM, a clock read can cost as much
	 * as the whole pick), and the next choose() starts the refresh in the background.
	 * Spring Cloud's round robin goes through the supplier's publishers on every request instead. Requests are
	 * tracked (hold an in-flight slot, may probe) only when they come from a client that reports completion, which
	 * Spring Cloud's exchange filters and blocking client do and a bare choose(serviceId) does not: a lease nobody
	 * finishes would hold its slot, or its probe, forever.
	 * Every read of the instance list (the first, awaited, and the background refreshes) goes through an
	 * InstanceListReader, which bounds it in time and turns a supplier's synchronous throw into an error signal, so a
	 * registry that hangs or throws never stalls the refresh nor escapes choose(); the pool keeps its members.
	 *
	 * Per-request suppliers (see SupplierChain): the pool's members come from the layer below them, and each request
	 * asks the whole chain with itself; the list it gets back narrows the pick to those of the pool's endpoints
	 * (when it is the members' own list, it narrows nothing and the pick is the usual one). A chain without such a
	 * layer is never asked per request.
	 */

	/** Header of a request's hash key, unless configured. */
	public static final String DEFAULT_HASH_HEADER = "X-Livery-Key";

	private static final Log logger = LogFactory.getLog(LiveryLoadBalancer.class);

	private static final Duration MIN_READ_TIMEOUT = Duration.ofSeconds(5);

	private final String serviceId;

	private final ObjectProvider<ServiceInstanceListSupplier> suppliers;

	private final EndpointPools<ServiceInstance> pools;

	private final PoolSettings settings;

	private final Disposable refreshTimer;

	private final LeaseFactory<ServiceInstance, InstanceLease> leases;

	private final InstanceListReader reader;

	private volatile @Nullable EndpointPool<ServiceInstance> pool;

	private volatile @Nullable List<ServiceInstance> members;

	/** What the members became after the node match: the list a per-request answer is compared with. */
	private volatile @Nullable List<ServiceInstance> matched;

	private volatile @Nullable SupplierChain chain;

	private final String hashHeader;

	private final NodeMatch nodeMatch;

	private volatile boolean refreshDue;

	/**
	 * Create a balancer for one service.
	 * @param serviceId the service
	 * @param suppliers the service's instance-list supplier
	 * @param pools the registry holding the service's pool
	 * @param settings how the service's pool picks and ejects
	 * @param failureStatusCodes the statuses that count as failures
	 * @param refreshInterval how often to ask the supplier for the current members
	 */
	public LiveryLoadBalancer(String serviceId, ObjectProvider<ServiceInstanceListSupplier> suppliers,
			EndpointPools<ServiceInstance> pools, PoolSettings settings, FailureStatusCodes failureStatusCodes,
			Duration refreshInterval) {
		this(serviceId, suppliers, pools, settings, failureStatusCodes, refreshInterval, DEFAULT_HASH_HEADER,
				NodeMatch.ALL, Schedulers.parallel());
	}

	/**
	 * Create a balancer for one service.
	 * @param serviceId the service
	 * @param suppliers the service's instance-list supplier
	 * @param pools the registry holding the service's pool
	 * @param settings how the service's pool picks and ejects
	 * @param failureStatusCodes the statuses that count as failures
	 * @param refreshInterval how often to ask the supplier for the current members
	 * @param hashHeader the request header whose value is a request's hash key ({@code ring-hash})
	 * @param nodeMatch which discovered instances may be members
	 * @since 0.2.0
	 */
	public LiveryLoadBalancer(String serviceId, ObjectProvider<ServiceInstanceListSupplier> suppliers,
			EndpointPools<ServiceInstance> pools, PoolSettings settings, FailureStatusCodes failureStatusCodes,
			Duration refreshInterval, String hashHeader, NodeMatch nodeMatch) {
		this(serviceId, suppliers, pools, settings, failureStatusCodes, refreshInterval, hashHeader, nodeMatch,
				Schedulers.parallel());
	}

	LiveryLoadBalancer(String serviceId, ObjectProvider<ServiceInstanceListSupplier> suppliers,
			EndpointPools<ServiceInstance> pools, PoolSettings settings, FailureStatusCodes failureStatusCodes,
			Duration refreshInterval, Scheduler timer) {
		this(serviceId, suppliers, pools, settings, failureStatusCodes, refreshInterval, DEFAULT_HASH_HEADER,
				NodeMatch.ALL, timer);
	}

	LiveryLoadBalancer(String serviceId, ObjectProvider<ServiceInstanceListSupplier> suppliers,
			EndpointPools<ServiceInstance> pools, PoolSettings settings, FailureStatusCodes failureStatusCodes,
			Duration refreshInterval, String hashHeader, NodeMatch nodeMatch, Scheduler timer) {
		this.hashHeader = hashHeader;
		this.nodeMatch = nodeMatch;
		this.serviceId = serviceId;
		this.suppliers = suppliers;
		this.pools = pools;
		this.settings = settings;
		long refreshNanos = refreshInterval.toNanos();
		this.refreshTimer = timer.schedulePeriodically(() -> this.refreshDue = true, refreshNanos, refreshNanos,
				TimeUnit.NANOSECONDS);
		this.reader = new InstanceListReader(serviceId, this::membersSupplier, readTimeout(refreshInterval), timer);
		this.leases = (endpoint, probeToken, tracked) -> new InstanceLease(endpoint, probeToken, tracked,
				failureStatusCodes);
	}

	/**
	 * Return how long one read of a service's instance list may take: ten refresh intervals, at least five seconds
	 * (a registry call over the network may legitimately take a while; the first request of a service waits for it).
	 * @param refreshInterval the refresh interval
	 * @return the timeout of one read
	 */
	static Duration readTimeout(Duration refreshInterval) {
		Duration tenIntervals = refreshInterval.multipliedBy(10);
		return (tenIntervals.compareTo(MIN_READ_TIMEOUT) > 0) ? tenIntervals : MIN_READ_TIMEOUT;
	}

	/**
	 * Return the identity of an instance, {@code host:port}.
	 * @param instance the instance
	 * @return its key
	 */
	public static String key(ServiceInstance instance) {
		String host = instance.getHost();
		return ((host.indexOf(':') >= 0) ? "[" + host + "]" : host) + ":" + instance.getPort();
	}

	/**
	 * Return the service this balancer serves.
	 * @return the service id
	 */
	public String getServiceId() {
		return this.serviceId;
	}

	/**
	 * Return how this balancer chooses.
	 * @return the policy
	 */
	public PickPolicyType getPolicy() {
		return this.settings.policy();
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		EndpointPool<ServiceInstance> current = this.pool;
		if (current == null || current.isRetired()) {
			return seedThenChoose(request);
		}
		refreshIfDue();
		SupplierChain chain = this.chain;
		if (chain != null && chain.perRequest()) {
			return chooseAmongRequestInstances(chain, request);
		}
		return new ChooseMono(this, request);
	}

	@SuppressWarnings({ "rawtypes", "unchecked" })
	private Mono<Response<ServiceInstance>> chooseAmongRequestInstances(SupplierChain chain, Request request) {
		return chain.top()
			.get(request)
			.next()
			.onErrorResume((ex) -> {
				logger.debug("Could not list the instances of service '" + this.serviceId + "' for a request", ex);
				return Mono.empty();
			})
			.flatMap((instances) -> (Mono<Response<ServiceInstance>>) new ChooseMono(this, request, instances))
			.switchIfEmpty(Mono.defer(() -> new ChooseMono(this, request)));
	}

	@Nullable InstanceLease pick(Request<?> request) {
		return pick(request, null);
	}

	@Nullable InstanceLease pick(Request<?> request, @Nullable List<ServiceInstance> requestInstances) {
		EndpointPool<ServiceInstance> current = this.pool;
		if (current == null) {
			return null;
		}
		Endpoint<ServiceInstance> avoid = previousEndpoint(request, current);
		String key = hashKey(request, current);
		boolean tracked = isTracked(request);
		InstanceLease lease;
		if (requestInstances == null || requestInstances == this.matched || requestInstances == this.members) {
			lease = current.pick(this.leases, avoid, key, tracked);
		}
		else {
			lease = current.pick(this.leases, avoid, key, tracked, candidates(current, requestInstances));
		}
		SupplierChain chain = this.chain;
		SelectedInstanceCallback callback = (chain != null) ? chain.callback() : null;
		if (lease != null && callback != null) {
			callback.selectedServiceInstance(lease.payload());
		}
		return lease;
	}

	@SuppressWarnings("unchecked")
	private static Endpoint<ServiceInstance>[] candidates(EndpointPool<ServiceInstance> pool,
			List<ServiceInstance> instances) {
		List<Endpoint<ServiceInstance>> found = new ArrayList<>(instances.size());
		if (instances.size() <= 4) {
			for (ServiceInstance instance : instances) {
				Endpoint<ServiceInstance> endpoint = pool.endpoint(key(instance));
				if (endpoint != null && !found.contains(endpoint)) {
					found.add(endpoint);
				}
			}
		}
		else {
			Map<String, Endpoint<ServiceInstance>> byKey = new HashMap<>();
			for (Endpoint<ServiceInstance> endpoint : pool.endpoints()) {
				byKey.put(endpoint.key(), endpoint);
			}
			for (ServiceInstance instance : instances) {
				Endpoint<ServiceInstance> endpoint = byKey.remove(key(instance));
				if (endpoint != null) {
					found.add(endpoint);
				}
			}
		}
		return found.toArray(new Endpoint[0]);
	}

	/**
	 * Return a request's hash key, or {@code null} if the pool's policy ignores keys: looking a header up in
	 * Spring's case-insensitive headers lower-cases its name, a String per request.
	 */
	private @Nullable String hashKey(Request<?> request, EndpointPool<ServiceInstance> pool) {
		if (!pool.policy().usesKey()) {
			return null;
		}
		if (request.getContext() instanceof RequestDataContext context) {
			RequestData data = context.getClientRequest();
			if (data != null && data.getHeaders() != null) {
				return data.getHeaders().getFirst(this.hashHeader);
			}
		}
		return null;
	}

	/**
	 * Return up to {@code count} distinct eligible instances for a key, without taking an in-flight slot: under
	 * {@code ring-hash} the key's instance (where a request with that key goes) and its successors on the ring;
	 * otherwise eligible instances at random, in proportion to their weights.
	 * @param key the key, or {@code null}
	 * @param count the most instances to return, at least 1
	 * @return the instances, primary first; empty if none is eligible
	 * @throws IllegalArgumentException if {@code count} is below 1
	 * @since 0.2.0
	 */
	public Mono<List<ServiceInstance>> select(@Nullable String key, int count) {
		if (count < 1) {
			throw new IllegalArgumentException("count must be at least 1, was " + count);
		}
		return Mono.defer(() -> {
			EndpointPool<ServiceInstance> current = this.pool;
			if (current == null || current.isRetired()) {
				return seed().then(Mono.fromSupplier(() -> selectNow(key, count)));
			}
			refreshIfDue();
			return Mono.just(selectNow(key, count));
		});
	}

	private List<ServiceInstance> selectNow(@Nullable String key, int count) {
		EndpointPool<ServiceInstance> current = this.pool;
		if (current == null) {
			return List.of();
		}
		return current.select(key, count).stream().map(Endpoint::payload).toList();
	}

	private static boolean isTracked(Request<?> request) {
		return request.getContext() instanceof DefaultRequestContext context && context.getClientRequest() != null;
	}

	private static @Nullable Endpoint<ServiceInstance> previousEndpoint(Request<?> request,
			EndpointPool<ServiceInstance> pool) {
		if (request.getContext() instanceof RetryableRequestContext context) {
			ServiceInstance previous = context.getPreviousServiceInstance();
			if (previous instanceof InstanceLease lease) {
				return lease.endpoint();
			}
			if (previous != null) {
				return pool.endpoint(key(previous));
			}
		}
		return null;
	}

	@SuppressWarnings({ "rawtypes", "unchecked" })
	private Mono<Response<ServiceInstance>> seedThenChoose(Request request) {
		return seed().then(Mono.defer(() -> {
			SupplierChain chain = this.chain;
			return (chain != null && chain.perRequest()) ? chooseAmongRequestInstances(chain, request)
					: new ChooseMono(this, request);
		}));
	}

	private Mono<Void> seed() {
		return this.reader.read()
			.doOnNext(this::install)
			.onErrorResume((ex) -> {
				logger.warn("Could not install the instances of service '" + this.serviceId + "'", ex);
				return Mono.empty();
			})
			.then();
	}

	private void refreshIfDue() {
		if (this.refreshDue) {
			// One refresh per interval: a refresh still running (bounded by the reader) covers this one.
			this.refreshDue = false;
			this.reader.refresh(this::install);
		}
	}

	private void install(List<ServiceInstance> instances) {
		// Created empty, so that the members are laid in once, by the update below.
		EndpointPool<ServiceInstance> current = this.pools.ensure(this.serviceId, this.settings, List.of());
		if (this.pool != current || this.members != instances) {
			List<ServiceInstance> matched = matching(instances);
			current.update(matched);
			this.matched = matched;
			this.members = instances;
			this.pool = current;
		}
	}

	private List<ServiceInstance> matching(List<ServiceInstance> instances) {
		if (this.nodeMatch.matchesAll()) {
			return instances;
		}
		List<ServiceInstance> matched = new ArrayList<>(instances.size());
		for (ServiceInstance instance : instances) {
			if (this.nodeMatch.matches(key(instance), instance.getInstanceId(), instance.getMetadata())) {
				matched.add(instance);
			}
		}
		return matched;
	}

	private ServiceInstanceListSupplier supplier() {
		return this.suppliers.getIfAvailable(NoopServiceInstanceListSupplier::new);
	}

	/** The layer of the supplier chain whose list is the pool's members (the whole chain unless it filters). */
	private ServiceInstanceListSupplier membersSupplier() {
		SupplierChain chain = this.chain;
		if (chain == null) {
			chain = SupplierChain.of(supplier());
			this.chain = chain;
		}
		return chain.members();
	}

	/**
	 * Stop refreshing the members; called when the client's context closes.
	 */
	@Override
	public void destroy() {
		this.refreshTimer.dispose();
	}

	@Override
	public String toString() {
		return "LiveryLoadBalancer[" + this.serviceId + ", " + this.settings.policy().id() + "]";
	}

}
