package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.List;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier;
import org.junit.jupiter.api.Test;

/**
 * Model checking of {@link EndpointPool} with Lincheck: every interleaving, up to the configured bounds, of picks
 * with their outcomes (success, failure, cancel), probes, ejections, the passing of time and membership changes is
 * run, and after each the pool must be consistent and must not have stranded an endpoint: once every ejection has
 * expired, picks probe and reinstate every ejected endpoint.
 *
 * <p>Operations return nothing and the verifier accepts any results: what is checked is the invariant in
 * {@link #validate()}, not linearizability (a pick's result is random by design).
 */
public class EndpointPoolLincheckTests {

	private static final Duration EJECTION = Duration.ofSeconds(10);

	private static final OutlierDetection OUTLIER = new OutlierDetection(true, 1, EJECTION, Duration.ofSeconds(40),
			100);

	private final FakeTicker ticker = new FakeTicker();

	// Round robin: the model checker replays each interleaving, so the picks must not depend on a random draw.
	private final EndpointPool<String> pool = new EndpointPool<>("svc",
			PoolSettings.DEFAULTS.withPolicy(PickPolicyType.ROUND_ROBIN).withOutlier(OUTLIER), (m) -> m, this.ticker,
			PoolListener.NONE);

	public EndpointPoolLincheckTests() {
		this.pool.update(List.of("a:1", "b:1", "c:1"));
		// Start with one endpoint ejected and its ejection expired: the next pick probes it.
		Lease<String> lease = this.pool.pick();
		lease.recordFailure();
		this.ticker.advance(EJECTION);
	}

	@Operation
	public void pickAndSucceed() {
		Lease<String> lease = this.pool.pick();
		if (lease != null) {
			lease.recordSuccess();
		}
	}

	@Operation
	public void pickAndFail() {
		Lease<String> lease = this.pool.pick();
		if (lease != null) {
			lease.recordFailure();
		}
	}

	@Operation
	public void pickAndCancel() {
		Lease<String> lease = this.pool.pick();
		if (lease != null) {
			lease.release();
		}
	}

	@Operation
	public void passTime() {
		this.ticker.advance(EJECTION);
	}

	@Operation
	public void leave() {
		this.pool.remove("c:1");
	}

	@Operation
	public void join() {
		this.pool.add("c:1");
	}

	@Validate
	public void validate() {
		for (Endpoint<String> endpoint : this.pool.endpoints()) {
			if (endpoint.inFlight() != 0) {
				throw new IllegalStateException("in flight left on " + endpoint);
			}
		}
		// Let every ejection expire; then each pick probes one expired endpoint and the probe's success reinstates it.
		this.ticker.advance(Duration.ofSeconds(41));
		int members = this.pool.endpoints().size();
		for (int i = 0; i < 2 * members; i++) {
			Lease<String> lease = this.pool.pick();
			if (lease != null) {
				lease.recordSuccess();
			}
		}
		for (Endpoint<String> endpoint : this.pool.endpoints()) {
			if (endpoint.state() != EndpointState.UP) {
				throw new IllegalStateException("stranded: " + endpoint + " in " + this.pool);
			}
		}
	}

	/**
	 * On the pool of 0.1 this found, in seconds, the interleaving of issue 9's first defect: a pick loses the probe CAS
	 * on an expired endpoint while the winner's probe fails and ejects it again; the loser then overwrote the schedule
	 * with "nothing ejected", and the endpoint stayed EJECTED for good.
	 */
	@Test
	void modelCheck() {
		new ModelCheckingOptions().verifier(EpsilonVerifier.class)
			.threads(2)
			.actorsPerThread(2)
			.actorsBefore(0)
			.actorsAfter(0)
			.iterations(20)
			.invocationsPerIteration(300)
			.check(EndpointPoolLincheckTests.class);
	}

}
