/* SPDX-License-Identifier: MIT */
/*
 * cairn-format: creates and inspects Cairn volume images. This file is
 * only the sequence; the work is in format_args.c (argv -> options and a
 * planned superblock), image_*.c (the initial system image: description,
 * programs, nodes and pages), format_write.c (the sparse, atomic writer)
 * and format_inspect.c. Every failure is one "cairn-format: ..." line on
 * stderr and exit status 1 (or 2 for bad arguments); success of a create
 * is one line on stdout.
 */
#include <inttypes.h>
#include <stdio.h>

#include "format_args.h"
#include "format_inspect.h"
#include "format_write.h"
#include "image_build.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "unknown"
#endif

static int create(struct format_options *opt)
{
	char err[1024];
	char uuid[CAIRN_UUID_STR_LEN + 1];
	struct image img = { 0 };

	if (!opt->uuid_given &&
	    format_random_uuid(opt->sb.uuid, err, sizeof(err)) != FORMAT_EXIT_OK) {
		fprintf(stderr, "cairn-format: %s\n", err);
		return FORMAT_EXIT_FAILURE;
	}
	/* The whole image is built in memory before any file is created, so
	 * a bad description or program leaves nothing behind. */
	if (opt->image_desc &&
	    image_make(opt->image_desc, &opt->sb, &img, err, sizeof(err)) != FORMAT_EXIT_OK) {
		fprintf(stderr, "cairn-format: %s\n", err);
		return FORMAT_EXIT_FAILURE;
	}
	int rc = format_write_volume(opt->image_path, &opt->sb, img.blocks, img.nblocks, opt->force,
				     err, sizeof(err));
	if (rc != FORMAT_EXIT_OK) {
		fprintf(stderr, "cairn-format: %s\n", err);
		image_free(&img);
		return FORMAT_EXIT_FAILURE;
	}
	if (opt->sb.checkpoint_interval_ms != 0 && opt->sb.log_blocks < CAIRN_LOG_CKPT_MIN_BLOCKS)
		fprintf(stderr,
			"cairn-format: warning: a log of %" PRIu64 " blocks is below %u (%uK), the "
			"smallest the kernel checkpoints with: this volume will run without checkpoints\n",
			opt->sb.log_blocks, CAIRN_LOG_CKPT_MIN_BLOCKS,
			CAIRN_LOG_CKPT_MIN_BLOCKS * CAIRN_BLOCK_SIZE / 1024);
	cairn_uuid_format(opt->sb.uuid, uuid);
	printf("cairn-format: wrote %s: volume %s size=%" PRIu64 " nodes=%" PRIu64 " pages=%" PRIu64
	       " log=%" PRIu64,
	       opt->image_path, uuid, opt->sb.total_blocks * CAIRN_BLOCK_SIZE, opt->sb.node_count,
	       opt->sb.page_count, opt->sb.log_blocks * CAIRN_BLOCK_SIZE);
	if (opt->image_desc)
		printf(" image: %zu domain%s, %" PRIu64 " nodes, %" PRIu64 " pages",
		       img.desc.ndomains, img.desc.ndomains == 1 ? "" : "s", img.node_count,
		       img.page_count);
	putchar('\n');
	image_free(&img);
	return FORMAT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct format_options opt;
	char err[512];

	int rc = cairn_format_parse_args(argc, argv, &opt, err, sizeof(err));
	if (rc != FORMAT_EXIT_OK) {
		fprintf(stderr, "cairn-format: %s\n", err);
		return rc;
	}
	switch (opt.action) {
	case FORMAT_HELP:
		cairn_format_usage(stdout);
		return FORMAT_EXIT_OK;
	case FORMAT_VERSION:
		printf("cairn-format %s (volume format %u)\n", CAIRN_VERSION, CAIRN_FORMAT_VERSION);
		return FORMAT_EXIT_OK;
	case FORMAT_INSPECT:
		return format_inspect(opt.image_path, stdout, stderr);
	case FORMAT_CREATE:
		break;
	}
	return create(&opt);
}
