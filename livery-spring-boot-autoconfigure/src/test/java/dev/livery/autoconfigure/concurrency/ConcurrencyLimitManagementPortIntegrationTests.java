package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import dev.livery.autoconfigure.concurrency.ConcurrencyLimitTestApplication.ParkingHandler;
import dev.livery.concurrency.ConcurrencyLimiter;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end test of the concurrency limit with Actuator on a separate management port:
 * the management child context starts, and its endpoints answer while the application is
 * saturated, without being counted, even at a base path that no exclusion pattern names.
 */
@SpringBootTest(classes = ConcurrencyLimitTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "management.server.port=0", "management.server.address=127.0.0.1",
				"management.endpoints.web.base-path=/manage",
				"livery.concurrency.max-concurrent-requests=2" })
class ConcurrencyLimitManagementPortIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Autowired
	private ParkingHandler handler;

	@Autowired
	private ConcurrencyLimiter limiter;

	@Test
	void managementPortShouldAnswerWhileApplicationIsSaturated() {
		assertThat(this.managementPort).isPositive().isNotEqualTo(this.port);
		HttpClient app = HttpClient.create().baseUrl("http://127.0.0.1:" + this.port);
		HttpClient management = HttpClient.create().baseUrl("http://127.0.0.1:" + this.managementPort);
		this.handler.reset();
		Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
		Disposable parked = Flux.range(0, 3).flatMap((i) -> status(app, "/park"), 3).subscribe(statuses::add);
		try {
			await().atMost(WAIT).until(() -> statuses.size() == 1 && this.handler.arrived.get() == 2);
			assertThat(statuses).containsExactly(503);
			assertThat(this.limiter.inFlight()).isEqualTo(2);

			assertThat(status(management, "/manage/health").block(WAIT)).isEqualTo(200);
			assertThat(this.limiter.inFlight()).isEqualTo(2);
			assertThat(this.limiter.rejected()).isEqualTo(1);

			this.handler.openGate();
			await().atMost(WAIT).until(() -> statuses.size() == 3);
			assertThat(statuses).containsExactly(503, 200, 200);
			await().atMost(WAIT).until(() -> this.limiter.inFlight() == 0);
		}
		finally {
			this.handler.openGate();
			parked.dispose();
		}
	}

	private static Mono<Integer> status(HttpClient client, String path) {
		return client.get()
			.uri(path)
			.responseSingle((response, body) -> body.asString().then(Mono.just(response.status().code())));
	}

}
