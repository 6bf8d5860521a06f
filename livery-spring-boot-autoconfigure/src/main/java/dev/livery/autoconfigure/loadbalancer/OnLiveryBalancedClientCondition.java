package dev.livery.autoconfigure.loadbalancer;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches in a client's child context when livery balances that client: {@code livery.loadbalancer.enabled}, unless
 * {@code livery.loadbalancer.clients.<serviceId>.enabled} says otherwise.
 */
class OnLiveryBalancedClientCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		String serviceId = LoadBalancerClientFactory.getName(context.getEnvironment());
		LiveryLoadBalancerProperties properties = properties(context);
		boolean enabled = (serviceId != null) ? properties.settingsFor(serviceId).isEnabled() : properties.isEnabled();
		return enabled ? ConditionOutcome.match("livery balances client '" + serviceId + "'")
				: ConditionOutcome.noMatch("livery is disabled for client '" + serviceId + "'");
	}

	// The application context's properties (the parent of the client's context) were resolved at start-up.
	private static LiveryLoadBalancerProperties properties(ConditionContext context) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		LiveryLoadBalancerProperties properties = (beanFactory != null)
				? beanFactory.getBeanProvider(LiveryLoadBalancerProperties.class).getIfAvailable() : null;
		return (properties != null) ? properties : LiveryLoadBalancerProperties.bind(context.getEnvironment());
	}

}
