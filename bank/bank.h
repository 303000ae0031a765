/* SPDX-License-Identifier: MIT */
/*
 * The space bank's books (docs/bank.md "Bookkeeping"): who owns which node
 * and page, which are free, each bank's limits and usage, the tree of
 * banks, and the destroys still being reclaimed. Pure bookkeeping: nothing
 * here invokes a key, allocates or prints. The bank domain (U-mode,
 * picolibc) builds it over memory it maps lazily; the host tests build it
 * natively. All state is in struct bank_books and the arrays it points
 * to, so the checkpointer saves it with the domain's memory.
 *
 * An object is named by (pool, offset), offset < count[pool]: its OID is
 * the pool range key's first OID plus offset (the domain's business).
 *
 * Invariants, whenever no bank_* call is in progress (bank_audit() checks
 * every one of them):
 *  - Each object with offset < fresh[pool] is on exactly one list: the
 *    pool's free list (owner 0) or the object list of the bank its owner
 *    resolves to (owner != 0). Objects at or past fresh[pool] were never
 *    handed out and their records were never touched. free_count[pool] is
 *    the free list's length.
 *  - An owner or parent field names a bank by id; a REMOVED bank forwards
 *    to its own parent, so resolving follows parents while REMOVED. Raw
 *    parent fields never change after create, so every walk up the tree is
 *    at most the bank's depth at creation, <= BANK_MAX_DEPTH.
 *  - usage[pool] of a LIVE bank, or of a bank under a destroy still being
 *    reclaimed, is the objects it owns directly plus the usage of each bank
 *    on its child list. A destroyed bank leaves its parent's child list at
 *    once, so its subtree's objects stop counting against its ancestors the
 *    moment bank_destroy returns; they count against the dying banks
 *    themselves until reclaimed.
 *  - A bank is alive iff its state and every ancestor's (resolved) is
 *    LIVE. Only the root of a destroy is DESTROYING; its subtree stays
 *    LIVE in its records until reclaimed (then DESTROYED), and is dead by
 *    the walk up.
 *  - Bank ids are never reused: next_id only grows; removed and destroyed
 *    banks stay as tombstones so that a stale id finds them, never a new
 *    bank.
 */
#ifndef CAIRN_BANK_H
#define CAIRN_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two pools, numbered as the RANGE key's badge numbers them
 * (docs/invocations.md: 0 nodes, 1 pages). */
enum bank_pool {
	BANK_POOL_NODE = 0,
	BANK_POOL_PAGE = 1,
};
#define BANK_POOLS 2

typedef uint32_t bank_id_t;

#define BANK_NONE      0u         /* no bank; an owner of 0 is a free object */
#define BANK_PRIME     1u         /* the prime bank, created by bank_books_init */
#define BANK_NIL       UINT32_MAX /* end of an object or free list; never an offset */
#define BANK_UNLIMITED UINT64_MAX
#define BANK_MAX_DEPTH 32 /* the prime bank is depth 0 */
#define BANK_MAX_BATCH 3  /* objects in one buy or sell */

/* Every refusal, by name (bank_err_name()). */
#define BANK_ERRORS(X)                                                             \
	X(BANK_OK, "done")                                                         \
	X(BANK_E_ARG, "malformed argument (count, pool, offset past the pool)")    \
	X(BANK_E_NO_BANK, "no bank ever had this id")                              \
	X(BANK_E_DEAD, "the bank was destroyed or removed, or is being destroyed") \
	X(BANK_E_LIMIT, "over the limit of the bank or of an ancestor")            \
	X(BANK_E_EXHAUSTED, "the pool has no free object left")                    \
	X(BANK_E_NOT_OWNER, "the object is not owned by this bank")                \
	X(BANK_E_DUPLICATE, "the same object twice in one sell")                   \
	X(BANK_E_BOOKS, "the bank is out of storage for its own books")            \
	X(BANK_E_DEPTH, "sub-banks nested deeper than BANK_MAX_DEPTH")             \
	X(BANK_E_BANKS, "the bank table is full: no more bank ids")                \
	X(BANK_E_PRIME, "the prime bank cannot be destroyed or removed")           \
	X(BANK_E_RESTRICTED, "the key's restrictions forbid the operation")        \
	X(BANK_E_STALE, "the cursor's object left the listing; start again")       \
	X(BANK_E_BADGE, "malformed badge")                                         \
	X(BANK_E_AUDIT, "the books are inconsistent (bank_audit)")

