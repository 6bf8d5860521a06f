package dev.livery.samples.registry;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real, single-node ZooKeeper server in this JVM, listening on 127.0.0.1 only, with its data in a temporary
 * directory deleted on close. What a registry looks like to Spring Cloud Zookeeper, without installing one.
 *
 * @since 0.2.0
 */
public final class EmbeddedZooKeeper implements Closeable {

	private final TestingServer server;

	private EmbeddedZooKeeper(TestingServer server) {
		this.server = server;
	}

	/**
	 * Start a server.
	 * @param port the client port, or 0 for any free one
	 * @return the running server
	 * @throws Exception if it cannot start
	 */
	public static EmbeddedZooKeeper start(int port) throws Exception {
		int clientPort = (port > 0) ? port : InstanceSpec.getRandomPort();
		// clientPortAddress keeps ZooKeeper off every interface but loopback.
		InstanceSpec spec = new InstanceSpec(null, clientPort, -1, -1, true, -1, -1, -1,
				Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1");
		return new EmbeddedZooKeeper(new TestingServer(spec, true));
	}

	/**
	 * Return the connect string clients use, {@code 127.0.0.1:port}.
	 * @return the connect string
	 */
	public String connectString() {
		return this.server.getConnectString();
	}

	@Override
	public void close() throws IOException {
		this.server.close();
	}

}
