package dev.livery.concurrency;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import dev.livery.concurrency.ConcurrencyLimiter.Outcome;
import dev.livery.concurrency.ConcurrencyLimiter.Permit;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ConcurrencyLimitingWebFilter}. End-to-end behaviour against a real
 * server is covered by {@code ConcurrencyLimitIntegrationTests}.
 */
class ConcurrencyLimitingWebFilterTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final RecordingLimiter limiter = new RecordingLimiter(new FixedConcurrencyLimiter(1));

	private final ConcurrencyLimitingWebFilter filter = new ConcurrencyLimitingWebFilter(this.limiter,
			List.of("/actuator/**", "/livez"), Duration.ofSeconds(1), 0);

	@Test
	void filterWhenLimitReachedShouldWriteProblemDetail() {
		Permit held = this.limiter.tryAcquire();
		MockServerWebExchange exchange = exchange("/orders/42?expand=lines");
		AtomicInteger reachedChain = new AtomicInteger();
		StepVerifier.create(this.filter.filter(exchange, countingChain(reachedChain, Mono.empty())))
			.verifyComplete();
		assertThat(reachedChain).hasValue(0);
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		HttpHeaders headers = exchange.getResponse().getHeaders();
		assertThat(headers.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(headers.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		assertThat(headers.getCacheControl()).isEqualTo("no-store");
		String body = exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5));
		assertThat(headers.getContentLength()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
		assertThat(json.readValue(body, Map.class)).containsOnly(Map.entry("type", "about:blank"),
				Map.entry("title", "Service Unavailable"), Map.entry("status", 503),
				Map.entry("detail", "The server is handling as many requests as it can; retry later."),
				Map.entry("instance", "/orders/42"));
		assertThat(this.limiter.rejected()).isEqualTo(1);
		assertThat(this.limiter.inFlight()).isEqualTo(1);
		held.release(Outcome.SUCCESS);
	}

	@Test
	void problemBodyShouldEscapeTheInstanceAsJson() {
		String path = "/a\"b\\c\u0001d\ne\u2028f/ünï/\uD83D\uDE00";
		String body = new String(ConcurrencyLimitingWebFilter.problemBody(path), StandardCharsets.UTF_8);
		assertThat(body).doesNotContain("\n").doesNotContain("\u2028").doesNotContain("\u0001");
		assertThat(json.readValue(body, Map.class)).containsEntry("instance", path);
	}

	@Test
	void retryAfterShouldBeSentInWholeSecondsRoundedUp() {
		assertThat(retryAfterHeader(Duration.ofMillis(1))).isEqualTo("1");
		assertThat(retryAfterHeader(Duration.ofSeconds(1))).isEqualTo("1");
		assertThat(retryAfterHeader(Duration.ofMillis(1500))).isEqualTo("2");
		assertThat(retryAfterHeader(Duration.ofMinutes(2))).isEqualTo("120");
		assertThat(retryAfterHeader(Duration.ZERO)).isNull();
	}

	@Test
	void createWithNegativeRetryAfterShouldFail() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ConcurrencyLimitingWebFilter(this.limiter, List.of(), Duration.ofSeconds(-1), 0))
			.withMessageContaining("retryAfter");
	}

	@Test
	void filterWhenPathExcludedShouldNeitherLimitNorCount() {
		Permit held = this.limiter.tryAcquire();
		AtomicInteger reachedChain = new AtomicInteger();
		for (String path : List.of("/actuator", "/actuator/health/readiness", "/livez")) {
			StepVerifier.create(this.filter.filter(exchange(path), countingChain(reachedChain, Mono.empty())))
				.verifyComplete();
		}
		assertThat(reachedChain).hasValue(3);
		assertThat(this.limiter.acquired).hasValue(1);
		assertThat(this.limiter.rejected()).isZero();
		held.release(Outcome.SUCCESS);
	}

	@Test
	void filterShouldTakeThePermitOnSubscriptionNotOnAssembly() {
		Mono<Void> filtered = this.filter.filter(exchange("/"), countingChain(new AtomicInteger(), Mono.never()));
		assertThat(this.limiter.inFlight()).isZero();
		StepVerifier.create(filtered).expectSubscription().then(() -> {
			assertThat(this.limiter.inFlight()).isEqualTo(1);
		}).thenCancel().verify(Duration.ofSeconds(5));
		assertThat(this.limiter.inFlight()).isZero();
	}

	@Test
	void filterWhenCompletedShouldReleaseWithSuccess() {
		StepVerifier.create(this.filter.filter(exchange("/"), countingChain(new AtomicInteger(), Mono.empty())))
			.verifyComplete();
		assertThat(this.limiter.inFlight()).isZero();
		assertThat(this.limiter.outcomes).containsExactly(Outcome.SUCCESS);
	}

	@Test
	void filterWhenCancelledShouldReleaseWithCancelled() {
		StepVerifier.create(this.filter.filter(exchange("/"), countingChain(new AtomicInteger(), Mono.never())))
			.expectSubscription()
			.thenCancel()
			.verify(Duration.ofSeconds(5));
		assertThat(this.limiter.inFlight()).isZero();
		assertThat(this.limiter.outcomes).containsExactly(Outcome.CANCELLED);
	}

	@Test
	void filterWhenHandlerFailsShouldReleaseWithError() {
		Mono<Void> failing = Mono.error(new IllegalStateException("boom"));
		StepVerifier.create(this.filter.filter(exchange("/"), countingChain(new AtomicInteger(), failing)))
			.verifyErrorMessage("boom");
		assertThat(this.limiter.inFlight()).isZero();
		assertThat(this.limiter.outcomes).containsExactly(Outcome.ERROR);
	}

	@Test
	void filterWhenHandlerAnswers5xxShouldReleaseWithErrorAnd4xxWithSuccess() {
		for (HttpStatus status : List.of(HttpStatus.INTERNAL_SERVER_ERROR, HttpStatus.SERVICE_UNAVAILABLE,
				HttpStatus.GATEWAY_TIMEOUT, HttpStatus.NOT_FOUND, HttpStatus.TOO_MANY_REQUESTS, HttpStatus.OK)) {
			WebFilterChain answering = (exchange) -> {
				exchange.getResponse().setStatusCode(status);
				return exchange.getResponse().setComplete();
			};
			StepVerifier.create(this.filter.filter(exchange("/"), answering)).verifyComplete();
		}
		assertThat(this.limiter.inFlight()).isZero();
		assertThat(this.limiter.outcomes).containsExactly(Outcome.ERROR, Outcome.ERROR, Outcome.ERROR,
				Outcome.SUCCESS, Outcome.SUCCESS, Outcome.SUCCESS);
	}

	@Test
	void filterWhenHandlerRaisesAStatusShouldReleaseWithErrorOnlyFor5xx() {
		for (HttpStatus status : List.of(HttpStatus.NOT_FOUND, HttpStatus.BAD_REQUEST, HttpStatus.BAD_GATEWAY)) {
			Mono<Void> raising = Mono.error(new ResponseStatusException(status));
			StepVerifier.create(this.filter.filter(exchange("/"), countingChain(new AtomicInteger(), raising)))
				.verifyError(ResponseStatusException.class);
		}
		assertThat(this.limiter.inFlight()).isZero();
		assertThat(this.limiter.outcomes).containsExactly(Outcome.SUCCESS, Outcome.SUCCESS, Outcome.ERROR);
	}

	@Test
	void filterWhenChainThrowsShouldReleaseWithError() {
		WebFilterChain throwing = (exchange) -> {
			throw new IllegalStateException("thrown");
		};
		Mono<Void> filtered = this.filter.filter(exchange("/"), throwing);
		assertThatIllegalStateException().isThrownBy(() -> filtered.block(Duration.ofSeconds(5)))
			.withMessage("thrown");
		assertThat(this.limiter.inFlight()).isZero();
		assertThat(this.limiter.outcomes).containsExactly(Outcome.ERROR);
	}

	@Test
	void filterSubscribedTwiceShouldTakeTwoPermits() {
		RecordingLimiter roomy = new RecordingLimiter(new FixedConcurrencyLimiter(5));
		ConcurrencyLimitingWebFilter filter = new ConcurrencyLimitingWebFilter(roomy, List.of(), Duration.ZERO, 0);
		Mono<Void> filtered = filter.filter(exchange("/"), countingChain(new AtomicInteger(), Mono.empty()));
		filtered.block(Duration.ofSeconds(5));
		filtered.block(Duration.ofSeconds(5));
		assertThat(roomy.acquired).hasValue(2);
		assertThat(roomy.outcomes).containsExactly(Outcome.SUCCESS, Outcome.SUCCESS);
		assertThat(roomy.inFlight()).isZero();
	}

	private @Nullable String retryAfterHeader(Duration retryAfter) {
		ConcurrencyLimitingWebFilter filter = new ConcurrencyLimitingWebFilter(new FixedConcurrencyLimiter(1),
				List.of(), retryAfter, 0);
		MockServerWebExchange exchange = exchange("/");
		filter.filter(exchange("/"), countingChain(new AtomicInteger(), Mono.never())).subscribe();
		filter.filter(exchange, countingChain(new AtomicInteger(), Mono.empty())).block(Duration.ofSeconds(5));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		return exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER);
	}

	private static MockServerWebExchange exchange(String uri) {
		return MockServerWebExchange.from(MockServerHttpRequest.get(uri));
	}

	private static WebFilterChain countingChain(AtomicInteger count, Mono<Void> result) {
		return (exchange) -> {
			count.incrementAndGet();
			return result;
		};
	}

	/**
	 * Limiter that delegates and records what the filter reports, as an adaptive limiter
	 * would consume it.
	 */
	static final class RecordingLimiter implements ConcurrencyLimiter {

		private final ConcurrencyLimiter delegate;

		final AtomicInteger acquired = new AtomicInteger();

		final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

		RecordingLimiter(ConcurrencyLimiter delegate) {
			this.delegate = delegate;
		}

		@Override
		public @Nullable Permit tryAcquire() {
			Permit permit = this.delegate.tryAcquire();
			if (permit == null) {
				return null;
			}
			this.acquired.incrementAndGet();
			return (outcome) -> {
				boolean released = permit.release(outcome);
				if (released) {
					this.outcomes.add(outcome);
				}
				return released;
			};
		}

		@Override
		public int inFlight() {
			return this.delegate.inFlight();
		}

		@Override
		public int limit() {
			return this.delegate.limit();
		}

		@Override
		public long rejected() {
			return this.delegate.rejected();
		}

	}

}
