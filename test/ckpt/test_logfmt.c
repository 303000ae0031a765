/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the checkpoint log codecs (ckpt/logfmt.c): byte layout,
 * round trips of header, directory block and entries, every decode error,
 * the entry checks against the pools, the position helpers, and the block
 * sum against an independent reference implementation. Corruptions other
 * than the checksum are made on the struct and re-encoded (the encoders
 * recompute the CRC), so the check under test is what fires.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/crc32c.h"
#include "cairn/endian.h"
#include "cairn/ckptlog.h"
#include "testvol.h"

static struct ckpt_header valid_header(const struct cairn_superblock *sb)
{
	struct ckpt_header h;

	memset(&h, 0, sizeof(h));
	h.version = CKPT_FORMAT_VERSION;
	h.interval_ms = 250;
	memcpy(h.uuid, sb->uuid, CAIRN_UUID_SIZE);
	h.sequence = 7;
	h.tail = 1000;
	h.gen_start = 1040;
	h.dir_pos = 1050;
	h.dir_blocks = 2;
	h.head = 1052;
	h.objects = 140;
	h.threads = 3;
	return h;
}

static enum ckpt_err hdr_roundtrip(const struct ckpt_header *in, const struct cairn_superblock *sb,
				   struct ckpt_header *out)
{
	uint8_t b[CKPT_BLOCK_SIZE];

	ckpt_header_encode(in, b);
	return ckpt_header_decode(b, sb, out);
}

static void test_header_roundtrip(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	struct ckpt_header h = valid_header(&sb), out;

	(void)state;
	memset(&out, 0xee, sizeof(out));
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_OK);
	assert_int_equal(out.version, 3);
	assert_int_equal(out.interval_ms, 250);
	assert_memory_equal(out.uuid, sb.uuid, CAIRN_UUID_SIZE);
	assert_int_equal(out.sequence, 7);
	assert_int_equal(out.tail, 1000);
	assert_int_equal(out.gen_start, 1040);
	assert_int_equal(out.dir_pos, 1050);
	assert_int_equal(out.dir_blocks, 2);
	assert_int_equal(out.head, 1052);
	assert_int_equal(out.objects, 140);
	assert_int_equal(out.threads, 3);
}

static void test_header_layout(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	struct ckpt_header h = valid_header(&sb);
	uint8_t b[CKPT_BLOCK_SIZE];

	(void)state;
	h.sequence = 0x0102030405060708ull;
	ckpt_header_encode(&h, b);
	assert_memory_equal(b, "CAIRNCKP", 8);
	assert_int_equal(cairn_get_le32(b + 8), 3);
	assert_int_equal(cairn_get_le32(b + 12), 250);
	assert_memory_equal(b + 16, sb.uuid, 16);
	assert_int_equal(b[32], 0x08); /* little-endian */
	assert_int_equal(b[39], 0x01);
	assert_int_equal(cairn_get_le64(b + 40), 1000);
	assert_int_equal(cairn_get_le64(b + 48), 1040);
	assert_int_equal(cairn_get_le64(b + 56), 1050);
	assert_int_equal(cairn_get_le32(b + 64), 2);
	assert_int_equal(cairn_get_le32(b + 68), 0);
	assert_int_equal(cairn_get_le64(b + 72), 1052);
	assert_int_equal(cairn_get_le64(b + 80), 140);
	assert_int_equal(cairn_get_le64(b + 88), 3);
	for (unsigned i = 96; i < 4092; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(cairn_get_le32(b + 4092), cairn_crc32c(0, b, 4092));
}

/* The console area: written as given after the fields, the rest left
 * zero, the CRC recomputed; decoding ignores it. */
static void test_header_console(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	struct ckpt_header h = valid_header(&sb), out;
	uint8_t b[CKPT_BLOCK_SIZE], plain[CKPT_BLOCK_SIZE];
	uint8_t area[CKPT_HDR_CONSOLE_SIZE + 8];

	(void)state;
	assert_int_equal(CKPT_HDR_OFF_CONSOLE, 96);
	assert_int_equal(CKPT_HDR_CONSOLE_SIZE, 3996);
	for (unsigned i = 0; i < sizeof(area); i++)
		area[i] = (uint8_t)(i * 7 + 1);
	ckpt_header_encode(&h, plain);
	ckpt_header_encode(&h, b);
	ckpt_header_set_console(b, area, 100);
	assert_memory_equal(b, plain, 96);
	assert_memory_equal(ckpt_header_console(b), area, 100);
	for (unsigned i = 96 + 100; i < 4092; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(cairn_get_le32(b + 4092), cairn_crc32c(0, b, 4092));
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_OK);
	assert_int_equal(out.sequence, h.sequence);
	b[96 + 50] ^= 1; /* the area is under the CRC */
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_CHECKSUM);

	ckpt_header_set_console(b, area, sizeof(area)); /* too long: cut at the CRC */
	assert_memory_equal(ckpt_header_console(b), area, CKPT_HDR_CONSOLE_SIZE);
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_OK);
}

