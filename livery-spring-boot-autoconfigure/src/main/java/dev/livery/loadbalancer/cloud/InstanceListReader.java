package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Reads a service's instance list from its {@link ServiceInstanceListSupplier}, bounded in time: a supplier that
 * never answers, fails or throws costs one timeout, never a stuck refresh, and leaves the members as they were.
 */
final class InstanceListReader {

	/*
	 * Implementation note: a read is Mono.defer(supplier.get().next()).timeout(...), so that a synchronous throw from
	 * get() becomes an error signal instead of escaping into choose(), and a supplier that never emits (or emits and
	 * never completes: next() takes the first list) ends at the timeout. At most one background refresh runs at a
	 * time: the flag is set by a compare-and-set and cleared on every terminal signal of the read (doFinally covers
	 * the list, an error, the timeout and a synchronous throw alike), so a refresh can only be late, never stuck.
	 */

	private static final Log logger = LogFactory.getLog(InstanceListReader.class);

	private final String serviceId;

	private final Supplier<ServiceInstanceListSupplier> supplier;

	private final Duration timeout;

	private final Scheduler timer;

	private final AtomicBoolean refreshing = new AtomicBoolean();

	/**
	 * Create a reader.
	 * @param serviceId the service
	 * @param supplier the service's supplier, looked up on every read
	 * @param timeout how long one read may take
	 * @param timer the scheduler of the timeout
	 */
	InstanceListReader(String serviceId, Supplier<ServiceInstanceListSupplier> supplier, Duration timeout,
			Scheduler timer) {
		this.serviceId = serviceId;
		this.supplier = supplier;
		this.timeout = timeout;
		this.timer = timer;
	}

	/**
	 * Return one bounded read of the instance list, which the first request of a service waits for: the list, or
	 * empty if the supplier failed, threw or did not answer in time (logged).
	 * @return the read
	 */
	Mono<List<ServiceInstance>> read() {
		return bounded().onErrorResume((ex) -> {
			logger.warn("Could not list the instances of service '" + this.serviceId + "'", ex);
			return Mono.empty();
		});
	}

	/**
	 * Start a background read unless one is running, and hand its list, if any, to {@code install}.
	 * @param install what to do with the list
	 * @return whether a read was started
	 */
	boolean refresh(Consumer<List<ServiceInstance>> install) {
		if (!this.refreshing.compareAndSet(false, true)) {
			return false;
		}
		bounded().doFinally((signal) -> this.refreshing.set(false))
			.subscribe(install, (ex) -> logger.debug("Could not refresh the instances of service '" + this.serviceId
					+ "'; keeping the last ones", ex));
		return true;
	}

	/**
	 * Return whether a background read is running.
	 * @return whether a refresh is running
	 */
	boolean isRefreshing() {
		return this.refreshing.get();
	}

	private Mono<List<ServiceInstance>> bounded() {
		return Mono.defer(() -> this.supplier.get().get().next()).timeout(this.timeout, this.timer);
	}

}
