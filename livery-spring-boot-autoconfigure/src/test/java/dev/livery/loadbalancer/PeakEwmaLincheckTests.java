package dev.livery.loadbalancer;

import java.time.Duration;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Model checking of {@link PeakEwma} with Lincheck: every interleaving, up to the configured bounds, of successes,
 * failures and cancels recorded from several threads, and of reads of the estimate, must give results that some
 * sequential order of the same operations gives: no sample lost, none applied to a torn state.
 *
 * <p>The clock stands still while the threads run (samples recorded concurrently at different times may land out of
 * order, which the estimator accepts by design, so they have no sequential equivalent to compare with). It stands
 * 2 s after an initial sample, so the first sample to land is blended with weight 1 - e^-0.2 and the rest, at no
 * gap, count only as peaks: which one lands first matters, as it should.
 */
@Param(name = "millis", gen = IntGen.class, conf = "1:4")
public class PeakEwmaLincheckTests {

	private final FakeTicker ticker = new FakeTicker();

	private final PeakEwma ewma = new PeakEwma(Duration.ofSeconds(10), Duration.ofMillis(3));

	public PeakEwmaLincheckTests() {
		success(4);
		this.ticker.advance(Duration.ofSeconds(2));
	}

	@Operation
	public void success(@Param(name = "millis") int millis) {
		long now = this.ticker.read();
		this.ewma.recordSuccess(now - millis * 1_000_000L, now);
	}

	@Operation
	public void failure(@Param(name = "millis") int millis) {
		long now = this.ticker.read();
		this.ewma.recordFailure(now - millis * 1_000_000L, now);
	}

	@Operation
	public void cancel(@Param(name = "millis") int millis) {
		long now = this.ticker.read();
		this.ewma.recordCancel(now - millis * 1_000_000L, now);
	}

	@Operation
	public double estimate() {
		return this.ewma.estimateNanos(this.ticker.read());
	}

	/**
	 * With the compare-and-set replaced by a plain write this finds two samples whose writes race: the estimate ends
	 * up as if one of them had never been recorded.
	 */
	@Test
	void modelCheck() {
		new ModelCheckingOptions().threads(2)
			.actorsPerThread(3)
			.actorsBefore(1)
			.actorsAfter(1)
			.iterations(10)
			.invocationsPerIteration(200)
			.check(PeakEwmaLincheckTests.class);
	}

}
