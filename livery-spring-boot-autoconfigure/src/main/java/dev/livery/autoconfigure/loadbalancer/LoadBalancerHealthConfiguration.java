package dev.livery.autoconfigure.loadbalancer;

import java.net.http.HttpClient;
import java.util.Map;
import java.util.function.Supplier;

import dev.livery.loadbalancer.health.HealthHttpClients;
import dev.livery.loadbalancer.health.HealthSupervisor;
import dev.livery.loadbalancer.health.HealthTarget;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health sources of the balanced services (active checks, the serving watch) and the slow-start timer: a
 * {@link HealthSupervisor}, which as a pool listener starts them with a service's first request and stops them when
 * its state is forgotten or the application stops, on a scheduler of its own.
 */
@Configuration(proxyBeanMethods = false)
class LoadBalancerHealthConfiguration {

	static final String SCHEDULER = "liveryHealthScheduler";

	// One timer thread for every check, watch and ramp: each task is a few field writes or the start of an
	// asynchronous request, never a wait.
	@Bean(name = SCHEDULER, destroyMethod = "dispose")
	@ConditionalOnMissingBean(name = SCHEDULER)
	Scheduler liveryHealthScheduler() {
		return Schedulers.newSingle("livery-health", true);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	HealthSupervisor<ServiceInstance> liveryHealthSupervisor(LiveryLoadBalancerProperties properties,
			@Qualifier(SCHEDULER) Scheduler scheduler) {
		Supplier<HttpClient> http = HealthHttpClients.lazy();
		if (properties.toHealthSources().any()
				|| properties.getClients().values().stream().anyMatch((client) -> client.toHealthSources().any())) {
			// Building the JDK client loads its classes and the default SSL context: a second or so of CPU on a
			// small machine, better spent now, in the background, than beside a service's first requests.
			scheduler.schedule(http::get);
		}
		return new HealthSupervisor<>((serviceId) -> properties.settingsFor(serviceId).toHealthSources(),
				LoadBalancerHealthConfiguration::target, http, scheduler);
	}

	static HealthTarget target(ServiceInstance instance) {
		Map<String, String> metadata = instance.getMetadata();
		return new HealthTarget(instance.isSecure(), instance.getHost(), instance.getPort(),
				(metadata != null) ? metadata : Map.of());
	}

}
