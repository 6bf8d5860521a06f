package dev.livery.loadbalancer;

import org.jspecify.annotations.Nullable;

/**
 * How an {@link EndpointPool} chooses among its eligible endpoints. Each pool has an instance of its own, so a
 * policy may keep state of its own (a cursor, a ring); {@link PickPolicyType} creates the built-in ones.
 *
 * <p>{@link #choose} is on every request's path: it must not lock, block, read a clock or allocate. It sees every
 * member and must choose only {@link Endpoint#isEligible() eligible} ones. The pool itself handles what is common to
 * all policies: the single probe of an expired ejection, the in-flight slot, and falling back to the endpoint to
 * avoid when nothing else is eligible.
 *
 * @since 0.2.0
 */
public interface PickPolicy {

	/**
	 * Choose an eligible endpoint.
	 * @param <T> the type of what endpoints stand for
	 * @param members the pool's current members, in no particular order; must not be modified
	 * @param avoid an endpoint not to choose (the previous attempt of a retry), or {@code null}
	 * @param key the request's affinity key (for policies that hash), or {@code null}
	 * @return an eligible endpoint other than {@code avoid}, or {@code null} if there is none
	 */
	<T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid, @Nullable String key);

	/**
	 * Told, under the pool's membership lock, after every change of membership, before any pick sees the new
	 * members; a policy that precomputes something from the members (a ring) does it here.
	 * @param members the new members; must not be modified
	 */
	default void membersChanged(Endpoint<?>[] members) {
	}

}
