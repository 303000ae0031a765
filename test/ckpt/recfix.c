/* SPDX-License-Identifier: MIT */
/*
 * The recovery tests' fixture (recfix.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recfix.h"

struct testvol *v;
struct rec *r;
struct model *mdl;

int setup(void **state)
{
	(void)state;
	v = testvol_new(&(struct testlog_opts){ .keep = 8, .interval_ms = 100 });
	r = calloc(1, sizeof(*r));
	mdl = calloc(1, sizeof(*mdl));
	ckpt_dirmap_init(&r->map, r->slots, MAP_CAP);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	testvol_free(v);
	free(r);
	free(mdl);
	return 0;
}

/* Start over with other writer options. */
void reopen(const struct testlog_opts *opt)
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

enum ckpt_err run(void)
{
	r->nthreads = 0;
	return ckpt_recover(&v->sb, testvol_read, v, r->scratch, &r->map, on_thread, r, &r->out);
}

/* Commit one generation through the writer and record it in the model. */
int gen(const struct obj *objs, size_t n, const uint64_t *threads, size_t nthreads)
{
	struct testlog_obj *lo = calloc(n ? n : 1, sizeof(*lo));
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
	err = testvol_commit(v, lo, n, threads, nthreads);
	if (err == 0) {
		for (size_t i = 0; i < n; i++) {
			mdl->present[objs[i].kind][objs[i].index] = true;
			mdl->tag[objs[i].kind][objs[i].index] = objs[i].tag;
			mdl->seq[objs[i].kind][objs[i].index] = v->g.w.committed;
		}
	}
	free(lo);
	free(data);
	return err;
}

/* Every map entry matches the model (data compared byte for byte), and
 * every block of the model is in the map. */
void check_map_against_model(void)
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
		assert_int_equal(ckpt_verify_object(&v->sb, testvol_read, v, r->scratch, &e),
				 CKPT_OK);
		n++;
	}
	for (unsigned k = 1; k <= 3; k++)
		for (unsigned i = 0; i < 300; i++)
			want += mdl->present[k][i];
	assert_int_equal(n, want);
	assert_int_equal(r->out.objects, want);
}

void hdr_load(unsigned slot, struct ckpt_header *h)
{
	assert_int_equal(ckpt_header_decode(testvol_block(v, ckpt_header_block(&v->sb, slot)),
					    &v->sb, h),
			 CKPT_OK);
}

void hdr_store(unsigned slot, const struct ckpt_header *h)
{
	ckpt_header_encode(h, testvol_block(v, ckpt_header_block(&v->sb, slot)));
}

void dir_load(uint64_t pos, struct ckpt_dir_info *d, struct ckpt_entry *ents)
{
	assert_int_equal(ckpt_dir_decode(testvol_pos(v, pos), d, ents), CKPT_OK);
}

void dir_store(uint64_t pos, const struct ckpt_dir_info *d, const struct ckpt_entry *ents)
{
	ckpt_dir_encode(d, ents, testvol_pos(v, pos));
}

const struct obj objs_a[NA] = {
	{ CKPT_KIND_NODEPOT, 0, 11 }, { CKPT_KIND_NODEPOT, 9, 12 }, { CKPT_KIND_TAGPOT, 0, 13 },
	{ CKPT_KIND_PAGE, 0, 14 },    { CKPT_KIND_PAGE, 299, 15 },  { CKPT_KIND_PAGE, 42, 0 },
	{ CKPT_KIND_NODEPOT, 3, 0 },
};

const struct obj objs_b[NB] = {
	{ CKPT_KIND_PAGE, 0, 21 },   /* overwrites a */
	{ CKPT_KIND_PAGE, 42, 22 },  /* a's zero block now has data */
	{ CKPT_KIND_NODEPOT, 0, 0 }, /* a's data block now zero */
	{ CKPT_KIND_PAGE, 7, 23 },
};

const uint64_t threads_a[3] = { 0, 5, 69 };
const uint64_t threads_b[2] = { 5, 33 };

void two_gens(void)
{
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
}

/* Set entry i of the newest directory's first block to *ne. */
enum ckpt_err with_entry(unsigned i, const struct ckpt_entry *ne)
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
