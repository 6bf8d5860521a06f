package dev.livery.loadbalancer.health;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * The client of one endpoint's serving-status watch stream ({@code GET /livery/serving/watch}, Server-Sent Events):
 * keeps it open, reports every status to an {@link EndpointHealthSink} the moment it arrives, and reopens it with
 * backoff when it fails or ends.
 *
 * @since 0.2.0
 */
public final class ServingWatch {

	/*
	 * Implementation note. The stream is a Flux of lines bridged from the JDK HTTP client's line subscriber; the Flux
	 * has a per-line timeout of idle-timeout on the scheduler, so a stream that stops saying anything - no event and
	 * no heartbeat comment, which the server sends every livery.serving.watch-heartbeat - is taken for dead (a host
	 * that vanished without closing its connections looks exactly like a quiet one otherwise) and reopened. The same
	 * timeout bounds the wait for the first line.
	 *
	 * Reopening follows gRPC's client-side health checking (A17): exponential backoff from reconnect-backoff,
	 * doubling up to max-reconnect-backoff, reset by any line received, jittered ±20 % so that a fleet of clients does
	 * not reconnect in step. While a stream is down the last status stands, so a backend that said NOT_SERVING and
	 * then stopped stays out. An endpoint that does not speak the protocol is healthy (nothing says otherwise) and
	 * asked again only after max-reconnect-backoff: before it ever answered, its watch path answers 4xx or 501 or it
	 * refuses the connection; once it has answered, only 404, 405 or 501 (no such stream: what runs there now does
	 * not serve it) - a proxy's 403, 408 or 429 after an answer is a stream that is down, and the last status stands.
	 *
	 * As in ActiveHealthCheck, whatever is pending (the open stream or the timer of the next attempt) sits in one
	 * Disposable.Swap that stop() disposes; disposing the stream cancels the JDK client's body subscription and its
	 * future, which closes the connection, and the server drops its watcher at once.
	 */

	/**
	 * Where a watch stands.
	 */
	public enum State {

		/** Asking for the stream, no line received yet. */
		CONNECTING,

		/** The stream is open and has said something. */
		OPEN,

		/** Waiting before the next attempt. */
		WAITING,

		/** Stopped for good. */
		STOPPED

	}

	private static final String EVENT_NAME = "status";

	private final HttpClient http;

	private final HttpRequest request;

	private final Scheduler scheduler;

	private final ServingWatchSettings settings;

	private final EndpointHealthSink sink;

	private final long initialBackoffNanos;

	private final long maxBackoffNanos;

	private final Disposable.Swap pending = Disposables.swap();

	private final AtomicInteger attempts = new AtomicInteger();

	private final AtomicLong lines = new AtomicLong();

	private volatile long backoffNanos;

	private volatile State state = State.WAITING;

	private volatile boolean answered;

	private volatile @Nullable String status;

	private volatile long lastDelayNanos;

	/**
	 * Create the watch of one endpoint; nothing happens until {@link #start()}.
	 * @param target the endpoint
	 * @param settings which stream, and how to reopen it
	 * @param http the client to watch with
	 * @param scheduler where timers run
	 * @param sink told every status
	 */
	public ServingWatch(HealthTarget target, ServingWatchSettings settings, HttpClient http, Scheduler scheduler,
			EndpointHealthSink sink) {
		this.http = http;
		this.scheduler = scheduler;
		this.settings = settings;
		this.sink = sink;
		this.initialBackoffNanos = settings.reconnectBackoff().toNanos();
		this.maxBackoffNanos = settings.maxReconnectBackoff().toNanos();
		this.backoffNanos = this.initialBackoffNanos;
		this.request = HttpRequest.newBuilder(target.uri(target.port(), settings.streamPath()))
			.header("Accept", "text/event-stream")
			.header("Cache-Control", "no-cache")
			.GET()
			.build();
	}

