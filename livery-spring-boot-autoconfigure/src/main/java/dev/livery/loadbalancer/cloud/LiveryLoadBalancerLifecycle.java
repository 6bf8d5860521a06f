package dev.livery.loadbalancer.cloud;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;

import org.jspecify.annotations.Nullable;

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
 * blocking client behind {@code RestClient} and {@code RestTemplate}. A failure to connect is reported as such, so that
 * it also lowers the instance's active-check score.
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
			case FAILED -> {
				if (isConnectFailure(completionContext.getThrowable())) {
					lease.recordConnectFailure();
				}
				else {
					lease.recordFailure();
				}
			}
			case DISCARD -> lease.release();
		}
	}

	/**
	 * Return whether a request failed before it reached the instance: the connection was refused, timed out or had
	 * no route, or the host did not resolve. Such failures also lower the instance's active-check score.
	 * @param failure what the request failed with, possibly wrapped
	 * @return whether it is a connect failure
	 */
	static boolean isConnectFailure(@Nullable Throwable failure) {
		int depth = 0;
		for (Throwable cause = failure; cause != null && depth < 10; cause = cause.getCause(), depth++) {
			if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
					|| cause instanceof UnknownHostException || cause instanceof HttpConnectTimeoutException) {
				return true;
			}
		}
		return false;
	}

}
