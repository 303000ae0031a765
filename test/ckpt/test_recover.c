/* SPDX-License-Identifier: MIT */
/*
 * Host tests of recovery (ckpt/recover.c) over logs written by loggen into
 * a volume image in memory: first boot, one and several generations,
 * newest-wins, threads, ring wrap-around, the fall back to the older slot
 * for every kind of invalid newest header, and one test per way a
 * directory can be damaged, each asserting the named error. Directory
 * corruptions other than the checksum are made by decoding the block,
 * changing the struct and re-encoding it (valid CRC), so the check under
 * test is the one that fires.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recover.h"
#include "testvol.h"

#define MAP_CAP 4096u
#define MAX_THREADS 64u

struct rec {
	struct ckpt_dirent slots[MAP_CAP];
	struct ckpt_dirmap map;
	uint64_t threads[MAX_THREADS];
	unsigned nthreads;
	struct ckpt_recovery out;
	uint8_t scratch[CKPT_BLOCK_SIZE];
};

/* What a test wrote: the tag of each block's newest data (0: zero block)
 * and its generation. Indexed [kind][index]. */
struct model {
	bool present[4][300];
	uint64_t tag[4][300];
	uint64_t seq[4][300];
};

struct obj {
	uint8_t kind;
	uint64_t index;
	uint64_t tag; /* 0: an all-zero block */
};

static struct testvol *v;
static struct rec *r;
static struct model *mdl;

static int setup(void **state)
{
	(void)state;
	v = testvol_new(&(struct loggen_opts){ .keep = 8, .interval_ms = 100 });
	r = calloc(1, sizeof(*r));
	mdl = calloc(1, sizeof(*mdl));
	ckpt_dirmap_init(&r->map, r->slots, MAP_CAP);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testvol_free(v);
	free(r);
	free(mdl);
	return 0;
}

/* Start over with other loggen options. */
static void reopen(const struct loggen_opts *opt)
{
	testvol_free(v);
	v = testvol_new(opt);
	memset(mdl, 0, sizeof(*mdl));
}

static void on_thread(void *arg, uint64_t oid)
{
	struct rec *rr = arg;

	assert_true(rr->nthreads < MAX_THREADS);
	rr->threads[rr->nthreads++] = oid;
}

static enum ckpt_err run(void)
{
	r->nthreads = 0;
	return ckpt_recover(&v->sb, loggen_mem_read, &v->mem, r->scratch, &r->map, on_thread, r,
			    &r->out);
}

/* Commit one generation through loggen and record it in the model. */
static int gen(const struct obj *objs, size_t n, const uint64_t *threads, size_t nthreads)
{
	struct loggen_obj *lo = calloc(n ? n : 1, sizeof(*lo));
	uint8_t *data = calloc(n ? n : 1, CKPT_BLOCK_SIZE);
	int err;

	for (size_t i = 0; i < n; i++) {
		lo[i].kind = objs[i].kind;
		lo[i].index = objs[i].index;
		if (objs[i].tag) {
			testvol_fill(data + i * CKPT_BLOCK_SIZE, objs[i].tag);
			lo[i].data = data + i * CKPT_BLOCK_SIZE;
		}
	}
	err = loggen_commit(&v->g, lo, n, threads, nthreads);
	if (err == 0) {
		for (size_t i = 0; i < n; i++) {
			mdl->present[objs[i].kind][objs[i].index] = true;
			mdl->tag[objs[i].kind][objs[i].index] = objs[i].tag;
			mdl->seq[objs[i].kind][objs[i].index] = v->g.seq;
		}
	}
	free(lo);
	free(data);
	return err;
}

/* Every map entry matches the model (data compared byte for byte), and
 * every block of the model is in the map. */
