package dev.livery.serving;

/**
 * Serving status of a service, as in gRPC's {@code grpc.health.v1.HealthCheckResponse.ServingStatus}.
 *
 * @since 0.1.0
 */
public enum ServingStatus {

	/**
	 * Status is not known; set explicitly by an application that cannot tell yet.
	 */
	UNKNOWN,

	/**
	 * Service accepts and handles traffic.
	 */
	SERVING,

	/**
	 * Service is up but must not be sent traffic.
	 */
	NOT_SERVING,

	/**
	 * Service has no status at all (never set, or cleared); only ever reported to watchers, never set.
	 */
	SERVICE_UNKNOWN;

	/**
	 * Whether this status may be passed to {@link ServingStatusStore#set(String, ServingStatus)}.
	 * @return {@code false} only for {@link #SERVICE_UNKNOWN}
	 */
	public boolean isSettable() {
		return this != SERVICE_UNKNOWN;
	}

}
