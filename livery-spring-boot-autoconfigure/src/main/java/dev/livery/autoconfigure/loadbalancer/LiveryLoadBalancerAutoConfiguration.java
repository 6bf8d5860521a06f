package dev.livery.autoconfigure.loadbalancer;

import java.util.List;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancer;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancerLifecycle;
import dev.livery.loadbalancer.cloud.LeaseReleasingBeanPostProcessor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * {@link AutoConfiguration Auto-configuration} of livery's client load balancer as the default balancer of every
 * Spring Cloud LoadBalancer client.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnClass(ReactorServiceInstanceLoadBalancer.class)
@ConditionalOnBooleanProperty(name = "livery.loadbalancer.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LiveryLoadBalancerProperties.class)
@LoadBalancerClients(defaultConfiguration = LiveryLoadBalancerClientConfiguration.class)
@Import(LiveryLoadBalancerAutoConfiguration.ReactiveLeaseReleasingConfiguration.class)
public final class LiveryLoadBalancerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Ticker liveryTicker() {
		return Ticker.system();
	}

	// Deduced from the return type with its generics: a user's EndpointPools of another type is not ours.
	@Bean
	@ConditionalOnMissingBean
	EndpointPools<ServiceInstance> liveryEndpointPools(Ticker ticker, ObjectProvider<PoolListener> listeners) {
		return new EndpointPools<>(LiveryLoadBalancer::key, ticker, new DelegatingPoolListener(listeners));
	}

	@Bean
	@ConditionalOnMissingBean
	LiveryLoadBalancerLifecycle liveryLoadBalancerLifecycle() {
		return new LiveryLoadBalancerLifecycle();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, LoadBalancedExchangeFilterFunction.class })
	static class ReactiveLeaseReleasingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		static LeaseReleasingBeanPostProcessor liveryLeaseReleasingBeanPostProcessor() {
			return new LeaseReleasingBeanPostProcessor();
		}

	}

	/**
	 * Hands pool events to every {@link PoolListener} bean, looked up when an event happens (events are rare) so
	 * that listeners may depend on the pools.
	 */
	static final class DelegatingPoolListener implements PoolListener {

		private final ObjectProvider<PoolListener> listeners;

		DelegatingPoolListener(ObjectProvider<PoolListener> listeners) {
			this.listeners = listeners;
		}

		@Override
		public void onPoolCreated(EndpointPool<?> pool) {
			all().forEach((listener) -> listener.onPoolCreated(pool));
		}

		@Override
		public void onEjection(EndpointPool<?> pool, Endpoint<?> endpoint) {
			all().forEach((listener) -> listener.onEjection(pool, endpoint));
		}

		@Override
		public void onProbe(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
			all().forEach((listener) -> listener.onProbe(pool, endpoint, success));
		}

		private List<PoolListener> all() {
			return this.listeners.orderedStream().toList();
		}

	}

}
