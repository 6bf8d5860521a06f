package dev.livery.autoconfigure.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.dashboard.Dashboard;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import dev.livery.loadbalancer.PoolSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard page in a real headless Chromium, against a real application on 127.0.0.1 that balances real
 * backends: the page loads without a console error, shows one row per endpoint, and shows a drain, an ejection and
 * a {@code NOT_SERVING} within 2 seconds of their happening. Skipped, saying why, only where no browser is
 * installed.
 */
class DashboardBrowserTests {

	/** How soon the page must show a change: one snapshot interval, plus the way to the browser and its render. */
	private static final Duration WITHIN = Duration.ofSeconds(2);

	private static final String ROWS = "details[data-service='";

	/** Time allowed for the page's first render in a cold browser. */
	private static final Duration FIRST_RENDER = Duration.ofSeconds(20);

	@RegisterExtension
	static final HeadlessChromium chromium = new HeadlessChromium();

	private static final List<Backend> backends = new ArrayList<>();

	private static final List<Backend> failingBackends = new ArrayList<>();

	private static ConfigurableApplicationContext context;

	private static WebDriver browser;

	private static WebClient balanced;

	private static WebClient local;

	private static String page;

	@BeforeAll
	static void start() {
		browser = chromium.start();
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			Backend backend = new Backend();
			backends.add(backend);
			properties.add("spring.cloud.discovery.client.simple.instances.backend[" + i + "].uri=" + backend.uri());
		}
		for (int i = 0; i < 2; i++) {
			Backend backend = new Backend();
			failingBackends.add(backend);
			properties.add("spring.cloud.discovery.client.simple.instances.failing[" + i + "].uri=" + backend.uri());
		}
		properties.addAll(List.of("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
				"spring.application.name=browser-test", "livery.dashboard.enabled=true",
				"livery.loadbalancer.outlier.consecutive-failures=3",
				"livery.loadbalancer.outlier.ejection-time=60s", "livery.concurrency.max-concurrent-requests=50",
				"management.endpoints.web.exposure.include=health,balancer,servingstatus"));
		context = new SpringApplicationBuilder(DashboardTestApplication.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		balanced = context.getBean(WebClient.Builder.class).build();
		local = WebClient.builder().baseUrl("http://127.0.0.1:" + port).build();
		page = "http://127.0.0.1:" + port + "/livery/dashboard";
		// A service appears on the dashboard with its first request.
		for (int i = 0; i < 6; i++) {
			call("backend");
			call("failing");
		}
	}

	@AfterAll
	static void stop() {
		chromium.close();
		if (context != null) {
			context.close();
		}
		backends.forEach(Backend::close);
		failingBackends.forEach(Backend::close);
	}

	@AfterEach
	void noConsoleProblems() {
		assertThat(chromium.consoleProblems()).as("browser console warnings and errors").isEmpty();
	}

	@Test
	void pageShouldShowOneRowPerEndpointOfEveryService() {
		open();
		assertThat(attributes(ROWS + "backend'] tr.endpoint", "data-endpoint"))
			.containsExactlyInAnyOrderElementsOf(backends.stream().map(Backend::key).toList());
		assertThat(rows("failing")).hasSize(2);
		assertThat(attributes(ROWS + "backend'] tr.endpoint", "data-state")).containsOnly("UP");
		assertThat(text("#limit-value")).isEqualTo("50");
		assertThat(servingStatus("")).isEqualTo("SERVING");
		assertThat(text("#application")).isEqualTo("browser-test");
	}

