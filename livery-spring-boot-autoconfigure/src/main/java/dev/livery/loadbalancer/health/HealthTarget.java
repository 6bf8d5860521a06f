package dev.livery.loadbalancer.health;

import java.net.URI;
import java.util.Map;

/**
 * Where an endpoint's health sources connect: its scheme, host, port and discovery metadata.
 *
 * @param secure whether to use {@code https}
 * @param host the host name or address (an IPv6 literal with or without brackets)
 * @param port the endpoint's port
 * @param metadata the endpoint's discovery metadata, read for {@value #MANAGEMENT_PORT}
 * @since 0.2.0
 */
public record HealthTarget(boolean secure, String host, int port, Map<String, String> metadata) {

	/**
	 * Metadata key of the port that serves the management endpoints, when it differs from the application's.
	 */
	public static final String MANAGEMENT_PORT = "management.port";

	/**
	 * Create a target, copying the metadata.
	 */
	public HealthTarget {
		metadata = Map.copyOf(metadata);
	}

	/**
	 * Return the URI of a path on a port of this endpoint.
	 * @param port the port
	 * @param path the path, starting with {@code /}, possibly with a query
	 * @return the URI
	 */
	public URI uri(int port, String path) {
		String authority = (this.host.indexOf(':') >= 0 && !this.host.startsWith("[")) ? "[" + this.host + "]"
				: this.host;
		return URI.create((this.secure ? "https" : "http") + "://" + authority + ":" + port + path);
	}

	/**
	 * Return the port to run active checks on: the configured one, else metadata {@value #MANAGEMENT_PORT} if it is
	 * a port number, else the endpoint's own.
	 * @param configured the configured port, {@code 0} for none
	 * @return the port
	 */
	public int checkPort(int configured) {
		if (configured > 0) {
			return configured;
		}
		String management = this.metadata.get(MANAGEMENT_PORT);
		if (management != null) {
			try {
				int port = Integer.parseInt(management.trim());
				if (port > 0 && port <= 65535) {
					return port;
				}
			}
			catch (NumberFormatException ex) {
				// Not a port: fall back to the endpoint's own.
			}
		}
		return this.port;
	}

}
