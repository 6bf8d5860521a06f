package dev.livery.benchmarks;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

import org.HdrHistogram.ConcurrentHistogram;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import dev.livery.concurrency.ConcurrencyLimiter;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Measures livery's adaptive concurrency limits ({@code livery.concurrency.algorithm}) on a WebFlux server on
 * 127.0.0.1 whose handler has a real capacity C ({@link CapacityPool}: C tasks at once, 100 ms each by default, the
 * rest queued).
 * Each arm (a limiter configuration) gets a fresh server and the same sequence of closed-loop loads: a warm-up at C
 * callers, an unloaded phase at C/4, then C, 3 C and 10 C callers, then 10 C while the capacity halves. A caller
 * sends its next request as soon as the last is answered; one turned away waits {@code reject-pause} first (1 s, the
 * {@code Retry-After} livery sends; without a pause the load generator would measure how fast 503s can spin).
 * Latency is measured by the caller, from sending to the end of the response.
 */
public final class AdaptiveLimitHarness {

	private final Options options;

	private final PrintStream log;

	public AdaptiveLimitHarness(Options options, PrintStream log) {
		this.options = options;
		this.log = log;
	}

	public static void main(String[] args) throws Exception {
		Options options = Options.parse(args);
		AdaptiveLimitHarness harness = new AdaptiveLimitHarness(options, System.err);
		List<ArmResult> results = harness.runAll();
		String report = report(options, results);
		System.out.println(report);
		if (options.out() != null) {
			Files.writeString(Path.of(options.out()), report, StandardCharsets.UTF_8);
		}
		System.exit(0);
	}

	public List<ArmResult> runAll() {
		List<ArmResult> results = new ArrayList<>();
		for (String arm : this.options.arms()) {
			results.add(runArm(arm));
		}
		return results;
	}

	// --- one arm ---

	ArmResult runArm(String arm) {
		int c = this.options.capacity();
		try (ConfigurableApplicationContext server = start(arm)) {
			CapacityPool pool = server.getBean(CapacityPool.class);
			IntSupplier limit = limitOf(server);
			String url = "http://127.0.0.1:" + ((WebServerApplicationContext) server).getWebServer().getPort() + "/task";
			// One connection a request: a kept-alive connection whose next request arrives while the previous
			// exchange (answered off the event loop) is still closing can stall on Reactor Netty 1.3.6
			// (reactor/reactor-netty#4361).
			HttpClient client = HttpClient.newConnection();
			List<Phase> phases = new ArrayList<>();
			run(client, url, limit, new Phase("warm-up", c, this.options.warmup(), 0), null);
			phases.add(run(client, url, limit, new Phase("unloaded", Math.max(1, c / 4), this.options.phase(), 0), null));
			phases.add(run(client, url, limit, new Phase("1x", c, this.options.phase(), 0), null));
			phases.add(run(client, url, limit, new Phase("3x", 3 * c, this.options.phase(), 0), null));
			phases.add(run(client, url, limit, new Phase("10x", 10 * c, this.options.phase(), 0), null));
			phases.add(run(client, url, limit, new Phase("10x, C halved", 10 * c, this.options.halving(), 0),
					() -> pool.setCapacity(Math.max(1, c / 2))));
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while ((pool.running() > 0 || pool.waiting() > 0) && System.nanoTime() < deadline) {
				Thread.onSpinWait();
			}
			ArmResult result = new ArmResult(arm, phases);
			this.log.println(result.summary());
			return result;
		}
	}

	private Phase run(HttpClient client, String url, IntSupplier limit, Phase phase, Runnable atStart) {
		Disposable sampler = Flux.interval(Duration.ZERO, this.options.sampleEvery())
			.subscribe((tick) -> phase.limits.add(limit.getAsInt()));
		if (atStart != null) {
			atStart.run();
		}
		long start = System.nanoTime();
		long end = start + phase.duration.toNanos();
		Duration pause = this.options.rejectPause();
		Flux.range(0, phase.clients)
			.flatMap((i) -> Mono.defer(() -> {
				if (System.nanoTime() >= end) {
					return Mono.empty();
				}
				long sentAt = System.nanoTime();
				phase.sent.increment();
				return client.get()
					.uri(url)
					.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
					.timeout(Duration.ofSeconds(10))
					.onErrorReturn(-1)
					.flatMap((status) -> {
						phase.record(status, System.nanoTime() - sentAt);
						return (status == 200) ? Mono.just(status) : Mono.delay(pause).thenReturn(status);
					});
			}).repeat(() -> System.nanoTime() < end), phase.clients)
			.blockLast(phase.duration.plusSeconds(60));
		phase.elapsedNanos = System.nanoTime() - start;
		sampler.dispose();
		this.log.printf(Locale.ROOT, "  %-14s %s%n", phase.name, phase.summary());
		return phase;
	}

