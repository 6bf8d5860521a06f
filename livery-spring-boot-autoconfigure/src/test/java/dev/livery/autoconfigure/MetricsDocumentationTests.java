package dev.livery.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.livery.loadbalancer.EndpointState;
import dev.livery.serving.ServingStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the Prometheus queries in the docs in step with the tag values livery's meters carry: a query that filters on
 * a value no meter has (Prometheus matchers are case-sensitive) silently returns nothing.
 */
class MetricsDocumentationTests {

	private static final Map<String, Set<String>> TAG_VALUES = Map.of("state", names(EndpointState.values()),
			"status", names(ServingStatus.values()), "outcome", Set.of("success", "failure"));

	private static final Pattern PROMQL = Pattern.compile("```promql\\n(.*?)```", Pattern.DOTALL);

	private static final Pattern MATCHER = Pattern.compile("\\b([a-z_]+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");

	@Test
	void queriesShouldFilterOnRealTagValues() throws IOException {
		List<String> checked = new ArrayList<>();
		for (Path page : pages()) {
			Matcher block = PROMQL.matcher(Files.readString(page, StandardCharsets.UTF_8));
			while (block.find()) {
				Matcher matcher = MATCHER.matcher(block.group(1));
				while (matcher.find()) {
					Set<String> values = TAG_VALUES.get(matcher.group(1));
					if (values == null) {
						continue;
					}
					boolean regex = matcher.group(2).contains("~");
					List<String> used = regex ? Arrays.asList(matcher.group(3).split("\\|")) : List.of(matcher.group(3));
					assertThat(values).as("values of tag '%s' in %s: %s", matcher.group(1), page.getFileName(),
							matcher.group()).containsAll(used);
					checked.add(matcher.group());
				}
			}
		}
		assertThat(checked).as("queries on state, status or outcome in the docs")
			.anyMatch((query) -> query.startsWith("state"))
			.anyMatch((query) -> query.startsWith("status"));
	}

	private static List<Path> pages() throws IOException {
		Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
		try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
			return Stream.concat(docs.filter((path) -> path.toString().endsWith(".md")), Stream.of(root.resolve("README.md")))
				.sorted()
				.toList();
		}
	}

	private static Set<String> names(Enum<?>[] values) {
		return Arrays.stream(values).map(Enum::name).collect(Collectors.toSet());
	}

}
