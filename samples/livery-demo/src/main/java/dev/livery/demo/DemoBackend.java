package dev.livery.demo;

import java.time.Duration;

import dev.livery.samples.backend.SampleBackendApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One instance of the sample backend, run as its own Spring Boot application on a free port of 127.0.0.1, and
 * driven over HTTP the way an operator would.
 */
final class DemoBackend {

	private final String name;

	private final ConfigurableApplicationContext context;

	private final int port;

	private final WebClient http;

	private volatile String doing = "healthy";

	private DemoBackend(String name, ConfigurableApplicationContext context) {
		this.name = name;
		this.context = context;
		this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
		this.http = WebClient.create("http://127.0.0.1:" + this.port);
	}

	static DemoBackend start(String name) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleBackendApplication.class,
				IsolatedNettyResources.class)
			.run("--server.port=0", "--server.address=127.0.0.1", "--sample.instance-name=" + name,
					"--spring.application.name=" + name, "--spring.main.banner-mode=off",
					"--spring.lifecycle.timeout-per-shutdown-phase=5s");
		return new DemoBackend(name, context);
	}

	String name() {
		return this.name;
	}

	String key() {
		return "127.0.0.1:" + this.port;
	}

	String uri() {
		return "http://" + key();
	}

	/**
	 * What the story is doing to this backend, for the table.
	 * @return a few words
	 */
	String doing() {
		return this.doing;
	}

	/**
	 * Change its chaos settings through {@code POST /chaos}.
	 * @param json the change, such as {@code {"delay":"300ms"}}
	 * @param doing a few words for the table
	 */
	void chaos(String json, String doing) {
		post("/chaos", json);
		this.doing = doing;
	}

	void post(String path, String json) {
		this.http.post()
			.uri(path)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json)
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(60));
	}

	void doing(String doing) {
		this.doing = doing;
	}

	boolean isRunning() {
		return this.context.isActive();
	}

	/**
	 * Shut down gracefully, as on a deploy: Spring Boot's graceful shutdown, with livery's serving status first.
	 */
	void stop() {
		this.context.close();
	}

}
