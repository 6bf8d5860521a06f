package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on 127.0.0.1 whose behaviour a test switches at run time, counting what it receives.
 */
final class TestBackend implements AutoCloseable {

	enum Behaviour {

		OK, FAIL_503, SLOW, HANG,

		/** Answers 503 at once to every other request, else as OK. */
		FAIL_HALF

	}

	private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(Behaviour.OK);

	private final AtomicInteger received = new AtomicInteger();

	private final AtomicInteger active = new AtomicInteger();

	private final AtomicInteger alternate = new AtomicInteger();

	private final String name;

	private final DisposableServer server;

	private volatile Duration delay = Duration.ofMillis(200);

	TestBackend(String name) {
		this.name = name;
		this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			this.received.incrementAndGet();
			this.active.incrementAndGet();
			Mono<Void> reply = switch (this.behaviour.get()) {
				case OK -> response.sendString(Mono.just(this.name)).then();
				case FAIL_503 -> response.status(503).sendString(Mono.just("unavailable")).then();
				case SLOW -> Mono.delay(this.delay).then(response.sendString(Mono.just(this.name)).then());
				case HANG -> Mono.never();
				case FAIL_HALF -> (this.alternate.getAndIncrement() % 2 == 0)
						? response.status(503).sendString(Mono.just("unavailable")).then()
						: response.sendString(Mono.just(this.name)).then();
			};
			return reply.doFinally((signal) -> this.active.decrementAndGet());
		}).bindNow();
	}

	TestBackend delay(Duration delay) {
		this.delay = delay;
		return this;
	}

	TestBackend behave(Behaviour behaviour) {
		this.behaviour.set(behaviour);
		return this;
	}

	int port() {
		return this.server.port();
	}

	String uri() {
		return "http://127.0.0.1:" + port();
	}

	String key() {
		return "127.0.0.1:" + port();
	}

	String name() {
		return this.name;
	}

	int received() {
		return this.received.get();
	}

	void resetCount() {
		this.received.set(0);
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
	}

}
