package dev.livery.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.livery.concurrency.ConcurrencyLimiterMetrics;
import dev.livery.concurrency.FixedConcurrencyLimiter;
import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.PoolListener;
import dev.livery.loadbalancer.PoolSettings;
import dev.livery.loadbalancer.Ticker;
import dev.livery.loadbalancer.actuate.LoadBalancerMetrics;
import dev.livery.serving.ServingStatusMeterBinder;
import dev.livery.serving.ServingStatusStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code docs/grafana-dashboard.json} true to the metrics: every metric its queries name is one that livery
 * registers, under the name a Prometheus registry gives it, and the dashboard is well-formed for import.
 */
class GrafanaDashboardTests {

	private static final Pattern METRIC = Pattern.compile("\\blivery_[a-z_]+");

	@Test
	void everyMetricTheDashboardQueriesShouldExist() throws IOException {
		Set<String> scraped = scrapedNames();
		Set<String> queried = queriedNames(dashboard());
		assertThat(queried).as("metrics the dashboard queries").isNotEmpty();
		for (String name : queried) {
			assertThat(scraped.contains(name))
				.as("%s is queried by docs/grafana-dashboard.json but livery registers %s", name, scraped)
				.isTrue();
		}
		// And every metric livery registers has a panel.
		assertThat(queried).containsAll(scraped);
	}

	@Test
	void dashboardShouldBeReadyForImport() throws IOException {
		Map<String, Object> dashboard = dashboard();
		assertThat(dashboard).containsEntry("uid", "livery").containsKeys("title", "panels", "templating");
		List<Map<String, Object>> panels = list(dashboard, "panels");
		Set<Object> ids = new TreeSet<>();
		for (Map<String, Object> panel : panels) {
			assertThat(ids.add(panel.get("id"))).as("panel ids are unique").isTrue();
			assertThat(panel).containsKeys("type", "title", "gridPos");
			if (!"row".equals(panel.get("type"))) {
				assertThat(list(panel, "targets")).allSatisfy((target) -> assertThat(target).containsKeys("expr", "refId"));
			}
		}
		List<Map<String, Object>> variables = list(map(dashboard, "templating"), "list");
		assertThat(variables).extracting((variable) -> variable.get("name"))
			.containsExactly("datasource", "job", "instance", "service");
	}

	private static Set<String> scrapedNames() {
		PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		EndpointPools<String> pools = new EndpointPools<>((member) -> member, Ticker.system(), PoolListener.NONE);
		LoadBalancerMetrics loadBalancer = new LoadBalancerMetrics(pools);
		loadBalancer.bindTo(registry);
		EndpointPool<String> pool = pools.ensure("backend", PoolSettings.DEFAULTS, List.of("h:1", "h:2"));
		loadBalancer.onPoolCreated(pool);
		Endpoint<String> endpoint = pool.endpoint("h:1");
		// Counters appear with their first event.
		loadBalancer.onEjection(pool, endpoint);
		loadBalancer.onProbe(pool, endpoint, true);
		loadBalancer.onHealthCheck(pool, endpoint, true);
		new ConcurrencyLimiterMetrics(new FixedConcurrencyLimiter(10)).bindTo(registry);
		new ServingStatusMeterBinder(new ServingStatusStore()).bindTo(registry);
		Set<String> names = new TreeSet<>();
		for (String line : registry.scrape().split("\n")) {
			if (!line.startsWith("#")) {
				Matcher matcher = METRIC.matcher(line);
				if (matcher.lookingAt()) {
					names.add(matcher.group());
				}
			}
		}
		return names;
	}

	private static Set<String> queriedNames(Map<String, Object> dashboard) {
		List<String> expressions = new ArrayList<>();
		for (Map<String, Object> panel : list(dashboard, "panels")) {
			if (panel.get("targets") != null) {
				list(panel, "targets").forEach((target) -> expressions.add((String) target.get("expr")));
			}
		}
		for (Map<String, Object> variable : list(map(dashboard, "templating"), "list")) {
			if (variable.get("definition") != null) {
				expressions.add((String) variable.get("definition"));
			}
		}
		Set<String> names = new TreeSet<>();
		for (String expression : expressions) {
			Matcher matcher = METRIC.matcher(expression);
			while (matcher.find()) {
				names.add(matcher.group());
			}
		}
		return names;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> dashboard() throws IOException {
		Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
		Path file = module.getParent().resolve("docs").resolve("grafana-dashboard.json");
		return JsonMapper.builder().build().readValue(Files.readString(file), Map.class);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Map<String, Object> map, String key) {
		return (Map<String, Object>) map.get(key);
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
		return (List<Map<String, Object>>) map.get(key);
	}

}
