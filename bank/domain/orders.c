/* SPDX-License-Identifier: MIT */
/*
 * The bank's orders (CAIRN_SERVICE_ORDERS' BANK rows in cairn/keytab.h;
 * docs/bank.md "Orders"). Each order: decode the badge of the start key
 * it came through (bank_key.h), check that the key's kind and
 * restrictions allow it, do it in the books, then make or rescind the
 * keys the books say to, and reply. Decoding and checking change nothing
 * (docs/design.md invariant 4): a refused order leaves the books and
 * every key as they were.
 *
 * Which key kind may do what:
 *   bank key      BUY SELL CREATE DESTROY REMOVE SET_LIMIT QUERY, less its
 *                 restrictions; REDUCE, VERIFY; AUDIT on the prime's
 *   inspect key   LIST RESCIND_OBJ READ_KEY, DESTROY, QUERY, VERIFY
 *   destroy key   DESTROY, VERIFY
 *   reaper (badge 0, bank_domain.h)  STEP
 * A known order a key may not give is RESTRICTED; an unknown one BAD_ORDER.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bank_domain.h"
#include "../bank_internal.h" /* bank_resolve: the owner RESCIND_OBJ sells from */

static bool reaper_parked; /* CAP_REAPER holds the reaper's resume key */

static cap_t pool_range(uint32_t pool)
{
	return pool == BANK_POOL_NODE ? CAP_POOL_NODES : CAP_POOL_PAGES;
}

/* A batch of objects as the batch range orders take them (MAKE_KEYS,
 * RESCIND_MANY on the page pool's range key, the node pool's as k0): w1..wn
 * = kind << 32 | offset. */
static void batch_words(unsigned n, const struct bank_object *objs, struct cairn_msg *m)
{
	for (unsigned i = 0; i < n; i++)
		m->w[1 + i] = (uint64_t)(objs[i].pool == BANK_POOL_PAGE ? CAIRN_RANGE_PAGES
									: CAIRN_RANGE_NODES)
				      << 32 |
			      objs[i].offset;
}

/* The order being served, for the answers the kernel gives for the bank
 * (answer_by_kernel). */
static struct {
	struct cairn_reply *in;
	const struct cairn_rcv *rcv;
	bool called;   /* it came by CALL: CAP_RESUME is its caller's */
	bool answered; /* the kernel answered it; *in is the next order */
} serving;

/*
 * The last step of a BUY, or of a SELL of pages only, done so that it is
 * also the answer: a RETURN on the page pool's range key with the caller's
 * resume key as k3 (docs/invocations.md "A kernel key's reply handed on").
 * The kernel makes the keys (MAKE_KEYS) or rescinds the pages
 * (RESCIND_MANY) and hands its reply, OK and the keys if any, straight to
 * the caller: one kernel pass where a CALL per object and a RETURN took
 * more. The books are already done, as
 * before the CALL; the bank does not see the result (the range orders
 * used fail only on a disk error: the caller gets that error, and a
 * MAKE_KEY's object stays in the caller's bank, counted, until that bank
 * is destroyed). Only for a CALL: a SEND's CAP_RESUME is stale.
 */
static bool answer_by_kernel(uint64_t order, unsigned n, const struct bank_object *objs)
{
	if (!serving.called)
		return false;
	struct cairn_msg m = { .order = order,
			       .w = { n },
			       .keys = { CAP_POOL_NODES, 0, 0, CAP_RESUME } };
	cap_t range = CAP_POOL_PAGES;
	if (n == 1) {
		/* One object: the single order, on its own pool's range key
		 * (about 300 instructions less than a batch of one). */
		m.order = order == CAIRN_OC_RANGE_MAKE_KEYS ? CAIRN_OC_RANGE_MAKE_KEY
							    : CAIRN_OC_RANGE_RESCIND;
		m.w[0] = objs[0].offset;
		m.keys[0] = 0;
		range = pool_range(objs[0].pool);
	} else {
		batch_words(n, objs, &m);
	}
	cairn_return(range, &m, serving.rcv, serving.in);
	serving.answered = true;
	return true;
}