static void check_map_against_model(void)
{
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;
	size_t n = 0, want = 0;
	uint8_t expect[CKPT_BLOCK_SIZE];

	ckpt_dirmap_first(&r->map, &c);
	while (ckpt_dirmap_next(&r->map, &c, &e)) {
		assert_true(e.kind >= 1 && e.kind <= 3);
		assert_true(mdl->present[e.kind][e.index]);
		assert_int_equal(e.seq, mdl->seq[e.kind][e.index]);
		assert_int_equal(e.mark, 0);
		if (mdl->tag[e.kind][e.index] == 0) {
			assert_int_equal(e.flags, CKPT_ENTRY_ZERO);
		} else {
			assert_int_equal(e.flags, 0);
			testvol_fill(expect, mdl->tag[e.kind][e.index]);
			assert_memory_equal(testvol_pos(v, e.pos), expect, CKPT_BLOCK_SIZE);
			assert_int_equal(e.sum, ckpt_block_sum(expect, NULL));
		}
		assert_int_equal(ckpt_verify_object(&v->sb, loggen_mem_read, &v->mem, r->scratch, &e),
				 CKPT_OK);
		n++;
	}
	for (unsigned k = 1; k <= 3; k++)
		for (unsigned i = 0; i < 300; i++)
			want += mdl->present[k][i];
	assert_int_equal(n, want);
	assert_int_equal(r->out.objects, want);
}

static void hdr_load(unsigned slot, struct ckpt_header *h)
{
	assert_int_equal(ckpt_header_decode(testvol_block(v, ckpt_header_block(&v->sb, slot)),
					    &v->sb, h),
			 CKPT_OK);
}

static void hdr_store(unsigned slot, const struct ckpt_header *h)
{
	ckpt_header_encode(h, testvol_block(v, ckpt_header_block(&v->sb, slot)));
}

static void dir_load(uint64_t pos, struct ckpt_dir_info *d, struct ckpt_entry *ents)
{
	assert_int_equal(ckpt_dir_decode(testvol_pos(v, pos), d, ents), CKPT_OK);
}

static void dir_store(uint64_t pos, const struct ckpt_dir_info *d, const struct ckpt_entry *ents)
{
	ckpt_dir_encode(d, ents, testvol_pos(v, pos));
}

static const struct obj objs_a[] = {
	{ CKPT_KIND_NODEPOT, 0, 11 }, { CKPT_KIND_NODEPOT, 9, 12 }, { CKPT_KIND_TAGPOT, 0, 13 },
	{ CKPT_KIND_PAGE, 0, 14 },    { CKPT_KIND_PAGE, 299, 15 },  { CKPT_KIND_PAGE, 42, 0 },
	{ CKPT_KIND_NODEPOT, 3, 0 },
};
#define NA (sizeof(objs_a) / sizeof(objs_a[0]))

static const struct obj objs_b[] = {
	{ CKPT_KIND_PAGE, 0, 21 }, /* overwrites a */
	{ CKPT_KIND_PAGE, 42, 22 }, /* a's zero block now has data */
	{ CKPT_KIND_NODEPOT, 0, 0 }, /* a's data block now zero */
	{ CKPT_KIND_PAGE, 7, 23 },
};
#define NB (sizeof(objs_b) / sizeof(objs_b[0]))

static const uint64_t threads_a[] = { 0, 5, 69 };
static const uint64_t threads_b[] = { 5, 33 };

/* --- the basic cases ------------------------------------------------------ */

static void test_first_boot(void **state)
{
	(void)state;
	assert_int_equal(run(), CKPT_OK);
	assert_false(r->out.found);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.generations, 0);
	assert_int_equal(ckpt_dirmap_count(&r->map), 0);
	assert_int_equal(r->nthreads, 0);
	assert_string_equal(r->out.detail, "");
}

static void test_one_generation(void **state)
{
	(void)state;
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_true(r->out.found);
	assert_int_equal(r->out.slot, 1);
	assert_int_equal(r->out.hdr.sequence, 1);
	assert_int_equal(r->out.hdr.objects, NA);
	assert_int_equal(r->out.hdr.threads, 3);
	assert_int_equal(r->out.hdr.interval_ms, 100);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.slot_err[1], CKPT_OK);
	assert_int_equal(r->out.slot_seq[1], 1);
	assert_int_equal(r->out.generations, 1);
	assert_int_equal(r->out.dir_blocks, 1);
	assert_int_equal(r->out.entries, NA + 3);
	assert_int_equal(r->out.threads, 3);
	check_map_against_model();

	/* The threads, each once (order is the map's). */
	assert_int_equal(r->nthreads, 3);
	unsigned mask = 0;
	for (unsigned i = 0; i < r->nthreads; i++)
		mask |= r->threads[i] == 0 ? 1 : r->threads[i] == 5 ? 2 : r->threads[i] == 69 ? 4 : 8;
	assert_int_equal(mask, 7);
	/* THREAD entries are gone from the map. */
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_THREAD, 5));
}

