package dev.livery.benchmarks;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An HTTP backend on 127.0.0.1 whose behaviour the harness switches at run time, counting the requests it receives.
 */
final class Backend implements AutoCloseable {

	enum Behaviour {

		/** Answers 200 after the base service time. */
		OK,
		/** Answers 200 after the base service time plus the slow delay. */
		SLOW,
		/** Answers 503 at once. */
		FAIL_503,
		/** Answers 503 at once half the time (at random), else as OK. */
		FAIL_HALF,
		/** Never answers. */
		HANG,
		/** Answers 503 during the failing part of each flap period, else as OK. */
		FLAP

	}

	private final String name;

	private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

	private final DisposableServer server;

	private final AtomicLong received = new AtomicLong();

	private final Duration baseDelay;

	private final Duration slowDelay;

	private volatile Behaviour behaviour = Behaviour.OK;

	private volatile long flapStart;

	private volatile long flapPeriodNanos = 1;

	Backend(String name, Duration baseDelay, Duration slowDelay) {
		this.name = name;
		this.baseDelay = baseDelay;
		this.slowDelay = slowDelay;
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.channelGroup(this.channels)
			.handle((request, response) -> {
				this.received.incrementAndGet();
				return switch (effectiveBehaviour()) {
					case OK -> delayed(this.baseDelay, response.sendString(Mono.just(this.name)).then());
					case SLOW -> delayed(this.baseDelay.plus(this.slowDelay),
							response.sendString(Mono.just(this.name)).then());
					case FAIL_503 -> response.status(503).sendString(Mono.just("unavailable")).then();
					case FAIL_HALF -> throw new IllegalStateException();
					case HANG -> Mono.never();
					case FLAP -> throw new IllegalStateException();
				};
			})
			.bindNow();
	}

	private static Mono<Void> delayed(Duration delay, Mono<Void> reply) {
		return delay.isZero() ? reply : Mono.delay(delay).then(reply);
	}

	private Behaviour effectiveBehaviour() {
		Behaviour current = this.behaviour;
		if (current == Behaviour.FAIL_HALF) {
			return ThreadLocalRandom.current().nextBoolean() ? Behaviour.FAIL_503 : Behaviour.OK;
		}
		if (current != Behaviour.FLAP) {
			return current;
		}
		long phase = (System.nanoTime() - this.flapStart) % this.flapPeriodNanos;
		// Fails during the middle third of each period: healthy, failing, healthy again.
		boolean failing = phase >= this.flapPeriodNanos / 3 && phase < 2 * this.flapPeriodNanos / 3;
		return failing ? Behaviour.FAIL_503 : Behaviour.OK;
	}

	void behave(Behaviour behaviour) {
		this.behaviour = behaviour;
	}

	void flap(Duration period) {
		this.flapPeriodNanos = period.toNanos();
		this.flapStart = System.nanoTime();
		this.behaviour = Behaviour.FLAP;
	}

	/**
	 * Close the listening socket and every open connection: from now on a connection attempt is refused.
	 */
	void kill() {
		this.server.disposeNow(Duration.ofSeconds(2));
		this.channels.close().awaitUninterruptibly(2000);
	}

	String name() {
		return this.name;
	}

	String uri() {
		return "http://127.0.0.1:" + this.server.port();
	}

	long received() {
		return this.received.get();
	}

	void resetCount() {
		this.received.set(0);
	}

	@Override
	public void close() {
		if (!this.server.isDisposed()) {
			kill();
		}
	}

}
