package dev.livery.loadbalancer;

import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * The health side of an {@link EndpointPool}: where health sources (active checks, the serving watch; see
 * {@code dev.livery.loadbalancer.health}) report what they learn of its endpoints, the pool's panic mode, and the
 * slow-start ramp of endpoints that join or come back. The pool never knows how health was learned.
 *
 * @param <T> the type of what endpoints stand for
 * @since 0.2.0
 */
public final class EndpointPoolHealth<T> {

	/*
	 * Implementation note.
	 *
	 * Health: a report replaces the reporting source's bits on the endpoint (Endpoint.updateHealth, a CAS loop), and
	 * only a report that changes whether the endpoint is unhealthy has consequences: a ramp when it becomes healthy
	 * while UP, a probe made due when a source stops saying unhealthy (an expired ejection its health kept from its
	 * probe), and a reassessment of panic.
	 *
	 * Panic, Envoy's panic threshold: after every change that can change how many endpoints are eligible - health,
	 * ejection, reinstatement, drain, restore, membership - count, over the endpoints that are not drained, those
	 * that are UP and healthy by every source. Below panic-threshold percent the unhealthy mask becomes the serving
	 * watch's bit alone, so active checks are ignored while drains, ejections and an explicit NOT_SERVING still
	 * count. The count is taken again after the mask is published, until two agree, so that racing reassessments
	 * leave a mask that matches the members. Rare events only; never on a pick.
	 *
	 * Slow start: an endpoint that joins while another is eligible, or becomes eligible again (reinstated, restored,
	 * healthy again), gets min-weight-percent at once and a start time; refreshRampUp(), called by a timer (see
	 * dev.livery.loadbalancer.health.PoolHealthSources), raises the factor along Envoy's curve until the window ends.
	 * Picks read the factor through Endpoint.effectiveWeight(), never a clock. A ramp that restarts while a refresh
	 * moves it may keep a stale factor until the next refresh.
	 */

	private final EndpointPool<T> pool;

	private final int panicThreshold;

	private final SlowStart slowStart;

	/** Health bits that make an endpoint ineligible: every source's, or in panic the serving watch's only. */
	private volatile int unhealthyMask = Endpoint.BAD;

	private final AtomicBoolean panic = new AtomicBoolean();

	EndpointPoolHealth(EndpointPool<T> pool, int panicThreshold, SlowStart slowStart) {
		this.pool = pool;
		this.panicThreshold = panicThreshold;
		this.slowStart = slowStart;
	}

	/**
	 * Report an endpoint's active-check score; the latest report wins.
	 * @param endpoint a member of the pool
	 * @param score the score
	 * @param healthy whether the score counts as healthy
	 */
	public void reportHealthScore(Endpoint<T> endpoint, int score, boolean healthy) {
		checkMember(endpoint);
		endpoint.healthScore(score);
		report(endpoint, Endpoint.CHECK_ON | Endpoint.CHECK_BAD,
				healthy ? Endpoint.CHECK_ON : Endpoint.CHECK_ON | Endpoint.CHECK_BAD);
	}

	/**
	 * Report that an active health check of an endpoint finished, for metrics.
	 * @param endpoint a member of the pool
	 * @param success whether it was answered with a 2xx
	 */
	public void reportHealthCheck(Endpoint<T> endpoint, boolean success) {
		checkMember(endpoint);
		this.pool.listener().onHealthCheck(this.pool, endpoint, success);
	}

	/**
	 * Report what an endpoint's serving watch said.
	 * @param endpoint a member of the pool
	 * @param status the status name received, or {@code null} if none (nothing said yet, or the endpoint does not
	 * speak the protocol)
	 * @param healthy whether the endpoint may be sent traffic
	 */
	public void reportServingStatus(Endpoint<T> endpoint, @Nullable String status, boolean healthy) {
		checkMember(endpoint);
		endpoint.servingStatus(status);
		report(endpoint, Endpoint.WATCH_ON | Endpoint.WATCH_BAD,
				healthy ? Endpoint.WATCH_ON : Endpoint.WATCH_ON | Endpoint.WATCH_BAD);
	}

	/**
	 * Forget what every health source said of an endpoint, as when they stop: it is
	 * {@link EndpointHealth#UNCHECKED} again.
	 * @param endpoint a member of the pool
	 */
	public void clear(Endpoint<T> endpoint) {
		checkMember(endpoint);
		endpoint.clearHealthScore();
		endpoint.servingStatus(null);
		report(endpoint, -1, 0);
	}

