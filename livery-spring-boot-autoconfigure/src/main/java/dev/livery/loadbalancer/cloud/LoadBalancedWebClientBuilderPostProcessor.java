package dev.livery.loadbalancer.cloud;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Puts a {@link LeaseReleasingExchangeFilterFunction} in front of the filters of every {@code @LoadBalanced}
 * {@link WebClient.Builder}, so that a caller's cancel releases its slot.
 *
 * @since 0.1.0
 */
public class LoadBalancedWebClientBuilderPostProcessor implements BeanPostProcessor, BeanFactoryAware {

	private final LeaseReleasingExchangeFilterFunction filter = new LeaseReleasingExchangeFilterFunction();

	private @Nullable ListableBeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (beanFactory instanceof ListableBeanFactory listable) ? listable : null;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof WebClient.Builder builder && isLoadBalanced(beanName)) {
			builder.filters((filters) -> {
				if (filters.stream().noneMatch(LeaseReleasingExchangeFilterFunction.class::isInstance)) {
					filters.add(0, this.filter);
				}
			});
		}
		return bean;
	}

	private boolean isLoadBalanced(String beanName) {
		if (this.beanFactory == null) {
			return false;
		}
		try {
			return this.beanFactory.findAnnotationOnBean(beanName, LoadBalanced.class) != null;
		}
		catch (NoSuchBeanDefinitionException ex) {
			return false;
		}
	}

}
