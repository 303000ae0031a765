/* SPDX-License-Identifier: MIT */
/*
 * The volume writer of cairn-format: see format_write.h for the contract.
 * The order of operations is what keeps an existing IMAGE safe:
 *
 *   1. refuse early (directory, not a regular file, data without --force)
 *   2. mkstemp IMAGE.tmp.XXXXXX in IMAGE's directory (same file system,
 *      so the rename in 5 is atomic)
 *   3. ftruncate to the full size: a hole, costing no space
 *   4. pwrite the two superblocks and the non-zero blocks of the list
 *   5. fsync, close, rename over IMAGE, fsync the directory
 *
 * Any failure in 2..5 unlinks the temporary file; IMAGE is untouched until
 * the rename, which either happens completely or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format_args.h"
#include "format_write.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return FORMAT_EXIT_FAILURE;
}

static bool pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		p += n, len -= (size_t)n, off += n;
	}
	return true;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The block list comes from a program (the image builder), so a bad entry
 * is an internal error: outside [2, total) or named twice. Skipping zero
 * blocks is only correct because each block is written at most once. */
static int check_blocks(const char *path, const struct cairn_superblock *sb,
			const struct format_block *blocks, size_t nblocks, char *err, size_t errlen)
{
	if (nblocks == 0)
		return FORMAT_EXIT_OK;
	uint64_t *ids = malloc(nblocks * sizeof(*ids));
	if (!ids)
		return fail(err, errlen, "%s: out of memory", path);
	for (size_t i = 0; i < nblocks; i++)
		ids[i] = blocks[i].block;
	qsort(ids, nblocks, sizeof(*ids), cmp_u64);
	int rc = FORMAT_EXIT_OK;
	if (ids[0] < CAIRN_FIRST_REGION_BLOCK || ids[nblocks - 1] >= sb->total_blocks)
		rc = fail(err, errlen, "%s: internal error: block %llu outside the volume", path,
			  (unsigned long long)(ids[0] < CAIRN_FIRST_REGION_BLOCK
						       ? ids[0]
						       : ids[nblocks - 1]));
	for (size_t i = 1; i < nblocks && rc == FORMAT_EXIT_OK; i++)
		if (ids[i] == ids[i - 1])
			rc = fail(err, errlen, "%s: internal error: block %llu written twice", path,
				  (unsigned long long)ids[i]);
	free(ids);
	return rc;
}

/* Step 1: may path be (re)placed? Follows no symlink: renaming over one
 * would replace the link, not the file it names, which surprises. */
static int check_target(const char *path, bool force, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return FORMAT_EXIT_OK;
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return fail(err, errlen, "%s: is a directory", path);
	if (S_ISLNK(st.st_mode))
		return fail(err, errlen, "%s: is a symbolic link (give the file it points to)",
			    path);
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, "%s: not a regular file", path);
	if (st.st_size > 0 && !force)
		return fail(err, errlen, "%s: already holds data (use --force to overwrite it)",
			    path);
	return FORMAT_EXIT_OK;
}

/* Step 5b: make the rename itself durable. Best effort: the volume is
 * already complete under its name; only a crash right now could lose it. */
