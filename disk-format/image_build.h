/* SPDX-License-Identifier: MIT */
/*
 * The initial system image builder (host only): turns a parsed
 * description and its loaded programs into the nodes and pages of the
 * first domains, as blocks for format_write_volume()
 * (docs/image-format.md, "What the formatter builds").
 *
 * Everything happens in memory, before any file is created: if the image
 * does not fit the planned volume, or a domain's stack or heap does not
 * fit its address space, or a range lies outside the pools, nothing is
 * written at all.
 *
 * OIDs are handed out from 0, in one fixed order (the doc lists it), by
 * two runs of the same code: the first only counts (so the fit check can
 * say how many objects are needed, and every domain's root OID is known
 * before any key names it), the second fills the node pots.
 */
#ifndef CAIRN_IMAGE_BUILD_H
#define CAIRN_IMAGE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/volume.h"
#include "format_write.h"
#include "image_desc.h"
#include "image_elf.h"

/* Nodes in one boot node: slots 0..29 domain keys, 30 the run mask, 31
 * the next boot node. */
#define IMAGE_BOOT_DOMAINS   30u
#define IMAGE_BOOT_SLOT_RUN  30u
#define IMAGE_BOOT_SLOT_NEXT 31u

/* The initial stack pointer: 16 bytes below the top, 16-byte aligned. */
#define IMAGE_INITIAL_SP (IMAGE_SPACE_TOP - 16u)

struct image {
	struct image_desc desc;
	struct image_elf *elves;     /* one per desc.programs entry */
	uint64_t boot_node_oid;      /* CAIRN_OID_NONE without domains */
	uint64_t node_count;         /* node OIDs [0, node_count) are the image */
	uint64_t page_count;         /* page OIDs likewise */
	uint64_t *root_oids;         /* per domain */
	uint8_t *pots;               /* ceil(node_count / 7) node pots */
	struct format_block *blocks; /* node pots, then the non-zero pages */
	size_t nblocks;
};

/*
 * Build the image of desc (programs already loaded into elves, one per
 * program) for the volume planned in sb. On success fills img (its desc
 * and elves fields are left to the caller) and returns FORMAT_EXIT_OK;
 * else FORMAT_EXIT_FAILURE with "FILE:LINE: message" or "FILE: message"
 * in err.
 */
int image_build(const struct image_desc *desc, const struct image_elf *elves,
		const struct cairn_superblock *sb, struct image *img, char *err, size_t errlen);

/*
 * All of it: read and parse the description at path, load its programs,
 * build, and record the image in sb (boot_node_oid, image_node_count,
 * image_page_count). img owns everything the blocks point into.
 */
int image_make(const char *path, struct cairn_superblock *sb, struct image *img, char *err,
	       size_t errlen);

void image_free(struct image *img);

#endif /* CAIRN_IMAGE_BUILD_H */
