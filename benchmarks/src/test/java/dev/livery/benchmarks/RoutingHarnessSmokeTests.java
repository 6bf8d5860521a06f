package dev.livery.benchmarks;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import dev.livery.benchmarks.RoutingHarness.Mode;
import dev.livery.benchmarks.RoutingHarness.Options;
import dev.livery.benchmarks.RoutingHarness.Result;
import dev.livery.benchmarks.RoutingHarness.Scenario;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the routing harness from rotting: a tiny run of the healthy and the 503 scenario with both balancers,
 * checking that every request is accounted for and that livery ejects what round robin keeps calling.
 */
class RoutingHarnessSmokeTests {

	@Test
	void healthyAndFailingScenariosShouldAccountForEveryRequestAndLiveryShouldEject() throws Exception {
		Options options = Options.parse(new String[] { "--scenarios=healthy,503", "--balancers=p2c,sc-round-robin",
				"--loads=open:300", "--duration=2s", "--min-requests=0", "--warmup=1s" });
		RoutingHarness harness = new RoutingHarness(options, new PrintStream(OutputStream.nullOutputStream()));
		List<Result> results = harness.runAll(options);
		assertThat(results).hasSize(4);
		for (Result result : results) {
			assertThat(result.sent()).as("%s %s sent", result.scenario(), result.mode()).isGreaterThan(300);
			assertThat(result.ok() + result.errors()).as("every request finished").isEqualTo(result.sent());
			// Exactly one backend per request, unless a stall of the (shared) machine made the caller time out first.
			assertThat(Arrays.stream(result.received()).sum()).as("requests the backends received")
				.isBetween(result.ok(), result.sent());
			assertThat(result.latency().getTotalCount()).isEqualTo(result.sent());
		}
		Result healthyLivery = find(results, Scenario.HEALTHY, Mode.P2C);
		Result healthyVanilla = find(results, Scenario.HEALTHY, Mode.ROUND_ROBIN);
		for (Result healthy : List.of(healthyLivery, healthyVanilla)) {
			// The first runs of a cold JVM may see a caller timeout; never anything else.
			assertThat(healthy.errorKinds().keySet()).isSubsetOf("caller timeout");
			assertThat(healthy.errors()).isLessThan(healthy.sent() / 20);
			for (int i = 0; i < 4; i++) {
				assertThat(healthy.share(i)).as("%s share of b%d", healthy.mode(), i).isBetween(0.15, 0.35);
			}
		}
		Result failingLivery = find(results, Scenario.FAIL_503, Mode.P2C);
		Result failingVanilla = find(results, Scenario.FAIL_503, Mode.ROUND_ROBIN);
		// Round robin keeps sending a quarter of the traffic to the failing backend ...
		assertThat(failingVanilla.errorKinds().getOrDefault("http 503", 0L)).isGreaterThan(failingVanilla.sent() / 5);
		// ... livery ejects it after 5 failures and then lets only single probes through.
		assertThat(failingLivery.errors()).isLessThanOrEqualTo(failingVanilla.errors() / 4);
		assertThat(failingLivery.share(3)).isLessThan(0.05);
		String report = RoutingReport.report(options, results);
		assertThat(report).contains("| 503 | p2c |").contains("### open 300/s").contains("Ratios");
	}

	private static Result find(List<Result> results, Scenario scenario, Mode mode) {
		return results.stream()
			.filter((r) -> r.scenario() == scenario && r.mode() == mode)
			.findFirst()
			.orElseThrow();
	}

}
