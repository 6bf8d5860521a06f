package dev.livery.loadbalancer.health;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A real HTTP backend on 127.0.0.1 whose health path and serving watch stream a test controls: the health path
 * answers 200, 503 or never; the watch stream sends the current status first and every change, heartbeat comments
 * on demand, or answers 404. Every other path answers 200 with the backend's name (after a delay, if set), and each
 * request's arrival time
 * ({@link System#nanoTime()}) is remembered.
 */
public final class HealthBackend implements AutoCloseable {

	/**
	 * How the health path answers.
	 */
	public enum Health {

		UP, DOWN, HANG

	}

	private final String name;

	private final DisposableServer server;

	private volatile Health health = Health.UP;

	/** What the watch path answers instead of a stream, or 0 for a stream. */
	private volatile int watchRefusal;

	private volatile Duration delay = Duration.ZERO;

	private final Sinks.Many<String> statuses = Sinks.many().replay().latest();

	private final Sinks.Many<String> comments = Sinks.many().multicast().directBestEffort();

	private final Sinks.Many<Boolean> ends = Sinks.many().multicast().directBestEffort();

	private final AtomicInteger healthChecks = new AtomicInteger();

	private final AtomicInteger openStreams = new AtomicInteger();

	private final AtomicInteger streamsOpened = new AtomicInteger();

	private final AtomicInteger requests = new AtomicInteger();

	private final AtomicLong lastRequestNanos = new AtomicLong();

	public HealthBackend(String name) {
		this(name, 0);
	}

	public HealthBackend(String name, int port) {
		this.name = name;
		this.statuses.tryEmitNext("SERVING");
		this.server = HttpServer.create().host("127.0.0.1").port(port).handle(this::handle).bindNow();
	}

	private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
		String path = request.path();
		if (path.equals("actuator/health")) {
			this.healthChecks.incrementAndGet();
			return switch (this.health) {
				case UP -> response.header("Content-Type", "application/json").sendString(Mono.just("{\"status\":\"UP\"}")).then();
				case DOWN -> response.status(503).sendString(Mono.just("{\"status\":\"DOWN\"}")).then();
				case HANG -> Mono.never();
			};
		}
		if (path.startsWith("livery/serving/watch")) {
			int refusal = this.watchRefusal;
			if (refusal != 0) {
				return response.status(refusal).send();
			}
			Flux<String> events = Flux.merge(this.statuses.asFlux().map((status) -> "event:status\ndata:" + status + "\n\n"),
					this.comments.asFlux().map((comment) -> ":" + comment + "\n\n"))
				.takeUntilOther(this.ends.asFlux());
			Flux<ByteBuf> body = events.map((text) -> Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))
				.doOnSubscribe((subscription) -> {
					this.openStreams.incrementAndGet();
					this.streamsOpened.incrementAndGet();
				})
				.doFinally((signal) -> this.openStreams.decrementAndGet());
			return response.header("Content-Type", "text/event-stream").send(body, (buffer) -> true).then();
		}
		this.requests.incrementAndGet();
		this.lastRequestNanos.set(System.nanoTime());
		Duration delay = this.delay;
		Mono<Void> reply = response.sendString(Mono.just(this.name)).then();
		return delay.isZero() ? reply : Mono.delay(delay).then(reply);
	}

	public String name() {
		return this.name;
	}

	public int port() {
		return this.server.port();
	}

	public String uri() {
		return "http://127.0.0.1:" + port();
	}

	public String key() {
		return "127.0.0.1:" + port();
	}

	public HealthTarget target() {
		return new HealthTarget(false, "127.0.0.1", port(), Map.of());
	}

	public HealthBackend health(Health health) {
		this.health = health;
		return this;
	}

	/**
	 * Answer every request that is not health or the watch after this long.
	 * @param delay the service time
	 * @return this backend
	 */
	public HealthBackend delay(Duration delay) {
		this.delay = delay;
		return this;
	}

	public HealthBackend watchSupported(boolean supported) {
		return watchAnswers(supported ? 0 : 404);
	}

	/**
	 * Answer the watch path with this status code instead of a stream.
	 * @param status the status code, or 0 to serve the stream again
	 * @return this backend
	 */
	public HealthBackend watchAnswers(int status) {
		this.watchRefusal = status;
		return this;
	}

	/**
	 * Change the serving status; open streams are told at once.
	 * @param status the status name
	 */
	public void status(String status) {
		this.statuses.emitNext(status, Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
	}

	/**
	 * Send a heartbeat comment on every open stream.
	 */
	public void heartbeat() {
		this.comments.tryEmitNext("heartbeat");
	}

	/**
	 * Complete every open stream, as a server does when it shuts down.
	 */
	public void endStreams() {
		this.ends.tryEmitNext(true);
	}

	public int healthChecks() {
		return this.healthChecks.get();
	}

	public int openStreams() {
		return this.openStreams.get();
	}

	public int streamsOpened() {
		return this.streamsOpened.get();
	}

	public int requests() {
		return this.requests.get();
	}

	public long lastRequestNanos() {
		return this.lastRequestNanos.get();
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
	}

}