	/**
	 * Report that a request to an endpoint failed to connect; health sources that count such failures are told
	 * through {@link PoolListener#onConnectFailure}.
	 * @param endpoint a member of the pool
	 */
	public void reportConnectFailure(Endpoint<T> endpoint) {
		checkMember(endpoint);
		this.pool.listener().onConnectFailure(this.pool, endpoint);
	}

	/**
	 * Return whether the pool is in panic: fewer than its panic threshold of the endpoints that are not drained are
	 * eligible, so what active health checks say is ignored.
	 * @return whether in panic
	 */
	public boolean isPanic() {
		return this.panic.get();
	}

	/**
	 * Return whether slow start is on for this pool.
	 * @return whether endpoints ramp up
	 */
	public boolean isSlowStartEnabled() {
		return this.slowStart.enabled();
	}

	/**
	 * Move the slow-start ramp of every ramping endpoint to where it should be now; a timer calls this while slow
	 * start is on, for example every twentieth of the window.
	 * @return whether some endpoint is still ramping
	 */
	public boolean refreshRampUp() {
		if (!this.slowStart.enabled()) {
			return false;
		}
		long now = this.pool.now();
		boolean ramping = false;
		for (Endpoint<T> endpoint : this.pool.members()) {
			long startedAt = endpoint.rampStartedAt();
			if (startedAt == Endpoint.NOT_RAMPING) {
				continue;
			}
			double factor = this.slowStart.factor(now - startedAt);
			endpoint.ramp(startedAt, factor);
			ramping |= (factor < 1.0);
		}
		return ramping;
	}

	// --- called by the pool ---

	int unhealthyMask() {
		return this.unhealthyMask;
	}

	void startRamp(Endpoint<T> endpoint) {
		if (this.slowStart.enabled()) {
			endpoint.startRamp(this.pool.now(), this.slowStart.factor(0));
		}
	}

	void reassessPanic() {
		if (this.panicThreshold == 0) {
			return;
		}
		boolean panic = inPanic();
		while (true) {
			this.unhealthyMask = panic ? Endpoint.WATCH_BAD : Endpoint.BAD;
			if (this.panic.getAndSet(panic) != panic) {
				// Endpoints that active checks kept from their probe may be probed now.
				this.pool.probeDue();
				this.pool.listener().onPanic(this.pool, panic);
			}
			boolean again = inPanic();
			if (again == panic) {
				return;
			}
			panic = again;
		}
	}

	static boolean anyEligible(Endpoint<?>[] endpoints) {
		for (Endpoint<?> endpoint : endpoints) {
			if (endpoint.isEligible()) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether fewer than panic-threshold percent of the endpoints that are not drained are UP and healthy. The
	 * leased probe's endpoint does not count: it is on trial, and counting it would flip panic with every probe.
	 */
	private boolean inPanic() {
		int serving = 0;
		int eligible = 0;
		for (Endpoint<T> endpoint : this.pool.members()) {
			int state = Endpoint.stateOf(endpoint.status());
			if (state == Endpoint.DRAINED || state == Endpoint.REMOVED) {
				continue;
			}
			serving++;
			if (state == Endpoint.UP && (endpoint.healthBits() & Endpoint.BAD) == 0) {
				eligible++;
			}
		}
		return serving > 0 && eligible * 100L < (long) this.panicThreshold * serving;
	}

	private void report(Endpoint<T> endpoint, int mask, int bits) {
		int before = endpoint.updateHealth(mask, bits);
		int badBefore = before & Endpoint.BAD;
		int badAfter = ((before & ~mask) | bits) & Endpoint.BAD;
		if (badBefore == badAfter) {
			return;
		}
		if ((badBefore == 0) != (badAfter == 0)) {
			this.pool.listener().onHealthChanged(this.pool, endpoint);
		}
		if (badAfter == 0 && Endpoint.stateOf(endpoint.status()) == Endpoint.UP) {
			startRamp(endpoint);
		}
		if ((badAfter & ~badBefore) == 0) {
			// A source stopped saying unhealthy: an expired ejection it kept from its probe is due now.
			this.pool.probeDue();
		}
		reassessPanic();
	}

	private void checkMember(Endpoint<T> endpoint) {
		if (endpoint.pool() != this.pool) {
			throw new IllegalArgumentException(endpoint.key() + " is not an endpoint of " + this.pool.serviceId());
		}
	}

}
