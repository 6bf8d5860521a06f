package dev.livery.dashboard;

import org.springframework.context.SmartLifecycle;

/**
 * {@link SmartLifecycle} that {@link Dashboard#close() closes} the dashboard's feed when the application context
 * starts to close, so that open pages do not hold up a graceful shutdown.
 *
 * <p>Lifecycles stop in descending phase order. This one stops in {@code DEFAULT_PHASE - 512}: after the
 * serving-status shutdown lifecycle ({@code DEFAULT_PHASE}), so that an open page still shows the application's
 * {@code NOT_SERVING}, and before Spring Boot's graceful shutdown ({@code DEFAULT_PHASE - 1024}), which waits for
 * open exchanges to end.
 *
 * @since 0.2.0
 */
public class DashboardShutdownLifecycle implements SmartLifecycle {

	private final Dashboard dashboard;

	private volatile boolean running;

	/**
	 * Create a lifecycle for the given feed.
	 * @param dashboard the feed to close on shutdown
	 */
	public DashboardShutdownLifecycle(Dashboard dashboard) {
		this.dashboard = dashboard;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.dashboard.close();
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE - 512;
	}

}
