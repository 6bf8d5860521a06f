package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link PeakEwma}, on a fake clock. The estimator keeps time to units of 2^20 ns, so figures that depend on
 * a gap are checked to about 1e-4 of their value. Races are model-checked in {@link PeakEwmaLincheckTests}.
 */
class PeakEwmaTests {

	private static final Duration DECAY = Duration.ofSeconds(10);

	private static final Duration PENALTY = Duration.ofSeconds(1);

	private final FakeTicker ticker = new FakeTicker();

	private final PeakEwma ewma = new PeakEwma(DECAY, PENALTY);

	@Test
	void withoutSampleShouldHaveNoEstimate() {
		assertThat(this.ewma.hasSample()).isFalse();
		assertThat(this.ewma.estimateNanos(this.ticker.read())).isEqualTo(-1);
	}

	@Test
	void withoutSampleComparisonShouldBeLeftToTheLoads() {
		// The default is the other endpoint's estimate, whatever it is: neither wins on cost.
		PeakEwma sampled = new PeakEwma(DECAY, PENALTY);
		long now = this.ticker.read();
		sampled.recordSuccess(now - Duration.ofSeconds(1).toNanos(), now);
		assertThat(PeakEwma.compare(this.ewma, 1, sampled, 1)).isZero();
		assertThat(PeakEwma.compare(this.ewma, 1, sampled, 50)).isZero();
		assertThat(PeakEwma.compare(sampled, 9, this.ewma, 1)).isZero();
		assertThat(PeakEwma.compare(this.ewma, 1, new PeakEwma(DECAY, PENALTY), 3)).isZero();
	}

	@Test
	void forgetShouldGoBackToNoSample() {
		success(Duration.ofMillis(20));
		this.ewma.forget();
		assertThat(this.ewma.hasSample()).isFalse();
		success(Duration.ofMillis(5));
		assertThat(estimateMillis()).isCloseTo(5, within(1e-4));
	}

	@Test
	void firstSampleShouldReplaceTheMissingEstimate() {
		success(Duration.ofMillis(20));
		assertThat(this.ewma.hasSample()).isTrue();
		assertThat(estimateMillis()).isCloseTo(20, within(1e-3));
	}

	@Test
	void sampleAboveTheEstimateShouldReplaceItAtOnce() {
		for (int i = 0; i < 100; i++) {
			success(Duration.ofMillis(2));
			this.ticker.advance(Duration.ofMillis(10));
		}
		assertThat(estimateMillis()).isCloseTo(2, within(0.01));
		success(Duration.ofMillis(300));
		assertThat(estimateMillis()).isCloseTo(300, within(1e-3));
	}

	@Test
	void sampleBelowTheEstimateShouldBeWeightedByTheGapSinceThePreviousSample() {
		success(Duration.ofMillis(100));
		this.ticker.advance(Duration.ofSeconds(1));
		success(Duration.ofMillis(10));
		double w = Math.exp(-0.1);
		assertThat(estimateMillis()).isCloseTo(100 * w + 10 * (1 - w), within(0.01));
		// No time, no weight: a second sample at the same instant moves nothing.
		success(Duration.ofMillis(10));
		assertThat(estimateMillis()).isCloseTo(100 * w + 10 * (1 - w), within(0.01));
	}

	@Test
	void steadyLowerSamplesShouldCloseHalfTheGapInOneHalfLife() {
		success(Duration.ofMillis(100));
		long halfLife = (long) (DECAY.toNanos() * Math.log(2));
		long step = Duration.ofMillis(10).toNanos();
		for (long t = 0; t < halfLife; t += step) {
			this.ticker.advance(Duration.ofNanos(Math.min(step, halfLife - t)));
			success(Duration.ofMillis(10));
		}
		// Half-way from 100 ms to 10 ms, whatever the rate of the samples.
		assertThat(estimateMillis()).isCloseTo(55, within(0.01));
	}

	@Test
	void withoutSamplesTheEstimateShouldHalveEveryHalfLife() {
		success(Duration.ofMillis(80));
		this.ticker.advance(Duration.ofNanos((long) (DECAY.toNanos() * Math.log(2))));
		assertThat(estimateMillis()).isCloseTo(40, within(0.01));
		this.ticker.advance(Duration.ofNanos((long) (DECAY.toNanos() * Math.log(2))));
		assertThat(estimateMillis()).isCloseTo(20, within(0.01));
	}