uint64_t bank_result(enum bank_err err)
{
	switch (err) {
	case BANK_OK:
		return CAIRN_OK;
	case BANK_E_ARG:
		return CAIRN_BAD_ARGUMENT;
	case BANK_E_DEAD:
		return CAIRN_BANK_DEAD;
	case BANK_E_LIMIT:
		return CAIRN_BANK_LIMIT;
	case BANK_E_EXHAUSTED:
		return CAIRN_BANK_EXHAUSTED;
	case BANK_E_NOT_OWNER:
		return CAIRN_NOT_OWNER;
	case BANK_E_DUPLICATE:
		return CAIRN_DUPLICATE;
	case BANK_E_BOOKS:
		return CAIRN_BANK_BOOKS;
	case BANK_E_DEPTH:
		return CAIRN_BANK_DEPTH;
	case BANK_E_BANKS:
		return CAIRN_BANK_FULL;
	case BANK_E_PRIME:
		return CAIRN_BANK_PRIME;
	case BANK_E_RESTRICTED:
		return CAIRN_RESTRICTED;
	case BANK_E_STALE:
		return CAIRN_BANK_STALE;
	case BANK_E_NO_BANK:
	case BANK_E_BADGE:
	case BANK_E_AUDIT:
		break;
	}
	return CAIRN_NOT_BANK;
}

static void rescind(struct bank_object o)
{
	cairn_range_rescind(pool_range(o.pool), o.offset);
}

/* One slice of pending destroys, every freed object rescinded. Returns
 * true while work remains. */
static bool reclaim_slice(void)
{
	struct bank_object freed[BANK_STEP_BUDGET];
	unsigned n;
	bool more = bank_destroy_step(&bank_books, BANK_STEP_BUDGET, freed, &n);
	for (unsigned i = 0; i < n; i++)
		rescind(freed[i]);
	return more;
}

static bool reclaim_pending(void)
{
	return bank_books.reclaim_head != BANK_NONE;
}

/* Objects of a pool owned by banks being destroyed: everything handed out
 * but not free, less what the live tree (the prime's usage) counts. */
static uint64_t reclaiming(uint32_t pool)
{
	struct bank_info prime;
	bank_query(&bank_books, BANK_PRIME, &prime);
	uint64_t in_use = bank_books.fresh[pool] - bank_books.free_count[pool];
	return in_use - prime.usage[pool];
}

static void wake_reaper(void)
{
	if (!reaper_parked)
		return;
	const struct cairn_msg m = { .order = CAIRN_OK, .w = { 1 } };
	cairn_send(CAP_REAPER, &m); /* a SEND: the bank does not wait for it */
	reaper_parked = false;
}

static bool make_start(uint32_t bank, uint32_t kind, uint32_t restrictions, cap_t into)
{
	const struct bank_key k = { .bank = bank, .restrictions = restrictions, .kind = kind };
	uint64_t badge;
	return bank_badge_encode(&k, &badge) == BANK_OK &&
	       cairn_domain_make_start(CAP_SELF, badge, into) == CAIRN_OK;
}

/* --- the orders of a bank key ---------------------------------------- */

static uint64_t do_buy(const struct bank_key *k, const uint64_t *w, struct cairn_msg *out)
{
	uint64_t n = w[0], kinds = w[1];
	if (n < 1 || n > BANK_MAX_BATCH || kinds >> n != 0)
		return CAIRN_BAD_ARGUMENT;
	uint32_t pools[BANK_MAX_BATCH], offs[BANK_MAX_BATCH];
	for (unsigned i = 0; i < n; i++)
		pools[i] = (kinds >> i & 1) ? BANK_POOL_PAGE : BANK_POOL_NODE;
	enum bank_err err = bank_buy(&bank_books, k->bank, pools, (unsigned)n, offs, NULL);
	if (err == BANK_E_EXHAUSTED && reclaim_pending()) {
		reclaim_slice(); /* a pending destroy may hold what the pool lacks */
		err = bank_buy(&bank_books, k->bank, pools, (unsigned)n, offs, NULL);
	}
	if (err != BANK_OK)
		return bank_result(err);
	struct bank_object bought[BANK_MAX_BATCH];
	for (unsigned i = 0; i < n; i++)
		bought[i] = (struct bank_object){ .pool = pools[i], .offset = offs[i] };
	if (answer_by_kernel(CAIRN_OC_RANGE_MAKE_KEYS, (unsigned)n, bought))
		return CAIRN_OK;
	for (unsigned i = 0; i < n; i++) {
		uint64_t rc = cairn_range_make_key(pool_range(pools[i]), offs[i], CAP_OUT0 + i);
		if (rc != CAIRN_OK) {
			struct bank_object objs[BANK_MAX_BATCH];
			for (unsigned j = 0; j < n; j++)
				objs[j] =
					(struct bank_object){ .pool = pools[j], .offset = offs[j] };
			bank_sell(&bank_books, k->bank, objs, (unsigned)n);
			for (unsigned j = 0; j < n; j++)
				rescind(objs[j]);
			return rc;
		}
		out->keys[i] = CAP_OUT0 + i;
		out->w[i] = CAIRN_RANGE_WORD(pools[i] == BANK_POOL_PAGE ? CAIRN_RANGE_PAGES
									: CAIRN_RANGE_NODES,
					     offs[i]); /* its SELL hint, as MAKE_KEY gives it */
	}
	return CAIRN_OK;
}

