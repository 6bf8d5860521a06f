package dev.livery.serving.grpc;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * The standard gRPC health service {@code grpc.health.v1.Health}, answered from a {@link ServingStatusStore}.
 *
 * <ul>
 * <li>{@code Check("")} is the whole server; {@code Check} of a named service that has a status answers it, of any
 * other service fails with {@code NOT_FOUND}.</li>
 * <li>{@code Watch} sends the current status at once ({@code SERVICE_UNKNOWN} for a named service without a status,
 * and the stream stays open), then every change. A cancelled call (client gone, deadline passed) drops its watcher at
 * once. When the store enters its terminal state (shutdown), the stream sends {@code NOT_SERVING} and then completes
 * with {@code OK}, so the server's graceful shutdown is not held up by health watches and clients reconnect to
 * another server.</li>
 * </ul>
 * Add it to a grpc-java server yourself ({@code ServerBuilder.addService(new ServingStatusHealthService(store))}) or
 * let livery's auto-configuration hand it to Spring gRPC.
 *
 * <p>
 * Implementation note. A watch is a subscription to {@link ServingStatusStore#watch(String)}, which keeps only the
 * newest undelivered status, driven by gRPC's flow control: one status is requested at a time, and the next only
 * once the call {@linkplain ServerCallStreamObserver#isReady() is ready} (or becomes ready, through its on-ready
 * handler). A client that does not read therefore costs one buffered message and later gets the newest status,
 * never a backlog. A compare-and-set on {@code requested} keeps at most one request outstanding whichever of the
 * store's thread and gRPC's thread asks; the store's drain loop serialises every call into the response observer.
 *
 * @since 0.2.0
 */
public class ServingStatusHealthService extends HealthGrpc.HealthImplBase {

	private static final Map<ServingStatus, HealthCheckResponse> RESPONSES = responses();

	private final ServingStatusStore store;

	/**
	 * Create a health service answering from the given store.
	 * @param store store to read and watch
	 */
	public ServingStatusHealthService(ServingStatusStore store) {
		this.store = Objects.requireNonNull(store, "store must not be null");
	}

	@Override
	public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responseObserver) {
		String service = request.getService();
		Optional<ServingStatus> status = this.store.get(service);
		if (status.isEmpty()) {
			responseObserver
				.onError(Status.NOT_FOUND.withDescription("unknown service '" + service + "'").asRuntimeException());
			return;
		}
		responseObserver.onNext(RESPONSES.get(status.get()));
		responseObserver.onCompleted();
	}

	@Override
	public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responseObserver) {
		ServerCallStreamObserver<HealthCheckResponse> call = (ServerCallStreamObserver<HealthCheckResponse>) responseObserver;
		Watch watch = new Watch(call);
		// Both handlers must be set before this method returns, and before the first message.
		call.setOnCancelHandler(watch::dispose);
		call.setOnReadyHandler(watch::requestIfReady);
		this.store.watch(request.getService()).subscribe(watch);
	}

	private static Map<ServingStatus, HealthCheckResponse> responses() {
		Map<ServingStatus, HealthCheckResponse> responses = new EnumMap<>(ServingStatus.class);
		for (ServingStatus status : ServingStatus.values()) {
			HealthCheckResponse.ServingStatus wire = switch (status) {
				case UNKNOWN -> HealthCheckResponse.ServingStatus.UNKNOWN;
				case SERVING -> HealthCheckResponse.ServingStatus.SERVING;
				case NOT_SERVING -> HealthCheckResponse.ServingStatus.NOT_SERVING;
				case SERVICE_UNKNOWN -> HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN;
			};
			responses.put(status, HealthCheckResponse.newBuilder().setStatus(wire).build());
		}
		return responses;
	}

	/**
	 * One {@code Watch} call: a store watcher that requests one status at a time while the call is ready.
	 */
	private static final class Watch extends BaseSubscriber<ServingStatus> {

		private final ServerCallStreamObserver<HealthCheckResponse> call;

		/**
		 * Whether a status has been requested and not yet delivered.
		 */
		private final AtomicBoolean requested = new AtomicBoolean();

		Watch(ServerCallStreamObserver<HealthCheckResponse> call) {
			this.call = call;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			requestIfReady();
		}

		@Override
		protected void hookOnNext(ServingStatus status) {
			this.requested.set(false);
			this.call.onNext(RESPONSES.get(status));
			requestIfReady();
		}

		@Override
		protected void hookOnComplete() {
			this.call.onCompleted();
		}

		@Override
		protected void hookOnError(Throwable throwable) {
			this.call.onError(Status.INTERNAL.withDescription("serving status watch failed")
				.withCause(throwable)
				.asRuntimeException());
		}

		void requestIfReady() {
			if (!isDisposed() && this.call.isReady() && this.requested.compareAndSet(false, true)) {
				request(1);
			}
		}

	}

}
