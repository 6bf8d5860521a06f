package dev.livery.loadbalancer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;

/**
 * A peak-sensitive, time-weighted moving average of one endpoint's response time, the estimate behind the
 * {@code peak-ewma} policy: a sample above the estimate replaces it at once, a sample below it is blended in with
 * the weight of the time since the previous sample, and between samples the estimate decays toward zero.
 *
 * <p>Time is passed in by the caller as ticks of a {@link Ticker} (nanoseconds on any fixed origin), so the
 * estimator reads no clock of its own. Three kinds of sample:
 * <ul>
 * <li>a <b>success</b> after {@code t}: a sample of {@code t};</li>
 * <li>a <b>failure</b> after {@code t}: a sample of {@code max(t, failurePenalty)}, so that an endpoint that fails
 * fast does not look fast;</li>
 * <li>a <b>cancel</b> after {@code t} (the caller gave up): a <em>censored</em> sample — the call would have taken
 * at least {@code t} — which raises the estimate to {@code t} if it is below, and otherwise leaves it alone (a lower
 * bound under the estimate says nothing against it).</li>
 * </ul>
 *
 * <p><b>No sample yet.</b> An estimator starts without an estimate ({@link #hasSample()} is {@code false}) and the
 * policy treats such an endpoint as exactly as fast as the endpoint it is compared with, so that pair is decided on
 * requests in flight, as P2C does; the first sample then replaces the assumption outright. Any fixed number would
 * be wrong in one direction or the other: above the pool's real latency, a new endpoint is shunned until the number
 * decays (about {@code decay × ln(default ÷ real)}, 34 s for 30 ms against 1 ms backends); below it, a new endpoint
 * draws every pick it is offered until its in-flight count makes up the difference (a 1 ms default among 300 ms
 * backends lets it take some 300 requests before the first answers).
 *
 * @since 0.2.0
 */
public final class PeakEwma {

	/*
	 * Implementation note.
	 *
	 * The estimate E(t) at time t, s the time of the last sample and e the estimate then, is e * exp(-(t - s) / tau):
	 * it decays toward zero between samples (Finagle's and Linkerd's PeakEwma do the same), so that an endpoint
	 * that is never picked because its estimate is high is eventually tried again. A sample r at t with weight
	 * w = exp(-(t - s) / tau) sets E = r if r > E(t) (the peak), else E = E(t) + r * (1 - w) = e * w + r * (1 - w),
	 * the classic time-weighted EWMA: a steady stream of samples r moves the estimate toward r with time constant
	 * tau, whatever their rate.
	 *
	 * The state is kept as rank = ln(e) + s / tau, a single double, because then the cost E(t) * (inFlight + 1) of
	 * two endpoints compares without knowing t: the decay factor exp(-t / tau) is common to both and drops out, and
	 * comparing ln E(t) + ln(n + 1) is comparing rank + ln(n + 1). So a pick reads one volatile double per endpoint
	 * and no clock, yet compares the estimates as decayed to the same instant, exactly. E(t) = exp(rank - t / tau)
	 * whenever a number is wanted. NaN means no sample yet.
	 *
	 * Concurrency: a sample is a compare-and-set loop on rank, recomputed from the value it replaces, so no sample
	 * is lost (a lost peak would be a missed warning) and every reader sees a rank some sample really produced.
	 * The time of the last sample, needed only for the weight w, sits in a second field written after the CAS, with
	 * no attempt to make the pair atomic: a completion racing another may read the older time and weigh its sample
	 * by the gap to the sample before (microseconds more against a time constant of seconds), and of two racing
	 * writes of the time the older may win, with the same effect on the next sample. Both only nudge a weight,
	 * never the peak rule nor the rank a pick reads. Neither field is written when nothing changes (a censored
	 * sample under the estimate), so idle reads stay cheap. Nothing allocates.
	 */

	/** Shortest sample taken as it is; below it, ln() would run off toward minus infinity. */
	static final long MIN_SAMPLE_NANOS = 1_000;

	private static final int LOG_TABLE_SIZE = 256;

	/** ln(n) for n in [1, LOG_TABLE_SIZE]; index n - 1. */
	private static final double[] LOG = new double[LOG_TABLE_SIZE];

	private static final VarHandle RANK;