enum bank_err {
#define BANK_ERR_ENUM(name, text) name,
	BANK_ERRORS(BANK_ERR_ENUM)
#undef BANK_ERR_ENUM
};

/* "BANK_E_LIMIT", ...; "BANK_E_?" for a value out of range. */
const char *bank_err_name(enum bank_err err);

enum bank_kind {
	BANK_TRANSPARENT = 0, /* the creator may inspect (docs/bank.md; the default) */
	BANK_OPAQUE = 1,      /* the creator may only destroy it */
};

enum bank_state {
	BANK_FREE = 0,       /* never created (an id >= next_id) */
	BANK_LIVE = 1,       /* dead anyway if an ancestor is DESTROYING */
	BANK_DESTROYING = 2, /* the root of a destroy, on the reclaim queue */
	BANK_DESTROYED = 3,  /* reclaimed: a tombstone */
	BANK_REMOVED = 4,    /* handed to its parent: a tombstone that forwards */
};

/* One object's record, in the pool's array at its offset. */
struct bank_obj {
	bank_id_t owner; /* 0: free */
	uint32_t prev;   /* the owner's list (BANK_NIL at the head); unused when free */
	uint32_t next;   /* the owner's list or the free list; BANK_NIL at the end */
};

/* One bank's record, in the bank table at its id. */
struct bank_rec {
	uint64_t limit[BANK_POOLS]; /* BANK_UNLIMITED, or any value, even below usage */
	uint32_t usage[BANK_POOLS]; /* objects of this bank and its subtree */
	uint32_t head[BANK_POOLS];  /* the objects it owns: a doubly linked list */
	uint32_t tail[BANK_POOLS];
	bank_id_t parent;      /* raw (resolve through REMOVED); 0 for the prime */
	bank_id_t first_child; /* the children: a doubly linked list */
	bank_id_t last_child;
	bank_id_t prev_sibling;
	bank_id_t next_sibling;
	bank_id_t reclaim_next; /* DESTROYING: the next root on the reclaim queue */
	bank_id_t reclaim_at;   /* DESTROYING: the subtree bank being reclaimed */
	uint8_t state;          /* enum bank_state */
	uint8_t kind;           /* enum bank_kind */
	uint8_t depth;          /* at creation: the number of raw ancestors */
	uint8_t reserved;
};
_Static_assert(sizeof(struct bank_obj) == 12, "bank_obj is 12 bytes");
_Static_assert(sizeof(struct bank_rec) == 72, "bank_rec is 72 bytes");

/* Called before the core first writes a record the caller may not have
 * mapped yet: each object record the first time its offset is handed out,
 * each bank record at its create. Returns false when no storage is left
 * for the books; the operation then changes nothing and fails with
 * BANK_E_BOOKS. A refused operation may call it again later for the same
 * bytes: it must then succeed cheaply (the memory is already there). */
typedef bool bank_ensure_fn(void *ctx, void *addr, size_t len);

/* Where the books live. Filled by bank_books_init; the caller never
 * writes it. Kept in the bank domain's own (checkpointed) memory. */
struct bank_books {
	struct bank_obj *objs[BANK_POOLS]; /* count[pool] records each */
	uint32_t count[BANK_POOLS];        /* objects in the pool's range */
	uint32_t fresh[BANK_POOLS];        /* offsets below were handed out once */
	uint32_t free_head[BANK_POOLS];    /* sold objects, a LIFO stack */
	uint32_t free_count[BANK_POOLS];
	struct bank_rec *banks; /* bank_capacity records, indexed by id */
	uint32_t bank_capacity;
	bank_id_t next_id;      /* the next create's id; only grows */
	bank_id_t reclaim_head; /* the DESTROYING roots, oldest first */
	bank_id_t reclaim_tail;
	bank_ensure_fn *ensure;
	void *ensure_ctx;
};

