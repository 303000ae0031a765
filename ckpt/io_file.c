/* SPDX-License-Identifier: MIT */
/*
 * The log writer over a file (io_file.h): one POSIX call per block, the
 * completion at once. A short or failed call, or a request that covers
 * fail_block or runs past the volume, completes with CKPT_IO_ERROR.
 */
#include <unistd.h>

#include "io_file.h"

static int transfer(struct ckpt_io_file *f, const struct ckpt_io_req *req)
{
	for (unsigned i = 0; i < req->nblocks; i++) {
		uint64_t b = req->block + i;
		off_t at = (off_t)(b * CKPT_BLOCK_SIZE);
		ssize_t n;

		if (b >= f->blocks || b == f->fail_block)
			return CKPT_IO_ERROR;
		if (req->op == CKPT_IO_READ) {
			n = pread(f->fd, req->buf[i], CKPT_BLOCK_SIZE, at);
			f->reads++;
		} else {
			n = pwrite(f->fd, req->buf[i], CKPT_BLOCK_SIZE, at);
			f->writes++;
		}
		if (n != CKPT_BLOCK_SIZE)
			return CKPT_IO_ERROR;
	}
	return 0;
}

static void file_submit(void *ctx, struct ckpt_io_req *req)
{
	struct ckpt_io_file *f = ctx;
	int status;

	if (req->op == CKPT_IO_FLUSH) {
		f->flushes++;
		status = fdatasync(f->fd) == 0 ? 0 : CKPT_IO_ERROR;
	} else {
		status = transfer(f, req);
	}
	ckpt_writer_done(f->w, req, status);
}

static const char *file_strerror(int status)
{
	return status == CKPT_IO_ERROR ? "I/O error" : "unknown error";
}

struct ckpt_io ckpt_io_file(struct ckpt_io_file *f)
{
	return (struct ckpt_io){ .ctx = f, .submit = file_submit, .strerror = file_strerror };
}
