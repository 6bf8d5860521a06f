package dev.livery.autoconfigure.dashboard;

import java.time.Duration;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on 127.0.0.1 that answers {@code 200} or, once told to fail, {@code 503}.
 */
final class Backend implements AutoCloseable {

	private final DisposableServer server;

	private volatile boolean failing;

	Backend() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> this.failing ? response.status(503).sendString(Mono.just("failing"))
					: response.sendString(Mono.just("ok")))
			.bindNow();
	}

	Backend failing(boolean failing) {
		this.failing = failing;
		return this;
	}

	String uri() {
		return "http://127.0.0.1:" + this.server.port();
	}

	String key() {
		return "127.0.0.1:" + this.server.port();
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
	}

}
