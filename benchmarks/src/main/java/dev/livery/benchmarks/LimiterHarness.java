package dev.livery.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.ConcurrentHistogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Measures livery's server concurrency limit ({@code livery.concurrency.*}) on a WebFlux server on 127.0.0.1:
 * the throughput of a trivial endpoint with the limiting filter and without it (rounds alternated, same run), and,
 * at ten times the capacity of a small limit, how fast the shed requests are answered and what happens to the
 * admitted ones' latency compared with an unloaded server.
 */
public final class LimiterHarness {

	private static final Pattern WRK_RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

	public static void main(String[] args) throws Exception {
		Duration slice = Duration.ofSeconds(5);
		int rounds = 5;
		int connections = 32;
		int limit = 16;
		Duration serviceTime = Duration.ofMillis(200);
		Duration overloadDuration = Duration.ofSeconds(10);
		String out = null;
		for (String arg : args) {
			String[] kv = arg.replaceFirst("^--", "").split("=", 2);
			switch (kv[0]) {
				case "slice" -> slice = Duration.ofSeconds(Long.parseLong(kv[1].replace("s", "")));
				case "rounds" -> rounds = Integer.parseInt(kv[1]);
				case "connections" -> connections = Integer.parseInt(kv[1]);
				case "limit" -> limit = Integer.parseInt(kv[1]);
				case "service-time" -> serviceTime = Duration.ofMillis(Long.parseLong(kv[1].replace("ms", "")));
				case "out" -> out = kv[1];
				case "overload-duration" ->
					overloadDuration = Duration.ofSeconds(Long.parseLong(kv[1].replace("s", "")));
				default -> throw new IllegalArgumentException("Unknown option '" + arg + "'; options: --slice=5s "
						+ "--rounds=5 --connections=32 --limit=16 --service-time=200ms --overload-duration=10s --out=<report.md>");
			}
		}
		StringBuilder report = new StringBuilder();
		throughput(report, slice, rounds, connections);
		overload(report, limit, serviceTime, overloadDuration);
		System.out.println(report);
		if (out != null) {
			Files.writeString(Path.of(out), report, StandardCharsets.UTF_8);
		}
		System.exit(0);
	}

	// --- throughput with and without the filter ---

	private static void throughput(StringBuilder report, Duration slice, int rounds, int connections)
			throws Exception {
		ConfigurableApplicationContext with = start(true, 1000);
		ConfigurableApplicationContext without = start(false, 1000);
		try {
			requireFilter(with, true);
			requireFilter(without, false);
			boolean wrk = wrkAvailable();
			String tool = wrk ? "wrk -t1 -c" + connections : "JVM closed loop, " + connections + " connections";
			// Warm both servers up before anything is measured.
			for (int i = 0; i < 2; i++) {
				rate(url(with, "/hello"), Duration.ofSeconds(5), connections, wrk);
				rate(url(without, "/hello"), Duration.ofSeconds(5), connections, wrk);
			}
			report.append(String.format(Locale.ROOT,
					"Throughput of GET /hello (%s, %d rounds of %d s each, alternating which goes first)%n%n", tool,
					rounds, slice.toSeconds()));
			report.append("| round | with filter req/s | without filter req/s | ratio |\n|---|---:|---:|---:|\n");
			double sumWith = 0;
			double sumWithout = 0;
			for (int round = 1; round <= rounds; round++) {
				double a;
				double b;
				if (round % 2 == 1) {
					a = rate(url(with, "/hello"), slice, connections, wrk);
					b = rate(url(without, "/hello"), slice, connections, wrk);
				}
				else {
					b = rate(url(without, "/hello"), slice, connections, wrk);
					a = rate(url(with, "/hello"), slice, connections, wrk);
				}
				sumWith += a;
				sumWithout += b;
				report.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.3f |%n", round, a, b, a / b));
				System.err.printf(Locale.ROOT, "round %d: with %.0f, without %.0f%n", round, a, b);
			}
			report.append(String.format(Locale.ROOT, "| all | %.0f | %.0f | **%.3f** (target ≥ 0.98) |%n%n",
					sumWith / rounds, sumWithout / rounds, sumWith / sumWithout));
		}
		finally {
			with.close();
			without.close();
		}
	}