static void test_generations_newest_wins(void **state)
{
	static const struct obj c[] = { { CKPT_KIND_PAGE, 0, 31 }, { CKPT_KIND_TAGPOT, 0, 0 } };

	(void)state;
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
	assert_int_equal(gen(c, 2, NULL, 0), 0);
	assert_int_equal(gen(NULL, 0, threads_a, 1), 0); /* only a thread */
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 4);
	assert_int_equal(r->out.slot, 0);
	assert_int_equal(r->out.slot_seq[0], 4);
	assert_int_equal(r->out.slot_seq[1], 3);
	assert_int_equal(r->out.generations, 4);
	assert_int_equal(r->out.entries, NA + 3 + NB + 2 + 2 + 1);
	check_map_against_model();
	assert_int_equal(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 0)->seq, 3);
	assert_int_equal(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 42)->flags, 0);
	assert_int_equal(ckpt_dirmap_lookup(&r->map, CKPT_KIND_NODEPOT, 0)->flags, CKPT_ENTRY_ZERO);
	/* Threads of the newest generation only. */
	assert_int_equal(r->nthreads, 1);
	assert_int_equal(r->threads[0], 0);
}

static void test_threads_only_newest(void **state)
{
	(void)state;
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->nthreads, 2);
	assert_true((r->threads[0] == 5 && r->threads[1] == 33) ||
		    (r->threads[0] == 33 && r->threads[1] == 5));
	assert_int_equal(r->out.threads, 2);

	/* A generation with no threads: nothing runs. */
	assert_int_equal(gen(objs_b, 1, NULL, 0), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->nthreads, 0);
	/* on_thread may be NULL. */
	assert_int_equal(ckpt_recover(&v->sb, loggen_mem_read, &v->mem, r->scratch, &r->map, NULL,
				      NULL, &r->out),
			 CKPT_OK);
}

static void test_multiblock_directory(void **state)
{
	static struct obj many[290];
	static uint64_t th[40];

	(void)state;
	for (unsigned i = 0; i < 290; i++)
		many[i] = (struct obj){ CKPT_KIND_PAGE, i, i % 5 ? 0 : 1000 + i };
	for (unsigned i = 0; i < 40; i++)
		th[i] = i;
	assert_int_equal(gen(many, 290, th, 40), 0); /* 330 entries: 3 blocks */
	assert_int_equal(v->g.last.dir_blocks, 3);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.dir_blocks, 3);
	assert_int_equal(r->out.entries, 330);
	assert_int_equal(r->nthreads, 40);
	check_map_against_model();
}

static void test_empty_generation(void **state)
{
	(void)state;
	assert_int_equal(gen(NULL, 0, NULL, 0), 0);
	assert_int_equal(v->g.last.gen_start, v->g.last.dir_pos);
	assert_int_equal(run(), CKPT_OK);
	assert_true(r->out.found);
	assert_int_equal(r->out.entries, 0);
	assert_int_equal(ckpt_dirmap_count(&r->map), 0);
}

/* Many generations through a small ring: positions wrap many times, the
 * tail keeps the newest 3, and recovery sees exactly those. */
static void test_ring_wraparound(void **state)
{
	uint64_t s = 99;

	(void)state;
	reopen(&(struct loggen_opts){ .keep = 3, .start_pos = 5 * TESTVOL_RING - 7 });
	for (unsigned g = 0; g < 60; g++) {
		struct obj o[12];
		unsigned n = 1 + (unsigned)(testvol_rand(&s) % 12);

		for (unsigned i = 0; i < n; i++)
			o[i] = (struct obj){ CKPT_KIND_PAGE, (g * 12 + i) % 300,
					     testvol_rand(&s) % 4 ? 1 + g * 100 + i : 0 };
		assert_int_equal(gen(o, n, NULL, 0), 0);
	}
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 60);
	assert_int_equal(r->out.generations, 3);
	assert_true(r->out.hdr.head > 5 * TESTVOL_RING);
	/* Every object in the map verifies against its data. */
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;
	ckpt_dirmap_first(&r->map, &c);
	while (ckpt_dirmap_next(&r->map, &c, &e)) {
		assert_true(e.seq >= 58);
		assert_int_equal(ckpt_verify_object(&v->sb, loggen_mem_read, &v->mem, r->scratch, &e),
				 CKPT_OK);
	}
}

