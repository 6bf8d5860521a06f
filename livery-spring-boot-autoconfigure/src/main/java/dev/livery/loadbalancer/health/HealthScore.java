package dev.livery.loadbalancer.health;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An endpoint's health score with hysteresis, the scored model of the Go {@code upstream} package: each outcome moves
 * the score by a delta, the score stays within [{@code lowScore}, {@code highScore}], and the endpoint is unhealthy
 * while the score is below 0. With the defaults (-3..3, start 1, ±1) one failed check at the top moves nothing, four
 * failures in a row take an endpoint out, and three successes bring one back from the bottom.
 *
 * <p>Thread-safe and lock-free: outcomes may be recorded from any thread at once.
 *
 * @since 0.2.0
 */
public final class HealthScore {

	private final int low;

	private final int high;

	private final int successDelta;

	private final int failureDelta;

	private final AtomicInteger score;

	/**
	 * Create a score at the settings' initial score.
	 * @param settings the scoring settings
	 */
	public HealthScore(HealthCheckSettings settings) {
		this.low = settings.lowScore();
		this.high = settings.highScore();
		this.successDelta = settings.successDelta();
		this.failureDelta = settings.failureDelta();
		this.score = new AtomicInteger(settings.initialScore());
	}

	/**
	 * Return the current score.
	 * @return the score, within [{@code lowScore}, {@code highScore}]
	 */
	public int score() {
		return this.score.get();
	}

	/**
	 * Return whether the endpoint counts as healthy: its score is 0 or more.
	 * @return whether healthy
	 */
	public boolean isHealthy() {
		return isHealthy(this.score.get());
	}

	/**
	 * Return whether a score counts as healthy.
	 * @param score a score
	 * @return whether it is 0 or more
	 */
	public static boolean isHealthy(int score) {
		return score >= 0;
	}

	/**
	 * Record a success: add {@code successDelta}, up to {@code highScore}.
	 * @return the new score
	 */
	public int recordSuccess() {
		return move(this.successDelta);
	}

	/**
	 * Record a failure: add {@code failureDelta}, down to {@code lowScore}.
	 * @return the new score
	 */
	public int recordFailure() {
		return move(this.failureDelta);
	}

	private int move(int delta) {
		while (true) {
			int current = this.score.get();
			int next = Math.max(this.low, Math.min(this.high, current + delta));
			if (next == current || this.score.compareAndSet(current, next)) {
				return next;
			}
		}
	}

	@Override
	public String toString() {
		int current = this.score.get();
		return "HealthScore[" + current + (isHealthy(current) ? ", healthy]" : ", unhealthy]");
	}

}
