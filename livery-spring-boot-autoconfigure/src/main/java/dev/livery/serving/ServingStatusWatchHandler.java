package dev.livery.serving;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * WebFlux handler that serves {@link ServingStatusStore#watch(String) watch streams} as Server-Sent Events: one
 * {@value #EVENT_NAME} event per status, whose data is the status name.
 *
 * @since 0.1.0
 */
public class ServingStatusWatchHandler {

	/**
	 * Name of every event on a watch stream.
	 */
	public static final String EVENT_NAME = "status";

	private final ServingStatusStore store;

	/**
	 * Create a handler for the given store.
	 * @param store store to watch
	 */
	public ServingStatusWatchHandler(ServingStatusStore store) {
		this.store = store;
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
		Flux<ServerSentEvent<String>> events = this.store.watch(service)
			.map((status) -> ServerSentEvent.builder(status.name()).event(EVENT_NAME).build());
		return ServerResponse.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.body(BodyInserters.fromServerSentEvents(events));
	}

}