/* What a key that is in neither pool is sold as, from its type: VOID
 * (void or rescinded, e.g. sold already), NOT_OWNER (a page or node, but
 * not one of the pools'), BAD_KEY (not a key to a page or node). */
static uint64_t unsellable(uint64_t type)
{
	switch (type) {
	case CAIRN_KEY_VOID:
		return CAIRN_VOID;
	case CAIRN_KEY_PAGE:
	case CAIRN_KEY_NODE:
	case CAIRN_KEY_SPACE:
	case CAIRN_KEY_DOMAIN:
		return CAIRN_NOT_OWNER;
	default:
		return CAIRN_BAD_KEY;
	}
}

/* Which pool object each of the n keys sent designates: one kernel call
 * for the batch (RANGE_IDENTIFY_KEYS on the page pool with the node pool
 * as the second range; each key is looked up by its type). On the first
 * key that is in neither, the kernel gives its index and type. */
static uint64_t identify(unsigned n, struct bank_object *objs)
{
	struct cairn_io io = { .w = { n },
			       .keys = { CAP_IN0, n > 1 ? CAP_IN1 : 0, n > 2 ? CAP_IN2 : 0,
					 CAP_POOL_NODES } };
	uint64_t rc = cairn_inv_RANGE_IDENTIFY_KEYS(CAP_POOL_PAGES, &io);
	if (rc == CAIRN_BAD_KEY)
		return unsellable(io.w[1]);
	if (rc != CAIRN_OK)
		return rc;
	for (unsigned i = 0; i < n; i++)
		objs[i] = (struct bank_object){
			.pool = io.w[i] >> 32 == CAIRN_RANGE_PAGES ? BANK_POOL_PAGE
								   : BANK_POOL_NODE,
			.offset = (uint32_t)io.w[i],
		};
	return CAIRN_OK;
}

/* The object a SELL's hint names: the word the kernel's MAKE_KEY gave the
 * buyer with the key (CAIRN_RANGE_WORD: named bit, kind, offset). False
 * for a word that is not of that form. */
static bool hint_object(uint64_t hint, struct bank_object *o)
{
	uint64_t kind = (hint & ~CAIRN_RANGE_NAMED) >> 32;
	if (!(hint & CAIRN_RANGE_NAMED) || kind > CAIRN_RANGE_PAGES)
		return false;
	*o = (struct bank_object){ .pool = kind == CAIRN_RANGE_PAGES ? BANK_POOL_PAGE
								     : BANK_POOL_NODE,
				   .offset = (uint32_t)hint };
	return true;
}

/*
 * A one-object SELL with a hint (docs/bank.md "A hinted sell"): no
 * IDENTIFY_KEYS. Prepare, act, commit: the books check that the hinted
 * object is this bank's own (bank_sell_one_check: nothing changes); the kernel
 * rescinds it only if the key sent is a live key to exactly that object
 * (RANGE RESCIND_IF_KEY, by CALL so that the bank sees the result), and
 * only then do the books record the sale (bank_sell_one_commit, which cannot
 * fail). A wrong hint, or a key that is not to the object, rescinds
 * nothing and leaves the books as they were: the caller gets NOT_OWNER
 * (the books), WRONG_OBJECT or VOID (the kernel). The answer is then an
 * ordinary RETURN: one kernel pass fewer than IDENTIFY_KEYS and a RESCIND
 * for a node, and for a page an IDENTIFY_KEYS traded for a plain RETURN.
 */
