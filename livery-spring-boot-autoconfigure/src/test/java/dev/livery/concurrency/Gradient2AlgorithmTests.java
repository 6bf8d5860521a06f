package dev.livery.concurrency;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static dev.livery.concurrency.SimulatedServer.BASE_NANOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link Gradient2Algorithm} on synthetic latency series ({@link SimulatedServer}).
 */
class Gradient2AlgorithmTests {

	private static final int CAPACITY = 50;

	private static Gradient2Algorithm algorithm() {
		return Gradient2Algorithm.builder().limits(5, 20, 1000).build();
	}

	@Test
	void overloadShouldSettleJustAboveCapacityWithLatencyNearTheTolerance() {
		Gradient2Algorithm algorithm = algorithm();
		int[] limits = SimulatedServer.run(algorithm, 600, 10 * CAPACITY, CAPACITY);
		// Equilibrium: latency 1.5 x unloaded, i.e. L = 1.5 C, plus the queue-size term.
		assertThat(SimulatedServer.min(limits, 100, 600)).isGreaterThanOrEqualTo(CAPACITY);
		assertThat(SimulatedServer.max(limits, 100, 600)).isLessThanOrEqualTo(2 * CAPACITY);
		assertThat(algorithm.rttNoLoadNanos()).isEqualTo(BASE_NANOS);
	}

	@Test
	void sustainedOverloadShouldNotLetTheLimitCreepUp() {
		Gradient2Algorithm algorithm = algorithm();
		int[] limits = SimulatedServer.run(algorithm, 6000, 10 * CAPACITY, CAPACITY);
		assertThat(SimulatedServer.max(limits, 5000, 6000)).isLessThanOrEqualTo(SimulatedServer.max(limits, 100, 1000));
		assertThat(SimulatedServer.max(limits, 100, 6000)).isLessThanOrEqualTo(2 * CAPACITY);
	}

	@Test
	void halvedCapacityShouldHalveTheLimit() {
		int[] limits = SimulatedServer.run(algorithm(), 1200, 10 * CAPACITY, (w) -> (w < 600) ? CAPACITY : CAPACITY / 2);
		int settled = SimulatedServer.settledFrom(limits, 600, CAPACITY / 2, CAPACITY);
		assertThat(settled).isBetween(600, 700);
	}

	@Test
	void dropsShouldBackOffByAboutATenthPerWindow() {
		Gradient2Algorithm algorithm = algorithm();
		SimulatedServer.run(algorithm, 300, 10 * CAPACITY, CAPACITY);
		int before = algorithm.limit();
		int after = algorithm.update(BASE_NANOS, before, true);
		assertThat(after).isBetween((int) (before * 0.88), (int) (before * 0.91));
		for (int i = 0; i < 100; i++) {
			after = algorithm.update(0, algorithm.limit(), true);
		}
		assertThat(after).isEqualTo(5);
	}

	@Test
	void afterDropsTheLimitShouldRecoverToTheCapacity() {
		Gradient2Algorithm algorithm = algorithm();
		SimulatedServer.run(algorithm, 300, 10 * CAPACITY, CAPACITY);
		for (int i = 0; i < 100; i++) {
			algorithm.update(0, algorithm.limit(), true);
		}
		assertThat(algorithm.limit()).isEqualTo(5);
		int[] limits = SimulatedServer.run(algorithm, 300, 10 * CAPACITY, CAPACITY);
		assertThat(SimulatedServer.settledFrom(limits, 0, CAPACITY, 2 * CAPACITY)).isBetween(0, 150);
	}

	@Test
	void appLimitedLoadShouldNotGrowTheLimit() {
		Gradient2Algorithm algorithm = algorithm();
		int[] limits = SimulatedServer.run(algorithm, 1000, 9, CAPACITY);
		assertThat(SimulatedServer.max(limits, 0, 1000)).isEqualTo(20);
	}

	@Test
	void serviceThatGotSlowerShouldBeLearntAfterTheLimitBottomsOut() {
		Gradient2Algorithm algorithm = algorithm();
		int[] limits = SimulatedServer.run(algorithm, 3000, 10 * CAPACITY, (w) -> CAPACITY,
				(w) -> (w < 300) ? BASE_NANOS : 2 * BASE_NANOS);
		assertThat(SimulatedServer.min(limits, 300, 3000)).isEqualTo(5);
		// Back to the capacity: the long RTT has learnt enough that the new latency is within the tolerance.
		assertThat(SimulatedServer.settledFrom(limits, 300, CAPACITY, 2 * CAPACITY)).isBetween(300, 2000);
		assertThat(algorithm.rttNoLoadNanos()).isBetween(2 * BASE_NANOS * 2 / 3 - 1, 2 * BASE_NANOS);
	}

	@Test
	void anySeriesShouldKeepTheLimitWithinItsBounds() {
		Gradient2Algorithm algorithm = Gradient2Algorithm.builder().limits(3, 7, 40).queueSize((l) -> l / 2).build();
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
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().limits(0, 20, 200).build())
			.withMessage("minLimit must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().limits(20, 10, 200).build())
			.withMessage("initialLimit must be between minLimit (20) and maxLimit (200) but was 10");
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().limits(20, 20, 10).build())
			.withMessage("maxLimit must be at least minLimit (20) but was 10");
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().smoothing(0).build())
			.withMessage("smoothing must be greater than 0 and at most 1 but was 0.0");
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().queueSize(-1).build())
			.withMessage("queueSize must be at least 0 but was -1");
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().longWindow(0).build())
			.withMessage("longWindow must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> Gradient2Algorithm.builder().rttTolerance(0.9).build())
			.withMessage("rttTolerance must be at least 1.0 but was 0.9");
	}

}
