package dev.livery.samples.grpc;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusShutdownLifecycle;
import dev.livery.serving.ServingStatusStore;
import dev.livery.serving.grpc.ServingStatusHealthService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.grpc.server.service.GrpcServiceDiscoverer;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample on Spring gRPC's real server on loopback ports, asked with grpc-java's own {@link HealthGrpc} stubs:
 * livery's store is the one {@code grpc.health.v1.Health} service, follows the store, and drains on shutdown.
 */
@Timeout(120)
class SampleGrpcApplicationTests {

	private ConfigurableApplicationContext context;

	private ManagedChannel channel;

	@AfterEach
	void close() throws InterruptedException {
		if (this.channel != null) {
			this.channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		}
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void liverysStoreIsTheOnlyHealthService() {
		start();
		assertThat(healthServices()).containsExactly(HealthGrpc.SERVICE_NAME);
		assertThat(this.context.getBeansOfType(HealthStatusManager.class)).isEmpty();
		assertThat(this.context.getBeansOfType(ServingStatusHealthService.class)).hasSize(1);
		// "orders" is NOT_SERVING from application.yml, a status only the store knows.
		assertThat(check("orders")).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
		assertThat(check("")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
		assertThat(echo("hello")).isEqualTo("hello");
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> check("never-set"))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
	}

	@Test
	void statusSetThroughTheEndpointReachesGrpcWatchersAndChecks() throws Exception {
		start();
		Watch watch = watch("orders");
		assertThat(watch.next()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
		WebClient.create("http://127.0.0.1:" + this.context.getEnvironment().getProperty("local.server.port"))
			.post()
			.uri("/actuator/servingstatus/orders")
			.header("Content-Type", "application/json")
			.bodyValue("{\"status\":\"SERVING\"}")
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
		assertThat(watch.next()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
		assertThat(check("orders")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
		ServingStatusStore store = this.context.getBean(ServingStatusStore.class);
		assertThat(store.watcherCount("orders")).isOne();
		this.channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		await().atMost(Duration.ofSeconds(10)).until(() -> store.watcherCount("orders") == 0);
	}

	@Test
	void shutdownTellsWatchersNotServingAndKeepsAnsweringThroughTheDrainBeforeTheServerStops() throws Exception {
		// The auto-configured lifecycle drains through a Sleeper bean when there is one; this test holds it on a
		// latch, so nothing depends on how long the drain or the shutdown takes.
		LatchSleeper sleeper = new LatchSleeper();
		start("livery.serving.shutdown-drain-time=30s", sleeper);
		assertThat(this.context.getBean(ServingStatusShutdownLifecycle.class).getDrainTime())
			.isEqualTo(Duration.ofSeconds(30));
		ServingStatusStore store = this.context.getBean(ServingStatusStore.class);
		Watch server = watch("");
		Watch orders = watch("orders");
		assertThat(server.next()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
		assertThat(orders.next()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);

		ConfigurableApplicationContext closing = this.context;
		CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
		assertThat(sleeper.draining.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(sleeper.requested).containsExactly(Duration.ofSeconds(30));

		// Draining: every watcher heard NOT_SERVING and its call ended cleanly, the server still answers.
		assertThat(server.next()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
		server.ended.get(10, TimeUnit.SECONDS);
		orders.ended.get(10, TimeUnit.SECONDS);
		assertThat(orders.statuses).isEmpty();
		assertThat(store.watcherCount("")).isZero();
		assertThat(store.watcherCount("orders")).isZero();
		assertThat(check("")).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
		assertThat(closed).isNotDone();

		sleeper.release.countDown();
		closed.get(60, TimeUnit.SECONDS);
		this.context = null;
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> check(""))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
	}

	@Test
	void withLiveryGrpcDisabledSpringGrpcsOwnHealthServiceAnswers() {
		start("livery.serving.grpc.enabled=false");
		assertThat(healthServices()).containsExactly(HealthGrpc.SERVICE_NAME);
		assertThat(echo("hello")).isEqualTo("hello");
		assertThat(this.context.getBeansOfType(ServingStatusHealthService.class)).isEmpty();
		assertThat(this.context.getBeansOfType(HealthStatusManager.class)).hasSize(1);
		// Spring gRPC's manager does not know the store's "orders".
		assertThatExceptionOfType(StatusRuntimeException.class).isThrownBy(() -> check("orders"))
			.satisfies((ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
	}

	@Test
	void withSpringGrpcHealthExplicitlyEnabledItWinsAndLiveryBacksOff() {
		start("spring.grpc.server.health.enabled=true");
		assertThat(healthServices()).containsExactly(HealthGrpc.SERVICE_NAME);
		assertThat(this.context.getBeansOfType(ServingStatusHealthService.class)).isEmpty();
		assertThat(this.context.getBeansOfType(HealthStatusManager.class)).hasSize(1);
	}

	/**
	 * The standard probe, when it is installed ({@code grpc_health_probe} is packaged neither in Debian nor on Maven
	 * Central, so this is skipped unless a developer put it on the {@code PATH}).
	 */
	@Test
	void grpcHealthProbeAgreesWithTheStore() throws Exception {
		File probe = onPath("grpc_health_probe");
		assumeThat(probe).as("grpc_health_probe on the PATH").isNotNull();
		start();
		String address = "-addr=127.0.0.1:" + grpcPort();
		assertThat(run(probe.getPath(), address)).isZero();
		assertThat(run(probe.getPath(), address, "-service=orders")).isEqualTo(4);
		this.context.getBean(ServingStatusStore.class).set("orders", ServingStatus.SERVING);
		assertThat(run(probe.getPath(), address, "-service=orders")).isZero();
	}

	private void start(Object... extra) {
		// Command-line arguments, so that they win over the sample's application.yml.
		List<String> args = new CopyOnWriteArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--spring.grpc.server.port=0", "--spring.grpc.server.host=127.0.0.1"));
		SpringApplicationBuilder builder = new SpringApplicationBuilder(SampleGrpcApplication.class);
		for (Object item : extra) {
			if (item instanceof String property) {
				args.add("--" + property);
			}
			else if (item instanceof ServingStatusShutdownLifecycle.Sleeper sleeper) {
				builder.initializers((context) -> context.getBeanFactory().registerSingleton("testSleeper", sleeper));
			}
		}
		this.context = builder.run(args.toArray(String[]::new));
		this.channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort()).usePlaintext().build();
	}

	private int grpcPort() {
		return this.context.getBean(GrpcServerLifecycle.class).getPort();
	}

	private List<String> healthServices() {
		return this.context.getBean(GrpcServiceDiscoverer.class)
			.listServiceNames()
			.stream()
			.filter(HealthGrpc.SERVICE_NAME::equals)
			.toList();
	}

	private String echo(String text) {
		return ClientCalls.blockingUnaryCall(this.channel, EchoService.ECHO,
				CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), text);
	}

	private HealthCheckResponse.ServingStatus check(String service) {
		return HealthGrpc.newBlockingStub(this.channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.check(HealthCheckRequest.newBuilder().setService(service).build())
			.getStatus();
	}

	private Watch watch(String service) {
		Watch watch = new Watch();
		HealthGrpc.newStub(this.channel).watch(HealthCheckRequest.newBuilder().setService(service).build(), watch);
		return watch;
	}

	private static File onPath(String name) {
		String path = System.getenv("PATH");
		if (path == null) {
			return null;
		}
		return Arrays.stream(path.split(File.pathSeparator))
			.map((directory) -> new File(directory, name))
			.filter(File::canExecute)
			.findFirst()
			.orElse(null);
	}

	private static int run(String... command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("probe finished").isTrue();
		System.out.println(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
		return process.exitValue();
	}

	/**
	 * A client's {@code Watch} call.
	 */
	private static final class Watch implements StreamObserver<HealthCheckResponse> {

		final BlockingQueue<HealthCheckResponse.ServingStatus> statuses = new LinkedBlockingQueue<>();

		final CompletableFuture<Void> ended = new CompletableFuture<>();

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

	}

	/**
	 * Drains until the test releases it (bounded, so a failed test cannot hang the close).
	 */
	private static final class LatchSleeper implements ServingStatusShutdownLifecycle.Sleeper {

		final CountDownLatch draining = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final List<Duration> requested = new CopyOnWriteArrayList<>();

		@Override
		public void sleep(Duration duration) throws InterruptedException {
			this.requested.add(duration);
			this.draining.countDown();
			this.release.await(60, TimeUnit.SECONDS);
		}

	}

}
