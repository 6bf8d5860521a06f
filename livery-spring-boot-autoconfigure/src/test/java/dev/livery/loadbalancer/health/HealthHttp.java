package dev.livery.loadbalancer.health;

import java.net.http.HttpClient;

/**
 * The HTTP client the health tests use: the one livery's health sources are built with.
 */
final class HealthHttp {

	private HealthHttp() {
	}

	static HttpClient client() {
		return HealthHttpClients.create();
	}

}
