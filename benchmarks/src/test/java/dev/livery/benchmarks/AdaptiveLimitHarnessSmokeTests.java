package dev.livery.benchmarks;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

import dev.livery.benchmarks.AdaptiveLimitHarness.ArmResult;
import dev.livery.benchmarks.AdaptiveLimitHarness.Options;
import dev.livery.benchmarks.AdaptiveLimitHarness.Phase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the adaptive-limit harness from rotting: a tiny run of livery's Gradient2 (about 10 s on an idle machine),
 * checking that every request is accounted for and that the limit stays within its bounds. The figures are the manual
 * runs' business, not this test's.
 */
class AdaptiveLimitHarnessSmokeTests {

	@Test
	void tinyRunShouldAccountForEveryRequestAndKeepEachLimitWithinItsBounds() {
		Options options = Options.parse(new String[] { "--capacity=4", "--task=20ms", "--reject-pause=50ms", "--arms=gradient2", "--warmup=1s",
				"--phase=1s", "--halving=2s", "--min-limit=2", "--sample-every=100ms" });
		AdaptiveLimitHarness harness = new AdaptiveLimitHarness(options, new PrintStream(OutputStream.nullOutputStream()));
		List<ArmResult> results = harness.runAll();
		assertThat(results).extracting(ArmResult::arm).containsExactly("gradient2");
		for (ArmResult result : results) {
			assertThat(result.phases()).extracting(Phase::name)
				.containsExactly("unloaded", "1x", "3x", "10x", "10x, C halved");
			for (Phase phase : result.phases()) {
				assertThat(phase.answered()).as("%s %s", result.arm(), phase.name()).isEqualTo(phase.sent());
				assertThat(phase.ok()).as("%s %s served", result.arm(), phase.name()).isPositive();
				assertThat(phase.limits()).isNotEmpty();
			}
		}
		ArmResult gradient2 = results.get(0);
		assertThat(gradient2.phases()).allSatisfy((phase) -> assertThat(phase.limits()).allSatisfy(
				(limit) -> assertThat(limit).isBetween(2, 1000)));
		// Forty callers and a limit that starts at 20 and only moves by a fraction per window: some are turned away.
		assertThat(gradient2.phase("10x").shed()).isPositive();
		String report = AdaptiveLimitHarness.report(options, results);
		assertThat(report).contains("| gradient2 | 10x | 40 |").contains("settled after s").contains("(C halved)");
	}

}
