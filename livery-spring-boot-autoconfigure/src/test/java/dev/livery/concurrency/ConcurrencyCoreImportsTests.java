package dev.livery.concurrency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limiters and the algorithms must stay usable on any server without Spring or Micrometer: they import nothing but
 * the JDK and JSpecify. Only the WebFlux filter and the meter binder, the glue beside them, may import more.
 */
class ConcurrencyCoreImportsTests {

	private static final List<String> GLUE = List.of("ConcurrencyLimitingWebFilter.java",
			"ConcurrencyLimiterMetrics.java");

	@Test
	void coreClassesShouldImportOnlyTheJdkAndJSpecify() throws IOException {
		Path directory = Path.of("src/main/java/dev/livery/concurrency");
		List<Path> core;
		try (Stream<Path> files = Files.list(directory)) {
			core = files.filter((file) -> file.toString().endsWith(".java"))
				.filter((file) -> !GLUE.contains(file.getFileName().toString()))
				.toList();
		}
		assertThat(core).extracting((file) -> file.getFileName().toString())
			.contains("AdaptiveConcurrencyLimiter.java", "Gradient2Algorithm.java", "VegasAlgorithm.java",
					"AimdAlgorithm.java", "FixedConcurrencyLimiter.java");
		for (Path file : core) {
			List<String> imports = Files.readAllLines(file)
				.stream()
				.filter((line) -> line.startsWith("import "))
				.filter((line) -> !line.startsWith("import java.") && !line.startsWith("import org.jspecify."))
				.toList();
			assertThat(imports).as(file.getFileName().toString()).isEmpty();
		}
	}

}
