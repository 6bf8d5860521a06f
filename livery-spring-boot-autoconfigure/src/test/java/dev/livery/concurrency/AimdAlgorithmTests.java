package dev.livery.concurrency;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static dev.livery.concurrency.SimulatedServer.BASE_NANOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link AimdAlgorithm} on synthetic latency series ({@link SimulatedServer}).
 */
class AimdAlgorithmTests {

	private static final int CAPACITY = 50;

	/**
	 * Timeout at 1.5 x the unloaded latency: the latency objective the limit should hold.
	 */
	private static AimdAlgorithm algorithm() {
		return AimdAlgorithm.builder().limits(5, 20, 1000).timeout(Duration.ofNanos(BASE_NANOS * 3 / 2)).build();
	}

	@Test
	void overloadShouldSettleWhereTheLatencyReachesTheTimeout() {
		int[] limits = SimulatedServer.run(algorithm(), 1000, 10 * CAPACITY, CAPACITY);
		// The timeout is crossed at 1.5 x capacity; the saw-tooth below it never goes under 0.9 of that.
		assertThat(SimulatedServer.settledFrom(limits, 0, CAPACITY, 2 * CAPACITY)).isBetween(0, 100);
		assertThat(SimulatedServer.max(limits, 100, 1000)).isLessThanOrEqualTo(CAPACITY * 3 / 2 + 1);
	}

	@Test
	void halvedCapacityShouldHalveTheLimit() {
		int[] limits = SimulatedServer.run(algorithm(), 1200, 10 * CAPACITY, (w) -> (w < 600) ? CAPACITY : CAPACITY / 2);
		assertThat(SimulatedServer.settledFrom(limits, 600, CAPACITY / 2, CAPACITY)).isBetween(600, 610);
	}

	@Test
	void dropShouldMultiplyTheLimitByTheBackoffRatioAndGrowthShouldBeOnePerWindow() {
		AimdAlgorithm algorithm = AimdAlgorithm.builder().limits(5, 100, 1000).build();
		assertThat(algorithm.update(BASE_NANOS, 100, true)).isEqualTo(90);
		assertThat(algorithm.update(BASE_NANOS, 90, false)).isEqualTo(91);
		assertThat(algorithm.update(Duration.ofSeconds(6).toNanos(), 91, false)).as("a timeout is a drop").isEqualTo(81);
		for (int i = 0; i < 100; i++) {
			algorithm.update(0, algorithm.limit(), true);
		}
		assertThat(algorithm.limit()).isEqualTo(5);
		for (int i = 0; i < 10; i++) {
			algorithm.update(BASE_NANOS, algorithm.limit(), false);
		}
		assertThat(algorithm.limit()).as("recovers by one per window").isEqualTo(15);
	}

	@Test
	void appLimitedLoadShouldNotGrowTheLimit() {
		int[] limits = SimulatedServer.run(algorithm(), 1000, 9, CAPACITY);
		assertThat(SimulatedServer.max(limits, 0, 1000)).isEqualTo(20);
	}

	@Test
	void anySeriesShouldKeepTheLimitWithinItsBounds() {
		AimdAlgorithm algorithm = AimdAlgorithm.builder().limits(3, 7, 40).backoffRatio(0.5).build();
		SplittableRandom random = new SplittableRandom(42);
		for (int i = 0; i < 20_000; i++) {
			long rtt = (random.nextInt(3) == 0) ? Long.MAX_VALUE : random.nextLong(0, 10_000_000_000L);
			int limit = algorithm.update(rtt, random.nextInt(0, 100), random.nextInt(10) == 0);
			assertThat(limit).isBetween(3, 40).isEqualTo(algorithm.limit());
		}
	}

	@Test
	void buildShouldRejectSettingsOutOfRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> AimdAlgorithm.builder().backoffRatio(1.0).build())
			.withMessage("backoffRatio must be at least 0.5 and less than 1 but was 1.0");
		assertThatIllegalArgumentException().isThrownBy(() -> AimdAlgorithm.builder().backoffRatio(0.4).build())
			.withMessage("backoffRatio must be at least 0.5 and less than 1 but was 0.4");
		assertThatIllegalArgumentException().isThrownBy(() -> AimdAlgorithm.builder().timeout(Duration.ZERO).build())
			.withMessage("timeout must be positive but was PT0S");
	}

}
