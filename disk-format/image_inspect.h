/* SPDX-License-Identifier: MIT */
/*
 * cairn-format --inspect, second half (host only): the domains of a
 * volume's initial image, found by following the boot node chain from the
 * superblock (docs/volume-format.md shows the listing). The volume may be
 * corrupt or may have run for a while: every OID is checked against the
 * node pool before it is read, the chain is followed at most once round,
 * and a key of an unexpected type is printed as what it is (or `?`),
 * never trusted.
 */
#ifndef CAIRN_IMAGE_INSPECT_H
#define CAIRN_IMAGE_INSPECT_H

#include <stdio.h>

#include "cairn/volume.h"

/*
 * List the domains of the volume open as fd (sb valid, boot_node_oid not
 * CAIRN_OID_NONE) on out. A boot chain that cannot be followed gives one
 * "cairn-format: PATH: ..." line on errout and FORMAT_EXIT_FAILURE (the
 * domains read so far are not printed); otherwise FORMAT_EXIT_OK.
 */
int image_inspect(int fd, const char *path, const struct cairn_superblock *sb, FILE *out,
		  FILE *errout);

#endif /* CAIRN_IMAGE_INSPECT_H */