static uint64_t sell_hinted(const struct bank_key *k, uint64_t hint)
{
	struct bank_object o;
	if (!hint_object(hint, &o))
		return CAIRN_BAD_ARGUMENT;
	enum bank_err err = bank_sell_one_check(&bank_books, k->bank, o);
	if (err != BANK_OK)
		return bank_result(err);
	struct cairn_io io = { .w = { o.offset }, .keys = { CAP_IN0 } };
	uint64_t rc = cairn_inv_RANGE_RESCIND_IF_KEY(pool_range(o.pool), &io);
	if (rc == CAIRN_OK)
		bank_sell_one_commit(&bank_books, k->bank, o);
	return rc;
}

/* A SELL of n objects, each with a hint: as sell_hinted, for the batch,
 * all or nothing (bank_sell_check: every object this bank's own, none
 * twice), with one RANGE RESCIND_IF_KEYS on the page pool's range key (the
 * node pool's sent as k3) that rescinds every object only if each key is
 * a live key to its object. */
static uint64_t sell_hinted_batch(const struct bank_key *k, unsigned n, const uint64_t *hints)
{
	struct bank_object objs[BANK_MAX_BATCH];
	for (unsigned i = 0; i < n; i++)
		if (!hint_object(hints[i], &objs[i]))
			return CAIRN_BAD_ARGUMENT;
	enum bank_err err = bank_sell_check(&bank_books, k->bank, objs, n);
	if (err != BANK_OK)
		return bank_result(err);
	struct cairn_msg m = { .w = { n } };
	batch_words(n, objs, &m);
	struct cairn_io io = { .w = { n, m.w[1], m.w[2], m.w[3] },
			       .keys = { CAP_IN0, CAP_IN1, n > 2 ? CAP_IN2 : 0, CAP_POOL_NODES } };
	uint64_t rc = cairn_inv_RANGE_RESCIND_IF_KEYS(CAP_POOL_PAGES, &io);
	if (rc == CAIRN_OK)
		bank_sell_commit(&bank_books, k->bank, objs, n);
	return rc;
}

static uint64_t do_sell(const struct bank_key *k, const uint64_t *w)
{
	uint64_t n = w[0];
	if (n < 1 || n > BANK_MAX_BATCH)
		return CAIRN_BAD_ARGUMENT;
	if (n == 1 && w[1] != BANK_NO_HINT)
		return sell_hinted(k, w[1]);
	bool hinted = n > 1; /* a batch uses its hints only if it has one for each object */
	for (unsigned i = 0; hinted && i < n; i++)
		hinted = w[1 + i] != BANK_NO_HINT;
	if (hinted)
		return sell_hinted_batch(k, (unsigned)n, w + 1);
	struct bank_object objs[BANK_MAX_BATCH];
	uint64_t rc = identify((unsigned)n, objs);
	if (rc != CAIRN_OK)
		return rc;
	enum bank_err err = bank_sell(&bank_books, k->bank, objs, (unsigned)n);
	if (err != BANK_OK)
		return bank_result(err);
	/* A node's RESCIND is never handed on (the kernel refuses: it may
	 * change a domain's own nodes), so only pages answer this way. */
	bool pages_only = true;
	for (unsigned i = 0; i < n; i++)
		pages_only &= objs[i].pool == BANK_POOL_PAGE;
	if (pages_only && answer_by_kernel(CAIRN_OC_RANGE_RESCIND_MANY, (unsigned)n, objs))
		return CAIRN_OK;
	struct cairn_msg m = { .w = { n } };
	batch_words((unsigned)n, objs, &m);
	struct cairn_io io = { .w = { n, m.w[1], m.w[2], m.w[3] }, .keys = { CAP_POOL_NODES } };
	cairn_inv_RANGE_RESCIND_MANY(CAP_POOL_PAGES, &io); /* one call for the batch */
	return CAIRN_OK;
}

static uint64_t do_create(const struct bank_key *k, const uint64_t *w, struct cairn_msg *out)
{
	if (w[0] != BANK_TRANSPARENT && w[0] != BANK_OPAQUE)
		return CAIRN_BAD_ARGUMENT;
	bank_id_t child;
	enum bank_err err = bank_create(&bank_books, k->bank, (enum bank_kind)w[0], &child);
	if (err != BANK_OK)
		return bank_result(err);
	uint32_t control = w[0] == BANK_TRANSPARENT ? BANK_KEY_INSPECT : BANK_KEY_DESTROY;
	if (!make_start(child, BANK_KEY_BANK, 0, CAP_OUT0) ||
	    !make_start(child, control, 0, CAP_OUT1))
		return CAIRN_BAD_ARGUMENT; /* not reached: the badge is well formed */
	out->keys[0] = CAP_OUT0;
	out->keys[1] = CAP_OUT1;
	return CAIRN_OK;
}

