package dev.livery.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JsonWriter}.
 */
class JsonWriterTests {

	private final StringBuilder out = new StringBuilder();

	private final JsonWriter json = new JsonWriter(this.out);

	@Test
	void nestedStructuresShouldBeSeparatedByCommas() {
		this.json.beginObject()
			.name("a")
			.value(1)
			.name("b")
			.beginArray()
			.beginObject()
			.endObject()
			.beginObject()
			.name("c")
			.value(true)
			.endObject()
			.endArray()
			.name("d")
			.nullValue()
			.endObject();
		assertThat(this.out).hasToString("{\"a\":1,\"b\":[{},{\"c\":true}],\"d\":null}");
	}

	@Test
	void resetShouldStartANewDocument() {
		this.json.beginObject().name("a").value(1).endObject();
		this.json.reset().beginObject().name("b").value(2).endObject();
		assertThat(this.out).hasToString("{\"b\":2}");
	}

	@Test
	void decimalsShouldBeRoundedWithoutTrailingZeros() {
		this.json.beginArray()
			.value(12.345, 2)
			.value(3.0, 2)
			.value(0.0001, 4)
			.value(0.004, 2)
			.value(-1.5, 2)
			.value(-0.001, 2)
			.value(1234567.891, 1)
			.value(0.1, 4)
			.value(Double.NaN, 2)
			.value(Double.POSITIVE_INFINITY, 2)
			.endArray();
		assertThat(this.out).hasToString("[12.35,3,0.0001,0,-1.5,0,1234567.9,0.1,null,null]");
	}

	@Test
	void stringsShouldBeEscaped() {
		this.json.beginObject().name("k\"ey").value("a\\b\nc\td\u0001e\u2028f/").endObject();
		assertThat(this.out).hasToString("{\"k\\\"ey\":\"a\\\\b\\nc\\td\\u0001e\\u2028f/\"}");
	}

}
