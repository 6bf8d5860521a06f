package dev.livery.loadbalancer;

/**
 * Creates the {@link Lease} for a pick, so that an integration's lease can also be the object its framework needs
 * per request and a pick allocates exactly one object.
 *
 * @param <T> the type of what endpoints stand for
 * @param <L> the type of lease created
 * @since 0.1.0
 */
@FunctionalInterface
public interface LeaseFactory<T, L extends Lease<T>> {

	/**
	 * Create a lease by calling {@link Lease#Lease(Endpoint, long, boolean)} with these arguments unchanged.
	 * @param endpoint the picked endpoint
	 * @param probeToken the probe token
	 * @param tracked whether the lease holds an in-flight slot
	 * @return the lease
	 */
	L create(Endpoint<T> endpoint, long probeToken, boolean tracked);

}
