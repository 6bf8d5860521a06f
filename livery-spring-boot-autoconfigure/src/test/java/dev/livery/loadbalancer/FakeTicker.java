package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when told to.
 */
public final class FakeTicker implements Ticker {

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	@Override
	public long read() {
		return this.nanos.get();
	}

	public void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

}
