package dev.livery.concurrency;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static dev.livery.concurrency.SimulatedServer.BASE_NANOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link VegasAlgorithm} on synthetic latency series ({@link SimulatedServer}).
 */
class VegasAlgorithmTests {

	private static final int CAPACITY = 50;

	private static VegasAlgorithm algorithm() {
		return VegasAlgorithm.builder().limits(5, 20, 1000).random(new SplittableRandom(7)).build();
	}

	@Test
	void overloadShouldSettleAFewRequestsAboveCapacity() {
		VegasAlgorithm algorithm = algorithm();
		int[] limits = SimulatedServer.run(algorithm, 2000, 10 * CAPACITY, CAPACITY);
		// alpha = 3 and beta = 6 requests of queue at limits 10 to 99 (log10 = 1); a re-probe of the no-load
		// latency may step it up by one band.
		assertThat(SimulatedServer.settledFrom(limits, 0, CAPACITY, CAPACITY + 15)).isBetween(0, 50);
		assertThat(algorithm.rttNoLoadNanos()).isBetween(BASE_NANOS, BASE_NANOS * 13 / 10);
	}

	@Test
	void halvedCapacityShouldHalveTheLimit() {
		int[] limits = SimulatedServer.run(algorithm(), 1200, 10 * CAPACITY, (w) -> (w < 600) ? CAPACITY : CAPACITY / 2);
		// log10(L) = 1 request less per window: 30 windows from 56 to 25 + a few.
		// A re-probe of the no-load latency under load may step it up by one band (alpha to beta) later.
		assertThat(SimulatedServer.settledFrom(limits, 600, CAPACITY / 2, CAPACITY / 2 + 20)).isBetween(600, 640);
	}

	@Test
	void dropsShouldBackOffAndTheLimitShouldRecover() {
		VegasAlgorithm algorithm = algorithm();
		SimulatedServer.run(algorithm, 300, 10 * CAPACITY, CAPACITY);
		int before = algorithm.limit();
		assertThat(algorithm.update(BASE_NANOS, before, true)).isEqualTo(before - 1);
		for (int i = 0; i < 200; i++) {
			algorithm.update(0, algorithm.limit(), true);
		}
		assertThat(algorithm.limit()).isEqualTo(5);
		int[] limits = SimulatedServer.run(algorithm, 300, 10 * CAPACITY, CAPACITY);
		assertThat(SimulatedServer.settledFrom(limits, 0, CAPACITY, CAPACITY + 15)).isBetween(0, 50);
	}

	@Test
	void appLimitedLoadShouldNotGrowTheLimit() {
		int[] limits = SimulatedServer.run(algorithm(), 1000, 9, CAPACITY);
		assertThat(SimulatedServer.max(limits, 0, 1000)).isEqualTo(20);
	}

	@Test
	void noLoadLatencyShouldBeMeasuredAfreshAfterTheProbeInterval() {
		VegasAlgorithm algorithm = VegasAlgorithm.builder()
			.limits(20, 20, 20)
			.probeMultiplier(1)
			.random(new SplittableRandom(1))
			.build();
		algorithm.update(BASE_NANOS, 20, false);
		assertThat(algorithm.rttNoLoadNanos()).isEqualTo(BASE_NANOS);
		// The minimum never rises by itself ...
		algorithm.update(3 * BASE_NANOS, 20, false);
		assertThat(algorithm.rttNoLoadNanos()).isEqualTo(BASE_NANOS);
		// ... until a probe, at most probeMultiplier x limit = 20 windows later, takes the current latency.
		for (int i = 0; i < 20; i++) {
			algorithm.update(3 * BASE_NANOS, 20, false);
		}
		assertThat(algorithm.rttNoLoadNanos()).isEqualTo(3 * BASE_NANOS);
	}

	@Test
	void anySeriesShouldKeepTheLimitWithinItsBounds() {
		VegasAlgorithm algorithm = VegasAlgorithm.builder().limits(3, 7, 40).smoothing(0.5).build();
		SplittableRandom random = new SplittableRandom(42);
		for (int i = 0; i < 20_000; i++) {
			long rtt = switch (random.nextInt(4)) {
				case 0 -> 0;
				case 1 -> 1;
				case 2 -> Long.MAX_VALUE;
				default -> random.nextLong(1, 10_000_000_000L);
			};
			int limit = algorithm.update(rtt, random.nextInt(0, 100), random.nextInt(10) == 0);
			assertThat(limit).isBetween(3, 40).isEqualTo(algorithm.limit());
		}
	}

	@Test
	void buildShouldRejectSettingsOutOfRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> VegasAlgorithm.builder().alpha(0).build())
			.withMessage("alpha must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> VegasAlgorithm.builder().alpha(3).beta(3).build())
			.withMessage("beta must be at least 4 but was 3");
		assertThatIllegalArgumentException().isThrownBy(() -> VegasAlgorithm.builder().probeMultiplier(0).build())
			.withMessage("probeMultiplier must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> VegasAlgorithm.builder().smoothing(1.5).build())
			.withMessage("smoothing must be greater than 0 and at most 1 but was 1.5");
		assertThatIllegalArgumentException().isThrownBy(() -> VegasAlgorithm.builder().limits(5, 4, 10).build())
			.withMessage("initialLimit must be between minLimit (5) and maxLimit (10) but was 4");
	}

}
