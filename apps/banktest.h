/* SPDX-License-Identifier: MIT */
/*
 * banktest: what the space bank's test driver (apps/banktest.c) and its
 * case files share: the capability registers of apps/banktest.image, the
 * reporting of a case, and small checked wrappers over lib/bank.h.
 *
 * The files by purpose:
 *   banktest.c          main, the case list, reporting, the helpers below
 *   banktest_objects.c  buy and sell, limits, destroy, remove
 *   banktest_keys.c     restrictions, verify, transparent and opaque banks
 *   banktest_bad.c      bad input, and several clients at once, one hostile
 *   banktest_hints.c    the hinted SELL and every wrong hint
 * and the other domains of the image: apps/bankimpostor.c (answers the
 * bank protocol with plausible lies), apps/bankhostile.c (floods its bank
 * with garbage), apps/bankload.c (an honest client here, the kill-and-
 * resume workload in apps/bankload.image).
 *
 * Invariant: every case starts from banks of its own, made from the
 * prime bank, and destroys them at its end, so a case that fails leaves
 * nothing that changes the next one's figures (usage is always measured
 * relative to the case's own banks).
 */
#ifndef BANKTEST_H
#define BANKTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "bank.h"
#include "cairn.h"
#include "check.h"

/* The driver's capability registers (apps/banktest.image). */
#define CAP_PRIME       3 /* start key to the bank, badge 1: the prime bank */
#define CAP_IMPOSTOR    4 /* start key to bankimpostor */
#define CAP_DISCRIM     5
#define CAP_HOSTILE_DOM 6          /* domain key to bankhostile (halted until the case) */
#define CAP_HONEST_DOM  7          /* domain key to the honest client (bankload, halted) */
#define CAP_BANK(n)     (8 + (n))  /* 8..13: the case's banks and their control keys */
#define CAP_OBJ(n)      (14 + (n)) /* 14..23: objects bought */
#define CAP_TMP(n)      (24 + (n)) /* 24..29: short-lived */
#define CAP_FOREIGN     30         /* a node of the image: no bank sold it */
#define CAP_SELF        31         /* domain key to the driver itself: copies keys */

/* bankhostile's and bankload's registers, the driver fills them (DOMAIN
 * SWAP_CAP) before it starts them. */
#define CLIENT_CAP_BANK    3 /* the bank key it may use */
#define CLIENT_CAP_STATUS  4 /* a node: its report, below */
#define CLIENT_CAP_DISCRIM 5

/* A client's report, in the number slots of its status node. */
enum {
	STATUS_ROUNDS = 0, /* rounds done */
	STATUS_FAILURES,   /* replies it did not expect */
	STATUS_FIRST,      /* the first: attack << 32 | result */
	STATUS_DONE,       /* 1 when it is finished */
};

/* --- reporting (banktest.c) ---------------------------------------- */
/* A case records its first failure; its line says ok or FAIL that. */
bool failed_yet(void);
bool rc_in(const char *what, uint64_t got, uint64_t a, uint64_t b); /* either */
bool refused(const char *what, uint64_t got);                       /* anything but OK */

/* --- helpers (banktest.c) ------------------------------------------ */
uint64_t key_type(cap_t key, uint64_t *rights);
bool type_is(const char *what, cap_t key, uint64_t want);
bool all_void(const char *what, const cap_t *keys, unsigned n);
/* The bank's usage of a pool, ~0 (and a failure) if QUERY fails. */
uint64_t usage(cap_t bank, unsigned pool);
bool usage_is(const char *what, cap_t bank, uint64_t nodes, uint64_t pages);
/* A sub-bank of parent into sub (and its control key into ctl). */
bool sub_bank(cap_t parent, unsigned kind, cap_t sub, cap_t ctl);
/* Wait, bounded, until the prime bank has nothing left to reclaim. */
bool reclaimed(unsigned ms);
/* Marks: a page holds v in its first 8 bytes, a node in slot 0. */
uint64_t mark(cap_t obj, unsigned pool, uint64_t v);
uint64_t mark_of(cap_t obj, unsigned pool, uint64_t *v);
/* The objects (CAIRN_BANK_OBJECT) listed through inspect key ctl, up to
 * cap of them; false (and a failure) if LIST fails or never ends. */
bool list_objects(cap_t ctl, uint64_t *out, unsigned cap, unsigned *count);
/* Copy capability register from into into (DOMAIN GET_CAP on the driver). */
uint64_t copy_key(cap_t from, cap_t into);
/* Put key into capability register reg of the domain behind dom. */
uint64_t give_key(cap_t dom, unsigned reg, cap_t key);
/* VERIFY key through trusted; genuine_is checks each field of the verdict
 * (kind, may_not and key_kind only when genuine is wanted). */
bool genuine_is(const char *what, cap_t trusted, cap_t key, bool genuine, uint64_t kind,
		uint64_t may_not, uint64_t key_kind);
/* Destroy each nonzero register's bank, ignoring the result (cleanup). */
void drop_banks(cap_t a, cap_t b, cap_t c);
void nap(uint64_t ms);
uint64_t now_ms(void);
/* A raw order to a bank, words as given; the reply into *rep if nonnull. */
uint64_t raw_order(cap_t bank, uint64_t order, uint64_t w0, uint64_t w1, cap_t k0,
		   struct cairn_reply *rep);

/* --- the cases ------------------------------------------------------ */
void case_buy_sell(void);
void case_sold_cleared(void);
void case_limit_own(void);
void case_limit_ancestor(void);
void case_destroy_cascades(void);
void case_remove(void);
void case_restrictions(void);
void case_reduce_narrows(void);
void case_verify_real(void);
void case_verify_impostor(void);
void case_inspect_lists(void);
void case_inspect_rescinds(void);
void case_opaque(void);
void case_sell_foreign(void);
void case_sell_twice(void);
void case_sell_void(void);
void case_sell_hinted(void);
void case_hint_wrong(void);
void case_hint_bad(void);
void case_hint_twice(void);
void case_buy_dead(void);
void case_nonsense_args(void);
void case_limit_extremes(void);
void case_bad_orders(void);
void case_wrong_keys(void);
void case_prime_stays(void);
void case_crowd(void);

#endif /* BANKTEST_H */
