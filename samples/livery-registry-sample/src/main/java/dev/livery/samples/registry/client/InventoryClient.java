package dev.livery.samples.registry.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.livery.loadbalancer.cloud.InstanceSelector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A client of the inventory replicas, which it finds in ZooKeeper. Reads go through a {@code @LoadBalanced}
 * {@link WebClient} with the item's key in the {@code X-Livery-Key} header, so under livery's {@code ring-hash}
 * policy every read of a key reaches the same replica (the key's primary) while it is eligible. Writes go to the
 * key's first {@code replicas} replicas as {@link InstanceSelector} lists them: the primary first, then its successors
 * on the ring, the same list in every client that sees the same members. A read after a write therefore finds the
 * value, and keeps finding it when the primary goes away, because its keys move to the next replica on the ring.
 *
 * @since 0.2.0
 */
@SpringBootApplication
@RestController
public class InventoryClient {

	private static final ParameterizedTypeReference<Map<String, Object>> MAP = new ParameterizedTypeReference<>() {
	};

	private static final String SERVICE = "inventory";

	private final WebClient loadBalanced;

	private final WebClient direct;

	private final InstanceSelector selector;

	public InventoryClient(@LoadBalanced WebClient.Builder loadBalanced, InstanceSelector selector) {
		this.loadBalanced = loadBalanced.baseUrl("http://" + SERVICE).build();
		// Writes address replicas one by one, so they use a plain client.
		this.direct = WebClient.create();
		this.selector = selector;
	}

	/**
	 * A builder whose clients resolve {@code http://inventory/...} through livery. Static: the controller that
	 * declares it also uses it.
	 * @return the builder
	 */
	@Bean
	@LoadBalanced
	static WebClient.Builder loadBalancedWebClientBuilder() {
		return WebClient.builder();
	}

	/**
	 * Read an item from its primary replica.
	 * @param key the item's key
	 * @return the replica's answer
	 */
	@GetMapping("/items/{key}")
	public Mono<ResponseEntity<Map<String, Object>>> get(@PathVariable String key) {
		return this.loadBalanced.get()
			.uri("/items/{key}", key)
			.header("X-Livery-Key", key)
			.exchangeToMono((response) -> response.toEntity(MAP));
	}

	/**
	 * Write an item to its replicas.
	 * @param key the item's key
	 * @param value the value
	 * @param replicas how many replicas to write
	 * @return the replicas written, primary first
	 */
	@PutMapping("/items/{key}")
	public Mono<Map<String, Object>> put(@PathVariable String key, @RequestBody String value,
			@RequestParam(defaultValue = "2") int replicas) {
		return this.selector.select(SERVICE, key, replicas)
			.flatMap((instances) -> Flux.fromIterable(instances)
				.concatMap((instance) -> write(instance, key, value))
				.collectList()
				.map((written) -> {
					Map<String, Object> body = new LinkedHashMap<>();
					body.put("key", key);
					body.put("replicas", written);
					return body;
				}));
	}

	/**
	 * Show which replicas a key has, primary first, without writing.
	 * @param key the key
	 * @param replicas how many
	 * @return the replicas' {@code host:port}
	 */
	@GetMapping("/replicas/{key}")
	public Mono<List<String>> replicas(@PathVariable String key, @RequestParam(defaultValue = "2") int replicas) {
		return this.selector.select(SERVICE, key, replicas)
			.map((instances) -> instances.stream().map((i) -> i.getHost() + ":" + i.getPort()).toList());
	}

	private Mono<String> write(ServiceInstance instance, String key, String value) {
		return this.direct.put()
			.uri(instance.getUri() + "/items/{key}", key)
			.bodyValue(value)
			.retrieve()
			.bodyToMono(MAP)
			.map((body) -> String.valueOf(body.get("instance")));
	}

}
