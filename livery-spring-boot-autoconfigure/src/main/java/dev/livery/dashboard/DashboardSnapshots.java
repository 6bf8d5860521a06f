package dev.livery.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.jspecify.annotations.Nullable;

import dev.livery.concurrency.ConcurrencyLimiter;
import dev.livery.loadbalancer.Endpoint;
import dev.livery.loadbalancer.EndpointPool;
import dev.livery.loadbalancer.EndpointPools;
import dev.livery.loadbalancer.EndpointState;
import dev.livery.serving.ServingStatus;
import dev.livery.serving.ServingStatusStore;

/**
 * Takes the dashboard's snapshots: one JSON document with every load-balanced service and its endpoints, the
 * server concurrency limit and the serving statuses, with rates computed from the change of cumulative counters
 * since the previous snapshot. Each source is optional; a snapshot has a member only for the sources there are.
 *
 * <p>An instance is one run of the dashboard's ticker: it remembers the previous snapshot's counters, so it is
 * meant to be called by one thread at a time (the ticker's) and dropped when the ticker stops. Its first snapshot
 * has no rates.
 *
 * @since 0.2.0
 * @see Dashboard
 */
public final class DashboardSnapshots {

	/*
	 * Implementation note: a snapshot reads only what the request path already maintains (the endpoints' volatile
	 * fields, the limiter's counters, the store's map) and writes nothing to it, so watching costs the request path
	 * nothing. Rates are differences of cumulative counters between two snapshots divided by the time between them,
	 * as Prometheus' rate() does, so a snapshot that comes late still reports the right rate. The previous counters
	 * are kept per Endpoint object (identity): an endpoint that leaves and comes back is a new object and starts
	 * without a rate, and the entries of endpoints no longer seen are swept after each snapshot. The JSON is written
	 * into one reused buffer without a JSON library; the only per-snapshot allocations of any size are the returned
	 * String and the lists the sources hand out.
	 */

	private final @Nullable EndpointPools<?> pools;

	private final @Nullable ConcurrencyLimiter limiter;

	private final @Nullable ServingStatusStore serving;

	private final @Nullable String application;

	private final StringBuilder buffer = new StringBuilder(8192);

	private final JsonWriter json = new JsonWriter(this.buffer);

	private final Map<Endpoint<?>, Counts> counts = new HashMap<>();

	private final List<String> serviceIds = new ArrayList<>();

	private final Totals totals = new Totals();

	private long previousNanos;

	private boolean first = true;

	private long previousRejected;

	private int generation;

	/**
	 * Create a run of snapshots over the given sources.
	 * @param pools the client load balancer's pools, or {@code null} if the application has none
	 * @param limiter the server concurrency limiter, or {@code null} if the application has none
	 * @param serving the serving-status store, or {@code null} if the application has none
	 * @param application the application's name, shown by the page, or {@code null}
	 */
	public DashboardSnapshots(@Nullable EndpointPools<?> pools, @Nullable ConcurrencyLimiter limiter,
			@Nullable ServingStatusStore serving, @Nullable String application) {
		this.pools = pools;
		this.limiter = limiter;
		this.serving = serving;
		this.application = application;
	}

	/**
	 * Take a snapshot.
	 * @param nanoTime the current reading of a monotonic clock in nanoseconds; only the difference from the
	 * previous call matters
	 * @return the snapshot as a JSON object
	 */
	public String take(long nanoTime) {
		double seconds = this.first ? 0 : (nanoTime - this.previousNanos) / 1e9;
		boolean rates = seconds > 0;
		JsonWriter json = this.json.reset();
		json.beginObject();
		if (this.application != null) {
			json.name("application").value(this.application);
		}
		if (this.pools != null) {
			writeServices(this.pools, rates, seconds);
		}
		if (this.limiter != null) {
			writeConcurrency(this.limiter, rates, seconds);
		}
		if (this.serving != null) {
			writeServing(this.serving);
		}
		json.endObject();
		this.previousNanos = nanoTime;
		this.first = false;
		return this.buffer.toString();
	}

	/**
	 * Return the number of endpoints whose counters this run remembers.
	 */
	int trackedEndpoints() {
		return this.counts.size();
	}

	// --- services ---

	private void writeServices(EndpointPools<?> pools, boolean rates, double seconds) {
		int generation = ++this.generation;
		List<String> serviceIds = this.serviceIds;
		serviceIds.clear();
		serviceIds.addAll(pools.pools().keySet());
		Collections.sort(serviceIds);
		JsonWriter json = this.json;
		json.name("services").beginArray();
		int seen = 0;
		for (String serviceId : serviceIds) {
			EndpointPool<?> pool = pools.get(serviceId);
			if (pool != null) {
				seen += writeService(serviceId, pool, generation, rates, seconds);
			}
		}
		json.endArray();
		if (this.counts.size() > seen) {
			this.counts.values().removeIf((counts) -> counts.generation != generation);
		}
	}

	private int writeService(String serviceId, EndpointPool<?> pool, int generation, boolean rates, double seconds) {
		JsonWriter json = this.json;
		Totals totals = this.totals;
		totals.clear();
		json.beginObject().name("service").value(serviceId).name("policy").value(pool.settings().policy().id());
		json.name("panic").value(pool.health().isPanic());
		json.name("endpoints").beginArray();
		List<? extends Endpoint<?>> endpoints = pool.endpoints();
		for (Endpoint<?> endpoint : endpoints) {
			EndpointState state = endpoint.state();
			Counts counts = this.counts.computeIfAbsent(endpoint, (key) -> new Counts());
			counts.advance(endpoint, generation, rates);
			writeEndpoint(json, endpoint, state, counts, seconds);
			totals.add(endpoint, state, counts);
		}
		json.endArray();
		json.name("inFlight").value(totals.inFlight);
		json.name("states")
			.beginObject()
			.name("UP")
			.value(totals.up)
			.name("EJECTED")
			.value(totals.ejected)
			.name("PROBING")
			.value(totals.probing)
			.name("DRAINED")
			.value(totals.drained)
			.endObject();
		if (totals.withRate > 0) {
			writeRates(json, totals.completed, totals.failed, seconds);
		}
		json.endObject();
		return endpoints.size();
	}

