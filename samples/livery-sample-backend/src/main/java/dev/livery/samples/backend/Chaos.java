package dev.livery.samples.backend;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How badly the backend behaves right now: how long {@code /work} takes, which share of calls fail, and whether it
 * hangs. Starts from {@code sample.chaos.*} and is changed through {@code POST /chaos}.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("sample.chaos")
public class Chaos {

	/**
	 * Time every call to /work takes before it answers.
	 */
	private volatile Duration delay = Duration.ofMillis(20);

	/**
	 * Share of calls to /work answered with a 500, between 0 and 1.
	 */
	private volatile double failureRate;

	/**
	 * Whether calls to /work never answer.
	 */
	private volatile boolean hang;

	public Duration getDelay() {
		return this.delay;
	}

	public void setDelay(Duration delay) {
		if (delay.isNegative()) {
			throw new IllegalArgumentException("delay must not be negative");
		}
		this.delay = delay;
	}

	public double getFailureRate() {
		return this.failureRate;
	}

	public void setFailureRate(double failureRate) {
		if (failureRate < 0 || failureRate > 1) {
			throw new IllegalArgumentException("failureRate must be between 0 and 1");
		}
		this.failureRate = failureRate;
	}

	public boolean isHang() {
		return this.hang;
	}

	public void setHang(boolean hang) {
		this.hang = hang;
	}

	boolean nextCallFails() {
		double rate = this.failureRate;
		return rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
	}

}
