package dev.livery.loadbalancer;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Power of two choices on cost: two distinct eligible endpoints drawn at random, the one with the lower
 * {@linkplain PeakEwma peak-sensitive moving average of response time} × (requests in flight + 1) ÷ effective weight
 * wins
 * (Finagle's and Linkerd's peak EWMA). A slow, hung or fast-failing endpoint grows expensive at its first telling
 * answer, failure or cancel and stops drawing traffic, where plain P2C on requests in flight keeps sending it a share.
 *
 * <p>Given the time ({@link #choose(Endpoint[], Endpoint, String, long)}, as the pool calls it), the estimate of an
 * endpoint with requests in flight is also raised to at least its <em>silence</em>: the time since its last sign of
 * progress (a lease ended, or a lease found nothing in flight), which its oldest request in flight has at least
 * waited. So an endpoint that stops answering grows expensive as its requests wait, before any of them ends.
 *
 * @since 0.2.0
 * @see PickPolicyType#PEAK_EWMA
 */
public final class PeakEwmaPolicy implements PickPolicy {

	/*
	 * Implementation note.
	 *
	 * Each member carries its estimator (Endpoint.latency), attached in membersChanged, which the pool calls under
	 * its membership lock before it publishes the new members, so every endpoint a pick can see has one. An
	 * endpoint that leaves and comes back is a new Endpoint, hence starts with no sample; the pool forgets the
	 * estimate of a drained endpoint when it is restored. Ejection needs nothing here: an ejected endpoint is not
	 * eligible, and its probe's outcome is a sample like any other.
	 *
	 * choose() reads no clock. Without the time, PeakEwma.compare orders two costs as decayed to any common instant,
	 * and the decay between then and now is a factor common to both, so comparing them is exact without knowing now.
	 * With the time (the pool's clock for this pick, read once before choosing and used as the lease's start), an
	 * endpoint with requests in flight has a silence, now - Endpoint.lastProgress, a lower bound of the age of its
	 * oldest request in flight (LeaseTiming says why, and in what order in flight and lastProgress are written and
	 * read: in flight first here); each estimate, decayed to now, is raised to at least its silence, as a cancel
	 * would raise it. A lastProgress newer than the in-flight count read before it, or a mark later than now, only
	 * shrinks a silence (a negative one counts as none). An endpoint without a sample is taken to be as fast as the
	 * one it is compared with (before its silence is applied), so such a pair without silence, like a tie, is decided
	 * on load alone and then at random; two without a sample are decided on load alone. The draw of two distinct
	 * eligible endpoints is TwoChoices' (shared with P2cPolicy).
	 *
	 * The pool reads its clock when it picks (before choose) and when the lease ends (needsLatency), and completed()
	 * files the sample: a success as itself, a failure as at least the failure penalty, a cancel as a lower bound.
	 */

	private final LatencySettings settings;

	/**
	 * Create a policy for one pool.
	 * @param settings decay and failure penalty of the estimates
	 */
	public PeakEwmaPolicy(LatencySettings settings) {
		this.settings = Objects.requireNonNull(settings, "settings");
	}

	/**
	 * Return the settings of the estimates.
	 * @return the latency settings
	 */
	public LatencySettings settings() {
		return this.settings;
	}

	/**
	 * Choose by the estimates alone, without the time (no silence).
	 */
	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid,
			@Nullable String key) {
		return TwoChoices.choose(members, avoid, BY_COST, false, 0);
	}

	/**
	 * Choose by the estimates, each raised to at least its endpoint's silence as of {@code now}.
	 */
	@Override
	public <T> @Nullable Endpoint<T> choose(Endpoint<T>[] members, @Nullable Endpoint<T> avoid, @Nullable String key,
			long now) {
		return TwoChoices.choose(members, avoid, BY_COST, true, now);
	}

	/** The lower cost wins (see cheaper). */
	private static final TwoChoices.Judge BY_COST = new TwoChoices.Judge() {

		@Override
		public <T> Endpoint<T> better(Endpoint<T> a, Endpoint<T> b, boolean tieToA, boolean timed, long now) {
			return cheaper(a, b, tieToA, timed, now);
		}

	};

	private static <T> Endpoint<T> cheaper(Endpoint<T> a, Endpoint<T> b, boolean tieToA, boolean timed, long now) {
		// In flight before lastProgress (silence): see the implementation note.
		int inFlightA = a.inFlight();
		int inFlightB = b.inFlight();
		double loadA = (inFlightA + 1) / a.effectiveWeight();
		double loadB = (inFlightB + 1) / b.effectiveWeight();
		PeakEwma latencyA = a.latency();
		PeakEwma latencyB = b.latency();
		int order = 0;
		if (latencyA != null && latencyB != null) {
			order = timed
					? PeakEwma.compare(latencyA, loadA, silence(a, inFlightA, now), latencyB, loadB,
							silence(b, inFlightB, now), now)
					: PeakEwma.compare(latencyA, loadA, latencyB, loadB);
		}
		if (order == 0) {
			order = Double.compare(loadA, loadB);
		}
		if (order == 0) {
			return tieToA ? a : b;
		}
		return (order < 0) ? a : b;
	}

	/**
	 * Return how long the endpoint has shown no progress, a lower bound of the age of its oldest request in flight;
	 * 0 with nothing in flight.
	 */
	private static long silence(Endpoint<?> endpoint, int inFlight, long now) {
		return (inFlight > 0) ? now - endpoint.lastProgress() : 0;
	}

	/**
	 * Give every new member an estimator with no sample.
	 */
	@Override
	public void membersChanged(Endpoint<?>[] members) {
		for (Endpoint<?> member : members) {
			if (member.latency() == null) {
				member.latency(new PeakEwma(this.settings));
			}
		}
	}

	/**
	 * Return {@code true}: the estimates learn from every lease's time.
	 */
	@Override
	public boolean needsLatency() {
		return true;
	}

	@Override
	public void completed(Endpoint<?> endpoint, Outcome outcome, long start, long end) {
		PeakEwma latency = endpoint.latency();
		if (latency == null) {
			return;
		}
		switch (outcome) {
			case SUCCESS -> latency.recordSuccess(start, end);
			case FAILURE -> latency.recordFailure(start, end);
			case CANCEL -> latency.recordCancel(start, end);
		}
	}

	@Override
	public String toString() {
		return PickPolicyType.PEAK_EWMA.id();
	}

}
