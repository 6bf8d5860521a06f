package dev.livery.loadbalancer;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link SmoothWeightedSchedule}: nginx's sequence, exact proportions, smoothness at every prefix, and the
 * length budget.
 */
class SmoothWeightedScheduleTests {

	@Test
	void equalWeightsShouldBePlainRoundRobin() {
		assertThat(SmoothWeightedSchedule.build(new int[] { 1, 1, 1 })).containsExactly(0, 1, 2);
		assertThat(SmoothWeightedSchedule.build(new int[] { 7, 7 })).containsExactly(0, 1);
	}

	@Test
	void weightsFiveOneOneShouldGiveNginxSequence() {
		// nginx's documented example: a a b a c a a.
		assertThat(SmoothWeightedSchedule.build(new int[] { 5, 1, 1 })).containsExactly(0, 0, 1, 0, 2, 0, 0);
	}

	@Test
	void everyPrefixShouldStayWithinOnePickOfTheWeights() {
		Random random = new Random(3);
		for (int trial = 0; trial < 200; trial++) {
			int n = 1 + random.nextInt(12);
			int[] weights = new int[n];
			int total = 0;
			for (int i = 0; i < n; i++) {
				weights[i] = 1 + random.nextInt(20);
				total += weights[i];
			}
			int[] cycle = SmoothWeightedSchedule.build(weights);
			int[] counts = new int[n];
			// Two cycles, as a cursor runs through them.
			for (int p = 0; p < 2 * cycle.length; p++) {
				counts[cycle[p % cycle.length]]++;
				for (int i = 0; i < n; i++) {
					double expected = (p + 1) * weights[i] / (double) total;
					assertThat(Math.abs(counts[i] - expected)).as("member %d after %d picks", i, p + 1)
						.isLessThan(1.0);
				}
			}
			int gcd = 0;
			for (int w : weights) {
				gcd = java.math.BigInteger.valueOf(gcd).gcd(java.math.BigInteger.valueOf(w)).intValue();
			}
			assertThat(cycle).hasSize(total / gcd);
			for (int i = 0; i < n; i++) {
				assertThat(counts[i]).isEqualTo(2 * weights[i] / gcd);
			}
		}
	}

	@Test
	void longCyclesShouldBeScaledDownKeepingProportions() {
		int[] cycle = SmoothWeightedSchedule.build(new int[] { 1_000_000, 500_001, 1 });
		assertThat(cycle.length).isLessThanOrEqualTo(SmoothWeightedSchedule.MAX_LENGTH);
		int[] counts = new int[3];
		for (int member : cycle) {
			counts[member]++;
		}
		assertThat(counts[0] / (double) counts[1]).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.01));
		assertThat(counts[2]).isEqualTo(1);
	}

	@Test
	void buildShouldCostBoundedWorkForManyMembers() {
		int[] weights = new int[2000];
		for (int i = 0; i < weights.length; i++) {
			weights[i] = 1 + (i % 97);
		}
		int[] cycle = SmoothWeightedSchedule.build(weights);
		assertThat((long) cycle.length * weights.length).isLessThanOrEqualTo(1L << 23);
		assertThat(cycle).contains(0, 1999);
	}

	@Test
	void noMembersShouldGiveAnEmptyCycleAndBadWeightsShouldBeRejected() {
		assertThat(SmoothWeightedSchedule.build(new int[0])).isEmpty();
		assertThatIllegalArgumentException().isThrownBy(() -> SmoothWeightedSchedule.build(new int[] { 1, 0 }));
	}

}
