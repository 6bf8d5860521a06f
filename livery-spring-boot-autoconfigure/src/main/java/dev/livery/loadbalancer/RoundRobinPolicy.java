package dev.livery.loadbalancer;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * Each eligible endpoint in turn, from a cursor shared by every caller of the pool; an endpoint that slow start ramps
 * up takes its turn only the ramped part of the time.
 *
 * @since 0.2.0
 * @see PickPolicyType#ROUND_ROBIN
 */
public final class RoundRobinPolicy implements PickPolicy {

	private final AtomicInteger cursor = new AtomicInteger();

	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		int n = members.length;
		if (n == 0) {
			return null;
		}
		int start = (this.cursor.getAndIncrement() & Integer.MAX_VALUE) % n;
		Endpoint<T> passed = null;
		for (int k = 0; k < n; k++) {
			Endpoint<T> endpoint = members[(start + k) % n];
			if (endpoint != avoid && endpoint.isEligible()) {
				double rampUp = endpoint.rampUp();
				if (rampUp >= 1.0 || ThreadLocalRandom.current().nextDouble() < rampUp) {
					return endpoint;
				}
				// Ramping up under slow start: its turn is taken only that part of the time.
				passed = (passed != null) ? passed : endpoint;
			}
		}
		return passed;
	}

	@Override
	public String toString() {
		return PickPolicyType.ROUND_ROBIN.id();
	}

}
