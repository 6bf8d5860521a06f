package dev.livery.benchmarks;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The service under test of {@link AdaptiveLimitHarness}: {@code capacity} tasks of {@code taskTime} run at once and
 * the rest wait in a first-in-first-out queue, so latency grows with the queue as an overloaded server's does. The
 * capacity can change while it runs. It takes a lock: it stands for the application, not for livery.
 */
final class CapacityPool {

	private final Duration taskTime;

	private final Deque<MonoSink<Void>> waiting = new ArrayDeque<>();

	private int capacity;

	private int running;

	CapacityPool(int capacity, Duration taskTime) {
		this.capacity = capacity;
		this.taskTime = taskTime;
	}

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
				// After the capacity shrank, a finishing task hands its slot on only while there is room.
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

	synchronized int running() {
		return this.running;
	}

	synchronized int waiting() {
		return this.waiting.size();
	}

}
