package dev.livery.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.jspecify.annotations.Nullable;

/**
 * Which discovered instances may be members of a pool: an instance is a member when it matches at least one entry
 * of the list, or always when the list is empty.
 *
 * <p>Entries:
 * <ul>
 * <li>{@code key=glob} — the instance's metadata value for {@code key} matches the glob ({@code zone=eu-*});</li>
 * <li>{@code regex:expression} — the regular expression matches the whole {@code host:port}
 * ({@code regex:10\.0\.[0-9]+\.[0-9]+:8080});</li>
 * <li>anything else — a glob on {@code host:port} or on the instance id ({@code 10.0.*:8080}, {@code billing-*}).</li>
 * </ul>
 * Globs know {@code *} (any run of characters, also none) and {@code ?} (one character); every other character
 * stands for itself. Matching is case-sensitive.
 *
 * @since 0.2.0
 */
public final class NodeMatch {

	/** Matches every instance. */
	public static final NodeMatch ALL = new NodeMatch(List.of(), List.of());

	private static final String REGEX_PREFIX = "regex:";

	private final List<String> entries;

	private final List<Entry> matchers;

	private NodeMatch(List<String> entries, List<Entry> matchers) {
		this.entries = entries;
		this.matchers = matchers;
	}

	/**
	 * Parse a list of entries.
	 * @param entries the entries, as configured
	 * @return the matcher; {@link #ALL} for an empty list
	 * @throws IllegalArgumentException if an entry is invalid, saying which and why
	 */
	public static NodeMatch parse(List<String> entries) {
		if (entries.isEmpty()) {
			return ALL;
		}
		List<Entry> matchers = new ArrayList<>(entries.size());
		for (int i = 0; i < entries.size(); i++) {
			String entry = entries.get(i);
			try {
				matchers.add(parseEntry(entry));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("entry [" + i + "] '" + entry + "': " + ex.getMessage(), ex);
			}
		}
		return new NodeMatch(List.copyOf(entries), List.copyOf(matchers));
	}

	private static Entry parseEntry(@Nullable String entry) {
		if (entry == null || entry.isBlank()) {
			throw new IllegalArgumentException("is empty");
		}
		if (entry.startsWith(REGEX_PREFIX)) {
			String expression = entry.substring(REGEX_PREFIX.length());
			if (expression.isEmpty()) {
				throw new IllegalArgumentException("has no expression after 'regex:'");
			}
			try {
				return new HostPortRegex(Pattern.compile(expression));
			}
			catch (PatternSyntaxException ex) {
				throw new IllegalArgumentException(
						"is not a valid regular expression (" + ex.getDescription() + " near index " + ex.getIndex()
								+ ")");
			}
		}
		int equals = entry.indexOf('=');
		if (equals >= 0) {
			String key = entry.substring(0, equals);
			String glob = entry.substring(equals + 1);
			if (key.isEmpty()) {
				throw new IllegalArgumentException("has no metadata key before '='");
			}
			if (!key.strip().equals(key) || key.chars().anyMatch(Character::isWhitespace)) {
				throw new IllegalArgumentException("metadata key '" + key + "' contains whitespace");
			}
			if (glob.isEmpty()) {
				throw new IllegalArgumentException("has no value after '=' (use " + key + "=* for any value)");
			}
			return new MetadataGlob(key, glob(glob));
		}
		if (!entry.strip().equals(entry)) {
			throw new IllegalArgumentException("has leading or trailing whitespace");
		}
		return new NameGlob(glob(entry));
	}

	private static Pattern glob(String glob) {
		StringBuilder regex = new StringBuilder(glob.length() + 8);
		StringBuilder literal = new StringBuilder();
		for (int i = 0; i < glob.length(); i++) {
			char c = glob.charAt(i);
			if (c == '*' || c == '?') {
				if (!literal.isEmpty()) {
					regex.append(Pattern.quote(literal.toString()));
					literal.setLength(0);
				}
				regex.append((c == '*') ? ".*" : ".");
			}
			else {
				literal.append(c);
			}
		}
		if (!literal.isEmpty()) {
			regex.append(Pattern.quote(literal.toString()));
		}
		return Pattern.compile(regex.toString(), Pattern.DOTALL);
	}

	/**
	 * Return whether an instance may be a member.
	 * @param hostPort the instance's {@code host:port}
	 * @param instanceId the instance's id, if it has one
	 * @param metadata the instance's metadata, if any
	 * @return whether it matches some entry, or the list is empty
	 */
	public boolean matches(String hostPort, @Nullable String instanceId, @Nullable Map<String, String> metadata) {
		if (this.matchers.isEmpty()) {
			return true;
		}
		for (Entry matcher : this.matchers) {
			if (matcher.matches(hostPort, instanceId, (metadata != null) ? metadata : Map.of())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return whether every instance matches.
	 * @return whether the list is empty
	 */
	public boolean matchesAll() {
		return this.matchers.isEmpty();
	}

	/**
	 * Return the entries as configured.
	 * @return the entries
	 */
	public List<String> entries() {
		return this.entries;
	}

	@Override
	public String toString() {
		return "NodeMatch" + this.entries;
	}

	private interface Entry {

		boolean matches(String hostPort, @Nullable String instanceId, Map<String, String> metadata);

	}

	private record HostPortRegex(Pattern pattern) implements Entry {

		@Override
		public boolean matches(String hostPort, @Nullable String instanceId, Map<String, String> metadata) {
			return this.pattern.matcher(hostPort).matches();
		}

	}

	private record MetadataGlob(String key, Pattern glob) implements Entry {

		@Override
		public boolean matches(String hostPort, @Nullable String instanceId, Map<String, String> metadata) {
			String value = metadata.get(this.key);
			return value != null && this.glob.matcher(value).matches();
		}

	}

	private record NameGlob(Pattern glob) implements Entry {

		@Override
		public boolean matches(String hostPort, @Nullable String instanceId, Map<String, String> metadata) {
			return this.glob.matcher(hostPort).matches()
					|| (instanceId != null && this.glob.matcher(instanceId).matches());
		}

	}

}
