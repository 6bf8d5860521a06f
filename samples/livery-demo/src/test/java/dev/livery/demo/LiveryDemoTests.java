package dev.livery.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.livery.demo.DemoEvents.Event;
import dev.livery.demo.DemoEvents.Kind;
import dev.livery.demo.LiveryDemo.DrainedWindow;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the whole demo, told four times as fast, and checks that the story happened: the failing backend was
 * ejected, and the drained one got no calls.
 */
class LiveryDemoTests {

	@Test
	void demoShouldEjectTheFailingBackendAndSendNothingToTheDrainedOne() {
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
		DemoReport report = new LiveryDemo(new DemoOptions(0.25, 100), out).run();
		String output = captured.toString(StandardCharsets.UTF_8);
		System.out.println(output);

		assertThat(output).containsPattern("dashboard  http://127.0.0.1:[0-9]+/livery/dashboard")
			.contains("backend-3 ejected after 5 failures in a row")
			.contains("== What livery did")
			.contains("backend-4 said NOT_SERVING on its watch stream: out of rotation")
			.contains("backend-1 said NOT_SERVING on its watch stream: out of rotation")
			.containsPattern("backend-4 drained from [0-9.]+ s to [0-9.]+ s: 0 calls sent to it");
		List<Event> events = report.events();
		assertThat(events).anySatisfy((event) -> {
			assertThat(event.kind()).isEqualTo(Kind.EJECTED);
			assertThat(event.backend()).isEqualTo("backend-3");
		});
		assertThat(events).filteredOn((event) -> event.kind() == Kind.EJECTED)
			.extracting(Event::backend)
			.as("only the failing backend (and the stopped one) are ejected")
			.isSubsetOf("backend-3", "backend-1");

		// backend-4 said NOT_SERVING, and later backend-1 did as it shut down.
		List<DrainedWindow> drained = LiveryDemo.drainedWindows(report)
			.stream()
			.filter((window) -> window.backend().equals("backend-4"))
			.toList();
		assertThat(drained).singleElement().satisfies((window) -> {
			assertThat(window.seconds()).as("whole seconds of the table while drained").isPositive();
			assertThat(window.sent()).isZero();
		});
		assertThat(report.rows()).filteredOn((row) -> row.backend().equals("backend-4") && row.from() > 0
				&& row.to() < drained.get(0).from())
			.as("backend-4 did get calls before it was drained")
			.anySatisfy((row) -> assertThat(row.sent()).isPositive());
		assertThat(report.sent()).isPositive();
		assertThat(report.succeeded()).isGreaterThan(report.sent() / 2);
	}

}