static void test_header_empty(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	uint8_t b[CKPT_BLOCK_SIZE] = { 0 };
	struct ckpt_header out;

	(void)state;
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_EMPTY);
	b[4095] = 1; /* one stray byte: not empty, and not a header */
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_MAGIC);
}

static void test_header_magic_version_crc(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	struct ckpt_header h = valid_header(&sb), out;
	uint8_t b[CKPT_BLOCK_SIZE];

	(void)state;
	ckpt_header_encode(&h, b);
	b[0] = 'X';
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_MAGIC);

	ckpt_header_encode(&h, b);
	memcpy(b, "CAIRNDIR", 8); /* a directory block is not a header */
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_MAGIC);

	h.version = 1; /* version 1 logs ended their directory blocks in a CRC32C */
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_VERSION);
	assert_int_equal(out.version, 1); /* filled for diagnostics */
	h.version = 4;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_VERSION);
	h.version = 2; /* version 2 is still read: its flags word was reserved, zero */
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_OK);
	h.flags = CKPT_HDR_ONE_FLUSH; /* ... and nothing else */
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_FLAGS);
	h.version = CKPT_FORMAT_VERSION;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_OK);
	assert_int_equal(out.flags, CKPT_HDR_ONE_FLUSH);
	h.flags = 0x2; /* an unknown flag */
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_FLAGS);
	h.flags = 0;

	ckpt_header_encode(&h, b);
	b[2000] ^= 0x40; /* padding is covered by the CRC */
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_CHECKSUM);
	ckpt_header_encode(&h, b);
	b[4093] ^= 1; /* the CRC itself */
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_CHECKSUM);
	ckpt_header_encode(&h, b);
	b[33] ^= 1; /* a torn sequence */
	assert_int_equal(ckpt_header_decode(b, &sb, &out), CKPT_ERR_CHECKSUM);
}

static void test_header_uuid_sequence(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	struct ckpt_header h = valid_header(&sb), out;

	(void)state;
	h.uuid[15] ^= 0xff;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_UUID);
	h = valid_header(&sb);
	h.sequence = 0;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_SEQUENCE);
}

/* Every position rule, and the boundaries that are still valid. */
static void test_header_positions(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	const uint64_t ring = ckpt_ring_blocks(&sb);
	struct ckpt_header h, out;

	(void)state;
	h = valid_header(&sb);
	h.dir_blocks = 0;
	h.head = h.dir_pos;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_POSITIONS);

	h = valid_header(&sb);
	h.head = h.dir_pos + h.dir_blocks + 1;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_POSITIONS);

	h = valid_header(&sb); /* dir_pos + dir_blocks wraps to head */
	h.dir_pos = UINT64_MAX - 1;
	h.dir_blocks = 3;
	h.head = 1;
	h.tail = h.gen_start = 0;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_POSITIONS);

	h = valid_header(&sb);
	h.tail = h.gen_start + 1;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_POSITIONS);

	h = valid_header(&sb);
	h.gen_start = h.dir_pos + 1;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_POSITIONS);

	h = valid_header(&sb);
	h.tail = h.head - ring - 1;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_ERR_POSITIONS);

	/* Boundaries. */
	h = valid_header(&sb);
	h.tail = h.head - ring;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_OK);
	h.tail = h.gen_start = h.dir_pos; /* no data blocks, nothing older kept */
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_OK);
	h.dir_pos = UINT64_MAX - 2; /* near the top, no overflow */
	h.dir_blocks = 2;
	h.head = UINT64_MAX;
	h.tail = h.gen_start = UINT64_MAX - 10;
	assert_int_equal(hdr_roundtrip(&h, &sb, &out), CKPT_OK);
}

