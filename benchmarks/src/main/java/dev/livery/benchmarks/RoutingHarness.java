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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.HdrHistogram.Histogram;
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
 * Reactor Netty backends on 127.0.0.1 while one of them misbehaves, with each balancer in turn (livery {@code p2c},
 * livery {@code peak-ewma}, Spring Cloud's round robin) at the same offered load from the same seed.
 *
 * <p>Loads are open loop (Poisson arrivals at a fixed rate, latency from each request's scheduled start: no
 * coordinated omission) or closed loop (a fixed number of callers); see {@link LoadGenerator}. Every request carries
 * a caller timeout. Runs are interleaved (for every load, every scenario, every balancer) so that the shared
 * machine's drift falls on all balancers alike.
 *
 * <p>Run with an unknown option for the list of options.
 */
public final class RoutingHarness {

	/** What goes wrong, and with which backend (always the last one). */
	public enum Scenario {

		HEALTHY("healthy", false), SLOW("slow", false), HUNG("hung", false), FAST_FAILING("fast-failing", false),
		FAIL_503("503", false), DEAD("dead", false), HUNG_RESPONSE_TIMEOUT("hung+response-timeout", false),
		FLAP("flap", false), DEAD_RETRY("dead+retry", true);

		/** The scenarios of a run without {@code --scenarios}. */
		static final List<Scenario> DEFAULTS = List.of(HEALTHY, SLOW, HUNG, FAST_FAILING);

		final String label;

		final boolean retry;

		Scenario(String label, boolean retry) {
			this.label = label;
			this.retry = retry;
		}

		static Scenario of(String label) {
			String wanted = label.replace("hang", "hung");
			for (Scenario scenario : values()) {
				if (scenario.label.equalsIgnoreCase(wanted) || scenario.name().equalsIgnoreCase(wanted)) {
					return scenario;
				}
			}
			throw new IllegalArgumentException("Unknown scenario '" + label + "'");
		}

	}

	/** Which balancer the client application uses. */
	public enum Mode {

		/** livery, policy {@code p2c}. */
		P2C("p2c", "livery.loadbalancer.policy=p2c"),
		/** livery, policy {@code peak-ewma}. */
		PEAK_EWMA("peak-ewma", "livery.loadbalancer.policy=peak-ewma"),
		/** Spring Cloud's {@code RoundRobinLoadBalancer} (livery disabled). */
		ROUND_ROBIN("sc-round-robin", "livery.loadbalancer.enabled=false");

		final String label;

		final String property;

		Mode(String label, String property) {
			this.label = label;
			this.property = property;
		}

		static Mode of(String label) {
			for (Mode mode : values()) {
				if (mode.label.equalsIgnoreCase(label) || mode.name().equalsIgnoreCase(label)) {
					return mode;
				}
			}
			return switch (label.toLowerCase(Locale.ROOT)) {
				case "livery" -> P2C;
				case "vanilla", "round-robin" -> ROUND_ROBIN;
				default -> throw new IllegalArgumentException("Unknown balancer '" + label + "'");
			};
		}

	}

	/**
	 * An offered load.
	 * @param open whether open loop ({@code value} requests per second) or closed ({@code value} callers)
	 * @param value the rate or the number of callers
	 */
	public record Load(boolean open, int value) {

		/** The loads of a run without {@code --loads}. */
		static final List<Load> DEFAULTS = List.of(new Load(true, 200), new Load(true, 800), new Load(true, 1600),
				new Load(false, 4), new Load(false, 32));

		static Load of(String spec) {
			String[] kv = spec.trim().split(":", 2);
			if (kv.length == 1) {
				return new Load(true, Integer.parseInt(kv[0]));
			}
			return switch (kv[0].toLowerCase(Locale.ROOT)) {
				case "open" -> new Load(true, Integer.parseInt(kv[1]));
				case "closed" -> new Load(false, Integer.parseInt(kv[1]));
				default -> throw new IllegalArgumentException("Unknown load '" + spec + "': open:<rate> or closed:<callers>");
			};
		}

		String label() {
			return this.open ? "open " + this.value + "/s" : "closed " + this.value;
		}

	}

	/**
	 * Settings of one harness run.
	 * @param scenarios the scenarios, in order
	 * @param modes the balancers, run one after the other for every load and scenario
	 * @param loads the offered loads, in order
	 * @param duration least measured length of one run
	 * @param minRequests an open-loop run lasts long enough to offer at least this many requests, so that p99.9 rests
	 * on enough of them at a low rate
	 * @param warmup unmeasured healthy traffic (at the run's load) before each run's fault starts
	 * @param seed seed of the arrival times
	 * @param backends number of backends
	 * @param baseDelay service time of a healthy backend
	 * @param slowDelay added service time of the slow backend
	 * @param callerTimeout timeout of every request, as the caller sets it
	 * @param ejectionTime livery's {@code outlier.ejection-time} (set in every mode; Spring Cloud ignores it)
	 * @param flapPeriod period of the flapping backend, which fails during the middle third of each
	 * @param properties more properties of the client application ({@code --property=name=value}, repeatable), such
	 * as {@code livery.loadbalancer.latency.failure-penalty=5s}
	 */
	public record Options(List<Scenario> scenarios, List<Mode> modes, List<Load> loads, Duration duration,
			int minRequests, Duration warmup, long seed, int backends, Duration baseDelay, Duration slowDelay,
			Duration callerTimeout, Duration ejectionTime, Duration flapPeriod, List<String> properties) {

		public static Options defaults() {
			return new Options(Scenario.DEFAULTS, List.of(Mode.values()), Load.DEFAULTS, Duration.ofSeconds(8), 6000,
					Duration.ofSeconds(2), 42, 4, Duration.ofMillis(1), Duration.ofMillis(300), Duration.ofSeconds(1),
					Duration.ofSeconds(1), Duration.ofSeconds(6), List.of());
		}

		Options with(List<Scenario> scenarios, List<Load> loads, Duration duration, Duration warmup) {
			return new Options(scenarios, this.modes, loads, duration, 0, warmup, this.seed, this.backends,
					this.baseDelay, this.slowDelay, this.callerTimeout, this.ejectionTime, this.flapPeriod,
					this.properties);
		}

		/**
		 * Return how long a run at the given load is measured.
		 * @param load the load
		 * @return the measured duration
		 */
		Duration measured(Load load) {
			if (!load.open()) {
				return this.duration;
			}
			long needed = (long) Math.ceil(this.minRequests * 1000.0 / load.value());
			return (needed > this.duration.toMillis()) ? Duration.ofMillis(needed) : this.duration;
		}

		static Options parse(String[] args) {
			Options o = defaults();
			List<Scenario> scenarios = o.scenarios;
			List<Mode> modes = o.modes;
			List<Load> loads = o.loads;
			Duration duration = o.duration;
			int minRequests = o.minRequests;
			Duration warmup = o.warmup;
			long seed = o.seed;
			int backends = o.backends;
			Duration baseDelay = o.baseDelay;
			Duration slowDelay = o.slowDelay;
			Duration callerTimeout = o.callerTimeout;
			Duration ejectionTime = o.ejectionTime;
			Duration flapPeriod = null;
			List<String> properties = new ArrayList<>();
			for (String arg : args) {
				String[] kv = arg.replaceFirst("^--", "").split("=", 2);
				String value = (kv.length > 1) ? kv[1] : "";
				switch (kv[0]) {
					case "scenarios" -> scenarios = Arrays.stream(value.split(",")).map(Scenario::of).toList();
					case "modes", "balancers" -> modes = Arrays.stream(value.split(",")).map(Mode::of).toList();
					case "loads" -> loads = Arrays.stream(value.split(",")).map(Load::of).toList();
					case "rate" -> loads = List.of(new Load(true, Integer.parseInt(value)));
					case "duration" -> duration = duration(value);
					case "min-requests" -> minRequests = Integer.parseInt(value);
					case "warmup" -> warmup = duration(value);
					case "seed" -> seed = Long.parseLong(value);
					case "backends" -> backends = Integer.parseInt(value);
					case "base-delay" -> baseDelay = duration(value);
					case "slow-delay" -> slowDelay = duration(value);
					case "caller-timeout" -> callerTimeout = duration(value);
					case "ejection-time" -> ejectionTime = duration(value);
					case "flap-period" -> flapPeriod = duration(value);
					case "property" -> properties.add(value);
					default -> throw new IllegalArgumentException("Unknown option '" + arg + "'; options: "
							+ "--scenarios=healthy,slow,hung,fast-failing[,503,dead,hung+response-timeout,flap,dead+retry] "
							+ "--balancers=p2c,peak-ewma,sc-round-robin "
							+ "--loads=open:200,open:800,open:1600,closed:4,closed:32 (or --rate=800) --duration=8s "
							+ "--min-requests=6000 --warmup=2s --seed=42 --backends=4 --base-delay=1ms --slow-delay=300ms "
							+ "--caller-timeout=1s --ejection-time=1s --flap-period=<0.75 x duration> --property=<name>=<value> --out=<report.md>");
				}
			}
			if (flapPeriod == null) {
				// 5 s of every 15 s in a 20 s scenario; shortened in proportion.
				flapPeriod = Duration.ofMillis(Math.max(1500, duration.toMillis() * 3 / 4));
			}
			return new Options(scenarios, modes, loads, duration, minRequests, warmup, seed, backends, baseDelay,
					slowDelay, callerTimeout, ejectionTime, flapPeriod, List.copyOf(properties));
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
	 * What one run of one scenario with one balancer at one load saw.
	 * @param load the load
	 * @param scenario the scenario
	 * @param mode the balancer
	 * @param measured how long the load was offered
	 * @param sent requests started
	 * @param ok requests answered 2xx in time
	 * @param errors requests that failed (status, connection error or caller timeout)
	 * @param latency latency of every finished request (ok or not), microseconds
	 * @param received requests each backend received
	 * @param errorKinds errors by kind
	 */
	public record Result(Load load, Scenario scenario, Mode mode, Duration measured, long sent, long ok, long errors,
			Histogram latency, long[] received, Map<String, Long> errorKinds) {

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

		/**
		 * Return the share of the requests received by the backend that misbehaves (the last one).
		 * @return the share, 0 to 1
		 */
		public double badShare() {
			return share(this.received.length - 1);
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
		// Warm the JVM up on every code path before anything is measured.
		harness.runAll(options.with(List.of(Scenario.HEALTHY), List.of(new Load(true, 800)), Duration.ofSeconds(3),
				Duration.ZERO));
		List<Result> results = harness.runAll(options);
		String report = RoutingReport.report(options, results);
		System.out.println(report);
		System.err.printf("total time %.0f s%n", (System.nanoTime() - started) / 1e9);
		if (out != null) {
			Files.writeString(Path.of(out), report, StandardCharsets.UTF_8);
		}
		System.exit(0);
	}

	public List<Result> runAll(Options settings) throws InterruptedException {
		List<Result> results = new ArrayList<>();
		for (Load load : settings.loads()) {
			for (Scenario scenario : settings.scenarios()) {
				for (Mode mode : settings.modes()) {
					Result result = run(settings, load, scenario, mode);
					this.log.printf(Locale.ROOT,
							"%-12s %-22s %-14s sent=%d ok=%d errors=%d p50=%.2fms p99=%.2fms p99.9=%.2fms shares=%s %s%n",
							load.label(), scenario.label, mode.label, result.sent(), result.ok(), result.errors(),
							result.p(50), result.p(99), result.p(99.9), Arrays.toString(result.received()),
							result.errorKinds());
					results.add(result);
				}
			}
		}
		return results;
	}

	/**
	 * Run one scenario with one balancer at one load: fresh backends, a fresh client application, warm-up, fault,
	 * measurement.
	 */
	public Result run(Options settings, Load load, Scenario scenario, Mode mode) throws InterruptedException {
		List<Backend> backends = new ArrayList<>();
		for (int i = 0; i < settings.backends(); i++) {
			backends.add(new Backend("b" + i, settings.baseDelay(), settings.slowDelay()));
		}
		ConfigurableApplicationContext context = null;
		try {
			context = startClient(settings, scenario, mode, backends);
			WebClient client = context.getBean(WebClient.Builder.class).build();
			Duration callerTimeout = callerTimeout(settings, scenario);
			if (!settings.warmup().isZero()) {
				offer(client, load, settings.warmup(), settings.seed() ^ 0x5DEECE66DL, callerTimeout);
			}
			backends.forEach(Backend::resetCount);
			Backend victim = backends.get(backends.size() - 1);
			switch (scenario) {
				case HEALTHY -> {
				}
				case SLOW -> victim.behave(Backend.Behaviour.SLOW);
				case FAST_FAILING -> victim.behave(Backend.Behaviour.FAIL_HALF);
				case FAIL_503 -> victim.behave(Backend.Behaviour.FAIL_503);
				case DEAD, DEAD_RETRY -> victim.kill();
				case HUNG, HUNG_RESPONSE_TIMEOUT -> victim.behave(Backend.Behaviour.HANG);
				case FLAP -> victim.flap(settings.flapPeriod());
			}
			Duration measured = settings.measured(load);
			LoadGenerator.Tally tally = offer(client, load, measured, settings.seed(), callerTimeout);
			this.log.println("  requests > 10 ms per 250 ms slot: " + tally.timeline(measured));
			long[] received = backends.stream().mapToLong(Backend::received).toArray();
			return new Result(load, scenario, mode, measured, tally.sent.sum(), tally.ok.sum(), tally.errors.sum(),
					tally.latency, received, new TreeMap<>(tally.errorKinds.entrySet()
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

	private static LoadGenerator.Tally offer(WebClient client, Load load, Duration duration, long seed,
			Duration callerTimeout) throws InterruptedException {
		return load.open() ? LoadGenerator.open(client, load.value(), duration, seed, callerTimeout)
				: LoadGenerator.closed(client, load.value(), duration, callerTimeout);
	}

	private static ConfigurableApplicationContext startClient(Options settings, Scenario scenario, Mode mode,
			List<Backend> backends) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < backends.size(); i++) {
			properties.add("spring.cloud.discovery.client.simple.instances.backend[" + i + "].uri="
					+ backends.get(i).uri());
		}
		properties.add(mode.property);
		properties.add("livery.loadbalancer.outlier.ejection-time=" + settings.ejectionTime().toMillis() + "ms");
		properties.add("spring.cloud.loadbalancer.retry.enabled=" + scenario.retry);
		if (scenario == Scenario.HUNG_RESPONSE_TIMEOUT) {
			properties.add("harness.response-timeout=" + settings.callerTimeout().toMillis() + "ms");
		}
		properties.addAll(settings.properties());
		properties.add("spring.main.banner-mode=off");
		properties.add("logging.level.root=WARN");
		properties.add("logging.level.org.springframework.cloud.loadbalancer=ERROR");
		return new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	/**
	 * The caller's timeout: the configured one, except in the response-timeout scenario, where the HTTP client's own
	 * response timeout (the configured one) must fire first.
	 */
	private static Duration callerTimeout(Options settings, Scenario scenario) {
		return (scenario == Scenario.HUNG_RESPONSE_TIMEOUT) ? settings.callerTimeout().plusSeconds(1)
				: settings.callerTimeout();
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
