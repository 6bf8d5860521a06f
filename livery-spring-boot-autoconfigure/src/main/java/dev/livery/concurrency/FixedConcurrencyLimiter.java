package dev.livery.concurrency;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * {@link ConcurrencyLimiter} with a limit fixed at construction.
 *
 * <p><b>Implementation note.</b> The state is one {@code int} counter of permits in flight
 * and a {@link LongAdder} of rejections. The invariants are:
 * <ul>
 * <li><em>exact bound</em>: {@code 0 <= inFlight <= limit} at every instant. Admission
 * reads the counter and moves it from {@code n} to {@code n + 1} with a single
 * compare-and-set that fails if any other thread moved it in between, so two racing
 * callers can never both take the last slot. A check-then-increment
 * ({@code if (get() < limit) incrementAndGet()}) overshoots under a burst by up to the
 * number of racing threads (Netflix concurrency-limits #140 and #234);</li>
 * <li><em>release exactly once</em>: each {@link Permit} carries its own released flag
 * flipped by a compare-and-set, and only the call that flips it decrements the counter.
 * Callers may therefore release from every path that can end a request (completion, error,
 * cancellation) without a double decrement, which is how the counter stays exact and
 * non-negative. Leaking a slot on cancellation is the classic bug of limiters that release
 * only on success or error (Resilience4j #332); releasing twice is its mirror image.</li>
 * </ul>
 * Nothing blocks and nothing queues: a caller that finds the limit reached is told so at
 * once. The only allocation is one small permit per admitted request.
 *
 * @since 0.1.0
 */
public final class FixedConcurrencyLimiter implements ConcurrencyLimiter {

	private static final VarHandle IN_FLIGHT;

	static {
		try {
			IN_FLIGHT = MethodHandles.lookup().findVarHandle(FixedConcurrencyLimiter.class, "inFlight", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final int limit;

	private final LongAdder rejected = new LongAdder();

	@SuppressWarnings("unused") // accessed through IN_FLIGHT
	private volatile int inFlight;

	/**
	 * Create a limiter that admits at most {@code limit} requests at once.
	 * @param limit the maximum number of permits held at once, at least {@code 1}
	 */
	public FixedConcurrencyLimiter(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1 but was " + limit);
		}
		this.limit = limit;
	}

	@Override
	public @Nullable Permit tryAcquire() {
		return tryTakeSlot() ? new FixedPermit(this) : null;
	}

	private boolean tryTakeSlot() {
		int current = this.inFlight;
		while (current < this.limit) {
			int witness = (int) IN_FLIGHT.compareAndExchange(this, current, current + 1);
			if (witness == current) {
				return true;
			}
			current = witness;
		}
		this.rejected.increment();
		return false;
	}

	private void giveBackSlot() {
		int previous = (int) IN_FLIGHT.getAndAdd(this, -1);
		assert previous > 0 : "released more permits than acquired";
	}

	@Override
	public int inFlight() {
		return this.inFlight;
	}

	@Override
	public int limit() {
		return this.limit;
	}

	@Override
	public long rejected() {
		return this.rejected.sum();
	}

	@Override
	public String toString() {
		return "FixedConcurrencyLimiter[limit=" + this.limit + ", inFlight=" + this.inFlight + ", rejected="
				+ rejected() + "]";
	}

	/**
	 * A permit that gives its slot back at most once.
	 */
	private static final class FixedPermit implements Permit {

		private static final VarHandle RELEASED;

		static {
			try {
				RELEASED = MethodHandles.lookup().findVarHandle(FixedPermit.class, "released", boolean.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final FixedConcurrencyLimiter limiter;

		@SuppressWarnings("unused") // accessed through RELEASED
		private volatile boolean released;

		FixedPermit(FixedConcurrencyLimiter limiter) {
			this.limiter = limiter;
		}

		@Override
		public boolean release(Outcome outcome) {
			if (!RELEASED.compareAndSet(this, false, true)) {
				return false;
			}
			this.limiter.giveBackSlot();
			return true;
		}

		@Override
		public String toString() {
			return "FixedPermit[released=" + this.released + "]";
		}

	}

}
