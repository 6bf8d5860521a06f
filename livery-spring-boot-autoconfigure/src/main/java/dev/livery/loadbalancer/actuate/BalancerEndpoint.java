package dev.livery.loadbalancer.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code @Endpoint} showing the state of every load-balanced service, and letting an operator drain, restore or
 * forget its endpoints.
 *
 * @since 0.1.0
 */
@org.springframework.boot.actuate.endpoint.annotation.Endpoint(id = "balancer")
public class BalancerEndpoint {

	private final EndpointPools<?> pools;

	/**
	 * Create the endpoint.
	 * @param pools the pools to show and act on
	 */
	public BalancerEndpoint(EndpointPools<?> pools) {
		this.pools = pools;
	}

	/**
	 * Describe every service.
	 * @return the services by id
	 */
	@ReadOperation
	public Map<String, Object> services() {
		Map<String, Object> services = new TreeMap<>();
		this.pools.pools().forEach((serviceId, pool) -> services.put(serviceId, describe(pool)));
		return Map.of("services", services);
	}

	/**
	 * Describe one service.
	 * @param serviceId the service
	 * @return the service, or 404 if livery does not know it
	 */
	@ReadOperation
	public WebEndpointResponse<Map<String, Object>> service(@Selector String serviceId) {
		EndpointPool<?> pool = this.pools.get(serviceId);
		if (pool == null) {
			return notFound("Unknown service '" + serviceId + "'");
		}
		return new WebEndpointResponse<>(describe(pool));
	}

	/**
	 * Drain or restore one endpoint of a service.
	 * @param serviceId the service
	 * @param endpoint the endpoint, {@code host:port}
	 * @param action {@code drain} or {@code restore}
	 * @return the endpoint's new description; 400 for an unknown action, 404 for an unknown service or endpoint
	 */
	@WriteOperation
	public WebEndpointResponse<Map<String, Object>> act(@Selector String serviceId, String endpoint, String action) {
		boolean drain = "drain".equalsIgnoreCase(action);
		if (!drain && !"restore".equalsIgnoreCase(action)) {
			return problem(WebEndpointResponse.STATUS_BAD_REQUEST,
					"Unknown action '" + action + "': expected 'drain' or 'restore'");
		}
		EndpointPool<?> pool = this.pools.get(serviceId);
		if (pool == null) {
			return notFound("Unknown service '" + serviceId + "'");
		}
		Endpoint<?> target = pool.endpoint(endpoint);
		if (target == null) {
			return notFound("Unknown endpoint '" + endpoint + "' of service '" + serviceId + "'");
		}
		if (drain) {
			pool.drain(endpoint);
		}
		else {
			pool.restore(endpoint);
		}
		return new WebEndpointResponse<>(describe(target));
	}

	/**
	 * Forget everything livery knows of a service; its next request seeds it afresh.
	 * @param serviceId the service
	 * @return 204, or 404 if livery does not know the service
	 */
	@DeleteOperation
	public WebEndpointResponse<Map<String, Object>> reset(@Selector String serviceId) {
		if (!this.pools.reset(serviceId)) {
			return notFound("Unknown service '" + serviceId + "'");
		}
		return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NO_CONTENT);
	}

	private static Map<String, Object> describe(EndpointPool<?> pool) {
		List<Map<String, Object>> endpoints = new ArrayList<>();
		for (Endpoint<?> endpoint : pool.endpoints()) {
			endpoints.add(describe(endpoint));
		}
		Map<String, Object> description = new LinkedHashMap<>();
		description.put("policy", pool.settings().policy().id());
		description.put("endpoints", endpoints);
		return description;
	}

	private static Map<String, Object> describe(Endpoint<?> endpoint) {
		Map<String, Object> description = new LinkedHashMap<>();
		EndpointState state = endpoint.state();
		description.put("endpoint", endpoint.key());
		description.put("state", state.name());
		description.put("inFlight", endpoint.inFlight());
		description.put("consecutiveFailures", endpoint.consecutiveFailures());
		description.put("ejections", endpoint.ejections());
		if (state == EndpointState.EJECTED) {
			description.put("ejectionTimeRemaining", endpoint.ejectionTimeRemaining().toString());
		}
		return description;
	}

	private static WebEndpointResponse<Map<String, Object>> notFound(String message) {
		return problem(WebEndpointResponse.STATUS_NOT_FOUND, message);
	}

	private static WebEndpointResponse<Map<String, Object>> problem(int status, String message) {
		return new WebEndpointResponse<>(Map.of("message", message), status);
	}

}
