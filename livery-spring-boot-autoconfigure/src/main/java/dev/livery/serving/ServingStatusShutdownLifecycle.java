package dev.livery.serving;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Puts the store in its {@link ServingStatusStore#enterTerminalState() terminal state} as soon as the application
 * context starts to close, then keeps the application serving for a drain time before anything stops: every service
 * turns {@code NOT_SERVING}, watchers are told and their streams complete, and pollers and load balancers have the
 * drain time to move away while the servers still answer (the in-process version of a Kubernetes {@code preStop}
 * sleep).
 *
 * <p>
 * It acts on the {@link ContextClosedEvent} of its own context, which Spring publishes before it stops any
 * lifecycle, so it precedes every server whatever its phase: Spring Boot's graceful shutdown
 * ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}) and web server
 * ({@code START_STOP_LIFECYCLE_PHASE}), and also servers that stop in the same phase as this lifecycle, such as
 * Spring gRPC's ({@code Integer.MAX_VALUE}). As a {@link SmartLifecycle} it also acts when the context is only
 * stopped. Either way it acts once.
 *
 * @since 0.1.0
 */
public class ServingStatusShutdownLifecycle
		implements SmartLifecycle, ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

	private static final Log logger = LogFactory.getLog(ServingStatusShutdownLifecycle.class);

	private final ServingStatusStore store;

	private final Duration drainTime;

	private final Sleeper sleeper;

	private final AtomicBoolean shutDown = new AtomicBoolean();

	private volatile @Nullable ApplicationContext context;

	private volatile boolean running;

	/**
	 * Create a lifecycle for the given store that does not wait after saying {@code NOT_SERVING}.
	 * @param store store to put in its terminal state on shutdown
	 */
	public ServingStatusShutdownLifecycle(ServingStatusStore store) {
		this(store, Duration.ZERO, Sleeper.THREAD);
	}

	/**
	 * Create a lifecycle for the given store.
	 * @param store store to put in its terminal state on shutdown
	 * @param drainTime how long to keep serving after saying {@code NOT_SERVING}; zero for no wait
	 * @param sleeper how to wait; {@link Sleeper#THREAD} in production
	 * @throws IllegalArgumentException if the drain time is negative
	 * @since 0.2.0
	 */
	public ServingStatusShutdownLifecycle(ServingStatusStore store, Duration drainTime, Sleeper sleeper) {
		if (drainTime == null || drainTime.isNegative()) {
			throw new IllegalArgumentException("Drain time must not be negative, but was " + drainTime);
		}
		this.store = Objects.requireNonNull(store, "store must not be null");
		this.drainTime = drainTime;
		this.sleeper = Objects.requireNonNull(sleeper, "sleeper must not be null");
	}

	/**
	 * Return how long the application keeps serving after saying {@code NOT_SERVING}.
	 * @return the drain time, zero for none
	 * @since 0.2.0
	 */
	public Duration getDrainTime() {
		return this.drainTime;
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		// Child contexts (Spring Cloud's per-client ones among them) pass their events up: act on our own only.
		if (event.getApplicationContext() == this.context) {
			shutDown();
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		shutDown();
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE;
	}

	private void shutDown() {
		if (!this.shutDown.compareAndSet(false, true)) {
			return;
		}
		this.store.enterTerminalState();
		if (this.drainTime.isZero()) {
			return;
		}
		logger.info("Serving status is NOT_SERVING; draining for " + this.drainTime + " before the servers stop");
		try {
			this.sleeper.sleep(this.drainTime);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Waits for the drain time; replaceable so that tests control time.
	 *
	 * @since 0.2.0
	 */
	@FunctionalInterface
	public interface Sleeper {

		/**
		 * Sleeps on the calling thread with {@link Thread#sleep(Duration)}.
		 */
		Sleeper THREAD = (duration) -> Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);

		/**
		 * Wait for the given time.
		 * @param duration how long, positive
		 * @throws InterruptedException if the thread is interrupted while waiting
		 */
		void sleep(Duration duration) throws InterruptedException;

	}

}
