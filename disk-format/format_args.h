/* SPDX-License-Identifier: MIT */
/*
 * Command-line parsing for cairn-format (host only). The parser is a pure
 * function of argv: it touches no file, prints nothing and never exits, so
 * test/host/test_format_args.c can call it once per bad input. On success
 * a create request comes back with its geometry already planned and
 * checked (struct format_options.sb), so every error that depends only on
 * the arguments is a usage error found here, before any file is touched.
 */
#ifndef CAIRN_FORMAT_ARGS_H
#define CAIRN_FORMAT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cairn/volume.h"

/* Exit statuses of cairn-format. */
enum format_exit {
	FORMAT_EXIT_OK = 0,
	FORMAT_EXIT_FAILURE = 1, /* I/O, existing data, invalid volume */
	FORMAT_EXIT_USAGE = 2,   /* the arguments are wrong */
};

enum format_action {
	FORMAT_CREATE,
	FORMAT_INSPECT,
	FORMAT_HELP,
	FORMAT_VERSION,
};

struct format_options {
	enum format_action action;
	const char *image_path;          /* the IMAGE operand (points into argv) */
	uint64_t size_bytes;             /* --size */
	uint64_t nodes;                  /* --nodes, 0: default */
	uint64_t log_bytes;              /* --log, 0: default */
	uint32_t checkpoint_interval_ms; /* --checkpoint-interval */
	bool uuid_given;                 /* --uuid: uuid[] holds it */
	uint8_t uuid[CAIRN_UUID_SIZE];
	char label[CAIRN_LABEL_SIZE]; /* --label, NUL-padded */
	bool force;                   /* --force */
	/* --image DESCRIPTION: the initial system image (image_build.h),
	 * NULL for an empty volume. Only its presence is checked here: the
	 * file is read when the volume is created. */
	const char *image_desc;
	struct cairn_superblock sb; /* FORMAT_CREATE: the planned volume,
				     * uuid still zero unless uuid_given */
};

/* Parse argv into *opt. Returns FORMAT_EXIT_OK, or FORMAT_EXIT_USAGE with
 * a one-line message (no prefix, no newline) in err. */
int cairn_format_parse_args(int argc, char **argv, struct format_options *opt, char *err,
			    size_t errlen);

enum format_size_err {
	FORMAT_SIZE_OK = 0,
	FORMAT_SIZE_INVALID,  /* empty, sign, junk, unknown or repeated suffix */
	FORMAT_SIZE_OVERFLOW, /* more than INT64_MAX bytes (an off_t) */
};

/* "256M" -> 268435456. Decimal digits and an optional K, M, G or T suffix
 * (powers of 1024, either case). Zero parses (the caller decides). */
enum format_size_err cairn_format_parse_size(const char *s, uint64_t *out);

/* "01234567-89ab-cdef-0123-456789abcdef", either case. */
bool cairn_format_parse_uuid(const char *s, uint8_t uuid[CAIRN_UUID_SIZE]);

void cairn_format_usage(FILE *out);

#endif /* CAIRN_FORMAT_ARGS_H */
