package dev.livery.benchmarks;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Routes real HTTP traffic from a Spring Boot client application with a {@code @LoadBalanced WebClient} over four
 * Reactor Netty backends on 127.0.0.1 while one of them misbehaves, once with livery's balancer and once with Spring
 * Cloud's round robin ({@code livery.loadbalancer.enabled=false}), at the same offered load from the same seed.
 *
 * <p>Load is open-loop: requests start at Poisson arrival times drawn from a seeded random source, whether or not
 * earlier ones have finished, and each request's latency is measured from its scheduled start (so a stalled client
 * is charged for the requests it could not send: no coordinated omission). Every request carries a caller timeout.
 *
 * <p>Run with {@code --help} for the options.
 */
public final class RoutingHarness {

	/** What goes wrong, and with which backend (always the last one). */
	public enum Scenario {

		HEALTHY("healthy", false), SLOW("slow", false), FAIL_503("503", false), DEAD("dead", false),
		HANG("hang", false), HANG_RESPONSE_TIMEOUT("hang+response-timeout", false), FLAP("flap", false),
		DEAD_RETRY("dead+retry", true);

		final String label;

		final boolean retry;

		Scenario(String label, boolean retry) {
			this.label = label;
			this.retry = retry;
		}

		static Scenario of(String label) {
			for (Scenario scenario : values()) {
				if (scenario.label.equalsIgnoreCase(label) || scenario.name().equalsIgnoreCase(label)) {
					return scenario;
				}
			}
			throw new IllegalArgumentException("Unknown scenario '" + label + "'");
		}

	}

	/** Which balancer the client application uses. */
	public enum Mode {

		LIVERY, VANILLA

	}

	/**
	 * Settings of one harness run.
	 * @param scenarios the scenarios, in order
	 * @param modes the balancers, run one after the other for every scenario
	 * @param duration measured length of one scenario run
	 * @param warmup unmeasured healthy traffic before each run's fault starts
	 * @param rate offered load, requests per second
	 * @param seed seed of the arrival times
	 * @param backends number of backends
	 * @param baseDelay service time of a healthy backend
	 * @param slowDelay added service time of the slow backend
	 * @param callerTimeout timeout of every request, as the caller sets it
	 * @param ejectionTime livery's {@code outlier.ejection-time} (set in both modes; vanilla ignores it)
	 * @param flapPeriod period of the flapping backend, which fails during the middle third of each
	 */
	public record Options(List<Scenario> scenarios, List<Mode> modes, Duration duration, Duration warmup, int rate,
			long seed, int backends, Duration baseDelay, Duration slowDelay, Duration callerTimeout,
			Duration ejectionTime, Duration flapPeriod) {

		public static Options defaults() {
			return new Options(List.of(Scenario.values()), List.of(Mode.LIVERY, Mode.VANILLA), Duration.ofSeconds(8),
					Duration.ofSeconds(1), 800, 42, 4, Duration.ofMillis(1), Duration.ofMillis(300),
					Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(6));
		}

		Options with(List<Scenario> scenarios, Duration duration, Duration warmup) {
			return new Options(scenarios, this.modes, duration, warmup, this.rate, this.seed, this.backends,
					this.baseDelay, this.slowDelay, this.callerTimeout, this.ejectionTime, this.flapPeriod);
		}

		static Options parse(String[] args) {
			Options o = defaults();
			List<Scenario> scenarios = o.scenarios;
			List<Mode> modes = o.modes;
			Duration duration = o.duration;
			Duration warmup = o.warmup;
			int rate = o.rate;
			long seed = o.seed;
			int backends = o.backends;
			Duration baseDelay = o.baseDelay;
			Duration slowDelay = o.slowDelay;
			Duration callerTimeout = o.callerTimeout;
			Duration ejectionTime = o.ejectionTime;
			Duration flapPeriod = null;
			for (String arg : args) {
				String[] kv = arg.replaceFirst("^--", "").split("=", 2);
				String value = (kv.length > 1) ? kv[1] : "";
				switch (kv[0]) {
					case "scenarios" -> scenarios = Arrays.stream(value.split(",")).map(Scenario::of).toList();
					case "modes" -> modes = Arrays.stream(value.split(","))
						.map((m) -> Mode.valueOf(m.toUpperCase(Locale.ROOT)))
						.toList();
					case "duration" -> duration = duration(value);
					case "warmup" -> warmup = duration(value);
					case "rate" -> rate = Integer.parseInt(value);
					case "seed" -> seed = Long.parseLong(value);
					case "backends" -> backends = Integer.parseInt(value);
					case "base-delay" -> baseDelay = duration(value);
					case "slow-delay" -> slowDelay = duration(value);
					case "caller-timeout" -> callerTimeout = duration(value);
					case "ejection-time" -> ejectionTime = duration(value);
					case "flap-period" -> flapPeriod = duration(value);
					default -> throw new IllegalArgumentException("Unknown option '" + arg + "'; options: --scenarios="
							+ "healthy,slow,503,dead,hang,hang+response-timeout,flap,dead+retry --modes=livery,vanilla --duration=8s "
							+ "--warmup=1s --rate=800 --seed=42 --backends=4 --base-delay=1ms --slow-delay=300ms "
							+ "--caller-timeout=1s --ejection-time=1s --flap-period=<0.75 x duration> --out=<report.md>");
				}
			}
			if (flapPeriod == null) {
				// 5 s of every 15 s in a 20 s scenario; shortened in proportion.
				flapPeriod = Duration.ofMillis(Math.max(1500, duration.toMillis() * 3 / 4));
			}
			return new Options(scenarios, modes, duration, warmup, rate, seed, backends, baseDelay, slowDelay,
					callerTimeout, ejectionTime, flapPeriod);
		}

		private static Duration duration(String value) {
			String v = value.trim().toLowerCase(Locale.ROOT);
			if (v.endsWith("ms")) {
				return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
			}
			if (v.endsWith("s")) {
				return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
			}
			return Duration.ofMillis(Long.parseLong(v));
		}

	}

