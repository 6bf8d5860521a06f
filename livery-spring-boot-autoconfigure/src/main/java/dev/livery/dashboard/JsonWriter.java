package dev.livery.dashboard;

/**
 * Writes compact JSON into a reusable {@link StringBuilder}, without a JSON library and without allocating per
 * value: a snapshot of 200 endpoints is written once a second and must stay cheap.
 *
 * <p>The writer checks nothing beyond what it needs to place commas: callers write well-formed structures.
 */
final class JsonWriter {

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private static final long[] POWERS_OF_TEN = { 1, 10, 100, 1_000, 10_000 };

	private final StringBuilder out;

	/** Whether the next value or name follows another one in the same object or array. */
	private boolean needsComma;

	JsonWriter(StringBuilder out) {
		this.out = out;
	}

	/**
	 * Empty the buffer and start a new document.
	 */
	JsonWriter reset() {
		this.out.setLength(0);
		this.needsComma = false;
		return this;
	}

	JsonWriter beginObject() {
		comma();
		this.out.append('{');
		this.needsComma = false;
		return this;
	}

	JsonWriter endObject() {
		this.out.append('}');
		this.needsComma = true;
		return this;
	}

	JsonWriter beginArray() {
		comma();
		this.out.append('[');
		this.needsComma = false;
		return this;
	}

	JsonWriter endArray() {
		this.out.append(']');
		this.needsComma = true;
		return this;
	}

	JsonWriter name(String name) {
		comma();
		string(name);
		this.out.append(':');
		this.needsComma = false;
		return this;
	}

	JsonWriter value(String value) {
		comma();
		string(value);
		this.needsComma = true;
		return this;
	}

	JsonWriter value(long value) {
		comma();
		this.out.append(value);
		this.needsComma = true;
		return this;
	}

	JsonWriter value(boolean value) {
		comma();
		this.out.append(value);
		this.needsComma = true;
		return this;
	}

	/**
	 * Write a number rounded to at most {@code decimals} places (0 to 4), without trailing zeros; {@code null} for
	 * a value that is not finite, which JSON cannot represent.
	 */
	JsonWriter value(double value, int decimals) {
		comma();
		this.needsComma = true;
		if (!Double.isFinite(value)) {
			this.out.append("null");
			return this;
		}
		long scale = POWERS_OF_TEN[decimals];
		long scaled = Math.round(Math.abs(value) * scale);
		if (scaled != 0 && value < 0) {
			this.out.append('-');
		}
		this.out.append(scaled / scale);
		long fraction = scaled % scale;
		if (fraction != 0) {
			this.out.append('.');
			for (long digit = scale / 10; digit > 0 && fraction != 0; digit /= 10) {
				this.out.append((char) ('0' + fraction / digit));
				fraction %= digit;
			}
		}
		return this;
	}

	JsonWriter nullValue() {
		comma();
		this.out.append("null");
		this.needsComma = true;
		return this;
	}

	private void comma() {
		if (this.needsComma) {
			this.out.append(',');
		}
	}

	private void string(String value) {
		StringBuilder out = this.out;
		out.append('"');
		int length = value.length();
		int start = 0;
		for (int i = 0; i < length; i++) {
			char c = value.charAt(i);
			if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029') {
				continue;
			}
			out.append(value, start, i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> out.append("\\u")
					.append(HEX[(c >> 12) & 0xF])
					.append(HEX[(c >> 8) & 0xF])
					.append(HEX[(c >> 4) & 0xF])
					.append(HEX[c & 0xF]);
			}
			start = i + 1;
		}
		out.append(value, start, length).append('"');
	}

}