	static {
		for (int n = 1; n <= LOG_TABLE_SIZE; n++) {
			LOG[n - 1] = Math.log(n);
		}
		try {
			RANK = MethodHandles.lookup().findVarHandle(PeakEwma.class, "rank", double.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final double tau;

	private final long failurePenaltyNanos;

	/** ln(estimate at the last sample) + (time of the last sample) / tau; NaN before the first sample. */
	private volatile double rank = Double.NaN;

	/** Ticks of the last sample; only sets the weight of the next one. */
	private volatile long stamp;

	/**
	 * Create an estimator with no sample.
	 * @param decay time constant of the decay (at least 1 ms)
	 * @param failurePenalty least sample a failure counts as (zero or more)
	 */
	public PeakEwma(Duration decay, Duration failurePenalty) {
		Objects.requireNonNull(decay, "decay");
		Objects.requireNonNull(failurePenalty, "failurePenalty");
		if (decay.compareTo(Duration.ofMillis(1)) < 0) {
			throw new IllegalArgumentException("decay must be at least 1ms but was " + decay);
		}
		if (failurePenalty.isNegative()) {
			throw new IllegalArgumentException("failurePenalty must not be negative but was " + failurePenalty);
		}
		this.tau = decay.toNanos();
		this.failurePenaltyNanos = failurePenalty.toNanos();
	}

	/**
	 * Record a success: a sample of the time from {@code start} to {@code now}.
	 * @param start ticks when the request started
	 * @param now ticks now
	 */
	public void recordSuccess(long start, long now) {
		observe(now - start, now, false);
	}

	/**
	 * Record a failure: a sample of the time from {@code start} to {@code now}, or of the failure penalty if that is
	 * longer.
	 * @param start ticks when the request started
	 * @param now ticks now
	 */
	public void recordFailure(long start, long now) {
		observe(Math.max(now - start, this.failurePenaltyNanos), now, false);
	}

	/**
	 * Record a cancel: the request would have taken at least the time from {@code start} to {@code now}.
	 * @param start ticks when the request started
	 * @param now ticks now
	 */
	public void recordCancel(long start, long now) {
		observe(now - start, now, true);
	}

	/**
	 * Return whether any sample has been recorded.
	 * @return whether there is an estimate
	 */
	public boolean hasSample() {
		return !Double.isNaN(this.rank);
	}

	/**
	 * Return the estimate as of {@code now}, decayed since the last sample.
	 * @param now ticks now
	 * @return the estimate in nanoseconds, or {@code -1} with no sample yet
	 */
	public double estimateNanos(long now) {
		double current = this.rank;
		return Double.isNaN(current) ? -1 : Math.exp(current - now / this.tau);
	}

	/**
	 * Return a number that orders endpoints by cost, estimate × (in flight + 1), as of any instant common to the
	 * endpoints compared: the lower, the cheaper. Reads no clock.
	 * @param inFlight requests in flight on the endpoint
	 * @return the rank, or NaN with no sample yet
	 */
	public double rank(int inFlight) {
		return this.rank + log1p(inFlight);
	}

	/**
	 * Return the time constant of the decay.
	 * @return the decay
	 */
	public Duration decay() {
		return Duration.ofNanos((long) this.tau);
	}

	/**
	 * Return the least sample a failure counts as.
	 * @return the failure penalty
	 */
	public Duration failurePenalty() {
		return Duration.ofNanos(this.failurePenaltyNanos);
	}

	private void observe(long elapsed, long now, boolean censored) {
		double sample = Math.max(elapsed, MIN_SAMPLE_NANOS);
		double scaledNow = now / this.tau;
		while (true) {
			double current = this.rank;
			long last = this.stamp;
			double next;
			if (Double.isNaN(current)) {
				next = Math.log(sample) + scaledNow;
			}
			else {
				double decayed = Math.exp(current - scaledNow);
				if (sample > decayed) {
					next = Math.log(sample) + scaledNow;
				}
				else if (censored) {
					return;
				}
				else {
					double weight = Math.exp(-Math.max(0, now - last) / this.tau);
					next = Math.log(decayed + sample * (1 - weight)) + scaledNow;
				}
			}
			if (RANK.compareAndSet(this, current, next)) {
				if (now > last) {
					this.stamp = now;
				}
				return;
			}
		}
	}

	/**
	 * Return ln(n + 1), from a table for the in-flight counts that occur in practice.
	 */
	private static double log1p(int n) {
		return (n >= 0 && n < LOG_TABLE_SIZE) ? LOG[n] : Math.log(Math.max(n, 0) + 1.0);
	}

	@Override
	public String toString() {
		double current = this.rank;
		return Double.isNaN(current) ? "PeakEwma[no sample]" : "PeakEwma[rank=" + current + "]";
	}

}
