package dev.livery.autoconfigure.loadbalancer;

import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * Per-client configuration, registered for every client as Spring Cloud LoadBalancer's default configuration: one
 * {@link LiveryLoadBalancer} in each client's child context, unless the client brings a balancer of its own or
 * livery is disabled for it. Deliberately not a {@code @Configuration}, so that it is never component-scanned into
 * the application context.
 *
 * @since 0.1.0
 */
public class LiveryLoadBalancerClientConfiguration {

	// Any ReactorLoadBalancer counts: a user's bean declared as ReactorLoadBalancer<ServiceInstance> is a
	// ReactorServiceInstanceLoadBalancer at run time, and two of those make Spring Cloud answer a silent 503.
	@Bean
	@ConditionalOnMissingBean(ReactorLoadBalancer.class)
	@Conditional(OnLiveryBalancedClientCondition.class)
	LiveryLoadBalancer liveryLoadBalancer(Environment environment,
			ObjectProvider<ServiceInstanceListSupplier> suppliers, LiveryLoadBalancerProperties properties,
			EndpointPools<ServiceInstance> pools) {
		String serviceId = LoadBalancerClientFactory.getName(environment);
		LoadBalancerSettings settings = properties.settingsFor(serviceId);
		return new LiveryLoadBalancer(serviceId, suppliers, pools, settings.toPoolSettings(),
				settings.getOutlier().toFailureStatusCodes(), settings.getRefreshInterval());
	}

}
