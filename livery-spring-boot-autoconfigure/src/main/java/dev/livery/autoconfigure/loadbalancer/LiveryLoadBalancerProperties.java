package dev.livery.autoconfigure.loadbalancer;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Configuration properties of livery's client load balancer: the defaults of every service, and the settings of
 * single services under {@code clients.<serviceId>}, each laid over the defaults.
 * <p>
 * After start-up, {@link #getClients()} holds each configured service's resolved settings: what the service sets,
 * and the defaults for the rest. The defaults and every configured service are validated then, so a bad value fails
 * start-up. New settings go into {@link LoadBalancerSettings}.
 *
 * @since 0.1.0
 */
@ConfigurationProperties(LiveryLoadBalancerProperties.PREFIX)
public class LiveryLoadBalancerProperties extends LoadBalancerSettings implements EnvironmentAware, InitializingBean {

	static final String PREFIX = "livery.loadbalancer";

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName.of(PREFIX + ".clients");

	/**
	 * Settings of single services, by service id, laid over the defaults: any other 'livery.loadbalancer' setting,
	 * such as 'clients.orders.outlier.ejection-time'.
	 */
	private final Map<String, LoadBalancerSettings> clients = new LinkedHashMap<>();

	private @Nullable Environment environment;

	private @Nullable LoadBalancerSettings unconfigured;

	public Map<String, LoadBalancerSettings> getClients() {
		return this.clients;
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void afterPropertiesSet() {
		resolve((this.environment != null) ? Binder.get(this.environment) : null);
	}

	/**
	 * Bind the properties from an environment and resolve every configured service's settings.
	 * @param environment the environment
	 * @return the properties, validated
	 */
	static LiveryLoadBalancerProperties bind(Environment environment) {
		Binder binder = Binder.get(environment);
		LiveryLoadBalancerProperties properties = binder.bindOrCreate(PREFIX,
				Bindable.of(LiveryLoadBalancerProperties.class));
		properties.resolve(binder);
		return properties;
	}

	/**
	 * Validate the defaults, then bind each configured service over a copy of them and validate it.
	 * @param binder the binder of the environment, or {@code null} to take the clients as they are
	 */
	void resolve(@Nullable Binder binder) {
		validate(PREFIX);
		Map<LoadBalancerSettings, String> prefixes = new IdentityHashMap<>();
		if (binder != null) {
			// The map binder names each entry and derives its key as for any Map property (and as Spring Cloud's
			// spring.cloud.loadbalancer.clients): only the value it binds into is ours, a copy of the defaults.
			BindHandler overDefaults = new BindHandler() {
				@Override
				@SuppressWarnings("unchecked")
				public <T> Bindable<T> onStart(ConfigurationPropertyName name, Bindable<T> target, BindContext context) {
					if (CLIENTS.isParentOf(name) && target.getType().resolve() == LoadBalancerSettings.class) {
						LoadBalancerSettings copy = copy();
						prefixes.put(copy, name.toString());
						return target.withExistingValue((T) copy);
					}
					return target;
				}
			};
			Map<String, LoadBalancerSettings> resolved = binder
				.bind(CLIENTS, Bindable.mapOf(String.class, LoadBalancerSettings.class), overDefaults)
				.orElseGet(Map::of);
			this.clients.clear();
			this.clients.putAll(resolved);
		}
		this.clients.forEach((serviceId, settings) -> settings
			.validate(prefixes.getOrDefault(settings, CLIENTS + "." + serviceId)));
		this.unconfigured = copy();
	}

	/**
	 * Return the settings of one service: those configured under {@code clients.<serviceId>} (the key as Spring
	 * Cloud LoadBalancer matches its own {@code clients} map, else one that differs only in case), or the defaults.
	 * @param serviceId the service
	 * @return the service's settings; not to be modified
	 */
	public LoadBalancerSettings settingsFor(String serviceId) {
		LoadBalancerSettings settings = this.clients.get(serviceId);
		if (settings != null) {
			return settings;
		}
		for (Map.Entry<String, LoadBalancerSettings> entry : this.clients.entrySet()) {
			if (entry.getKey().equalsIgnoreCase(serviceId)) {
				return entry.getValue();
			}
		}
		LoadBalancerSettings unconfigured = this.unconfigured;
		return (unconfigured != null) ? unconfigured : copy();
	}

}
