package dev.livery.loadbalancer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many endpoints of an {@link EndpointPool} are out by ejection (EJECTED or PROBING), and the bound on it:
 * {@code max-ejection-percent} of the endpoints that are not drained, at least one. A slot is reserved before the
 * endpoint's status CAS and given back if the CAS loses, so the bound holds under races. Lock-free; package-private,
 * one per pool.
 */
final class EjectionBudget {

	private final OutlierDetection outlier;

	private final AtomicInteger ejected = new AtomicInteger();

	EjectionBudget(OutlierDetection outlier) {
		this.outlier = outlier;
	}

	/**
	 * Reserve a slot for one more ejection, if the budget allows.
	 * @param members the pool's current endpoints
	 * @return whether a slot was reserved; if so, the caller ejects or {@link #release() releases} it
	 */
	boolean reserve(Endpoint<?>[] members) {
		// A share of the endpoints that are not drained: drained ones serve nothing, so counting them would let
		// ejections take out every endpoint that does.
		int serving = 0;
		for (Endpoint<?> endpoint : members) {
			if (Endpoint.stateOf(endpoint.status()) != Endpoint.DRAINED) {
				serving++;
			}
		}
		int budget = this.outlier.ejectionBudget(serving);
		while (true) {
			int current = this.ejected.get();
			if (current >= budget) {
				return false;
			}
			if (this.ejected.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	/**
	 * Give back a slot: an ejection's CAS lost, or an endpoint left EJECTED or PROBING for anything but PROBING.
	 */
	void release() {
		this.ejected.decrementAndGet();
	}

	/**
	 * Return whether any endpoint is out by ejection, so that a pick looks for a due probe.
	 */
	boolean any() {
		return this.ejected.get() > 0;
	}

}
