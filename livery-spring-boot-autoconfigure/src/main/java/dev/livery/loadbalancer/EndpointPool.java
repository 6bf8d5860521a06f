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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The endpoints of one service and the state that decides where its next request goes: power of two choices on
 * requests in flight, outlier ejection, and a single probe per expired ejection.
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
	 * Picks read a copy-on-write array of endpoints, so they never wait for a membership change. P2C (Mitzenmacher,
	 * "The Power of Two Choices in Randomized Load Balancing") compares two *distinct* endpoints: sampling with
	 * replacement, as Envoy does, picks the busier of two hosts a quarter of the time. The fast path assumes every
	 * endpoint is UP, which the notUp counter hints at; the two endpoints it draws are re-checked, and any doubt
	 * sends the pick down the slow path, which reservoir-samples two eligible endpoints in one pass.
	 *
	 * Ejection follows Envoy's outlier detection: consecutive failures eject, the n-th ejection in a row lasts
	 * min(n x base, max), the multiplier decays by one for every base interval spent healthy, and at most
	 * max-ejection-percent of the pool is out at once (one endpoint is always ejectable). The ejection budget is
	 * reserved on the `ejected` counter before the endpoint's CAS, and given back if the CAS loses, so the bound
	 * holds under races. Reinstatement follows Finagle's failure accrual and Linkerd: once an ejection expires,
	 * exactly one pick wins the CAS EJECTED -> PROBING, and only its outcome reinstates (PROBING -> UP) or ejects
	 * again (PROBING -> EJECTED, longer). Nobody else is sent to a PROBING endpoint. A probe that never answers
	 * lapses after one base ejection time, so a lost lease cannot strand an endpoint.
	 *
	 * The pool checks for expired ejections only while something is ejected, and then only once the clock passes
	 * nextProbeAt, the earliest deadline it knows of; the clock is not read on a pick otherwise.
	 */

	private final String serviceId;

	private final PickPolicy policy;

	private final OutlierDetection outlier;

	private final Function<? super T, String> keyFunction;

	private final Ticker ticker;

	private final long epoch;

	private final PoolListener listener;

	private final Object membershipLock = new Object();

	@SuppressWarnings("unchecked")
	private volatile Endpoint<T>[] endpoints = new Endpoint[0];

	/** Endpoints in the array that are not UP; a hint for the fast path. */
	private final AtomicInteger notUp = new AtomicInteger();

	/** Endpoints EJECTED or PROBING; the ejection budget is reserved here. */
	private final AtomicInteger ejected = new AtomicInteger();

	/** Earliest deadline (ticks) of an EJECTED or PROBING endpoint, or Long.MAX_VALUE. */
	private final AtomicLong nextProbeAt = new AtomicLong(Long.MAX_VALUE);

	private final AtomicInteger cursor = new AtomicInteger();

	private final Set<String> drained = ConcurrentHashMap.newKeySet();

	private volatile boolean retired;

	/**
	 * Create an empty pool.
	 * @param serviceId the service the pool balances
	 * @param policy how to choose among eligible endpoints
	 * @param outlier when to eject endpoints
	 * @param keyFunction the identity ({@code host:port}) of a payload
	 * @param ticker the time source
	 * @param listener told of ejections and probes
	 */
	public EndpointPool(String serviceId, PickPolicy policy, OutlierDetection outlier,
			Function<? super T, String> keyFunction, Ticker ticker, PoolListener listener) {
		this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
		this.policy = Objects.requireNonNull(policy, "policy");
		this.outlier = Objects.requireNonNull(outlier, "outlier");
		this.keyFunction = Objects.requireNonNull(keyFunction, "keyFunction");
		this.ticker = Objects.requireNonNull(ticker, "ticker");
		this.listener = Objects.requireNonNull(listener, "listener");
		this.epoch = ticker.read();
	}

	/**
	 * Return the service this pool balances.
	 * @return the service id
	 */
	public String serviceId() {
		return this.serviceId;
	}

	/**
	 * Return how this pool chooses among eligible endpoints.
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
			Map<String, Endpoint<T>> byKey = new HashMap<>(current.length * 2);
			for (Endpoint<T> endpoint : current) {
				byKey.put(endpoint.key(), endpoint);
			}
			Map<String, Endpoint<T>> next = new java.util.LinkedHashMap<>(members.size() * 2);
			for (T member : members) {
				String key = this.keyFunction.apply(member);
				Endpoint<T> endpoint = byKey.remove(key);
				if (endpoint == null) {
					endpoint = next.containsKey(key) ? next.get(key) : newEndpoint(key, member);
				}
				else {
					endpoint.payload(member);
				}
				next.put(key, endpoint);
			}
			for (Endpoint<T> gone : byKey.values()) {
				markRemoved(gone);
			}
			this.endpoints = next.values().toArray(new Endpoint[0]);
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
				return false;
			}
			Endpoint<T>[] current = this.endpoints;
			Endpoint<T>[] next = Arrays.copyOf(current, current.length + 1);
			next[current.length] = newEndpoint(key, member);
			this.endpoints = next;
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
					this.endpoints = next.toArray(new Endpoint[0]);
					return true;
				}
			}
			return false;
		}
	}

	private Endpoint<T> newEndpoint(String key, T member) {
		boolean isDrained = this.drained.contains(key);
		if (isDrained) {
			this.notUp.incrementAndGet();
		}
		return new Endpoint<>(this, key, member, isDrained ? Endpoint.DRAINED : Endpoint.UP);
	}

	private void markRemoved(Endpoint<T> endpoint) {
		int previous = transitionFromAny(endpoint, Endpoint.REMOVED, 0);
		if (previous != Endpoint.UP && previous != Endpoint.REMOVED) {
			this.notUp.decrementAndGet();
		}
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
		int previous = transitionFromAny(endpoint, Endpoint.DRAINED, 0);
		if (previous == Endpoint.UP) {
			this.notUp.incrementAndGet();
		}
		return true;
	}

	/**
	 * Bring a drained endpoint back, with a clean failure streak.
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
			this.notUp.decrementAndGet();
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
					this.ejected.decrementAndGet();
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
		return pick(Lease::new, null, true);
	}

	/**
	 * Pick an endpoint.
	 * @param <L> the type of lease
	 * @param factory creates the lease
	 * @param avoid an endpoint to pick only if nothing else is eligible (the previous attempt of a retry), or
	 * {@code null}
	 * @param tracked whether the lease takes an in-flight slot and may be a probe; an untracked lease (for callers
	 * that never report back) only records outcomes if told any
	 * @return the lease, or {@code null} if no endpoint is eligible
	 */
	public <L extends Lease<T>> @Nullable L pick(LeaseFactory<T, L> factory, @Nullable Endpoint<T> avoid,
			boolean tracked) {
		Endpoint<T>[] current = this.endpoints;
		int n = current.length;
		if (n == 0) {
			return null;
		}
		if (tracked && this.ejected.get() > 0) {
			L probe = tryProbe(factory, current, avoid);
			if (probe != null) {
				return probe;
			}
		}
		Endpoint<T> chosen = (this.policy == PickPolicy.P2C) ? powerOfTwo(current, avoid) : roundRobin(current, avoid);
		if (chosen == null && avoid != null) {
			chosen = (this.policy == PickPolicy.P2C) ? powerOfTwo(current, null) : roundRobin(current, null);
		}
		if (chosen == null) {
			return null;
		}
		if (tracked) {
			chosen.acquire();
		}
		return factory.create(chosen, 0, tracked);
	}

	private @Nullable Endpoint<T> powerOfTwo(Endpoint<T>[] current, @Nullable Endpoint<T> avoid) {
		int n = current.length;
		if (avoid == null && this.notUp.get() == 0) {
			if (n == 1) {
				Endpoint<T> only = current[0];
				if (only.isUp()) {
					return only;
				}
			}
			else {
				// One 64-bit draw gives both indices, each scaled by multiplication rather than division (Lemire).
				long bits = ThreadLocalRandom.current().nextLong();
				int i = (int) (((bits >>> 32) * n) >>> 32);
				int j = (int) (((bits & 0xFFFFFFFFL) * (n - 1)) >>> 32);
				if (j >= i) {
					j++;
				}
				Endpoint<T> a = current[i];
				Endpoint<T> b = current[j];
				if (a.isUp() && b.isUp()) {
					return (b.inFlight() < a.inFlight()) ? b : a;
				}
			}
		}
		// Slow path: reservoir-sample two distinct eligible endpoints in one pass.
		Endpoint<T> first = null;
		Endpoint<T> second = null;
		int seen = 0;
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (Endpoint<T> endpoint : current) {
			if (endpoint == avoid || !endpoint.isUp()) {
				continue;
			}
			seen++;
			if (seen == 1) {
				first = endpoint;
			}
			else if (seen == 2) {
				second = endpoint;
			}
			else {
				int slot = random.nextInt(seen);
				if (slot == 0) {
					first = endpoint;
				}
				else if (slot == 1) {
					second = endpoint;
				}
			}
		}
		if (second == null) {
			return first;
		}
		int a = first.inFlight();
		int b = second.inFlight();
		if (a == b) {
			// The reservoir keeps array order; break ties at random so that the earlier endpoint is not favoured.
			return random.nextBoolean() ? first : second;
		}
		return (b < a) ? second : first;
	}

	private @Nullable Endpoint<T> roundRobin(Endpoint<T>[] current, @Nullable Endpoint<T> avoid) {
		int n = current.length;
		int start = (this.cursor.getAndIncrement() & Integer.MAX_VALUE) % n;
		for (int k = 0; k < n; k++) {
			Endpoint<T> endpoint = current[(start + k) % n];
			if (endpoint != avoid && endpoint.isUp()) {
				return endpoint;
			}
		}
		return null;
	}

	private <L extends Lease<T>> @Nullable L tryProbe(LeaseFactory<T, L> factory, Endpoint<T>[] current,
			@Nullable Endpoint<T> avoid) {
		long seenNext = this.nextProbeAt.get();
		long now = now();
		if (now < seenNext) {
			return null;
		}
		long earliest = Long.MAX_VALUE;
		for (Endpoint<T> endpoint : current) {
			long word = endpoint.status();
			int state = Endpoint.stateOf(word);
			if (state != Endpoint.EJECTED && state != Endpoint.PROBING) {
				continue;
			}
			long deadline = Endpoint.deadlineOf(word);
			if (now >= deadline && endpoint != avoid) {
				// EJECTED and expired, or PROBING with a lapsed probe: one CAS wins the lease.
				long token = Endpoint.pack(Endpoint.PROBING, now + this.outlier.ejectionTime().toNanos());
				if (endpoint.casStatus(word, token)) {
					lowerNextProbeAt(Endpoint.deadlineOf(token));
					endpoint.acquire();
					return factory.create(endpoint, token, true);
				}
			}
			else {
				earliest = Math.min(earliest, deadline);
			}
		}
		// Nothing to probe now: remember the earliest deadline, unless someone lowered it meanwhile.
		this.nextProbeAt.compareAndSet(seenNext, earliest);
		return null;
	}

	private void lowerNextProbeAt(long deadline) {
		this.nextProbeAt.accumulateAndGet(deadline, Math::min);
	}

	// --- outcomes, called by Lease ---

	void onSuccess(Endpoint<T> endpoint, long probeToken) {
		if (probeToken == 0) {
			endpoint.resetFailures();
			return;
		}
		if (endpoint.casStatus(probeToken, Endpoint.pack(Endpoint.UP, 0))) {
			endpoint.resetFailures();
			endpoint.reinstatedAt(now());
			this.ejected.decrementAndGet();
			this.notUp.decrementAndGet();
			this.listener.onProbe(this, endpoint, true);
		}
	}

	void onFailure(Endpoint<T> endpoint, long probeToken) {
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
				lowerNextProbeAt(deadline);
				this.listener.onProbe(this, endpoint, false);
				this.listener.onEjection(this, endpoint);
			}
			return;
		}
		if (streak >= this.outlier.consecutiveFailures()) {
			tryEject(endpoint);
		}
	}

	void onRelease(Endpoint<T> endpoint, long probeToken) {
		if (probeToken != 0) {
			// A cancelled probe proved nothing: the ejection stays, already expired, and the next pick probes.
			long now = now();
			if (endpoint.casStatus(probeToken, Endpoint.pack(Endpoint.EJECTED, now))) {
				lowerNextProbeAt(now);
			}
		}
	}

	private void tryEject(Endpoint<T> endpoint) {
		long word = endpoint.status();
		if (Endpoint.stateOf(word) != Endpoint.UP || !reserveEjection()) {
			return;
		}
		long now = now();
		int multiplier = decayedMultiplier(endpoint, now) + 1;
		long deadline = now + this.outlier.ejectionNanos(multiplier);
		if (endpoint.casStatus(word, Endpoint.pack(Endpoint.EJECTED, deadline))) {
			endpoint.multiplier(multiplier);
			endpoint.countEjection();
			this.notUp.incrementAndGet();
			lowerNextProbeAt(deadline);
			this.listener.onEjection(this, endpoint);
		}
		else {
			this.ejected.decrementAndGet();
		}
	}

	private boolean reserveEjection() {
		int budget = this.outlier.ejectionBudget(this.endpoints.length);
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

	private int decayedMultiplier(Endpoint<T> endpoint, long now) {
		int multiplier = endpoint.multiplier();
		if (multiplier == 0) {
			return 0;
		}
		long healthyIntervals = (now - endpoint.reinstatedAt()) / this.outlier.ejectionTime().toNanos();
		return (int) Math.max(0, multiplier - healthyIntervals);
	}

	/**
	 * Return the time in ticks since this pool's epoch.
	 */
	long now() {
		return this.ticker.read() - this.epoch;
	}

	@Override
	public String toString() {
		return "EndpointPool[" + this.serviceId + ", " + this.policy + ", " + Arrays.toString(this.endpoints) + "]";
	}

}
