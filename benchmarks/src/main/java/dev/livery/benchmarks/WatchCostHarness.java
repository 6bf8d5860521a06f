package dev.livery.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.livery.loadbalancer.health.ActiveHealthCheck;
import dev.livery.loadbalancer.health.EndpointHealthSink;
import dev.livery.loadbalancer.health.HealthCheckSettings;
import dev.livery.loadbalancer.health.HealthHttpClients;
import dev.livery.loadbalancer.health.HealthTarget;
import dev.livery.loadbalancer.health.ServingWatch;
import dev.livery.loadbalancer.health.ServingWatchSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Measures what the serving watch costs next to polling: memory and threads per open stream on the client (livery's
 * {@link ServingWatch}, one JDK HTTP connection per endpoint) and on the server (a real livery WebFlux application),
 * how many streams one client holds, and the CPU both sides spend holding streams versus checking every endpoint
 * every second ({@link ActiveHealthCheck}). Each side is measured in its own JVM, so one process's numbers are not
 * the other's.
 *
 * <pre>
 * ./mvnw -B -ntp -pl benchmarks -am -DskipTests -Pwatch verify -Dharness.args="--endpoints=1000 --out=/tmp/watch.md"
 * </pre>
 */
public final class WatchCostHarness {

	private static final String SSE_FIRST = "event:status\ndata:SERVING\n\n";