/* --- the header slots ----------------------------------------------------- */

static void two_gens(void)
{
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
}

/* Recovery fell back to generation 1 in slot 1, slot 0 reported `why`. */
static void assert_fell_back(enum ckpt_err why)
{
	assert_int_equal(run(), CKPT_OK);
	assert_true(r->out.found);
	assert_int_equal(r->out.slot, 1);
	assert_int_equal(r->out.hdr.sequence, 1);
	assert_int_equal(r->out.slot_err[0], why);
	assert_int_equal(r->out.slot_err[1], CKPT_OK);
	assert_int_equal(r->out.generations, 1);
	assert_int_equal(r->nthreads, 3); /* generation 1's threads */
	assert_non_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299));
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 7)); /* only in gen 2 */
}

static void test_torn_newest_header(void **state)
{
	uint8_t *slot0;

	(void)state;
	two_gens();
	slot0 = testvol_block(v, ckpt_header_block(&v->sb, 0));
	/* Torn: only the first 512-byte sector of the new header made it
	 * over an older header of the same slot (here: zeros). */
	memset(slot0 + 512, 0, CKPT_BLOCK_SIZE - 512);
	assert_fell_back(CKPT_ERR_CHECKSUM);
}

static void test_invalid_newest_header_kinds(void **state)
{
	struct ckpt_header h, good;
	uint8_t *slot0;

	(void)state;
	two_gens();
	hdr_load(0, &good);
	slot0 = testvol_block(v, ckpt_header_block(&v->sb, 0));

	h = good;
	h.tail = h.gen_start + 1; /* positions out of range: invalid */
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_POSITIONS);

	h = good;
	h.head = h.tail + TESTVOL_RING + 1;
	h.dir_pos = h.head - h.dir_blocks;
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_POSITIONS);

	h = good;
	h.uuid[0] ^= 1;
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_UUID);

	h = good;
	h.version = 99;
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_VERSION);

	h = good;
	h.sequence = 3; /* odd sequence in slot 0 */
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_SLOT);

	memset(slot0, 0x5a, CKPT_BLOCK_SIZE);
	assert_fell_back(CKPT_ERR_MAGIC);

	hdr_store(0, &good);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 2);
}

static void test_both_slots_bad(void **state)
{
	uint8_t *slot0, *slot1;

	(void)state;
	two_gens();
	slot0 = testvol_block(v, ckpt_header_block(&v->sb, 0));
	slot1 = testvol_block(v, ckpt_header_block(&v->sb, 1));
	slot0[100] ^= 1;
	slot1[0] = 0;
	assert_int_equal(run(), CKPT_ERR_CHECKSUM);
	assert_false(r->out.found);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_CHECKSUM);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_MAGIC);
	assert_non_null(strstr(r->out.detail, "slot 1 CKPT_ERR_MAGIC"));

	/* A torn first header and an empty slot: no checkpoint was ever
	 * committed, so this is a first boot (with the damage reported). */
	memset(slot0, 0, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
	assert_false(r->out.found);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_MAGIC);
}

/* --- damaged directories of the valid newest header: named errors --------- */

static void test_dir_checksum(void **state)
{
	(void)state;
	two_gens();
	testvol_pos(v, v->g.last.dir_pos)[700] ^= 0x10;
	assert_int_equal(run(), CKPT_ERR_CHECKSUM);
	assert_true(r->out.found); /* the header was fine; no fall back */
	assert_int_equal(r->out.hdr.sequence, 2);
	assert_non_null(strstr(r->out.detail, "generation 2 directory block 0/1"));
	assert_int_equal(r->nthreads, 0);
}