	@Test
	void requestRatesShouldShowWhileTrafficFlows() {
		open();
		Disposable traffic = Flux.interval(Duration.ofMillis(20))
			.onBackpressureDrop()
			.concatMap((tick) -> callLater("backend"))
			.take(Duration.ofSeconds(30))
			.subscribe();
		try {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> number(text("details[data-service='backend'] summary .stat b")) > 0);
			assertThat(texts(ROWS + "backend'] tr.endpoint td.rps"))
				.anySatisfy((rps) -> assertThat(number(rps)).isPositive());
			assertThat(texts(ROWS + "backend'] tr.endpoint td.errors"))
				.allSatisfy((errors) -> assertThat(errors).isIn("0%", "\u2013"));
		}
		finally {
			traffic.dispose();
		}
	}

	@Test
	void drainedEndpointShouldShowWithinTwoSeconds() {
		open();
		String key = backends.get(1).key();
		local.post()
			.uri("/actuator/balancer/backend")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"endpoint\":\"" + key + "\",\"action\":\"drain\"}")
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
		try {
			within(() -> "DRAINED".equals(attribute(endpointRow("backend", key), "data-state")));
			assertThat(text(endpointRow("backend", key) + " td.state")).isEqualTo("DRAINED");
		}
		finally {
			local.post()
				.uri("/actuator/balancer/backend")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"endpoint\":\"" + key + "\",\"action\":\"restore\"}")
				.retrieve()
				.toBodilessEntity()
				.block(Duration.ofSeconds(10));
		}
	}

	@Test
	void ejectedEndpointShouldShowWithinTwoSecondsWithItsTimeLeft() {
		open();
		Backend bad = failingBackends.get(0).failing(true);
		EndpointPool<?> pool = pools().get("failing");
		for (int i = 0; i < 100 && pool.endpoint(bad.key()).state() != EndpointState.EJECTED; i++) {
			call("failing");
		}
		assertThat(pool.endpoint(bad.key()).state()).as("the failing backend was ejected").isEqualTo(EndpointState.EJECTED);
		within(() -> "EJECTED".equals(attribute(endpointRow("failing", bad.key()), "data-state")));
		assertThat(text(endpointRow("failing", bad.key()) + " td.ejection")).matches("[0-9.]+ s");
		assertThat(text(endpointRow("failing", bad.key()) + " td.ejections")).isEqualTo("1");
	}

	@Test
	void notServingShouldShowWithinTwoSeconds() {
		open();
		setServing("NOT_SERVING");
		try {
			within(() -> "NOT_SERVING".equals(servingStatus("")));
		}
		finally {
			setServing("SERVING");
		}
		within(() -> "SERVING".equals(servingStatus("")));
	}

	@Test
	void pageShouldStayUsableWithTwoHundredEndpoints() {
		List<ServiceInstance> instances = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			// Never called: the page only needs them as members.
			instances.add(new DefaultServiceInstance("many-" + i, "many", "127.0.0." + (1 + i / 50), 20000 + i, false));
		}
		pools().ensure("many", PoolSettings.DEFAULTS, instances);
		try {
			open();
			await().atMost(WITHIN.multipliedBy(2)).until(() -> rows("many").size() == 200);
			long before = snapshotsRendered();
			await().atMost(WITHIN.multipliedBy(2)).until(() -> snapshotsRendered() >= before + 2);
			@SuppressWarnings("unchecked")
			Map<String, Number> stats = (Map<String, Number>) ((JavascriptExecutor) browser)
				.executeScript("return window.liveryDashboard");
			System.out.printf("dashboard: %d endpoints on the page; render of the latest snapshot %.1f ms, slowest "
					+ "(the first, which builds the rows) %.1f ms%n", rows("many").size() + rows("backend").size()
							+ rows("failing").size(), stats.get("renderMillis").doubleValue(),
					stats.get("maxRenderMillis").doubleValue());
			WebElement filter = browser.findElement(By.id("filter"));
			filter.sendKeys("127.0.0.4:");
			await().atMost(WITHIN).until(() -> visibleRows("many") == 50);
			filter.clear();
		}
		finally {
			pools().reset("many");
		}
	}

	@Test
	void leavingThePageShouldStopTheFeed() {
		Dashboard dashboard = context.getBean(Dashboard.class);
		open();
		assertThat(dashboard.viewers()).isEqualTo(1);
		assertThat(dashboard.isTicking()).isTrue();
		assertThat(context.getBean(ConcurrencyLimiter.class).inFlight()).as("the feed is not counted by the limit")
			.isZero();
		browser.get("about:blank");
		await().atMost(Duration.ofSeconds(10)).until(() -> dashboard.viewers() == 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> !dashboard.isTicking());
	}

	// --- helpers ---

	private static void open() {
		browser.get(page);
		await().atMost(FIRST_RENDER).until(() -> snapshotsRendered() > 0 && !rows("backend").isEmpty());
	}

	private static long snapshotsRendered() {
		Object snapshots = ((JavascriptExecutor) browser)
			.executeScript("return window.liveryDashboard ? window.liveryDashboard.snapshots : 0");
		return ((Number) snapshots).longValue();
	}

	private static void within(java.util.function.BooleanSupplier condition) {
		new WebDriverWait(browser, WITHIN, Duration.ofMillis(50)).until((driver) -> condition.getAsBoolean());
	}

	private static List<WebElement> rows(String service) {
		return browser.findElements(By.cssSelector("details[data-service='" + service + "'] tr.endpoint"));
	}

	private static long visibleRows(String service) {
		Object count = ((JavascriptExecutor) browser).executeScript("return [...document.querySelectorAll(arguments[0])]"
				+ ".filter((row) => row.offsetParent !== null).length",
				"details[data-service='" + service + "'] tr.endpoint");
		return ((Number) count).longValue();
	}

	private static String endpointRow(String service, String key) {
		return ROWS + service + "'] tr[data-endpoint='" + key + "']";
	}

	// The page re-renders once a second: read in one script, never through an element found earlier (it may be
	// replaced in between, a StaleElementReferenceException).

	private static String text(String selector) {
		return (String) script("const e = document.querySelector(arguments[0]); return e ? e.innerText : null",
				selector);
	}

	private static String attribute(String selector, String name) {
		return (String) script(
				"const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null",
				selector, name);
	}

	@SuppressWarnings("unchecked")
	private static List<String> texts(String selector) {
		return (List<String>) script("return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText)",
				selector);
	}

	@SuppressWarnings("unchecked")
	private static List<String> attributes(String selector, String name) {
		return (List<String>) script(
				"return [...document.querySelectorAll(arguments[0])].map((e) => e.getAttribute(arguments[1]))",
				selector, name);
	}

	private static Object script(String script, Object... arguments) {
		return ((JavascriptExecutor) browser).executeScript(script, arguments);
	}

	private static String servingStatus(String service) {
		return attribute("#serving li[data-service='" + service + "']", "data-status");
	}

	private static void setServing(String status) {
		local.post()
			.uri("/actuator/servingstatus")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"status\":\"" + status + "\"}")
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
	}

	@SuppressWarnings("unchecked")
	private static EndpointPools<ServiceInstance> pools() {
		return context.getBean(EndpointPools.class);
	}

	private static void call(String service) {
		callLater(service).block(Duration.ofSeconds(10));
	}

	private static Mono<Void> callLater(String service) {
		return balanced.get()
			.uri("http://" + service + "/")
			.retrieve()
			.toBodilessEntity()
			.timeout(Duration.ofSeconds(10))
			.onErrorResume((ex) -> Mono.empty())
			.then();
	}

	/** The number a cell shows, or -1 for none ("-"). */
	private static double number(String text) {
		try {
			return Double.parseDouble(text.trim());
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

}
