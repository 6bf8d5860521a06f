package dev.livery.demo;

import java.time.Duration;

/**
 * How the demo runs: {@code --time-scale=2} tells the story twice as slowly (about two minutes),
 * {@code --time-scale=0.3} in about twenty seconds; {@code --rate=N} sends N calls a second.
 *
 * @param timeScale factor on every step's time and on livery's ejection time
 * @param rate calls a second the client sends
 * @since 0.1.0
 */
public record DemoOptions(double timeScale, int rate) {

	/**
	 * The options of the one-minute demo.
	 */
	public static final DemoOptions DEFAULTS = new DemoOptions(1.0, 100);

	public DemoOptions {
		if (!(timeScale >= 0.05 && timeScale <= 100)) {
			throw new IllegalArgumentException("--time-scale must be between 0.05 and 100, was " + timeScale);
		}
		if (rate < 1 || rate > 5000) {
			throw new IllegalArgumentException("--rate must be between 1 and 5000, was " + rate);
		}
	}

	/**
	 * Read options from command-line arguments such as {@code --time-scale=2}, falling back to system properties
	 * such as {@code -Ddemo.time-scale=2}.
	 * @param args the arguments
	 * @return the options
	 */
	public static DemoOptions parse(String... args) {
		double timeScale = Double.parseDouble(System.getProperty("demo.time-scale", "1"));
		int rate = Integer.parseInt(System.getProperty("demo.rate", "100"));
		for (String arg : args) {
			if (arg.startsWith("--time-scale=")) {
				timeScale = Double.parseDouble(arg.substring("--time-scale=".length()));
			}
			else if (arg.startsWith("--rate=")) {
				rate = Integer.parseInt(arg.substring("--rate=".length()));
			}
			else if (arg.equals("--help") || arg.equals("-h")) {
				throw new IllegalArgumentException("usage: java -jar livery-demo.jar [--time-scale=1] [--rate=100]");
			}
			else {
				throw new IllegalArgumentException("unknown option '" + arg + "'; try --time-scale=2 or --rate=300");
			}
		}
		return new DemoOptions(timeScale, rate);
	}

	/**
	 * Scale a time of the one-minute story.
	 * @param seconds seconds into the one-minute story
	 * @return the scaled time
	 */
	Duration scaled(double seconds) {
		return Duration.ofNanos(Math.round(seconds * this.timeScale * 1e9));
	}

}