/* A directory block with one entry of every shape. */
static struct ckpt_dir_info valid_dir(void)
{
	struct ckpt_dir_info d = {
		.sequence = 9,
		.index = 1,
		.dir_blocks = 3,
		.count = 0,
		.gen_start = 500,
		.prev_dir_pos = 480,
		.prev_dir_blocks = 2,
		.prev_sequence = 8,
	};
	return d;
}

static void fill_entries(struct ckpt_entry *e, unsigned n)
{
	static const uint8_t kinds[] = { CKPT_KIND_NODEPOT, CKPT_KIND_TAGPOT, CKPT_KIND_PAGE,
					 CKPT_KIND_THREAD };

	for (unsigned i = 0; i < n; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].kind = kinds[i % 4];
		e[i].index = 1000 + i;
		if (e[i].kind == CKPT_KIND_THREAD)
			continue;
		if (i % 3 == 0) {
			e[i].flags = CKPT_ENTRY_ZERO;
		} else {
			e[i].pos = 500 + i;
			e[i].sum = 0x1111111111111111ull * (i % 15 + 1) + i;
		}
	}
}

static void test_dir_roundtrip(void **state)
{
	struct ckpt_dir_info d = valid_dir(), out;
	struct ckpt_entry in[CKPT_DIR_ENTRIES_PER_BLOCK], got[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint8_t b[CKPT_BLOCK_SIZE];

	(void)state;
	fill_entries(in, CKPT_DIR_ENTRIES_PER_BLOCK);
	d.count = CKPT_DIR_ENTRIES_PER_BLOCK;
	ckpt_dir_encode(&d, in, b);
	assert_int_equal(ckpt_dir_decode(b, &out, got), CKPT_OK);
	assert_int_equal(out.sequence, 9);
	assert_int_equal(out.index, 1);
	assert_int_equal(out.dir_blocks, 3);
	assert_int_equal(out.count, 125);
	assert_int_equal(out.gen_start, 500);
	assert_int_equal(out.prev_dir_pos, 480);
	assert_int_equal(out.prev_dir_blocks, 2);
	assert_int_equal(out.prev_sequence, 8);
	for (unsigned i = 0; i < CKPT_DIR_ENTRIES_PER_BLOCK; i++) {
		assert_int_equal(got[i].kind, in[i].kind);
		assert_int_equal(got[i].flags, in[i].flags);
		assert_int_equal(got[i].index, in[i].index);
		assert_int_equal(got[i].pos, in[i].pos);
		assert_int_equal(got[i].sum, in[i].sum);
	}
	/* Without an entries array only the fixed part is decoded. */
	assert_int_equal(ckpt_dir_decode(b, &out, NULL), CKPT_OK);

	d.count = 0; /* an empty directory block is fine */
	ckpt_dir_encode(&d, in, b);
	assert_int_equal(ckpt_dir_decode(b, &out, got), CKPT_OK);
	assert_int_equal(out.count, 0);
}

static void test_dir_layout(void **state)
{
	struct ckpt_dir_info d = valid_dir();
	struct ckpt_entry e[2];
	uint8_t b[CKPT_BLOCK_SIZE];

	(void)state;
	memset(e, 0, sizeof(e));
	e[1].index = 0x1122334455667788ull;
	e[1].pos = 501;
	e[1].sum = 0xdeadbeefcafef00dull;
	e[1].kind = CKPT_KIND_PAGE;
	e[0].kind = CKPT_KIND_THREAD;
	d.count = 2;
	ckpt_dir_encode(&d, e, b);
	assert_memory_equal(b, "CAIRNDIR", 8);
	assert_int_equal(cairn_get_le64(b + 8), 9);
	assert_int_equal(cairn_get_le32(b + 16), 1);
	assert_int_equal(cairn_get_le32(b + 20), 3);
	assert_int_equal(cairn_get_le32(b + 24), 2);
	assert_int_equal(cairn_get_le32(b + 28), 0);
	assert_int_equal(cairn_get_le64(b + 32), 500);
	assert_int_equal(cairn_get_le64(b + 40), 480);
	assert_int_equal(cairn_get_le32(b + 48), 2);
	assert_int_equal(cairn_get_le32(b + 52), 0);
	assert_int_equal(cairn_get_le64(b + 56), 8);
	assert_int_equal(b[64 + 24], CKPT_KIND_THREAD);
	assert_int_equal(cairn_get_le64(b + 96), 0x1122334455667788ull);
	assert_int_equal(cairn_get_le64(b + 104), 501);
	assert_int_equal(cairn_get_le64(b + 112), 0xdeadbeefcafef00dull);
	assert_int_equal(b[96 + 24], CKPT_KIND_PAGE);
	assert_int_equal(b[96 + 25], 0);
	for (unsigned i = 128; i < 4088; i++)
		assert_int_equal(b[i], 0);
	/* The block sum with its own field as zero (docs/volume-format.md). */
	uint8_t z[CKPT_BLOCK_SIZE];
	memcpy(z, b, sizeof(z));
	memset(z + 4088, 0, 8);
	assert_true(cairn_get_le64(b + 4088) == ckpt_block_sum(z, NULL));
	assert_true(ckpt_dir_sum(b) == ckpt_block_sum(z, NULL));
}

static enum ckpt_err dir_roundtrip(const struct ckpt_dir_info *d)
{
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	struct ckpt_dir_info out;
	uint8_t b[CKPT_BLOCK_SIZE];

	fill_entries(e, CKPT_DIR_ENTRIES_PER_BLOCK);
	ckpt_dir_encode(d, e, b);
	if (d->count > CKPT_DIR_ENTRIES_PER_BLOCK) /* encode caps what it writes */
		assert_int_equal(cairn_get_le32(b + CKPT_DIR_OFF_COUNT), d->count);
	return ckpt_dir_decode(b, &out, e);
}

static void test_dir_errors(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[1];
	uint8_t b[CKPT_BLOCK_SIZE];
	struct ckpt_dir_info out;

	(void)state;
	memset(e, 0, sizeof(e));
	d = valid_dir();
	ckpt_dir_encode(&d, e, b);
	b[1] = 'x';
	assert_int_equal(ckpt_dir_decode(b, &out, NULL), CKPT_ERR_MAGIC);
	ckpt_dir_encode(&d, e, b);
	b[3000] = 0x5a;
	assert_int_equal(ckpt_dir_decode(b, &out, NULL), CKPT_ERR_CHECKSUM);
	memset(b, 0, sizeof(b)); /* an all-zero block is no directory */
	assert_int_equal(ckpt_dir_decode(b, &out, NULL), CKPT_ERR_MAGIC);

	d = valid_dir();
	d.sequence = 0;
	d.prev_sequence = 0;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_SEQUENCE);
	d = valid_dir();
	d.count = 126;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_COUNT);
	d.count = UINT32_MAX;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_COUNT);
	d = valid_dir();
	d.dir_blocks = 0;
	d.index = 0;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_LINK);
	d = valid_dir();
	d.index = d.dir_blocks;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_LINK);

	/* The previous link. */
	d = valid_dir();
	d.prev_sequence = d.sequence;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_SEQUENCE);
	d.prev_sequence = d.sequence + 5;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_SEQUENCE);
	d = valid_dir();
	d.prev_sequence = 0;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_LINK);
	d = valid_dir();
	d.prev_dir_blocks = 0;
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_LINK);
	d = valid_dir();
	d.prev_dir_blocks = 21; /* runs into this generation */
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_POSITIONS);
	d.prev_dir_blocks = 20; /* ends exactly at gen_start */
	assert_int_equal(dir_roundtrip(&d), CKPT_OK);
	d.prev_dir_pos = UINT64_MAX - 1; /* wraps */
	assert_int_equal(dir_roundtrip(&d), CKPT_ERR_POSITIONS);

	/* No previous generation kept: the other link fields do not matter. */
	d = valid_dir();
	d.prev_dir_pos = CKPT_NO_DIR;
	d.prev_dir_blocks = 0;
	assert_int_equal(dir_roundtrip(&d), CKPT_OK);
	d.prev_sequence = 0;
	assert_int_equal(dir_roundtrip(&d), CKPT_OK);
}

