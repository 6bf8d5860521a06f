package dev.livery.loadbalancer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link NodeMatch}: the three kinds of entry, and clear reasons for bad ones.
 */
class NodeMatchTests {

	private static final Map<String, String> EU = Map.of("zone", "eu-west-1", "tier", "gold");

	@Test
	void emptyListShouldMatchEverything() {
		NodeMatch match = NodeMatch.parse(List.of());
		assertThat(match).isSameAs(NodeMatch.ALL);
		assertThat(match.matchesAll()).isTrue();
		assertThat(match.matches("10.0.0.1:80", null, null)).isTrue();
	}

	@Test
	void metadataGlobShouldMatchTheValueOfItsKey() {
		NodeMatch match = NodeMatch.parse(List.of("zone=eu-*"));
		assertThat(match.matches("10.0.0.1:80", "a", EU)).isTrue();
		assertThat(match.matches("10.0.0.1:80", "a", Map.of("zone", "us-east-1"))).isFalse();
		assertThat(match.matches("10.0.0.1:80", "a", Map.of())).isFalse();
		assertThat(match.matches("10.0.0.1:80", "a", null)).isFalse();
		// The glob must match the whole value.
		assertThat(NodeMatch.parse(List.of("zone=eu")).matches("h:1", null, EU)).isFalse();
		assertThat(NodeMatch.parse(List.of("tier=g??d")).matches("h:1", null, EU)).isTrue();
		assertThat(NodeMatch.parse(List.of("zone=*")).matches("h:1", null, EU)).isTrue();
		assertThat(NodeMatch.parse(List.of("zone=*")).matches("h:1", null, Map.of("tier", "x"))).isFalse();
	}

	@Test
	void regexShouldMatchTheWholeHostPort() {
		NodeMatch match = NodeMatch.parse(List.of("regex:10\\.0\\.[0-9]+\\.[0-9]+:8080"));
		assertThat(match.matches("10.0.3.7:8080", "x", EU)).isTrue();
		assertThat(match.matches("10.0.3.7:80801", "x", EU)).isFalse();
		assertThat(match.matches("110.0.3.7:8080", "x", EU)).isFalse();
		// Not the instance id.
		assertThat(NodeMatch.parse(List.of("regex:billing-.*")).matches("10.0.0.1:80", "billing-1", EU)).isFalse();
	}

	@ParameterizedTest
	@CsvSource({ "10.0.*:8080, 10.0.9.9:8080, other, true", "10.0.*:8080, 10.1.9.9:8080, other, false",
			"billing-*, 10.0.0.1:80, billing-7, true", "billing-*, 10.0.0.1:80, , false",
			"10.0.0.?:80, 10.0.0.5:80, , true", "10.0.0.?:80, 10.0.0.15:80, , false",
			"a.b:1, a.b:1, , true", "a.b:1, aXb:1, , false", "[x]+, [x]+, , true" })
	void globShouldMatchHostPortOrInstanceId(String entry, String hostPort, String instanceId, boolean expected) {
		assertThat(NodeMatch.parse(List.of(entry)).matches(hostPort, instanceId, Map.of())).isEqualTo(expected);
	}

	@Test
	void instanceShouldMatchWhenAnyEntryMatches() {
		NodeMatch match = NodeMatch.parse(List.of("zone=us-*", "10.0.0.2:*"));
		assertThat(match.matches("10.0.0.1:80", null, EU)).isFalse();
		assertThat(match.matches("10.0.0.2:80", null, EU)).isTrue();
		assertThat(match.matches("10.0.0.1:80", null, Map.of("zone", "us-east-1"))).isTrue();
		assertThat(match.entries()).containsExactly("zone=us-*", "10.0.0.2:*");
	}

	@Test
	void invalidEntriesShouldFailWithTheirIndexAndReason() {
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of("ok", "regex:[a-")))
			.withMessageStartingWith("entry [1] 'regex:[a-': is not a valid regular expression");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of("regex:")))
			.withMessage("entry [0] 'regex:': has no expression after 'regex:'");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of("=eu")))
			.withMessage("entry [0] '=eu': has no metadata key before '='");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of("zone=")))
			.withMessage("entry [0] 'zone=': has no value after '=' (use zone=* for any value)");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of("zone =eu")))
			.withMessage("entry [0] 'zone =eu': metadata key 'zone ' contains whitespace");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of(" ")))
			.withMessage("entry [0] ' ': is empty");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(Arrays.asList("a", null)))
			.withMessage("entry [1] 'null': is empty");
		assertThatIllegalArgumentException().isThrownBy(() -> NodeMatch.parse(List.of(" 10.0.0.1:80")))
			.withMessage("entry [0] ' 10.0.0.1:80': has leading or trailing whitespace");
	}

}