	/**
	 * What one run of one scenario with one balancer saw.
	 * @param scenario the scenario
	 * @param mode the balancer
	 * @param sent requests started
	 * @param ok requests answered 2xx in time
	 * @param errors requests that failed (status, connection error or caller timeout)
	 * @param latency latency of every finished request (ok or not), microseconds, from its scheduled start
	 * @param received requests each backend received
	 * @param errorKinds errors by kind
	 */
	public record Result(Scenario scenario, Mode mode, long sent, long ok, long errors, Histogram latency,
			long[] received, Map<String, Long> errorKinds) {

		public double errorRate() {
			return (this.sent == 0) ? 0 : (double) this.errors / this.sent;
		}

		public double p(double percentile) {
			return this.latency.getValueAtPercentile(percentile) / 1000.0;
		}

		public double share(int backend) {
			long total = Arrays.stream(this.received).sum();
			return (total == 0) ? 0 : (double) this.received[backend] / total;
		}

	}

	private final Options options;

	private final PrintStream log;

	public RoutingHarness(Options options, PrintStream log) {
		this.options = options;
		this.log = log;
	}

	public static void main(String[] args) throws Exception {
		String out = null;
		List<String> rest = new ArrayList<>();
		for (String arg : args) {
			if (arg.startsWith("--out=")) {
				out = arg.substring("--out=".length());
			}
			else {
				rest.add(arg);
			}
		}
		Options options = Options.parse(rest.toArray(String[]::new));
		RoutingHarness harness = new RoutingHarness(options, System.err);
		long started = System.nanoTime();
		// Warm the JVM up on both code paths before anything is measured.
		harness.runAll(options.with(List.of(Scenario.HEALTHY), Duration.ofSeconds(3), Duration.ZERO));
		List<Result> results = harness.runAll(options);
		String report = report(options, results);
		System.out.println(report);
		System.err.printf("total time %.0f s%n", (System.nanoTime() - started) / 1e9);
		if (out != null) {
			Files.writeString(Path.of(out), report, StandardCharsets.UTF_8);
		}
		System.exit(0);
	}

	public List<Result> runAll(Options settings) throws InterruptedException {
		List<Result> results = new ArrayList<>();
		for (Scenario scenario : settings.scenarios()) {
			for (Mode mode : settings.modes()) {
				Result result = run(settings, scenario, mode);
				this.log.printf(Locale.ROOT, "%-10s %-7s sent=%d ok=%d errors=%d p50=%.2fms p99=%.2fms shares=%s %s%n",
						scenario.label, mode, result.sent(), result.ok(), result.errors(), result.p(50), result.p(99),
						Arrays.toString(result.received()), result.errorKinds());
				results.add(result);
			}
		}
		return results;
	}

