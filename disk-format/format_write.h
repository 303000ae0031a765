/* SPDX-License-Identifier: MIT */
/*
 * Writing a volume image (host only). The writer takes a planned, valid
 * superblock and a list of blocks to store, and nothing else: the volume
 * is a sparse file in which every block not written is zero, and zero is
 * the fresh state of every region (void nodes, zero allocation counts,
 * zero pages, "no checkpoint yet" in both log header slots). So an empty
 * volume costs two block writes whatever its size, and the initial system
 * image (--image, kernel team) will only add entries to the block list.
 *
 * Invariant: IMAGE is either left exactly as it was or atomically
 * replaced by a complete, fsynced volume. The volume is built in a
 * temporary file beside IMAGE (IMAGE.tmp.XXXXXX) and renamed over it;
 * on any error the temporary file is removed.
 */
#ifndef CAIRN_FORMAT_WRITE_H
#define CAIRN_FORMAT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/volume.h"

/* One 4 KiB block of the new volume: data holds CAIRN_BLOCK_SIZE bytes.
 * Blocks 0 and 1 (the superblocks) are the writer's own, and each block
 * may appear once; all-zero data is skipped, since the sparse file
 * already reads as zero there. */
struct format_block {
	uint64_t block;
	const void *data;
};

/*
 * Create or replace the volume at path: sb must pass
 * cairn_sb_check_geometry(); blocks[0..nblocks) (distinct, inside
 * [2, total_blocks), any order) are written too. Without force an
 * existing file with data is refused. Returns FORMAT_EXIT_OK, or
 * FORMAT_EXIT_FAILURE with a one-line message (naming path, no prefix) in
 * err.
 */
int format_write_volume(const char *path, const struct cairn_superblock *sb,
			const struct format_block *blocks, size_t nblocks, bool force, char *err,
			size_t errlen);

/* A random (version 4, RFC 9562 §5.4) UUID from /dev/urandom. Returns
 * FORMAT_EXIT_OK or FORMAT_EXIT_FAILURE with a message in err. */
int format_random_uuid(uint8_t uuid[CAIRN_UUID_SIZE], char *err, size_t errlen);

#endif /* CAIRN_FORMAT_WRITE_H */
