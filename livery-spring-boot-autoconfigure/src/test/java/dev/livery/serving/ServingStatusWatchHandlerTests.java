package dev.livery.serving;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.http.codec.ServerSentEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ServingStatusWatchHandler}'s event stream, on virtual time.
 */
class ServingStatusWatchHandlerTests {

	private static final Duration HEARTBEAT = Duration.ofSeconds(15);

	private final ServingStatusStore store = new ServingStatusStore();

	private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();

	private final ServingStatusWatchHandler handler = new ServingStatusWatchHandler(this.store, HEARTBEAT,
			this.scheduler);

	@Test
	void heartbeatCommentFollowsEachIdleInterval() {
		StepVerifier.create(this.handler.events("orders"))
			.assertNext((event) -> assertStatus(event, ServingStatus.SERVICE_UNKNOWN))
			.then(() -> this.scheduler.advanceTimeBy(HEARTBEAT.minusMillis(1)))
			.expectNoEvent(Duration.ZERO)
			.then(() -> this.scheduler.advanceTimeBy(Duration.ofMillis(1)))
			.assertNext(ServingStatusWatchHandlerTests::assertHeartbeat)
			.then(() -> this.store.set("orders", ServingStatus.SERVING))
			.assertNext((event) -> assertStatus(event, ServingStatus.SERVING))
			.then(() -> this.scheduler.advanceTimeBy(HEARTBEAT))
			.assertNext(ServingStatusWatchHandlerTests::assertHeartbeat)
			.thenCancel()
			.verify(Duration.ofSeconds(10));
		assertThat(this.store.watcherCount("orders")).isZero();
	}

	@Test
	void streamEndsAfterNotServingOnShutdownDespiteItsHeartbeatTimer() {
		StepVerifier.create(this.handler.events(""))
			.assertNext((event) -> assertStatus(event, ServingStatus.SERVING))
			.then(this.store::enterTerminalState)
			.assertNext((event) -> assertStatus(event, ServingStatus.NOT_SERVING))
			.verifyComplete();
		assertThat(this.store.watcherCount("")).isZero();
	}

	@Test
	void heartbeatOutsideItsBoundsIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ServingStatusWatchHandler(this.store, Duration.ZERO, this.scheduler));
		assertThat(new ServingStatusWatchHandler(this.store).getHeartbeat()).isEqualTo(HEARTBEAT);
	}

	private static void assertStatus(ServerSentEvent<String> event, ServingStatus status) {
		assertThat(event.event()).isEqualTo(ServingStatusWatchHandler.EVENT_NAME);
		assertThat(event.data()).isEqualTo(status.name());
		assertThat(event.comment()).isNull();
	}

	private static void assertHeartbeat(ServerSentEvent<String> event) {
		assertThat(event.comment()).isEqualTo(ServingStatusWatchHandler.HEARTBEAT_COMMENT);
		assertThat(event.event()).isNull();
		assertThat(event.data()).isNull();
	}

}
