package dev.livery.loadbalancer.health;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * Active health checks of one endpoint: {@code GET path} every {@code interval} (jittered ±10 %), each answer moving
 * the endpoint's {@link HealthScore}, which is reported to an {@link EndpointHealthSink}. Connect failures of real
 * requests, {@link #recordConnectFailure() reported} by the caller, move the score too.
 *
 * @since 0.2.0
 */
public final class ActiveHealthCheck {

	/*
	 * Implementation note. One check at a time: the next check is scheduled only once the previous one has finished
	 * (answered, failed, or timed out on the scheduler), so a slow endpoint is never asked twice at once. Whatever is
	 * pending - the timer of the next check or the check in flight - sits in one Disposable.Swap, and stop() disposes
	 * that swap: a timer is cancelled, a check in flight is cancelled (cancelling the JDK client's future aborts the
	 * exchange), and anything a racing completion puts in afterwards is disposed on the
	 * spot. Each step first registers a holder in the swap and only then starts its work, so a completion that runs
	 * before the starter returns cannot be overwritten by it.
	 *
	 * Scores reach the sink from check completions and from request threads (connect failures) at once. Rather than
	 * lock, a reporter re-reads the score after each report and reports again until it saw no change, so the last
	 * report the sink receives always carries the current score.
	 *
	 * The timeout runs on the scheduler, not as the JDK request's own, so that time has one source (tests move it).
	 * Checks run on the JDK HTTP client's threads and the scheduler's, never on a request's. The first check comes
	 * after a random delay within the first tenth of an interval, spreading the checks of a pool's endpoints.
	 */

	private final HttpClient http;

	private final HttpRequest request;

	private final Scheduler scheduler;

	private final long intervalNanos;

	private final long timeoutNanos;

	private final HealthScore score;

	private final EndpointHealthSink sink;

	private final Disposable.Swap pending = Disposables.swap();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger completed = new AtomicInteger();

	/**
	 * Create the checks of one endpoint; nothing happens until {@link #start()}.
	 * @param target the endpoint
	 * @param settings what to check and how often
	 * @param http the client to check with
	 * @param scheduler where timers run
	 * @param sink told every outcome and score
	 */
	public ActiveHealthCheck(HealthTarget target, HealthCheckSettings settings, HttpClient http, Scheduler scheduler,
			EndpointHealthSink sink) {
		this.http = http;
		this.scheduler = scheduler;
		this.intervalNanos = settings.interval().toNanos();
		this.timeoutNanos = settings.timeout().toNanos();
		this.score = new HealthScore(settings);
		this.sink = sink;
		this.request = HttpRequest.newBuilder(target.uri(target.checkPort(settings.port()), settings.path()))
			.header("Accept", "application/json, */*")
			.GET()
			.build();
	}

	/**
	 * Return the URI checked.
	 * @return the URI
	 */
	public URI uri() {
		return this.request.uri();
	}

	/**
	 * Report the initial score and schedule the first check.
	 */
	public void start() {
		report(this.score.score());
		schedule((long) (ThreadLocalRandom.current().nextDouble() * this.intervalNanos / 10));
	}

	/**
	 * Stop checking: cancel the next check, or the one in flight. Idempotent.
	 */
	public void stop() {
		this.pending.dispose();
	}

	/**
	 * Return whether {@link #stop()} was called.
	 * @return whether stopped
	 */
	public boolean isStopped() {
		return this.pending.isDisposed();
	}

	/**
	 * Return the current score.
	 * @return the score
	 */
	public int score() {
		return this.score.score();
	}

	/**
	 * Return the number of checks in flight: 0 or 1.
	 * @return checks in flight
	 */
	public int checksInFlight() {
		return this.inFlight.get();
	}

	/**
	 * Return the number of checks that finished and were counted.
	 * @return finished checks
	 */
	public int checksCompleted() {
		return this.completed.get();
	}

	/**
	 * Lower the score because a real request failed to connect to the endpoint.
	 */
	public void recordConnectFailure() {
		if (!isStopped()) {
			report(this.score.recordFailure());
		}
	}

	private void schedule(long delayNanos) {
		Disposable.Swap holder = Disposables.swap();
		if (!this.pending.replace(holder)) {
			return;
		}
		try {
			holder.update(this.scheduler.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS));
		}
		catch (RejectedExecutionException ex) {
			// The scheduler is shutting down with the application: nothing more to check.
			stop();
		}
	}

	private void check() {
		Check check = new Check();
		if (this.pending.replace(check)) {
			check.start();
		}
	}

	private void completed(boolean success) {
		if (isStopped()) {
			return;
		}
		int current = success ? this.score.recordSuccess() : this.score.recordFailure();
		this.sink.healthCheck(success);
		report(current);
		// Counted last, so that whoever sees the count also sees the check's score, health and metric.
		this.completed.incrementAndGet();
		long jitter = (long) ((ThreadLocalRandom.current().nextDouble() - 0.5) * this.intervalNanos / 5);
		schedule(this.intervalNanos + jitter);
	}

	private void report(int score) {
		int reported = score;
		while (true) {
			this.sink.healthScore(reported, HealthScore.isHealthy(reported));
			int now = this.score.score();
			if (now == reported) {
				return;
			}
			reported = now;
		}
	}

	@Override
	public String toString() {
		return "ActiveHealthCheck[" + this.request.uri() + ", " + this.score + "]";
	}

	/**
	 * One check in flight: answered, timed out on the scheduler, or disposed, whichever comes first. Disposing it
	 * cancels the request.
	 */
	private final class Check implements Disposable {

		private final AtomicBoolean done = new AtomicBoolean();

		private volatile @Nullable Disposable timer;

		private volatile @Nullable CompletableFuture<HttpResponse<Void>> future;

		void start() {
			ActiveHealthCheck.this.inFlight.incrementAndGet();
			try {
				this.timer = ActiveHealthCheck.this.scheduler.schedule(() -> finish(false), ActiveHealthCheck.this.timeoutNanos,
						TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				dispose();
				stop();
				return;
			}
			CompletableFuture<HttpResponse<Void>> sent = ActiveHealthCheck.this.http
				.sendAsync(ActiveHealthCheck.this.request, HttpResponse.BodyHandlers.discarding());
			this.future = sent;
			sent.whenComplete((response, ex) -> finish(ex == null && response.statusCode() >= 200
					&& response.statusCode() < 300));
			if (this.done.get()) {
				// Timed out or disposed before the future was known.
				sent.cancel(true);
			}
		}

		private void finish(boolean success) {
			if (end()) {
				completed(success);
			}
		}

		private boolean end() {
			if (!this.done.compareAndSet(false, true)) {
				return false;
			}
			ActiveHealthCheck.this.inFlight.decrementAndGet();
			Disposable scheduled = this.timer;
			if (scheduled != null) {
				scheduled.dispose();
			}
			CompletableFuture<HttpResponse<Void>> sent = this.future;
			if (sent != null && !sent.isDone()) {
				sent.cancel(true);
			}
			return true;
		}

		@Override
		public void dispose() {
			end();
		}

		@Override
		public boolean isDisposed() {
			return this.done.get();
		}

	}

}
