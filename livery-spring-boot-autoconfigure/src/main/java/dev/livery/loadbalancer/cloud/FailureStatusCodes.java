package dev.livery.loadbalancer.cloud;

import java.util.BitSet;
import java.util.Collection;

/**
 * The HTTP status codes that count as failures, parsed from codes and ranges such as {@code 500-599} or
 * {@code 502,503,504}.
 *
 * @since 0.1.0
 */
public final class FailureStatusCodes {

	/**
	 * Every 5xx status.
	 */
	public static final FailureStatusCodes SERVER_ERRORS = parse(java.util.List.of("500-599"));

	private final BitSet codes;

	private final String description;

	private FailureStatusCodes(BitSet codes, String description) {
		this.codes = codes;
		this.description = description;
	}

	/**
	 * Parse codes and ranges.
	 * @param values entries such as {@code 503} or {@code 500-599}, each possibly holding several separated by
	 * commas
	 * @return the parsed set
	 * @throws IllegalArgumentException naming the first entry that is not a status code (100-599) or a range of
	 * them
	 */
	public static FailureStatusCodes parse(Collection<String> values) {
		BitSet codes = new BitSet(600);
		StringBuilder description = new StringBuilder();
		for (String value : values) {
			for (String part : value.split(",")) {
				String entry = part.trim();
				if (entry.isEmpty()) {
					continue;
				}
				int dash = entry.indexOf('-', 1);
				int from = code(entry, (dash < 0) ? entry : entry.substring(0, dash));
				int to = (dash < 0) ? from : code(entry, entry.substring(dash + 1));
				if (to < from) {
					throw new IllegalArgumentException("'" + entry + "' is not a valid range: " + to + " < " + from);
				}
				codes.set(from, to + 1);
				description.append((description.length() > 0) ? "," : "").append(entry);
			}
		}
		return new FailureStatusCodes(codes, description.toString());
	}

	private static int code(String entry, String text) {
		int code;
		try {
			code = Integer.parseInt(text.trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + entry + "' is not a status code or a range such as 500-599");
		}
		if (code < 100 || code > 599) {
			throw new IllegalArgumentException("'" + entry + "' is outside the HTTP status codes 100-599");
		}
		return code;
	}

	/**
	 * Return whether a status counts as a failure.
	 * @param status the HTTP status code
	 * @return whether it is a failure
	 */
	public boolean isFailure(int status) {
		return status >= 0 && this.codes.get(status);
	}

	@Override
	public String toString() {
		return this.description;
	}

}
