package dev.livery.loadbalancer;

/**
 * How loaded an endpoint is for its weight: requests in flight (plus the one being placed) divided by its
 * effective weight, compared without dividing.
 */
final class Load {

	private Load() {
	}

	/**
	 * Return how {@code a}'s load compares with {@code b}'s.
	 * @param a an endpoint
	 * @param b another endpoint
	 * @return negative if {@code a} is less loaded for its weight, zero on a tie, positive otherwise
	 */
	static int compare(Endpoint<?> a, Endpoint<?> b) {
		// (inFlight + 1) / weight: with equal weights this orders by in flight, and at equal in flight the heavier
		// endpoint is the less loaded one.
		return Double.compare((a.inFlight() + 1.0) * b.effectiveWeight(), (b.inFlight() + 1.0) * a.effectiveWeight());
	}

}
