package dev.livery.loadbalancer.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InstanceListReader}: a supplier that never answers or throws never stalls the refresh. Time is
 * virtual.
 */
class InstanceListReaderTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();

	private final AtomicInteger reads = new AtomicInteger();

	private final List<List<ServiceInstance>> installed = new ArrayList<>();

	@AfterEach
	void dispose() {
		this.timer.dispose();
	}

	@Test
	void refreshFromASupplierThatNeverEmitsShouldEndAtTheTimeoutAndAllowTheNext() {
		InstanceListReader reader = reader(Flux::never);
		assertThat(reader.refresh(this.installed::add)).isTrue();
		assertThat(reader.refresh(this.installed::add)).as("one refresh at a time").isFalse();
		this.timer.advanceTimeBy(TIMEOUT.minusMillis(1));
		assertThat(reader.isRefreshing()).isTrue();
		this.timer.advanceTimeBy(Duration.ofMillis(1));
		assertThat(reader.isRefreshing()).as("timed out").isFalse();
		assertThat(reader.refresh(this.installed::add)).isTrue();
		assertThat(this.reads).hasValue(2);
		assertThat(this.installed).as("the last members stay").isEmpty();
	}

	@Test
	void refreshFromASupplierThatThrowsShouldNotThrowAndAllowTheNext() {
		InstanceListReader reader = reader(() -> {
			throw new IllegalStateException("registry down");
		});
		assertThat(reader.refresh(this.installed::add)).isTrue();
		assertThat(reader.isRefreshing()).isFalse();
		assertThat(reader.refresh(this.installed::add)).isTrue();
		assertThat(this.reads).hasValue(2);
		assertThat(this.installed).isEmpty();
	}

	@Test
	void refreshFromASupplierThatFailsShouldKeepTheLastMembers() {
		InstanceListReader reader = reader(() -> Flux.error(new IllegalStateException("registry down")));
		assertThat(reader.refresh(this.installed::add)).isTrue();
		assertThat(reader.isRefreshing()).isFalse();
		assertThat(this.installed).isEmpty();
	}

	@Test
	void refreshFromASupplierThatEmitsAndStaysOpenShouldTakeTheFirstList() {
		List<ServiceInstance> members = List.of(instance(1));
		InstanceListReader reader = reader(() -> Flux.concat(Flux.just(members), Flux.never()));
		assertThat(reader.refresh(this.installed::add)).isTrue();
		assertThat(reader.isRefreshing()).isFalse();
		assertThat(this.installed).containsExactly(members);
	}

	@Test
	void readFromASupplierThatNeverEmitsShouldEndEmptyAtTheTimeout() {
		InstanceListReader reader = reader(Flux::never);
		StepVerifier.create(reader.read())
			.expectSubscription()
			.then(() -> this.timer.advanceTimeBy(TIMEOUT))
			.verifyComplete();
	}

	@Test
	void readFromASupplierThatThrowsShouldEndEmpty() {
		InstanceListReader reader = reader(() -> {
			throw new IllegalStateException("registry down");
		});
		StepVerifier.create(reader.read()).verifyComplete();
	}

	private InstanceListReader reader(Supplier<Flux<List<ServiceInstance>>> lists) {
		ServiceInstanceListSupplier supplier = new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return "svc";
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				InstanceListReaderTests.this.reads.incrementAndGet();
				return lists.get();
			}

		};
		return new InstanceListReader("svc", () -> supplier, TIMEOUT, this.timer);
	}

	private static ServiceInstance instance(int port) {
		return new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port, false);
	}

}