	private static double rate(String url, Duration duration, int connections, boolean wrk) throws Exception {
		if (wrk) {
			Process process = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + duration.toSeconds() + "s",
					url)
				.redirectErrorStream(true)
				.start();
			StringBuilder output = new StringBuilder();
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				reader.lines().forEach((line) -> output.append(line).append('\n'));
			}
			process.waitFor();
			Matcher matcher = WRK_RATE.matcher(output);
			if (!matcher.find() || output.toString().contains("Non-2xx")) {
				throw new IllegalStateException("wrk failed:\n" + output);
			}
			return Double.parseDouble(matcher.group(1));
		}
		ConnectionProvider provider = ConnectionProvider.create("limiter-throughput", connections);
		try {
			HttpClient client = HttpClient.create(provider);
			LongAdder done = new LongAdder();
			long end = System.nanoTime() + duration.toNanos();
			Flux.range(0, connections)
				.flatMap((i) -> Mono.defer(() -> client.get().uri(url).responseSingle((r, body) -> body.then()))
					.doOnSuccess((v) -> done.increment())
					.repeat(() -> System.nanoTime() < end), connections)
				.blockLast(duration.plusSeconds(30));
			return done.sum() / (duration.toNanos() / 1e9);
		}
		finally {
			provider.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	private static boolean wrkAvailable() {
		try {
			return new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor() >= 0;
		}
		catch (Exception ex) {
			return false;
		}
	}

	// --- overload ---

	private static void overload(StringBuilder report, int limit, Duration serviceTime, Duration duration)
			throws Exception {
		ConfigurableApplicationContext server = start(true, limit);
		ConnectionProvider provider = ConnectionProvider.builder("limiter-overload")
			.maxConnections(5000)
			.pendingAcquireMaxCount(-1)
			.build();
		try {
			requireFilter(server, true);
			HttpClient client = HttpClient.create(provider);
			String url = url(server, "/work?ms=" + serviceTime.toMillis());
			double capacity = limit / (serviceTime.toNanos() / 1e9);
			ServerTiming timing = server.getBean(ServerTiming.class);
			openLoop(client, url, (int) (capacity * 10), Duration.ofSeconds(5), 1); // warm-up, both paths
			openLoop(client, url, (int) (capacity / 4), Duration.ofSeconds(3), 1);
			timing.reset();
			Outcome unloaded = openLoop(client, url, (int) (capacity / 4), duration, 2);
			timing.reset();
			Outcome overloaded = openLoop(client, url, (int) (capacity * 10), duration, 3);
			report.append(String.format(Locale.ROOT,
					"Overload: livery.concurrency.max-concurrent-requests=%d, endpoint service time %d ms, so capacity "
							+ "%.0f req/s; open-loop Poisson load at 0.25× capacity (unloaded) and at 10× capacity; "
							+ "latency from the moment each request is sent, %d s each%n%n",
					limit, serviceTime.toMillis(), capacity, duration.toSeconds()));
			report.append("| load | requests | admitted (200) | shed (503) | other | admitted p50 ms | admitted p99 ms "
					+ "| 503 p50 ms | 503 p99 ms | 503 p99.9 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
			for (Outcome o : List.of(unloaded, overloaded)) {
				report.append(String.format(Locale.ROOT,
						"| %s | %d | %d | %d | %d | %.2f | %.2f | %s | %s | %s |%n",
						(o == unloaded) ? "0.25× capacity" : "10× capacity", o.sent, o.admitted.getTotalCount(),
						o.shed.getTotalCount(), o.other.sum(), ms(o.admitted, 50), ms(o.admitted, 99),
						(o.shed.getTotalCount() == 0) ? "-" : String.format(Locale.ROOT, "%.3f", ms(o.shed, 50)),
						(o.shed.getTotalCount() == 0) ? "-" : String.format(Locale.ROOT, "%.3f", ms(o.shed, 99)),
						(o.shed.getTotalCount() == 0) ? "-" : String.format(Locale.ROOT, "%.3f", ms(o.shed, 99.9))));
			}
			report.append(String.format(Locale.ROOT,
					"%nServer side, at 10×: a 503 takes p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms from the outermost "
							+ "WebFilter's entry to the end of the response write (%d rejections timed)%n",
					timing.shed.getValueAtPercentile(50) / 1e6, timing.shed.getValueAtPercentile(99) / 1e6,
					timing.shed.getValueAtPercentile(99.9) / 1e6, timing.shed.getTotalCount()));
			report.append(String.format(Locale.ROOT,
					"%nadmitted p99 at 10× ÷ unloaded p99 = **%.2f** (target ≤ 1.5); 503 p99 = **%.3f ms** "
							+ "(target < 1 ms)%n",
					ms(overloaded.admitted, 99) / ms(unloaded.admitted, 99), ms(overloaded.shed, 99)));
		}
		finally {
			provider.disposeLater().block(Duration.ofSeconds(5));
			server.close();
		}
	}

	private static double ms(ConcurrentHistogram histogram, double percentile) {
		return histogram.getValueAtPercentile(percentile) / 1000.0;
	}

	private static final class Outcome {

		final ConcurrentHistogram admitted = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);

		final ConcurrentHistogram shed = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);

		final LongAdder other = new LongAdder();

		long sent;

	}

	private static Outcome openLoop(HttpClient client, String url, int rate, Duration duration, long seed)
			throws InterruptedException {
		Outcome outcome = new Outcome();
		Random random = new Random(seed);
		double gap = 1e9 / rate;
		long end = System.nanoTime() + duration.toNanos();
		AtomicLong pending = new AtomicLong(1);
		CountDownLatch drained = new CountDownLatch(1);
		double next = System.nanoTime();
		while (true) {
			next += -Math.log(1 - random.nextDouble()) * gap;
			if ((long) next >= end) {
				break;
			}
			long wait = (long) next - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			pending.incrementAndGet();
			outcome.sent++;
			long sentAt = System.nanoTime();
			client.get()
				.uri(url)
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
				.timeout(Duration.ofSeconds(10))
				.doFinally((signal) -> {
					if (pending.decrementAndGet() == 0) {
						drained.countDown();
					}
				})
				.subscribe((status) -> {
					long micros = (System.nanoTime() - sentAt) / 1000;
					if (status == 200) {
						outcome.admitted.recordValue(micros);
					}
					else if (status == 503) {
						outcome.shed.recordValue(micros);
					}
					else {
						outcome.other.increment();
					}
				}, (ex) -> outcome.other.increment());
		}
		if (pending.decrementAndGet() == 0) {
			drained.countDown();
		}
		drained.await(30, TimeUnit.SECONDS);
		return outcome;
	}

	// --- server ---

	private static ConfigurableApplicationContext start(boolean filter, int limit) {
		List<String> properties = new ArrayList<>();
		properties.add("server.port=0");
		properties.add("server.address=127.0.0.1");
		properties.add("livery.concurrency.enabled=" + filter);
		properties.add("livery.concurrency.max-concurrent-requests=" + limit);
		properties.add("livery.loadbalancer.enabled=false");
		properties.add("spring.main.banner-mode=off");
		properties.add("logging.level.root=WARN");
		return new SpringApplicationBuilder(ServerApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	private static void requireFilter(ConfigurableApplicationContext context, boolean expected) {
		boolean present = context.getBeansOfType(WebFilter.class)
			.values()
			.stream()
			.anyMatch((filter) -> filter.getClass().getName().startsWith("dev.livery.concurrency."));
		if (present != expected) {
			throw new IllegalStateException("livery's concurrency-limiting WebFilter is "
					+ (present ? "present" : "absent") + " but should be " + (expected ? "present" : "absent")
					+ " (is dev.livery.concurrency on this branch?)");
		}
	}

	private static String url(ConfigurableApplicationContext context, String path) {
		return "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort() + path;
	}

	/**
	 * Outermost filter (before livery's) that times every 503 on the server, without the client's or the network's
	 * share of the latency.
	 */
	static final class ServerTiming implements WebFilter, Ordered {

		/** Nanoseconds. */
		volatile ConcurrentHistogram shed = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(1), 3);

		void reset() {
			this.shed = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(1), 3);
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			long start = System.nanoTime();
			return chain.filter(exchange).doFinally((signal) -> {
				if (exchange.getResponse().getStatusCode() != null
						&& exchange.getResponse().getStatusCode().value() == 503) {
					this.shed.recordValue(System.nanoTime() - start);
				}
			});
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

	/**
	 * The server: a trivial endpoint and one that takes a given time, nothing else.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ServerApplication {

		@Bean
		ServerTiming serverTiming() {
			return new ServerTiming();
		}

		@Bean
		RouterFunction<ServerResponse> routes() {
			return RouterFunctions.route()
				.GET("/hello", (request) -> ServerResponse.ok().bodyValue("hello"))
				.GET("/work", (request) -> {
					long ms = Long.parseLong(request.queryParam("ms").orElse("0"));
					return Mono.delay(Duration.ofMillis(ms)).then(ServerResponse.ok().bodyValue("done"));
				})
				.build();
		}

	}

}
