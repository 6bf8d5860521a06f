package dev.livery.loadbalancer.cloud;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.http.HttpStatusCode;

/**
 * Finishes livery's leases when Spring Cloud reports a load-balanced request complete, reading the real outcome:
 * an error is a failure, and so is a response whose status is one of the service's failure status codes, which
 * Spring Cloud reports as a success. Works for the reactive exchange filters (plain and retrying) and for the
 * blocking client behind {@code RestClient} and {@code RestTemplate}.
 *
 * @since 0.1.0
 */
@SuppressWarnings("rawtypes")
public class LiveryLoadBalancerLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

	@Override
	public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
		return ServiceInstance.class.isAssignableFrom(serverTypeClass);
	}

	@Override
	public void onStart(Request<Object> request) {
	}

	@Override
	public void onStartRequest(Request<Object> request, Response<ServiceInstance> lbResponse) {
	}

	@Override
	public void onComplete(CompletionContext<Object, ServiceInstance, Object> completionContext) {
		Response<ServiceInstance> response = completionContext.getLoadBalancerResponse();
		if (response == null || !(response.getServer() instanceof InstanceLease lease)) {
			return;
		}
		switch (completionContext.status()) {
			case SUCCESS -> {
				HttpStatusCode status = (completionContext.getClientResponse() instanceof ResponseData data)
						? data.getHttpStatus() : null;
				if (status != null) {
					lease.recordStatus(status.value());
				}
				else {
					lease.recordSuccess();
				}
			}
			case FAILED -> lease.recordFailure();
			case DISCARD -> lease.release();
		}
	}

}
