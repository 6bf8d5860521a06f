package dev.livery.autoconfigure.loadbalancer;

import java.util.List;

import dev.livery.loadbalancer.PickPolicyType;
import dev.livery.loadbalancer.RingHashPolicy;
import dev.livery.loadbalancer.cloud.LiveryLoadBalancer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the routing settings of {@link LoadBalancerSettings}: {@code policy}, {@code hash.*} and
 * {@code node-match}, for the defaults and under {@code clients.<serviceId>}, and their checks at start-up.
 */
class RoutingPropertiesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(Config.class);

	@Test
	void defaultsShouldMatchTheCore() {
		this.contextRunner.run((context) -> {
			LoadBalancerSettings settings = context.getBean(LiveryLoadBalancerProperties.class).settingsFor("any");
			assertThat(settings.getHash().getHeader()).isEqualTo(LiveryLoadBalancer.DEFAULT_HASH_HEADER);
			assertThat(settings.getHash().getRingSize()).isEqualTo(RingHashPolicy.DEFAULT_RING_SIZE);
			assertThat(settings.getNodeMatch()).isEmpty();
			assertThat(settings.toNodeMatch().matchesAll()).isTrue();
			assertThat(settings.toPoolSettings().ringSize()).isEqualTo(RingHashPolicy.DEFAULT_RING_SIZE);
		});
	}

	@Test
	void everyPolicyShouldBindFromItsSpelling() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.policy=least-request", "livery.loadbalancer.clients.a.policy=random",
					"livery.loadbalancer.clients.b.policy=ring-hash", "livery.loadbalancer.clients.c.policy=round-robin")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				assertThat(properties.getPolicy()).isEqualTo(PickPolicyType.LEAST_REQUEST);
				assertThat(properties.settingsFor("a").getPolicy()).isEqualTo(PickPolicyType.RANDOM);
				assertThat(properties.settingsFor("b").getPolicy()).isEqualTo(PickPolicyType.RING_HASH);
				assertThat(properties.settingsFor("b").getPolicy().id()).isEqualTo("ring-hash");
				assertThat(properties.settingsFor("c").getPolicy()).isEqualTo(PickPolicyType.ROUND_ROBIN);
			});
	}

	@Test
	void clientShouldOverlayHashAndNodeMatch() {
		this.contextRunner
			.withPropertyValues("livery.loadbalancer.hash.header=X-Tenant", "livery.loadbalancer.node-match=zone=eu-*",
					"livery.loadbalancer.clients.orders.hash.ring-size=64",
					"livery.loadbalancer.clients.orders.node-match=regex:10\\.0\\..*,orders-*")
			.run((context) -> {
				LiveryLoadBalancerProperties properties = context.getBean(LiveryLoadBalancerProperties.class);
				LoadBalancerSettings orders = properties.settingsFor("orders");
				assertThat(orders.getHash().getHeader()).isEqualTo("X-Tenant");
				assertThat(orders.getHash().getRingSize()).isEqualTo(64);
				assertThat(orders.toPoolSettings().ringSize()).isEqualTo(64);
				assertThat(orders.getNodeMatch()).containsExactly("regex:10\\.0\\..*", "orders-*");
				assertThat(properties.getNodeMatch()).containsExactly("zone=eu-*");
				assertThat(properties.settingsFor("other").getNodeMatch()).containsExactly("zone=eu-*");
			});
	}

	@Test
	void invalidNodeMatchShouldFailStartUpNamingTheProperty() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.node-match=zone=eu,regex:[a-")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.loadbalancer.node-match")
				.hasMessageContaining("entry [1] 'regex:[a-': is not a valid regular expression"));
	}

	@Test
	void invalidClientNodeMatchShouldFailStartUpNamingTheClientsProperty() {
		this.contextRunner.withPropertyValues("livery.loadbalancer.clients.orders.node-match==eu")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("livery.loadbalancer.clients.orders.node-match")
				.hasMessageContaining("has no metadata key before '='"));
	}

	@Test
	void ringSizeAndHeaderShouldBeChecked() {
		for (List<String> values : List.of(List.of("livery.loadbalancer.hash.ring-size=0"),
				List.of("livery.loadbalancer.clients.x.hash.ring-size=9000"))) {
			this.contextRunner.withPropertyValues(values.toArray(String[]::new))
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("hash.ring-size")
					.hasMessageContaining("must be between 1 and 8192"));
		}
		this.contextRunner.withPropertyValues("livery.loadbalancer.hash.header=Bad Header")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("livery.loadbalancer.hash.header")
				.hasMessageContaining("must be an HTTP header name"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(LiveryLoadBalancerProperties.class)
	static class Config {

	}

}
