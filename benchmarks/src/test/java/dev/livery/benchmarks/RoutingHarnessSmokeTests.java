package dev.livery.benchmarks;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import dev.livery.benchmarks.RoutingHarness.Load;
import dev.livery.benchmarks.RoutingHarness.Mode;
import dev.livery.benchmarks.RoutingHarness.Options;
import dev.livery.benchmarks.RoutingHarness.Result;
import dev.livery.benchmarks.RoutingHarness.Scenario;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the routing harness from rotting: a tiny open-loop run of the healthy and the fast-failing scenario with
 * every balancer, and a tiny closed-loop run, checking that every request is accounted for and that peak-ewma keeps
 * away from the backend that fails fast while round robin keeps calling it.
 */
class RoutingHarnessSmokeTests {

	@Test
	void everyBalancerShouldAccountForEveryRequestAndPeakEwmaShouldAvoidTheFailingBackend() throws Exception {
		// A 10 s failure penalty and a 5 s caller timeout: a cold JVM on a shared machine can make healthy answers
		// take a good part of the default 1 s, or stall for longer, which is the benchmark's business, not this test's.
		Options options = Options.parse(new String[] { "--scenarios=healthy,fast-failing", "--loads=open:300",
				"--duration=2s", "--min-requests=0", "--warmup=1s", "--caller-timeout=5s",
				"--property=livery.loadbalancer.latency.failure-penalty=10s" });
		RoutingHarness harness = new RoutingHarness(options, new PrintStream(OutputStream.nullOutputStream()));
		List<Result> results = harness.runAll(options);
		assertThat(results).hasSize(6);
		for (Result result : results) {
			assertAccounted(result);
			assertThat(result.sent()).as("%s %s sent", result.scenario(), result.mode()).isGreaterThan(300);
		}
		for (Mode mode : Mode.values()) {
			Result healthy = find(results, Scenario.HEALTHY, mode);
			// The first runs of a cold JVM may see a caller timeout; never anything else.
			assertThat(healthy.errorKinds().keySet()).isSubsetOf("caller timeout");
			assertThat(healthy.errors()).isLessThan(healthy.sent() / 20);
		}
		for (Mode mode : List.of(Mode.P2C, Mode.ROUND_ROBIN)) {
			for (int i = 0; i < 4; i++) {
				assertThat(find(results, Scenario.HEALTHY, mode).share(i)).as("%s share of b%d", mode, i)
					.isBetween(0.15, 0.35);
			}
		}
		Result failingRoundRobin = find(results, Scenario.FAST_FAILING, Mode.ROUND_ROBIN);
		Result failingPeakEwma = find(results, Scenario.FAST_FAILING, Mode.PEAK_EWMA);
		// Round robin keeps sending a quarter of the traffic to the backend that fails every other request ...
		assertThat(failingRoundRobin.badShare()).isGreaterThan(0.2);
		assertThat(failingRoundRobin.errorKinds().getOrDefault("http 503", 0L)).isGreaterThan(failingRoundRobin.sent() / 20);
		// ... peak-ewma learns from its first failure.
		assertThat(failingPeakEwma.badShare()).isLessThan(0.05);
		String report = RoutingReport.report(options, results);
		assertThat(report).contains("| fast-failing | peak-ewma |").contains("### open 300/s").contains("Ratios");
	}

	@Test
	void closedLoopShouldKeepItsCallersBusyAndAccountForEveryRequest() throws Exception {
		Options options = Options.parse(new String[] { "--scenarios=healthy", "--balancers=peak-ewma",
				"--loads=closed:4", "--duration=1s", "--warmup=0s" });
		RoutingHarness harness = new RoutingHarness(options, new PrintStream(OutputStream.nullOutputStream()));
		List<Result> results = harness.runAll(options);
		assertThat(results).singleElement().satisfies((result) -> {
			assertThat(result.load()).isEqualTo(new Load(false, 4));
			assertAccounted(result);
			// Four callers for a second against 1 ms backends: far more than four requests, whatever the machine.
			assertThat(result.sent()).isGreaterThan(40);
		});
	}

	private static void assertAccounted(Result result) {
		assertThat(result.ok() + result.errors()).as("every request finished").isEqualTo(result.sent());
		// Exactly one backend per request, unless a stall of the (shared) machine made the caller time out first.
		assertThat(Arrays.stream(result.received()).sum()).as("requests the backends received")
			.isBetween(result.ok(), result.sent());
		assertThat(result.latency().getTotalCount()).isEqualTo(result.sent());
	}

	private static Result find(List<Result> results, Scenario scenario, Mode mode) {
		return results.stream()
			.filter((r) -> r.scenario() == scenario && r.mode() == mode)
			.findFirst()
			.orElseThrow();
	}

}
