package dev.livery.autoconfigure.loadbalancer;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
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
		LiveryLoadBalancerProperties properties = Binder.get(context.getEnvironment())
			.bind(LiveryLoadBalancerProperties.PREFIX, Bindable.of(LiveryLoadBalancerProperties.class))
			.orElseGet(LiveryLoadBalancerProperties::new);
		boolean enabled = (serviceId != null) ? properties.settingsFor(serviceId).enabled() : properties.isEnabled();
		return enabled ? ConditionOutcome.match("livery balances client '" + serviceId + "'")
				: ConditionOutcome.noMatch("livery is disabled for client '" + serviceId + "'");
	}

}
