package dev.livery.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointHealth;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.PoolListener;

/**
 * What happened during the demo, in order: the story's steps and what livery did about them. Livery's side arrives
 * as a {@link PoolListener} bean of the client application, the way an application would log or alert on it:
 * ejections and probes, and the health changes its serving watch ({@code livery.loadbalancer.serving-watch.enabled})
 * brings when a backend says {@code NOT_SERVING} or {@code SERVING}.
 */
final class DemoEvents implements PoolListener {

	/**
	 * Kinds of event.
	 */
	enum Kind {

		/** A step of the story. */
		STEP,
		/** livery ejected a backend. */
		EJECTED,
		/** A probe found the backend well: reinstated. */
		PROBE_SUCCEEDED,
		/** A probe failed: ejected again, for longer. */
		PROBE_FAILED,
		/** livery took a backend out of rotation: it said NOT_SERVING on its watch stream. */
		DRAINED,
		/** livery put a backend back into rotation: it said SERVING again. */
		RESTORED

	}

	/**
	 * One event.
	 *
	 * @param seconds when, since the story began
	 * @param kind what
	 * @param backend which backend, or {@code null} for a step
	 * @param text the line to show
	 */
	record Event(double seconds, Kind kind, String backend, String text) {

		@Override
		public String toString() {
			return DemoClock.format(this.seconds) + "  " + this.text;
		}

	}

	private final DemoClock clock;

	private final PrintStream out;

	private final Map<String, String> names = new ConcurrentHashMap<>();

	private final List<Event> events = new ArrayList<>();

	/** Endpoints whose probe just failed; the ejection that follows is a repeat. */
	private final Map<String, Boolean> failedProbes = new ConcurrentHashMap<>();

	DemoEvents(DemoClock clock, PrintStream out) {
		this.clock = clock;
		this.out = out;
	}

	void name(String key, String name) {
		this.names.put(key, name);
	}

	String nameOf(String key) {
		return this.names.getOrDefault(key, key);
	}

	@Override
	public void onEjection(EndpointPool<?> pool, Endpoint<?> endpoint) {
		String name = nameOf(endpoint.key());
		Duration out = endpoint.ejectionTimeRemaining();
		String why = (this.failedProbes.remove(endpoint.key()) != null) ? "ejected again, for longer"
				: "ejected after " + pool.outlier().consecutiveFailures() + " failures in a row";
		record(Kind.EJECTED, name, name + " " + why + ", out for " + seconds(out));
	}

	@Override
	public void onProbe(EndpointPool<?> pool, Endpoint<?> endpoint, boolean success) {
		String name = nameOf(endpoint.key());
		if (success) {
			record(Kind.PROBE_SUCCEEDED, name, name + " probed: answered well, reinstated");
		}
		else {
			this.failedProbes.put(endpoint.key(), Boolean.TRUE);
			record(Kind.PROBE_FAILED, name, name + " probed: still failing");
		}
	}

	@Override
	public void onHealthChanged(EndpointPool<?> pool, Endpoint<?> endpoint) {
		String name = nameOf(endpoint.key());
		if (endpoint.health() == EndpointHealth.UNHEALTHY) {
			record(Kind.DRAINED, name, name + " said " + endpoint.servingStatus()
					+ " on its watch stream: out of rotation, no new calls go there");
		}
		else {
			record(Kind.RESTORED, name, name + " said " + endpoint.servingStatus() + " on its watch stream: back in rotation");
		}
	}

	void step(String text) {
		record(Kind.STEP, null, text);
	}

	void record(Kind kind, String backend, String text) {
		Event event = new Event(this.clock.seconds(), kind, backend, text);
		synchronized (this) {
			this.events.add(event);
		}
		String marker = (kind == Kind.STEP) ? "==> " : "  livery: ";
		synchronized (this.out) {
			this.out.println(DemoClock.format(event.seconds()) + "  " + marker + text);
		}
	}

	synchronized List<Event> events() {
		return List.copyOf(this.events);
	}

	private static String seconds(Duration duration) {
		return String.format("%.1f s", duration.toMillis() / 1000.0);
	}

}
