package dev.livery.autoconfigure.loadbalancer;

import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.actuate.LoadBalancerMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@link LoadBalancerMetrics load-balancer metrics}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = LiveryLoadBalancerAutoConfiguration.class)
@ConditionalOnClass({ MeterBinder.class, ServiceInstance.class })
@Conditional(OnServiceInstancePoolsCondition.class)
public final class LoadBalancerMetricsAutoConfiguration {

	LoadBalancerMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	LoadBalancerMetrics liveryLoadBalancerMetrics(EndpointPools<ServiceInstance> pools) {
		return new LoadBalancerMetrics(pools);
	}

}
