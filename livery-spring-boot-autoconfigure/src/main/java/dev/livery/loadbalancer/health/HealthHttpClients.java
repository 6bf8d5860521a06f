package dev.livery.loadbalancer.health;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * Creates the HTTP client of livery's health sources: the JDK's own, so that health needs no HTTP library on the
 * class path, speaking HTTP/1.1 (no {@code h2c} upgrade dance on every stream), following no redirects, and running
 * its callbacks on a few daemon threads of its own rather than on an unbounded pool.
 *
 * @since 0.2.0
 */
public final class HealthHttpClients {

	/*
	 * Implementation note: the JDK client reads every connection on one selector thread and hands completions to its
	 * executor. Completions here are a few field writes each, so two threads (more on bigger machines, never more
	 * than four) keep up with thousands of streams; they time out when idle, so a client with nothing to check holds
	 * only the selector thread.
	 */

	private static final AtomicInteger clients = new AtomicInteger();

	private HealthHttpClients() {
	}

	/**
	 * Return a supplier that creates a client the first time it is asked, and returns that one ever after: a client
	 * starts a selector thread, which an application whose services check nothing should not pay for.
	 * @return the supplier
	 */
	public static Supplier<HttpClient> lazy() {
		return new Supplier<>() {

			private volatile @Nullable HttpClient client;

			@Override
			public synchronized HttpClient get() {
				HttpClient current = this.client;
				if (current == null) {
					current = create();
					this.client = current;
				}
				return current;
			}

		};
	}

	/**
	 * Create a client.
	 * @return a new client
	 */
	public static HttpClient create() {
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5))
			.executor(executor())
			.build();
	}

	private static Executor executor() {
		int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
		int id = clients.incrementAndGet();
		AtomicInteger count = new AtomicInteger();
		ThreadFactory factory = (runnable) -> {
			Thread thread = new Thread(runnable, "livery-health-" + id + "-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
		ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), factory);
		executor.allowCoreThreadTimeOut(true);
		return executor;
	}

}
