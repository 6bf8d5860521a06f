package dev.livery.demo;

import java.util.List;

/**
 * What a run of the demo saw, for its tests.
 *
 * @param events the story's steps and livery's actions, in order
 * @param rows every backend's line of every second's table
 * @param sent calls the client sent
 * @param succeeded calls answered below 500
 * @param failed calls that failed
 */
record DemoReport(List<DemoEvents.Event> events, List<Row> rows, long sent, long succeeded, long failed) {

	/**
	 * One backend's line of one second's table.
	 *
	 * @param from start of the second, since the story began
	 * @param to end of the second
	 * @param backend the backend
	 * @param doing what the story does to it
	 * @param state its state in livery
	 * @param sent calls sent to it in that second
	 * @param errors calls to it that failed in that second
	 * @param inFlight its calls in flight at the end of the second
	 */
	record Row(double from, double to, String backend, String doing, String state, int sent, int errors, int inFlight) {
	}

}
