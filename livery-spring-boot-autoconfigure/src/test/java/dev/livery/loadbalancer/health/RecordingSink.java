package dev.livery.loadbalancer.health;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * An {@link EndpointHealthSink} that remembers everything it is told.
 */
final class RecordingSink implements EndpointHealthSink {

	final List<Boolean> checks = new CopyOnWriteArrayList<>();

	final List<Integer> scores = new CopyOnWriteArrayList<>();

	final List<String> statuses = new CopyOnWriteArrayList<>();

	volatile boolean healthy = true;

	volatile int score = Integer.MIN_VALUE;

	volatile @Nullable String status;

	@Override
	public void healthCheck(boolean success) {
		this.checks.add(success);
	}

	@Override
	public void healthScore(int score, boolean healthy) {
		this.scores.add(score);
		this.score = score;
		this.healthy = healthy;
	}

	@Override
	public void servingStatus(@Nullable String status, boolean healthy) {
		this.statuses.add(String.valueOf(status));
		this.status = status;
		this.healthy = healthy;
	}

}
