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

	/**
	 * Return whether this policy learns from how long requests take. Only then does the pool read its clock when it
	 * creates a lease (the lease's start) and when the lease ends, and tell {@link #completed}; other policies pay
	 * for neither. Asked once, when the pool is created.
	 * @return whether to report completions
	 * @since 0.2.0
	 */
	default boolean needsLatency() {
		return false;
	}

	/**
	 * Told exactly once when a lease ends, if {@link #needsLatency()}: on the thread that reported the outcome, so
	 * it must be quick, lock-free and must not throw. Also told for leases of endpoints that have since left the
	 * pool, and for probe leases.
	 * @param endpoint the leased endpoint
	 * @param outcome how the lease ended
	 * @param start the pool's clock when the lease was created (ticks, nanoseconds)
	 * @param end the pool's clock when it ended
	 * @since 0.2.0
	 */
	default void completed(Endpoint<?> endpoint, Outcome outcome, long start, long end) {
	}

	/**
	 * How a lease ended.
	 *
	 * @since 0.2.0
	 */
	enum Outcome {

		/** The caller reported a success. */
		SUCCESS,

		/** The caller reported a failure. */
		FAILURE,

		/** The caller gave up (a timeout of its own, a disconnect) before an outcome: neither success nor failure. */
		CANCEL

	}

}
