package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

/**
 * How an {@link EndpointPool} chooses among its eligible endpoints. Each pool has an instance of its own, so a
 * policy may keep state of its own (a cursor, a ring); {@link PickPolicyType} creates the built-in ones.
 *
 * <p>{@link #choose} is on every request's path: it must not lock, block, read a clock or allocate. (A policy that
 * {@link #needsLatency() needs latency} is given the time instead, by the pool, which reads its clock once per pick:
 * {@link #choose(Endpoint[], Endpoint, String, long)}.) It sees every member and must choose only
 * {@link Endpoint#isEligible() eligible} ones. The pool itself handles what is common to
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
	 * Choose an eligible endpoint as of a given time. The pool calls this instead of
	 * {@link #choose(Endpoint[], Endpoint, String)} if, and only if, {@link #needsLatency()}: {@code now} is the clock
	 * it read for this pick, which is also the start of the lease it creates, so a pick still reads the clock once.
	 * By default the time is ignored.
	 * @param <T> the type of what endpoints stand for
	 * @param members the pool's current members, in no particular order; must not be modified
	 * @param avoid an endpoint not to choose (the previous attempt of a retry), or {@code null}
	 * @param key the request's affinity key (for policies that hash), or {@code null}
	 * @param now the pool's clock (ticks, nanoseconds, as passed to {@link #completed})
	 * @return an eligible endpoint other than {@code avoid}, or {@code null} if there is none
	 * @since 0.2.0
	 */
	default <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid, @Nullable String key,
			long now) {
		return choose(members, avoid, key);
	}

	/**
	 * Told, under the pool's membership lock, after every change of membership, before any pick sees the new
	 * members; a policy that precomputes something from the members (a ring) does it here.
	 * @param members the new members; must not be modified
	 */
	default void membersChanged(Endpoint<?>[] members) {
	}

	/**
	 * Return up to {@code count} distinct eligible endpoints for a key, for callers that address several endpoints
	 * at once (replicated writes); nothing is leased. By default they are drawn at random in proportion to their
	 * {@link Endpoint#effectiveWeight() weights} (weighted sampling without replacement); a policy that hashes
	 * returns the key's endpoints in its own order.
	 * @param <T> the type of what endpoints stand for
	 * @param members the pool's current members; must not be modified
	 * @param key the key, or {@code null}
	 * @param count the most endpoints to return, at least 1
	 * @return distinct eligible endpoints, at most {@code count}
	 */
	default <T> List<Endpoint<T>> select(Endpoint<T>[] members, @Nullable String key, int count) {
		// Efraimidis and Spirakis: the count largest of u^(1/w) are a weighted sample without replacement.
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<Map.Entry<Double, Endpoint<T>>> keyed = new ArrayList<>(members.length);
		for (Endpoint<T> endpoint : members) {
			if (endpoint.isEligible()) {
				double u = 1.0 - random.nextDouble();
				keyed.add(Map.entry(Math.log(u) / endpoint.effectiveWeight(), endpoint));
			}
		}
		keyed.sort(Map.Entry.<Double, Endpoint<T>>comparingByKey().reversed());
		List<Endpoint<T>> selected = new ArrayList<>(Math.min(count, keyed.size()));
		for (int i = 0; i < keyed.size() && i < count; i++) {
			selected.add(keyed.get(i).getValue());
		}
		return selected;
	}

	/**
	 * Return whether this policy picks by the request's affinity key. Only then does the caller look the key up (a
	 * header read per request); other policies get {@code null}. Asked once per pick; must not change.
	 * @return whether {@link #choose} reads its key
	 * @since 0.2.0
	 */
	default boolean usesKey() {
		return false;
	}

	/**
	 * Return whether this policy learns from how long requests take. Only then does the pool read its clock once per
	 * pick, before choosing (the time it passes to {@link #choose(Endpoint[], Endpoint, String, long)}, and the
	 * lease's start), and once when the lease ends, and tell {@link #completed}; other policies pay for neither.
	 * Asked once, when the pool is created.
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
	 * @param start the pool's clock when the lease was picked (ticks, nanoseconds)
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
