package dev.livery.loadbalancer;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link OutlierDetection}: the bounds that keep every ejection deadline inside an endpoint's status word.
 */
class OutlierDetectionTests {

	@Test
	void ejectionTimeBeyondTheBoundShouldBeRejected() {
		// 365000d overflowed Duration.toNanos() on the first ejection, inside a request.
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, Duration.ofDays(365_000), Duration.ofDays(365_000), 50))
			.withMessageContaining("ejectionTime");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, OutlierDetection.MAX_EJECTION_TIME.plusNanos(1),
					OutlierDetection.MAX_MAX_EJECTION_TIME, 50))
			.withMessageContaining("ejectionTime");
	}

	@Test
	void maxEjectionTimeBeyondTheBoundShouldBeRejected() {
		// 40000d fits toNanos() but not the 61 bits of the packed deadline: it wrapped, and the endpoint was probed
		// at once.
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, Duration.ofDays(1), Duration.ofDays(40_000), 50))
			.withMessageContaining("maxEjectionTime");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutlierDetection(true, 1, Duration.ofDays(1),
					OutlierDetection.MAX_MAX_EJECTION_TIME.plusNanos(1), 50))
			.withMessageContaining("maxEjectionTime");
	}

	@Test
	void longestEjectionShouldKeepTheEndpointOutUntilItsDeadline() {
		FakeTicker ticker = new FakeTicker();
		OutlierDetection longest = new OutlierDetection(true, 1, OutlierDetection.MAX_EJECTION_TIME,
				OutlierDetection.MAX_MAX_EJECTION_TIME, 50);
		EndpointPool<String> pool = new EndpointPool<>("svc", PoolSettings.DEFAULTS.withOutlier(longest),
				(member) -> member, ticker, PoolListener.NONE);
		pool.update(List.of("a:1", "b:1"));
		Lease<String> lease = pool.pick();
		String ejected = lease.payload();
		lease.recordFailure();
		assertThat(pool.endpoint(ejected).state()).isEqualTo(EndpointState.EJECTED);
		assertThat(pool.endpoint(ejected).ejectionTimeRemaining()).isEqualTo(OutlierDetection.MAX_EJECTION_TIME);
		ticker.advance(OutlierDetection.MAX_EJECTION_TIME.minusNanos(1));
		for (int i = 0; i < 20; i++) {
			Lease<String> other = pool.pick();
			assertThat(other.payload()).isNotEqualTo(ejected);
			other.recordSuccess();
		}
		ticker.advance(Duration.ofNanos(1));
		Lease<String> probe = null;
		for (int i = 0; i < 20 && probe == null; i++) {
			Lease<String> next = pool.pick();
			if (next.payload().equals(ejected)) {
				probe = next;
			}
			else {
				next.recordSuccess();
			}
		}
		assertThat(probe).as("the probe, once the ejection has expired").isNotNull();
		assertThat(pool.endpoint(ejected).state()).isEqualTo(EndpointState.PROBING);
		probe.recordSuccess();
		assertThat(pool.endpoint(ejected).state()).isEqualTo(EndpointState.UP);
	}

}
