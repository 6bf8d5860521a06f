package dev.livery.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointHealth;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import dev.livery.demo.DemoEvents.Kind;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The livery demo: four sample backends and a client in one JVM, the client sending steady load through livery
 * while a script makes one backend slow, one fail, one stop serving and one shut down, with a table once a second
 * and a summary of what livery did.
 *
 * <pre>
 * ./mvnw -q -pl samples/livery-demo -am package -DskipTests
 * java -jar samples/livery-demo/target/livery-demo.jar [--time-scale=1] [--rate=100]
 * </pre>
 *
 * @since 0.1.0
 */
public final class LiveryDemo {

	static final String SERVICE = "backend";

	private static final int BACKENDS = 4;

	private final DemoOptions options;

	private final PrintStream out;

	private final DemoClock clock = new DemoClock();

	private final DemoEvents events;

	private final Traffic traffic = new Traffic();

	private final List<DemoBackend> backends = new ArrayList<>();

	private final List<DemoReport.Row> rows = new ArrayList<>();

	private ConfigurableApplicationContext client;

	private EndpointPools<?> pools;

	private double storyEnd;

	LiveryDemo(DemoOptions options, PrintStream out) {
		this.options = options;
		this.out = out;
		this.events = new DemoEvents(this.clock, out);
	}

	public static void main(String[] args) {
		DemoOptions options;
		try {
			options = DemoOptions.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.exit(2);
			return;
		}
		try {
			new LiveryDemo(options, System.out).run();
		}
		catch (RuntimeException ex) {
			ex.printStackTrace();
			// Servers that did start keep non-daemon threads alive: end the JVM.
			System.exit(1);
		}
		System.exit(0);
	}

	/**
	 * Start everything, tell the story, shut everything down and print the summary.
	 * @return what the run saw
	 */
	DemoReport run() {
		// Several applications start at once in this JVM; Spring Boot's logging system would re-initialise Logback
		// under the others' feet. logback.xml configures it once.
		System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
		try {
			start();
			tell(story());
		}
		finally {
			stop();
		}
		DemoReport report = new DemoReport(this.events.events(), List.copyOf(this.rows), this.traffic.sent(),
				this.traffic.succeeded(), this.traffic.failed());
		summarize(report);
		return report;
	}

	// --- the story ---

	private record Step(double at, Runnable action) {
	}

	private List<Step> story() {
		DemoBackend b1 = this.backends.get(0);
		DemoBackend b2 = this.backends.get(1);
		DemoBackend b3 = this.backends.get(2);
		DemoBackend b4 = this.backends.get(3);
		List<Step> steps = new ArrayList<>();
		steps.add(new Step(0, () -> this.events.step("All " + BACKENDS + " backends healthy, 20 ms a call; the client "
				+ "sends " + this.options.rate() + " calls/s to http://backend/work through livery (P2C on in-flight)")));
		steps.add(new Step(6, () -> {
			this.events.step(b2.name() + " turns slow: 300 ms a call    POST /chaos {\"delay\":\"300ms\"}");
			b2.chaos("{\"delay\":\"300ms\"}", "slow 300 ms");
		}));
		steps.add(new Step(14, () -> {
			this.events.step(b2.name() + " is fast again; " + b3.name() + " starts failing every call    "
					+ "POST /chaos {\"failureRate\":1.0}");
			b2.chaos("{\"delay\":\"20ms\"}", "healthy");
			b3.chaos("{\"failureRate\":1.0}", "failing 100%");
		}));
		steps.add(new Step(21, () -> {
			this.events.step(b3.name() + " recovers    POST /chaos {\"failureRate\":0}");
			b3.chaos("{\"failureRate\":0}", "healthy");
		}));
		steps.add(new Step(31, () -> drain(b4)));
		steps.add(new Step(40, () -> restore(b4)));
		steps.add(new Step(46, () -> shutDown(b1)));
		steps.add(new Step(54, () -> this.events.step("End of the story")));
		return steps;
	}

	private void drain(DemoBackend backend) {
		this.events.step(backend.name() + " stops serving    POST /actuator/servingstatus {\"status\":\"NOT_SERVING\"}");
		backend.post("/actuator/servingstatus", "{\"status\":\"NOT_SERVING\"}");
		backend.doing("NOT_SERVING");
	}

	private void restore(DemoBackend backend) {
		this.events.step(backend.name() + " serves again    POST /actuator/servingstatus {\"status\":\"SERVING\"}");
		backend.post("/actuator/servingstatus", "{\"status\":\"SERVING\"}");
		backend.doing("healthy");
	}

	private void shutDown(DemoBackend backend) {
		this.events.step(backend.name() + " shuts down gracefully, as in a rolling deploy: NOT_SERVING first, then the "
				+ "server stops");
		backend.doing("shut down");
		Thread stopper = new Thread(backend::stop, "demo-stop-" + backend.name());
		stopper.setDaemon(true);
		stopper.start();
	}

