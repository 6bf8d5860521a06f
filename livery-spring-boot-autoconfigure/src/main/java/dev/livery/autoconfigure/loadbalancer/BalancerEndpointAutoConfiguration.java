package dev.livery.autoconfigure.loadbalancer;

import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.actuate.BalancerEndpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@link BalancerEndpoint balancer} actuator endpoint.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = LiveryLoadBalancerAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ServiceInstance.class })
@Conditional(OnServiceInstancePoolsCondition.class)
@ConditionalOnAvailableEndpoint(BalancerEndpoint.class)
public final class BalancerEndpointAutoConfiguration {

	BalancerEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	BalancerEndpoint balancerEndpoint(EndpointPools<ServiceInstance> pools) {
		return new BalancerEndpoint(pools);
	}

}
