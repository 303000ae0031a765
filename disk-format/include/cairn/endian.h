/* SPDX-License-Identifier: MIT */
/*
 * Little-endian accessors for on-disk fields. Every multi-byte integer on a
 * Cairn volume is little-endian and is read and written only through these
 * functions, on byte pointers, one byte at a time. That keeps the format
 * independent of the host's byte order and of struct padding and alignment
 * (a superblock field may sit at any offset in a buffer), which is why the
 * format never overlays C structs (or bitfields) on disk bytes. Compilers
 * turn these into single loads and stores on little-endian targets.
 *
 * Freestanding: only <stdint.h>; usable by the kernel, tools and tests.
 */
#ifndef CAIRN_DISK_ENDIAN_H
#define CAIRN_DISK_ENDIAN_H

#include <stdint.h>

static inline uint16_t cairn_get_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | (uint16_t)b[1] << 8);
}

static inline uint32_t cairn_get_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t cairn_get_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)cairn_get_le32(b) | (uint64_t)cairn_get_le32(b + 4) << 32;
}

static inline void cairn_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void cairn_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static inline void cairn_put_le64(void *p, uint64_t v)
{
	uint8_t *b = p;
	cairn_put_le32(b, (uint32_t)v);
	cairn_put_le32(b + 4, (uint32_t)(v >> 32));
}

#endif /* CAIRN_DISK_ENDIAN_H */
