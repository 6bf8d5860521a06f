package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import org.jspecify.annotations.Nullable;

/**
 * The endpoints of one service and the state that decides where its next request goes: a {@link PickPolicy} (power
 * of two choices on requests in flight by default), outlier ejection, and a single probe per expired ejection.
 *
 * <p>Picks ({@link #pick}) and outcomes ({@link Lease}) are lock-free and allocate nothing but the lease.
 * Membership changes ({@link #update}, {@link #add}, {@link #remove}) are rare and serialised; the state of
 * endpoints that stay survives them.
 *
 * @param <T> the type of what endpoints stand for, such as a discovery {@code ServiceInstance}
 * @since 0.1.0
 */
public final class EndpointPool<T> {

	/*
	 * Implementation note.
	 *
	 * Picks read a copy-on-write array of endpoints, so they never wait for a membership change; the policy chooses
	 * among them (see PickPolicy) and the pool adds what is common to every policy: the probe, the in-flight slot,
	 * and the fallback to the endpoint a retry avoids.
	 *
	 * Ejection follows Envoy's outlier detection: consecutive failures eject, the n-th ejection in a row lasts
	 * min(n x base, max), the multiplier decays by one for every base interval spent healthy, and at most
	 * max-ejection-percent of the endpoints that are not drained are out at once (one endpoint is always
	 * ejectable; EjectionBudget). Reinstatement follows Finagle's failure accrual and Linkerd: once an ejection
	 * expires, exactly one pick wins the CAS EJECTED -> PROBING, and only its outcome reinstates (PROBING -> UP) or
	 * ejects again (PROBING -> EJECTED, longer). Nobody else is sent to a PROBING endpoint until the probe answers.
	 * A probe lease can only be lost by a caller that never reports back, so it lapses late: after max-ejection-time
	 * for a tracked lease (whose every path finishes it), after one ejection time for an untracked one (a bare choose
	 * whose caller may never report).
	 *
	 * Latency. Only for a policy that needsLatency() (peak-ewma) does a pick read the clock (once, before it
	 * chooses) and a lease's end read it again; LeaseTiming does that, and keeps each endpoint's progress mark, in
	 * the order its note gives. Other policies read no clock for it.
	 *
	 * The probe schedule (when a pick looks for an expired ejection, and the scan that leases the probe) is
	 * ProbeSchedule's; every transition here that sets a deadline publishes it there, after its status CAS.
	 *
	 * Health, panic and slow start live in EndpointPoolHealth; the pool tells it of every change that can change how
	 * many endpoints are eligible (ejection, reinstatement, drain, restore, membership) and of every endpoint that
	 * joins or comes back (for the ramp).
	 */

	private final String serviceId;

	private final PoolSettings settings;

	private final PickPolicy policy;

	/** The clock reads and progress marks of a latency-aware policy; pass-throughs otherwise. */
	private final LeaseTiming<T> timing;

	private final OutlierDetection outlier;

	private final Function<? super T, String> keyFunction;

	private final ToIntFunction<? super T> weightFunction;

	private final Ticker ticker;

	private final long epoch;

	private final PoolListener listener;

	private final Object membershipLock = new Object();

	@SuppressWarnings("unchecked")
	private volatile Endpoint<T>[] endpoints = new Endpoint[0];

	private final EjectionBudget ejections;

	private final ProbeSchedule<T> probes = new ProbeSchedule<>(this);

	private final Set<String> drained = ConcurrentHashMap.newKeySet();

	private final EndpointPoolHealth<T> health;

	private volatile boolean retired;

	/**
	 * Create an empty pool.
	 * @param serviceId the service the pool balances
	 * @param settings how the pool picks and when it ejects
	 * @param keyFunction the identity ({@code host:port}) of a payload
	 * @param ticker the time source
	 * @param listener told of ejections and probes
	 * @since 0.2.0
	 */
	public EndpointPool(String serviceId, PoolSettings settings, Function<? super T, String> keyFunction,
			Ticker ticker, PoolListener listener) {
		this(serviceId, settings, keyFunction, (payload) -> 1, ticker, listener);
	}