static void test_dir_magic(void **state)
{
	(void)state;
	two_gens();
	memset(testvol_pos(v, v->g.last.dir_pos), 0, CKPT_BLOCK_SIZE); /* never written */
	assert_int_equal(run(), CKPT_ERR_MAGIC);
}

static void test_dir_wrong_sequence(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	(void)state;
	two_gens();
	dir_load(v->g.last.dir_pos, &d, e);
	d.sequence = 5; /* a directory of another generation */
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);
	assert_non_null(strstr(r->out.detail, "sequence 5"));
}

/* The chain must go strictly backwards: a previous link naming a
 * directory whose sequence is not the one the link promises. */
static void test_chain_sequence(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t dir2;

	(void)state;
	two_gens();
	assert_int_equal(gen(objs_b, 1, NULL, 0), 0); /* generation 3 */
	dir2 = v->g.kept[1].dir_pos;
	dir_load(v->g.last.dir_pos, &d, e);
	assert_int_equal(d.prev_dir_pos, dir2);
	d.prev_sequence = 1; /* generation 2's directory says 2 */
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);
	assert_non_null(strstr(r->out.detail, "generation 1 directory"));

	/* A link that does not go backwards at all. */
	d.prev_sequence = 3;
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);

	/* Older generation's block claims a newer sequence than its link. */
	d.prev_sequence = 2;
	dir_store(v->g.last.dir_pos, &d, e);
	dir_load(dir2, &d, e);
	d.sequence = 7;
	d.prev_sequence = 1;
	dir_store(dir2, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);
}

static void test_dir_link_fields(void **state)
{
	struct ckpt_dir_info d, orig;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t pos;

	(void)state;
	two_gens();
	pos = v->g.last.dir_pos;
	dir_load(pos, &orig, e);

	d = orig;
	d.gen_start++; /* disagrees with the header */
	dir_store(pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_LINK);

	d = orig;
	d.dir_blocks = 2;
	dir_store(pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_LINK);

	/* A previous link running into this generation. */
	d = orig;
	d.prev_dir_blocks = (uint32_t)(d.gen_start - d.prev_dir_pos + 1);
	dir_store(pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_POSITIONS);
}

static void test_dir_block_order(void **state)
{
	static struct obj many[200];
	struct ckpt_dir_info d0, d1;
	struct ckpt_entry e0[CKPT_DIR_ENTRIES_PER_BLOCK], e1[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t pos;

	(void)state;
	for (unsigned i = 0; i < 200; i++)
		many[i] = (struct obj){ CKPT_KIND_PAGE, i, 0 };
	assert_int_equal(gen(many, 200, NULL, 0), 0);
	pos = v->g.last.dir_pos;
	dir_load(pos, &d0, e0);
	dir_load(pos + 1, &d1, e1);
	/* Blocks swapped: block at dir_pos + 0 says index 1. */
	dir_store(pos, &d1, e1);
	dir_store(pos + 1, &d0, e0);
	assert_int_equal(run(), CKPT_ERR_LINK);
	/* Second block disagreeing with the first about the previous link
	 * (a field the decoder ignores here, as nothing is kept before). */
	dir_store(pos, &d0, e0);
	assert_int_equal(d1.prev_dir_pos, CKPT_NO_DIR);
	d1.prev_dir_blocks = 5;
	dir_store(pos + 1, &d1, e1);
	assert_int_equal(run(), CKPT_ERR_LINK);
	assert_non_null(strstr(r->out.detail, "directory block 1/2"));
}

/* Set entry i of the newest directory's first block to *ne. */
static enum ckpt_err with_entry(unsigned i, const struct ckpt_entry *ne)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	dir_load(v->g.last.dir_pos, &d, NULL);
	for (unsigned k = 0; k < d.count; k++) /* raw: an earlier call may have broken one */
		(void)ckpt_entry_decode(testvol_pos(v, v->g.last.dir_pos), k, &e[k]);
	e[i] = *ne;
	dir_store(v->g.last.dir_pos, &d, e);
	return run();
}

