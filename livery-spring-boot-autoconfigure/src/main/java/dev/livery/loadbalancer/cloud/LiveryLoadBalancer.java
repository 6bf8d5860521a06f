package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.LeaseFactory;
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
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * A Spring Cloud {@link ReactorServiceInstanceLoadBalancer} that picks from a livery {@link EndpointPool}: power of
 * two choices on requests in flight (or round robin), outlier ejection and a single probe per expired ejection.
 *
 * <p>Membership comes from the service's {@link ServiceInstanceListSupplier} (simple properties, Eureka, Consul,
 * Kubernetes, ZooKeeper, ...): the first request waits for it, later ones never do; every {@code refreshInterval}
 * the next request triggers a background refresh, and the state of instances that stay survives it. A read of the
 * list is abandoned after ten refresh intervals (at least five seconds) and when the supplier fails or throws; the
 * members stay as they were. A retry avoids the
 * instance of the previous attempt while another is eligible.
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
	 */

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
		this(serviceId, suppliers, pools, settings, failureStatusCodes, refreshInterval, Schedulers.parallel());
	}

	LiveryLoadBalancer(String serviceId, ObjectProvider<ServiceInstanceListSupplier> suppliers,
			EndpointPools<ServiceInstance> pools, PoolSettings settings, FailureStatusCodes failureStatusCodes,
			Duration refreshInterval, Scheduler timer) {
		this.serviceId = serviceId;
		this.suppliers = suppliers;
		this.pools = pools;
		this.settings = settings;
		long refreshNanos = refreshInterval.toNanos();
		this.refreshTimer = timer.schedulePeriodically(() -> this.refreshDue = true, refreshNanos, refreshNanos,
				TimeUnit.NANOSECONDS);
		this.reader = new InstanceListReader(serviceId, this::supplier, readTimeout(refreshInterval), timer);
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
		return new ChooseMono(this, request);
	}

	@Nullable InstanceLease pick(Request<?> request) {
		EndpointPool<ServiceInstance> current = this.pool;
		if (current == null) {
			return null;
		}
		return current.pick(this.leases, previousEndpoint(request, current), isTracked(request));
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

	private Mono<Response<ServiceInstance>> seedThenChoose(Request<?> request) {
		return this.reader.read()
			.doOnNext(this::install)
			.onErrorResume((ex) -> {
				logger.warn("Could not install the instances of service '" + this.serviceId + "'", ex);
				return Mono.empty();
			})
			.then(Mono.defer(() -> new ChooseMono(this, request)));
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
			current.update(instances);
			this.members = instances;
			this.pool = current;
		}
	}

	private ServiceInstanceListSupplier supplier() {
		return this.suppliers.getIfAvailable(NoopServiceInstanceListSupplier::new);
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