struct bank_books_config {
	struct bank_obj *objs[BANK_POOLS]; /* need not be mapped or zeroed */
	uint32_t count[BANK_POOLS];        /* each < 2^32 - 1 (BANK_NIL is no offset) */
	struct bank_rec *banks;            /* need not be mapped or zeroed */
	uint32_t bank_capacity;            /* ids 1 .. bank_capacity - 1; at least 2 */
	bank_ensure_fn *ensure;
	void *ensure_ctx;
};

/* An object: which pool, which offset. */
struct bank_object {
	uint32_t pool;
	uint32_t offset;
};

/* Why a buy was refused: for BANK_E_LIMIT the bank whose limit it is
 * (the bank itself or an ancestor) and the pool; for BANK_E_EXHAUSTED the
 * pool. */
struct bank_refusal {
	bank_id_t bank;
	uint32_t pool;
};

/* What bank_query reports. available[pool] is the most a buy could get by
 * limits alone: the minimum over the bank and its ancestors of
 * limit - usage (0 where usage has reached or passed the limit). */
struct bank_info {
	bank_id_t parent; /* resolved: the live parent; 0 for the prime */
	uint8_t kind;
	uint8_t depth;
	uint64_t limit[BANK_POOLS];
	uint64_t usage[BANK_POOLS];
	uint64_t available[BANK_POOLS];
};

/* Lay fresh books over cfg's memory: every pool untouched, one bank (the
 * prime, transparent, unlimited). Touches no object record and only the
 * prime's bank record. BANK_E_ARG for a bad config, BANK_E_BOOKS if
 * ensure refuses the prime's record. */
enum bank_err bank_books_init(struct bank_books *b, const struct bank_books_config *cfg);

/* BANK_OK if `bank` is alive (its kind in *kind if kind is not NULL),
 * else BANK_E_NO_BANK or BANK_E_DEAD. O(depth). The test verify uses. */
enum bank_err bank_lookup(const struct bank_books *b, bank_id_t bank, enum bank_kind *kind);

/* A new child of `parent`, unlimited (its ancestors' limits still apply),
 * id in *child. BANK_E_DEPTH, BANK_E_BANKS, BANK_E_BOOKS. O(depth). */
enum bank_err bank_create(struct bank_books *b, bank_id_t parent, enum bank_kind kind,
			  bank_id_t *child);

/* Buy n (1..3) objects, pools[i] giving the pool of the i-th, all or
 * nothing; offsets[i] is the i-th one bought. Sold objects are reused
 * before fresh ones. Refusals (nothing changed): BANK_E_ARG, BANK_E_DEAD,
 * BANK_E_LIMIT, BANK_E_EXHAUSTED, BANK_E_BOOKS; *why (if not NULL) says
 * which bank's limit or which pool. O(depth). */
enum bank_err bank_buy(struct bank_books *b, bank_id_t bank, const uint32_t *pools, unsigned n,
		       uint32_t *offsets, struct bank_refusal *why);

/* Sell n (1..3) objects back, all or nothing: each must be owned by
 * `bank` itself (objects of its sub-banks are not), none twice. They go on
 * the free list. On BANK_OK the caller rescinds every one of them (RANGE
 * RESCIND) before the next buy can hand them out again. Refusals (nothing
 * changed): BANK_E_ARG, BANK_E_DEAD, BANK_E_NOT_OWNER, BANK_E_DUPLICATE.
 * O(depth). */
enum bank_err bank_sell(struct bank_books *b, bank_id_t bank, const struct bank_object *objs,
			unsigned n);

/* bank_sell in two steps, for a batch (a hinted SELL of several objects):
 * bank_sell_check returns what bank_sell would and changes nothing;
 * bank_sell_commit, after a BANK_OK check with nothing else in between,
 * does what bank_sell would (it cannot fail). */
enum bank_err bank_sell_check(const struct bank_books *b, bank_id_t bank,
			      const struct bank_object *objs, unsigned n);
void bank_sell_commit(struct bank_books *b, bank_id_t bank, const struct bank_object *objs,
		      unsigned n);