	private ConfigurableApplicationContext start(String arm) {
		int c = this.options.capacity();
		List<String> properties = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.main.banner-mode=off", "logging.level.root=WARN", "livery.loadbalancer.enabled=false",
				"bench.capacity=" + c, "bench.task-ms=" + this.options.task().toMillis()));
		String adaptive = "livery.concurrency.adaptive.";
		String bounds = "livery.concurrency.max-concurrent-requests=1000";
		String min = adaptive + "min-limit=" + this.options.minLimit();
		switch (arm) {
			case "fixed-1000" -> properties.add(bounds);
			case "fixed-C" -> properties.add("livery.concurrency.max-concurrent-requests=" + c);
			case "gradient2", "vegas", "aimd" -> properties.addAll(List.of("livery.concurrency.algorithm=" + arm, bounds, min));
			case "aimd-timeout" -> properties.addAll(List.of("livery.concurrency.algorithm=aimd", bounds, min,
					adaptive + "aimd.timeout=" + (this.options.task().toMillis() * 3 / 2) + "ms"));
			case "netflix-gradient2" -> properties.addAll(List.of("livery.concurrency.enabled=false", "bench.netflix=true",
					"bench.min-limit=" + this.options.minLimit()));
			default -> throw new IllegalArgumentException("Unknown arm '" + arm + "'; arms: fixed-1000, fixed-C, "
					+ "gradient2, vegas, aimd, aimd-timeout, netflix-gradient2");
		}
		return new SpringApplicationBuilder(ServerApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	private static IntSupplier limitOf(ConfigurableApplicationContext server) {
		NetflixLimitFilter netflix = server.getBeanProvider(NetflixLimitFilter.class).getIfAvailable();
		if (netflix != null) {
			return netflix::limit;
		}
		ConcurrencyLimiter limiter = server.getBean(ConcurrencyLimiter.class);
		return limiter::limit;
	}

	// --- report ---

	public static String report(Options options, List<ArmResult> results) {
		StringBuilder out = new StringBuilder();
		int c = options.capacity();
		ArmResult oracle = results.stream().filter((r) -> r.arm().equals("fixed-C")).findFirst().orElse(null);
		out.append(String.format(Locale.ROOT,
				"Adaptive concurrency limit: handler capacity C = %d tasks of %d ms at once (%.0f req/s), closed-loop "
						+ "callers (a 503 waits %d ms before retrying), %d s per load, %d s with C halved to %d; "
						+ "adaptive arms: max-concurrent-requests 1000, min-limit %d, initial-limit 20%n%n",
				c, options.task().toMillis(), c * 1000.0 / options.task().toMillis(), options.rejectPause().toMillis(),
				options.phase().toSeconds(), options.halving().toSeconds(), Math.max(1, c / 2), options.minLimit()));
		out.append("| arm | load | callers | answered | goodput req/s | rejected | admitted p50 ms | admitted p99 ms "
				+ "| p99 ÷ unloaded p99 | goodput ÷ oracle's | limit (median) |\n");
		out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (ArmResult result : results) {
			Phase unloaded = result.phase("unloaded");
			for (Phase phase : result.phases()) {
				Phase oraclePhase = (oracle != null) ? oracle.phase(phase.name) : null;
				out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.0f | %.2f %% | %.1f | %.1f | %.2f | %s | %d |%n",
						result.arm(), phase.name, phase.clients, phase.answered(), phase.goodput(),
						100 * phase.rejectedShare(), phase.p(50), phase.p(99), phase.p(99) / unloaded.p(99),
						(oraclePhase != null) ? String.format(Locale.ROOT, "%.2f", phase.goodput() / oraclePhase.goodput())
								: "–",
						phase.medianLimit()));
			}
		}
		out.append("\nAfter C halves (at t = 0 of the last phase): the limit's level over the last 5 s, and when it "
				+ "settled (the first sample after which it stays within ±25 %, at least ±3, of that level)\n\n");
		out.append("| arm | limit at 10× (median) | limit after (median of last 5 s) | settled after s |\n|---|---:|---:|---:|\n");
		for (ArmResult result : results) {
			Phase halved = result.phase("10x, C halved");
			double settled = halved.settledSeconds(options.sampleEvery());
			out.append(String.format(Locale.ROOT, "| %s | %d | %d | %s |%n", result.arm(), result.phase("10x").medianLimit(),
					halved.tailMedianLimit(options.sampleEvery()),
					(settled < 0) ? "never" : String.format(Locale.ROOT, "%.1f", settled)));
		}
		out.append("\nLimit over time (one sample a second; 10× load, then C halved at the marked row)\n\n");
		out.append("| t s |");
		results.forEach((r) -> out.append(' ').append(r.arm()).append(" |"));
		out.append("\n|---:|");
		results.forEach((r) -> out.append("---:|"));
		out.append('\n');
		int perSecond = (int) Math.max(1, 1000 / options.sampleEvery().toMillis());
		int rows = (int) (options.phase().toSeconds() + options.halving().toSeconds());
		for (int s = 0; s < rows; s++) {
			boolean halved = s >= options.phase().toSeconds();
			int index = (halved ? s - (int) options.phase().toSeconds() : s) * perSecond;
			out.append("| ").append(s).append(halved && index == 0 ? " (C halved)" : "").append(" |");
			for (ArmResult result : results) {
				List<Integer> limits = result.phase(halved ? "10x, C halved" : "10x").limits;
				out.append(' ').append((index < limits.size()) ? limits.get(index).toString() : "").append(" |");
			}
			out.append('\n');
		}
		return out.toString();
	}

	// --- results ---

	/**
	 * What one load did to one arm.
	 */
	public static final class Phase {

		final String name;

		final int clients;

		final Duration duration;

		final ConcurrentHistogram admitted = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);

		final LongAdder sent = new LongAdder();

		final LongAdder ok = new LongAdder();

		final LongAdder shed = new LongAdder();

		final LongAdder other = new LongAdder();

		final List<Integer> limits = java.util.Collections.synchronizedList(new ArrayList<>());

		long elapsedNanos;

		Phase(String name, int clients, Duration duration, int unused) {
			this.name = name;
			this.clients = clients;
			this.duration = duration;
		}

		void record(int status, long nanos) {
			switch (status) {
				case 200 -> {
					this.ok.increment();
					this.admitted.recordValue(Math.max(1, nanos / 1000));
				}
				case 503 -> this.shed.increment();
				default -> this.other.increment();
			}
		}

		public String name() {
			return this.name;
		}

		public long sent() {
			return this.sent.sum();
		}

		public long ok() {
			return this.ok.sum();
		}

		public long shed() {
			return this.shed.sum();
		}

		public long other() {
			return this.other.sum();
		}

		public long answered() {
			return ok() + shed() + other();
		}

		public double goodput() {
			return ok() / (this.elapsedNanos / 1e9);
		}

		public double rejectedShare() {
			return (answered() == 0) ? 0 : (double) shed() / answered();
		}

		/** Admitted latency percentile in milliseconds. */
		public double p(double percentile) {
			return this.admitted.getValueAtPercentile(percentile) / 1000.0;
		}

		public List<Integer> limits() {
			synchronized (this.limits) {
				return List.copyOf(this.limits);
			}
		}

		public int medianLimit() {
			return median(limits());
		}

		int tailMedianLimit(Duration sampleEvery) {
			List<Integer> limits = limits();
			int tail = (int) Math.min(limits.size(), 5000 / sampleEvery.toMillis());
			return median(limits.subList(limits.size() - tail, limits.size()));
		}

		/**
		 * Seconds from the start of the phase to the first sample after which the limit stays within ±25 % (at least
		 * ±3) of its level over the last 5 s; -1 if it never does.
		 */
		double settledSeconds(Duration sampleEvery) {
			List<Integer> limits = limits();
			int level = tailMedianLimit(sampleEvery);
			int settled = -1;
			for (int i = 0; i < limits.size(); i++) {
				int band = Math.max(3, level / 4);
				boolean inside = Math.abs(limits.get(i) - level) <= band;
				if (inside && settled < 0) {
					settled = i;
				}
				else if (!inside) {
					settled = -1;
				}
			}
			return (settled < 0) ? -1 : settled * sampleEvery.toMillis() / 1000.0;
		}

		private static int median(List<Integer> values) {
			if (values.isEmpty()) {
				return 0;
			}
			int[] sorted = values.stream().mapToInt(Integer::intValue).sorted().toArray();
			return sorted[sorted.length / 2];
		}

		String summary() {
			return String.format(Locale.ROOT, "callers %d sent %d ok %d shed %d other %d goodput %.0f/s p50 %.1f p99 %.1f ms limit %d",
					this.clients, sent(), ok(), shed(), other(), goodput(), p(50), p(99), medianLimit());
		}

	}

	/**
	 * Every phase of one arm.
	 */
	public record ArmResult(String arm, List<Phase> phases) {

		public Phase phase(String name) {
			return this.phases.stream().filter((p) -> p.name.equals(name)).findFirst().orElseThrow();
		}

		String summary() {
			return this.arm + ": " + this.phases.size() + " phases done";
		}

	}

	/**
	 * Command-line options; pass an unknown one to see them all.
	 */
	public record Options(int capacity, Duration task, List<String> arms, Duration warmup, Duration phase,
			Duration halving, Duration rejectPause, Duration sampleEvery, int minLimit, String out) {

		static final String USAGE = "--capacity=20 --task=100ms --arms=fixed-1000,fixed-C,gradient2,vegas,aimd,"
				+ "aimd-timeout,netflix-gradient2 --warmup=8s --phase=12s --halving=25s --reject-pause=1s "
				+ "--sample-every=250ms --min-limit=5 --out=<report.md>";

		public static Options parse(String[] args) {
			int capacity = 20;
			Duration task = Duration.ofMillis(100);
			List<String> arms = List.of("fixed-1000", "fixed-C", "gradient2", "vegas", "aimd", "aimd-timeout",
					"netflix-gradient2");
			Duration warmup = Duration.ofSeconds(8);
			Duration phase = Duration.ofSeconds(12);
			Duration halving = Duration.ofSeconds(25);
			Duration rejectPause = Duration.ofSeconds(1);
			Duration sampleEvery = Duration.ofMillis(250);
			int minLimit = 5;
			String out = null;
			for (String arg : args) {
				String[] kv = arg.replaceFirst("^--", "").split("=", 2);
				if (kv.length != 2) {
					throw new IllegalArgumentException("Unknown option '" + arg + "'; options: " + USAGE);
				}
				switch (kv[0]) {
					case "capacity" -> capacity = Integer.parseInt(kv[1]);
					case "task" -> task = duration(kv[1]);
					case "arms" -> arms = Arrays.asList(kv[1].split(","));
					case "warmup" -> warmup = duration(kv[1]);
					case "phase" -> phase = duration(kv[1]);
					case "halving" -> halving = duration(kv[1]);
					case "reject-pause" -> rejectPause = duration(kv[1]);
					case "sample-every" -> sampleEvery = duration(kv[1]);
					case "min-limit" -> minLimit = Integer.parseInt(kv[1]);
					case "out" -> out = kv[1];
					default -> throw new IllegalArgumentException("Unknown option '" + arg + "'; options: " + USAGE);
				}
			}
			return new Options(capacity, task, arms, warmup, phase, halving, rejectPause, sampleEvery, minLimit, out);
		}

		private static Duration duration(String text) {
			if (text.endsWith("ms")) {
				return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
			}
			return Duration.ofSeconds(Long.parseLong(text.replace("s", "")));
		}

	}

	// --- server ---

	/**
	 * The server: {@code GET /task} runs one task on the {@link CapacityPool}.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ServerApplication {

		@Bean
		CapacityPool capacityPool(Environment environment) {
			return new CapacityPool(environment.getRequiredProperty("bench.capacity", Integer.class),
					Duration.ofMillis(environment.getRequiredProperty("bench.task-ms", Long.class)));
		}

		@Bean
		@ConditionalOnProperty("bench.netflix")
		NetflixLimitFilter netflixLimitFilter(Environment environment) {
			return new NetflixLimitFilter(environment.getRequiredProperty("bench.min-limit", Integer.class), 20, 1000);
		}

		@Bean
		RouterFunction<ServerResponse> routes(CapacityPool pool) {
			return RouterFunctions.route()
				.GET("/task", (request) -> pool.run().then(ServerResponse.ok().bodyValue("done")))
				.build();
		}

	}

}
