package dev.livery.loadbalancer.health;

import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;

import dev.livery.loadbalancer.health.HealthBackend.Health;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Active checks against a real backend on 127.0.0.1, with time on a virtual scheduler: checks only happen when the
 * test moves the clock, and answers come over real HTTP.
 */
@Timeout(60)
class ActiveHealthCheckTests {

	private static final Duration INTERVAL = HealthCheckSettings.DEFAULTS.interval();

	private final HttpClient http = HealthHttp.client();

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

	private final HealthBackend backend = new HealthBackend("b");

	private final RecordingSink sink = new RecordingSink();

	private ActiveHealthCheck check;

	@AfterEach
	void stop() {
		if (this.check != null) {
			this.check.stop();
		}
		this.backend.close();
		this.time.dispose();
	}

	@Test
	void checksThePathOnTheEndpointAndReportsTheInitialScoreFirst() {
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		assertThat(this.check.uri()).hasToString(this.backend.uri() + "/actuator/health");
		assertThat(this.sink.scores).containsExactly(1);
		runCheck();
		assertThat(this.backend.healthChecks()).isEqualTo(1);
		assertThat(this.sink.checks).containsExactly(true);
		assertThat(this.sink.score).isEqualTo(2);
	}

	@Test
	void noCheckBeforeItIsDueAndOneAnInterval() {
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		runCheck();
		// The next check is due 4.5 s to 5.5 s after the first.
		this.time.advanceTimeBy(Duration.ofMillis(4400));
		assertThat(this.check.checksInFlight()).isZero();
		assertThat(this.backend.healthChecks()).isEqualTo(1);
		runCheck();
		assertThat(this.backend.healthChecks()).isEqualTo(2);
	}

	@Test
	void oneFailedCheckAtTheTopMovesNothingAndFourInARowRemove() {
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		runChecks(3);
		assertThat(this.sink.score).isEqualTo(3);
		this.backend.health(Health.DOWN);
		runCheck();
		assertThat(this.sink.score).isEqualTo(2);
		assertThat(this.sink.healthy).isTrue();
		this.backend.health(Health.UP);
		runCheck();
		assertThat(this.sink.score).isEqualTo(3);
		this.backend.health(Health.DOWN);
		runChecks(3);
		assertThat(this.sink.score).isZero();
		assertThat(this.sink.healthy).isTrue();
		runCheck();
		assertThat(this.sink.score).isEqualTo(-1);
		assertThat(this.sink.healthy).isFalse();
		assertThat(this.sink.checks).containsExactly(true, true, true, false, true, false, false, false, false);
	}

	@Test
	void threeGoodChecksFromTheBottomRestore() {
		this.backend.health(Health.DOWN);
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		runChecks(5);
		assertThat(this.sink.score).isEqualTo(-3);
		assertThat(this.sink.healthy).isFalse();
		this.backend.health(Health.UP);
		runChecks(2);
		assertThat(this.sink.healthy).isFalse();
		runCheck();
		assertThat(this.sink.score).isZero();
		assertThat(this.sink.healthy).isTrue();
	}

