package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A service with a real capacity: {@code capacity} tasks of {@code taskTime} run at once, the
 * rest wait in a first-in-first-out queue, so its latency grows with the queue the way an
 * overloaded server's does. It records how long the queue gets. Test scaffolding: it takes
 * a lock, which livery's own code never does on a request path.
 */
final class CapacityLimitedService {

	private final Duration taskTime;

	private final Deque<MonoSink<Void>> waiting = new ArrayDeque<>();

	private int capacity;

	private int running;

	private int maxWaiting;

	private long served;

	CapacityLimitedService(int capacity, Duration taskTime) {
		this.capacity = capacity;
		this.taskTime = taskTime;
	}

	/**
	 * Run one task: wait for a free slot, then take {@code taskTime}.
	 */
	Mono<Void> run() {
		return Mono.create((sink) -> {
			boolean start;
			synchronized (this) {
				start = this.running < this.capacity;
				if (start) {
					this.running++;
				}
				else {
					this.waiting.addLast(sink);
					this.maxWaiting = Math.max(this.maxWaiting, this.waiting.size());
				}
			}
			if (start) {
				start(sink);
			}
			else {
				sink.onCancel(() -> {
					synchronized (this) {
						this.waiting.remove(sink);
					}
				});
			}
		});
	}

	private void start(MonoSink<Void> sink) {
		Mono.delay(this.taskTime).subscribe((tick) -> {
			MonoSink<Void> next;
			synchronized (this) {
				this.served++;
				next = (this.running <= this.capacity) ? this.waiting.pollFirst() : null;
				if (next == null) {
					this.running--;
				}
			}
			sink.success();
			if (next != null) {
				start(next);
			}
		});
	}

	synchronized void setCapacity(int capacity) {
		this.capacity = capacity;
	}

	/**
	 * Return the longest the queue has been since the last call, and start afresh.
	 */
	synchronized int takeMaxWaiting() {
		int max = this.maxWaiting;
		this.maxWaiting = this.waiting.size();
		return max;
	}

	synchronized int waiting() {
		return this.waiting.size();
	}

	synchronized int running() {
		return this.running;
	}

	synchronized long served() {
		return this.served;
	}

}
