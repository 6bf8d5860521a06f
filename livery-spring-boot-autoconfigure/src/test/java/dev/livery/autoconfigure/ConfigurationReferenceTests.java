package dev.livery.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code docs/configuration.md} in step with the configuration metadata that the build generates from the
 * {@code @ConfigurationProperties} classes: the page is rendered from the metadata and compared with the committed
 * one. After changing a property, rewrite the page with
 *
 * <pre>
 * ./mvnw -pl livery-spring-boot-autoconfigure test -Dtest=ConfigurationReferenceTests -Dlivery.docs.write=true
 * </pre>
 */
class ConfigurationReferenceTests {

	static final String REGENERATE = "./mvnw -pl livery-spring-boot-autoconfigure test "
			+ "-Dtest=ConfigurationReferenceTests -Dlivery.docs.write=true";

	private static final Map<String, String> TITLES = Map.of("livery.loadbalancer", "Client load balancer",
			"livery.concurrency", "Server concurrency limit", "livery.serving", "Serving status", "livery.dashboard",
			"Live dashboard");

	private static final Map<String, String> PAGES = Map.of("livery.loadbalancer", "loadbalancer.md",
			"livery.concurrency", "concurrency.md", "livery.serving", "serving.md", "livery.dashboard",
			"dashboard.md");

	@Test
	void configurationReferenceShouldMatchTheMetadata() throws IOException {
		String rendered = render(metadata());
		Path page = docs().resolve("configuration.md");
		if (Boolean.getBoolean("livery.docs.write")) {
			Files.writeString(page, rendered, StandardCharsets.UTF_8);
		}
		assertThat(page).exists();
		assertThat(Files.readString(page, StandardCharsets.UTF_8))
			.as("docs/configuration.md is stale: regenerate it with%n  %s%n", REGENERATE)
			.isEqualTo(rendered);
	}

	@Test
	void renderShouldListEveryPropertyOnce() throws IOException {
		Map<String, Object> metadata = metadata();
		String rendered = render(metadata);
		for (Map<String, Object> property : list(metadata, "properties")) {
			String row = "| `" + property.get("name") + "` |";
			assertThat(rendered).contains(row);
			assertThat(rendered.indexOf(row)).isEqualTo(rendered.lastIndexOf(row));
		}
		assertThat(rendered).contains("| `livery.loadbalancer.outlier.ejection-time` | `Duration` | `30s` |");
	}

