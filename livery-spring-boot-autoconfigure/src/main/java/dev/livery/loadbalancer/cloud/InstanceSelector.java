package dev.livery.loadbalancer.cloud;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

/**
 * Selects instances of a service without sending them a request: one, the one a key maps to, or several distinct
 * ones for a key (a primary and its replicas, for replicated writes). It consults the same balancer, pool and
 * membership as the service's {@code @LoadBalanced} clients, so what it returns is what those clients would use.
 *
 * <p>Under the {@code ring-hash} policy, {@code select(serviceId, key, count)} returns the key's endpoint (where a
 * request carrying that key goes) followed by its successors on the ring: the same list, in the same order, on every
 * client that sees the same members. Under other policies it returns distinct eligible instances in random order,
 * drawn in proportion to their weights. Selection takes no in-flight slot and records no outcome.
 *
 * @since 0.2.0
 */
public class InstanceSelector {

	/*
	 * Implementation note: the service's balancer comes from its Spring Cloud LoadBalancer child context, created on
	 * first use like a client's. When it is livery's, selection reads its pool (seeding it first if no request has
	 * yet). When a client brings a balancer of its own, livery has no pool for it: selection then reads the
	 * service's instance-list supplier and draws at random, which is the best that can be said without a policy.
	 */

	private final Supplier<LoadBalancerClientFactory> clientFactory;

	/**
	 * Create a selector.
	 * @param clientFactory Spring Cloud LoadBalancer's per-service contexts
	 */
	public InstanceSelector(LoadBalancerClientFactory clientFactory) {
		Objects.requireNonNull(clientFactory, "clientFactory");
		this.clientFactory = () -> clientFactory;
	}

	/**
	 * Create a selector that looks Spring Cloud LoadBalancer's per-service contexts up on first use.
	 * @param clientFactory supplies the per-service contexts
	 */
	public InstanceSelector(Supplier<LoadBalancerClientFactory> clientFactory) {
		this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
	}

	/**
	 * Select one eligible instance, as a request without a key would be routed (but without taking a slot).
	 * @param serviceId the service
	 * @return an instance, or empty if none is eligible
	 */
	public Mono<ServiceInstance> select(String serviceId) {
		return select(serviceId, null, 1).mapNotNull(InstanceSelector::first);
	}

	/**
	 * Select the instance a key maps to: under {@code ring-hash} the one a request with this key goes to.
	 * @param serviceId the service
	 * @param key the key
	 * @return the instance, or empty if none is eligible
	 */
	public Mono<ServiceInstance> select(String serviceId, @Nullable String key) {
		return select(serviceId, key, 1).mapNotNull(InstanceSelector::first);
	}

	/**
	 * Select up to {@code count} distinct eligible instances for a key.
	 * @param serviceId the service
	 * @param key the key
	 * @param count the most instances, at least 1
	 * @return the instances, under {@code ring-hash} the key's primary first; empty if none is eligible
	 * @throws IllegalArgumentException if {@code count} is below 1
	 */
	public Mono<List<ServiceInstance>> select(String serviceId, @Nullable String key, int count) {
		Objects.requireNonNull(serviceId, "serviceId");
		if (count < 1) {
			throw new IllegalArgumentException("count must be at least 1, was " + count);
		}
		return Mono.defer(() -> {
			ReactiveLoadBalancer<ServiceInstance> balancer = this.clientFactory.get().getInstance(serviceId);
			if (balancer instanceof LiveryLoadBalancer livery) {
				return livery.select(key, count);
			}
			return selectFromSupplier(serviceId, count);
		});
	}

	private Mono<List<ServiceInstance>> selectFromSupplier(String serviceId, int count) {
		ServiceInstanceListSupplier supplier = this.clientFactory.get().getInstance(serviceId,
				ServiceInstanceListSupplier.class);
		if (supplier == null) {
			return Mono.just(List.of());
		}
		return supplier.get().next().map((instances) -> {
			List<ServiceInstance> distinct = new ArrayList<>();
			List<String> keys = new ArrayList<>();
			for (ServiceInstance instance : instances) {
				String instanceKey = LiveryLoadBalancer.key(instance);
				if (!keys.contains(instanceKey)) {
					keys.add(instanceKey);
					distinct.add(instance);
				}
			}
			Collections.shuffle(distinct, ThreadLocalRandom.current());
			return List.copyOf(distinct.subList(0, Math.min(count, distinct.size())));
		}).defaultIfEmpty(List.of());
	}

	private static @Nullable ServiceInstance first(List<ServiceInstance> instances) {
		return instances.isEmpty() ? null : instances.get(0);
	}

}