	@Test
	void lateSampleShouldNotMoveTheTimeBack() {
		long t = this.ticker.read();
		long second = Duration.ofSeconds(1).toNanos();
		this.ewma.recordSuccess(t + 10 * second - 100_000_000, t + 10 * second);
		// A completion that read the clock before the one above but records after it.
		this.ewma.recordSuccess(t + 9 * second - 50_000_000, t + 9 * second);
		assertThat(this.ewma.estimateNanos(t + 10 * second) / 1e6).isCloseTo(100, within(1e-3));
		assertThat(this.ewma.estimateNanos(t + 20 * second) / 1e6).isCloseTo(100 / Math.E, within(0.01));
	}

	@Test
	void fastFailureShouldCountAsThePenalty() {
		success(Duration.ofMillis(2));
		failure(Duration.ofMillis(1));
		assertThat(estimateMillis()).isCloseTo(1000, within(1e-3));
	}

	@Test
	void slowFailureShouldCountAsItsOwnTime() {
		failure(Duration.ofSeconds(3));
		assertThat(estimateMillis()).isCloseTo(3000, within(1e-3));
	}

	@Test
	void zeroPenaltyShouldCountAFailureAsItsTime() {
		PeakEwma noPenalty = new PeakEwma(DECAY, Duration.ZERO);
		long now = this.ticker.read();
		noPenalty.recordFailure(now - Duration.ofMillis(3).toNanos(), now);
		assertThat(noPenalty.estimateNanos(now) / 1e6).isCloseTo(3, within(1e-3));
	}

	@Test
	void cancelAboveTheEstimateShouldRaiseItToTheTimeSpent() {
		success(Duration.ofMillis(2));
		cancel(Duration.ofSeconds(1));
		assertThat(estimateMillis()).isCloseTo(1000, within(1e-3));
	}

	@Test
	void cancelBelowTheEstimateShouldNotLowerIt() {
		success(Duration.ofMillis(300));
		this.ticker.advance(Duration.ofSeconds(1));
		double before = estimateMillis();
		cancel(Duration.ofMillis(5));
		// A call cancelled after 5 ms would have taken at least 5 ms: no evidence against 300 ms.
		assertThat(estimateMillis()).isEqualTo(before);
		// And it carries no weight into the next sample either: that one is weighed from the last real sample.
		this.ticker.advance(Duration.ofSeconds(1));
		success(Duration.ofMillis(10));
		double w = Math.exp(-0.2);
		assertThat(estimateMillis()).isCloseTo(300 * w + 10 * (1 - w), within(0.05));
	}

	@Test
	void cancelWithoutEstimateShouldBecomeTheEstimate() {
		cancel(Duration.ofMillis(700));
		assertThat(estimateMillis()).isCloseTo(700, within(1e-3));
	}

	@Test
	void tinySamplesShouldBeFloored() {
		long now = this.ticker.read();
		this.ewma.recordSuccess(now, now);
		assertThat(this.ewma.estimateNanos(now)).isCloseTo(PeakEwma.MIN_SAMPLE_NANOS, within(1e-3));
	}

	@Test
	void compareShouldOrderAsEstimateTimesLoadAtAnyCommonInstant() {
		PeakEwma a = new PeakEwma(DECAY, PENALTY);
		PeakEwma b = new PeakEwma(DECAY, PENALTY);
		long t0 = this.ticker.read();
		long second = Duration.ofSeconds(1).toNanos();
		a.recordSuccess(t0 - 40 * second / 1000, t0);
		b.recordSuccess(t0 + 3 * second - 10 * second / 1000, t0 + 3 * second);
		SplittableRandom random = new SplittableRandom(1);
		int checked = 0;
		for (int i = 0; i < 2000; i++) {
			long now = t0 + 3 * second + random.nextLong(60 * second);
			double loadA = (random.nextInt(300) + 1) / (double) (random.nextInt(3) + 1);
			double loadB = (random.nextInt(300) + 1) / (double) (random.nextInt(3) + 1);
			double costA = a.estimateNanos(now) * loadA;
			double costB = b.estimateNanos(now) * loadB;
			if (Math.abs(costA - costB) > 1e-5 * Math.max(costA, costB)) {
				checked++;
				assertThat(PeakEwma.compare(a, loadA, b, loadB) < 0).as("now=%d loadA=%f loadB=%f", now, loadA, loadB)
					.isEqualTo(costA < costB);
				assertThat(PeakEwma.compare(b, loadB, a, loadA) < 0).isEqualTo(costB < costA);
			}
		}
		assertThat(checked).isGreaterThan(1900);
	}

