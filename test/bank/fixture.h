/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the bank books' host tests (test_bank_core.c: buy, sell,
 * limits, restrictions, badges; test_bank_destroy.c: destroy, remove,
 * inspect, the ensure hook, the audit, a random workload). The arrays are
 * mapped PROT_NONE and the ensure hook makes a page usable (and fills it
 * with garbage) the first time it is asked to, as the bank domain's lazy
 * mapping will; it can be told to fail after a number of calls.
 */
#ifndef CAIRN_TEST_BANK_FIXTURE_H
#define CAIRN_TEST_BANK_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "bank.h"
#include "bank_key.h"

#define POOL_MAX  (1u << 17)
#define BANKS_MAX 4096u

/* One lazily mapped array: its pages become usable through ensure. */
struct region {
	uint8_t *base;
	size_t bytes;
	bool *mapped;
};

struct fake_state {
	struct region objs[BANK_POOLS];
	struct region banks;
	long fail_in; /* successful calls left before ensure fails; < 0: never */
	unsigned calls;
	unsigned pages; /* pages mapped so far */
	size_t page;
};
extern struct fake_state fake;
extern struct bank_books books;

/* A copy of everything the books hold, to show a refusal changed nothing. */
struct snapshot {
	struct bank_books books;
	struct bank_obj *objs[BANK_POOLS];
	struct bank_rec *banks;
};

void region_map(struct region *r, size_t bytes);
void region_unmap(struct region *r);
struct region *region_of(uint8_t *addr, size_t len);
bool fake_ensure(void *ctx, void *addr, size_t len);
void books_with(uint32_t nodes, uint32_t pages, uint32_t bank_capacity);
int setup(void **state);
int teardown(void **state);
void audit_ok(void);
bank_id_t create(bank_id_t parent, enum bank_kind kind);
uint32_t buy1(bank_id_t bank, uint32_t pool);
enum bank_err sell1(bank_id_t bank, uint32_t pool, uint32_t off);
uint64_t usage(bank_id_t bank, uint32_t pool);
void snap_take(struct snapshot *s);
void snap_unchanged(struct snapshot *s);

#endif
