/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the dm-log-writes reader and writer (test/crash/dmlog.c):
 * the byte layout QEMU's blklogwrites writes, round trips of every entry
 * kind, the superblock updates (at flushes and every update_interval
 * entries), trailing entries past the superblock's count, and every way a
 * log can be malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/endian.h"
#include "dmlog.h"

static uint8_t sect[8][512];

static void fill(void)
{
	for (unsigned i = 0; i < 8; i++)
		memset(sect[i], 0x10 + i, 512);
}

static void test_layout(void **state)
{
	struct dmlog_writer w;
	const uint8_t *b;

	(void)state;
	fill();
	assert_int_equal(dmlog_writer_init(&w, 512), 0);
	assert_int_equal(dmlog_write(&w, 80, 2, sect, 0), 0);
	b = w.buf;
	for (unsigned i = 0; i < 512; i++) /* no superblock before a flush */
		assert_int_equal(b[i], 0);
	assert_int_equal(dmlog_flush(&w), 0);
	assert_int_equal(w.len, 512 * 5);
	assert_int_equal(cairn_get_le64(b), 0x6a736677736872ull);
	assert_int_equal(cairn_get_le64(b + 8), 1);
	assert_int_equal(cairn_get_le64(b + 16), 2);
	assert_int_equal(cairn_get_le32(b + 24), 512);
	assert_int_equal(cairn_get_le64(b + 512), 80); /* the write's entry */
	assert_int_equal(cairn_get_le64(b + 512 + 8), 2);
	assert_int_equal(cairn_get_le64(b + 512 + 16), 0);
	assert_int_equal(cairn_get_le64(b + 512 + 24), 0);
	assert_memory_equal(b + 1024, sect, 1024); /* its data right after */
	assert_int_equal(cairn_get_le64(b + 2048 + 16), DMLOG_FLUSH);
	assert_int_equal(cairn_get_le64(b + 2048 + 8), 0);
	dmlog_writer_free(&w);
}

static void test_roundtrip(void **state)
{
	struct dmlog_writer w;
	struct dmlog l;
	char err[128];

	(void)state;
	fill();
	assert_int_equal(dmlog_writer_init(&w, 512), 0);
	assert_int_equal(dmlog_mark(&w, "start"), 0);
	assert_int_equal(dmlog_write(&w, 8, 8, sect, DMLOG_FUA), 0);
	assert_int_equal(dmlog_write(&w, 100, 3, NULL, 0), 0); /* write-zeroes */
	assert_int_equal(dmlog_discard(&w, 64, 16), 0);
	assert_int_equal(dmlog_flush(&w), 0);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.nr_entries, 5);
	assert_false(l.no_super);
	assert_int_equal(l.sectorsize, 512);

	assert_int_equal(l.e[0].flags, DMLOG_MARK);
	assert_int_equal(l.e[0].data_len, 5);
	assert_memory_equal(w.buf + l.e[0].data_off, "start", 5);
	assert_false(dmlog_is_write(&l.e[0]));

	assert_int_equal(l.e[1].sector, 8);
	assert_int_equal(l.e[1].nr_sectors, 8);
	assert_int_equal(l.e[1].flags, DMLOG_FUA);
	assert_true(dmlog_is_write(&l.e[1]));
	assert_memory_equal(w.buf + l.e[1].data_off, sect, sizeof(sect));

	assert_int_equal(l.e[2].nr_sectors, 3);
	for (unsigned i = 0; i < 3 * 512; i++)
		assert_int_equal(w.buf[l.e[2].data_off + i], 0);

	assert_int_equal(l.e[3].flags, DMLOG_DISCARD);
	assert_int_equal(l.e[3].sector, 64);
	assert_int_equal(l.e[3].nr_sectors, 16);
	assert_int_equal(l.e[3].data_off, 0);
	assert_false(dmlog_is_write(&l.e[3]));

	assert_int_equal(l.e[4].flags, DMLOG_FLUSH);
	for (unsigned i = 0; i < l.n; i++)
		assert_int_equal(l.e[i].log_index, i);
	dmlog_free(&l);
	dmlog_writer_free(&w);
}