	private static Path docs() {
		Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
		return module.getParent().resolve("docs");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> metadata() throws IOException {
		// The module's own metadata: the one in target/classes, not those in the jars on the class path.
		List<URL> candidates = Collections
			.list(ConfigurationReferenceTests.class.getClassLoader()
				.getResources("META-INF/spring-configuration-metadata.json"))
			.stream()
			.filter((url) -> "file".equals(url.getProtocol()))
			.toList();
		assertThat(candidates).as("livery's configuration metadata in target/classes").hasSize(1);
		try (InputStream in = candidates.get(0).openStream()) {
			return JsonMapper.builder().build().readValue(in, Map.class);
		}
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> metadata, String key) {
		Object value = metadata.get(key);
		return (value != null) ? (List<Map<String, Object>>) value : List.of();
	}

	static String render(Map<String, Object> metadata) {
		Map<String, List<String>> hints = new LinkedHashMap<>();
		for (Map<String, Object> hint : list(metadata, "hints")) {
			List<String> values = new ArrayList<>();
			for (Map<String, Object> value : list(hint, "values")) {
				values.add("`" + value.get("value") + "`");
			}
			hints.put((String) hint.get("name"), values);
		}
		// Sections: the top-level groups (those not reached through a getter of another group), longest first so
		// that a property lands in the most specific one.
		List<String> sections = list(metadata, "groups").stream()
			.filter((group) -> group.get("sourceMethod") == null)
			.map((group) -> (String) group.get("name"))
			.distinct()
			.sorted((a, b) -> Integer.compare(order(a), order(b)) != 0 ? Integer.compare(order(a), order(b))
					: a.compareTo(b))
			.toList();
		Map<String, List<Map<String, Object>>> bySection = new LinkedHashMap<>();
		sections.forEach((section) -> bySection.put(section, new ArrayList<>()));
		for (Map<String, Object> property : list(metadata, "properties")) {
			String name = (String) property.get("name");
			String section = sections.stream()
				.filter((candidate) -> name.startsWith(candidate + "."))
				.max((a, b) -> Integer.compare(a.length(), b.length()))
				.orElse("other");
			bySection.computeIfAbsent(section, (key) -> new ArrayList<>()).add(property);
		}
		StringBuilder page = new StringBuilder();
		page.append("# Configuration reference\n\n");
		page.append("<!-- Generated from livery's configuration metadata by ConfigurationReferenceTests: do not edit.\n");
		page.append("     After changing a property, regenerate with\n     ").append(REGENERATE).append(" -->\n\n");
		page.append("Every property livery reads, with its type, default and meaning. Set them in `application.yml` ")
			.append("(or any other\nproperty source). Times are `Duration`s: `500ms`, `30s`, `5m`. An invalid value ")
			.append("fails start-up with a message\nnaming the property.\n\n");
		for (Map.Entry<String, List<Map<String, Object>>> section : bySection.entrySet()) {
			if (section.getValue().isEmpty()) {
				continue;
			}
			page.append("## ").append(title(section.getKey())).append("\n\n");
			String more = PAGES.get(section.getKey());
			if (more != null) {
				page.append("What these settings do: [").append(more).append("](").append(more).append(").\n\n");
			}
			page.append("| Property | Type | Default | Description |\n");
			page.append("|---|---|---|---|\n");
			section.getValue()
				.stream()
				.sorted((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")))
				.forEach((property) -> page.append(row(property, hints)));
			page.append('\n');
		}
		return page.toString();
	}

	private static int order(String section) {
		List<String> known = List.of("livery.loadbalancer", "livery.concurrency", "livery.serving", "livery.dashboard");
		int index = known.indexOf(section);
		return (index >= 0) ? index : (section.startsWith("livery.") ? known.size() : known.size() + 1);
	}

	private static String title(String section) {
		String title = TITLES.get(section);
		if (title != null) {
			return title + " — `" + section + ".*`";
		}
		if (section.startsWith("management.endpoint.")) {
			return "Actuator endpoint `" + section.substring("management.endpoint.".length()) + "` — `" + section
					+ ".*`";
		}
		return "`" + section + ".*`";
	}

	private static String row(Map<String, Object> property, Map<String, List<String>> hints) {
		String name = (String) property.get("name");
		String description = (property.get("description") != null) ? (String) property.get("description") : "";
		List<String> values = hints.get(name);
		if (values != null) {
			description = description + " One of " + String.join(", ", values) + ".";
		}
		if (property.get("deprecation") != null) {
			description = "**Deprecated.** " + description;
		}
		String type = (String) property.get("type");
		return "| `" + name + "` | `" + type(type) + "` | " + value(property.get("defaultValue"), type) + " | "
				+ cell(description) + " |\n";
	}

	private static final Pattern QUALIFIED = Pattern
		.compile("(?:[a-z_][a-z0-9_]*\\.)+(?:[A-Za-z0-9_]+\\$)*([A-Za-z0-9_]+)");

	static String type(String type) {
		if (type == null) {
			return "";
		}
		Matcher matcher = QUALIFIED.matcher(type);
		StringBuilder simple = new StringBuilder();
		while (matcher.find()) {
			matcher.appendReplacement(simple, Matcher.quoteReplacement(matcher.group(1)));
		}
		matcher.appendTail(simple);
		return simple.toString().replace(",", ", ");
	}

	private static String value(Object value, String type) {
		if (value instanceof Number number && ("java.lang.Double".equals(type) || "double".equals(type))) {
			// The metadata writes 1.0 as 1; a Double default reads as one.
			return "`" + number.doubleValue() + "`";
		}
		if (value == null) {
			return "";
		}
		if (value instanceof List<?> list) {
			return "`" + list.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "`";
		}
		if ("".equals(value)) {
			return "empty";
		}
		return "`" + value + "`";
	}

	private static String cell(String text) {
		return text.replace("|", "\\|").replace("\r", "").replace("\n", " ").trim();
	}

}
