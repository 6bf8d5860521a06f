package dev.livery.benchmarks;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.cache.DefaultLoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheProperties;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

/**
 * What every pick benchmark shares: one static list of instances behind one supplier, and a request shaped as the
 * one Spring Cloud's WebClient filter passes to a balancer.
 */
final class Instances {

	static final String SERVICE = "backend";

	private Instances() {
	}

	static List<ServiceInstance> list(int count) {
		List<ServiceInstance> instances = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			instances.add(new DefaultServiceInstance(SERVICE + "-" + i, SERVICE, "10.0.0." + (i + 1), 8080, false));
		}
		return Collections.unmodifiableList(instances);
	}

	/**
	 * A supplier that hands out one pre-built publisher, so the benchmark charges no allocation of its own to the
	 * balancers that read it on every request (a real application's caching supplier costs them more).
	 */
	static ObjectProvider<ServiceInstanceListSupplier> supplier(List<ServiceInstance> instances) {
		ServiceInstanceListSupplier supplier = new StaticSupplier(instances);
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("supplier", supplier));
		return beans.getBeanProvider(ServiceInstanceListSupplier.class);
	}

	/**
	 * The given supplier behind Spring Cloud's caching supplier, as its default configuration builds it (without
	 * Caffeine on the class path).
	 */
	static ObjectProvider<ServiceInstanceListSupplier> caching(ObjectProvider<ServiceInstanceListSupplier> delegate) {
		ServiceInstanceListSupplier caching = new CachingServiceInstanceListSupplier(delegate.getObject(),
				new DefaultLoadBalancerCacheManager(new LoadBalancerCacheProperties()));
		return new StaticListableBeanFactory(Map.of("supplier", caching))
			.getBeanProvider(ServiceInstanceListSupplier.class);
	}

	/**
	 * A tracked request, as {@code ReactorLoadBalancerExchangeFilterFunction} builds it from a {@code ClientRequest}.
	 */
	static Request<RequestDataContext> request() {
		RequestData data = new RequestData(HttpMethod.GET, URI.create("http://" + SERVICE + "/hello"), new HttpHeaders(),
				new LinkedMultiValueMap<>(), Map.of());
		return new DefaultRequest<>(new RequestDataContext(data, "default"));
	}

	private static final class StaticSupplier implements ServiceInstanceListSupplier {

		private final Flux<List<ServiceInstance>> flux;

		StaticSupplier(List<ServiceInstance> instances) {
			this.flux = Flux.just(instances);
		}

		@Override
		public String getServiceId() {
			return SERVICE;
		}

		@Override
		public Flux<List<ServiceInstance>> get() {
			return this.flux;
		}

	}

}
