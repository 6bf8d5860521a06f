package dev.livery.loadbalancer;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit xxHash (XXH64) of a string's UTF-8 bytes, written from Yann Collet's published description of the
 * algorithm. Every livery client computes the same value for the same string on any JVM, which is what lets clients
 * that see the same members build the same hash ring.
 */
final class XxHash64 {

	/*
	 * Implementation note: strings whose characters are all ASCII (host:port keys, most request keys) are hashed
	 * straight from their chars, whose values equal their UTF-8 bytes, so hashing a request key allocates nothing.
	 * Anything else is encoded first. Both paths share the rounds below and agree with the reference implementation
	 * (XxHash64Tests checks published vectors).
	 */

	private static final long P1 = 0x9E3779B185EBCA87L;

	private static final long P2 = 0xC2B2AE3D27D4EB4FL;

	private static final long P3 = 0x165667B19E3779F9L;

	private static final long P4 = 0x85EBCA77C2B2AE63L;

	private static final long P5 = 0x27D4EB2F165667C5L;

	private XxHash64() {
	}

	/**
	 * Return the hash of a string's UTF-8 encoding.
	 * @param value the string
	 * @param seed the seed
	 * @return the XXH64 hash
	 */
	static long hash(String value, long seed) {
		int length = value.length();
		for (int i = 0; i < length; i++) {
			if (value.charAt(i) >= 0x80) {
				return hash(value.getBytes(StandardCharsets.UTF_8), seed);
			}
		}
		return hashAscii(value, seed);
	}

	/**
	 * Return the hash of some bytes.
	 * @param input the bytes
	 * @param seed the seed
	 * @return the XXH64 hash
	 */
	static long hash(byte[] input, long seed) {
		int length = input.length;
		int i = 0;
		long h;
		if (length >= 32) {
			long v1 = seed + P1 + P2;
			long v2 = seed + P2;
			long v3 = seed;
			long v4 = seed - P1;
			int limit = length - 32;
			do {
				v1 = round(v1, long64(input, i));
				v2 = round(v2, long64(input, i + 8));
				v3 = round(v3, long64(input, i + 16));
				v4 = round(v4, long64(input, i + 24));
				i += 32;
			}
			while (i <= limit);
			h = converge(v1, v2, v3, v4);
		}
		else {
			h = seed + P5;
		}
		h += length;
		while (i + 8 <= length) {
			h = mix8(h, long64(input, i));
			i += 8;
		}
		if (i + 4 <= length) {
			h = mix4(h, int32(input, i));
			i += 4;
		}
		while (i < length) {
			h = mix1(h, input[i] & 0xFF);
			i++;
		}
		return avalanche(h);
	}

	private static long hashAscii(String input, long seed) {
		int length = input.length();
		int i = 0;
		long h;
		if (length >= 32) {
			long v1 = seed + P1 + P2;
			long v2 = seed + P2;
			long v3 = seed;
			long v4 = seed - P1;
			int limit = length - 32;
			do {
				v1 = round(v1, long64(input, i));
				v2 = round(v2, long64(input, i + 8));
				v3 = round(v3, long64(input, i + 16));
				v4 = round(v4, long64(input, i + 24));
				i += 32;
			}
			while (i <= limit);
			h = converge(v1, v2, v3, v4);
		}
		else {
			h = seed + P5;
		}
		h += length;
		while (i + 8 <= length) {
			h = mix8(h, long64(input, i));
			i += 8;
		}
		if (i + 4 <= length) {
			h = mix4(h, int32(input, i));
			i += 4;
		}
		while (i < length) {
			h = mix1(h, input.charAt(i));
			i++;
		}
		return avalanche(h);
	}

	private static long round(long acc, long lane) {
		return Long.rotateLeft(acc + lane * P2, 31) * P1;
	}

	private static long converge(long v1, long v2, long v3, long v4) {
		long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
		h = merge(h, v1);
		h = merge(h, v2);
		h = merge(h, v3);
		return merge(h, v4);
	}

	private static long merge(long h, long v) {
		return (h ^ round(0, v)) * P1 + P4;
	}

	private static long mix8(long h, long lane) {
		return Long.rotateLeft(h ^ round(0, lane), 27) * P1 + P4;
	}

	private static long mix4(long h, long lane) {
		return Long.rotateLeft(h ^ (lane * P1), 23) * P2 + P3;
	}

	private static long mix1(long h, int b) {
		return Long.rotateLeft(h ^ (b * P5), 11) * P1;
	}

	private static long avalanche(long h) {
		h ^= h >>> 33;
		h *= P2;
		h ^= h >>> 29;
		h *= P3;
		return h ^ (h >>> 32);
	}

	// Little-endian reads.

	private static long long64(byte[] b, int i) {
		return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24
				| (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40 | (b[i + 6] & 0xFFL) << 48
				| (b[i + 7] & 0xFFL) << 56;
	}

	private static long int32(byte[] b, int i) {
		return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24;
	}

	private static long long64(String s, int i) {
		return (long) s.charAt(i) | (long) s.charAt(i + 1) << 8 | (long) s.charAt(i + 2) << 16
				| (long) s.charAt(i + 3) << 24 | (long) s.charAt(i + 4) << 32 | (long) s.charAt(i + 5) << 40
				| (long) s.charAt(i + 6) << 48 | (long) s.charAt(i + 7) << 56;
	}

	private static long int32(String s, int i) {
		return (long) s.charAt(i) | (long) s.charAt(i + 1) << 8 | (long) s.charAt(i + 2) << 16
				| (long) s.charAt(i + 3) << 24;
	}

}
