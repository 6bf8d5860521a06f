package dev.livery.loadbalancer.cloud;

import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Releases a load-balanced request's in-flight slot when its caller cancels (a {@code timeout()}, a disconnect),
 * which Spring Cloud's exchange filter never reports. Sits in front of the load-balancer filter of every
 * {@code @LoadBalanced WebClient.Builder}; a cancel counts as neither success nor failure.
 *
 * @since 0.1.0
 */
public final class LeaseReleasingExchangeFilterFunction implements ExchangeFilterFunction {

	/*
	 * Implementation note: the filter puts a CancelGuard into the subscriber context of the rest of the chain. The
	 * balancer's choose() runs inside that chain, so it finds the guard and registers each attempt's lease there
	 * (retries replace it: the previous attempt already completed). A cancel from downstream releases the current
	 * lease; completion through the lifecycle has usually finished it first, and finishing twice does nothing.
	 */

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.defer(() -> {
			CancelGuard guard = new CancelGuard();
			return next.exchange(request).doOnCancel(guard::cancel).contextWrite(Context.of(CancelGuard.class, guard));
		});
	}

}