static void test_entry_positions(void **state)
{
	struct ckpt_entry e;
	const struct ckpt_header *h;

	(void)state;
	two_gens();
	h = &v->g.last;
	e = (struct ckpt_entry){ .kind = CKPT_KIND_PAGE, .index = 0, .pos = h->dir_pos };
	assert_int_equal(with_entry(0, &e), CKPT_ERR_RANGE);
	assert_non_null(strstr(r->out.detail, "entry 0 (page 0)"));
	e.pos = h->gen_start - 1; /* generation 1's data */
	assert_int_equal(with_entry(0, &e), CKPT_ERR_RANGE);
	e.pos = h->gen_start + 1000 * TESTVOL_RING; /* same ring block, wrong lap */
	assert_int_equal(with_entry(0, &e), CKPT_ERR_RANGE);
	e.pos = h->gen_start; /* in range (the sum is then wrong, not checked here) */
	assert_int_equal(with_entry(0, &e), CKPT_OK);
}

static void test_entry_index_outside_pool(void **state)
{
	struct ckpt_entry e;

	(void)state;
	two_gens();
	e = (struct ckpt_entry){ .kind = CKPT_KIND_NODEPOT, .index = 10,
				 .flags = CKPT_ENTRY_ZERO };
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	assert_non_null(strstr(r->out.detail, "entry 1 (nodepot 10): pool holds 10"));
	e.kind = CKPT_KIND_TAGPOT;
	e.index = 1;
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	e.kind = CKPT_KIND_PAGE;
	e.index = 300;
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	e = (struct ckpt_entry){ .kind = CKPT_KIND_THREAD, .index = 70 };
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	e.index = UINT64_MAX;
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
}

static void test_entry_kind_and_flags(void **state)
{
	struct ckpt_entry e;

	(void)state;
	two_gens();
	e = (struct ckpt_entry){ .kind = 0, .index = 1 };
	assert_int_equal(with_entry(2, &e), CKPT_ERR_KIND);
	e.kind = 7;
	assert_int_equal(with_entry(2, &e), CKPT_ERR_KIND);
	e = (struct ckpt_entry){ .kind = CKPT_KIND_PAGE, .index = 1, .flags = 0x10 };
	assert_int_equal(with_entry(2, &e), CKPT_ERR_FLAGS);
}

static void test_duplicates(void **state)
{
	struct ckpt_entry e;

	(void)state;
	two_gens();
	/* Entry 1 names the same block as entry 0 (page 0). */
	e = (struct ckpt_entry){ .kind = CKPT_KIND_PAGE, .index = 0, .flags = CKPT_ENTRY_ZERO };
	assert_int_equal(with_entry(1, &e), CKPT_ERR_DUPLICATE);
	assert_non_null(strstr(r->out.detail, "entry 1 (page 0)"));
}

static void test_duplicate_threads(void **state)
{
	static const uint64_t th[] = { 8, 9, 8 };

	(void)state;
	assert_int_equal(gen(objs_a, 2, th, 3), 0);
	assert_int_equal(run(), CKPT_ERR_DUPLICATE);
	assert_int_equal(r->nthreads, 0);
}

/* A duplicate in an older generation is found even when a newer
 * generation also names that block (the newer copy must not hide it). */
static void test_duplicate_in_older_generation(void **state)
{
	static const struct obj dup[] = { { CKPT_KIND_PAGE, 5, 1 }, { CKPT_KIND_PAGE, 5, 2 } };
	static const struct obj newer[] = { { CKPT_KIND_PAGE, 5, 3 } };

	(void)state;
	assert_int_equal(gen(dup, 2, NULL, 0), 0);
	assert_int_equal(gen(newer, 1, NULL, 0), 0);
	assert_int_equal(run(), CKPT_ERR_DUPLICATE);
	assert_non_null(strstr(r->out.detail, "generation 1 directory"));
}

static void test_counts(void **state)
{
	struct ckpt_header h;
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	(void)state;
	two_gens();
	hdr_load(0, &h);
	h.objects++;
	hdr_store(0, &h);
	assert_int_equal(run(), CKPT_ERR_COUNT);
	assert_non_null(strstr(r->out.detail, "header says 5 and 2"));
	h.objects--;
	h.threads = 0;
	hdr_store(0, &h);
	assert_int_equal(run(), CKPT_ERR_COUNT);
	h.threads = 2;
	hdr_store(0, &h);

	/* Too many entries in a block. */
	dir_load(v->g.last.dir_pos, &d, e);
	d.count = 126;
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_COUNT);
}

