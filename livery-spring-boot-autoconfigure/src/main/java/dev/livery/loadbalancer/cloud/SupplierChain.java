package dev.livery.loadbalancer.cloud;

import java.lang.reflect.Method;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.loadbalancer.core.BlockingApiVersionServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.HealthCheckServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.HintBasedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactiveApiVersionServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RequestBasedStickySessionServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RetryAwareServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SameInstancePreferenceServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SelectedInstanceCallback;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SubsetServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.WeightedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ZonePreferenceServiceInstanceListSupplier;

/**
 * What a service's {@link ServiceInstanceListSupplier} chain means to livery: which layer gives the members (the
 * pool's state is kept for them), and whether some layer narrows the instances per request, so that each request's
 * own list must be asked for and honoured.
 */
final class SupplierChain {

	/*
	 * Implementation note. Spring Cloud builds suppliers as a chain of delegating layers. Some change the members,
	 * the same for every request: discovery, caching, health checks, zone preference, weights (duplicates, which the
	 * pool collapses; the weight is read from the metadata once), subsets. Others narrow the list for one request:
	 * hints, request-based sticky sessions, API versions, and same-instance preference (stateful: its get() returns
	 * only the instance chosen last). livery reads the members from the first layer below the per-request ones at
	 * the top of the chain, so that the pool holds every instance and its state, and asks the whole chain with the
	 * request only when some layer is per-request; a chain without one costs nothing per request. A layer livery
	 * does not know counts as per-request if its class overrides get(Request), since that is the only way a supplier
	 * can see a request. Retry awareness is neutral: livery avoids the previous instance itself.
	 */

	private static final Set<Class<?>> MEMBERSHIP = Set.of(DiscoveryClientServiceInstanceListSupplier.class,
			CachingServiceInstanceListSupplier.class, HealthCheckServiceInstanceListSupplier.class,
			ZonePreferenceServiceInstanceListSupplier.class, WeightedServiceInstanceListSupplier.class,
			SubsetServiceInstanceListSupplier.class, NoopServiceInstanceListSupplier.class);

	private static final Set<Class<?>> PER_REQUEST = Set.of(HintBasedServiceInstanceListSupplier.class,
			RequestBasedStickySessionServiceInstanceListSupplier.class,
			SameInstancePreferenceServiceInstanceListSupplier.class,
			ReactiveApiVersionServiceInstanceListSupplier.class, BlockingApiVersionServiceInstanceListSupplier.class);

	private static final Set<Class<?>> NEUTRAL = Set.of(RetryAwareServiceInstanceListSupplier.class);

	private final ServiceInstanceListSupplier top;

	private final ServiceInstanceListSupplier members;

	private final boolean perRequest;

	private final @Nullable SelectedInstanceCallback callback;

	private SupplierChain(ServiceInstanceListSupplier top, ServiceInstanceListSupplier members, boolean perRequest,
			@Nullable SelectedInstanceCallback callback) {
		this.top = top;
		this.members = members;
		this.perRequest = perRequest;
		this.callback = callback;
	}

	static SupplierChain of(ServiceInstanceListSupplier top) {
		ServiceInstanceListSupplier members = top;
		boolean descending = true;
		boolean perRequest = false;
		boolean callback = false;
		for (ServiceInstanceListSupplier layer = top; layer != null; layer = delegateOf(layer)) {
			Kind kind = kindOf(layer);
			perRequest |= (kind == Kind.PER_REQUEST);
			callback |= wantsSelection(layer);
			if (descending && (kind == Kind.PER_REQUEST || kind == Kind.NEUTRAL)) {
				ServiceInstanceListSupplier delegate = delegateOf(layer);
				if (delegate != null) {
					members = delegate;
					continue;
				}
			}
			descending = false;
		}
		return new SupplierChain(top, members, perRequest,
				(callback && top instanceof SelectedInstanceCallback selected) ? selected : null);
	}

	private static @Nullable ServiceInstanceListSupplier delegateOf(ServiceInstanceListSupplier layer) {
		return (layer instanceof DelegatingServiceInstanceListSupplier delegating) ? delegating.getDelegate() : null;
	}

	private static Kind kindOf(ServiceInstanceListSupplier layer) {
		Class<?> type = layer.getClass();
		if (PER_REQUEST.contains(type)) {
			return Kind.PER_REQUEST;
		}
		if (NEUTRAL.contains(type)) {
			return Kind.NEUTRAL;
		}
		if (MEMBERSHIP.contains(type)) {
			return Kind.MEMBERSHIP;
		}
		return overridesGetWithRequest(type) ? Kind.PER_REQUEST : Kind.MEMBERSHIP;
	}

	private static boolean overridesGetWithRequest(Class<?> type) {
		try {
			Method method = type.getMethod("get", Request.class);
			Class<?> declaring = method.getDeclaringClass();
			return declaring != ServiceInstanceListSupplier.class
					&& declaring != DelegatingServiceInstanceListSupplier.class;
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

	/** Whether a layer acts on the instance chosen (same-instance preference, or a callback livery does not know). */
	private static boolean wantsSelection(ServiceInstanceListSupplier layer) {
		if (!(layer instanceof SelectedInstanceCallback)) {
			return false;
		}
		Class<?> type = layer.getClass();
		if (type == SameInstancePreferenceServiceInstanceListSupplier.class) {
			return true;
		}
		if (PER_REQUEST.contains(type) || NEUTRAL.contains(type) || MEMBERSHIP.contains(type)) {
			return false;
		}
		try {
			return type.getMethod("selectedServiceInstance", ServiceInstance.class)
				.getDeclaringClass() != DelegatingServiceInstanceListSupplier.class;
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

	/** The whole chain, asked with the request when {@link #perRequest()}. */
	ServiceInstanceListSupplier top() {
		return this.top;
	}

	/** The layer whose list is the pool's members. */
	ServiceInstanceListSupplier members() {
		return this.members;
	}

	/** Whether some layer narrows the instances per request. */
	boolean perRequest() {
		return this.perRequest;
	}

	/** The chain to tell of every instance chosen, or {@code null} if no layer cares. */
	@Nullable SelectedInstanceCallback callback() {
		return this.callback;
	}

	private enum Kind {

		MEMBERSHIP, PER_REQUEST, NEUTRAL

	}

}