	/**
	 * Write one endpoint: everything the page shows of it. The one place that maps an {@link Endpoint} to JSON; a
	 * member the endpoint cannot tell (no rate yet, no ejection under way, no health source, no latency estimate,
	 * no ramp) is left out rather than written as zero.
	 * @param json the writer, positioned where the endpoint's object goes
	 * @param endpoint the endpoint
	 * @param state its state, read once for this snapshot
	 * @param counts its counters now and the change since the previous snapshot
	 * @param seconds time since the previous snapshot
	 */
	private static void writeEndpoint(JsonWriter json, Endpoint<?> endpoint, EndpointState state, Counts counts,
			double seconds) {
		json.beginObject();
		json.name("endpoint").value(endpoint.key());
		json.name("state").value(state.name());
		json.name("inFlight").value(endpoint.inFlight());
		json.name("consecutiveFailures").value(endpoint.consecutiveFailures());
		json.name("ejections").value(endpoint.ejections());
		json.name("weight").value(endpoint.weight());
		if (state == EndpointState.EJECTED) {
			json.name("ejectionTimeRemainingMillis").value(endpoint.ejectionTimeRemaining().toMillis());
		}
		json.name("health").value(endpoint.health().name());
		OptionalInt score = endpoint.healthScore();
		if (score.isPresent()) {
			json.name("healthScore").value(score.getAsInt());
		}
		String servingStatus = endpoint.servingStatus();
		if (servingStatus != null) {
			json.name("servingStatus").value(servingStatus);
		}
		Duration latency = endpoint.latencyEstimate();
		if (latency != null) {
			json.name("latencyMillis").value(latency.toNanos() / 1e6, 3);
		}
		double rampUp = endpoint.rampUp();
		if (rampUp < 1.0) {
			json.name("rampUp").value(rampUp, 3);
		}
		if (counts.hasDelta) {
			writeRates(json, counts.deltaCompleted, counts.deltaFailed, seconds);
		}
		json.endObject();
	}

	private static void writeRates(JsonWriter json, long completed, long failed, double seconds) {
		json.name("requestsPerSecond").value(completed / seconds, 2);
		if (completed > 0) {
			json.name("errorRate").value((double) failed / completed, 4);
		}
	}


	// --- concurrency limit ---

	private void writeConcurrency(ConcurrencyLimiter limiter, boolean rates, double seconds) {
		long rejected = limiter.rejected();
		JsonWriter json = this.json;
		json.name("concurrency").beginObject();
		json.name("limit").value(limiter.limit());
		json.name("inFlight").value(limiter.inFlight());
		json.name("rejected").value(rejected);
		if (rates) {
			json.name("rejectedPerSecond").value(Math.max(0, rejected - this.previousRejected) / seconds, 2);
		}
		json.endObject();
		this.previousRejected = rejected;
	}

	// --- serving status ---

	private void writeServing(ServingStatusStore serving) {
		JsonWriter json = this.json;
		json.name("serving").beginObject();
		for (Map.Entry<String, ServingStatus> entry : serving.all().entrySet()) {
			json.name(entry.getKey()).value(entry.getValue().name());
		}
		json.endObject();
	}

	/**
	 * An endpoint's cumulative counters at the previous snapshot, and their change since.
	 */
	private static final class Counts {

		/** Completed requests (successes and failures) at the previous snapshot; -1 before the first. */
		long completed = -1;

		long failed;

		long deltaCompleted;

		long deltaFailed;

		/** Whether the deltas span the time since the previous snapshot. */
		boolean hasDelta;

		/** Generation of the last snapshot that saw the endpoint; older entries are swept. */
		int generation;

		void advance(Endpoint<?> endpoint, int generation, boolean rates) {
			this.generation = generation;
			long failed = endpoint.failures();
			long completed = endpoint.successes() + failed;
			this.hasDelta = rates && this.completed >= 0;
			if (this.hasDelta) {
				// Counters only grow; max() keeps a rate sane should one ever be reset under us.
				this.deltaCompleted = Math.max(0, completed - this.completed);
				this.deltaFailed = Math.min(this.deltaCompleted, Math.max(0, failed - this.failed));
			}
			this.completed = completed;
			this.failed = failed;
		}

	}

	/**
	 * One service's totals over its endpoints, reused from service to service.
	 */
	private static final class Totals {

		int up;

		int ejected;

		int probing;

		int drained;

		long inFlight;

		long completed;

		long failed;

		int withRate;

		void clear() {
			this.up = 0;
			this.ejected = 0;
			this.probing = 0;
			this.drained = 0;
			this.inFlight = 0;
			this.completed = 0;
			this.failed = 0;
			this.withRate = 0;
		}

		void add(Endpoint<?> endpoint, EndpointState state, Counts counts) {
			switch (state) {
				case UP -> this.up++;
				case EJECTED -> this.ejected++;
				case PROBING -> this.probing++;
				case DRAINED -> this.drained++;
			}
			this.inFlight += endpoint.inFlight();
			if (counts.hasDelta) {
				this.completed += counts.deltaCompleted;
				this.failed += counts.deltaFailed;
				this.withRate++;
			}
		}

	}

}
