package dev.livery.loadbalancer.cloud;

import java.lang.reflect.Method;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.AbstractAdvisingBeanPostProcessor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Makes every reactive load-balanced request release its in-flight slot when it ends, however it ends — a caller's
 * cancel, which Spring Cloud never reports, or an error that skips Spring Cloud's lifecycle — by decorating the
 * load-balancer entry points that Spring Cloud registers as beans: every {@link LoadBalancedExchangeFilterFunction}
 * (the plain and the retrying one) and Spring Cloud Gateway's {@code ReactiveLoadBalancerClientFilter}.
 *
 * @since 0.2.0
 */
public class LeaseReleasingBeanPostProcessor extends AbstractAdvisingBeanPostProcessor {

	/*
	 * Implementation note: every reactive path to a livery pick goes through one of these beans. A @LoadBalanced
	 * WebClient.Builder and each HTTP service client group get Spring Cloud's DeferringLoadBalancerExchangeFilterFunction,
	 * which looks the LoadBalancedExchangeFilterFunction bean up; a WebClient built by hand injects that bean (Spring
	 * Cloud's documented way); a Gateway lb:// route runs the ReactiveLoadBalancerClientFilter bean. Decorating those
	 * beans therefore covers every path, those Spring Cloud adds later through the same beans and a user's own bean of
	 * these types, with nothing per path. The decoration wraps the Mono an entry point returns in LeaseScope: a
	 * subscriber that puts a fresh scope into the Reactor context (where ChooseMono registers each lease it picks,
	 * retries included) and releases the scope's leases on complete, error and cancel. The lifecycle has usually
	 * finished them by then (a lease's first outcome wins), so this only catches what it missed.
	 * The beans are proxied by class (CGLIB), so that injecting them by their concrete type keeps working. Spring's
	 * ExchangeFilterFunction.apply and andThen are default methods that call filter() on the target, past the proxy:
	 * the interceptor answers them itself, through the proxy. Cost per request: the method invocation of the proxy,
	 * the scope (one object, which is also the subscriber) and one Context.
	 * The blocking client (RestClient, RestTemplate) needs none of this: it reports every Exception to the lifecycle
	 * and cannot be cancelled.
	 */

	private static final String GATEWAY_FILTER = "org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter";

	/**
	 * Create the post-processor.
	 */
	public LeaseReleasingBeanPostProcessor() {
		ClassLoader classLoader = LeaseReleasingBeanPostProcessor.class.getClassLoader();
		Class<?> gatewayFilter = ClassUtils.isPresent(GATEWAY_FILTER, classLoader)
				? ClassUtils.resolveClassName(GATEWAY_FILTER, classLoader) : null;
		this.advisor = new DefaultPointcutAdvisor(new EntryPointPointcut(gatewayFilter), new LeaseScopeInterceptor());
		this.beforeExistingAdvisors = true;
		setProxyTargetClass(true);
	}

	private static final class EntryPointPointcut extends StaticMethodMatcherPointcut {

		EntryPointPointcut(@Nullable Class<?> gatewayFilter) {
			setClassFilter((type) -> LoadBalancedExchangeFilterFunction.class.isAssignableFrom(type)
					|| (gatewayFilter != null && gatewayFilter.isAssignableFrom(type)));
		}

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			return switch (method.getName()) {
				case "filter" -> method.getParameterCount() == 2 && Mono.class.isAssignableFrom(method.getReturnType());
				case "apply", "andThen" -> method.getParameterCount() == 1
						&& ExchangeFilterFunction.class.isAssignableFrom(targetClass);
				default -> false;
			};
		}

	}

	private static final class LeaseScopeInterceptor implements MethodInterceptor {

		@Override
		public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			Method method = invocation.getMethod();
			Object[] arguments = invocation.getArguments();
			if (method.getName().equals("filter")) {
				Object result = invocation.proceed();
				return (result instanceof Mono<?> mono) ? LeaseScope.scope(mono) : result;
			}
			// ExchangeFilterFunction's defaults, as Spring defines them, but calling filter() through the proxy.
			if (method.isDefault() && invocation instanceof ProxyMethodInvocation proxied
					&& proxied.getProxy() instanceof ExchangeFilterFunction self) {
				if (method.getName().equals("apply") && arguments[0] instanceof ExchangeFunction next) {
					return (ExchangeFunction) (request) -> self.filter(request, next);
				}
				if (method.getName().equals("andThen") && arguments[0] instanceof ExchangeFilterFunction after) {
					return (ExchangeFilterFunction) (request, next) -> self.filter(request,
							(afterRequest) -> after.filter(afterRequest, next));
				}
			}
			return invocation.proceed();
		}

	}

}