/* bank_sell of one object in two steps, for a seller that must act
 * between the check and the change (a hinted SELL, docs/bank.md: the
 * kernel rescinds only if the client's key is to the object, and only
 * then do the books change). bank_sell_one_check returns what bank_sell
 * would and changes nothing; bank_sell_one_commit, after a BANK_OK check
 * with nothing else in between, does what bank_sell would (it cannot
 * fail). O(depth). */
enum bank_err bank_sell_one_check(const struct bank_books *b, bank_id_t bank,
				  struct bank_object obj);
void bank_sell_one_commit(struct bank_books *b, bank_id_t bank, struct bank_object obj);

/* Set one pool's limit of a live bank. Any value is accepted, even one
 * below the current usage: the bank keeps what it has and buys nothing
 * more of that pool until usage drops below the limit. */
enum bank_err bank_set_limit(struct bank_books *b, bank_id_t bank, uint32_t pool, uint64_t limit);

/* Limits, usage and what is available by limits. O(depth). */
enum bank_err bank_query(const struct bank_books *b, bank_id_t bank, struct bank_info *info);

/* Objects of the pool never bought or sold back: free list plus fresh. */
uint32_t bank_pool_left(const struct bank_books *b, uint32_t pool);

/* Destroy a live bank other than the prime, with its whole subtree: at
 * once every one of them is dead (operations on them fail BANK_E_DEAD)
 * and their usage leaves the ancestors (the objects stay allocated, owned
 * by the dying banks, until bank_destroy_step frees them). O(depth). */
enum bank_err bank_destroy(struct bank_books *b, bank_id_t bank);

/* Reclaim at most `budget` units of destroy work: a unit is one object
 * freed, or one bank entered or finished. The objects freed are written to
 * out[0 .. *n_out - 1] (out holds at least budget entries); the caller
 * rescinds each before the next buy. Returns true while work remains. The
 * books are consistent after every unit. */
bool bank_destroy_step(struct bank_books *b, unsigned budget, struct bank_object *out,
		       unsigned *n_out);

/* Remove a live bank other than the prime: its objects and sub-banks
 * become its parent's, in O(1); the parent's usage does not change (it
 * already counted them). The bank's id then forwards to the parent for
 * the objects that still name it, and is dead to every operation. */
enum bank_err bank_remove(struct bank_books *b, bank_id_t bank);

/* A position in a listing of a bank's subtree (bank_list). Start with
 * bank_cursor_start(); done is set once everything was listed. */
struct bank_cursor {
	bank_id_t bank;  /* the subtree bank being listed */
	uint32_t pool;   /* its pool being listed */
	uint32_t offset; /* the next object, or BANK_NIL: the head of that list */
	bool done;
};

static inline struct bank_cursor bank_cursor_start(bank_id_t bank)
{
	return (struct bank_cursor){ .bank = bank, .pool = 0, .offset = BANK_NIL, .done = false };
}

/* List the objects owned by `bank` and its live sub-banks, depth first,
 * nodes before pages within a bank, into out[0 .. *n_out - 1]; at most
 * `cap` units (one object listed, or one bank passed) per call. Objects
 * bought or sold between calls may be missed; BANK_E_STALE if the object
 * the cursor was at has since left that bank (list again from the start). */
enum bank_err bank_list(const struct bank_books *b, bank_id_t bank, struct bank_cursor *cursor,
			struct bank_object *out, unsigned cap, unsigned *n_out);

/* BANK_OK if obj is owned by `bank` or one of its descendants, else
 * BANK_E_NOT_OWNER (or BANK_E_ARG, BANK_E_NO_BANK, BANK_E_DEAD). O(depth). */
enum bank_err bank_owns_within(const struct bank_books *b, bank_id_t bank, struct bank_object obj);

/* The first inconsistency bank_audit found. */
struct bank_audit_report {
	const char *what; /* a fixed sentence; NULL when consistent */
	bank_id_t bank;   /* where, when it applies (else 0) */
	uint32_t pool;
	uint32_t offset;
	uint64_t expected;
	uint64_t found;
};

/* Check every invariant at the top of this file: O(touched objects +
 * banks). BANK_OK, or BANK_E_AUDIT with the first inconsistency in *report
 * (which may be NULL). */
enum bank_err bank_audit(const struct bank_books *b, struct bank_audit_report *report);

#endif
