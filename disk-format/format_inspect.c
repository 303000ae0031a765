/* SPDX-License-Identifier: MIT */
/*
 * cairn-format --inspect: see format_inspect.h. A volume counts as healthy
 * only if both superblock copies decode, pass the geometry checks against
 * the file's real size, and are byte-identical; anything less is reported
 * (one line each) and makes the exit status 1, but the usable copy, if
 * any, is still printed, exactly as the kernel would choose it: the
 * primary when valid, otherwise the backup. A volume with an initial
 * image also gets its domains listed (image_inspect.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format_args.h"
#include "format_inspect.h"
#include "image_inspect.h"

/* Print the label so that it stays on one line whatever the disk holds. */
static void print_label(const char *label, FILE *out)
{
	for (size_t i = 0; i < CAIRN_LABEL_SIZE && label[i]; i++) {
		unsigned char c = (unsigned char)label[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

void format_print_geometry(const struct cairn_superblock *sb, const char *copy, FILE *out)
{
	char uuid[CAIRN_UUID_STR_LEN + 1];

	cairn_uuid_format(sb->uuid, uuid);
	fprintf(out, "volume      %s\n", uuid);
	fputs("label       ", out);
	print_label(sb->label, out);
	fputc('\n', out);
	fprintf(out, "format      %" PRIu32 "\n", sb->format_version);
	fprintf(out, "size        %" PRIu64 " bytes (%" PRIu64 " blocks)\n",
		sb->total_blocks * CAIRN_BLOCK_SIZE, sb->total_blocks);
	fprintf(out, "nodes       %" PRIu64 " in %" PRIu64 " pots at block %" PRIu64 "\n",
		sb->node_count, sb->node_pool_blocks, sb->node_pool_start);
	fprintf(out, "tags        %" PRIu64 " blocks at block %" PRIu64 "\n", sb->tag_pool_blocks,
		sb->tag_pool_start);
	fprintf(out, "pages       %" PRIu64 " at block %" PRIu64 "\n", sb->page_count,
		sb->page_pool_start);
	fprintf(out, "log         %" PRIu64 " bytes (%" PRIu64 " blocks) at block %" PRIu64 "\n",
		sb->log_blocks * CAIRN_BLOCK_SIZE, sb->log_blocks, sb->log_start);
	if (sb->checkpoint_interval_ms)
		fprintf(out, "checkpoint  %" PRIu32 " ms\n", sb->checkpoint_interval_ms);
	else
		fputs("checkpoint  off\n", out);
	if (sb->boot_node_oid != CAIRN_OID_NONE)
		fprintf(out,
			"image       boot node %" PRIu64 ", %" PRIu64 " nodes, %" PRIu64 " pages\n",
			sb->boot_node_oid, sb->image_node_count, sb->image_page_count);
	else if (sb->image_node_count || sb->image_page_count)
		fprintf(out, "image       no boot node, %" PRIu64 " nodes, %" PRIu64 " pages\n",
			sb->image_node_count, sb->image_page_count);
	else
		fputs("image       none\n", out);
	fprintf(out, "superblock  %s\n", copy);
}

/* Read up to one block at block index `block`; returns bytes read (short
 * at the end of the file), or -1 with errno set. */
static ssize_t read_block(int fd, uint64_t block, uint8_t *buf)
{
	size_t got = 0;

	while (got < CAIRN_BLOCK_SIZE) {
		ssize_t n = pread(fd, buf + got, CAIRN_BLOCK_SIZE - got,
				  (off_t)(block * CAIRN_BLOCK_SIZE + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Decode one copy and check it against the device. */
static enum cairn_vol_err check_copy(const uint8_t *buf, size_t len, uint64_t device_blocks,
				     struct cairn_superblock *sb)
{
	enum cairn_vol_err e = cairn_sb_decode(buf, len, sb);
	if (e == CAIRN_VOL_OK)
		e = cairn_sb_check_geometry(sb, device_blocks);
	return e;
}

/* The domains of the initial image, after the geometry. */
static int list_image(int fd, const char *path, const struct cairn_superblock *sb, FILE *out,
		      FILE *errout)
{
	if (sb->boot_node_oid == CAIRN_OID_NONE)
		return FORMAT_EXIT_OK;
	return image_inspect(fd, path, sb, out, errout);
}

int format_inspect(const char *path, FILE *out, FILE *errout)
{
	uint8_t raw[2][CAIRN_BLOCK_SIZE];
	struct cairn_superblock sb[2];
	enum cairn_vol_err e[2];
	ssize_t len[2];
	struct stat st;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(errout, "cairn-format: %s: %s\n", path, strerror(errno));
		return FORMAT_EXIT_FAILURE;
	}
	if (fstat(fd, &st) != 0) {
		fprintf(errout, "cairn-format: %s: %s\n", path, strerror(errno));
		close(fd);
		return FORMAT_EXIT_FAILURE;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(errout, "cairn-format: %s: is a directory\n", path);
		close(fd);
		return FORMAT_EXIT_FAILURE;
	}
	/* lseek, not st_size: it also gives the size of a block device. */
	off_t size = lseek(fd, 0, SEEK_END);
	len[0] = size < 0 ? -1 : read_block(fd, CAIRN_SB_PRIMARY_BLOCK, raw[0]);
	len[1] = len[0] < 0 ? -1 : read_block(fd, CAIRN_SB_BACKUP_BLOCK, raw[1]);
	int saved = errno;
	if (len[0] < 0 || len[1] < 0) {
		fprintf(errout, "cairn-format: %s: %s\n", path, strerror(saved));
		close(fd);
		return FORMAT_EXIT_FAILURE;
	}

	uint64_t device_blocks = (uint64_t)size / CAIRN_BLOCK_SIZE;
	for (int i = 0; i < 2; i++)
		e[i] = check_copy(raw[i], (size_t)len[i], device_blocks, &sb[i]);

	if (e[0] != CAIRN_VOL_OK && e[1] != CAIRN_VOL_OK) {
		if (e[0] == e[1])
			fprintf(errout, "cairn-format: %s: %s (%s)\n", path,
				cairn_vol_strerror(e[0]), cairn_vol_errname(e[0]));
		else
			fprintf(errout,
				"cairn-format: %s: primary superblock: %s (%s); backup superblock: %s (%s)\n",
				path, cairn_vol_strerror(e[0]), cairn_vol_errname(e[0]),
				cairn_vol_strerror(e[1]), cairn_vol_errname(e[1]));
		close(fd);
		return FORMAT_EXIT_FAILURE;
	}
	if (e[0] != CAIRN_VOL_OK) {
		fprintf(errout, "cairn-format: %s: primary superblock: %s (%s); using the backup\n",
			path, cairn_vol_strerror(e[0]), cairn_vol_errname(e[0]));
		format_print_geometry(&sb[1], "backup", out);
		list_image(fd, path, &sb[1], out, errout);
		close(fd);
		return FORMAT_EXIT_FAILURE;
	}
	int rc = FORMAT_EXIT_OK;
	if (e[1] != CAIRN_VOL_OK) {
		fprintf(errout, "cairn-format: %s: backup superblock: %s (%s); using the primary\n",
			path, cairn_vol_strerror(e[1]), cairn_vol_errname(e[1]));
		rc = FORMAT_EXIT_FAILURE;
	} else if (memcmp(raw[0], raw[1], CAIRN_BLOCK_SIZE) != 0) {
		fprintf(errout,
			"cairn-format: %s: primary and backup superblocks differ; using the primary\n",
			path);
		rc = FORMAT_EXIT_FAILURE;
	}
	format_print_geometry(&sb[0], "primary", out);
	if (list_image(fd, path, &sb[0], out, errout) != FORMAT_EXIT_OK)
		rc = FORMAT_EXIT_FAILURE;
	close(fd);
	return rc;
}
