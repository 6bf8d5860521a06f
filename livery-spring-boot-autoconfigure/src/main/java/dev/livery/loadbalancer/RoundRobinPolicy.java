package dev.livery.loadbalancer;

import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * Each eligible endpoint in turn, from a cursor shared by every caller of the pool.
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
		for (int k = 0; k < n; k++) {
			Endpoint<T> endpoint = members[(start + k) % n];
			if (endpoint != avoid && endpoint.isEligible()) {
				return endpoint;
			}
		}
		return null;
	}

	@Override
	public String toString() {
		return PickPolicyType.ROUND_ROBIN.id();
	}

}