static uint64_t do_destroy(const struct bank_key *k)
{
	enum bank_err err = bank_destroy(&bank_books, k->bank);
	if (err == BANK_OK)
		wake_reaper();
	return bank_result(err);
}

static uint64_t do_query(const struct bank_key *k, const uint64_t *w, struct cairn_msg *out)
{
	if (w[0] >= BANK_POOLS)
		return CAIRN_BAD_ARGUMENT;
	uint32_t pool = (uint32_t)w[0];
	struct bank_info info;
	enum bank_err err = bank_query(&bank_books, k->bank, &info);
	if (err != BANK_OK)
		return bank_result(err);
	uint64_t left = bank_pool_left(&bank_books, pool);
	out->w[0] = info.limit[pool];
	out->w[1] = info.usage[pool];
	out->w[2] = info.available[pool] < left ? info.available[pool] : left;
	out->w[3] = reclaiming(pool);
	return CAIRN_OK;
}

static uint64_t do_reduce(const struct bank_key *k, const uint64_t *w, struct cairn_msg *out)
{
	uint32_t narrower;
	enum bank_err err = bank_lookup(&bank_books, k->bank, NULL);
	if (err == BANK_OK && w[0] > UINT32_MAX)
		err = BANK_E_ARG;
	if (err == BANK_OK)
		err = bank_restrict_reduce(k->restrictions, (uint32_t)w[0], &narrower);
	if (err != BANK_OK)
		return bank_result(err);
	if (!make_start(k->bank, BANK_KEY_BANK, narrower, CAP_OUT0))
		return CAIRN_BAD_ARGUMENT;
	out->keys[0] = CAP_OUT0;
	return CAIRN_OK;
}

/* Genuine means: a start key to this very domain (the kernel says so,
 * DOMAIN_IDENTIFY: an impostor speaking the protocol cannot fake it),
 * with a badge that decodes, to a live bank. */
static uint64_t do_verify(struct cairn_msg *out)
{
	bool mine;
	uint64_t badge;
	struct bank_key v;
	enum bank_kind kind;
	cairn_domain_identify(CAP_SELF, CAP_IN0, &mine, &badge);
	if (!mine || bank_badge_decode(badge, &v) != BANK_OK)
		return CAIRN_NOT_BANK;
	enum bank_err err = bank_lookup(&bank_books, v.bank, &kind);
	if (err != BANK_OK)
		return bank_result(err);
	out->w[0] = 1;
	out->w[1] = kind;
	out->w[2] = v.restrictions;
	out->w[3] = v.kind;
	return CAIRN_OK;
}

static uint64_t do_audit(const struct bank_key *k, struct cairn_msg *out)
{
	static char what[160];
	struct bank_audit_report rep;
	if (k->bank != BANK_PRIME)
		return CAIRN_RESTRICTED;
	enum bank_err err = bank_audit(&bank_books, &rep);
	out->w[0] = err != BANK_OK;
	out->w[1] = bank_books.next_id - 1;
	for (uint32_t p = 0; p < BANK_POOLS; p++)
		out->w[2 + p] = bank_books.fresh[p] - bank_books.free_count[p];
	if (err != BANK_OK) {
		int n = snprintf(what, sizeof(what),
				 "audit: %s (bank %" PRIu32 " pool %" PRIu32 " offset %" PRIu32
				 " expected %" PRIu64 " found %" PRIu64 ")",
				 rep.what, rep.bank, rep.pool, rep.offset, rep.expected, rep.found);
		printf("%s\n", what);
		out->str = what;
		out->len = n > 0 && (size_t)n < sizeof(what) ? (size_t)n : 0;
	}
	return CAIRN_OK;
}

/* --- the orders of an inspect key ------------------------------------ */

/* A listing's cursor in one word: bank << 34 | pool << 32 | offset; 0 is
 * the start (no bank is 0) and, in a reply, the end. */
static uint64_t cursor_word(const struct bank_cursor *c)
{
	if (c->done)
		return 0;
	return (uint64_t)c->bank << 34 | (uint64_t)c->pool << 32 | c->offset;
}

