package dev.livery.loadbalancer;

/**
 * State of one endpoint in an {@link EndpointPool}.
 *
 * <pre>
 *          consecutive failures           ejection expired: one pick wins the probe lease (CAS)
 *   UP ──────────────────────────▶ EJECTED ─────────────────────────────────────────────▶ PROBING
 *    ▲                                ▲  ◀──────── probe failed: ejected again, for longer ──┘  │
 *    └────────────────────────────────┼───────────── probe succeeded: reinstated ◀───────────────┘
 *                                     │         (a cancelled probe returns to EJECTED, already expired)
 *   any state ── drain ──▶ DRAINED ── restore ──▶ UP
 * </pre>
 *
 * @since 0.1.0
 */
public enum EndpointState {

	/**
	 * Eligible for picks.
	 */
	UP,

	/**
	 * Failed {@code consecutive-failures} times in a row; receives nothing until the ejection expires.
	 */
	EJECTED,

	/**
	 * Ejection expired and exactly one request, the probe, is on its way; nobody else is sent here until it
	 * answers.
	 */
	PROBING,

	/**
	 * Taken out by an operator; stays out, even while discovery still lists it, until restored.
	 */
	DRAINED

}
