package dev.livery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cores (pools, limiter, status store) must stay usable without Spring: their packages import nothing of it.
 */
class FrameworkFreeCoreTests {

	@ParameterizedTest
	@ValueSource(strings = { "dev/livery/loadbalancer", "dev/livery/serving/grpc" })
	void corePackageShouldNotImportSpring(String packagePath) throws IOException {
		Path directory = Path.of("src/main/java").resolve(packagePath);
		List<String> offenders;
		try (Stream<Path> files = Files.list(directory)) {
			offenders = files.filter((file) -> file.toString().endsWith(".java")).filter((file) -> {
				try {
					return Files.readAllLines(file).stream().anyMatch((line) -> line.startsWith("import org.springframework"));
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}).map(Path::toString).toList();
		}
		assertThat(offenders).isEmpty();
	}

}