static uint64_t do_list(const struct bank_key *k, const uint64_t *w, struct cairn_msg *out)
{
	struct bank_cursor c = bank_cursor_start(k->bank);
	if (w[0] != 0)
		c = (struct bank_cursor){ .bank = (bank_id_t)(w[0] >> 34),
					  .pool = (uint32_t)(w[0] >> 32 & 3),
					  .offset = (uint32_t)w[0] };
	struct bank_object objs[2];
	unsigned n;
	enum bank_err err = bank_list(&bank_books, k->bank, &c, objs, 2, &n);
	if (err != BANK_OK)
		return bank_result(err);
	out->w[0] = cursor_word(&c);
	out->w[1] = n;
	for (unsigned i = 0; i < n; i++)
		out->w[2 + i] = (uint64_t)objs[i].pool << 32 | objs[i].offset;
	return CAIRN_OK;
}

/* An object word (pool << 32 | offset) naming an object of the inspected
 * bank's subtree. */
static uint64_t object_within(const struct bank_key *k, uint64_t word, struct bank_object *o)
{
	if (word >> 32 >= BANK_POOLS)
		return CAIRN_BAD_ARGUMENT;
	*o = (struct bank_object){ .pool = (uint32_t)(word >> 32), .offset = (uint32_t)word };
	return bank_result(bank_owns_within(&bank_books, k->bank, *o));
}

static uint64_t do_rescind_obj(const struct bank_key *k, const uint64_t *w)
{
	struct bank_object o;
	uint64_t rc = object_within(k, w[0], &o);
	if (rc != CAIRN_OK)
		return rc;
	bank_id_t owner = bank_resolve(&bank_books, bank_books.objs[o.pool][o.offset].owner);
	enum bank_err err = bank_sell(&bank_books, owner, &o, 1);
	if (err == BANK_OK)
		rescind(o);
	return bank_result(err);
}

static uint64_t do_read_key(const struct bank_key *k, const uint64_t *w, struct cairn_msg *out)
{
	struct bank_object o;
	uint64_t rc = object_within(k, w[0], &o);
	if (rc != CAIRN_OK)
		return rc;
	rc = cairn_range_make_key(pool_range(o.pool), o.offset, CAP_SCRATCH);
	if (rc == CAIRN_OK && o.pool == BANK_POOL_PAGE) {
		struct cairn_io io = { .rkeys = { CAP_OUT0 } };
		rc = cairn_inv_PAGE_WEAKEN(CAP_SCRATCH, &io);
	} else if (rc == CAIRN_OK) {
		rc = cairn_node_weaken(CAP_SCRATCH, CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK, CAP_OUT0);
	}
	if (rc == CAIRN_OK)
		out->keys[0] = CAP_OUT0;
	return rc;
}

/* --- the reaper ------------------------------------------------------ */

/* A slice of destroy work and "more?"; with none, the reaper is kept
 * waiting (its resume key parked in CAP_REAPER) until a destroy wakes it,
 * so nothing polls when the bank is idle. */
static bool do_step(const struct cairn_reply *in, struct cairn_msg *out)
{
	out->order = CAIRN_OK;
	if (reclaim_pending()) {
		out->w[0] = reclaim_slice();
		return true;
	}
	if (reaper_parked || !(in->info & CAIRN_INFO_CALL)) {
		out->w[0] = 0; /* a second reaper is answered, never parked */
		return true;
	}
	if (cairn_inv_DOMAIN_GET_CAP(CAP_SELF, &(struct cairn_io){ .w = { CAP_RESUME },
								   .rkeys = { CAP_REAPER } }) !=
	    CAIRN_OK)
		return true;
	reaper_parked = true;
	return false;
}

/* --- dispatch -------------------------------------------------------- */

/* The restriction bit that forbids an order of a bank key, or -1. */
static int order_op(uint64_t order)
{
	switch (order) {
	case CAIRN_SO_BANK_BUY:
		return BANK_OP_BUY;
	case CAIRN_SO_BANK_SELL:
		return BANK_OP_SELL;
	case CAIRN_SO_BANK_CREATE:
		return BANK_OP_CREATE;
	case CAIRN_SO_BANK_DESTROY:
		return BANK_OP_DESTROY;
	case CAIRN_SO_BANK_REMOVE:
		return BANK_OP_REMOVE;
	case CAIRN_SO_BANK_SET_LIMIT:
		return BANK_OP_SET_LIMIT;
	case CAIRN_SO_BANK_QUERY:
		return BANK_OP_QUERY;
	}
	return -1;
}

