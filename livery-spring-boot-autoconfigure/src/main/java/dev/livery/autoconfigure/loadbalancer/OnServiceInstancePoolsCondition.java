package dev.livery.autoconfigure.loadbalancer;

import dev.livery.loadbalancer.EndpointPools;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.ResolvableType;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the context has the pools of livery's client balancer, an {@code EndpointPools<ServiceInstance>}:
 * {@code @ConditionalOnBean(EndpointPools.class)} would also match a user's own {@code EndpointPools} of another type.
 * Use after {@code @ConditionalOnClass(ServiceInstance.class)}.
 */
class OnServiceInstancePoolsCondition extends SpringBootCondition implements ConfigurationCondition {

	@Override
	public ConfigurationPhase getConfigurationPhase() {
		return ConfigurationPhase.REGISTER_BEAN;
	}

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		ResolvableType type = ResolvableType.forClassWithGenerics(EndpointPools.class, ServiceInstance.class);
		String[] names = (beanFactory != null) ? beanFactory.getBeanNamesForType(type, true, false) : new String[0];
		return (names.length > 0) ? ConditionOutcome.match("found " + type + " bean '" + names[0] + "'")
				: ConditionOutcome.noMatch("no " + type + " bean");
	}

}