	/**
	 * Create an empty pool whose endpoints have weights.
	 * @param serviceId the service the pool balances
	 * @param settings how the pool picks and when it ejects
	 * @param keyFunction the identity ({@code host:port}) of a payload
	 * @param weightFunction the weight of a payload, at least 1 (values below count as 1)
	 * @param ticker the time source
	 * @param listener told of ejections and probes
	 * @since 0.2.0
	 */
	public EndpointPool(String serviceId, PoolSettings settings, Function<? super T, String> keyFunction,
			ToIntFunction<? super T> weightFunction, Ticker ticker, PoolListener listener) {
		this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
		this.settings = Objects.requireNonNull(settings, "settings");
		this.policy = settings.policy().newPolicy(settings);
		this.timing = new LeaseTiming<>(this, this.policy);
		this.outlier = settings.outlier();
		this.ejections = new EjectionBudget(this.outlier);
		this.keyFunction = Objects.requireNonNull(keyFunction, "keyFunction");
		this.weightFunction = Objects.requireNonNull(weightFunction, "weightFunction");
		this.ticker = Objects.requireNonNull(ticker, "ticker");
		this.listener = Objects.requireNonNull(listener, "listener");
		this.epoch = ticker.read();
		this.health = new EndpointPoolHealth<>(this, settings.panicThreshold(), settings.slowStart());
	}

	/**
	 * Return the service this pool balances.
	 * @return the service id
	 */
	public String serviceId() {
		return this.serviceId;
	}

	/**
	 * Return this pool's settings.
	 * @return the settings
	 * @since 0.2.0
	 */
	public PoolSettings settings() {
		return this.settings;
	}

	/**
	 * Return this pool's policy instance.
	 * @return the policy
	 */
	public PickPolicy policy() {
		return this.policy;
	}

	/**
	 * Return this pool's outlier ejection settings.
	 * @return the settings
	 */
	public OutlierDetection outlier() {
		return this.outlier;
	}

	/**
	 * Return the current endpoints, in no particular order.
	 * @return an immutable snapshot
	 */
	public List<Endpoint<T>> endpoints() {
		return Collections.unmodifiableList(Arrays.asList(this.endpoints));
	}

	/**
	 * Return the endpoint with the given key.
	 * @param key the endpoint's {@code host:port}
	 * @return the endpoint, or {@code null} if it is not a member
	 */
	public @Nullable Endpoint<T> endpoint(String key) {
		for (Endpoint<T> endpoint : this.endpoints) {
			if (endpoint.key().equals(key)) {
				return endpoint;
			}
		}
		return null;
	}

	/**
	 * Return the number of requests in flight over all current endpoints.
	 * @return requests in flight
	 */
	public int inFlight() {
		int total = 0;
		for (Endpoint<T> endpoint : this.endpoints) {
			total += endpoint.inFlight();
		}
		return total;
	}

	/**
	 * Return whether the pool has been retired by its registry; a retired pool still works but its owner should
	 * ask the registry for the current one.
	 * @return whether retired
	 */
	public boolean isRetired() {
		return this.retired;
	}

	void retire() {
		this.retired = true;
	}

	// --- membership ---

	/**
	 * Make the members exactly the given ones: new keys join (drained keys join drained), missing keys leave, and
	 * endpoints that stay keep their state and take the new payload.
	 * @param members the current members, as discovery reports them
	 */
	@SuppressWarnings("unchecked")
	public void update(Collection<? extends T> members) {
		synchronized (this.membershipLock) {
			Endpoint<T>[] current = this.endpoints;
			boolean serving = EndpointPoolHealth.anyEligible(current);
			Map<String, Endpoint<T>> byKey = new HashMap<>(current.length * 2);
			for (Endpoint<T> endpoint : current) {
				byKey.put(endpoint.key(), endpoint);
			}
			Map<String, Endpoint<T>> next = new java.util.LinkedHashMap<>(members.size() * 2);
			for (T member : members) {
				String key = this.keyFunction.apply(member);
				Endpoint<T> endpoint = byKey.remove(key);
				if (endpoint == null) {
					endpoint = next.containsKey(key) ? next.get(key) : newEndpoint(key, member, serving);
				}
				else {
					endpoint.payload(member);
					endpoint.weight(weightOf(member));
				}
				next.put(key, endpoint);
			}
			for (Endpoint<T> gone : byKey.values()) {
				markRemoved(gone);
			}
			install(next.values().toArray(new Endpoint[0]));
		}
	}