static bool kind_allows(uint32_t kind, uint64_t order)
{
	switch (order) {
	case CAIRN_SO_BANK_VERIFY:
	case CAIRN_SO_BANK_DESTROY:
		return true;
	case CAIRN_SO_BANK_QUERY:
		return kind != BANK_KEY_DESTROY;
	case CAIRN_SO_BANK_LIST:
	case CAIRN_SO_BANK_RESCIND_OBJ:
	case CAIRN_SO_BANK_READ_KEY:
		return kind == BANK_KEY_INSPECT;
	case CAIRN_SO_BANK_STEP:
		return false;
	}
	return kind == BANK_KEY_BANK;
}

static bool known_order(uint64_t order)
{
	switch (order) {
#define CAIRN_X(service, name, code, desc) \
	case code:                         \
		return __builtin_strcmp(#service, "BANK") == 0; /* folded by the compiler */
		CAIRN_SERVICE_ORDERS(CAIRN_X)
#undef CAIRN_X
	}
	return false;
}

static uint64_t dispatch(const struct bank_key *k, const struct cairn_reply *in,
			 struct cairn_msg *out)
{
	const uint64_t *w = in->w;
	switch (in->code) {
	case CAIRN_SO_BANK_BUY:
		return do_buy(k, w, out);
	case CAIRN_SO_BANK_SELL:
		return do_sell(k, w);
	case CAIRN_SO_BANK_CREATE:
		return do_create(k, w, out);
	case CAIRN_SO_BANK_DESTROY:
		return do_destroy(k);
	case CAIRN_SO_BANK_REMOVE:
		return bank_result(bank_remove(&bank_books, k->bank));
	case CAIRN_SO_BANK_SET_LIMIT:
		if (w[0] >= BANK_POOLS)
			return CAIRN_BAD_ARGUMENT;
		return bank_result(bank_set_limit(&bank_books, k->bank, (uint32_t)w[0], w[1]));
	case CAIRN_SO_BANK_QUERY:
		return do_query(k, w, out);
	case CAIRN_SO_BANK_REDUCE:
		return do_reduce(k, w, out);
	case CAIRN_SO_BANK_VERIFY:
		return do_verify(out);
	case CAIRN_SO_BANK_LIST:
		return do_list(k, w, out);
	case CAIRN_SO_BANK_RESCIND_OBJ:
		return do_rescind_obj(k, w);
	case CAIRN_SO_BANK_READ_KEY:
		return do_read_key(k, w, out);
	case CAIRN_SO_BANK_AUDIT:
		return do_audit(k, out);
	}
	return CAIRN_BAD_ORDER;
}

enum bank_answer bank_serve(struct cairn_reply *in, struct cairn_msg *out,
			    const struct cairn_rcv *rcv)
{
	uint64_t badge = in->info & CAIRN_INFO_BADGE_MASK;
	struct bank_key k;
	serving.in = in;
	serving.rcv = rcv;
	serving.called = in->info & CAIRN_INFO_CALL;
	serving.answered = false;
	*out = (struct cairn_msg){ 0 };
	if (!known_order(in->code)) {
		out->order = CAIRN_BAD_ORDER;
	} else if (badge == BANK_REAPER_BADGE) {
		if (in->code == CAIRN_SO_BANK_STEP)
			return do_step(in, out) ? BANK_ANSWER : BANK_NO_ANSWER;
		out->order = CAIRN_NOT_BANK;
	} else if (bank_badge_decode(badge, &k) != BANK_OK) {
		out->order = CAIRN_NOT_BANK; /* a badge this bank never made */
	} else if (!kind_allows(k.kind, in->code)) {
		out->order = CAIRN_RESTRICTED;
	} else if (k.kind == BANK_KEY_BANK && order_op(in->code) >= 0 &&
		   bank_restrict_check(k.restrictions, (enum bank_op)order_op(in->code)) !=
			   BANK_OK) {
		out->order = CAIRN_RESTRICTED;
	} else {
		out->order = dispatch(&k, in, out);
	}
	return serving.answered ? BANK_ANSWERED : BANK_ANSWER;
}
