package dev.livery.benchmarks;

import java.util.Optional;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Netflix concurrency-limits' own Gradient2, as its README configures it for a server ({@code WindowedLimit} around
 * {@code Gradient2Limit} in a {@code SimpleLimiter}), behind the simplest WebFilter that reports outcomes the way
 * livery's filter does: a 5xx, an error or a cancellation is a drop. For comparison only.
 */
final class NetflixLimitFilter implements WebFilter, Ordered {

	private final SimpleLimiter<Void> limiter;

	NetflixLimitFilter(int minLimit, int initialLimit, int maxLimit) {
		this.limiter = SimpleLimiter.newBuilder()
			.limit(WindowedLimit.newBuilder()
				.build(Gradient2Limit.newBuilder()
					.minLimit(minLimit)
					.initialLimit(initialLimit)
					.maxConcurrency(maxLimit)
					.build()))
			.build();
	}

	int limit() {
		return this.limiter.getLimit();
	}

	int inFlight() {
		return this.limiter.getInflight();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return Mono.defer(() -> {
			Optional<Limiter.Listener> acquired = this.limiter.acquire(null);
			if (acquired.isEmpty()) {
				exchange.getResponse().setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
				return exchange.getResponse().setComplete();
			}
			Limiter.Listener listener = acquired.get();
			return chain.filter(exchange).doFinally((signal) -> {
				switch (signal) {
					case ON_COMPLETE -> {
						if (exchange.getResponse().getStatusCode() != null
								&& exchange.getResponse().getStatusCode().is5xxServerError()) {
							listener.onDropped();
						}
						else {
							listener.onSuccess();
						}
					}
					default -> listener.onDropped();
				}
			});
		});
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 10;
	}

}
