package dev.livery.loadbalancer;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link XxHash64} against vectors of the reference implementation (xxhsum and python-xxhash 3.2, which
 * wrap the C library), covering every tail length path: empty, bytes, 4-byte and 8-byte lanes, 32-byte stripes.
 */
class XxHash64Tests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			"\"\"|0|ef46db3751d8e999",
			"a|0|d24ec4f1a98c6e5b",
			"abc|0|44bc2cf5ad770999",
			"127.0.0.1:8080|0|c65e86b000fb3cbf",
			"127.0.0.1:8080|1|a5d6dc0053ab4ed8",
			"127.0.0.1:8080|99|43fcdade48218d7b",
			"0123456789abcdef0123456789abcdef|0|642a94958e71e6c5",
			"0123456789abcdef0123456789abcdef|7|f3bfb9ba5c7df996",
			"abcdefghijklmnopqrstuvwxyz0123456789ABC|0|272531ad3653d0dd",
			"The quick brown fox jumps over the lazy dog, twice over: 12345|0|9c503b0e4f2206d9",
			"h\u00e9llo-\u4e16\u754c|0|2c45250d48e82f72" })
	void hashShouldMatchTheReferenceImplementation(String input, long seed, String expected) {
		long want = Long.parseUnsignedLong(expected, 16);
		assertThat(XxHash64.hash(input, seed)).isEqualTo(want);
		assertThat(XxHash64.hash(input.getBytes(StandardCharsets.UTF_8), seed)).isEqualTo(want);
	}

	@ParameterizedTest
	@CsvSource({ "100, 12345, ddf7fdada5a39389" })
	void hashOfLongInputShouldMatchTheReferenceImplementation(int length, long seed, String expected) {
		String input = "x".repeat(length);
		assertThat(XxHash64.hash(input, seed)).isEqualTo(Long.parseUnsignedLong(expected, 16));
	}

}