static enum ckpt_err entry_roundtrip(const struct ckpt_entry *e)
{
	uint8_t b[CKPT_BLOCK_SIZE] = { 0 };
	struct ckpt_entry out;

	ckpt_entry_encode(b, 124, e);
	return ckpt_entry_decode(b, 124, &out);
}

static void test_entry_kind_flags(void **state)
{
	struct ckpt_entry e = { .index = 3, .kind = CKPT_KIND_PAGE };
	struct ckpt_dir_info d = valid_dir();
	struct ckpt_entry ents[3];
	struct ckpt_dir_info out;
	uint8_t b[CKPT_BLOCK_SIZE];

	(void)state;
	for (unsigned k = 1; k <= 4; k++) {
		e.kind = (uint8_t)k;
		assert_int_equal(entry_roundtrip(&e), CKPT_OK);
	}
	e.kind = 0;
	assert_int_equal(entry_roundtrip(&e), CKPT_ERR_KIND);
	e.kind = 5;
	assert_int_equal(entry_roundtrip(&e), CKPT_ERR_KIND);
	e.kind = 255;
	assert_int_equal(entry_roundtrip(&e), CKPT_ERR_KIND);

	e.kind = CKPT_KIND_PAGE;
	e.flags = CKPT_ENTRY_ZERO;
	assert_int_equal(entry_roundtrip(&e), CKPT_OK);
	e.flags = 0x02;
	assert_int_equal(entry_roundtrip(&e), CKPT_ERR_FLAGS);
	e.flags = 0x80 | CKPT_ENTRY_ZERO;
	assert_int_equal(entry_roundtrip(&e), CKPT_ERR_FLAGS);
	e.kind = CKPT_KIND_THREAD;
	e.flags = CKPT_ENTRY_ZERO;
	assert_int_equal(entry_roundtrip(&e), CKPT_ERR_FLAGS);

	/* ckpt_dir_decode() with entries reports the first bad entry. */
	fill_entries(ents, 3);
	ents[2].kind = 9;
	d.count = 3;
	ckpt_dir_encode(&d, ents, b);
	assert_int_equal(ckpt_dir_decode(b, &out, ents), CKPT_ERR_KIND);
	assert_int_equal(ckpt_dir_decode(b, &out, NULL), CKPT_OK);
}

