package dev.livery.loadbalancer.health;

import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;

import dev.livery.loadbalancer.health.ServingWatch.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The serving watch against a real SSE backend on 127.0.0.1, with reconnect and idle timers on a virtual scheduler.
 */
@Timeout(60)
class ServingWatchTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final HttpClient http = HealthHttp.client();

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

	private final RecordingSink sink = new RecordingSink();

	private HealthBackend backend = new HealthBackend("b");

	private ServingWatch watch;

	@AfterEach
	void stop() {
		if (this.watch != null) {
			this.watch.stop();
		}
		this.backend.close();
		this.time.dispose();
	}

	@Test
	void reportsEveryStatusTheMomentItIsSaid() {
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		assertThat(this.watch.uri()).hasToString(this.backend.uri() + "/livery/serving/watch");
		awaitStatus("SERVING");
		assertThat(this.watch.state()).isEqualTo(State.OPEN);
		assertThat(this.sink.healthy).isTrue();
		this.backend.status("NOT_SERVING");
		awaitStatus("NOT_SERVING");
		assertThat(this.sink.healthy).isFalse();
		this.backend.status("SERVING");
		awaitStatus("SERVING");
		assertThat(this.sink.healthy).isTrue();
		for (String status : new String[] { "SERVICE_UNKNOWN", "SERVING", "UNKNOWN" }) {
			this.backend.status(status);
			awaitStatus(status);
		}
		assertThat(this.sink.healthy).isFalse();
		// Healthy until told otherwise (null), then exactly what was said, on one stream.
		assertThat(this.sink.statuses).containsExactly("null", "SERVING", "NOT_SERVING", "SERVING", "SERVICE_UNKNOWN",
				"SERVING", "UNKNOWN");
		assertThat(this.watch.attempts()).isEqualTo(1);
	}

	@Test
	void watchesANamedServiceOnItsOwnPath() {
		ServingWatchSettings settings = new ServingWatchSettings("/livery/serving/watch", "orders v2",
				Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(45));
		this.watch = start(settings, this.backend.target());
		assertThat(this.watch.uri()).hasToString(this.backend.uri() + "/livery/serving/watch/orders%20v2");
		awaitStatus("SERVING");
	}

	@Test
	void endpointAnswering404IsHealthyAndAskedAgainOnlyAfterTheCeiling() {
		this.backend.watchSupported(false);
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		assertThat(this.sink.healthy).isTrue();
		assertThat(this.watch.status()).isNull();
		assertThat(this.watch.lastDelayNanos()).isBetween(Duration.ofSeconds(24).toNanos(),
				Duration.ofSeconds(36).toNanos());
		this.time.advanceTimeBy(Duration.ofSeconds(23));
		assertThat(this.watch.attempts()).isEqualTo(1);
		this.backend.watchSupported(true);
		this.time.advanceTimeBy(Duration.ofSeconds(14));
		assertThat(this.watch.attempts()).isEqualTo(2);
		awaitStatus("SERVING");
	}

	@Test
	void endpointThatNeverAnsweredAndRefusesIsHealthyAndAskedAgainOnlyAfterTheCeiling() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		this.watch = start(ServingWatchSettings.DEFAULTS, new HealthTarget(false, "127.0.0.1", port, Map.of()));
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		assertThat(this.sink.healthy).isTrue();
		assertThat(this.watch.lastDelayNanos()).isGreaterThanOrEqualTo(Duration.ofSeconds(24).toNanos());
	}

	@Test
	void lastStatusStandsWhileTheStreamIsDownAndBackoffDoublesToTheCeiling() {
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		awaitStatus("SERVING");
		this.backend.status("NOT_SERVING");
		awaitStatus("NOT_SERVING");
		// The server shuts down: streams end after NOT_SERVING, then connections are refused.
		int port = this.backend.port();
		this.backend.endStreams();
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		this.backend.close();
		assertWaitAbout(1);
		for (long seconds : new long[] { 2, 4, 8, 16, 30, 30 }) {
			nextAttemptFailsAndNotServingStands(seconds);
		}
		// Back on the same port: the next attempt finds it, and any line resets the backoff.
		this.backend = new HealthBackend("b", port);
		this.time.advanceTimeBy(Duration.ofNanos(this.watch.lastDelayNanos()));
		awaitStatus("SERVING");
		assertThat(this.sink.healthy).isTrue();
		this.backend.endStreams();
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		assertWaitAbout(1);
	}

	@Test
	void afterAnAnswerOtherRefusalsLeaveTheLastStatusButNoSuchStreamMeansTheProtocolIsGone() {
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		awaitStatus("SERVING");
		this.backend.status("NOT_SERVING");
		awaitStatus("NOT_SERVING");
		// A proxy in front of the instance refuses the reconnects (429, then 403): the instance said NOT_SERVING, and
		// that stands, with the usual doubling backoff.
		this.backend.watchAnswers(429);
		this.backend.endStreams();
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		assertWaitAbout(1);
		nextAttemptFailsAndNotServingStands(2);
		this.backend.watchAnswers(403);
		nextAttemptFailsAndNotServingStands(4);
		// The address now answers that it has no such stream: whatever runs there does not speak the protocol.
		this.backend.watchAnswers(404);
		this.time.advanceTimeBy(Duration.ofNanos(this.watch.lastDelayNanos()));
		await().atMost(WAIT).until(() -> this.sink.healthy && this.watch.state() == State.WAITING);
		assertThat(this.watch.status()).isNull();
		assertThat(this.watch.lastDelayNanos()).isGreaterThanOrEqualTo(Duration.ofSeconds(24).toNanos());
	}

	@Test
	void silentStreamIsTakenForDeadAfterTheIdleTimeoutButHeartbeatsKeepItOpen() {
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		awaitStatus("SERVING");
		this.time.advanceTimeBy(Duration.ofSeconds(30));
		long lines = this.watch.linesReceived();
		this.backend.heartbeat();
		await().atMost(WAIT).until(() -> this.watch.linesReceived() > lines);
		this.time.advanceTimeBy(Duration.ofSeconds(30));
		// 60 s after the status, 30 s after the heartbeat: quiet, not dead.
		assertThat(this.watch.state()).isEqualTo(State.OPEN);
		assertThat(this.backend.openStreams()).isEqualTo(1);
		// 45.5 s after the heartbeat: dead at 45 s; the reconnect waits 0.8-1.2 s, so it is not due yet.
		this.time.advanceTimeBy(Duration.ofMillis(15_500));
		assertThat(this.watch.state()).isEqualTo(State.WAITING);
		// The dead stream is closed, the last status stands, and the watch reconnects after the backoff.
		await().atMost(WAIT).until(() -> this.backend.openStreams() == 0);
		assertThat(this.sink.healthy).isTrue();
		this.time.advanceTimeBy(Duration.ofNanos(this.watch.lastDelayNanos()));
		await().atMost(WAIT).until(() -> this.backend.streamsOpened() == 2 && this.watch.state() == State.OPEN);
	}

	@Test
	void stopClosesTheStreamAndNothingReconnects() {
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		awaitStatus("SERVING");
		assertThat(this.backend.openStreams()).isEqualTo(1);
		this.watch.stop();
		await().atMost(WAIT).until(() -> this.backend.openStreams() == 0);
		this.time.advanceTimeBy(Duration.ofMinutes(5));
		assertThat(this.backend.streamsOpened()).isEqualTo(1);
		assertThat(this.watch.state()).isEqualTo(State.STOPPED);
		this.backend.status("NOT_SERVING");
		assertThat(this.sink.statuses).containsExactly("null", "SERVING");
	}

	@Test
	void stopWhileWaitingCancelsTheNextAttempt() {
		this.backend.watchSupported(false);
		this.watch = start(ServingWatchSettings.DEFAULTS, this.backend.target());
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		this.watch.stop();
		this.time.advanceTimeBy(Duration.ofMinutes(5));
		assertThat(this.watch.attempts()).isEqualTo(1);
	}

	private ServingWatch start(ServingWatchSettings settings, HealthTarget target) {
		ServingWatch started = new ServingWatch(target, settings, this.http, this.time, this.sink);
		started.start();
		return started;
	}

	private void awaitStatus(String status) {
		await().pollInterval(Duration.ofMillis(5)).atMost(WAIT).until(() -> status.equals(this.sink.status));
	}

	/**
	 * Let the wait before the next attempt pass: that attempt fails, the watch waits again, about {@code seconds}, and
	 * the NOT_SERVING it heard last still stands.
	 */
	private void nextAttemptFailsAndNotServingStands(long seconds) {
		int attempts = this.watch.attempts();
		this.time.advanceTimeBy(Duration.ofNanos(this.watch.lastDelayNanos()));
		assertThat(this.watch.attempts()).isEqualTo(attempts + 1);
		await().atMost(WAIT).until(() -> this.watch.state() == State.WAITING);
		assertWaitAbout(seconds);
		assertThat(this.sink.healthy).isFalse();
		assertThat(this.watch.status()).isEqualTo("NOT_SERVING");
	}

	private void assertWaitAbout(long seconds) {
		assertThat(this.watch.lastDelayNanos()).isBetween(Duration.ofMillis(seconds * 800).toNanos(),
				Duration.ofMillis(seconds * 1200).toNanos());
	}

}
