package dev.livery.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.livery.loadbalancer.PeakEwma;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the peak-EWMA estimator alone, without clock reads: one sample, and one comparison of two endpoints.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Thread)
public class PeakEwmaBenchmark {

	private final PeakEwma a = new PeakEwma(Duration.ofSeconds(10), Duration.ofSeconds(1));

	private final PeakEwma b = new PeakEwma(Duration.ofSeconds(10), Duration.ofSeconds(1));

	private long now = 1_000_000_000L;

	public PeakEwmaBenchmark() {
		this.a.recordSuccess(this.now - 2_000_000, this.now);
		this.b.recordSuccess(this.now - 1_000_000, this.now + 5_000_000);
	}

	/**
	 * A success, 1 ms after the previous one: below the estimate, so blended with a small weight.
	 */
	@Benchmark
	public PeakEwma sample() {
		long t = this.now += 1_000_000;
		this.a.recordSuccess(t - 1_500_000, t);
		return this.a;
	}

	@Benchmark
	public int compare() {
		return PeakEwma.compare(this.a, 2, this.b, 3);
	}

}
