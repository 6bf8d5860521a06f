package dev.livery.serving.grpc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@link ServingStatusHealthService} on a real grpc-java server on a loopback port, asked by grpc-java's own
 * {@link HealthGrpc} stubs.
 */
@Timeout(60)
class ServingStatusHealthServiceTests {

	private static final HealthCheckResponse.ServingStatus SERVING = HealthCheckResponse.ServingStatus.SERVING;

	private static final HealthCheckResponse.ServingStatus NOT_SERVING = HealthCheckResponse.ServingStatus.NOT_SERVING;

	private static final HealthCheckResponse.ServingStatus SERVICE_UNKNOWN = HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN;

	private final ServingStatusStore store = new ServingStatusStore();

	private Server server;

	private ManagedChannel channel;

	@BeforeEach
	void start() throws IOException {
		this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
			.addService(new ServingStatusHealthService(this.store))
			.build()
			.start();
		this.channel = NettyChannelBuilder.forAddress("127.0.0.1", this.server.getPort()).usePlaintext().build();
	}

	@AfterEach
	void stop() throws InterruptedException {
		this.channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		this.server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
	}

	@Test
	void checkAnswersTheServerAndNamedServicesFromTheStore() {
		HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(this.channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS);
		assertThat(health.check(request("")).getStatus()).isEqualTo(SERVING);
		this.store.set("", ServingStatus.NOT_SERVING);
		assertThat(health.check(request("")).getStatus()).isEqualTo(NOT_SERVING);
		this.store.set("orders", ServingStatus.UNKNOWN);
		assertThat(health.check(request("orders")).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.UNKNOWN);
		this.store.set("orders", ServingStatus.SERVING);
		assertThat(health.check(request("orders")).getStatus()).isEqualTo(SERVING);
	}

	@Test
	void checkOfAServiceWithoutStatusFailsWithNotFound() {
		HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(this.channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS);
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> health.check(request("never-set")))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
		this.store.set("orders", ServingStatus.SERVING);
		this.store.clear("orders");
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> health.check(request("orders")))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
		assertThat(this.store.all()).containsOnlyKeys("");
	}

	@Test
	void watchSendsTheCurrentStatusThenOnlyChanges() throws Exception {
		Watcher watcher = watch("");
		assertThat(watcher.next()).isEqualTo(SERVING);
		this.store.set("", ServingStatus.SERVING);
		this.store.set("", ServingStatus.NOT_SERVING);
		assertThat(watcher.next()).isEqualTo(NOT_SERVING);
		this.store.set("", ServingStatus.NOT_SERVING);
		this.store.set("", ServingStatus.SERVING);
		assertThat(watcher.next()).isEqualTo(SERVING);
		assertThat(watcher.statuses).isEmpty();
		watcher.cancel();
	}

	@Test
	void watchOfAnUnknownServiceSendsServiceUnknownAndStaysOpen() throws Exception {
		Watcher watcher = watch("orders");
		assertThat(watcher.next()).isEqualTo(SERVICE_UNKNOWN);
		assertThat(watcher.ended).isNotDone();
		assertThat(this.store.watcherCount("orders")).isOne();
		this.store.set("orders", ServingStatus.SERVING);
		assertThat(watcher.next()).isEqualTo(SERVING);
		this.store.clear("orders");
		assertThat(watcher.next()).isEqualTo(SERVICE_UNKNOWN);
		assertThat(watcher.ended).isNotDone();
		watcher.cancel();
	}

	@Test
	void cancelledWatchesAreDroppedAtOnce() throws Exception {
		List<Watcher> watchers = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			Watcher watcher = watch("orders");
			assertThat(watcher.next()).isEqualTo(SERVICE_UNKNOWN);
			watchers.add(watcher);
		}
		assertThat(this.store.watcherCount("orders")).isEqualTo(50);
		watchers.forEach(Watcher::cancel);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.store.watcherCount("orders") == 0);
		// The entry of a service without status went with its last watcher.
		assertThat(this.store.all()).containsOnlyKeys("");
	}

	@Test
	void watchWhoseDeadlinePassesIsDropped() throws Exception {
		Watcher watcher = new Watcher();
		HealthGrpc.newStub(this.channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS).watch(request(""), watcher);
		assertThat(watcher.next()).isEqualTo(SERVING);
		Throwable ended = watcher.ended.handle((ignored, ex) -> ex).get(10, TimeUnit.SECONDS);
		assertThat(Status.fromThrowable(ended).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.store.watcherCount("") == 0);
	}

	@Test
	void terminalStateSendsNotServingThenEndsEveryWatchBeforeTheServerStops() throws Exception {
		this.store.set("orders", ServingStatus.SERVING);
		Watcher server = watch("");
		Watcher orders = watch("orders");
		Watcher unknown = watch("billing");
		assertThat(server.next()).isEqualTo(SERVING);
		assertThat(orders.next()).isEqualTo(SERVING);
		assertThat(unknown.next()).isEqualTo(SERVICE_UNKNOWN);

		this.store.enterTerminalState();

		assertThat(server.next()).isEqualTo(NOT_SERVING);
		assertThat(orders.next()).isEqualTo(NOT_SERVING);
		server.ended.get(10, TimeUnit.SECONDS);
		orders.ended.get(10, TimeUnit.SECONDS);
		unknown.ended.get(10, TimeUnit.SECONDS);
		assertThat(unknown.statuses).isEmpty();
		assertThat(this.store.watcherCount("")).isZero();
		// The server is still up and answers, and its graceful shutdown has no open watch to wait for.
		assertThat(HealthGrpc.newBlockingStub(this.channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.check(request("orders"))
			.getStatus()).isEqualTo(NOT_SERVING);
		this.server.shutdown();
		assertThat(this.server.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private Watcher watch(String service) {
		Watcher watcher = new Watcher();
		HealthGrpc.newStub(this.channel).watch(request(service), watcher);
		return watcher;
	}

	private static HealthCheckRequest request(String service) {
		return HealthCheckRequest.newBuilder().setService(service).build();
	}

	/**
	 * A client's {@code Watch} call: the statuses received and how the call ended.
	 */
	private static final class Watcher implements ClientResponseObserver<HealthCheckRequest, HealthCheckResponse> {

		final BlockingQueue<HealthCheckResponse.ServingStatus> statuses = new LinkedBlockingQueue<>();

		final CompletableFuture<Void> ended = new CompletableFuture<>();

		private volatile ClientCallStreamObserver<HealthCheckRequest> call;

		@Override
		public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
			this.call = requestStream;
		}

		@Override
		public void onNext(HealthCheckResponse value) {
			this.statuses.add(value.getStatus());
		}

		@Override
		public void onError(Throwable t) {
			this.ended.completeExceptionally(t);
		}

		@Override
		public void onCompleted() {
			this.ended.complete(null);
		}

		HealthCheckResponse.ServingStatus next() throws InterruptedException {
			HealthCheckResponse.ServingStatus status = this.statuses.poll(10, TimeUnit.SECONDS);
			assertThat(status).as("a status within 10 seconds").isNotNull();
			return status;
		}

		void cancel() {
			this.call.cancel("test is done", null);
		}

	}

}