	private static final String SSE_HEARTBEAT = ":\n\n";

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new java.util.LinkedHashMap<>();
		for (String arg : args) {
			String[] kv = arg.replaceFirst("^--", "").split("=", 2);
			options.put(kv[0], (kv.length > 1) ? kv[1] : "true");
		}
		String child = options.remove("child");
		if ("listeners".equals(child)) {
			listeners(Integer.parseInt(options.get("count")), Duration.parse(options.get("heartbeat")));
			return;
		}
		if ("server".equals(child)) {
			server();
			return;
		}
		List<Integer> endpoints = Arrays.stream(options.getOrDefault("endpoints", "1000").split(","))
			.map(Integer::parseInt)
			.toList();
		int serverStreams = Integer.parseInt(options.getOrDefault("server-streams", "1000"));
		Duration hold = Duration.ofSeconds(Long.parseLong(options.getOrDefault("hold", "30s").replace("s", "")));
		Duration heartbeat = Duration
			.ofSeconds(Long.parseLong(options.getOrDefault("heartbeat", "15s").replace("s", "")));
		String out = options.get("out");
		for (String key : options.keySet()) {
			if (!List.of("endpoints", "server-streams", "hold", "heartbeat", "out").contains(key)) {
				throw new IllegalArgumentException("Unknown option '--" + key + "'; options: --endpoints=1000[,2000] "
						+ "--server-streams=1000 --hold=30s --heartbeat=15s --out=<report.md>");
			}
		}
		StringBuilder report = new StringBuilder();
		report.append(String.format(Locale.ROOT, "# Serving watch cost%n%nJDK %s, %d CPUs, load average at start %s; "
				+ "hold %d s per phase, heartbeat every %d s on the listeners%n%n", System.getProperty("java.version"),
				Runtime.getRuntime().availableProcessors(), loadAverage(), hold.toSeconds(), heartbeat.toSeconds()));
		for (int count : endpoints) {
			clientSide(report, count, hold, heartbeat);
		}
		serverSide(report, serverStreams, hold);
		report.append(String.format(Locale.ROOT, "%nload average at end %s%n", loadAverage()));
		System.out.println(report);
		if (out != null) {
			Files.writeString(Path.of(out), report, StandardCharsets.UTF_8);
		}
		System.exit(0);
	}

	// --- the client's side: 1 client, N endpoints (N listeners in another JVM) ---

	private static void clientSide(StringBuilder report, int count, Duration hold, Duration heartbeat)
			throws Exception {
		try (Child listeners = Child.start("--child=listeners", "--count=" + count, "--heartbeat=" + heartbeat)) {
			List<Integer> ports = Arrays.stream(listeners.ready().split(",")).map(Integer::parseInt).toList();
			URI stats = URI.create("http://127.0.0.1:" + ports.get(0) + "/stats");
			HttpClient http = HealthHttpClients.create();
			Scheduler scheduler = Schedulers.newSingle("livery-health", true);
			CountingSink sink = new CountingSink();
			warmUp(ports, http, scheduler, sink);
			Stats before = Stats.local();
			Stats listenersBefore = Stats.remote(stats);
			// Streams
			long start = System.nanoTime();
			List<ServingWatch> watches = new ArrayList<>();
			for (int port : ports) {
				ServingWatch watch = new ServingWatch(target(port), ServingWatchSettings.DEFAULTS, http, scheduler,
						sink);
				watch.start();
				watches.add(watch);
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (watches.stream().filter((w) -> w.state() == ServingWatch.State.OPEN).count() < count
					&& System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			long open = watches.stream().filter((w) -> w.state() == ServingWatch.State.OPEN).count();
			double openSeconds = (System.nanoTime() - start) / 1e9;
			Stats opened = Stats.local();
			Stats listenersOpened = Stats.remote(stats);
			Thread.sleep(hold.toMillis());
			Stats held = Stats.local();
			Stats listenersHeld = Stats.remote(stats);
			watches.forEach(ServingWatch::stop);
			Thread.sleep(2000);
			// Polling
			HealthCheckSettings everySecond = HealthCheckSettings.DEFAULTS.withTiming(Duration.ofSeconds(1),
					Duration.ofMillis(900));
			List<ActiveHealthCheck> checks = new ArrayList<>();
			for (int port : ports) {
				ActiveHealthCheck check = new ActiveHealthCheck(target(port), everySecond, http, scheduler, sink);
				check.start();
				checks.add(check);
			}
			Thread.sleep(5000);
			Stats pollStart = Stats.local();
			Stats listenersPollStart = Stats.remote(stats);
			long checksBefore = sink.checks.sum();
			long failuresBefore = sink.failures.sum();
			Thread.sleep(hold.toMillis());
			Stats polled = Stats.local();
			Stats listenersPolled = Stats.remote(stats);
			long checksDone = sink.checks.sum() - checksBefore;
			long checkFailures = sink.failures.sum() - failuresBefore;
			checks.forEach(ActiveHealthCheck::stop);
			scheduler.dispose();

			double holdSeconds = hold.toNanos() / 1e9;
			report.append(String.format(Locale.ROOT, "## Client side: 1 client, %,d endpoints (%,d listeners in "
					+ "another JVM)%n%n", count, count));
			report.append(String.format(Locale.ROOT, "%,d of %,d streams open after %.1f s; %,d statuses received%n%n",
					open, count, openSeconds, sink.statuses.sum()));
			report.append("| | client heap | client RSS | client threads | client CPU | listeners CPU |\n");
			report.append("|---|---|---|---|---|---|\n");
			report.append(String.format(Locale.ROOT, "| before | %s | %s | %d | | |%n", mib(before.heap), mib(before.rss),
					before.threads));
			report.append(String.format(Locale.ROOT, "| %,d streams open | %s | %s | %d | %s | %s |%n", count,
					mib(opened.heap), mib(opened.rss), opened.threads, cpu(held.cpu - opened.cpu, holdSeconds),
					cpu(listenersHeld.cpu - listenersOpened.cpu, holdSeconds)));
			report.append(String.format(Locale.ROOT, "| polling %,d endpoints every 1 s | %s | %s | %d | %s | %s |%n",
					count, mib(polled.heap), mib(polled.rss), polled.threads, cpu(polled.cpu - pollStart.cpu, holdSeconds),
					cpu(listenersPolled.cpu - listenersPollStart.cpu, holdSeconds)));
			report.append(String.format(Locale.ROOT, "%nPer open stream on the client: **%s heap**, %s RSS, %+d threads "
					+ "for all of them. Polling: %,.0f checks/s done (%,d failed); listeners' RSS %s before, %s with the "
					+ "streams.%n%n", perItem(opened.heap - before.heap, count), perItem(opened.rss - before.rss, count),
					opened.threads - before.threads, checksDone / holdSeconds, checkFailures, mib(listenersBefore.rss),
					mib(listenersOpened.rss)));
		}
	}

	// --- the server's side: M streams to one real livery application ---

	private static void serverSide(StringBuilder report, int streams, Duration hold) throws Exception {
		try (Child server = Child.start("--child=server")) {
			int port = Integer.parseInt(server.ready());
			URI stats = URI.create("http://127.0.0.1:" + port + "/stats");
			HttpClient http = HealthHttpClients.create();
			Scheduler scheduler = Schedulers.newSingle("livery-health", true);
			CountingSink sink = new CountingSink();
			// Warm the server up, so that the classes it loads lazily are not counted per stream.
			warmUp(java.util.Collections.nCopies(10, port), http, scheduler, sink);
			Stats before = Stats.remote(stats);
			List<ServingWatch> watches = new ArrayList<>();
			for (int i = 0; i < streams; i++) {
				ServingWatch watch = new ServingWatch(target(port), ServingWatchSettings.DEFAULTS, http, scheduler, sink);
				watch.start();
				watches.add(watch);
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (watches.stream().filter((w) -> w.state() == ServingWatch.State.OPEN).count() < streams
					&& System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			long open = watches.stream().filter((w) -> w.state() == ServingWatch.State.OPEN).count();
			Stats opened = Stats.remote(stats);
			Thread.sleep(hold.toMillis());
			Stats held = Stats.remote(stats);
			watches.forEach(ServingWatch::stop);
			Thread.sleep(2000);
			Stats closed = Stats.remote(stats);
			HealthCheckSettings everySecond = HealthCheckSettings.DEFAULTS.withTiming(Duration.ofSeconds(1),
					Duration.ofMillis(900));
			List<ActiveHealthCheck> checks = new ArrayList<>();
			for (int i = 0; i < streams; i++) {
				ActiveHealthCheck check = new ActiveHealthCheck(target(port), everySecond, http, scheduler, sink);
				check.start();
				checks.add(check);
			}
			Thread.sleep(5000);
			Stats pollStart = Stats.remote(stats);
			long checksBefore = sink.checks.sum();
			long failuresBefore = sink.failures.sum();
			Thread.sleep(hold.toMillis());
			Stats polled = Stats.remote(stats);
			long checksDone = sink.checks.sum() - checksBefore;
			long checkFailures = sink.failures.sum() - failuresBefore;
			checks.forEach(ActiveHealthCheck::stop);
			scheduler.dispose();
			double holdSeconds = hold.toNanos() / 1e9;
			report.append(String.format(Locale.ROOT, "## Server side: %,d streams to one livery WebFlux application%n%n",
					streams));
			report.append(String.format(Locale.ROOT, "%,d of %,d streams open%n%n", open, streams));
			report.append("| | server heap | server direct (Netty) | server RSS | server threads | server CPU |\n");
			report.append("|---|---|---|---|---|---|\n");
			report.append(row("before", before, null, 0));
			report.append(row(String.format(Locale.ROOT, "%,d streams open", streams), opened, held, holdSeconds));
			report.append(row("streams closed", closed, null, 0));
			report.append(row(String.format(Locale.ROOT, "polled by %,d checkers every 1 s", streams), polled, pollStart,
					holdSeconds));
			report.append(String.format(Locale.ROOT, "%nPer open stream on the server: **%s heap**, %s direct, %s RSS, "
					+ "%+d threads for all of them. Polling: %,.0f checks/s answered (%,d failed).%n", perItem(opened.heap
							- before.heap, streams), perItem(opened.direct - before.direct, streams),
					perItem(opened.rss - before.rss, streams), opened.threads - before.threads, checksDone / holdSeconds,
					checkFailures));
		}
	}

	/**
	 * Open a few streams and run a few checks, so that the classes they load and the client's threads are in the
	 * baseline rather than counted per stream.
	 */
	private static void warmUp(List<Integer> ports, HttpClient http, Scheduler scheduler, EndpointHealthSink sink)
			throws InterruptedException {
		List<ServingWatch> watches = new ArrayList<>();
		List<ActiveHealthCheck> checks = new ArrayList<>();
		HealthCheckSettings fast = HealthCheckSettings.DEFAULTS.withTiming(Duration.ofMillis(100), Duration.ofMillis(90));
		for (int port : ports.subList(0, Math.min(10, ports.size()))) {
			ServingWatch watch = new ServingWatch(target(port), ServingWatchSettings.DEFAULTS, http, scheduler, sink);
			watch.start();
			watches.add(watch);
			ActiveHealthCheck check = new ActiveHealthCheck(target(port), fast, http, scheduler, sink);
			check.start();
			checks.add(check);
		}
		Thread.sleep(3000);
		watches.forEach(ServingWatch::stop);
		checks.forEach(ActiveHealthCheck::stop);
		Thread.sleep(500);
	}

	private static String row(String label, Stats stats, @Nullable Stats from, double seconds) {
		String cpu = (from == null) ? "" : (stats.cpu >= from.cpu) ? cpu(Math.abs(stats.cpu - from.cpu), seconds)
				: cpu(from.cpu - stats.cpu, seconds);
		return String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %s |%n", label, mib(stats.heap), mib(stats.direct),
				mib(stats.rss), stats.threads, cpu);
	}

	private static HealthTarget target(int port) {
		return new HealthTarget(false, "127.0.0.1", port, Map.of());
	}

	// --- children ---

	/**
	 * N plain Reactor Netty listeners on one event loop: each serves the watch stream (SERVING, then a heartbeat
	 * comment every heartbeat) and a health path, like a fleet of livery backends would.
	 */
	private static void listeners(int count, Duration heartbeat) throws Exception {
		LoopResources loops = LoopResources.create("listeners", 2, true);
		Flux<String> beats = Flux.interval(heartbeat, heartbeat).map((tick) -> SSE_HEARTBEAT).share();
		List<DisposableServer> servers = new ArrayList<>();
		StringBuilder ports = new StringBuilder();
		for (int i = 0; i < count; i++) {
			DisposableServer server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.runOn(loops)
				.route((routes) -> routes
					.get("/livery/serving/watch", (request, response) -> response
						.header("Content-Type", "text/event-stream")
						.send(Flux.concat(Mono.just(SSE_FIRST), beats)
							.map((text) -> (ByteBuf) Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)), (b) -> true)
						.then())
					.get("/actuator/health",
							(request, response) -> response.header("Content-Type", "application/json")
								.sendString(Mono.just("{\"status\":\"UP\"}")))
					.get("/stats", (request, response) -> response.sendString(Mono.just(Stats.local().toString()))))
				.bindNow();
			servers.add(server);
			ports.append((i == 0) ? "" : ",").append(server.port());
		}
		System.out.println("READY " + ports);
		System.out.flush();
		awaitParentGone();
		servers.forEach(DisposableServer::disposeNow);
	}

	/**
	 * A real livery WebFlux application: the serving watch at /livery/serving/watch, Actuator health, and /stats.
	 */
	private static void server() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(WatchServerApplication.class).run(
				"--server.port=0", "--server.address=127.0.0.1", "--spring.main.banner-mode=off",
				"--logging.level.root=WARN", "--management.endpoints.web.exposure.include=health",
				"--livery.concurrency.enabled=false");
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		System.out.println("READY " + port);
		System.out.flush();
		awaitParentGone();
		context.close();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class WatchServerApplication {

		@Bean
		RouterFunction<ServerResponse> statsRoute() {
			return RouterFunctions.route()
				.GET("/stats", (request) -> ServerResponse.ok().bodyValue(Stats.local().toString()))
				// What a poller asks; a plain route, cheaper than Actuator's health with its indicators.
				.GET("/actuator/health", (request) -> ServerResponse.ok().bodyValue("{\"status\":\"UP\"}"))
				.build();
		}

	}

	private static void awaitParentGone() throws IOException {
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		while (in.readLine() != null) {
			// The parent closes our stdin when it is done (or dies).
		}
	}

	/**
	 * A child JVM on the same class path, told it is done by the end of its stdin.
	 */
	private static final class Child implements AutoCloseable {

		private final Process process;

		private final BufferedReader out;

		private Child(Process process) {
			this.process = process;
			this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		}

		static Child start(String... args) throws IOException {
			List<String> command = new ArrayList<>();
			command.add(ProcessHandle.current().info().command().orElse("java"));
			command.add("-Xmx1g");
			command.add("-XX:+UseSerialGC");
			command.add("-cp");
			command.add(System.getProperty("java.class.path"));
			command.add(WatchCostHarness.class.getName());
			command.addAll(List.of(args));
			return new Child(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
		}

		String ready() throws IOException {
			String line;
			while ((line = this.out.readLine()) != null) {
				if (line.startsWith("READY ")) {
					return line.substring(6).trim();
				}
			}
			throw new IllegalStateException("Child ended before it was ready");
		}

		@Override
		public void close() throws Exception {
			this.process.getOutputStream().close();
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}

	}

	// --- measurements ---

	/**
	 * One process's heap after a full collection, Netty's direct memory, resident set, live threads and CPU time.
	 */
	record Stats(long heap, long direct, long rss, int threads, long cpu) {

		static Stats local() {
			// CPU first, so that the collections below are not charged to the phase that follows.
			long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
				.getProcessCpuTime();
			for (int i = 0; i < 3; i++) {
				System.gc();
			}
			long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
			long direct = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
			int threads = ManagementFactory.getThreadMXBean().getThreadCount();
			return new Stats(heap, direct, residentSetSize(), threads, cpu);
		}

		static Stats remote(URI uri) throws Exception {
			HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			String body = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
			String[] parts = body.trim().split(" ");
			return new Stats(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]),
					Integer.parseInt(parts[3]), Long.parseLong(parts[4]));
		}

		private static long residentSetSize() {
			try {
				for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
					if (line.startsWith("VmRSS:")) {
						return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
					}
				}
			}
			catch (IOException ex) {
				// Not Linux: no RSS.
			}
			return 0;
		}

		@Override
		public String toString() {
			return this.heap + " " + this.direct + " " + this.rss + " " + this.threads + " " + this.cpu;
		}

	}

	private static final class CountingSink implements EndpointHealthSink {

		final LongAdder checks = new LongAdder();

		final LongAdder failures = new LongAdder();

		final LongAdder statuses = new LongAdder();

		@Override
		public void healthCheck(boolean success) {
			this.checks.increment();
			if (!success) {
				this.failures.increment();
			}
		}

		@Override
		public void healthScore(int score, boolean healthy) {
		}

		@Override
		public void servingStatus(@Nullable String status, boolean healthy) {
			if (status != null) {
				this.statuses.increment();
			}
		}

	}

	private static String mib(long bytes) {
		return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
	}

	private static String perItem(long bytes, int count) {
		double each = (double) bytes / count;
		return (Math.abs(each) >= 1024) ? String.format(Locale.ROOT, "%.1f KiB", each / 1024)
				: String.format(Locale.ROOT, "%.0f B", each);
	}

	private static String cpu(long nanos, double seconds) {
		return String.format(Locale.ROOT, "%.1f %% of a core", 100.0 * nanos / 1e9 / seconds);
	}

	private static String loadAverage() {
		try {
			return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
		}
		catch (IOException ex) {
			return "?";
		}
	}

}
