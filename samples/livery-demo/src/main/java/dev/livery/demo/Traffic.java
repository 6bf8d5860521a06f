package dev.livery.demo;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Steady load on {@code http://backend/work} through livery, and what each backend made of it second by second.
 *
 * <p>The client's filters run outermost first. The load balancer's filter turns {@code http://backend} into the
 * chosen instance, so a filter added after it sees the instance's {@code host:port}: that is where calls are
 * counted and timed.
 */
final class Traffic {

	private static final String ROUTED = Traffic.class.getName() + ".routed";

	private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);

	private final Map<String, Counters> counters = new ConcurrentHashMap<>();

	private final AtomicLong unrouted = new AtomicLong();

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong succeeded = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private volatile Disposable load;

	/**
	 * Start sending {@code rate} calls a second; calls that have not answered after two seconds are cancelled.
	 * @param loadBalanced the application's {@code @LoadBalanced} builder
	 * @param rate calls a second
	 */
	void start(WebClient.Builder loadBalanced, int rate) {
		WebClient client = loadBalanced.build().mutate().filter(countPerInstance()).build();
		Duration period = Duration.ofNanos(1_000_000_000L / rate);
		this.load = Flux.interval(period)
			.onBackpressureDrop()
			.flatMap((tick) -> call(client), 1024)
			.subscribe();
	}

	void stop() {
		Disposable load = this.load;
		if (load != null) {
			load.dispose();
		}
	}

	private Mono<Void> call(WebClient client) {
		AtomicBoolean routed = new AtomicBoolean();
		this.sent.incrementAndGet();
		return client.get()
			.uri("http://backend/work")
			.attribute(ROUTED, routed)
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
			.timeout(CALL_TIMEOUT)
			.doOnNext((status) -> ((status < 500) ? this.succeeded : this.failed).incrementAndGet())
			.doOnError((ex) -> this.failed.incrementAndGet())
			.doFinally((signal) -> {
				if (!routed.get()) {
					// No instance was eligible: the load balancer answered 503 itself.
					this.unrouted.incrementAndGet();
				}
			})
			.onErrorResume((ex) -> Mono.empty())
			.then();
	}

	private ExchangeFilterFunction countPerInstance() {
		return (request, next) -> {
			Object routed = request.attribute(ROUTED).orElse(null);
			if (routed instanceof AtomicBoolean flag) {
				flag.set(true);
			}
			Counters counters = counters(key(request));
			counters.sent.incrementAndGet();
			long start = System.nanoTime();
			return next.exchange(request)
				.doOnNext((response) -> counters.answered(start, response.statusCode().value() >= 500))
				.doOnError((ex) -> counters.answered(start, true));
		};
	}

	private static String key(ClientRequest request) {
		return request.url().getHost() + ":" + request.url().getPort();
	}

	Counters counters(String key) {
		return this.counters.computeIfAbsent(key, (k) -> new Counters());
	}

	void reset() {
		this.sent.set(0);
		this.succeeded.set(0);
		this.failed.set(0);
		this.unrouted.set(0);
		this.counters.values().forEach(Counters::reset);
	}

	long sent() {
		return this.sent.get();
	}

	long succeeded() {
		return this.succeeded.get();
	}

	long failed() {
		return this.failed.get();
	}

	long unrouted() {
		return this.unrouted.get();
	}

	/**
	 * Calls to one instance: this second's, and in total.
	 */
	static final class Counters {

		private final AtomicInteger sent = new AtomicInteger();

		private final AtomicInteger errors = new AtomicInteger();

		private final AtomicLong totalSent = new AtomicLong();

		private final AtomicLong totalErrors = new AtomicLong();

		private long[] latencies = new long[256];

		private int count;

		private void answered(long start, boolean error) {
			long nanos = System.nanoTime() - start;
			if (error) {
				this.errors.incrementAndGet();
			}
			synchronized (this) {
				if (this.count == this.latencies.length) {
					this.latencies = Arrays.copyOf(this.latencies, this.count * 2);
				}
				this.latencies[this.count++] = nanos;
			}
		}

		/**
		 * Take this second's numbers and start the next second.
		 * @return the numbers
		 */
		Second roll() {
			int sent = this.sent.getAndSet(0);
			int errors = this.errors.getAndSet(0);
			this.totalSent.addAndGet(sent);
			this.totalErrors.addAndGet(errors);
			long[] taken;
			synchronized (this) {
				taken = Arrays.copyOf(this.latencies, this.count);
				this.count = 0;
			}
			Arrays.sort(taken);
			long p99 = (taken.length == 0) ? -1 : taken[(int) Math.ceil(taken.length * 0.99) - 1];
			return new Second(sent, errors, p99);
		}

		void reset() {
			this.totalSent.set(0);
			this.totalErrors.set(0);
		}

		long totalSent() {
			return this.totalSent.get() + this.sent.get();
		}

		long totalErrors() {
			return this.totalErrors.get() + this.errors.get();
		}

	}

	/**
	 * One instance's second.
	 *
	 * @param sent calls sent to it
	 * @param errors calls that failed (5xx, connection error)
	 * @param p99Nanos 99th percentile of the answered calls' latency, or -1 if none answered
	 */
	record Second(int sent, int errors, long p99Nanos) {
	}

}
