package dev.livery.autoconfigure.loadbalancer;

import java.util.List;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.cloud.InstanceSelector;
import dev.livery.loadbalancer.cloud.InstanceWeights;
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
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
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
@Import({ LiveryLoadBalancerAutoConfiguration.ReactiveLeaseReleasingConfiguration.class,
		LoadBalancerHealthConfiguration.class })
public final class LiveryLoadBalancerAutoConfiguration {

	LiveryLoadBalancerAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	Ticker liveryTicker() {
		return Ticker.system();
	}

	// Deduced from the return type with its generics: a user's EndpointPools of another type is not ours.
	@Bean
	@ConditionalOnMissingBean
	EndpointPools<ServiceInstance> liveryEndpointPools(Ticker ticker, ObjectProvider<PoolListener> listeners) {
		return new EndpointPools<>(LiveryLoadBalancer::key, InstanceWeights::of, ticker,
				new DelegatingPoolListener(listeners));
	}

	@Bean
	@ConditionalOnMissingBean
	InstanceSelector liveryInstanceSelector(ObjectProvider<LoadBalancerClientFactory> clientFactory) {
		return new InstanceSelector(clientFactory::getObject);
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

		@Override
		public void onPoolRetired(EndpointPool<?> pool) {
			all().forEach((listener) -> listener.onPoolRetired(pool));
		}

		@Override
		public void onMembershipChanged(EndpointPool<?> pool) {
			all().forEach((listener) -> listener.onMembershipChanged(pool));
		}

		@Override
		public void onConnectFailure(EndpointPool<?> pool, Endpoint<?> endpoint) {
			all().forEach((listener) -> listener.onConnectFailure(pool, endpoint));
		}

		@Override
		public void onHealthCheck(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
			all().forEach((listener) -> listener.onHealthCheck(pool, endpoint, success));
		}

		@Override
		public void onHealthChanged(EndpointPool<?> pool, Endpoint<?> endpoint) {
			all().forEach((listener) -> listener.onHealthChanged(pool, endpoint));
		}

		@Override
		public void onPanic(EndpointPool<?> pool, boolean panic) {
			all().forEach((listener) -> listener.onPanic(pool, panic));
		}

		private List<PoolListener> all() {
			return this.listeners.orderedStream().toList();
		}

	}

}