	/**
	 * Add a member, or refresh the payload of the endpoint with the same key.
	 * @param member the member
	 * @return whether a new endpoint joined
	 */
	public boolean add(T member) {
		String key = this.keyFunction.apply(member);
		synchronized (this.membershipLock) {
			Endpoint<T> existing = endpoint(key);
			if (existing != null) {
				existing.payload(member);
				if (existing.weight(weightOf(member))) {
					// Policies that precompute from weights (a ring, a schedule) must see the change.
					install(this.endpoints.clone());
				}
				return false;
			}
			Endpoint<T>[] current = this.endpoints;
			Endpoint<T>[] next = Arrays.copyOf(current, current.length + 1);
			next[current.length] = newEndpoint(key, member, EndpointPoolHealth.anyEligible(current));
			install(next);
			return true;
		}
	}

	/**
	 * Remove a member. Its leases stay safe to finish.
	 * @param key the endpoint's {@code host:port}
	 * @return whether it was a member
	 */
	@SuppressWarnings("unchecked")
	public boolean remove(String key) {
		synchronized (this.membershipLock) {
			List<Endpoint<T>> next = new ArrayList<>(Arrays.asList(this.endpoints));
			for (int i = 0; i < next.size(); i++) {
				if (next.get(i).key().equals(key)) {
					markRemoved(next.remove(i));
					install(next.toArray(new Endpoint[0]));
					return true;
				}
			}
			return false;
		}
	}

	/** Called under the membership lock. */
	private void install(Endpoint<T>[] next) {
		this.policy.membersChanged(next);
		this.endpoints = next;
		this.health.reassessPanic();
		this.listener.onMembershipChanged(this);
	}

	private Endpoint<T> newEndpoint(String key, T member, boolean poolServes) {
		boolean isDrained = this.drained.contains(key);
		Endpoint<T> endpoint = new Endpoint<>(this, key, member, isDrained ? Endpoint.DRAINED : Endpoint.UP);
		endpoint.weight(weightOf(member));
		if (poolServes && !isDrained) {
			this.health.startRamp(endpoint);
		}
		return endpoint;
	}

	private int weightOf(T member) {
		return Math.max(1, this.weightFunction.applyAsInt(member));
	}

	private void markRemoved(Endpoint<T> endpoint) {
		transitionFromAny(endpoint, Endpoint.REMOVED, 0);
	}

	/**
	 * Take an endpoint out until {@link #restore restored}, even while discovery still lists it. An unanswered
	 * probe to it is ignored when it answers.
	 * @param key the endpoint's {@code host:port}
	 * @return whether it is a member
	 */
	public boolean drain(String key) {
		Endpoint<T> endpoint = endpoint(key);
		if (endpoint == null) {
			return false;
		}
		this.drained.add(key);
		transitionFromAny(endpoint, Endpoint.DRAINED, 0);
		this.health.reassessPanic();
		return true;
	}

	/**
	 * Bring a drained endpoint back, with a clean failure streak and, under a latency-aware policy, no latency
	 * estimate: what was learnt before the drain is stale, and kept it would have decayed toward nothing.
	 * @param key the endpoint's {@code host:port}
	 * @return whether it is a member
	 */
	public boolean restore(String key) {
		Endpoint<T> endpoint = endpoint(key);
		this.drained.remove(key);
		if (endpoint == null) {
			return false;
		}
		long word = endpoint.status();
		if (Endpoint.stateOf(word) == Endpoint.DRAINED && endpoint.casStatus(word, Endpoint.pack(Endpoint.UP, 0))) {
			endpoint.resetFailures();
			endpoint.forgetLatency();
			this.health.startRamp(endpoint);
			this.health.reassessPanic();
		}
		return true;
	}

	/**
	 * Move an endpoint to {@code state} from whatever state it is in (except REMOVED), keeping the ejection budget
	 * exact.
	 * @return the state it left, or REMOVED if it had already left the pool
	 */
	private int transitionFromAny(Endpoint<T> endpoint, int state, long deadline) {
		while (true) {
			long word = endpoint.status();
			int previous = Endpoint.stateOf(word);
			if (previous == Endpoint.REMOVED || previous == state) {
				return previous;
			}
			if (endpoint.casStatus(word, Endpoint.pack(state, deadline))) {
				if (previous == Endpoint.EJECTED || previous == Endpoint.PROBING) {
					this.ejections.release();
				}
				return previous;
			}
		}
	}

	// --- picks ---

	/**
	 * Pick an endpoint and take an in-flight slot on it.
	 * @return the lease, or {@code null} if no endpoint is eligible
	 */
	public @Nullable Lease<T> pick() {
		return pick(Lease::new, null, null, true);
	}

