package dev.livery.samples.client;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Calls the backend service through livery.
 *
 * @since 0.1.0
 */
@RestController
public class BackendController {

	private static final ParameterizedTypeReference<Map<String, Object>> MAP = new ParameterizedTypeReference<>() {
	};

	private final WebClient backend;

	public BackendController(WebClient.Builder loadBalanced) {
		// "backend" is a service id, not a host name: the load balancer turns it into one of its instances.
		this.backend = loadBalanced.baseUrl("http://backend").build();
	}

	/**
	 * Call the backend once and pass its answer on.
	 * @return the backend's answer
	 */
	@GetMapping("/call")
	public Mono<ResponseEntity<Map<String, Object>>> call() {
		return this.backend.get().uri("/work").exchangeToMono((response) -> response.toEntity(MAP));
	}

	/**
	 * Call the backend {@code n} times, {@code concurrency} at a time, and count the answers by instance, and the
	 * failures by status or error.
	 * @param n number of calls
	 * @param concurrency calls in flight at once
	 * @return counts by instance or failure
	 */
	@GetMapping("/spread")
	public Mono<Map<String, Integer>> spread(@RequestParam(defaultValue = "100") int n,
			@RequestParam(defaultValue = "8") int concurrency) {
		int calls = Math.max(1, Math.min(n, 10_000));
		return Flux.range(0, calls)
			.flatMap((i) -> this.backend.get()
				.uri("/work")
				.exchangeToMono((response) -> response.bodyToMono(MAP)
					.map((body) -> response.statusCode().is2xxSuccessful() ? String.valueOf(body.get("instance"))
							: "failed: " + response.statusCode().value() + " from " + body.get("instance"))
					.defaultIfEmpty("failed: " + response.statusCode().value()))
				.timeout(Duration.ofSeconds(5))
				.onErrorResume((ex) -> Mono.just("failed: " + ex.getClass().getSimpleName())),
					Math.max(1, Math.min(concurrency, 256)))
			.collect(TreeMap<String, Integer>::new, (counts, key) -> counts.merge(key, 1, Integer::sum))
			.map((counts) -> (Map<String, Integer>) counts);
	}

}
