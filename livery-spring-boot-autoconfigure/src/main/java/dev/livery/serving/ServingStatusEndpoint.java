package dev.livery.serving;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * Actuator web endpoint {@code servingstatus} that reads, sets and clears serving statuses.
 *
 * <p>
 * A bad request (unknown, missing or unsettable status) is answered {@code 400} with a reason and changes nothing;
 * a status for a new named service beyond the store's {@link ServingStatusStore#maxServices() bound}
 * ({@code livery.serving.max-services}), and an update once the application is shutting down, are answered
 * {@code 409} with a reason and change nothing.
 *
 * @since 0.1.0
 */
@WebEndpoint(id = "servingstatus")
public class ServingStatusEndpoint {

	private static final int STATUS_CONFLICT = 409;

	private static final String SETTABLE = Arrays.stream(ServingStatus.values())
		.filter(ServingStatus::isSettable)
		.map(Enum::name)
		.collect(Collectors.joining(", "));

	private final ServingStatusStore store;

	/**
	 * Create an endpoint for the given store.
	 * @param store store to read and update
	 */
	public ServingStatusEndpoint(ServingStatusStore store) {
		this.store = store;
	}

	/**
	 * Read the server status and every named service's status.
	 * @return overall status and named services
	 */
	@ReadOperation
	public ServingStatusDescriptor servingStatus() {
		Map<String, ServingStatus> services = new LinkedHashMap<>(this.store.all());
		ServingStatus server = services.remove(ServingStatusStore.SERVER);
		return new ServingStatusDescriptor((server != null) ? server : ServingStatus.UNKNOWN, services);
	}

	/**
	 * Read one named service's status.
	 * @param service service name
	 * @return its status, or {@code 404} if it is unknown
	 */
	@ReadOperation
	public WebEndpointResponse<Object> serviceStatus(@Selector String service) {
		Optional<ServingStatus> status = this.store.get(service);
		if (status.isEmpty()) {
			return unknownService(service);
		}
		return new WebEndpointResponse<>(new ServiceStatusDescriptor(service, status.get()));
	}

	/**
	 * Set the server status.
	 * @param status status name: {@code SERVING}, {@code NOT_SERVING} or {@code UNKNOWN}
	 * @return the new status, or {@code 400} if the status is missing or invalid
	 */
	@WriteOperation
	public WebEndpointResponse<Object> setServerStatus(@Nullable String status) {
		return set(ServingStatusStore.SERVER, status);
	}

	/**
	 * Set a named service's status.
	 * @param service service name
	 * @param status status name: {@code SERVING}, {@code NOT_SERVING} or {@code UNKNOWN}
	 * @return the new status, or {@code 400} if the status is missing or invalid
	 */
	@WriteOperation
	public WebEndpointResponse<Object> setServiceStatus(@Selector String service, @Nullable String status) {
		return set(service, status);
	}

	/**
	 * Clear a named service's status, making it unknown.
	 * @param service service name
	 * @return {@code 204}, or {@code 404} if it was unknown
	 */
	@DeleteOperation
	public WebEndpointResponse<Object> clearServiceStatus(@Selector String service) {
		if (this.store.isTerminal()) {
			return shuttingDown();
		}
		if (!this.store.clear(service)) {
			return unknownService(service);
		}
		return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NO_CONTENT);
	}

	private WebEndpointResponse<Object> set(String service, @Nullable String status) {
		ServingStatus parsed = parse(status);
		if (parsed == null) {
			String reason = (status == null || status.isBlank()) ? "Missing 'status'; expected one of " + SETTABLE
					: "Invalid status '" + status + "'; expected one of " + SETTABLE;
			return new WebEndpointResponse<>(new Failure(reason), WebEndpointResponse.STATUS_BAD_REQUEST);
		}
		if (this.store.isTerminal()) {
			return shuttingDown();
		}
		try {
			this.store.set(service, parsed);
		}
		catch (ServingStatusStore.TooManyServicesException ex) {
			return new WebEndpointResponse<>(new Failure("Too many services: at most " + ex.getMaxServices()
					+ " named services can have a status (livery.serving.max-services); clear one first"),
					STATUS_CONFLICT);
		}
		return new WebEndpointResponse<>(
				new ServiceStatusDescriptor(service, this.store.get(service).orElse(ServingStatus.SERVICE_UNKNOWN)));
	}

	private static @Nullable ServingStatus parse(@Nullable String status) {
		if (status == null) {
			return null;
		}
		String name = status.trim().toUpperCase(Locale.ROOT);
		for (ServingStatus candidate : ServingStatus.values()) {
			if (candidate.isSettable() && candidate.name().equals(name)) {
				return candidate;
			}
		}
		return null;
	}

	private static WebEndpointResponse<Object> unknownService(String service) {
		return new WebEndpointResponse<>(new Failure("Unknown service '" + service + "'"),
				WebEndpointResponse.STATUS_NOT_FOUND);
	}

	private static WebEndpointResponse<Object> shuttingDown() {
		return new WebEndpointResponse<>(new Failure("Serving status is final: the application is shutting down"),
				STATUS_CONFLICT);
	}

	/**
	 * Server status and every named service's status.
	 *
	 * @param status server status
	 * @param services named services' statuses, by name
	 * @since 0.1.0
	 */
	public record ServingStatusDescriptor(ServingStatus status,
			Map<String, ServingStatus> services) implements OperationResponseBody {
	}

	/**
	 * One service's status.
	 *
	 * @param service service name, {@code ""} for the server
	 * @param status its status
	 * @since 0.1.0
	 */
	public record ServiceStatusDescriptor(String service, ServingStatus status) implements OperationResponseBody {
	}

	/**
	 * Why a request was refused.
	 *
	 * @param message reason
	 * @since 0.1.0
	 */
	public record Failure(String message) implements OperationResponseBody {
	}

}
