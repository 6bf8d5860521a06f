package dev.livery.serving;

import org.springframework.context.SmartLifecycle;

/**
 * {@link SmartLifecycle} that puts the store in its {@link ServingStatusStore#enterTerminalState() terminal state}
 * as soon as the application context starts to close: every service turns {@code NOT_SERVING}, watchers are told and
 * their streams complete.
 *
 * <p>
 * Lifecycles stop in descending phase order. This one runs in {@link SmartLifecycle#DEFAULT_PHASE}
 * ({@code Integer.MAX_VALUE}), so it stops before Spring Boot's graceful-shutdown lifecycle
 * ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}, {@code Integer.MAX_VALUE - 1024}) and the web server
 * itself ({@code START_STOP_LIFECYCLE_PHASE}, {@code Integer.MAX_VALUE - 2048}): load balancers and watchers learn to
 * drain while the server still answers, and the completed watch streams no longer hold up graceful shutdown.
 *
 * @since 0.1.0
 */
public class ServingStatusShutdownLifecycle implements SmartLifecycle {

	private final ServingStatusStore store;

	private volatile boolean running;

	/**
	 * Create a lifecycle for the given store.
	 * @param store store to put in its terminal state on shutdown
	 */
	public ServingStatusShutdownLifecycle(ServingStatusStore store) {
		this.store = store;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.store.enterTerminalState();
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

}