	/**
	 * Run one scenario with one balancer: fresh backends, a fresh client application, warm-up, fault, measurement.
	 */
	public Result run(Options settings, Scenario scenario, Mode mode) throws InterruptedException {
		List<Backend> backends = new ArrayList<>();
		for (int i = 0; i < settings.backends(); i++) {
			backends.add(new Backend("b" + i, settings.baseDelay(), settings.slowDelay()));
		}
		ConfigurableApplicationContext context = null;
		try {
			context = startClient(settings, scenario, mode, backends);
			WebClient client = context.getBean(WebClient.Builder.class).build();
			if (!settings.warmup().isZero()) {
				load(client, settings, settings.warmup(), settings.seed() ^ 0x5DEECE66DL,
						callerTimeout(settings, scenario));
			}
			backends.forEach(Backend::resetCount);
			Backend victim = backends.get(backends.size() - 1);
			switch (scenario) {
				case HEALTHY -> {
				}
				case SLOW -> victim.behave(Backend.Behaviour.SLOW);
				case FAIL_503 -> victim.behave(Backend.Behaviour.FAIL_503);
				case DEAD, DEAD_RETRY -> victim.kill();
				case HANG, HANG_RESPONSE_TIMEOUT -> victim.behave(Backend.Behaviour.HANG);
				case FLAP -> victim.flap(settings.flapPeriod());
			}
			Load load = load(client, settings, settings.duration(), settings.seed(), callerTimeout(settings, scenario));
			StringBuilder timeline = new StringBuilder();
			for (int i = 0; i < settings.duration().toMillis() / 250; i++) {
				timeline.append(load.slowBySlot.get(i)).append(' ');
			}
			this.log.println("  requests > 10 ms per 250 ms slot: " + timeline);
			long[] received = backends.stream().mapToLong(Backend::received).toArray();
			return new Result(scenario, mode, load.sent, load.ok.sum(), load.errors.sum(), load.latency, received,
					new TreeMap<>(load.errorKinds.entrySet()
						.stream()
						.collect(Collectors.toMap(Map.Entry::getKey, (e) -> e.getValue().sum()))));
		}
		finally {
			if (context != null) {
				context.close();
			}
			backends.forEach(Backend::close);
		}
	}

