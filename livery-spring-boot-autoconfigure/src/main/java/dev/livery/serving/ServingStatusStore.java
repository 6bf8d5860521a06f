package dev.livery.serving;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Thread-safe store of per-service {@link ServingStatus serving statuses} with live watch streams, following the
 * gRPC health model.
 *
 * <p>
 * The empty name {@value #SERVER} stands for the whole server: it starts {@link ServingStatus#SERVING SERVING}, is
 * always known and cannot be cleared. A named service is unknown until it is {@link #set set} and again after it is
 * {@link #clear cleared}. {@link #watch(String) Watchers} get the current status first and then every change;
 * {@link #enterTerminalState()} sets everything {@link ServingStatus#NOT_SERVING NOT_SERVING}, ignores later updates
 * and completes every watch stream.
 *
 * <p>
 * Implementation note. The semantics are those of grpc-java's {@code HealthStatusManager} /
 * {@code HealthServiceImpl} ({@code grpc.health.v1}): watchers are told only of changes; a watch on an unknown
 * service yields {@link ServingStatus#SERVICE_UNKNOWN SERVICE_UNKNOWN} and stays open; clearing a service tells
 * watchers {@code SERVICE_UNKNOWN}; the terminal state is final. Two deliberate differences: clearing {@code ""} is
 * rejected (in grpc-java it would make the server unknown, and a stray clear must not silently reopen or close
 * traffic), and a watcher that cannot keep up sees the newest status rather than a queue of stale ones.
 * <ul>
 * <li><b>State.</b> One {@link ConcurrentHashMap} maps a service to an immutable {@code Entry} holding its status
 * ({@code null} = unknown) and the array of its watchers. Every mutation is a compare-and-set loop of whole entries
 * ({@code putIfAbsent} / {@code replace(k, old, new)} / {@code remove(k, old)}, compared by identity), so a status
 * change and the watcher list it is delivered to are always read together. The only locks are the map's per-bin
 * monitors, held for a constant-time swap; no lock is held while a watcher or a listener runs. Status changes are
 * rare and watcher churn is per connection, so copying the watcher array on subscribe/cancel is cheaper than any
 * finer structure.</li>
 * <li><b>Invariant: an entry exists only while it has a status or a watcher</b> (and {@code ""} always). A cancelled
 * or completed watcher removes itself at once, and the entry of an unknown service goes with its last watcher, so
 * watching arbitrary names cannot grow the map.</li>
 * <li><b>Latest wins.</b> A watcher has no queue. It remembers the last status it emitted; whenever signalled it
 * reads the service's current status and, if that differs and the subscriber has demand, emits it. Signals are
 * coalesced by a work-in-progress counter (the usual Reactor drain loop), so a watcher that never requests costs a
 * setter one atomic increment and cannot block {@link #set set} or other watchers; when it finally requests, it
 * receives the newest status. Statuses set in quick succession may thus be conflated, and a watcher never sees the
 * same status twice in a row. Because the current status is re-read rather than carried by the signal, concurrent
 * setters cannot leave a watcher on a stale status.</li>
 * <li><b>Bounded.</b> At most {@code maxServices} named services have a status. {@code namedServices} counts them:
 * a slot is reserved (a compare-and-set below the bound) before the entry that takes it is published, and given back
 * if that publication loses its race or when the service is cleared, so the bound holds under any interleaving and a
 * refused {@link #set set} changes nothing.</li>
 * <li><b>Terminal state.</b> {@code terminal} is raised first (setters and clears re-check it inside their
 * compare-and-set loops, and a setter that raced it forces its own service back to {@code NOT_SERVING}), then every
 * known service is set {@code NOT_SERVING}, then {@code closed} is raised and every watcher signalled. A watcher
 * completes only once closed and after emitting {@code NOT_SERVING} or {@code SERVICE_UNKNOWN}, so a watcher always
 * learns that it must drain before its stream ends.</li>
 * </ul>
 * Subscriber callbacks run on the thread that changed the status (or requested); a subscriber doing real work in
 * {@code onNext} should hop threads with {@code publishOn}. Such work delays only the thread that happens to be
 * draining that one watcher, never a concurrent setter.
 *
 * @since 0.1.0
 */
public final class ServingStatusStore {

	/**
	 * Name of the whole server.
	 */
	public static final String SERVER = "";

	private static final System.Logger logger = System.getLogger(ServingStatusStore.class.getName());

	private static final ServingStatusWatcher[] NO_WATCHERS = new ServingStatusWatcher[0];

	private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

	private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();

	private final AtomicBoolean terminalEntered = new AtomicBoolean();

	private final int maxServices;

	/**
	 * Named services that have a status, plus slots reserved by setters about to add one.
	 */
	private final AtomicInteger namedServices = new AtomicInteger();

	/**
	 * Raised first on entering the terminal state: no update takes effect afterwards.
	 */
	private volatile boolean terminal;

	/**
	 * Raised once every known service is {@code NOT_SERVING}: watchers complete.
	 */
	volatile boolean closed;

	/**
	 * Create a store in which the server ({@value #SERVER}) is {@code SERVING}, no named service is known, and any
	 * number of named services may get a status.
	 */
	public ServingStatusStore() {
		this(Integer.MAX_VALUE);
	}

	/**
	 * Create a store in which the server ({@value #SERVER}) is {@code SERVING}, no named service is known, and at most
	 * {@code maxServices} named services may have a status at once.
	 * @param maxServices bound on named services with a status ({@value #SERVER} is not counted)
	 * @throws IllegalArgumentException if the bound is negative
	 * @since 0.2.0
	 */
	public ServingStatusStore(int maxServices) {
		if (maxServices < 0) {
			throw new IllegalArgumentException("maxServices must not be negative, but was " + maxServices);
		}
		this.maxServices = maxServices;
		this.entries.put(SERVER, new Entry(ServingStatus.SERVING, NO_WATCHERS));
	}

	/**
	 * Return how many named services may have a status at once.
	 * @return the bound given at construction, {@link Integer#MAX_VALUE} for none
	 * @since 0.2.0
	 */
	public int maxServices() {
		return this.maxServices;
	}

	/**
	 * Set the status of a service and, if it changed, tell its watchers and the listeners. Ignored once the store is
	 * in its terminal state.
	 * @param service service name, {@value #SERVER} for the whole server
	 * @param status new status; {@link ServingStatus#SERVICE_UNKNOWN} is not settable
	 * @return whether the status changed
	 * @throws IllegalArgumentException if the name or status is {@code null} or the status is
	 * {@code SERVICE_UNKNOWN}
	 * @throws TooManyServicesException if the service is a named service without a status and
	 * {@link #maxServices()} named services already have one; nothing changes
	 */
	public boolean set(String service, ServingStatus status) {
		checkService(service);
		if (status == null || !status.isSettable()) {
			throw new IllegalArgumentException("Status must be one of UNKNOWN, SERVING, NOT_SERVING, not " + status);
		}
		if (!update(service, status, false)) {
			return false;
		}
		if (this.terminal) {
			// This update raced enterTerminalState(), which may not have seen it: undo it ourselves.
			update(service, ServingStatus.NOT_SERVING, true);
		}
		return true;
	}

	/**
	 * Read the status of a service.
	 * @param service service name, {@value #SERVER} for the whole server
	 * @return its status; empty for a named service that was never set or was cleared, never empty for
	 * {@value #SERVER}
	 * @throws IllegalArgumentException if the name is {@code null}
	 */
	public Optional<ServingStatus> get(String service) {
		checkService(service);
		Entry entry = this.entries.get(service);
		return Optional.ofNullable((entry != null) ? entry.status : null);
	}

	/**
	 * Return a snapshot of every known service's status.
	 * @return an immutable map from service name to status, sorted by name, always including {@value #SERVER}
	 */
	public Map<String, ServingStatus> all() {
		Map<String, ServingStatus> snapshot = new TreeMap<>();
		this.entries.forEach((service, entry) -> {
			if (entry.status != null) {
				snapshot.put(service, entry.status);
			}
		});
		return Collections.unmodifiableMap(snapshot);
	}

	/**
	 * Forget the status of a named service, so it is unknown again; its watchers see
	 * {@link ServingStatus#SERVICE_UNKNOWN}. Ignored once the store is in its terminal state.
	 * @param service name of a named service
	 * @return whether the service had a status
	 * @throws IllegalArgumentException if the name is {@code null} or {@value #SERVER}
	 */
	public boolean clear(String service) {
		checkService(service);
		if (SERVER.equals(service)) {
			throw new IllegalArgumentException("The server status \"\" cannot be cleared; set it instead");
		}
		for (;;) {
			Entry current = this.entries.get(service);
			if (this.terminal || current == null || current.status == null) {
				return false;
			}
			if (current.watchers.length == 0) {
				if (this.entries.remove(service, current)) {
					this.namedServices.decrementAndGet();
					notifyListeners(service, ServingStatus.SERVICE_UNKNOWN);
					return true;
				}
			}
			else {
				Entry next = new Entry(null, current.watchers);
				if (this.entries.replace(service, current, next)) {
					this.namedServices.decrementAndGet();
					changed(service, ServingStatus.SERVICE_UNKNOWN, next);
					return true;
				}
			}
		}
	}

	/**
	 * Watch the status of a service. The stream emits the current status first
	 * ({@link ServingStatus#SERVICE_UNKNOWN} for an unknown service, and the stream stays open), then every change.
	 * A subscriber that falls behind keeps only the newest undelivered status. The stream completes, after emitting
	 * {@code NOT_SERVING} (or {@code SERVICE_UNKNOWN}), once the store has entered its terminal state; cancelling it
	 * removes the watcher at once.
	 * @param service service name, {@value #SERVER} for the whole server
	 * @return a cold stream; each subscription is one watcher
	 * @throws IllegalArgumentException if the name is {@code null}
	 */
	public Flux<ServingStatus> watch(String service) {
		checkService(service);
		return new ServingStatusWatcher.WatchFlux(this, service);
	}

	/**
	 * Return the number of live watchers of a service.
	 * @param service service name, {@value #SERVER} for the whole server
	 * @return subscriptions to {@link #watch(String)} for that service not yet cancelled nor completed
	 */
	public int watcherCount(String service) {
		checkService(service);
		Entry entry = this.entries.get(service);
		return (entry != null) ? entry.watchers.length : 0;
	}

	/**
	 * Set every known service {@code NOT_SERVING}, ignore every later update, and complete every watch stream once it
	 * has delivered that. Meant for shutdown; calling it again has no effect.
	 */
	public void enterTerminalState() {
		if (!this.terminalEntered.compareAndSet(false, true)) {
			return;
		}
		this.terminal = true;
		for (String service : this.entries.keySet()) {
			update(service, ServingStatus.NOT_SERVING, true);
		}
		this.closed = true;
		for (Entry entry : this.entries.values()) {
			for (ServingStatusWatcher watcher : entry.watchers) {
				watcher.drain();
			}
		}
	}

	/**
	 * Whether {@link #enterTerminalState()} has been called, so updates are ignored.
	 * @return whether the store is in its terminal state
	 */
	public boolean isTerminal() {
		return this.terminal;
	}

	/**
	 * Add a listener told of every status change, after the change and on the thread that made it. Concurrent changes
	 * of one service may reach a listener in either order, so a listener that needs the latest status should read it
	 * from the store (or use {@link #watch(String)}, which is ordered).
	 * @param listener listener to add
	 * @return a handle that removes the listener
	 */
	public Disposable addListener(Listener listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

	/**
	 * Set a known service's status; for {@code NOT_SERVING} during shutdown, {@code force} skips the terminal check.
	 * @return whether the status changed
	 */
	private boolean update(String service, ServingStatus status, boolean force) {
		for (;;) {
			Entry current = this.entries.get(service);
			if (this.terminal && !force) {
				return false;
			}
			if (current == null || current.status == null) {
				if (force) {
					return false;
				}
				// A named service gains a status: take a slot first, give it back if the swap loses.
				boolean counted = !SERVER.equals(service);
				if (counted) {
					reserveSlot(service);
				}
				Entry next = new Entry(status, (current != null) ? current.watchers : NO_WATCHERS);
				boolean swapped = (current != null) ? this.entries.replace(service, current, next)
						: this.entries.putIfAbsent(service, next) == null;
				if (swapped) {
					changed(service, status, next);
					return true;
				}
				if (counted) {
					this.namedServices.decrementAndGet();
				}
			}
			else {
				if (current.status == status) {
					return false;
				}
				Entry next = new Entry(status, current.watchers);
				if (this.entries.replace(service, current, next)) {
					changed(service, status, next);
					return true;
				}
			}
		}
	}

	private void reserveSlot(String service) {
		for (;;) {
			int named = this.namedServices.get();
			if (named >= this.maxServices) {
				throw new TooManyServicesException(service, this.maxServices);
			}
			if (this.namedServices.compareAndSet(named, named + 1)) {
				return;
			}
		}
	}

	private void changed(String service, ServingStatus status, Entry entry) {
		for (ServingStatusWatcher watcher : entry.watchers) {
			watcher.drain();
		}
		notifyListeners(service, status);
	}

	private void notifyListeners(String service, ServingStatus status) {
		for (Listener listener : this.listeners) {
			try {
				listener.statusChanged(service, status);
			}
			catch (RuntimeException ex) {
				logger.log(System.Logger.Level.WARNING, "Serving status listener failed for service '" + service + "'",
						ex);
			}
		}
	}

	ServingStatus current(String service) {
		Entry entry = this.entries.get(service);
		return (entry != null && entry.status != null) ? entry.status : ServingStatus.SERVICE_UNKNOWN;
	}

	void register(ServingStatusWatcher watcher) {
		String service = watcher.service;
		for (;;) {
			Entry current = this.entries.get(service);
			if (current == null) {
				if (this.entries.putIfAbsent(service, new Entry(null, new ServingStatusWatcher[] { watcher })) == null) {
					return;
				}
			}
			else {
				ServingStatusWatcher[] watchers = Arrays.copyOf(current.watchers, current.watchers.length + 1);
				watchers[watchers.length - 1] = watcher;
				if (this.entries.replace(service, current, new Entry(current.status, watchers))) {
					return;
				}
			}
		}
	}

	void unregister(ServingStatusWatcher watcher) {
		String service = watcher.service;
		for (;;) {
			Entry current = this.entries.get(service);
			if (current == null) {
				return;
			}
			int index = indexOf(current.watchers, watcher);
			if (index < 0) {
				return;
			}
			ServingStatusWatcher[] watchers = new ServingStatusWatcher[current.watchers.length - 1];
			System.arraycopy(current.watchers, 0, watchers, 0, index);
			System.arraycopy(current.watchers, index + 1, watchers, index, watchers.length - index);
			if (watchers.length == 0 && current.status == null && !SERVER.equals(service)) {
				if (this.entries.remove(service, current)) {
					return;
				}
			}
			else if (this.entries.replace(service, current, new Entry(current.status, watchers))) {
				return;
			}
		}
	}

	private static int indexOf(ServingStatusWatcher[] watchers, ServingStatusWatcher watcher) {
		for (int i = 0; i < watchers.length; i++) {
			if (watchers[i] == watcher) {
				return i;
			}
		}
		return -1;
	}

	private static void checkService(String service) {
		if (service == null) {
			throw new IllegalArgumentException("Service name must not be null; use \"\" for the whole server");
		}
	}

	/**
	 * Listener told of status changes.
	 *
	 * @since 0.1.0
	 * @see ServingStatusStore#addListener(Listener)
	 */
	@FunctionalInterface
	public interface Listener {

		/**
		 * Called after the status of a service changed.
		 * @param service service name, {@value #SERVER} for the whole server
		 * @param status its new status; {@link ServingStatus#SERVICE_UNKNOWN} once cleared
		 */
		void statusChanged(String service, ServingStatus status);

	}

	/**
	 * Thrown by {@link #set(String, ServingStatus)} when a named service would get a status while
	 * {@link #maxServices()} named services already have one.
	 *
	 * @since 0.2.0
	 */
	public static final class TooManyServicesException extends IllegalStateException {

		private static final long serialVersionUID = 1L;

		private final String service;

		private final int maxServices;

		TooManyServicesException(String service, int maxServices) {
			super("Cannot set a status for '" + service + "': at most " + maxServices
					+ " named services can have a status; clear one first");
			this.service = service;
			this.maxServices = maxServices;
		}

		/**
		 * Return the service that was refused.
		 * @return its name
		 */
		public String getService() {
			return this.service;
		}

		/**
		 * Return the bound that was reached.
		 * @return the store's {@link ServingStatusStore#maxServices()}
		 */
		public int getMaxServices() {
			return this.maxServices;
		}

	}

	/**
	 * Immutable state of one service; compared by identity in the map's compare-and-set operations.
	 */
	private static final class Entry {

		final @Nullable ServingStatus status;

		final ServingStatusWatcher[] watchers;

		Entry(@Nullable ServingStatus status, ServingStatusWatcher[] watchers) {
			this.status = status;
			this.watchers = watchers;
		}

	}

}
