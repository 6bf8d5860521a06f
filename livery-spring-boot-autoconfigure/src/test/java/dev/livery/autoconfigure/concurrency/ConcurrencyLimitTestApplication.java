package dev.livery.autoconfigure.concurrency;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Small WebFlux application for the end-to-end tests of the concurrency limit: {@code /park}
 * holds every request on a gate the test opens (no thread is blocked), {@code /work}
 * answers after a short non-blocking delay. Both track how many requests are inside the
 * handler at once.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class ConcurrencyLimitTestApplication {

	@Bean
	ParkingHandler parkingHandler() {
		return new ParkingHandler();
	}

	@Bean
	RouterFunction<ServerResponse> routes(ParkingHandler handler) {
		return RouterFunctions.route()
			.GET("/park", handler::park)
			.GET("/work", handler::work)
			.GET("/fast", (request) -> ServerResponse.ok().bodyValue("fast"))
			.build();
	}

	static final class ParkingHandler {

		final AtomicInteger arrived = new AtomicInteger();

		final AtomicInteger inside = new AtomicInteger();

		final AtomicInteger maxInside = new AtomicInteger();

		private volatile Sinks.Empty<Void> gate = Sinks.empty();

		Mono<ServerResponse> park(ServerRequest request) {
			return inside(() -> this.gate.asMono(), "released");
		}

		Mono<ServerResponse> work(ServerRequest request) {
			return inside(() -> Mono.delay(Duration.ofMillis(5)).then(), "done");
		}

		/**
		 * Count the request as inside from subscription until its work ends, whether it
		 * completes, fails or is cancelled. It leaves <em>before</em> the work's end is
		 * signalled on ({@code doOnTerminate}): a {@code doFinally} runs only after the
		 * signal has travelled downstream, by when the response may have been written and
		 * the limiter's permit released, so a successor could already be counted inside.
		 */
		private Mono<ServerResponse> inside(Supplier<Mono<Void>> work, String body) {
			return Mono.defer(() -> {
				this.arrived.incrementAndGet();
				this.maxInside.accumulateAndGet(this.inside.incrementAndGet(), Math::max);
				AtomicBoolean left = new AtomicBoolean();
				Runnable leave = () -> {
					if (left.compareAndSet(false, true)) {
						this.inside.decrementAndGet();
					}
				};
				return work.get()
					.doOnTerminate(leave)
					.then(ServerResponse.ok().bodyValue(body))
					.doFinally((signal) -> leave.run());
			});
		}

		void openGate() {
			this.gate.tryEmitEmpty();
		}

		void reset() {
			openGate();
			this.gate = Sinks.empty();
			this.arrived.set(0);
			this.maxInside.set(0);
		}

	}

}
