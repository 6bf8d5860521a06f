package dev.livery.serving;

import java.time.Duration;
import java.util.Objects;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * WebFlux handler that serves {@link ServingStatusStore#watch(String) watch streams} as Server-Sent Events: one
 * {@value #EVENT_NAME} event per status, whose data is the status name, and a {@value #HEARTBEAT_COMMENT} comment
 * after every heartbeat interval.
 *
 * <p>
 * On the wire a status is {@code event:status\ndata:<STATUS>\n\n} and a heartbeat is {@code :heartbeat\n\n}. The
 * heartbeat keeps idle proxies and load balancers from cutting the stream, tells a client that the server is still
 * there, and makes the server notice a client that vanished without closing the connection (the write fails and the
 * watcher is dropped). Each stream has its own timer, started after the first status and cancelled with the stream.
 *
 * @since 0.1.0
 */
public class ServingStatusWatchHandler {

	/**
	 * Name of every status event on a watch stream.
	 */
	public static final String EVENT_NAME = "status";

	/**
	 * Text of the heartbeat comment.
	 * @since 0.2.0
	 */
	public static final String HEARTBEAT_COMMENT = "heartbeat";

	/**
	 * Default interval between heartbeats.
	 * @since 0.2.0
	 */
	public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

	private static final ServerSentEvent<String> HEARTBEAT = ServerSentEvent.<String>builder()
		.comment(HEARTBEAT_COMMENT)
		.build();

	/**
	 * Marks the end of the status stream inside the merged stream; never written.
	 */
	private static final ServerSentEvent<String> END = ServerSentEvent.<String>builder().build();

	private final ServingStatusStore store;

	private final Duration heartbeat;

	private final Scheduler scheduler;

	/**
	 * Create a handler for the given store that sends a heartbeat every {@link #DEFAULT_HEARTBEAT 15 seconds}.
	 * @param store store to watch
	 */
	public ServingStatusWatchHandler(ServingStatusStore store) {
		this(store, DEFAULT_HEARTBEAT, Schedulers.parallel());
	}

	/**
	 * Create a handler for the given store.
	 * @param store store to watch
	 * @param heartbeat interval between heartbeat comments, positive
	 * @param scheduler scheduler of the heartbeat timers
	 * @throws IllegalArgumentException if the interval is not positive
	 * @since 0.2.0
	 */
	public ServingStatusWatchHandler(ServingStatusStore store, Duration heartbeat, Scheduler scheduler) {
		if (heartbeat == null || heartbeat.isNegative() || heartbeat.isZero()) {
			throw new IllegalArgumentException("Heartbeat interval must be positive, but was " + heartbeat);
		}
		this.store = Objects.requireNonNull(store, "store must not be null");
		this.heartbeat = heartbeat;
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler must not be null");
	}

	/**
	 * Return the interval between heartbeat comments.
	 * @return the interval
	 * @since 0.2.0
	 */
	public Duration getHeartbeat() {
		return this.heartbeat;
	}

	/**
	 * Route {@code GET {path}} to a watch of the server and {@code GET {path}/{service}} to a watch of that service.
	 * @param path base path, starting with {@code /}
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes(String path) {
		return RouterFunctions.route()
			.GET(path, (request) -> watch(ServingStatusStore.SERVER))
			.GET(path + "/{service}", (request) -> watch(request.pathVariable("service")))
			.build();
	}

	/**
	 * Answer with the watch stream of one service.
	 * @param service service name, {@code ""} for the server
	 * @return a {@code text/event-stream} response that lasts until the client leaves or the application shuts down
	 */
	public Mono<ServerResponse> watch(String service) {
		return ServerResponse.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.body(BodyInserters.fromServerSentEvents(events(service)));
	}

	/**
	 * Return the events of one service's watch stream: its statuses, with a heartbeat comment after every interval.
	 * The stream completes when the store's watch completes (on shutdown, after {@code NOT_SERVING}), and cancelling
	 * it drops the watcher and the heartbeat timer at once.
	 * @param service service name, {@code ""} for the server
	 * @return a cold stream; each subscription is one watcher
	 * @since 0.2.0
	 */
	public Flux<ServerSentEvent<String>> events(String service) {
		Flux<ServerSentEvent<String>> statuses = this.store.watch(service)
			.map((status) -> ServerSentEvent.builder(status.name()).event(EVENT_NAME).build());
		Flux<ServerSentEvent<String>> heartbeats = Flux.interval(this.heartbeat, this.heartbeat, this.scheduler)
			.map((tick) -> HEARTBEAT);
		// The timer never completes: end the merged stream when the statuses end.
		return Flux.merge(statuses.concatWith(Mono.just(END)), heartbeats).takeWhile((event) -> event != END);
	}

}