/* Entries after the last superblock update: only with DMLOG_TRAILING. */
static void test_trailing(void **state)
{
	struct dmlog_writer w;
	struct dmlog l;
	char err[128];

	(void)state;
	fill();
	assert_int_equal(dmlog_writer_init(&w, 512), 0);
	assert_int_equal(dmlog_write(&w, 0, 1, sect, 0), 0);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), 0);
	assert_true(l.no_super);
	assert_int_equal(l.n, 0);
	dmlog_free(&l);
	assert_int_equal(dmlog_parse(w.buf, w.len, DMLOG_TRAILING, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	dmlog_free(&l);

	assert_int_equal(dmlog_flush(&w), 0);
	assert_int_equal(dmlog_write(&w, 16, 2, sect, 0), 0);
	assert_int_equal(dmlog_write(&w, 24, 1, sect[2], 0), 0);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	dmlog_free(&l);
	assert_int_equal(dmlog_parse(w.buf, w.len, DMLOG_TRAILING, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.nr_entries, 2);
	assert_int_equal(l.e[3].sector, 24);
	assert_memory_equal(w.buf + l.e[3].data_off, sect[2], 512);
	dmlog_free(&l);

	/* A last entry cut short, and a sector of garbage: both end the log
	 * quietly when trailing. */
	size_t good = w.len;
	uint8_t torn[3 * 512] = { 0 };
	cairn_put_le64(torn, 40);
	cairn_put_le64(torn + 8, 8);
	assert_int_equal(dmlog_append_raw(&w, torn, sizeof(torn)), 0);
	assert_int_equal(dmlog_parse(w.buf, w.len, DMLOG_TRAILING, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	dmlog_free(&l);
	w.len = good;
	memset(torn, 0xab, 512);
	assert_int_equal(dmlog_append_raw(&w, torn, 512), 0);
	assert_int_equal(dmlog_parse(w.buf, w.len, DMLOG_TRAILING, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	dmlog_free(&l);
	dmlog_writer_free(&w);
}

/* QEMU also rewrites the superblock every update_interval entries. */
static void test_update_interval(void **state)
{
	struct dmlog_writer w;
	struct dmlog l;
	char err[128];

	(void)state;
	fill();
	assert_int_equal(dmlog_writer_init(&w, 512), 0);
	w.update_interval = 3;
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(dmlog_write(&w, i * 8, 1, sect, 0), 0);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.nr_entries, 6);
	dmlog_free(&l);
	dmlog_writer_free(&w);
}

static void test_sector_size_4096(void **state)
{
	static uint8_t blk[4096];
	struct dmlog_writer w;
	struct dmlog l;
	char err[128];

	(void)state;
	memset(blk, 0x42, sizeof(blk));
	assert_int_equal(dmlog_writer_init(&w, 4096), 0);
	assert_int_equal(dmlog_write(&w, 3, 1, blk, 0), 0);
	assert_int_equal(dmlog_flush(&w), 0);
	assert_int_equal(w.len, 4 * 4096);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.sectorsize, 4096);
	assert_int_equal(l.e[0].sector, 3);
	assert_int_equal(l.e[0].data_off, 2 * 4096);
	dmlog_free(&l);
	dmlog_writer_free(&w);
}

static void test_malformed(void **state)
{
	struct dmlog_writer w;
	struct dmlog l;
	char err[128];

	(void)state;
	fill();
	assert_int_equal(dmlog_parse(sect, 100, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "shorter"));

	assert_int_equal(dmlog_writer_init(&w, 512), 0);
	assert_int_equal(dmlog_write(&w, 0, 2, sect, 0), 0);
	assert_int_equal(dmlog_flush(&w), 0);

	w.buf[0] ^= 1;
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic"));
	w.buf[0] ^= 1;

	cairn_put_le64(w.buf + 8, 2);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "version"));
	cairn_put_le64(w.buf + 8, 1);

	cairn_put_le32(w.buf + 24, 768);
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sector size"));
	cairn_put_le32(w.buf + 24, 512);

	cairn_put_le64(w.buf + 512 + 16, 0x100); /* a counted entry's flags */
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "entry 0: unknown flags"));
	cairn_put_le64(w.buf + 512 + 16, 0);

	cairn_put_le64(w.buf + 512 + 8, 1000); /* runs past the end */
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "past the end"));
	cairn_put_le64(w.buf + 512 + 8, UINT64_MAX / 256); /* overflows */
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	cairn_put_le64(w.buf + 512 + 8, 2);

	cairn_put_le64(w.buf + 16, 5); /* counts more entries than there are */
	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	cairn_put_le64(w.buf + 16, 2);

	assert_int_equal(dmlog_parse(w.buf, w.len, 0, &l, err, sizeof(err)), 0);
	dmlog_free(&l);
	dmlog_writer_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),           cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_trailing),         cmocka_unit_test(test_update_interval),
		cmocka_unit_test(test_sector_size_4096), cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
