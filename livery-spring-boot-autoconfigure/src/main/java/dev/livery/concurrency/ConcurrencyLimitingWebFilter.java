package dev.livery.concurrency;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import dev.livery.concurrency.ConcurrencyLimiter.Outcome;
import dev.livery.concurrency.ConcurrencyLimiter.Permit;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * {@link WebFilter} that lets at most as many requests through at once as its
 * {@link ConcurrencyLimiter} admits and answers the rest at once with a
 * {@code 503 Service Unavailable} problem detail.
 *
 * <p><b>Implementation note.</b> The filter owns no count; it asks the limiter on every
 * request, so a fixed limit can be swapped for an adaptive one without touching it. Two
 * properties keep the limiter's count exact:
 * <ul>
 * <li>the permit is taken inside the subscription ({@link Mono#defer}), never when the
 * {@code Mono} is assembled, so a chain that is assembled but never subscribed holds no slot
 * and a chain subscribed twice takes two;</li>
 * <li>the permit is released in {@link Mono#doFinally}, which runs on completion, on error
 * <em>and</em> on cancellation (the client disconnected, a server timeout fired). Releasing
 * only in {@code doOnSuccess}/{@code doOnError} leaks a slot on every cancellation until the
 * server sheds everything (Resilience4j #332, the old spring-cloud-netflix filter); the
 * permit's own once-only guard makes a second release harmless.</li>
 * </ul>
 * The outcome reported with the release is what an adaptive limiter learns from: a response
 * with a 5xx status or an error WebFlux will render as one is {@link Outcome#ERROR}, a
 * cancellation {@link Outcome#CANCELLED}, anything else {@link Outcome#SUCCESS}.
 * Nothing waits: a request that finds no slot is rejected on the calling thread, and the
 * response is written by this filter itself, because an error signalled from a
 * {@code WebFilter} bypasses WebFlux's problem-detail rendering. The constant parts of the
 * body are encoded once; only the {@code instance} (the request path, JSON-escaped) is
 * encoded per rejection. Paths matching an exclusion pattern (probes, actuator) pass
 * through without being counted, because a {@code 503} fails a Kubernetes probe.
 *
 * <p>When the filter is a bean, it limits only the application context that declares it.
 * WebFlux applies every {@code WebFilter} bean of a context's ancestors too, so without
 * this check a management server on its own port (an Actuator child context) would share
 * the application's slots and answer its probes with {@code 503} under load.
 *
 * @since 0.1.0
 */
public class ConcurrencyLimitingWebFilter implements WebFilter, Ordered, ApplicationContextAware {

	private static final String DETAIL = "The server is handling as many requests as it can; retry later.";

	private static final byte[] BODY_PREFIX = ("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
			+ "\"detail\":\"" + DETAIL + "\",\"instance\":\"")
		.getBytes(StandardCharsets.UTF_8);

	private static final byte[] BODY_SUFFIX = "\"}".getBytes(StandardCharsets.UTF_8);

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final ConcurrencyLimiter limiter;

	private final List<PathPattern> excludedPaths;

	private final @Nullable String retryAfter;

	private final int order;

	private @Nullable ApplicationContext applicationContext;

	/**
	 * Create a filter.
	 * @param limiter the limiter that admits or rejects each request
	 * @param excludePaths path patterns (as understood by {@link PathPatternParser}) matched
	 * against the path within the application that are neither limited nor counted
	 * @param retryAfter how long a rejected client should wait before retrying, sent in the
	 * {@code Retry-After} header in whole seconds rounded up; {@link Duration#ZERO} sends no
	 * header
	 * @param order the filter's order
	 * @throws IllegalArgumentException if {@code retryAfter} is negative
	 * @throws org.springframework.web.util.pattern.PatternParseException if a pattern is
	 * malformed
	 */
	public ConcurrencyLimitingWebFilter(ConcurrencyLimiter limiter, Collection<String> excludePaths,
			Duration retryAfter, int order) {
		if (retryAfter.isNegative()) {
			throw new IllegalArgumentException("retryAfter must not be negative but was " + retryAfter);
		}
		this.limiter = limiter;
		this.excludedPaths = excludePaths.stream().map(PathPatternParser.defaultInstance::parse).toList();
		this.retryAfter = retryAfter.isZero() ? null : Long.toString(wholeSecondsRoundedUp(retryAfter));
		this.order = order;
	}

	private static long wholeSecondsRoundedUp(Duration duration) {
		return duration.getSeconds() + ((duration.getNano() > 0) ? 1 : 0);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (isExcluded(exchange)) {
			return chain.filter(exchange);
		}
		return Mono.defer(() -> {
			Permit permit = this.limiter.tryAcquire();
			if (permit == null) {
				return reject(exchange);
			}
			Mono<Void> handled;
			try {
				handled = chain.filter(exchange);
			}
			catch (RuntimeException | Error ex) {
				permit.release(Outcome.ERROR);
				throw ex;
			}
			// doOnError sees the exception, so a 4xx raised as an exception is not taken for a failure; the release
			// there makes the one in doFinally a no-op.
			return handled.doOnError((ex) -> permit.release(outcome(ex)))
				.doFinally((signal) -> permit.release(outcome(signal, exchange)));
		});
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	private boolean isExcluded(ServerWebExchange exchange) {
		return isServedByAnotherContext(exchange) || isExcludedPath(exchange);
	}

	private boolean isServedByAnotherContext(ServerWebExchange exchange) {
		ApplicationContext own = this.applicationContext;
		ApplicationContext serving = exchange.getApplicationContext();
		return own != null && serving != null && serving != own;
	}

	private boolean isExcludedPath(ServerWebExchange exchange) {
		if (this.excludedPaths.isEmpty()) {
			return false;
		}
		PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
		for (PathPattern pattern : this.excludedPaths) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	private static Outcome outcome(SignalType signal, ServerWebExchange exchange) {
		return switch (signal) {
			case ON_COMPLETE -> isServerError(exchange.getResponse().getStatusCode()) ? Outcome.ERROR : Outcome.SUCCESS;
			case ON_ERROR -> Outcome.ERROR;
			default -> Outcome.CANCELLED;
		};
	}

	/**
	 * Classify an error that reached the filter: WebFlux renders it after the filter chain,
	 * as its status if it carries one (a {@code ResponseStatusException}, say) or as a 500.
	 */
	private static Outcome outcome(Throwable ex) {
		if (ex instanceof ErrorResponse response && !isServerError(response.getStatusCode())) {
			return Outcome.SUCCESS;
		}
		return Outcome.ERROR;
	}

	private static boolean isServerError(@Nullable HttpStatusCode status) {
		return status != null && status.is5xxServerError();
	}

	private Mono<Void> reject(ServerWebExchange exchange) {
		byte[] body = problemBody(exchange.getRequest().getPath().value());
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
		HttpHeaders headers = response.getHeaders();
		headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		headers.setContentLength(body.length);
		headers.setCacheControl("no-store");
		if (this.retryAfter != null) {
			headers.set(HttpHeaders.RETRY_AFTER, this.retryAfter);
		}
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
	}

	static byte[] problemBody(String path) {
		byte[] instance = jsonEscape(path).getBytes(StandardCharsets.UTF_8);
		byte[] body = new byte[BODY_PREFIX.length + instance.length + BODY_SUFFIX.length];
		System.arraycopy(BODY_PREFIX, 0, body, 0, BODY_PREFIX.length);
		System.arraycopy(instance, 0, body, BODY_PREFIX.length, instance.length);
		System.arraycopy(BODY_SUFFIX, 0, body, BODY_PREFIX.length + instance.length, BODY_SUFFIX.length);
		return body;
	}

	private static String jsonEscape(String value) {
		StringBuilder escaped = null;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			String replacement = escape(c);
			if (replacement != null) {
				if (escaped == null) {
					escaped = new StringBuilder(value.length() + 16).append(value, 0, i);
				}
				escaped.append(replacement);
			}
			else if (escaped != null) {
				escaped.append(c);
			}
		}
		return (escaped != null) ? escaped.toString() : value;
	}

	private static @Nullable String escape(char c) {
		return switch (c) {
			case '"' -> "\\\"";
			case '\\' -> "\\\\";
			case '\n' -> "\\n";
			case '\r' -> "\\r";
			case '\t' -> "\\t";
			case '\b' -> "\\b";
			case '\f' -> "\\f";
			// Legal in JSON but not in JavaScript string literals; escaped for readers that eval.
			case '\u2028', '\u2029' -> unicodeEscape(c);
			default -> (c < 0x20) ? unicodeEscape(c) : null;
		};
	}

	private static String unicodeEscape(char c) {
		return new String(new char[] { '\\', 'u', HEX[(c >> 12) & 0xF], HEX[(c >> 8) & 0xF], HEX[(c >> 4) & 0xF],
				HEX[c & 0xF] });
	}

	/**
	 * Return the limiter that admits or rejects each request.
	 * @return the limiter
	 */
	public ConcurrencyLimiter getLimiter() {
		return this.limiter;
	}

	@Override
	public int getOrder() {
		return this.order;
	}

}
