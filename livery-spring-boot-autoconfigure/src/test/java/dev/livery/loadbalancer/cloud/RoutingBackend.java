package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on 127.0.0.1 that answers its name, counts the requests it serves (health checks apart), and
 * can hang or report itself unhealthy on {@code /actuator/health}.
 */
final class RoutingBackend implements AutoCloseable {

	private final AtomicInteger served = new AtomicInteger();

	private final String name;

	private final DisposableServer server;

	private volatile boolean hang;

	private volatile int healthStatus = 200;

	RoutingBackend(String name) {
		this.name = name;
		this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			if (request.uri().startsWith("/actuator/health")) {
				return response.status(this.healthStatus).sendString(Mono.just("{}")).then();
			}
			this.served.incrementAndGet();
			if (this.hang) {
				return Mono.never();
			}
			return response.sendString(Mono.just(this.name)).then();
		}).bindNow();
	}

	RoutingBackend hang() {
		this.hang = true;
		return this;
	}

	RoutingBackend unhealthy() {
		this.healthStatus = 503;
		return this;
	}

	String name() {
		return this.name;
	}

	String uri() {
		return "http://127.0.0.1:" + this.server.port();
	}

	String key() {
		return "127.0.0.1:" + this.server.port();
	}

	int served() {
		return this.served.get();
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
	}

}
