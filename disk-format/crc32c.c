/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli), table-driven: eight bytes per step where the data
 * is 8-aligned (slicing-by-8, on little-endian machines), else one. The
 * tables (crc32c_slices.h) are the CRC of each byte value under the
 * reflected polynomial 0x82F63B78, followed by 0 to 7 zero bytes, written
 * out as literals (generated once from the bitwise definition; the CRC is
 * re-checked against it by test/host/test_endian_crc.c), so they live in
 * .rodata and the kernel needs no initialisation before its first
 * superblock read. Headers and superblocks are checked at every boot
 * (about 12 instructions a byte one byte per step, about half that eight
 * at a time); bulk data is never checksummed with this.
 *
 * Invariant: cairn_crc32c(cairn_crc32c(0, a, n), b, m) is the CRC of a||b,
 * because the xor-in and xor-out cancel between the calls.
 *
 * Freestanding: no library calls at all.
 */
#include "cairn/crc32c.h"
#include "crc32c_slices.h"

/* A word of the data, read where it is 8-aligned (no library calls). */
typedef uint64_t __attribute__((may_alias)) crc32c_word;

uint32_t cairn_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc; /* undo the previous call's final xor (or apply the init) */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (len && ((uintptr_t)p & 7u)) {
		crc = crc32c_slice[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
		len--;
	}
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w = *(const crc32c_word *)(const void *)p ^ crc;

		crc = crc32c_slice[7][w & 0xffu] ^ crc32c_slice[6][(w >> 8) & 0xffu] ^
		      crc32c_slice[5][(w >> 16) & 0xffu] ^ crc32c_slice[4][(w >> 24) & 0xffu] ^
		      crc32c_slice[3][(w >> 32) & 0xffu] ^ crc32c_slice[2][(w >> 40) & 0xffu] ^
		      crc32c_slice[1][(w >> 48) & 0xffu] ^ crc32c_slice[0][w >> 56];
	}
#endif
	while (len--)
		crc = crc32c_slice[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}