/* --- the tail ------------------------------------------------------------ */

/* Generations before the tail are never read: garbage there is harmless. */
static void test_tail_not_read(void **state)
{
	uint64_t old_dir, old_data;

	(void)state;
	reopen(&(struct loggen_opts){ .keep = 1, .link_always = true });
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	old_dir = v->g.last.dir_pos;
	old_data = v->g.last.gen_start;
	memset(mdl, 0, sizeof(*mdl));
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
	assert_int_equal(v->g.last.tail, v->g.last.gen_start);

	memset(testvol_pos(v, old_dir), 0xa5, CKPT_BLOCK_SIZE);
	memset(testvol_pos(v, old_data), 0xa5, CKPT_BLOCK_SIZE);
	v->mem.fail_block = ckpt_pos_block(&v->sb, old_dir); /* and unreadable */
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.generations, 1);
	check_map_against_model();
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299)); /* only in gen 1 */
}

/* With keep 2 the tail moves one generation behind: generation 1 is cut
 * off once generation 3 is committed, though generation 2 links to it. */
static void test_tail_moves(void **state)
{
	uint64_t dir1;

	(void)state;
	reopen(&(struct loggen_opts){ .keep = 2 });
	assert_int_equal(gen(objs_a, NA, NULL, 0), 0);
	dir1 = v->g.last.dir_pos;
	assert_int_equal(gen(objs_b, NB, NULL, 0), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.generations, 2);

	assert_int_equal(gen(objs_b, 1, NULL, 0), 0);
	memset(testvol_pos(v, dir1), 0xff, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.generations, 2);
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299));
}

/* The tail must be a generation boundary: a previous directory at or after
 * the tail whose generation starts before it is an error. */
static void test_tail_inside_generation(void **state)
{
	struct ckpt_header h;

	(void)state;
	two_gens();
	hdr_load(0, &h);
	assert_int_equal(h.tail, v->g.kept[0].gen_start);
	h.tail = v->g.kept[0].gen_start + 1;
	assert_true(h.tail <= v->g.kept[0].dir_pos);
	hdr_store(0, &h);
	assert_int_equal(run(), CKPT_ERR_POSITIONS);
	assert_non_null(strstr(r->out.detail, "generation 1"));
}

/* --- I/O, the map, data -------------------------------------------------- */

static void test_read_errors(void **state)
{
	(void)state;
	two_gens();
	v->mem.fail_block = ckpt_header_block(&v->sb, 1); /* the OLDER slot */
	assert_int_equal(run(), CKPT_ERR_IO);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_IO);
	assert_non_null(strstr(r->out.detail, "header slot 1"));

	v->mem.fail_block = ckpt_pos_block(&v->sb, v->g.kept[0].dir_pos); /* gen 1's dir */
	assert_int_equal(run(), CKPT_ERR_IO);
	assert_non_null(strstr(r->out.detail, "generation 1 directory block 0/1"));
	assert_non_null(strstr(r->out.detail, "read failed"));

	v->mem.fail_block = UINT64_MAX;
	assert_int_equal(run(), CKPT_OK);
}

static void test_map_full(void **state)
{
	static struct obj many[100];
	struct ckpt_dirent small[64];

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		many[i] = (struct obj){ CKPT_KIND_PAGE, i, 0 };
	assert_int_equal(gen(many, 100, NULL, 0), 0);
	ckpt_dirmap_init(&r->map, small, 64);
	assert_int_equal(run(), CKPT_ERR_MAP_FULL);
	ckpt_dirmap_init(&r->map, r->slots, MAP_CAP);
	assert_int_equal(run(), CKPT_OK);

	r->map.slots = NULL;
	assert_int_equal(run(), CKPT_ERR_ARGUMENT);
	ckpt_dirmap_init(&r->map, r->slots, MAP_CAP);
}