static void sync_parent_dir(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *name = ".";
	if (slash == dir)
		name = "/";
	else if (slash) {
		*slash = '\0';
		name = dir;
	}
	int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Steps 3 and 4 on the open temporary file. */
static int fill(int fd, const char *path, const struct cairn_superblock *sb,
		const struct format_block *blocks, size_t nblocks, char *err, size_t errlen)
{
	uint8_t sb_block[CAIRN_BLOCK_SIZE];
	off_t size = (off_t)(sb->total_blocks * CAIRN_BLOCK_SIZE);

	if (ftruncate(fd, size) != 0)
		return fail(err, errlen, "%s: cannot make a file of %llu bytes: %s", path,
			    (unsigned long long)size, strerror(errno));
	cairn_sb_encode(sb, sb_block);
	if (!pwrite_all(fd, sb_block, CAIRN_BLOCK_SIZE,
			(off_t)CAIRN_SB_PRIMARY_BLOCK * CAIRN_BLOCK_SIZE) ||
	    !pwrite_all(fd, sb_block, CAIRN_BLOCK_SIZE,
			(off_t)CAIRN_SB_BACKUP_BLOCK * CAIRN_BLOCK_SIZE))
		return fail(err, errlen, "%s: cannot write the superblocks: %s", path,
			    strerror(errno));
	for (size_t i = 0; i < nblocks; i++) {
		if (all_zero(blocks[i].data, CAIRN_BLOCK_SIZE))
			continue; /* the hole already reads as zero */
		if (!pwrite_all(fd, blocks[i].data, CAIRN_BLOCK_SIZE,
				(off_t)(blocks[i].block * CAIRN_BLOCK_SIZE)))
			return fail(err, errlen, "%s: cannot write block %llu: %s", path,
				    (unsigned long long)blocks[i].block, strerror(errno));
	}
	if (fsync(fd) != 0)
		return fail(err, errlen, "%s: fsync: %s", path, strerror(errno));
	return FORMAT_EXIT_OK;
}

int format_write_volume(const char *path, const struct cairn_superblock *sb,
			const struct format_block *blocks, size_t nblocks, bool force, char *err,
			size_t errlen)
{
	enum cairn_vol_err e = cairn_sb_check_geometry(sb, sb->total_blocks);
	if (e != CAIRN_VOL_OK)
		return fail(err, errlen, "%s: internal error: planned volume is invalid: %s (%s)",
			    path, cairn_vol_strerror(e), cairn_vol_errname(e));
	if (sb->total_blocks > (uint64_t)INT64_MAX / CAIRN_BLOCK_SIZE)
		return fail(err, errlen, "%s: volume too large for a file", path);
	int rc = check_blocks(path, sb, blocks, nblocks, err, errlen);
	if (rc != FORMAT_EXIT_OK)
		return rc;
	rc = check_target(path, force, err, errlen);
	if (rc != FORMAT_EXIT_OK)
		return rc;

	static const char suffix[] = ".tmp.XXXXXX";
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof(suffix));
	if (!tmp)
		return fail(err, errlen, "%s: out of memory", path);
	memcpy(tmp, path, len);
	memcpy(tmp + len, suffix, sizeof(suffix));

	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = fail(err, errlen, "%s: cannot create a file in its directory: %s", path,
			  strerror(errno));
		free(tmp);
		return rc;
	}
	/* mkstemp makes the file 0600; give it the mode open(2) would. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0)
		rc = fail(err, errlen, "%s: chmod: %s", tmp, strerror(errno));
	if (rc == FORMAT_EXIT_OK)
		rc = fill(fd, path, sb, blocks, nblocks, err, errlen);
	if (close(fd) != 0 && rc == FORMAT_EXIT_OK)
		rc = fail(err, errlen, "%s: close: %s", path, strerror(errno));
	if (rc == FORMAT_EXIT_OK && rename(tmp, path) != 0)
		rc = fail(err, errlen, "%s: cannot rename %s into place: %s", path, tmp,
			  strerror(errno));
	if (rc != FORMAT_EXIT_OK)
		unlink(tmp);
	else
		sync_parent_dir(path);
	free(tmp);
	return rc;
}

int format_random_uuid(uint8_t uuid[CAIRN_UUID_SIZE], char *err, size_t errlen)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "/dev/urandom: %s", strerror(errno));
	size_t got = 0;
	while (got < CAIRN_UUID_SIZE) {
		ssize_t n = read(fd, uuid + got, CAIRN_UUID_SIZE - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : EIO;
			close(fd);
			return fail(err, errlen, "/dev/urandom: %s", strerror(saved));
		}
		got += (size_t)n;
	}
	close(fd);
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* variant 10 (RFC) */
	return FORMAT_EXIT_OK;
}