	private static ConfigurableApplicationContext startClient(Options settings, Scenario scenario, Mode mode,
			List<Backend> backends) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < backends.size(); i++) {
			properties.add("spring.cloud.discovery.client.simple.instances.backend[" + i + "].uri="
					+ backends.get(i).uri());
		}
		properties.add("livery.loadbalancer.enabled=" + (mode == Mode.LIVERY));
		properties.add("livery.loadbalancer.outlier.ejection-time=" + settings.ejectionTime().toMillis() + "ms");
		properties.add("spring.cloud.loadbalancer.retry.enabled=" + scenario.retry);
		if (scenario == Scenario.HANG_RESPONSE_TIMEOUT) {
			properties.add("harness.response-timeout=" + settings.callerTimeout().toMillis() + "ms");
		}
		properties.add("spring.main.banner-mode=off");
		properties.add("logging.level.root=WARN");
		properties.add("logging.level.org.springframework.cloud.loadbalancer=ERROR");
		return new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	private static final class Load {

		final ConcurrentHistogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);

		final LongAdder ok = new LongAdder();

		final LongAdder errors = new LongAdder();

		final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();

		long sent;

		/** Requests slower than 10 ms, by the 250 ms slot of the run in which they were scheduled. */
		final AtomicIntegerArray slowBySlot = new AtomicIntegerArray(400);

		void error(String kind, long micros) {
			this.latency.recordValue(Math.min(micros, this.latency.getHighestTrackableValue()));
			this.errors.increment();
			this.errorKinds.computeIfAbsent(kind, (k) -> new LongAdder()).increment();
		}

	}

	/**
	 * Offer Poisson arrivals at the configured rate for the given time, then wait until every request has finished.
	 */
	/**
	 * The caller's timeout: the configured one, except in the response-timeout scenario, where the HTTP client's own
	 * response timeout (the configured one) must fire first.
	 */
	private static Duration callerTimeout(Options settings, Scenario scenario) {
		return (scenario == Scenario.HANG_RESPONSE_TIMEOUT) ? settings.callerTimeout().plusSeconds(1)
				: settings.callerTimeout();
	}

	private static Load load(WebClient client, Options settings, Duration duration, long seed, Duration callerTimeout)
			throws InterruptedException {
		Load load = new Load();
		Random random = new Random(seed);
		double meanGapNanos = 1e9 / settings.rate();
		long start = System.nanoTime();
		long end = start + duration.toNanos();
		AtomicLong pending = new AtomicLong();
		CountDownLatch drained = new CountDownLatch(1);
		pending.incrementAndGet(); // the generator's own hold, dropped when it stops
		double next = start;
		while (true) {
			next += -Math.log(1 - random.nextDouble()) * meanGapNanos;
			long scheduled = (long) next;
			if (scheduled >= end) {
				break;
			}
			long wait = scheduled - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			pending.incrementAndGet();
			load.sent++;
			client.get()
				.uri("http://backend/")
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
				.timeout(callerTimeout)
				.doOnTerminate(() -> {
					if (System.nanoTime() - scheduled > 10_000_000) {
						load.slowBySlot.incrementAndGet((int) Math.min(399, (scheduled - start) / 250_000_000));
					}
				})
				.subscribe((status) -> {
					long micros = (System.nanoTime() - scheduled) / 1000;
					if (status >= 200 && status < 300) {
						load.latency.recordValue(Math.min(micros, load.latency.getHighestTrackableValue()));
						load.ok.increment();
					}
					else {
						load.error("http " + status, micros);
					}
				}, (ex) -> {
					load.error(kind(ex), (System.nanoTime() - scheduled) / 1000);
					if (pending.decrementAndGet() == 0) {
						drained.countDown();
					}
				}, () -> {
					if (pending.decrementAndGet() == 0) {
						drained.countDown();
					}
				});
		}
		if (pending.decrementAndGet() == 0) {
			drained.countDown();
		}
		if (!drained.await(callerTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
			throw new IllegalStateException(pending.get() + " requests never finished");
		}
		return load;
	}

	private static String kind(Throwable ex) {
		if (ex instanceof TimeoutException) {
			return "caller timeout";
		}
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String name = root.getClass().getSimpleName();
		return (root == ex) ? name : ex.getClass().getSimpleName() + "/" + name;
	}

	// --- report ---

	static String report(Options settings, List<Result> results) {
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT,
				"Open-loop Poisson load %d req/s (seed %d), %s measured per run after %s warm-up; %d backends, "
						+ "base service time %s, slow +%s, caller timeout %s, livery ejection-time %s, flap period %s "
						+ "(failing its middle third)%n%n",
				settings.rate(), settings.seed(), settings.duration(), settings.warmup(), settings.backends(),
				settings.baseDelay(), settings.slowDelay(), settings.callerTimeout(), settings.ejectionTime(),
				settings.flapPeriod()));
		out.append("| scenario | balancer | requests | p50 ms | p99 ms | p99.9 ms | errors | error % | share b0/b1/b2/b3 (b3 = faulty) | errors by kind |\n");
		out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
		for (Result r : results) {
			StringBuilder shares = new StringBuilder();
			for (int i = 0; i < r.received().length; i++) {
				shares.append((i > 0) ? " / " : "").append(String.format(Locale.ROOT, "%.1f", r.share(i) * 100));
			}
			out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.2f | %.2f | %d | %.3f | %s | %s |%n",
					r.scenario().label, r.mode().name().toLowerCase(Locale.ROOT), r.sent(), r.p(50), r.p(99),
					r.p(99.9), r.errors(), r.errorRate() * 100, shares, r.errorKinds().isEmpty() ? "" : r.errorKinds()));
		}
		Map<Scenario, Map<Mode, Result>> byScenario = new LinkedHashMap<>();
		for (Result r : results) {
			byScenario.computeIfAbsent(r.scenario(), (s) -> new EnumMap<>(Mode.class)).put(r.mode(), r);
		}
		out.append("\nlivery ÷ vanilla (same run, same seed; < 1 is better for livery)\n\n");
		out.append("| scenario | p50 | p99 | p99.9 | errors |\n|---|---:|---:|---:|---:|\n");
		byScenario.forEach((scenario, modes) -> {
			Result l = modes.get(Mode.LIVERY);
			Result v = modes.get(Mode.VANILLA);
			if (l != null && v != null) {
				out.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %s |%n", scenario.label,
						l.p(50) / v.p(50), l.p(99) / v.p(99), l.p(99.9) / v.p(99.9),
						(v.errors() == 0) ? l.errors() + " vs 0" : String.format(Locale.ROOT, "%.4f (%d / %d)",
								(double) l.errors() / v.errors(), l.errors(), v.errors())));
			}
		});
		Result healthy = byScenario.getOrDefault(Scenario.HEALTHY, Map.of()).get(Mode.LIVERY);
		Result slow = byScenario.getOrDefault(Scenario.SLOW, Map.of()).get(Mode.LIVERY);
		if (healthy != null && slow != null) {
			out.append(String.format(Locale.ROOT, "%nlivery slow p99 ÷ livery healthy p99 = %.2f (target ≤ 1.2)%n",
					slow.p(99) / healthy.p(99)));
		}
		return out.toString();
	}

	/**
	 * The client application: nothing but a load-balanced {@code WebClient.Builder} on a connection pool of its own,
	 * large enough never to be the bottleneck.
	 */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ClientApplication {

		@Bean(destroyMethod = "dispose")
		ConnectionProvider benchmarkConnectionProvider() {
			return ConnectionProvider.builder("harness")
				.maxConnections(2000)
				.pendingAcquireMaxCount(-1)
				.pendingAcquireTimeout(Duration.ofSeconds(30))
				.build();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder(ConnectionProvider benchmarkConnectionProvider,
				Environment environment) {
			HttpClient httpClient = HttpClient.create(benchmarkConnectionProvider);
			Duration responseTimeout = environment.getProperty("harness.response-timeout", Duration.class);
			if (responseTimeout != null) {
				httpClient = httpClient.responseTimeout(responseTimeout);
			}
			return WebClient.builder().clientConnector(new ReactorClientHttpConnector(httpClient));
		}

	}

}