static void test_verify_object(void **state)
{
	struct ckpt_dirent *e;

	(void)state;
	two_gens();
	assert_int_equal(run(), CKPT_OK);
	e = ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 7);
	assert_non_null(e);
	testvol_pos(v, e->pos)[4095] ^= 1;
	assert_int_equal(ckpt_verify_object(&v->sb, loggen_mem_read, &v->mem, r->scratch, e),
			 CKPT_ERR_DATA);
	v->mem.fail_block = ckpt_pos_block(&v->sb, e->pos);
	assert_int_equal(ckpt_verify_object(&v->sb, loggen_mem_read, &v->mem, r->scratch, e),
			 CKPT_ERR_IO);
	e = ckpt_dirmap_lookup(&r->map, CKPT_KIND_NODEPOT, 0); /* ZERO: nothing to read */
	assert_int_equal(ckpt_verify_object(&v->sb, loggen_mem_read, &v->mem, r->scratch, e),
			 CKPT_OK);
	struct ckpt_dirent t = { .kind = CKPT_KIND_THREAD };
	assert_int_equal(ckpt_verify_object(&v->sb, loggen_mem_read, &v->mem, r->scratch, &t),
			 CKPT_ERR_KIND);
}

/* Garbage anywhere in the newest directory never crashes recovery: flip
 * every byte of it in turn (the CRC catches each), then rewrite random
 * contents with a valid CRC and accept any named result. */
static void test_directory_fuzz(void **state)
{
	uint8_t *dir, saved[CKPT_BLOCK_SIZE];
	uint64_t s = 1234;

	(void)state;
	two_gens();
	dir = testvol_pos(v, v->g.last.dir_pos);
	memcpy(saved, dir, CKPT_BLOCK_SIZE);
	for (unsigned i = 0; i < CKPT_BLOCK_SIZE; i += 7) {
		dir[i] ^= 0x21;
		enum ckpt_err err = run();
		assert_true(err == CKPT_ERR_CHECKSUM || (i < 8 && err == CKPT_ERR_MAGIC));
		dir[i] ^= 0x21;
	}
	for (unsigned n = 0; n < 2000; n++) {
		struct ckpt_dir_info d;
		struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
		enum ckpt_err err;

		memcpy(dir, saved, CKPT_BLOCK_SIZE);
		dir_load(v->g.last.dir_pos, &d, e);
		for (unsigned k = 0; k < d.count; k++) {
			uint64_t x = testvol_rand(&s);

			switch (x % 5) {
			case 0:
				e[k].index = testvol_rand(&s) % 400;
				break;
			case 1:
				e[k].kind = (uint8_t)(testvol_rand(&s) % 6);
				break;
			case 2:
				e[k].pos = v->g.last.gen_start + testvol_rand(&s) % 12 - 3;
				break;
			case 3:
				e[k].flags = (uint8_t)(testvol_rand(&s) % 3);
				break;
			default:
				break;
			}
		}
		if (testvol_rand(&s) % 4 == 0)
			d.count = (uint32_t)(testvol_rand(&s) % 130);
		dir_store(v->g.last.dir_pos, &d, e);
		err = run();
		assert_true((unsigned)err < CKPT_NERRORS);
		if (err != CKPT_OK)
			assert_true(strlen(r->out.detail) > 0);
	}
	memcpy(dir, saved, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_first_boot),
		T(test_one_generation),
		T(test_generations_newest_wins),
		T(test_threads_only_newest),
		T(test_multiblock_directory),
		T(test_empty_generation),
		T(test_ring_wraparound),
		T(test_torn_newest_header),
		T(test_invalid_newest_header_kinds),
		T(test_both_slots_bad),
		T(test_dir_checksum),
		T(test_dir_magic),
		T(test_dir_wrong_sequence),
		T(test_chain_sequence),
		T(test_dir_link_fields),
		T(test_dir_block_order),
		T(test_entry_positions),
		T(test_entry_index_outside_pool),
		T(test_entry_kind_and_flags),
		T(test_duplicates),
		T(test_duplicate_threads),
		T(test_duplicate_in_older_generation),
		T(test_counts),
		T(test_tail_not_read),
		T(test_tail_moves),
		T(test_tail_inside_generation),
		T(test_read_errors),
		T(test_map_full),
		T(test_verify_object),
		T(test_directory_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
