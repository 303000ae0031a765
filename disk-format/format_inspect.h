/* SPDX-License-Identifier: MIT */
/*
 * cairn-format --inspect (host only): validate a volume image and print
 * its geometry, one "key  value" item a line, in a fixed order that
 * scripts may rely on (docs/volume-format.md shows an example), then the
 * domains of its initial image, if it has one (image_inspect.h). It reads
 * both superblock copies and never writes.
 */
#ifndef CAIRN_FORMAT_INSPECT_H
#define CAIRN_FORMAT_INSPECT_H

#include <stdio.h>

#include "cairn/volume.h"

/*
 * Inspect the image at path. The geometry of the copy used goes to out;
 * problems go to errout as "cairn-format: PATH: ..." lines. The primary
 * copy is used when valid, else the backup. Returns FORMAT_EXIT_OK only
 * if both copies are valid, identical and fit in the file, and the boot
 * node chain can be followed; otherwise
 * FORMAT_EXIT_FAILURE (still printing the geometry if one copy is usable).
 */
int format_inspect(const char *path, FILE *out, FILE *errout);

/* The geometry listing of a valid superblock; `copy` is "primary" or
 * "backup". */
void format_print_geometry(const struct cairn_superblock *sb, const char *copy, FILE *out);

#endif /* CAIRN_FORMAT_INSPECT_H */