static void test_entry_check(void **state)
{
	struct cairn_superblock sb = testvol_sb();
	struct ckpt_entry e;
	static const struct {
		uint8_t kind;
		uint64_t limit;
	} pools[] = {
		{ CKPT_KIND_NODEPOT, 10 },
		{ CKPT_KIND_TAGPOT, 1 },
		{ CKPT_KIND_PAGE, 300 },
		{ CKPT_KIND_THREAD, 70 },
	};

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		memset(&e, 0, sizeof(e));
		e.kind = pools[i].kind;
		e.pos = 100;
		assert_int_equal(ckpt_kind_limit(&sb, e.kind), pools[i].limit);
		e.index = pools[i].limit - 1;
		assert_int_equal(ckpt_entry_check(&sb, &e, 100, 101), CKPT_OK);
		e.index = pools[i].limit;
		assert_int_equal(ckpt_entry_check(&sb, &e, 100, 101), CKPT_ERR_INDEX);
		e.index = UINT64_MAX;
		assert_int_equal(ckpt_entry_check(&sb, &e, 100, 101), CKPT_ERR_INDEX);
	}
	assert_int_equal(ckpt_kind_limit(&sb, 0), 0);
	assert_int_equal(ckpt_kind_limit(&sb, 5), 0);

	memset(&e, 0, sizeof(e));
	e.kind = CKPT_KIND_PAGE;
	e.index = 5;
	e.pos = 99;
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 110), CKPT_ERR_RANGE);
	e.pos = 110; /* dir_pos: the directory, not data */
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 110), CKPT_ERR_RANGE);
	e.pos = 100;
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 110), CKPT_OK);
	e.pos = 109;
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 110), CKPT_OK);
	e.pos = 100;
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 100), CKPT_ERR_RANGE);

	/* ZERO and THREAD entries have no data position. */
	e.pos = 12345678;
	e.flags = CKPT_ENTRY_ZERO;
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 110), CKPT_OK);
	e.flags = 0;
	e.kind = CKPT_KIND_THREAD;
	assert_int_equal(ckpt_entry_check(&sb, &e, 100, 110), CKPT_OK);
}

/* The block sum, written out the obvious way from the format document. */
static uint64_t ref_sum(const uint8_t *b)
{
	uint64_t h = 0x243f6a8885a308d3ull;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t w = 0;

		for (unsigned k = 0; k < 8; k++)
			w |= (uint64_t)b[8 * i + k] << (8 * k);
		h = ((h << 23) | (h >> 41)) ^ w;
		h *= 0x9e3779b97f4a7c15ull;
	}
	return h ^ (h >> 29);
}

