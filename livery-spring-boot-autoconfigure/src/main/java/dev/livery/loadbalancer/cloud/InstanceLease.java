package dev.livery.loadbalancer.cloud;

import java.net.URI;
import java.util.Map;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.Lease;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;

/**
 * A {@link Lease} that is also the {@link Response} and the {@link ServiceInstance} Spring Cloud passes along, so
 * that a pick allocates one object and every later callback (including the blocking client's, which only keeps the
 * instance) can find the lease again. It behaves as the discovered instance it wraps.
 *
 * @since 0.1.0
 */
public final class InstanceLease extends Lease<ServiceInstance> implements Response<ServiceInstance>, ServiceInstance {

	private final FailureStatusCodes failureStatusCodes;

	InstanceLease(Endpoint<ServiceInstance> endpoint, long probeToken, boolean tracked,
			FailureStatusCodes failureStatusCodes) {
		super(endpoint, probeToken, tracked);
		this.failureStatusCodes = failureStatusCodes;
	}

	/**
	 * Record the outcome of an HTTP response.
	 * @param status the response's status code
	 * @return whether this call finished the lease
	 */
	public boolean recordStatus(int status) {
		return this.failureStatusCodes.isFailure(status) ? recordFailure() : recordSuccess();
	}

	// Response

	@Override
	public boolean hasServer() {
		return true;
	}

	@Override
	public ServiceInstance getServer() {
		return this;
	}

	// ServiceInstance

	@Override
	public @Nullable String getInstanceId() {
		return payload().getInstanceId();
	}

	@Override
	public String getServiceId() {
		return payload().getServiceId();
	}

	@Override
	public String getHost() {
		return payload().getHost();
	}

	@Override
	public int getPort() {
		return payload().getPort();
	}

	@Override
	public boolean isSecure() {
		return payload().isSecure();
	}

	@Override
	public URI getUri() {
		return payload().getUri();
	}

	@Override
	public @Nullable Map<String, String> getMetadata() {
		return payload().getMetadata();
	}

	@Override
	public @Nullable String getScheme() {
		return payload().getScheme();
	}

	/**
	 * Equal to the instance it wraps (as Spring Cloud's retry-aware supplier expects when it removes the previous
	 * instance from a list) and to any lease of an equal instance.
	 */
	@Override
	public boolean equals(@Nullable Object other) {
		if (other instanceof InstanceLease lease) {
			return payload().equals(lease.payload());
		}
		return payload().equals(other);
	}

	@Override
	public int hashCode() {
		return payload().hashCode();
	}

}
