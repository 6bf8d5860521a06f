package dev.livery.loadbalancer;

import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * When an {@link EndpointPool} next looks for an expired ejection, and the scan that leases its probe. Lock-free;
 * package-private, one per pool.
 *
 * @param <T> the type of what endpoints stand for
 */
final class ProbeSchedule<T> {

	/*
	 * The pool looks for expired ejections only while something is ejected, and then only once the clock passes
	 * nextProbeAt, a lower bound of every EJECTED or PROBING deadline. Every transition that sets a deadline (eject,
	 * probe lease, failed probe, cancelled probe, a health change that lets a kept-out endpoint be probed) publishes
	 * it with publish(deadline): CAS of the endpoint's status, then a bump of deadlineVersion, then nextProbeAt =
	 * min(nextProbeAt, deadline). A scan may raise nextProbeAt to the earliest deadline it saw, which is only safe if
	 * no deadline appeared behind its back: it reads deadlineVersion before the scan, writes its result, and scans
	 * again if the version moved. That is enough: a deadline the scan missed was set by a status CAS after the scan
	 * read that endpoint, hence bumped the version after the scan began; if the bump came before the scan's write,
	 * the scan sees it and retries; if after, so did the publish's min, which lowers the scan's write. The scan reads
	 * the member array after the version, so an endpoint that joined and was ejected before the scan began is in it.
	 * Expired deadlines that a scan does not turn into a probe (a lost CAS, the endpoint a retry avoids) count as
	 * due, so the next pick looks again. An endpoint whose health (under the current mask) keeps it out is not
	 * probed and does not count towards nextProbeAt; when its health improves, or panic changes the mask, the pool
	 * publishes `now`, so the argument above still holds. EndpointPoolLincheckTests model-checks this.
	 */

	private final EndpointPool<T> pool;

	/** At most the earliest deadline (ticks) of an EJECTED or PROBING endpoint; Long.MAX_VALUE if none. */
	private final AtomicLong nextProbeAt = new AtomicLong(Long.MAX_VALUE);

	/** Bumped by every new deadline before it lowers nextProbeAt; see the implementation note. */
	private final AtomicLong deadlineVersion = new AtomicLong();

	ProbeSchedule(EndpointPool<T> pool) {
		this.pool = pool;
	}

	/**
	 * Publish a deadline just set by a status CAS.
	 * @param deadline the deadline, in the pool's ticks
	 */
	void publish(long deadline) {
		this.deadlineVersion.incrementAndGet();
		this.nextProbeAt.accumulateAndGet(deadline, Math::min);
	}

	/**
	 * Lease the probe of an expired ejection, if one is due.
	 * @param <L> the type of lease
	 * @param factory creates the lease
	 * @param avoid an endpoint not to probe, or {@code null}
	 * @param tracked whether the lease takes an in-flight slot
	 * @param candidates the endpoints that may be probed, or {@code null} for all
	 * @param now the pool's clock for this pick (the lease's start under a latency-aware policy)
	 * @return the probe's lease, or {@code null} if no probe is due or another pick won it
	 */
	<L extends Lease<T>> @Nullable L tryProbe(LeaseFactory<T, L> factory, @Nullable Endpoint<T> avoid, boolean tracked,
			Endpoint<T> @Nullable [] candidates, long now) {
		EndpointPool<T> pool = this.pool;
		if (now < this.nextProbeAt.get()) {
			return null;
		}
		OutlierDetection outlier = pool.outlier();
		for (int attempt = 0; attempt < 3; attempt++) {
			long version = this.deadlineVersion.get();
			// Read after the version: an endpoint whose deadline was published before it is in this array.
			Endpoint<T>[] current = pool.members();
			long earliest = Long.MAX_VALUE;
			for (Endpoint<T> endpoint : current) {
				long word = endpoint.status();
				int state = Endpoint.stateOf(word);
				if (state != Endpoint.EJECTED && state != Endpoint.PROBING) {
					continue;
				}
				int health = endpoint.healthBits();
				if ((health & Endpoint.BAD) != 0 && (health & pool.unhealthyMask()) != 0) {
					// Kept out by its health: not probed, and not due until its health improves.
					continue;
				}
				long deadline = Endpoint.deadlineOf(word);
				if (now >= deadline && endpoint != avoid && contains(candidates, endpoint)) {
					// EJECTED and expired, or PROBING with a lapsed probe: one CAS wins the lease.
					long lapse = tracked ? outlier.maxEjectionTime().toNanos() : outlier.ejectionTime().toNanos();
					long token = Endpoint.pack(Endpoint.PROBING, now + lapse);
					if (endpoint.casStatus(word, token)) {
						publish(Endpoint.deadlineOf(token));
						if (tracked) {
							pool.acquire(endpoint, now);
						}
						return factory.create(endpoint, token, tracked);
					}
				}
				// Not probed by this pick (not expired, avoided, or the CAS lost to another transition).
				earliest = Math.min(earliest, deadline);
			}
			this.nextProbeAt.set(earliest);
			if (this.deadlineVersion.get() == version) {
				return null;
			}
		}
		// Deadlines keep appearing while this pick scans: leave the schedule due, so that a later pick looks again.
		this.nextProbeAt.accumulateAndGet(now, Math::min);
		return null;
	}

	private static boolean contains(Endpoint<?> @Nullable [] candidates, Endpoint<?> endpoint) {
		if (candidates == null) {
			return true;
		}
		for (Endpoint<?> candidate : candidates) {
			if (candidate == endpoint) {
				return true;
			}
		}
		return false;
	}

}