	/**
	 * Return the URI of the stream.
	 * @return the URI
	 */
	public URI uri() {
		return this.request.uri();
	}

	/**
	 * Report the endpoint healthy until it says otherwise, and open the stream.
	 */
	public void start() {
		this.sink.servingStatus(null, true);
		connect();
	}

	/**
	 * Close the stream, or cancel the next attempt, for good. Idempotent.
	 */
	public void stop() {
		this.pending.dispose();
		this.state = State.STOPPED;
	}

	/**
	 * Return where the watch stands.
	 * @return the state
	 */
	public State state() {
		return this.state;
	}

	/**
	 * Return the last status received; {@code null} before any, or once the endpoint turned out not to speak the
	 * protocol.
	 * @return the status name
	 */
	public @Nullable String status() {
		return this.status;
	}

	/**
	 * Return how many times the stream was asked for.
	 * @return the attempts so far
	 */
	public int attempts() {
		return this.attempts.get();
	}

	/**
	 * Return how many lines every stream of this watch has received, events and heartbeats alike.
	 * @return lines received
	 */
	public long linesReceived() {
		return this.lines.get();
	}

	/**
	 * Return the wait chosen before the current or latest attempt, jitter included.
	 * @return the wait in nanoseconds
	 */
	public long lastDelayNanos() {
		return this.lastDelayNanos;
	}

	private void connect() {
		Stream stream = new Stream();
		if (!this.pending.replace(stream)) {
			return;
		}
		this.state = State.CONNECTING;
		this.attempts.incrementAndGet();
		lines().timeout(this.settings.idleTimeout(), this.scheduler).subscribe(stream);
	}

	private Flux<String> lines() {
		return Flux.create((emitter) -> {
			LineBridge bridge = new LineBridge(emitter);
			CompletableFuture<HttpResponse<Void>> response = this.http.sendAsync(this.request, (info) -> {
				if (info.statusCode() != 200) {
					if (!emitter.isCancelled()) {
						emitter.error(new StatusException(info.statusCode()));
					}
					return HttpResponse.BodySubscribers.replacing(null);
				}
				return HttpResponse.BodySubscribers.fromLineSubscriber(bridge, (subscriber) -> null,
						StandardCharsets.UTF_8, null);
			});
			// The body's own subscriber reports the stream's end; the future reports what fails before it.
			response.whenComplete((ignored, ex) -> {
				if (ex != null && !emitter.isCancelled()) {
					emitter.error(ex);
				}
			});
			emitter.onDispose(() -> {
				bridge.cancel();
				response.cancel(true);
			});
		});
	}

	private void received(String status) {
		this.answered = true;
		this.status = status;
		this.sink.servingStatus(status, "SERVING".equals(status));
	}

	private void ended(@Nullable Throwable failure) {
		if (this.pending.isDisposed()) {
			return;
		}
		long delay;
		if (doesNotSpeak(failure)) {
			this.status = null;
			this.sink.servingStatus(null, true);
			delay = this.maxBackoffNanos;
		}
		else {
			delay = this.backoffNanos;
			this.backoffNanos = Math.min(this.maxBackoffNanos, 2 * delay);
		}
		delay += (long) ((ThreadLocalRandom.current().nextDouble() - 0.5) * delay * 0.4);
		this.lastDelayNanos = delay;
		Disposable.Swap holder = Disposables.swap();
		if (!this.pending.replace(holder)) {
			return;
		}
		this.state = State.WAITING;
		try {
			holder.update(this.scheduler.schedule(this::connect, delay, TimeUnit.NANOSECONDS));
		}
		catch (RejectedExecutionException ex) {
			stop();
		}
	}

