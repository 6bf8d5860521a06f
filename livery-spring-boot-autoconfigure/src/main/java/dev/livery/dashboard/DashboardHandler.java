package dev.livery.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * WebFlux handler of the dashboard: {@code GET {path}} answers the page, one self-contained HTML file (its styles
 * and script inline, nothing loaded from elsewhere), and {@code GET {path}/events} the {@link Dashboard} feed as
 * Server-Sent Events, one JSON snapshot per event. Both are read-only.
 *
 * @since 0.2.0
 */
public class DashboardHandler {

	/**
	 * Path of the event stream, relative to the page's.
	 */
	public static final String EVENTS = "/events";

	private static final String PAGE = "dashboard.html";

	private final Dashboard dashboard;

	private final byte[] page;

	private final String contentSecurityPolicy;

	/**
	 * Create a handler.
	 * @param dashboard the feed to stream
	 */
	public DashboardHandler(Dashboard dashboard) {
		this.dashboard = dashboard;
		this.page = readPage();
		String html = new String(this.page, StandardCharsets.UTF_8);
		// The page's own script and styles, by hash: nothing else may run or style it, and it may connect only to
		// its own origin (the event stream).
		this.contentSecurityPolicy = "default-src 'none'; script-src " + hash(html, "script") + "; style-src "
				+ hash(html, "style") + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
				+ "frame-ancestors 'self'";
	}

	/**
	 * Route {@code GET {path}} to the page and {@code GET {path}/events} to the event stream.
	 * @param path the page's path, starting with {@code /}
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes(String path) {
		return routes(path, (request) -> true);
	}

	/**
	 * Route {@code GET {path}} to the page and {@code GET {path}/events} to the event stream, for the requests that
	 * match a predicate (the others are left to the rest of the application, which usually answers 404).
	 * @param path the page's path, starting with {@code /}
	 * @param where which requests may see the dashboard
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes(String path, RequestPredicate where) {
		return RouterFunctions.route()
			.GET(path, where, (request) -> page())
			.GET(path + EVENTS, where, (request) -> events())
			.build();
	}

	/**
	 * Answer with the page.
	 * @return the HTML page
	 */
	public Mono<ServerResponse> page() {
		return ServerResponse.ok()
			.contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
			.cacheControl(CacheControl.noCache())
			.header("Content-Security-Policy", this.contentSecurityPolicy)
			.header("X-Content-Type-Options", "nosniff")
			.header("Referrer-Policy", "no-referrer")
			.bodyValue(this.page);
	}

	/**
	 * Answer with the event stream: one unnamed event per snapshot, whose data is the snapshot's JSON.
	 * @return a {@code text/event-stream} response that lasts until the client leaves
	 */
	public Mono<ServerResponse> events() {
		Flux<ServerSentEvent<String>> events = this.dashboard.snapshots()
			.map((snapshot) -> ServerSentEvent.builder(snapshot).build());
		return ServerResponse.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.cacheControl(CacheControl.noStore())
			// Proxies that buffer responses (nginx) would hold the stream back.
			.header("X-Accel-Buffering", "no")
			.body(BodyInserters.fromServerSentEvents(events));
	}

	private static byte[] readPage() {
		try (InputStream in = DashboardHandler.class.getResourceAsStream(PAGE)) {
			if (in == null) {
				throw new IllegalStateException("Dashboard page " + PAGE + " is missing from the class path");
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return the CSP source expression for the content of the page's one element of the given name.
	 */
	static String hash(String html, String element) {
		String open = "<" + element + ">";
		int start = html.indexOf(open);
		int end = html.indexOf("</" + element + ">");
		if (start < 0 || end < start || html.indexOf(open, start + 1) >= 0) {
			throw new IllegalStateException("Dashboard page must have exactly one <" + element + "> element");
		}
		String content = html.substring(start + open.length(), end);
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
			return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