	/**
	 * Pick an endpoint for a request with an affinity key (the {@code ring-hash} policy sends equal keys to the same
	 * endpoint) and take an in-flight slot on it.
	 * @param key the request's key, or {@code null}
	 * @return the lease, or {@code null} if no endpoint is eligible
	 * @since 0.2.0
	 */
	public @Nullable Lease<T> pick(@Nullable String key) {
		return pick(Lease::new, null, key, true);
	}

	/**
	 * Pick an endpoint.
	 * @param <L> the type of lease
	 * @param factory creates the lease
	 * @param avoid an endpoint to pick only if nothing else is eligible (the previous attempt of a retry), or
	 * {@code null}
	 * @param tracked whether the lease takes an in-flight slot; an untracked lease (for callers that may never
	 * report back) holds no slot and only records outcomes if told any
	 * @return the lease, or {@code null} if no endpoint is eligible
	 */
	public <L extends Lease<T>> @Nullable L pick(LeaseFactory<T, L> factory, @Nullable Endpoint<T> avoid,
			boolean tracked) {
		return pick(factory, avoid, null, tracked);
	}

	/**
	 * Pick an endpoint for a request with an affinity key.
	 * @param <L> the type of lease
	 * @param factory creates the lease
	 * @param avoid an endpoint to pick only if nothing else is eligible (the previous attempt of a retry), or
	 * {@code null}
	 * @param key the request's affinity key, for policies that hash, or {@code null}
	 * @param tracked whether the lease takes an in-flight slot; an untracked lease (for callers that may never
	 * report back) holds no slot and only records outcomes if told any
	 * @return the lease, or {@code null} if no endpoint is eligible
	 * @since 0.2.0
	 */
	public <L extends Lease<T>> @Nullable L pick(LeaseFactory<T, L> factory, @Nullable Endpoint<T> avoid,
			@Nullable String key, boolean tracked) {
		Endpoint<T>[] current = this.endpoints;
		return (current.length > 0) ? pickAmong(current, null, factory, avoid, key, tracked) : null;
	}

	/**
	 * Pick an endpoint among some of the members only, such as those a request-scoped filter of discovery (a sticky
	 * session, a hint) left for one request. The pool's state is the same: the candidates are its own endpoints.
	 * When none of them is eligible the pick is made among all members, as if there were no filter.
	 * @param <L> the type of lease
	 * @param factory creates the lease
	 * @param avoid an endpoint to pick only if nothing else is eligible (the previous attempt of a retry), or
	 * {@code null}
	 * @param key the request's affinity key, for policies that hash, or {@code null}
	 * @param tracked whether the lease takes an in-flight slot
	 * @param candidates the endpoints of this pool the pick may choose; must not be modified
	 * @return the lease, or {@code null} if no endpoint is eligible
	 * @since 0.2.0
	 */
	public <L extends Lease<T>> @Nullable L pick(LeaseFactory<T, L> factory, @Nullable Endpoint<T> avoid,
			@Nullable String key, boolean tracked, Endpoint<T>[] candidates) {
		L lease = (candidates.length > 0) ? pickAmong(candidates, candidates, factory, avoid, key, tracked) : null;
		return (lease != null) ? lease : pick(factory, avoid, key, tracked);
	}

	private <L extends Lease<T>> @Nullable L pickAmong(Endpoint<T>[] among, Endpoint<T> @Nullable [] candidates,
			LeaseFactory<T, L> factory, @Nullable Endpoint<T> avoid, @Nullable String key, boolean tracked) {
		LeaseTiming<T> timing = this.timing;
		// A latency-aware pick reads the clock once, here: the policy compares as of then, and the lease starts then.
		long start = timing.pickTime();
		if (this.ejections.any()) {
			L probe = this.probes.tryProbe(factory, avoid, tracked, candidates, timing.isOn() ? start : now());
			if (probe != null) {
				return timing.started(probe, start);
			}
		}
		Endpoint<T> chosen = timing.choose(among, avoid, key, start);
		if (chosen == null && avoid != null) {
			chosen = timing.choose(among, null, key, start);
		}
		if (chosen == null) {
			return null;
		}
		if (tracked) {
			timing.acquire(chosen, start);
		}
		return timing.started(factory.create(chosen, 0, tracked), start);
	}

	/**
	 * Take an in-flight slot for a lease that starts at {@code start} (see LeaseTiming.acquire).
	 */
	void acquire(Endpoint<T> endpoint, long start) {
		this.timing.acquire(endpoint, start);
	}