static void test_block_sum_vector(void **state)
{
	static uint8_t buf[CKPT_BLOCK_SIZE + 16] __attribute__((aligned(8)));
	uint8_t *b = buf;
	bool zero = true;
	uint64_t want;

	(void)state;
	for (unsigned i = 0; i < CKPT_BLOCK_SIZE; i++)
		b[i] = (uint8_t)(i & 0xff);
	want = ref_sum(b);
	assert_int_equal(ckpt_block_sum(b, &zero), want);
	assert_false(zero);
	assert_int_equal(ckpt_block_sum(b, NULL), want);

	/* Every misalignment takes the byte-wise path and agrees. */
	for (unsigned off = 1; off < 8; off++) {
		memmove(buf + off, buf + off - 1, CKPT_BLOCK_SIZE);
		zero = true;
		assert_int_equal(ckpt_block_sum(buf + off, &zero), want);
		assert_false(zero);
	}

	/* Random blocks. */
	uint64_t s = 42;
	for (unsigned n = 0; n < 50; n++) {
		testvol_fill(buf, testvol_rand(&s));
		assert_int_equal(ckpt_block_sum(buf, NULL), ref_sum(buf));
	}
}

/* The directory block's check value, the obvious way: the block sum of a
 * copy with its last word zero (docs/volume-format.md). */
static uint64_t ref_dir_sum(const uint8_t *b)
{
	uint8_t z[CKPT_BLOCK_SIZE];

	memcpy(z, b, sizeof(z));
	memset(z + CKPT_DIR_OFF_SUM, 0, 8);
	return ref_sum(z);
}

/* Is b refused as the block whose check value was recorded for `now`?
 * Data: its sum is in the directory entry. Directory: in the block. */
static bool data_refused(const uint8_t *b, const uint8_t *now)
{
	return ckpt_block_sum(b, NULL) != ckpt_block_sum(now, NULL);
}

static bool dir_refused(const uint8_t *b, const uint8_t *now)
{
	(void)now;
	return cairn_get_le64(b + CKPT_DIR_OFF_SUM) != ckpt_dir_sum(b);
}

typedef bool refused_fn(const uint8_t *b, const uint8_t *now);

/*
 * What docs/volume-format.md says a check value detects, for both: every
 * torn 4 KiB write (any proper, non-empty set of the eight 512-byte
 * sectors left from the block that was there before: another block, or
 * the zeros of a fresh log; a tear that leaves the bytes as they were is
 * no difference, one that leaves the whole older block is that block)
 * and a block of another generation (here every single-bit change
 * anywhere, the smallest difference there is; a whole valid directory
 * block of another generation is refused by its sequence, not its sum).
 */
