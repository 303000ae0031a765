/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the two lowest layers of the volume format: the
 * little-endian accessors (cairn/endian.h) and CRC32C (crc32c.c). The CRC
 * is checked against published vectors (the CRC catalogue's check value,
 * RFC 3720 B.4) and against a bitwise reference implementation written
 * here from the definition, independent of the table in crc32c.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/crc32c.h"
#include "cairn/endian.h"

/* CRC32C by the definition: one bit at a time, reflected. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1u) ? 0x82f63b78u : 0u);
	}
	return c ^ 0xffffffffu;
}

/* Deterministic pseudo-random bytes (xorshift64). */
static void fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed ? seed : 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

static void test_le16_byte_order(void **state)
{
	(void)state;
	uint8_t b[4] = { 0xaa, 0xaa, 0xaa, 0xaa };

	cairn_put_le16(b + 1, 0x1234);
	assert_int_equal(b[0], 0xaa);
	assert_int_equal(b[1], 0x34);
	assert_int_equal(b[2], 0x12);
	assert_int_equal(b[3], 0xaa);
	assert_int_equal(cairn_get_le16(b + 1), 0x1234);
	cairn_put_le16(b, 0xffff);
	assert_int_equal(cairn_get_le16(b), 0xffff);
}

static void test_le32_byte_order(void **state)
{
	(void)state;
	uint8_t b[6];

	memset(b, 0xcc, sizeof(b));
	cairn_put_le32(b + 1, 0xdeadbeefu); /* unaligned on purpose */
	const uint8_t want[6] = { 0xcc, 0xef, 0xbe, 0xad, 0xde, 0xcc };
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(cairn_get_le32(b + 1), 0xdeadbeefu);
	const uint8_t raw[4] = { 0x01, 0x00, 0x00, 0x80 };
	assert_int_equal(cairn_get_le32(raw), 0x80000001u);
}

static void test_le64_byte_order(void **state)
{
	(void)state;
	uint8_t b[10];

	memset(b, 0x5a, sizeof(b));
	cairn_put_le64(b + 1, 0x0102030405060708ull);
	const uint8_t want[10] = { 0x5a, 8, 7, 6, 5, 4, 3, 2, 1, 0x5a };
	assert_memory_equal(b, want, sizeof(want));
	assert_true(cairn_get_le64(b + 1) == 0x0102030405060708ull);
	cairn_put_le64(b, UINT64_MAX);
	assert_true(cairn_get_le64(b) == UINT64_MAX);
	/* High bit of each byte must not sign-extend into the result. */
	const uint8_t hi[8] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 };
	assert_true(cairn_get_le64(hi) == 0x8080808080808080ull);
}

static void test_endian_roundtrip_many(void **state)
{
	(void)state;
	uint8_t b[8];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 10000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		cairn_put_le64(b, x);
		assert_true(cairn_get_le64(b) == x);
		for (int k = 0; k < 8; k++)
			assert_int_equal(b[k], (uint8_t)(x >> (8 * k)));
		cairn_put_le32(b, (uint32_t)x);
		assert_int_equal(cairn_get_le32(b), (uint32_t)x);
		cairn_put_le16(b, (uint16_t)x);
		assert_int_equal(cairn_get_le16(b), (uint16_t)x);
	}
}

static void test_crc32c_check_value(void **state)
{
	(void)state;
	assert_int_equal(cairn_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(CAIRN_CRC32C_CHECK, 0xE3069283u);
	assert_int_equal(crc32c_bitwise((const uint8_t *)"123456789", 9), 0xE3069283u);
	assert_int_equal(cairn_crc32c(0, "", 0), 0);
	assert_int_equal(cairn_crc32c(0x12345678u, NULL, 0), 0x12345678u);
}

/* RFC 3720 (iSCSI) appendix B.4 test patterns. */
static void test_crc32c_rfc3720_vectors(void **state)
{
	(void)state;
	uint8_t b[32];

	memset(b, 0, sizeof(b));
	assert_int_equal(cairn_crc32c(0, b, 32), 0x8a9136aau);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(cairn_crc32c(0, b, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(cairn_crc32c(0, b, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(cairn_crc32c(0, b, 32), 0x113fdb5cu);
}

static void test_crc32c_zero_block(void **state)
{
	(void)state;
	static uint8_t zero[4096];

	uint32_t ref = crc32c_bitwise(zero, sizeof(zero));
	assert_int_equal(cairn_crc32c(0, zero, sizeof(zero)), ref);
	assert_int_equal(ref, 0x98f94189u); /* also computed by a Python one-liner */
}

static void test_crc32c_chaining(void **state)
{
	(void)state;
	uint8_t buf[300];

	fill_random(buf, sizeof(buf), 42);
	uint32_t whole = cairn_crc32c(0, buf, sizeof(buf));
	for (size_t split = 0; split <= sizeof(buf); split++) {
		uint32_t a = cairn_crc32c(0, buf, split);
		assert_int_equal(cairn_crc32c(a, buf + split, sizeof(buf) - split), whole);
	}
	/* Three pieces too. */
	uint32_t c = cairn_crc32c(0, buf, 7);
	c = cairn_crc32c(c, buf + 7, 100);
	c = cairn_crc32c(c, buf + 107, sizeof(buf) - 107);
	assert_int_equal(c, whole);
}

static void test_crc32c_matches_reference(void **state)
{
	(void)state;
	static uint8_t buf[4096];

	for (uint64_t seed = 1; seed <= 64; seed++) {
		size_t len = (size_t)(seed * 61 % sizeof(buf));
		fill_random(buf, sizeof(buf), seed);
		assert_int_equal(cairn_crc32c(0, buf, len), crc32c_bitwise(buf, len));
	}
	/* Every single-byte input: exercises every table entry. */
	for (unsigned v = 0; v < 256; v++) {
		uint8_t byte = (uint8_t)v;
		assert_int_equal(cairn_crc32c(0, &byte, 1), crc32c_bitwise(&byte, 1));
	}
}

static void test_crc32c_detects_bit_flips(void **state)
{
	(void)state;
	static uint8_t buf[4092];

	fill_random(buf, sizeof(buf), 7);
	uint32_t good = cairn_crc32c(0, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i += 97) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(cairn_crc32c(0, buf, sizeof(buf)), good);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(cairn_crc32c(0, buf, sizeof(buf)), good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_le16_byte_order),
		cmocka_unit_test(test_le32_byte_order),
		cmocka_unit_test(test_le64_byte_order),
		cmocka_unit_test(test_endian_roundtrip_many),
		cmocka_unit_test(test_crc32c_check_value),
		cmocka_unit_test(test_crc32c_rfc3720_vectors),
		cmocka_unit_test(test_crc32c_zero_block),
		cmocka_unit_test(test_crc32c_chaining),
		cmocka_unit_test(test_crc32c_matches_reference),
		cmocka_unit_test(test_crc32c_detects_bit_flips),
	};
	return cmocka_run_group_tests_name("endian_crc32c", tests, NULL, NULL);
}
