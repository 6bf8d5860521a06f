package dev.livery.loadbalancer;

/**
 * Endpoints for policy tests, made outside a pool's membership (the policy sees them as its members).
 */
final class TestEndpoints {

	private final EndpointPool<String> pool = new EndpointPool<>("svc", PoolSettings.DEFAULTS, (m) -> m,
			new FakeTicker(), PoolListener.NONE);

	/**
	 * Return endpoints of weight 1.
	 */
	@SuppressWarnings("unchecked")
	Endpoint<String>[] of(String... keys) {
		Endpoint<String>[] endpoints = new Endpoint[keys.length];
		for (int i = 0; i < keys.length; i++) {
			endpoints[i] = new Endpoint<>(this.pool, keys[i], keys[i], Endpoint.UP);
		}
		return endpoints;
	}

	/**
	 * Return endpoints "e0:1", "e1:1", ... with the given weights.
	 */
	Endpoint<String>[] weighted(int... weights) {
		String[] keys = new String[weights.length];
		for (int i = 0; i < weights.length; i++) {
			keys[i] = "e" + i + ":1";
		}
		Endpoint<String>[] endpoints = of(keys);
		for (int i = 0; i < weights.length; i++) {
			endpoints[i].weight(weights[i]);
		}
		return endpoints;
	}

	static void eject(Endpoint<?> endpoint) {
		endpoint.casStatus(endpoint.status(), Endpoint.pack(Endpoint.EJECTED, Long.MAX_VALUE >>> 8));
	}

	static void reinstate(Endpoint<?> endpoint) {
		endpoint.casStatus(endpoint.status(), Endpoint.pack(Endpoint.UP, 0));
	}

}
