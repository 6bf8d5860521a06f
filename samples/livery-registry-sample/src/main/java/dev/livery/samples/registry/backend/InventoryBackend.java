package dev.livery.samples.registry.backend;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * An inventory replica: a WebFlux service that registers itself in ZooKeeper as {@code inventory} (Spring Cloud
 * Zookeeper does that, from {@code spring.application.name}) and keeps items in memory. Each replica stores only
 * what is written to it, so which replica a read reaches shows.
 *
 * @since 0.2.0
 */
@SpringBootApplication
@RestController
public class InventoryBackend {

	private final Map<String, String> items = new ConcurrentHashMap<>();

	private final String instance;

	public InventoryBackend(@Value("${spring.cloud.zookeeper.discovery.instance-id}") String instance) {
		this.instance = instance;
	}

	/**
	 * Store an item on this replica.
	 * @param key the item's key
	 * @param value its value
	 * @return which replica stored it
	 */
	@PutMapping("/items/{key}")
	public Mono<Map<String, String>> put(@PathVariable String key, @RequestBody String value) {
		this.items.put(key, value);
		return Mono.just(Map.of("instance", this.instance, "key", key));
	}

	/**
	 * Read an item from this replica.
	 * @param key the item's key
	 * @return the value and which replica answered; 404 if this replica has not got it
	 */
	@GetMapping("/items/{key}")
	public Mono<ResponseEntity<Map<String, String>>> get(@PathVariable String key) {
		Map<String, String> body = new LinkedHashMap<>();
		body.put("instance", this.instance);
		body.put("key", key);
		String value = this.items.get(key);
		if (value == null) {
			return Mono.just(ResponseEntity.status(404).body(body));
		}
		body.put("value", value);
		return Mono.just(ResponseEntity.ok(body));
	}

}