	/**
	 * Return up to {@code count} distinct eligible endpoints for a key, without taking an in-flight slot: under
	 * {@code ring-hash} the key's endpoint and its successors on the ring, the same on every client with the same
	 * members; under other policies distinct eligible endpoints drawn at random in proportion to their weights.
	 * @param key the key, or {@code null}
	 * @param count the most endpoints to return, at least 1
	 * @return the endpoints, the one a request with this key would go to first
	 * @throws IllegalArgumentException if {@code count} is below 1
	 * @since 0.2.0
	 */
	public List<Endpoint<T>> select(@Nullable String key, int count) {
		if (count < 1) {
			throw new IllegalArgumentException("count must be at least 1, was " + count);
		}
		return this.policy.select(this.endpoints, key, count);
	}

	// --- outcomes, called by Lease ---

	void onSuccess(Endpoint<T> endpoint, long probeToken, long start, boolean held) {
		this.timing.end(endpoint, PickPolicy.Outcome.SUCCESS, start, held);
		endpoint.countSuccess();
		if (probeToken == 0) {
			endpoint.resetFailures();
			return;
		}
		if (endpoint.casStatus(probeToken, Endpoint.pack(Endpoint.UP, 0))) {
			endpoint.resetFailures();
			endpoint.reinstatedAt(now());
			this.ejections.release();
			this.health.startRamp(endpoint);
			this.health.reassessPanic();
			this.listener.onProbe(this, endpoint, true);
		}
	}

	void onFailure(Endpoint<T> endpoint, long probeToken, long start, boolean held) {
		this.timing.end(endpoint, PickPolicy.Outcome.FAILURE, start, held);
		int streak = endpoint.recordFailure();
		if (!this.outlier.enabled()) {
			return;
		}
		if (probeToken != 0) {
			long now = now();
			int multiplier = endpoint.multiplier() + 1;
			long deadline = now + this.outlier.ejectionNanos(multiplier);
			if (endpoint.casStatus(probeToken, Endpoint.pack(Endpoint.EJECTED, deadline))) {
				endpoint.multiplier(multiplier);
				endpoint.countEjection();
				this.probes.publish(deadline);
				this.listener.onProbe(this, endpoint, false);
				this.listener.onEjection(this, endpoint);
			}
			return;
		}
		if (streak >= this.outlier.consecutiveFailures()) {
			tryEject(endpoint);
		}
	}

	void onRelease(Endpoint<T> endpoint, long probeToken, long start) {
		this.timing.end(endpoint, PickPolicy.Outcome.CANCEL, start, true);
		if (probeToken != 0) {
			// A cancelled probe proved nothing: the ejection stays, already expired, and the next pick probes.
			long now = now();
			if (endpoint.casStatus(probeToken, Endpoint.pack(Endpoint.EJECTED, now))) {
				this.probes.publish(now);
			}
		}
	}

	private void tryEject(Endpoint<T> endpoint) {
		long word = endpoint.status();
		if (Endpoint.stateOf(word) != Endpoint.UP || !this.ejections.reserve(this.endpoints)) {
			return;
		}
		long now = now();
		int multiplier = this.outlier.decayedMultiplier(endpoint.multiplier(), now - endpoint.reinstatedAt()) + 1;
		long deadline = now + this.outlier.ejectionNanos(multiplier);
		if (endpoint.casStatus(word, Endpoint.pack(Endpoint.EJECTED, deadline))) {
			endpoint.multiplier(multiplier);
			endpoint.countEjection();
			this.probes.publish(deadline);
			this.health.reassessPanic();
			this.listener.onEjection(this, endpoint);
		}
		else {
			this.ejections.release();
		}
	}

	// --- health, panic and slow start (see EndpointPoolHealth) ---

	/**
	 * Return the health side of this pool: where health sources report, panic, and the slow-start ramp.
	 * @return the pool's health
	 * @since 0.2.0
	 */
	public EndpointPoolHealth<T> health() {
		return this.health;
	}

	int unhealthyMask() {
		return this.health.unhealthyMask();
	}

	Endpoint<T>[] members() {
		return this.endpoints;
	}

	PoolListener listener() {
		return this.listener;
	}

	/**
	 * Publish {@code now} as a deadline, so that the next pick looks for a probe to lease.
	 */
	void probeDue() {
		this.probes.publish(now());
	}

	/**
	 * Return the time in ticks since this pool's epoch.
	 */
	long now() {
		return this.ticker.read() - this.epoch;
	}

	@Override
	public String toString() {
		return "EndpointPool[" + this.serviceId + ", " + this.settings.policy().id() + ", "
				+ Arrays.toString(this.endpoints) + "]";
	}

}
