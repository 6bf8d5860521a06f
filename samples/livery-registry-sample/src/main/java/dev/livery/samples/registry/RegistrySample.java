package dev.livery.samples.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.livery.samples.registry.backend.InventoryBackend;
import dev.livery.samples.registry.client.InventoryClient;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs the registry sample in one JVM: a ZooKeeper (embedded, unless {@code --zookeeper=host:port} names one),
 * {@code --replicas=3} inventory replicas that register themselves in it, and the inventory client on
 * {@code --port=8080}, balanced by livery under {@code ring-hash}.
 *
 * @since 0.2.0
 */
public final class RegistrySample implements AutoCloseable {

	private final EmbeddedZooKeeper zooKeeper;

	private final String connectString;

	private final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	private final ConfigurableApplicationContext client;

	private RegistrySample(EmbeddedZooKeeper zooKeeper, String connectString, int replicas, int clientPort) {
		this.zooKeeper = zooKeeper;
		this.connectString = connectString;
		for (int i = 1; i <= replicas; i++) {
			startReplica("inventory-" + i);
		}
		this.client = new SpringApplicationBuilder(InventoryClient.class, IsolatedNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.properties(common(connectString))
			.properties(Map.of("spring.config.name", "inventory-client", "server.port", clientPort))
			.run();
	}

	/**
	 * Start the sample.
	 * @param zooKeeperConnect a ZooKeeper to use, or {@code null} to start an embedded one
	 * @param replicas how many inventory replicas to start
	 * @param clientPort the client's port, 0 for any
	 * @return the running sample
	 * @throws Exception if ZooKeeper cannot start
	 */
	public static RegistrySample start(String zooKeeperConnect, int replicas, int clientPort) throws Exception {
		EmbeddedZooKeeper embedded = (zooKeeperConnect != null) ? null : EmbeddedZooKeeper.start(0);
		String connect = (embedded != null) ? embedded.connectString() : zooKeeperConnect;
		return new RegistrySample(embedded, connect, replicas, clientPort);
	}

	/**
	 * Start one more inventory replica.
	 * @param id its instance id
	 * @return its context; close it to stop the replica (it deregisters)
	 */
	public ConfigurableApplicationContext startReplica(String id) {
		ConfigurableApplicationContext replica = new SpringApplicationBuilder(InventoryBackend.class,
				IsolatedNettyResources.class)
			.web(WebApplicationType.REACTIVE)
			.properties(common(this.connectString))
			.properties(Map.of("spring.config.name", "inventory-backend", "server.port", 0,
					"spring.cloud.zookeeper.discovery.instance-id", id))
			.run();
		this.replicas.add(replica);
		return replica;
	}

	private static Map<String, Object> common(String connectString) {
		return Map.of("spring.cloud.zookeeper.connect-string", connectString, "spring.main.banner-mode", "off");
	}

	/**
	 * Return the running replicas, in start order.
	 * @return their contexts
	 */
	public List<ConfigurableApplicationContext> replicas() {
		return this.replicas;
	}

	/**
	 * Return the client's context.
	 * @return the client
	 */
	public ConfigurableApplicationContext client() {
		return this.client;
	}

	/**
	 * Return the port the client listens on.
	 * @return the port
	 */
	public int clientPort() {
		return ((WebServerApplicationContext) this.client).getWebServer().getPort();
	}

	/**
	 * Return the ZooKeeper connect string.
	 * @return {@code host:port}
	 */
	public String connectString() {
		return this.connectString;
	}

	@Override
	public void close() throws Exception {
		this.client.close();
		for (ConfigurableApplicationContext replica : this.replicas) {
			replica.close();
		}
		if (this.zooKeeper != null) {
			this.zooKeeper.close();
		}
	}

	public static void main(String[] args) throws Exception {
		String zooKeeper = null;
		int replicas = 3;
		int port = 8080;
		for (String arg : args) {
			if (arg.startsWith("--zookeeper=")) {
				zooKeeper = arg.substring("--zookeeper=".length());
			}
			else if (arg.startsWith("--replicas=")) {
				replicas = Integer.parseInt(arg.substring("--replicas=".length()));
			}
			else if (arg.startsWith("--port=")) {
				port = Integer.parseInt(arg.substring("--port=".length()));
			}
			else {
				System.err.println("Unknown option " + arg + "; options: --zookeeper=host:port --replicas=N --port=P");
				System.exit(2);
			}
		}
		RegistrySample sample = start(zooKeeper, replicas, port);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			try {
				sample.close();
			}
			catch (Exception ex) {
				// Stopping anyway.
			}
		}));
		int p = sample.clientPort();
		System.out.println("""

				ZooKeeper at %s; %d inventory replicas registered; client on http://127.0.0.1:%d
				  curl -XPUT localhost:%d/items/apple -d red         # written to apple's 2 replicas, primary first
				  curl localhost:%d/items/apple                      # read from apple's primary, every time
				  curl localhost:%d/replicas/apple?replicas=3        # apple's replicas in ring order
				  curl localhost:%d/actuator/balancer                # livery's view: policy ring-hash, weights, state
				Ctrl-C stops everything.""".formatted(sample.connectString(), replicas, p, p, p, p, p));
		Thread.currentThread().join();
	}

}
