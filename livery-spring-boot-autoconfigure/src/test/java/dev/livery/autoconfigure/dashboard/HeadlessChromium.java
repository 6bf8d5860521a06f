package dev.livery.autoconfigure.dashboard;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Headless Chromium driven by Selenium, from the browser and driver installed on the machine (Debian's
 * {@code chromium} and {@code chromium-driver}): nothing is downloaded. A test that needs it is skipped, saying
 * why, when neither can be found, except under CI ({@code CI=true}), where {@code .ci/run} installs them and a
 * missing browser is a failure. Registered as an extension, it saves a screenshot and the page's HTML under
 * {@code target/browser-tests/} when a test fails.
 */
final class HeadlessChromium implements AfterTestExecutionCallback, AutoCloseable {

	private static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome",
			"google-chrome-stable");

	private static final List<String> DRIVERS = List.of("chromedriver", "chromium-driver");

	private @org.jspecify.annotations.Nullable ChromeDriver driver;

	/**
	 * Start the browser, or skip the calling test if there is none.
	 * @return the driver
	 */
	WebDriver start() {
		Optional<Path> browser = find("CHROME_BIN", BROWSERS);
		Optional<Path> driver = find("CHROMEDRIVER", DRIVERS);
		if (browser.isEmpty() || driver.isEmpty()) {
			String missing = "No headless browser for the dashboard's browser test: "
					+ (browser.isEmpty() ? "no Chromium (" + String.join(", ", BROWSERS) + " on the PATH, or CHROME_BIN)"
							: "")
					+ (browser.isEmpty() && driver.isEmpty() ? " and " : "")
					+ (driver.isEmpty() ? "no ChromeDriver (chromedriver on the PATH, or CHROMEDRIVER)" : "")
					+ ". Install them with: apt-get install -y chromium chromium-driver";
			if ("true".equalsIgnoreCase(System.getenv("CI"))) {
				throw new IllegalStateException(missing + " (CI must run this test: .ci/run installs them)");
			}
			Assumptions.abort(missing);
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(browser.get().toFile());
		// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1400,1000", "--no-first-run", "--disable-extensions");
		options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile())
			.usingAnyFreePort()
			.build();
		this.driver = new ChromeDriver(service, options);
		return this.driver;
	}

	/**
	 * Return the browser console's warnings and errors since the last call.
	 * @return the entries at level WARNING or above
	 */
	List<String> consoleProblems() {
		return this.driver.manage()
			.logs()
			.get(LogType.BROWSER)
			.getAll()
			.stream()
			.filter((entry) -> entry.getLevel().intValue() >= Level.WARNING.intValue())
			.map(LogEntry::toString)
			.toList();
	}

	@Override
	public void afterTestExecution(ExtensionContext context) throws IOException {
		if (context.getExecutionException().isEmpty() || this.driver == null) {
			return;
		}
		Path directory = Path.of("target", "browser-tests");
		Files.createDirectories(directory);
		String name = context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName();
		File screenshot = ((TakesScreenshot) this.driver).getScreenshotAs(OutputType.FILE);
		Path png = directory.resolve(name + ".png");
		Files.copy(screenshot.toPath(), png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Files.writeString(directory.resolve(name + ".html"), this.driver.getPageSource(), StandardCharsets.UTF_8);
		System.err.println("Browser test failed: screenshot " + png.toAbsolutePath());
	}

	@Override
	public void close() {
		if (this.driver != null) {
			this.driver.quit();
			this.driver = null;
		}
	}

	private static Optional<Path> find(String variable, List<String> names) {
		String configured = System.getenv(variable);
		if (configured != null && !configured.isBlank()) {
			Path path = Path.of(configured);
			return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
		}
		String searchPath = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
		return names.stream()
			.flatMap((name) -> Stream.of(searchPath.split(File.pathSeparator)).map((dir) -> Path.of(dir, name)))
			.filter(Files::isExecutable)
			.findFirst();
	}

}
