package dev.livery.serving;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.Ordered;

/**
 * Publishes the server's serving-status changes as readiness: {@code SERVING} as
 * {@link ReadinessState#ACCEPTING_TRAFFIC}, {@code NOT_SERVING} as {@link ReadinessState#REFUSING_TRAFFIC};
 * {@code UNKNOWN} leaves readiness as it is.
 *
 * <p>
 * Changes are followed through a {@link ServingStatusStore#watch(String) watch} of {@code ""}, so they are published
 * in order and the last one published is always the current status. While the server is {@code NOT_SERVING}, an
 * {@code ACCEPTING_TRAFFIC} published by anyone else (Spring Boot's own, once the application is ready, included) is
 * answered at once with {@code REFUSING_TRAFFIC}, so a status set during start-up is not overwritten.
 *
 * <p>
 * Implementation note. A listener of {@link AvailabilityChangeEvent} that throws must not detach readiness from the
 * store: an exception escaping the watch subscriber would cancel the watch for good, so each publication is guarded
 * and a failure is logged. The answer to a foreign {@code ACCEPTING_TRAFFIC} is published from inside that event's
 * delivery, so this listener orders itself last ({@link Ordered#LOWEST_PRECEDENCE}): Spring Boot's
 * {@code ApplicationAvailabilityBean} has then recorded {@code ACCEPTING_TRAFFIC} before the answer replaces it.
 *
 * @since 0.1.0
 */
public class ServingStatusReadinessPublisher implements InitializingBean, DisposableBean, SmartApplicationListener {

	private static final Log logger = LogFactory.getLog(ServingStatusReadinessPublisher.class);

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
			publish(ReadinessState.ACCEPTING_TRAFFIC);
		}
		else if (status == ServingStatus.NOT_SERVING) {
			publish(ReadinessState.REFUSING_TRAFFIC);
		}
	}

	private void publish(ReadinessState state) {
		try {
			AvailabilityChangeEvent.publish(this.publisher, this, state);
		}
		catch (RuntimeException ex) {
			logger.warn("A listener failed on readiness " + state + "; readiness still follows the serving status",
					ex);
		}
	}

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return AvailabilityChangeEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof AvailabilityChangeEvent<?> change && change.getSource() != this
				&& change.getState() == ReadinessState.ACCEPTING_TRAFFIC
				&& this.store.get(ServingStatusStore.SERVER).orElse(null) == ServingStatus.NOT_SERVING) {
			publish(ReadinessState.REFUSING_TRAFFIC);
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void destroy() {
		Disposable watch = this.watch;
		if (watch != null) {
			watch.dispose();
		}
	}

}
