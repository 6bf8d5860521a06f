package dev.livery.samples.backend;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A backend service: answers {@code GET /work} after a delay and, at a chosen rate, with a 500. Both are changed at
 * run time with {@code POST /chaos}. livery's starter adds the concurrency limit and the serving status; nothing
 * here refers to it.
 *
 * @since 0.1.0
 */
@SpringBootApplication
public class SampleBackendApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleBackendApplication.class, args);
	}

}