	@Test
	void checkThatDoesNotAnswerWithinTheTimeoutFailsAndTheNextOneStillComes() {
		this.backend.health(Health.HANG);
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		startCheck();
		assertThat(this.check.checksInFlight()).isEqualTo(1);
		this.time.advanceTimeBy(Duration.ofMillis(900));
		assertThat(this.sink.checks).isEmpty();
		this.time.advanceTimeBy(Duration.ofMillis(200));
		await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10)).until(() -> this.sink.checks.size() == 1);
		assertThat(this.sink.checks).containsExactly(false);
		assertThat(this.check.checksInFlight()).isZero();
		// One at a time: the hung check was abandoned before the next was sent.
		this.backend.health(Health.UP);
		runCheck();
		assertThat(this.sink.checks).containsExactly(false, true);
	}

	@Test
	void refusedConnectionIsAFailedCheck() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		this.check = start(HealthCheckSettings.DEFAULTS, new HealthTarget(false, "127.0.0.1", port, Map.of()));
		runCheck();
		assertThat(this.sink.checks).containsExactly(false);
		assertThat(this.sink.score).isZero();
	}

	@Test
	void connectFailuresOfRealRequestsLowerTheScoreBetweenChecks() {
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		this.check.recordConnectFailure();
		assertThat(this.sink.score).isZero();
		assertThat(this.sink.healthy).isTrue();
		this.check.recordConnectFailure();
		assertThat(this.sink.score).isEqualTo(-1);
		assertThat(this.sink.healthy).isFalse();
		assertThat(this.sink.checks).isEmpty();
	}

	@Test
	void checksTheConfiguredPortOrTheManagementPortFromMetadata() {
		HealthTarget withManagementPort = new HealthTarget(false, "127.0.0.1", 1,
				Map.of(HealthTarget.MANAGEMENT_PORT, String.valueOf(this.backend.port())));
		this.check = start(HealthCheckSettings.DEFAULTS, withManagementPort);
		assertThat(this.check.uri().getPort()).isEqualTo(this.backend.port());
		runCheck();
		assertThat(this.sink.checks).containsExactly(true);
		ActiveHealthCheck configured = new ActiveHealthCheck(withManagementPort,
				HealthCheckSettings.DEFAULTS.withTarget("/ready", 9999), this.http, this.time, new RecordingSink());
		assertThat(configured.uri()).hasToString("http://127.0.0.1:9999/ready");
		ActiveHealthCheck ipv6 = new ActiveHealthCheck(new HealthTarget(true, "::1", 8443, Map.of()),
				HealthCheckSettings.DEFAULTS, this.http, this.time, new RecordingSink());
		assertThat(ipv6.uri()).hasToString("https://[::1]:8443/actuator/health");
	}

	@Test
	void stopCancelsTheCheckInFlightAndNoneFollows() {
		this.backend.health(Health.HANG);
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		startCheck();
		assertThat(this.check.checksInFlight()).isEqualTo(1);
		await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10)).until(() -> this.backend.healthChecks() == 1);
		this.check.stop();
		await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10)).until(() -> this.check.checksInFlight() == 0);
		this.time.advanceTimeBy(INTERVAL.multipliedBy(5));
		assertThat(this.backend.healthChecks()).isEqualTo(1);
		assertThat(this.sink.checks).isEmpty();
		this.check.recordConnectFailure();
		assertThat(this.sink.scores).containsExactly(1);
	}

	@Test
	void stopBeforeTheFirstCheckMeansNoCheck() {
		this.check = start(HealthCheckSettings.DEFAULTS, this.backend.target());
		this.check.stop();
		this.time.advanceTimeBy(INTERVAL.multipliedBy(5));
		assertThat(this.backend.healthChecks()).isZero();
		assertThat(this.check.isStopped()).isTrue();
	}

	private ActiveHealthCheck start(HealthCheckSettings settings, HealthTarget target) {
		ActiveHealthCheck started = new ActiveHealthCheck(target, settings, this.http, this.time, this.sink);
		started.start();
		return started;
	}

	private void runChecks(int n) {
		for (int i = 0; i < n; i++) {
			runCheck();
		}
	}

	/**
	 * Move the clock until the next check starts, then wait for its real answer.
	 */
	private void runCheck() {
		int before = this.check.checksCompleted();
		startCheck();
		await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10)).until(() -> this.check.checksCompleted() > before);
		await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10)).until(() -> this.check.checksInFlight() == 0);
	}

	/**
	 * Move the clock in steps far shorter than the timeout until a check is in flight (or already answered).
	 */
	private void startCheck() {
		int before = this.check.checksCompleted();
		for (int step = 0; step < 200; step++) {
			if (this.check.checksInFlight() > 0 || this.check.checksCompleted() > before) {
				return;
			}
			this.time.advanceTimeBy(Duration.ofMillis(50));
		}
		throw new AssertionError("No check started within " + Duration.ofMillis(50 * 200));
	}

}