	private void tell(List<Step> steps) {
		this.clock.restart();
		double lastTable = 0;
		double nextTable = 1;
		int next = 0;
		while (next < steps.size()) {
			double now = this.clock.seconds();
			// The second that ends now is closed before a step due now acts, so that its row holds nothing of what
			// the step causes (a backend restored at 10.0 s must not show calls in the row of 9-10 s).
			if (now >= nextTable) {
				lastTable = table(lastTable);
				nextTable += 1;
			}
			while (next < steps.size() && scaled(steps.get(next).at()) <= now) {
				steps.get(next++).action().run();
			}
			if (next < steps.size()) {
				double wait = Math.min(nextTable, scaled(steps.get(next).at())) - this.clock.seconds();
				sleep(Math.max(0.005, wait));
			}
		}
	}

	private double scaled(double seconds) {
		return seconds * this.options.timeScale();
	}

	// --- the table ---

	private double table(double from) {
		double now = this.clock.seconds();
		EndpointPool<?> pool = this.pools.get(SERVICE);
		List<DemoReport.Row> second = new ArrayList<>();
		List<Traffic.Second> numbers = new ArrayList<>();
		int total = 0;
		for (DemoBackend backend : this.backends) {
			Traffic.Second numbers1 = this.traffic.counters(backend.key()).roll();
			numbers.add(numbers1);
			total += numbers1.sent();
			Endpoint<?> endpoint = (pool != null) ? pool.endpoint(backend.key()) : null;
			String state = (endpoint != null) ? livery(endpoint) : "-";
			int inFlight = (endpoint != null) ? endpoint.inFlight() : 0;
			second.add(new DemoReport.Row(from, now, backend.name(), backend.doing(), state, numbers1.sent(),
					numbers1.errors(), inFlight));
		}
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT, "-- %s %s%n", DemoClock.format(now).trim(), "-".repeat(72)));
		table.append(String.format(Locale.ROOT, "   %-10s %-14s %-11s %6s %8s %10s %7s %8s%n", "backend", "story",
				"livery", "share", "calls/s", "in flight", "errors", "p99"));
		for (int i = 0; i < second.size(); i++) {
			DemoReport.Row row = second.get(i);
			Traffic.Second n = numbers.get(i);
			String share = (total == 0) ? "-" : Math.round(100.0 * row.sent() / total) + "%";
			String p99 = (n.p99Nanos() < 0) ? "-" : (n.p99Nanos() / 1_000_000) + " ms";
			table.append(String.format(Locale.ROOT, "   %-10s %-14s %-11s %6s %8d %10d %7d %8s%n", row.backend(),
					row.doing(), row.state(), share, row.sent(), row.inFlight(), row.errors(), p99));
		}
		synchronized (this.out) {
			this.out.print(table);
			this.out.flush();
		}
		synchronized (this.rows) {
			this.rows.addAll(second);
		}
		return now;
	}

	/**
	 * What livery makes of a backend: its state, or, while it is up but its serving watch keeps it out, what it said.
	 */
	private static String livery(Endpoint<?> endpoint) {
		if (endpoint.state() == EndpointState.UP && endpoint.health() == EndpointHealth.UNHEALTHY) {
			String said = endpoint.servingStatus();
			return (said != null) ? said : EndpointHealth.UNHEALTHY.name();
		}
		return endpoint.state().name();
	}

	// --- start and stop ---

	private void start() {
		this.out.printf(Locale.ROOT, "livery demo: %d backends and a client in one JVM; the story takes %.0f s "
				+ "(--time-scale=2 for twice as long)%n", BACKENDS, 54 * this.options.timeScale());
		this.out.println("Starting the backends and the client...");
		ExecutorService starter = Executors.newFixedThreadPool(2);
		try {
			List<Future<DemoBackend>> started = new ArrayList<>();
			for (int i = 1; i <= BACKENDS; i++) {
				String name = "backend-" + i;
				started.add(starter.submit(() -> DemoBackend.start(name)));
			}
			Exception failure = null;
			for (Future<DemoBackend> future : started) {
				try {
					DemoBackend backend = future.get();
					this.backends.add(backend);
					this.events.name(backend.key(), backend.name());
				}
				catch (Exception ex) {
					// Keep collecting the others, so that stop() shuts down every backend that did start.
					failure = (failure != null) ? failure : ex;
				}
			}
			if (failure != null) {
				throw new IllegalStateException("A backend failed to start", failure);
			}
		}
		finally {
			starter.shutdown();
		}
		List<String> args = new ArrayList<>();
		args.add("--spring.config.name=demo-client");
		for (int i = 0; i < this.backends.size(); i++) {
			args.add("--spring.cloud.discovery.client.simple.instances." + SERVICE + "[" + i + "].uri="
					+ this.backends.get(i).uri());
		}
		args.add("--livery.loadbalancer.outlier.ejection-time=" + this.options.scaled(3).toMillis() + "ms");
		args.add("--livery.loadbalancer.outlier.max-ejection-time=" + this.options.scaled(30).toMillis() + "ms");
		this.client = new SpringApplicationBuilder(DemoClientApplication.class)
			.initializers((context) -> context.getBeanFactory().registerSingleton("demoEvents", this.events))
			.run(args.toArray(String[]::new));
		this.pools = this.client.getBean(EndpointPools.class);
		int port = ((WebServerApplicationContext) this.client).getWebServer().getPort();
		for (DemoBackend backend : this.backends) {
			this.out.printf("   %s  %s%n", backend.name(), backend.uri());
		}
		this.out.printf("   client     http://127.0.0.1:%d/actuator/balancer   (curl it while the demo runs)%n", port);
		this.out.printf("   dashboard  http://127.0.0.1:%d/livery/dashboard   (open it in a browser now: it shows the "
				+ "story live)%n%n", port);
		this.traffic.start(this.client.getBean(WebClient.Builder.class), this.options.rate());
		// A fresh JVM answers slowly until the JIT has compiled the hot paths: keep that out of the story.
		double warmUp = Math.max(2, 4 * this.options.timeScale());
		this.out.printf(Locale.ROOT, "Warming up for %.0f s...%n%n", warmUp);
		sleep(warmUp);
		this.traffic.reset();
		for (DemoBackend backend : this.backends) {
			this.traffic.counters(backend.key()).roll();
		}
	}

	private void stop() {
		this.storyEnd = this.clock.seconds();
		this.traffic.stop();
		sleep(0.3);
		if (this.client != null) {
			this.client.close();
		}
		for (DemoBackend backend : this.backends) {
			if (backend.isRunning()) {
				backend.stop();
			}
		}
	}

	// --- the summary ---

	private void summarize(DemoReport report) {
		StringBuilder summary = new StringBuilder();
		summary.append(String.format("%n== What livery did %s%n", "=".repeat(60)));
		for (DemoEvents.Event event : report.events()) {
			if (event.kind() != Kind.STEP) {
				summary.append("   ").append(event).append(System.lineSeparator());
			}
		}
		for (DrainedWindow window : drainedWindows(report)) {
			summary.append(String.format(Locale.ROOT,
					"   %s drained from %.1f s to %.1f s: %d calls sent to it in the %d whole second%s between%n",
					window.backend(), window.from(), window.to(), window.sent(), window.seconds(),
					(window.seconds() == 1) ? "" : "s"));
		}
		summary.append(String.format("%n== Calls %s%n", "=".repeat(70)));
		for (DemoBackend backend : this.backends) {
			Traffic.Counters counters = this.traffic.counters(backend.key());
			summary.append(String.format(Locale.ROOT, "   %-10s %,8d calls %,6d errors%n", backend.name(),
					counters.totalSent(), counters.totalErrors()));
		}
		long sent = report.succeeded() + report.failed();
		summary.append(String.format(Locale.ROOT,
				"   %,d calls in %.0f s: %,d answered below 500 (%.2f%%), %,d failed, %,d found no eligible instance%n", sent,
				this.storyEnd, report.succeeded(), (sent == 0) ? 0.0 : 100.0 * report.succeeded() / sent,
				report.failed(), this.traffic.unrouted()));
		synchronized (this.out) {
			this.out.print(summary);
			this.out.flush();
		}
	}

	/**
	 * A time a backend was drained, and the calls it was sent in the seconds of the table that lie wholly inside it.
	 *
	 * @param backend the backend
	 * @param from when it was drained
	 * @param to when it was restored, or the last table
	 * @param sent calls sent to it in those seconds
	 * @param seconds number of those seconds
	 */
	record DrainedWindow(String backend, double from, double to, int sent, int seconds) {
	}

	static List<DrainedWindow> drainedWindows(DemoReport report) {
		List<DrainedWindow> windows = new ArrayList<>();
		List<DemoEvents.Event> events = report.events();
		for (int i = 0; i < events.size(); i++) {
			DemoEvents.Event drained = events.get(i);
			if (drained.kind() != Kind.DRAINED) {
				continue;
			}
			double to = (report.rows().isEmpty()) ? drained.seconds() : report.rows().get(report.rows().size() - 1).to();
			for (int j = i + 1; j < events.size(); j++) {
				if (events.get(j).kind() == Kind.RESTORED && drained.backend().equals(events.get(j).backend())) {
					to = events.get(j).seconds();
					break;
				}
			}
			int sent = 0;
			int seconds = 0;
			for (DemoReport.Row row : report.rows()) {
				if (row.backend().equals(drained.backend()) && row.from() >= drained.seconds() && row.to() <= to) {
					sent += row.sent();
					seconds++;
				}
			}
			windows.add(new DrainedWindow(drained.backend(), drained.seconds(), to, sent, seconds));
		}
		return windows;
	}

	private static void sleep(double seconds) {
		try {
			Thread.sleep(Math.max(1, (long) (seconds * 1000)));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
