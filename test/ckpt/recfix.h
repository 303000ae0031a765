/* SPDX-License-Identifier: MIT */
/*
 * The fixture the recovery tests share (test_recover*.c): a test volume
 * whose log the real writer writes (testvol.h, keep 8 unless reopened), a
 * model of what each block's newest copy must be, the recovery run and
 * its results, and helpers to load, damage and store headers and
 * directory blocks. Directory corruptions other than the checksum are
 * made by decoding the block, changing the struct and re-encoding it
 * (valid CRC), so the check under test is the one that fires.
 */
#ifndef CAIRN_TEST_RECFIX_H
#define CAIRN_TEST_RECFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recover.h"
#include "testvol.h"

#define MAP_CAP     4096u
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

extern struct testvol *v;
extern struct rec *r;
extern struct model *mdl;

int setup(void **state);
int teardown(void **state);
void reopen(const struct testlog_opts *opt);
enum ckpt_err run(void);
int gen(const struct obj *objs, size_t n, const uint64_t *threads, size_t nthreads);
void check_map_against_model(void);
void hdr_load(unsigned slot, struct ckpt_header *h);
void hdr_store(unsigned slot, const struct ckpt_header *h);
void dir_load(uint64_t pos, struct ckpt_dir_info *d, struct ckpt_entry *ents);
void dir_store(uint64_t pos, const struct ckpt_dir_info *d, const struct ckpt_entry *ents);
/* Generations 1 (objs_a, threads_a) and 2 (objs_b, threads_b). */
void two_gens(void);
/* Set entry i of the newest directory's first block to *ne; run(). */
enum ckpt_err with_entry(unsigned i, const struct ckpt_entry *ne);

#define NA 7u
#define NB 4u
extern const struct obj objs_a[NA];
extern const struct obj objs_b[NB];
extern const uint64_t threads_a[3];
extern const uint64_t threads_b[2];

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif /* CAIRN_TEST_RECFIX_H */