	@Test
	void shunnedEndpointShouldBecomeCheaperAgainAsItsEstimateDecays() {
		PeakEwma hung = new PeakEwma(DECAY, PENALTY);
		PeakEwma healthy = new PeakEwma(DECAY, PENALTY);
		long t0 = this.ticker.read();
		hung.recordCancel(t0 - Duration.ofSeconds(1).toNanos(), t0);
		long millis = Duration.ofMillis(1).toNanos();
		long now = t0;
		// The healthy endpoint keeps answering in 1 ms; the hung one is not picked again, so gets no sample.
		for (int i = 0; i < 600; i++) {
			now += Duration.ofMillis(100).toNanos();
			healthy.recordSuccess(now - millis, now);
		}
		// 60 s on, 1000 ms × e^-6 = 2.5 ms: still dearer than the healthy endpoint with nothing in flight ...
		assertThat(PeakEwma.compare(hung, 1, healthy, 1)).isPositive();
		// ... but cheaper than it with two requests in flight, so it is tried again: nobody is shunned for ever.
		assertThat(PeakEwma.compare(hung, 1, healthy, 3)).isNegative();
	}

	@Test
	void comparisonShouldSurviveTheWrapOfTheStoredTime() {
		// The stored time wraps every 2^32 units of 2^20 ns (52 days); differences stay right across the wrap.
		long wrap = 1L << (32 + PeakEwma.TIME_SHIFT);
		PeakEwma before = new PeakEwma(DECAY, PENALTY);
		PeakEwma after = new PeakEwma(DECAY, PENALTY);
		long t = wrap - Duration.ofSeconds(5).toNanos();
		before.recordSuccess(t - Duration.ofMillis(10).toNanos(), t);
		long later = wrap + Duration.ofSeconds(5).toNanos();
		after.recordSuccess(later - Duration.ofMillis(10).toNanos(), later);
		// Same sample, 10 s apart: the older one has decayed by e^-1.
		assertThat(PeakEwma.compare(before, Math.E * 0.99, after, 1)).isNegative();
		assertThat(PeakEwma.compare(before, Math.E * 1.01, after, 1)).isPositive();
		assertThat(before.estimateNanos(later) / after.estimateNanos(later)).isCloseTo(1 / Math.E, within(1e-3));
	}

	@Test
	void polynomialExpShouldMatchMathExp() {
		for (double x = -0.07; x < 0.07; x += 0.0001) {
			assertThat(PeakEwma.exp(x)).isCloseTo(Math.exp(x), within(Math.exp(x) * 1e-8));
		}
	}

	@Test
	void invalidSettingsShouldBeRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new PeakEwma(Duration.ofMillis(99), PENALTY))
			.withMessageContaining("decay");
		assertThatIllegalArgumentException().isThrownBy(() -> new PeakEwma(Duration.ofDays(2), PENALTY))
			.withMessageContaining("decay");
		assertThatIllegalArgumentException().isThrownBy(() -> new PeakEwma(DECAY, Duration.ofMillis(-1)))
			.withMessageContaining("failurePenalty");
	}

	@Test
	void settingsShouldBeReported() {
		assertThat(this.ewma.decay()).isEqualTo(DECAY);
		assertThat(this.ewma.failurePenalty()).isEqualTo(PENALTY);
	}

	private void success(Duration elapsed) {
		long now = this.ticker.read();
		this.ewma.recordSuccess(now - elapsed.toNanos(), now);
	}

	private void failure(Duration elapsed) {
		long now = this.ticker.read();
		this.ewma.recordFailure(now - elapsed.toNanos(), now);
	}

	private void cancel(Duration elapsed) {
		long now = this.ticker.read();
		this.ewma.recordCancel(now - elapsed.toNanos(), now);
	}

	private double estimateMillis() {
		return this.ewma.estimateNanos(this.ticker.read()) / 1e6;
	}

}
