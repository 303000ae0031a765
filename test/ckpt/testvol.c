/* SPDX-License-Identifier: MIT */
/*
 * The test volume's file (testvol.h): a memfd of TESTVOL_BLOCKS blocks,
 * mapped shared, so the pwrite()s of the file backend and the tests'
 * pokes through the mapping see the same bytes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testvol.h"

static void die(const char *what)
{
	perror(what);
	abort();
}

struct testvol *testvol_new(const struct testlog_opts *opt)
{
	struct testvol *v = calloc(1, sizeof(*v));
	size_t size = (size_t)TESTVOL_BLOCKS * CAIRN_BLOCK_SIZE;
	int fd;

	if (!v)
		die("testvol");
	fd = memfd_create("testvol", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
		die("testvol: memfd");
	v->img = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (v->img == MAP_FAILED)
		die("testvol: mmap");
	v->sb = testvol_sb();
	cairn_sb_encode(&v->sb, v->img);
	cairn_sb_encode(&v->sb, v->img + CAIRN_BLOCK_SIZE);
	v->file = (struct ckpt_io_file){
		.fd = fd, .blocks = TESTVOL_BLOCKS, .fail_block = UINT64_MAX, .w = &v->g.w
	};
	if (testlog_init(&v->g, &v->sb, ckpt_io_file(&v->file), opt) != 0)
		die("testvol: testlog");
	return v;
}

void testvol_free(struct testvol *v)
{
	testlog_free(&v->g);
	munmap(v->img, (size_t)TESTVOL_BLOCKS * CAIRN_BLOCK_SIZE);
	close(v->file.fd);
	free(v);
}

int testvol_read(void *ctx, uint64_t block, void *buf)
{
	struct testvol *v = ctx;

	v->file.reads++;
	if (block >= v->file.blocks || block == v->file.fail_block)
		return -1;
	return pread(v->file.fd, buf, CAIRN_BLOCK_SIZE, (off_t)(block * CAIRN_BLOCK_SIZE)) ==
			       CAIRN_BLOCK_SIZE
		       ? 0
		       : -1;
}
