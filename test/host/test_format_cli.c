/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of the built cairn-format binary (its path is argv[1],
 * given by meson). Each test runs the tool in a fresh temporary directory
 * and checks what a user would see: exit status, exactly one stderr line on
 * failure, the success line, and the files left behind: a valid sparse
 * volume, or the old file byte-identical, and never a stray temporary.
 */
#define _GNU_SOURCE /* nftw, FTW_PHYS */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tool_run.h"

#include "cairn/volume.h"

#define UUID_TEXT "5ca1ab1e-0000-4000-8000-00000000c0de"

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A failure is exactly one line, prefixed with the tool's name. */
static void assert_one_error_line(const char *needle)
{
	if (count_lines(err_text) != 1 || !strstr(err_text, needle))
		print_error("stderr was: '%s' (wanted '%s')\n", err_text, needle);
	assert_int_equal(count_lines(err_text), 1);
	assert_true(strncmp(err_text, "cairn-format: ", 14) == 0);
	assert_non_null(strstr(err_text, needle));
}

/* Names in the test directory, to prove no temporary file was left. */
static int dir_entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void read_block(const char *path, uint64_t block, uint8_t *buf)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 4096, (off_t)(block * 4096)), 4096);
	close(fd);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void flip_byte(const char *path, off_t off)
{
	uint8_t b;
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void test_create_volume(void **state)
{
	(void)state;
	char img[4200], want[8600];
	uint8_t b0[4096], b1[4096], blk[4096];
	struct cairn_superblock sb;
	struct stat st;

	path_in_dir(img, sizeof(img), "vol.img");
	assert_int_equal(run("--size", "256M", "--uuid", UUID_TEXT, img, NULL), 0);
	snprintf(want, sizeof(want),
		 "cairn-format: wrote %s: volume " UUID_TEXT
		 " size=268435456 nodes=28672 pages=53194 log=33554432\n",
		 img);
	assert_string_equal(out_text, want);
	assert_string_equal(err_text, "");
	assert_int_equal(stat(img, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_true(st.st_size == 268435456);
	assert_int_equal(dir_entries(), 1); /* no IMAGE.tmp.* left */

	read_block(img, 0, b0);
	read_block(img, 1, b1);
	assert_memory_equal(b0, b1, 4096);
	assert_int_equal(cairn_sb_decode(b0, sizeof(b0), &sb), CAIRN_VOL_OK);
	assert_int_equal(cairn_sb_check_geometry(&sb, (uint64_t)st.st_size / 4096), CAIRN_VOL_OK);
	assert_true(sb.total_blocks == 65536 && sb.boot_node_oid == CAIRN_OID_NONE);
	char u[37];
	cairn_uuid_format(sb.uuid, u);
	assert_string_equal(u, UUID_TEXT);
	/* Both checkpoint header slots are zero: first boot. So are a node
	 * pot, a tag pot and the last page. */
	static const uint8_t zero[4096];
	const uint64_t zero_blocks[] = { sb.log_start,      sb.log_start + 1, sb.node_pool_start,
					 sb.tag_pool_start, sb.log_start - 1, sb.total_blocks - 1 };
	for (size_t i = 0; i < sizeof(zero_blocks) / sizeof(zero_blocks[0]); i++) {
		read_block(img, zero_blocks[i], blk);
		assert_memory_equal(blk, zero, 4096);
	}
}

/* A log too small for the kernel's checkpoints is a valid volume, but the
 * formatter says what that means; with checkpoints off it says nothing. */
static void test_small_log_warns(void **state)
{
	(void)state;
	char img[4200];

	path_in_dir(img, sizeof(img), "small-log.img");
	assert_int_equal(run("--size", "64M", "--log", "1M", img, NULL), 0);
	assert_one_error_line("warning: a log of 256 blocks is below 512 (2048K)");
	assert_int_equal(run("--size", "64M", "--log", "1M", "-c", "0", "--force", img, NULL), 0);
	assert_string_equal(err_text, "");
	assert_int_equal(run("--size", "64M", "--log", "2M", "--force", img, NULL), 0);
	assert_string_equal(err_text, "");
	unlink(img);
}

static void test_random_uuids_differ(void **state)
{
	(void)state;
	char a[4200], b[4200];
	uint8_t ba[4096], bb[4096];
	struct cairn_superblock sa, sbb;

	path_in_dir(a, sizeof(a), "a.img");
	path_in_dir(b, sizeof(b), "b.img");
	assert_int_equal(run("-s", "1M", a, NULL), 0);
	assert_int_equal(run("-s", "1M", b, NULL), 0);
	read_block(a, 0, ba);
	read_block(b, 0, bb);
	assert_int_equal(cairn_sb_decode(ba, 4096, &sa), CAIRN_VOL_OK);
	assert_int_equal(cairn_sb_decode(bb, 4096, &sbb), CAIRN_VOL_OK);
	assert_memory_not_equal(sa.uuid, sbb.uuid, 16);
	assert_int_equal(sa.uuid[6] >> 4, 4);      /* version 4 */
	assert_int_equal(sa.uuid[8] & 0xc0, 0x80); /* RFC variant */
}

static void test_refuses_to_overwrite(void **state)
{
	(void)state;
	char img[4200], back[64];
	const char precious[] = "precious data, not a volume\n";

	path_in_dir(img, sizeof(img), "data.img");
	write_file(img, precious, sizeof(precious));
	assert_int_equal(run("-s", "1M", img, NULL), 1);
	assert_one_error_line("already holds data (use --force");
	assert_string_equal(out_text, "");
	int fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, back, sizeof(back)), (ssize_t)sizeof(precious));
	close(fd);
	assert_memory_equal(back, precious, sizeof(precious));
	assert_int_equal(dir_entries(), 1);
}

static void test_force_replaces(void **state)
{
	(void)state;
	char img[4200];
	uint8_t b0[4096];
	struct cairn_superblock sb;
	struct stat st;

	path_in_dir(img, sizeof(img), "data.img");
	write_file(img, "old", 3);
	assert_int_equal(run("-s", "1M", "--force", "-L", "fresh", img, NULL), 0);
	assert_int_equal(stat(img, &st), 0);
	assert_true(st.st_size == 1 << 20);
	read_block(img, 0, b0);
	assert_int_equal(cairn_sb_decode(b0, 4096, &sb), CAIRN_VOL_OK);
	assert_string_equal(sb.label, "fresh");
	assert_int_equal(dir_entries(), 1);
}

static void test_empty_file_is_replaced(void **state)
{
	(void)state;
	char img[4200];
	struct stat st;

	path_in_dir(img, sizeof(img), "empty.img");
	write_file(img, "", 0);
	assert_int_equal(run("-s", "1M", img, NULL), 0);
	assert_int_equal(stat(img, &st), 0);
	assert_true(st.st_size == 1 << 20);
}

static void test_unwritable_paths(void **state)
{
	(void)state;
	char img[4200], sub[4200];
	struct stat st;

	path_in_dir(img, sizeof(img), "no/such/dir/vol.img");
	assert_int_equal(run("-s", "1M", img, NULL), 1);
	assert_one_error_line("No such file or directory");
	assert_int_equal(dir_entries(), 0);

	path_in_dir(sub, sizeof(sub), "adir");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(run("-s", "1M", sub, NULL), 1);
	assert_one_error_line("is a directory");
	assert_int_equal(run("-s", "1M", "--force", sub, NULL), 1);
	assert_one_error_line("is a directory");
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(dir_entries(), 1);
}

static void test_no_permission(void **state)
{
	(void)state;
	char sub[4200], img[4200];

	if (geteuid() == 0)
		skip(); /* root writes anywhere */
	path_in_dir(sub, sizeof(sub), "ro");
	assert_int_equal(mkdir(sub, 0555), 0);
	path_in_dir(img, sizeof(img), "ro/vol.img");
	assert_int_equal(run("-s", "1M", img, NULL), 1);
	assert_one_error_line("Permission denied");
	assert_int_equal(access(img, F_OK), -1);
}

static void test_usage_errors(void **state)
{
	(void)state;
	char img[4200];

	path_in_dir(img, sizeof(img), "small.img");
	assert_int_equal(run("--size", "64K", img, NULL), 2);
	assert_one_error_line("too small for the volume metadata");
	assert_int_equal(access(img, F_OK), -1); /* nothing created */
	assert_int_equal(run("--bogus", img, NULL), 2);
	assert_one_error_line("unknown option '--bogus'");
	assert_int_equal(run(img, NULL), 2);
	assert_one_error_line("--size is required");
	assert_int_equal(run("-s", "1M", NULL), 2);
	assert_one_error_line("missing IMAGE");
	assert_int_equal(run("-s", "1M", "-n", "999999", img, NULL), 2);
	assert_one_error_line("too large");
	assert_int_equal(dir_entries(), 0);
	assert_string_equal(out_text, "");
}

static void test_help_and_version(void **state)
{
	(void)state;
	assert_int_equal(run("--help", NULL), 0);
	const char *documented[] = { "--size", "--nodes", "--log",     "--checkpoint-interval",
				     "--uuid", "--label", "--force",   "--inspect",
				     "--help", "--image", "--version", "-s,",
				     "-n,",    "-l,",     "-c,",       "-u,",
				     "-L,",    "-f,",     "-I,",       "-h,",
				     "-V," };
	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		assert_non_null(strstr(out_text, documented[i]));
	assert_string_equal(err_text, "");
	assert_int_equal(run("-V", NULL), 0);
	assert_non_null(strstr(out_text, "cairn-format "));
	assert_non_null(strstr(out_text, "volume format 1"));
}

static void test_inspect_good_volume(void **state)
{
	(void)state;
	char img[4200];

	path_in_dir(img, sizeof(img), "vol.img");
	assert_int_equal(run("-s", "256M", "-u", UUID_TEXT, "-L", "inspected", "-c", "0", img,
			     NULL),
			 0);
	assert_int_equal(run("--inspect", img, NULL), 0);
	assert_string_equal(err_text, "");
	assert_string_equal(out_text, "volume      " UUID_TEXT "\n"
				      "label       inspected\n"
				      "format      1\n"
				      "size        268435456 bytes (65536 blocks)\n"
				      "nodes       28672 in 4096 pots at block 2\n"
				      "tags        52 blocks at block 4098\n"
				      "pages       53194 at block 4150\n"
				      "log         33554432 bytes (8192 blocks) at block 57344\n"
				      "checkpoint  off\n"
				      "image       none\n"
				      "superblock  primary\n");
}

static void test_inspect_falls_back_to_backup(void **state)
{
	(void)state;
	char img[4200];

	path_in_dir(img, sizeof(img), "vol.img");
	assert_int_equal(run("-s", "1M", "-u", UUID_TEXT, img, NULL), 0);
	flip_byte(img, 40); /* node_count in the primary */
	assert_int_equal(run("-I", img, NULL), 1);
	assert_one_error_line("primary superblock: superblock checksum mismatch "
			      "(CAIRN_VOL_ERR_CHECKSUM); using the backup");
	assert_non_null(strstr(out_text, "volume      " UUID_TEXT "\n"));
	assert_non_null(strstr(out_text, "superblock  backup\n"));
	assert_non_null(strstr(out_text, "size        1048576 bytes (256 blocks)\n"));

	/* Now the backup too: no usable copy, one line, no geometry. */
	flip_byte(img, 4096 + 3000);
	assert_int_equal(run("-I", img, NULL), 1);
	assert_one_error_line("superblock checksum mismatch (CAIRN_VOL_ERR_CHECKSUM)\n");
	assert_string_equal(out_text, "");
}

static void test_inspect_damaged_backup_and_mismatch(void **state)
{
	(void)state;
	char a[4200], b[4200];
	uint8_t blk[4096];

	path_in_dir(a, sizeof(a), "a.img");
	path_in_dir(b, sizeof(b), "b.img");
	assert_int_equal(run("-s", "1M", a, NULL), 0);
	assert_int_equal(run("-s", "1M", b, NULL), 0);
	flip_byte(a, 4096 + 8); /* backup's version field: CRC is checked after */
	assert_int_equal(run("-I", a, NULL), 1);
	assert_one_error_line("backup superblock: unsupported format version "
			      "(CAIRN_VOL_ERR_VERSION); using the primary");
	assert_non_null(strstr(out_text, "superblock  primary\n"));

	/* Two valid copies from different volumes (different UUIDs). */
	read_block(b, 0, blk);
	int fd = open(a, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, blk, 4096, 4096), 4096);
	close(fd);
	assert_int_equal(run("-I", a, NULL), 1);
	assert_one_error_line("primary and backup superblocks differ; using the primary");
}

