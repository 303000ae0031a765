/* SPDX-License-Identifier: MIT */
/*
 * The log writer's device over a file (host tools and tests): a volume
 * image, block b at byte b * 4096. Writes are pwrite(), reads pread(), a
 * FLUSH is fdatasync(); each request is completed (ckpt_writer_done())
 * before submit() returns, so a writer over a file runs a generation from
 * ckpt_writer_start() to its end in one call.
 *
 * Native only (POSIX), unlike the rest of ckpt/.
 */
#ifndef CAIRN_CKPT_IO_FILE_H
#define CAIRN_CKPT_IO_FILE_H

#include <stdint.h>

#include "writer.h"

struct ckpt_io_file {
	int fd;
	uint64_t blocks;       /* the volume's size: requests past it fail */
	uint64_t fail_block;   /* a request covering this block fails (UINT64_MAX: none) */
	struct ckpt_writer *w; /* whose requests these are */
	uint64_t reads, writes, flushes; /* blocks read and written, FLUSHes */
};

/* The struct ckpt_io of f (f must outlive the writer). */
struct ckpt_io ckpt_io_file(struct ckpt_io_file *f);

#endif /* CAIRN_CKPT_IO_FILE_H */
