package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on 127.0.0.1 whose behaviour a test switches at run time, counting what it receives.
 */
final class TestBackend implements AutoCloseable {

	enum Behaviour {

		OK, FAIL_503, SLOW, HANG,

		/**
		 * Not listening: connections are refused until the backend behaves otherwise, on the same port.
		 */
		REFUSED

	}

	private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(Behaviour.OK);

	private final AtomicInteger received = new AtomicInteger();

	private final AtomicInteger active = new AtomicInteger();

	private final String name;

	private final int port;

	private volatile @Nullable DisposableServer server;

	// Far above what a starved test machine adds to the other backends' answers, so that "slow" stays slow there.
	private volatile Duration delay = Duration.ofSeconds(2);

	TestBackend(String name) {
		this.name = name;
		DisposableServer bound = bind(0);
		this.server = bound;
		this.port = bound.port();
	}

	private DisposableServer bind(int port) {
		return HttpServer.create().host("127.0.0.1").port(port).handle((request, response) -> {
			this.received.incrementAndGet();
			this.active.incrementAndGet();
			Mono<Void> reply = switch (this.behaviour.get()) {
				case OK -> response.sendString(Mono.just(this.name)).then();
				case FAIL_503 -> response.status(503).sendString(Mono.just("unavailable")).then();
				case SLOW -> Mono.delay(this.delay).then(response.sendString(Mono.just(this.name)).then());
				case HANG -> Mono.never();
				case REFUSED -> response.status(503).send().then();
			};
			return reply.doFinally((signal) -> this.active.decrementAndGet());
		}).bindNow();
	}

	synchronized TestBackend behave(Behaviour behaviour) {
		Behaviour previous = this.behaviour.getAndSet(behaviour);
		DisposableServer current = this.server;
		if (behaviour == Behaviour.REFUSED && current != null) {
			this.server = null;
			current.disposeNow(Duration.ofSeconds(5));
		}
		else if (previous == Behaviour.REFUSED && behaviour != Behaviour.REFUSED && current == null) {
			this.server = bind(this.port);
		}
		return this;
	}

	Behaviour behaviour() {
		return this.behaviour.get();
	}

	int port() {
		return this.port;
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
	public synchronized void close() {
		DisposableServer current = this.server;
		this.server = null;
		if (current != null) {
			current.disposeNow(Duration.ofSeconds(5));
		}
	}

}
