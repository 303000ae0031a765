/* SPDX-License-Identifier: MIT */
/*
 * A crash state of a volume, read without ever copying the volume: three
 * layers of 512-byte (log sector size) sectors, the upper one winning.
 *
 *   pending   the unflushed writes this state includes (torn ones only in
 *             part), cleared for every state in O(1)
 *   durable   every write before the current flush point
 *   BASE      the image the recording started from (mmap'ed; past its end
 *             the volume reads as zeros)
 *
 * Both upper layers map a sector number to the byte offset of its content
 * in the dm-log-writes log, or OVL_ZERO for a discarded or write-zeroes
 * sector. overlay_read() is a ckpt_read_fn, so ckpt_recover() runs over a
 * crash state exactly as it runs over a disk.
 *
 * The maps are open addressing with linear probing and no deletion. A slot
 * is in use when its stamp equals the map's current stamp, so clearing
 * the pending layer is one increment (a full wipe only when the 32-bit
 * stamp wraps).
 */
#ifndef CAIRN_TEST_CRASH_OVERLAY_H
#define CAIRN_TEST_CRASH_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OVL_ZERO UINT64_MAX /* the sector reads as zeros */

struct secmap {
	uint64_t *key;   /* sector */
	uint64_t *val;   /* log offset or OVL_ZERO */
	uint32_t *stamp; /* slot in use iff stamp == cur */
	size_t cap, n;   /* cap: a power of two, or 0 before the first put */
	uint32_t cur;
};

int secmap_put(struct secmap *m, uint64_t sector, uint64_t off); /* 0, or -1: no memory */
bool secmap_get(const struct secmap *m, uint64_t sector, uint64_t *off);
void secmap_clear(struct secmap *m);
void secmap_free(struct secmap *m);

struct overlay {
	const uint8_t *base; /* BASE, base_len bytes */
	size_t base_len;
	const uint8_t *log;    /* the whole log */
	uint32_t ss;           /* log sector size: 512 .. 4096 */
	uint32_t spb;          /* sectors per 4 KiB volume block */
	uint64_t total_blocks; /* of the volume (superblock) */
	struct secmap durable, pending;
	uint64_t reads; /* overlay_read() calls */
};

/* A ckpt_read_fn: volume block `block` of the current state. -1 past the
 * volume's end. */
int overlay_read(void *ctx, uint64_t block, void *buf);

/* The content of one sector, as a layer maps it: into dst (ss bytes). */
void overlay_copy_sector(const struct overlay *o, uint8_t *dst, uint64_t off);

/* Write the current state as a whole image file (sparse: all-zero blocks
 * are holes). 0, or -errno. */
int overlay_save(struct overlay *o, const char *path);

void overlay_free(struct overlay *o);

#endif /* CAIRN_TEST_CRASH_OVERLAY_H */