static void check_detects(refused_fn *refused, const uint8_t *now, const uint8_t *before)
{
	static uint8_t b[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	static const uint8_t zeros[CKPT_BLOCK_SIZE];

	for (unsigned mask = 1; mask < 255; mask++) {
		for (unsigned pass = 0; pass < 2; pass++) {
			const uint8_t *old = pass ? zeros : before;
			for (unsigned sec = 0; sec < 8; sec++)
				memcpy(b + 512 * sec,
				       (mask >> sec & 1) ? old + 512 * sec : now + 512 * sec, 512);
			if (memcmp(b, now, sizeof(b)) != 0 && memcmp(b, old, sizeof(b)) != 0)
				assert_true(refused(b, now));
		}
	}
	memcpy(b, now, sizeof(b));
	assert_false(refused(b, now));
	for (unsigned bit = 0; bit < 8 * CKPT_BLOCK_SIZE; bit++) {
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_true(refused(b, now));
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void test_check_values_detect(void **state)
{
	static uint8_t a[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	static uint8_t old[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	struct ckpt_dir_info d = valid_dir();

	(void)state;
	testvol_fill(a, 7);
	testvol_fill(old, 8);
	check_detects(data_refused, a, old);
	assert_true(data_refused(old, a));
	/* A page that differs from its older version in one counter. */
	memcpy(old, a, sizeof(old));
	old[1000] ^= 0x01;
	check_detects(data_refused, a, old);

	fill_entries(e, CKPT_DIR_ENTRIES_PER_BLOCK);
	d.count = CKPT_DIR_ENTRIES_PER_BLOCK;
	ckpt_dir_encode(&d, e, a);
	assert_true(cairn_get_le64(a + CKPT_DIR_OFF_SUM) == ref_dir_sum(a));
	d.sequence++; /* the same directory block of the next generation */
	ckpt_dir_encode(&d, e, old);
	check_detects(dir_refused, a, old);
}

static void test_block_sum_zero(void **state)
{
	static uint8_t b[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	bool zero = false;
	uint64_t z;

	(void)state;
	memset(b, 0, sizeof(b));
	z = ckpt_block_sum(b, &zero);
	assert_true(zero);
	assert_int_equal(z, ref_sum(b));
	assert_int_not_equal(z, 0); /* the zero block has a sum like any other */

	/* A single set bit anywhere is seen, and changes the sum. */
	for (unsigned i = 0; i < CKPT_BLOCK_SIZE; i += 511) {
		b[i] = 0x80;
		zero = true;
		assert_int_not_equal(ckpt_block_sum(b, &zero), z);
		assert_false(zero);
		b[i] = 0;
	}
	b[4095] = 1;
	assert_int_equal(ckpt_block_sum(b, &zero), ref_sum(b));
	assert_false(zero);

	/* Swapping two words changes the sum (it is not a plain xor). */
	memset(b, 0, sizeof(b));
	b[0] = 1;
	z = ckpt_block_sum(b, NULL);
	b[0] = 0;
	b[8] = 1;
	assert_int_not_equal(ckpt_block_sum(b, NULL), z);
}

static void test_positions(void **state)
{
	struct cairn_superblock sb = testvol_sb();

	(void)state;
	assert_int_equal(ckpt_ring_blocks(&sb), 128);
	assert_int_equal(ckpt_header_block(&sb, 0), 313);
	assert_int_equal(ckpt_header_block(&sb, 1), 314);
	assert_int_equal(ckpt_pos_block(&sb, 0), 315);
	assert_int_equal(ckpt_pos_block(&sb, 127), 442);
	assert_int_equal(ckpt_pos_block(&sb, 128), 315);
	assert_int_equal(ckpt_pos_block(&sb, 128 * 1000 + 5), 320);
	assert_int_equal(ckpt_pos_block(&sb, UINT64_MAX), 315 + UINT64_MAX % 128);
	assert_int_equal(ckpt_slot_of(1), 1);
	assert_int_equal(ckpt_slot_of(2), 0);
}

static void test_error_names(void **state)
{
	(void)state;
	for (int e = 0; e < CKPT_NERRORS; e++) {
		const char *name = ckpt_errname((enum ckpt_err)e);

		assert_non_null(name);
		assert_true(strncmp(name, "CKPT_", 5) == 0);
		assert_true(strlen(ckpt_strerror((enum ckpt_err)e)) > 0);
		for (int f = 0; f < e; f++)
			assert_string_not_equal(name, ckpt_errname((enum ckpt_err)f));
	}
	assert_string_equal(ckpt_errname(CKPT_OK), "CKPT_OK");
	assert_string_equal(ckpt_errname(CKPT_ERR_CHECKSUM), "CKPT_ERR_CHECKSUM");
	assert_string_equal(ckpt_errname(CKPT_NERRORS), "CKPT_ERR_UNKNOWN");
	assert_string_equal(ckpt_errname((enum ckpt_err)(-1)), "CKPT_ERR_UNKNOWN");
	assert_string_equal(ckpt_strerror(CKPT_NERRORS), "unknown error");
	assert_string_equal(ckpt_kind_name(CKPT_KIND_PAGE), "page");
	assert_string_equal(ckpt_kind_name(0), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_header_console),
		cmocka_unit_test(test_header_empty),
		cmocka_unit_test(test_header_magic_version_crc),
		cmocka_unit_test(test_header_uuid_sequence),
		cmocka_unit_test(test_header_positions),
		cmocka_unit_test(test_dir_roundtrip),
		cmocka_unit_test(test_dir_layout),
		cmocka_unit_test(test_dir_errors),
		cmocka_unit_test(test_entry_kind_flags),
		cmocka_unit_test(test_entry_check),
		cmocka_unit_test(test_block_sum_vector),
		cmocka_unit_test(test_block_sum_zero),
		cmocka_unit_test(test_check_values_detect),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
