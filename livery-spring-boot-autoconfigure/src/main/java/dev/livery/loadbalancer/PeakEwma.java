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
 * <p><b>No sample yet.</b> An estimator starts without an estimate ({@link #hasSample()} is {@code false}), and
 * {@link #compare} calls such an endpoint exactly as fast as the one it is compared with, so that pair is decided on
 * requests in flight alone, as P2C decides it; the first sample then replaces the assumption outright. The default
 * is thus the estimate of the endpoint next to it: never zero, never infinite, always of the pool's own order. A
 * fixed number would be wrong one way or the other: above the pool's real latency, a new endpoint would be shunned
 * until the number decayed (about {@code decay × ln(default ÷ real)}: 34 s for 30 ms among 1 ms backends); below
 * it, a new endpoint would draw every pick it is offered until its requests in flight made up the difference (some
 * 300 requests for 1 ms among 300 ms backends) before its first answer could say how fast it is.
 *
 * @since 0.2.0
 */
public final class PeakEwma {

	/*
	 * Implementation note.
	 *
	 * The estimate E(t) at time t, where s is the time of the last sample and e the estimate then, is
	 * e * exp(-(t - s) / tau): it decays toward zero between samples, as Finagle's and Linkerd's PeakEwma do, so that
	 * an endpoint no pick chooses because its estimate is high is eventually tried again. A sample r at t, with
	 * weight w = exp(-(t - s) / tau), sets E = r if r > E(t) (the peak), else E = E(t) + r * (1 - w) =
	 * e * w + r * (1 - w), the time-weighted EWMA: a steady stream of samples r moves the estimate toward r with time
	 * constant tau, whatever their rate.
	 *
	 * State: one long, the estimate e as a float in the high 32 bits and s in the low 32 bits, in units of 2^20 ns
	 * (1.05 ms). One word means one compare-and-set updates both, and every reader sees a pair some sample really
	 * wrote: with two fields, a reader could pair a fresh estimate with an old time and see it decayed by the whole
	 * gap (a peak lost to a race). The float holds 24 bits of mantissa, plenty for a cost. The time wraps after
	 * 2^32 units (52 days); differences are taken modulo 2^32, so they are right for gaps under 26 days; a gap of
	 * several time constants is saturated long before. Quantising s to a millisecond loses nothing over time: gaps
	 * telescope, so the weights of a run of samples add up to what exact times would give (the first sample in each
	 * new unit carries the gap since the previous one).
	 *
	 * A sample is a CAS loop, recomputed from the word it replaces: no sample is lost (a lost peak would be a missed
	 * warning), and a sample under the estimate of a cancel writes nothing. compare() reads one word per endpoint
	 * and no clock: at any common instant t the costs compare as e_a * exp((s_a - s_b) / tau) * load_a against
	 * e_b * load_b, the decay since each endpoint's last sample being the only thing that differs. The compare with
	 * silences (lower bounds of the latency known now, from requests still in flight) needs now: max(E(now),
	 * silence) is not a common factor away from anything, so with a positive silence both estimates are decayed to
	 * now. exp is a polynomial for the small arguments of busy endpoints (gaps of milliseconds against seconds) and
	 * Math.exp otherwise. Nothing allocates.
	 */

	/** Shortest sample taken as it is: no network answers faster, and a zero would ignore requests in flight. */
	static final long MIN_SAMPLE_NANOS = 1_000;

	/** log2 of the unit of the stored time, in nanoseconds. */
	static final int TIME_SHIFT = 20;

	private static final long NO_SAMPLE = ((long) Float.floatToRawIntBits(Float.NaN)) << 32;

	private static final VarHandle WORD;

	static {
		try {
			WORD = MethodHandles.lookup().findVarHandle(PeakEwma.class, "word", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** Time units per time constant. */
	private final double tau;

	/** 1 / tau: a multiplication on the busy paths rather than a division. */
	private final double rate;

	private final long failurePenaltyNanos;

	/** Estimate (float bits) << 32 | time of the last sample (units of 2^20 ns, modulo 2^32). */
	private volatile long word = NO_SAMPLE;

	/**
	 * Create an estimator with no sample.
	 * @param settings decay and failure penalty
	 */
	public PeakEwma(LatencySettings settings) {
		Objects.requireNonNull(settings, "settings");
		this.tau = (double) settings.decay().toNanos() / (1L << TIME_SHIFT);
		this.rate = 1 / this.tau;
		this.failurePenaltyNanos = settings.failurePenalty().toNanos();
	}

	/**
	 * Create an estimator with no sample.
	 * @param decay time constant of the decay (at least 100 ms, for the time is kept to a millisecond)
	 * @param failurePenalty least sample a failure counts as (zero or more)
	 */
	public PeakEwma(Duration decay, Duration failurePenalty) {
		this(new LatencySettings(decay, failurePenalty));
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
	 * Forget every sample, as if the endpoint were new.
	 */
	public void forget() {
		this.word = NO_SAMPLE;
	}

	/**
	 * Return whether any sample has been recorded since creation or {@link #forget()}.
	 * @return whether there is an estimate
	 */
	public boolean hasSample() {
		return !Float.isNaN(estimateOf(this.word));
	}

	/**
	 * Return the estimate as of {@code now}, decayed since the last sample.
	 * @param now ticks now
	 * @return the estimate in nanoseconds, or {@code -1} with no sample yet
	 */
	public double estimateNanos(long now) {
		double estimate = decayed(this.word, now);
		return Double.isNaN(estimate) ? -1 : estimate;
	}

	/**
	 * Return the time constant of the decay.
	 * @return the decay
	 */
	public Duration decay() {
		return Duration.ofNanos(Math.round(this.tau * (1L << TIME_SHIFT)));
	}

	/**
	 * Return the least sample a failure counts as.
	 * @return the failure penalty
	 */
	public Duration failurePenalty() {
		return Duration.ofNanos(this.failurePenaltyNanos);
	}

	/**
	 * Compare the costs, estimate × load, of two endpoints as of any instant common to both. Reads no clock.
	 * @param a the first endpoint's estimator
	 * @param loadA the first endpoint's load, (requests in flight + 1) ÷ weight
	 * @param b the second endpoint's estimator, with the same decay
	 * @param loadB the second endpoint's load
	 * @return negative if {@code a} costs less, positive if {@code b} does, zero on a tie or if either has no sample
	 * (then the loads alone decide)
	 */
	public static int compare(PeakEwma a, double loadA, PeakEwma b, double loadB) {
		long wordA = a.word;
		long wordB = b.word;
		float estimateA = estimateOf(wordA);
		float estimateB = estimateOf(wordB);
		if (Float.isNaN(estimateA) || Float.isNaN(estimateB)) {
			return 0;
		}
		// Both decay by the same factor from the later of the two samples on; only the gap between them differs.
		double ratio = exp((int) (wordA - wordB) * a.rate);
		return Double.compare(estimateA * ratio * loadA, estimateB * loadB);
	}

	/**
	 * Compare the costs, max(estimate, silence) × load, of two endpoints as of {@code now}, where each silence is a
	 * lower bound of its endpoint's latency known apart from its samples (the age its oldest request in flight has
	 * at least reached), taken as a censored sample is: it raises an estimate below it and leaves one above it alone.
	 * An endpoint with no sample is taken to be as fast as the other before its silence is applied; two without a
	 * sample compare equal. With no positive silence this is {@link #compare(PeakEwma, double, PeakEwma, double)}.
	 * @param a the first endpoint's estimator
	 * @param loadA the first endpoint's load, (requests in flight + 1) ÷ weight
	 * @param silenceA a lower bound of the first endpoint's latency now, in nanoseconds (0 or less: none)
	 * @param b the second endpoint's estimator, with the same decay
	 * @param loadB the second endpoint's load
	 * @param silenceB a lower bound of the second endpoint's latency now
	 * @param now ticks now
	 * @return negative if {@code a} costs less, positive if {@code b} does, zero on a tie or if neither has a sample
	 * (then the loads alone decide)
	 * @since 0.2.0
	 */
	public static int compare(PeakEwma a, double loadA, long silenceA, PeakEwma b, double loadB, long silenceB,
			long now) {
		if (silenceA <= 0 && silenceB <= 0) {
			return compare(a, loadA, b, loadB);
		}
		double estimateA = a.decayed(a.word, now);
		double estimateB = b.decayed(b.word, now);
		if (Double.isNaN(estimateA)) {
			if (Double.isNaN(estimateB)) {
				return 0;
			}
			estimateA = estimateB;
		}
		else if (Double.isNaN(estimateB)) {
			estimateB = estimateA;
		}
		return Double.compare(Math.max(estimateA, silenceA) * loadA, Math.max(estimateB, silenceB) * loadB);
	}

	/**
	 * Return the estimate of {@code word} decayed to {@code now} (never grown, if the sample is later), or NaN.
	 */
	private double decayed(long word, long now) {
		float estimate = estimateOf(word);
		if (Float.isNaN(estimate)) {
			return Double.NaN;
		}
		return estimate * exp(-Math.max(0, elapsedUnits(word, now)) * this.rate);
	}

	private void observe(long elapsed, long now, boolean censored) {
		float sample = (float) Math.max(elapsed, MIN_SAMPLE_NANOS);
		int stamp = (int) (now >> TIME_SHIFT);
		while (true) {
			long current = this.word;
			float estimate = estimateOf(current);
			float next;
			int time = stamp;
			if (Float.isNaN(estimate)) {
				next = sample;
			}
			else {
				int gap = stamp - (int) current;
				if (gap <= 0) {
					if (sample <= estimate) {
						// No time since the last sample, so no weight: nothing to write. The common case of an
						// endpoint answering several times a millisecond.
						return;
					}
					// A peak; if the sample raced a later one in, the time does not go back.
					next = sample;
					time = (int) current;
				}
				else {
					double weight = exp(-gap * this.rate);
					double decayed = estimate * weight;
					if (sample > decayed) {
						next = sample;
					}
					else if (censored) {
						return;
					}
					else {
						next = (float) (decayed + sample * (1 - weight));
					}
				}
			}
			if (WORD.compareAndSet(this, current, pack(next, time))) {
				return;
			}
		}
	}

	private static long pack(float estimate, int stamp) {
		return ((long) Float.floatToRawIntBits(estimate) << 32) | (stamp & 0xFFFFFFFFL);
	}

	private static float estimateOf(long word) {
		return Float.intBitsToFloat((int) (word >>> 32));
	}

	private static int elapsedUnits(long word, long now) {
		return (int) (now >> TIME_SHIFT) - (int) word;
	}

	/**
	 * Return e^x: a polynomial for the small arguments of busy endpoints (relative error under 1e-8), else
	 * {@link Math#exp}.
	 */
	static double exp(double x) {
		if (x > -0.0625 && x < 0.0625) {
			return 1 + x * (1 + x * (0.5 + x * (1.0 / 6 + x * (1.0 / 24))));
		}
		return Math.exp(x);
	}

	@Override
	public String toString() {
		float estimate = estimateOf(this.word);
		return Float.isNaN(estimate) ? "PeakEwma[no sample]" : "PeakEwma[" + estimate + " ns at last sample]";
	}

}
