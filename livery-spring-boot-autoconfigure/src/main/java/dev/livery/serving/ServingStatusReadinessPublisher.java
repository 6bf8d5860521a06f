package dev.livery.serving;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes the server's serving-status changes as readiness: {@code SERVING} as
 * {@link ReadinessState#ACCEPTING_TRAFFIC}, {@code NOT_SERVING} as {@link ReadinessState#REFUSING_TRAFFIC};
 * {@code UNKNOWN} leaves readiness as it is.
 *
 * <p>
 * Only changes made after start-up are published: readiness during start-up remains Spring Boot's to decide. The
 * changes are followed through a {@link ServingStatusStore#watch(String) watch} of {@code ""}, so they are published
 * in order and the last one published is always the current status.
 *
 * @since 0.1.0
 */
public class ServingStatusReadinessPublisher implements InitializingBean, DisposableBean {

	private final ServingStatusStore store;

	private final ApplicationEventPublisher publisher;

	private volatile @Nullable Disposable watch;

	/**
	 * Create a publisher following the given store.
	 * @param store store whose {@code ""} status drives readiness
	 * @param publisher where to publish {@link AvailabilityChangeEvent}s
	 */
	public ServingStatusReadinessPublisher(ServingStatusStore store, ApplicationEventPublisher publisher) {
		this.store = store;
		this.publisher = publisher;
	}

	@Override
	public void afterPropertiesSet() {
		this.watch = this.store.watch(ServingStatusStore.SERVER).skip(1).subscribe(this::publish);
	}

	private void publish(ServingStatus status) {
		if (status == ServingStatus.SERVING) {
			AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.ACCEPTING_TRAFFIC);
		}
		else if (status == ServingStatus.NOT_SERVING) {
			AvailabilityChangeEvent.publish(this.publisher, this, ReadinessState.REFUSING_TRAFFIC);
		}
	}

	@Override
	public void destroy() {
		Disposable watch = this.watch;
		if (watch != null) {
			watch.dispose();
		}
	}

}
