package dev.livery.serving;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ServingStatusReadinessPublisher}.
 */
class ServingStatusReadinessPublisherTests {

	private final ServingStatusStore store = new ServingStatusStore();

	private final List<Object> published = new CopyOnWriteArrayList<>();

	@Test
	void serverChangesArePublishedAsReadinessAfterStartUp() {
		ServingStatusReadinessPublisher publisher = start((event) -> this.published.add(state(event)));
		this.store.set("", ServingStatus.NOT_SERVING);
		this.store.set("", ServingStatus.UNKNOWN);
		this.store.set("orders", ServingStatus.NOT_SERVING);
		this.store.set("", ServingStatus.SERVING);
		assertThat(this.published).containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC);
		publisher.destroy();
		assertThat(this.store.watcherCount("")).isZero();
	}

	@Test
	void listenerThatThrowsDoesNotStopLaterChangesFromBeingPublished() {
		AtomicBoolean thrown = new AtomicBoolean();
		ServingStatusReadinessPublisher publisher = start((event) -> {
			this.published.add(state(event));
			if (thrown.compareAndSet(false, true)) {
				throw new IllegalStateException("listener failed");
			}
		});
		this.store.set("", ServingStatus.NOT_SERVING);
		this.store.set("", ServingStatus.SERVING);
		this.store.set("", ServingStatus.NOT_SERVING);
		assertThat(thrown).isTrue();
		assertThat(this.published).containsExactly(ReadinessState.REFUSING_TRAFFIC, ReadinessState.ACCEPTING_TRAFFIC,
				ReadinessState.REFUSING_TRAFFIC);
		assertThat(this.store.watcherCount("")).isOne();
		publisher.destroy();
	}

	@Test
	void acceptingTrafficFromElsewhereWhileNotServingIsAnsweredWithRefusingTraffic() {
		ServingStatusReadinessPublisher publisher = start((event) -> this.published.add(state(event)));
		this.store.set("", ServingStatus.NOT_SERVING);
		this.published.clear();
		publisher.onApplicationEvent(new AvailabilityChangeEvent<>(this, ReadinessState.ACCEPTING_TRAFFIC));
		assertThat(this.published).containsExactly(ReadinessState.REFUSING_TRAFFIC);
		// Its own events, other states and a store that is not NOT_SERVING leave readiness alone.
		publisher.onApplicationEvent(new AvailabilityChangeEvent<>(publisher, ReadinessState.ACCEPTING_TRAFFIC));
		publisher.onApplicationEvent(new AvailabilityChangeEvent<>(this, LivenessState.CORRECT));
		this.store.set("", ServingStatus.UNKNOWN);
		this.published.clear();
		publisher.onApplicationEvent(new AvailabilityChangeEvent<>(this, ReadinessState.ACCEPTING_TRAFFIC));
		assertThat(this.published).isEmpty();
		publisher.destroy();
	}

	private ServingStatusReadinessPublisher start(ApplicationEventPublisher eventPublisher) {
		ServingStatusReadinessPublisher publisher = new ServingStatusReadinessPublisher(this.store, eventPublisher);
		publisher.afterPropertiesSet();
		return publisher;
	}

	private static Object state(Object event) {
		return ((AvailabilityChangeEvent<?>) event).getState();
	}

}