	/**
	 * Whether the endpoint does not speak the protocol. Before it has ever answered: any 4xx or 501, or a refused
	 * connection. After: only an answer that there is no such stream (404, 405, 501), which means whatever runs at the
	 * address now does not serve it; anything else (a proxy's 403, 408 or 429, a refused connection) is a stream that
	 * is down, and the last status stands.
	 */
	private boolean doesNotSpeak(@Nullable Throwable failure) {
		if (failure instanceof StatusException status) {
			int code = status.code;
			return code == 404 || code == 405 || code == 501 || (!this.answered && code >= 400 && code < 500);
		}
		return !this.answered && isRefused(failure);
	}

	private static boolean isRefused(@Nullable Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException) {
				return true;
			}
		}
		return false;
	}

	@Override
	public String toString() {
		return "ServingWatch[" + this.request.uri() + ", " + this.state + ", " + this.status + "]";
	}

	/**
	 * One attempt at the stream: parses its lines as Server-Sent Events.
	 */
	private final class Stream extends BaseSubscriber<String> {

		private @Nullable String event;

		private @Nullable StringBuilder data;

		@Override
		protected void hookOnNext(String line) {
			if (ServingWatch.this.state == State.CONNECTING) {
				ServingWatch.this.state = State.OPEN;
			}
			ServingWatch.this.backoffNanos = ServingWatch.this.initialBackoffNanos;
			ServingWatch.this.lines.incrementAndGet();
			if (line.isEmpty()) {
				dispatch();
			}
			else if (line.charAt(0) != ':') {
				// A line starting with ':' is a comment: the server's heartbeat, which only proves the stream alive.
				field(line);
			}
		}

		private void field(String line) {
			int colon = line.indexOf(':');
			String name = (colon < 0) ? line : line.substring(0, colon);
			String value = "";
			if (colon >= 0) {
				int start = (colon + 1 < line.length() && line.charAt(colon + 1) == ' ') ? colon + 2 : colon + 1;
				value = line.substring(start);
			}
			if ("data".equals(name)) {
				if (this.data == null) {
					this.data = new StringBuilder(value);
				}
				else {
					this.data.append('\n').append(value);
				}
			}
			else if ("event".equals(name)) {
				this.event = value;
			}
		}

		private void dispatch() {
			StringBuilder payload = this.data;
			String name = this.event;
			this.data = null;
			this.event = null;
			if (payload != null && (name == null || EVENT_NAME.equals(name))) {
				received(payload.toString().trim());
			}
		}

		@Override
		protected void hookOnComplete() {
			ended(null);
		}

		@Override
		protected void hookOnError(Throwable failure) {
			ended(failure);
		}

	}

	/**
	 * Hands the lines of the JDK client's body to a Reactor sink, and cancels the body when the sink is disposed.
	 */
	private static final class LineBridge implements Flow.Subscriber<String> {

		private static final Flow.Subscription CANCELLED = new Flow.Subscription() {

			@Override
			public void request(long n) {
			}

			@Override
			public void cancel() {
			}

		};

		private final FluxSink<String> emitter;

		private final AtomicReference<Flow.@Nullable Subscription> subscription = new AtomicReference<>();

		LineBridge(FluxSink<String> emitter) {
			this.emitter = emitter;
		}

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			if (!this.subscription.compareAndSet(null, subscription)) {
				subscription.cancel();
				return;
			}
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(String line) {
			this.emitter.next(line);
		}

		@Override
		public void onError(Throwable failure) {
			// A cancelled body fails with "Request cancelled": nobody is listening any more.
			if (!this.emitter.isCancelled()) {
				this.emitter.error(failure);
			}
		}

		@Override
		public void onComplete() {
			this.emitter.complete();
		}

		void cancel() {
			Flow.Subscription previous = this.subscription.getAndSet(CANCELLED);
			if (previous != null) {
				previous.cancel();
			}
		}

	}

	/**
	 * The stream was answered with another status than 200.
	 */
	private static final class StatusException extends RuntimeException {

		private final int code;

		StatusException(int code) {
			super("Watch stream answered " + code, null, false, false);
			this.code = code;
		}

	}

}
