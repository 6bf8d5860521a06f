package dev.livery.loadbalancer.cloud;

import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Releases the in-flight slots a load-balanced exchange picked when the exchange ends, however it ends: a caller's
 * cancel ({@code timeout()}, a disconnect), which Spring Cloud never reports, or an error that skips Spring Cloud's
 * lifecycle. A cancel counts as neither success nor failure.
 *
 * <p>Not needed with the load-balancer filter functions Spring Cloud registers as beans, which livery already makes
 * safe (see {@link LeaseReleasingBeanPostProcessor}). Put it in front of one you construct yourself:
 * {@code WebClient.builder().filter(new LeaseReleasingExchangeFilterFunction()).filter(myLoadBalancerFunction)}.
 *
 * @since 0.1.0
 */
public final class LeaseReleasingExchangeFilterFunction implements ExchangeFilterFunction {

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return LeaseScope.scope(next.exchange(request));
	}

}
