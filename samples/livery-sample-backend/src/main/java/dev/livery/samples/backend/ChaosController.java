package dev.livery.samples.backend;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The backend's work and the knob that makes it slow, failing or hung.
 *
 * @since 0.1.0
 */
@RestController
@EnableConfigurationProperties(Chaos.class)
public class ChaosController {

	private final Chaos chaos;

	private final String instance;

	public ChaosController(Chaos chaos, @Value("${sample.instance-name:${spring.application.name}}") String instance) {
		this.chaos = chaos;
		this.instance = instance;
	}

	/**
	 * Do some "work": wait {@code delay}, then answer 200 with this instance's name, or 500 for a
	 * {@code failureRate} share of calls, or never if {@code hang} is set.
	 * @return the answer
	 */
	@GetMapping("/work")
	public Mono<ResponseEntity<Map<String, Object>>> work() {
		if (this.chaos.isHang()) {
			return Mono.never();
		}
		boolean fail = this.chaos.nextCallFails();
		HttpStatus status = fail ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.OK;
		Map<String, Object> body = Map.of("instance", this.instance, "status", status.value());
		Mono<ResponseEntity<Map<String, Object>>> answer = Mono.just(ResponseEntity.status(status).body(body));
		Duration delay = this.chaos.getDelay();
		return delay.isZero() ? answer : answer.delayElement(delay);
	}

	/**
	 * Show the current chaos settings.
	 * @return the settings
	 */
	@GetMapping("/chaos")
	public Map<String, Object> chaos() {
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put("instance", this.instance);
		settings.put("delay", this.chaos.getDelay().toMillis() + "ms");
		settings.put("failureRate", this.chaos.getFailureRate());
		settings.put("hang", this.chaos.isHang());
		return settings;
	}

	/**
	 * Change some chaos settings; what the request leaves out stays as it is. For example
	 * {@code {"delay":"300ms","failureRate":0.5}}.
	 * @param change the settings to change
	 * @return the new settings, or 400 with a reason for a bad value
	 */
	@PostMapping("/chaos")
	public ResponseEntity<Map<String, Object>> chaos(@RequestBody ChaosChange change) {
		try {
			Duration delay = (change.delay() != null) ? DurationStyle.detectAndParse(change.delay()) : null;
			if (delay != null && delay.isNegative()) {
				throw new IllegalArgumentException("delay must not be negative");
			}
			if (change.failureRate() != null
					&& (change.failureRate() < 0 || change.failureRate() > 1 || change.failureRate().isNaN())) {
				throw new IllegalArgumentException("failureRate must be between 0 and 1");
			}
			if (delay != null) {
				this.chaos.setDelay(delay);
			}
			if (change.failureRate() != null) {
				this.chaos.setFailureRate(change.failureRate());
			}
			if (change.hang() != null) {
				this.chaos.setHang(change.hang());
			}
		}
		catch (IllegalArgumentException ex) {
			return ResponseEntity.badRequest().body(Map.of("status", 400, "error", String.valueOf(ex.getMessage())));
		}
		return ResponseEntity.ok(chaos());
	}

	/**
	 * A change of chaos settings; {@code null} leaves a setting as it is.
	 *
	 * @param delay time every call takes, such as {@code 300ms} or {@code 1s}
	 * @param failureRate share of calls that fail, between 0 and 1
	 * @param hang whether calls never answer
	 */
	public record ChaosChange(String delay, Double failureRate, Boolean hang) {
	}

}
