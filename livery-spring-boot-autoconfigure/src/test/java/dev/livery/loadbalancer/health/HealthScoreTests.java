package dev.livery.loadbalancer.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The score's hysteresis, both ways, and its bounds.
 */
class HealthScoreTests {

	private final HealthScore score = new HealthScore(HealthCheckSettings.DEFAULTS);

	@Test
	void startsAtInitialScoreAndHealthy() {
		assertThat(this.score.score()).isEqualTo(1);
		assertThat(this.score.isHealthy()).isTrue();
	}

	@Test
	void oneFailureAtTheTopMovesNothing() {
		top();
		assertThat(this.score.recordFailure()).isEqualTo(2);
		assertThat(this.score.isHealthy()).isTrue();
		assertThat(this.score.recordSuccess()).isEqualTo(3);
	}

	@Test
	void fourFailuresInARowFromTheTopMakeUnhealthyAndNotThree() {
		top();
		this.score.recordFailure();
		this.score.recordFailure();
		this.score.recordFailure();
		assertThat(this.score.score()).isZero();
		assertThat(this.score.isHealthy()).isTrue();
		this.score.recordFailure();
		assertThat(this.score.score()).isEqualTo(-1);
		assertThat(this.score.isHealthy()).isFalse();
	}

	@Test
	void threeSuccessesFromTheBottomRestoreAndNotTwo() {
		for (int i = 0; i < 10; i++) {
			this.score.recordFailure();
		}
		assertThat(this.score.score()).isEqualTo(-3);
		this.score.recordSuccess();
		this.score.recordSuccess();
		assertThat(this.score.score()).isEqualTo(-1);
		assertThat(this.score.isHealthy()).isFalse();
		this.score.recordSuccess();
		assertThat(this.score.score()).isZero();
		assertThat(this.score.isHealthy()).isTrue();
	}

	@Test
	void newEndpointLeavesAfterTwoFailures() {
		this.score.recordFailure();
		assertThat(this.score.isHealthy()).isTrue();
		this.score.recordFailure();
		assertThat(this.score.isHealthy()).isFalse();
	}

	@Test
	void scoreStaysWithinBounds() {
		for (int i = 0; i < 100; i++) {
			this.score.recordSuccess();
		}
		assertThat(this.score.score()).isEqualTo(3);
		for (int i = 0; i < 100; i++) {
			this.score.recordFailure();
		}
		assertThat(this.score.score()).isEqualTo(-3);
	}

	@Test
	void deltasAndBoundsComeFromTheSettings() {
		HealthScore custom = new HealthScore(new HealthCheckSettings("/health", 0, Duration.ofSeconds(5),
				Duration.ofSeconds(1), -10, 10, 0, 5, -2));
		assertThat(custom.recordSuccess()).isEqualTo(5);
		assertThat(custom.recordSuccess()).isEqualTo(10);
		assertThat(custom.recordSuccess()).isEqualTo(10);
		assertThat(custom.recordFailure()).isEqualTo(8);
	}

	@Test
	void concurrentOutcomesAreAllCounted() throws Exception {
		HealthScore wide = new HealthScore(new HealthCheckSettings("/health", 0, Duration.ofSeconds(5),
				Duration.ofSeconds(1), -1_000_000, 1_000_000, 0, 1, -1));
		ExecutorService executor = Executors.newFixedThreadPool(4);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 4; t++) {
				boolean success = (t % 2 == 0);
				futures.add(executor.submit(() -> {
					start.await();
					for (int i = 0; i < 10_000; i++) {
						if (success) {
							wide.recordSuccess();
						}
						else {
							wide.recordFailure();
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(wide.score()).isZero();
	}

	@Test
	void invalidSettingsNameTheSetting() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new HealthCheckSettings("/h", 0, Duration.ofSeconds(1), Duration.ofSeconds(1), -3, 3, 1,
					1, -1))
			.withMessageContaining("timeout");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new HealthCheckSettings("/h", 0, Duration.ofSeconds(5), Duration.ofSeconds(1), 0, 3, 1,
					1, -1))
			.withMessageContaining("lowScore");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new HealthCheckSettings("/h", 0, Duration.ofSeconds(5), Duration.ofSeconds(1), -3, 3, 4,
					1, -1))
			.withMessageContaining("initialScore");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new HealthCheckSettings("h", 0, Duration.ofSeconds(5), Duration.ofSeconds(1), -3, 3, 1,
					1, -1))
			.withMessageContaining("path");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new HealthCheckSettings("/h", 0, Duration.ofSeconds(5), Duration.ofSeconds(1), -3, 3, 1,
					1, 0))
			.withMessageContaining("failureDelta");
	}

	private void top() {
		for (int i = 0; i < 5; i++) {
			this.score.recordSuccess();
		}
		assertThat(this.score.score()).isEqualTo(3);
	}

}
