package dev.livery.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.livery.benchmarks.RoutingHarness.Load;
import dev.livery.benchmarks.RoutingHarness.Mode;
import dev.livery.benchmarks.RoutingHarness.Options;
import dev.livery.benchmarks.RoutingHarness.Result;
import dev.livery.benchmarks.RoutingHarness.Scenario;

/**
 * The Markdown report of a {@link RoutingHarness} run: every result, then the ratios the targets are stated in, each
 * taken within one load of one run.
 */
final class RoutingReport {

	private RoutingReport() {
	}

	static String report(Options settings, List<Result> results) {
		StringBuilder out = new StringBuilder();
		out.append(String.format(Locale.ROOT,
				"Seed %d; each run: fresh backends and client, %s healthy warm-up at the run's load, then the fault; "
						+ "open loop measured for max(%s, %d requests), closed loop for %s; %d backends, base service "
						+ "time %s, slow +%s, caller timeout %s, livery ejection-time %s, flap period %s%s%n",
				settings.seed(), settings.warmup(), settings.duration(), settings.minRequests(), settings.duration(),
				settings.backends(), settings.baseDelay(), settings.slowDelay(), settings.callerTimeout(),
				settings.ejectionTime(), settings.flapPeriod(),
				settings.properties().isEmpty() ? "" : "; " + String.join(", ", settings.properties())));
		Map<Load, Map<Scenario, Map<Mode, Result>>> byLoad = new LinkedHashMap<>();
		for (Result r : results) {
			byLoad.computeIfAbsent(r.load(), (l) -> new LinkedHashMap<>())
				.computeIfAbsent(r.scenario(), (s) -> new LinkedHashMap<>())
				.put(r.mode(), r);
		}
		byLoad.forEach((load, scenarios) -> {
			out.append(String.format(Locale.ROOT, "%n### %s%n%n", load.label()));
			out.append("| scenario | balancer | requests | p50 ms | p99 ms | p99.9 ms | error % | bad share % | "
					+ "share b0/b1/b2/b3 % | errors by kind |\n");
			out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
			scenarios.forEach((scenario, modes) -> modes.forEach((mode, r) -> {
				StringBuilder shares = new StringBuilder();
				for (int i = 0; i < r.received().length; i++) {
					shares.append((i > 0) ? " / " : "").append(String.format(Locale.ROOT, "%.1f", r.share(i) * 100));
				}
				out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.2f | %.2f | %.3f | %s | %s | %s |%n",
						scenario.label, mode.label, r.sent(), r.p(50), r.p(99), r.p(99.9), r.errorRate() * 100,
						(scenario == Scenario.HEALTHY) ? "–" : String.format(Locale.ROOT, "%.2f", r.badShare() * 100),
						shares, r.errorKinds().isEmpty() ? "" : r.errorKinds()));
			}));
		});
		out.append(targets(byLoad));
		return out.toString();
	}

	/**
	 * The ratios of issue 10's targets, for every balancer (the targets are peak-ewma's; the others are for
	 * comparison).
	 */
	private static String targets(Map<Load, Map<Scenario, Map<Mode, Result>>> byLoad) {
		StringBuilder out = new StringBuilder();
		out.append("\n### Ratios (same run, same load)\n\n");
		out.append("| load | balancer | slow p99.9 ÷ healthy p99.9 (≤ 1.2) | hung p99.9 ÷ healthy p99.9 (≤ 1.2) "
				+ "| hung error % (≤ 0.05) | fast-failing bad share % (≤ 5) | healthy p99 ÷ p2c healthy p99 (≤ 1.05) |\n");
		out.append("|---|---|---:|---:|---:|---:|---:|\n");
		byLoad.forEach((load, scenarios) -> {
			Map<Mode, Result> healthy = scenarios.getOrDefault(Scenario.HEALTHY, Map.of());
			Map<Mode, Result> slow = scenarios.getOrDefault(Scenario.SLOW, Map.of());
			Map<Mode, Result> hung = scenarios.getOrDefault(Scenario.HUNG, Map.of());
			Map<Mode, Result> failing = scenarios.getOrDefault(Scenario.FAST_FAILING, Map.of());
			Result p2cHealthy = healthy.get(Mode.P2C);
			for (Mode mode : Mode.values()) {
				Result h = healthy.get(mode);
				if (h == null) {
					continue;
				}
				out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", load.label(), mode.label,
						ratio(slow.get(mode), h, 99.9), ratio(hung.get(mode), h, 99.9),
						(hung.get(mode) != null) ? String.format(Locale.ROOT, "%.3f", hung.get(mode).errorRate() * 100)
								: "–",
						(failing.get(mode) != null)
								? String.format(Locale.ROOT, "%.2f", failing.get(mode).badShare() * 100) : "–",
						ratio(h, p2cHealthy, 99)));
			}
		});
		return out.toString();
	}

	private static String ratio(Result over, Result under, double percentile) {
		if (over == null || under == null) {
			return "–";
		}
		return String.format(Locale.ROOT, "%.2f", over.p(percentile) / under.p(percentile));
	}

}