static void test_inspect_bad_files(void **state)
{
	(void)state;
	char img[4200], zeros[4200], missing[4200];
	static const uint8_t zero[8192];

	path_in_dir(img, sizeof(img), "vol.img");
	assert_int_equal(run("-s", "1M", img, NULL), 0);
	assert_int_equal(truncate(img, 512 * 1024), 0); /* volume bigger than its file */
	assert_int_equal(run("--inspect", img, NULL), 1);
	assert_one_error_line(": volume larger than its device (CAIRN_VOL_ERR_DEVICE_TOO_SMALL)");

	path_in_dir(zeros, sizeof(zeros), "zeros.img");
	write_file(zeros, zero, sizeof(zero));
	assert_int_equal(run("--inspect", zeros, NULL), 1);
	assert_one_error_line("bad magic: not a Cairn volume (CAIRN_VOL_ERR_MAGIC)");

	write_file(zeros, "short", 5);
	assert_int_equal(run("--inspect", zeros, NULL), 1);
	assert_one_error_line("(CAIRN_VOL_ERR_TRUNCATED)");

	path_in_dir(missing, sizeof(missing), "missing.img");
	assert_int_equal(run("--inspect", missing, NULL), 1);
	assert_one_error_line("No such file or directory");
	assert_int_equal(run("--inspect", dir, NULL), 1);
	assert_one_error_line("is a directory");
}

static void test_4g_is_sparse_and_fast(void **state)
{
	(void)state;
	char img[4200];
	struct timespec t0, t1;
	struct stat st;

	path_in_dir(img, sizeof(img), "big.img");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run("--size", "4G", img, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("cairn-format --size 4G took %.3f s\n", secs);
	assert_true(secs < 1.0);
	assert_int_equal(stat(img, &st), 0);
	assert_true(st.st_size == 4ll << 30);
	uint64_t allocated = (uint64_t)st.st_blocks * 512;
	print_message("allocated %llu bytes\n", (unsigned long long)allocated);
	assert_true(allocated < (4ull << 30) / 100);
	assert_int_equal(run("--inspect", img, NULL), 0);
	assert_non_null(strstr(out_text, "nodes       458752 in 65536 pots at block 2\n"));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-cairn-format\n", argv[0]);
		return 2;
	}
	tool = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_log_warns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_uuids_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_to_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_is_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_good_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_falls_back_to_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_damaged_backup_and_mismatch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inspect_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4g_is_sparse_and_fast, setup, teardown),
	};
	return cmocka_run_group_tests_name("format_cli", tests, NULL, NULL);
}
