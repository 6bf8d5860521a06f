package dev.livery.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import dev.livery.demo.DemoEvents.Kind;
import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointState;
import reactor.core.Disposable;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Makes the client follow each backend's own word: it watches every backend's serving status
 * ({@code GET /livery/serving/watch}, Server-Sent Events) and drains the backend in livery's pool the moment it says
 * {@code NOT_SERVING}, restoring it when it says {@code SERVING} again. A backend that shuts down says
 * {@code NOT_SERVING} before its server stops, so it is drained before it goes away.
 */
final class ServingWatcher {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT = new ParameterizedTypeReference<>() {
	};

	private final WebClient http = WebClient.create();

	private final Supplier<EndpointPool<?>> pool;

	private final DemoEvents events;

	private final List<Disposable> watches = new ArrayList<>();

	ServingWatcher(Supplier<EndpointPool<?>> pool, DemoEvents events) {
		this.pool = pool;
		this.events = events;
	}

	void watch(DemoBackend backend) {
		this.watches.add(this.http.get()
			.uri(backend.uri() + "/livery/serving/watch")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(EVENT)
			.mapNotNull(ServerSentEvent::data)
			.subscribe((status) -> changed(backend, status), (ex) -> {
				// The backend went away; what was last said stands.
			}));
	}

	private void changed(DemoBackend backend, String status) {
		EndpointPool<?> pool = this.pool.get();
		if (pool == null) {
			return;
		}
		if ("NOT_SERVING".equals(status)) {
			if (pool.drain(backend.key())) {
				this.events.record(Kind.DRAINED, backend.name(),
						backend.name() + " said NOT_SERVING on its watch stream: drained, no new calls go there");
			}
		}
		else if ("SERVING".equals(status)) {
			Endpoint<?> endpoint = pool.endpoint(backend.key());
			if (endpoint == null || endpoint.state() != EndpointState.DRAINED) {
				return;
			}
			pool.restore(backend.key());
			this.events.record(Kind.RESTORED, backend.name(),
					backend.name() + " said SERVING on its watch stream: restored");
		}
	}

	void stop() {
		this.watches.forEach(Disposable::dispose);
	}

}
