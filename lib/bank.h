/* SPDX-License-Identifier: MIT */
/*
 * The space bank's client library: one inline wrapper per order of
 * CAIRN_SERVICE_ORDERS' BANK rows (cairn/keytab.h; docs/bank.md has the
 * protocol). Every wrapper CALLs the bank key and returns the result code
 * (CAIRN_OK or a named CAIRN_* result); nothing here trusts the bank more
 * than a CALL does. Object kinds follow the RANGE badge: 0 node, 1 page.
 */
#ifndef CAIRN_LIB_BANK_H
#define CAIRN_LIB_BANK_H

#include "cairn.h"

enum { CAIRN_BANK_NODE = 0, CAIRN_BANK_PAGE = 1 };
enum { CAIRN_BANK_TRANSPARENT = 0, CAIRN_BANK_OPAQUE = 1 };

/* What a key to a bank may not do (BANK_REDUCE, BANK_VERIFY's w2). */
#define CAIRN_BANK_MAY_NOT_BUY       (1u << 0)
#define CAIRN_BANK_MAY_NOT_SELL      (1u << 1)
#define CAIRN_BANK_MAY_NOT_DESTROY   (1u << 2)
#define CAIRN_BANK_MAY_NOT_REMOVE    (1u << 3)
#define CAIRN_BANK_MAY_NOT_QUERY     (1u << 4)
#define CAIRN_BANK_MAY_NOT_SET_LIMIT (1u << 5)
#define CAIRN_BANK_MAY_NOT_CREATE    (1u << 6)

/* The kinds of key to a bank (BANK_VERIFY's w3). */
enum { CAIRN_BANK_KEY_BANK = 0, CAIRN_BANK_KEY_INSPECT = 1, CAIRN_BANK_KEY_DESTROY = 2 };

/* An object in a listing: pool << 32 | offset in the bank's range. */
#define CAIRN_BANK_OBJECT(pool, offset) ((uint64_t)(pool) << 32 | (uint32_t)(offset))

CAIRN_INLINE uint64_t cairn_bank_order(cap_t bank, uint64_t order, const struct cairn_msg *in,
				       const struct cairn_rcv *r, struct cairn_reply *out)
{
	struct cairn_msg m = *in;
	m.order = order;
	return cairn_call(bank, &m, r, out);
}

/* into[0..n-1] to keys[0..n-1] (n up to 3), the rest left as they are:
 * unrolled, as a loop to a run-time n compiles to a memcpy call (about 50
 * instructions where this is about 10). */
CAIRN_INLINE void cairn_bank_caps(cap_t *keys, unsigned n, const cap_t *into)
{
	if (n > 0)
		keys[0] = into[0];
	if (n > 1)
		keys[1] = into[1];
	if (n > 2)
		keys[2] = into[2];
}

/* A SELL hint: the word a BUY's reply gives for each object bought
 * (w0..w(n-1)), which names the object in the bank's books. Given back to
 * SELL with the key, it saves the bank asking the kernel which object the
 * key is to (docs/bank.md "A hinted sell"); a wrong hint is refused
 * (WRONG_OBJECT, NOT_OWNER, ...) and sells nothing. CAIRN_BANK_NO_HINT:
 * none, the bank identifies the key itself. */
#define CAIRN_BANK_NO_HINT 0u

/* Buy n (1..3) objects; kinds bit i set: object i is a page. Keys go to
 * into[0..n-1], and each one's SELL hint to hints[0..n-1] if hints is not
 * NULL. All or nothing. */
CAIRN_INLINE uint64_t cairn_bank_buy_hinted(cap_t bank, unsigned n, uint64_t kinds,
					    const cap_t *into, uint64_t *hints)
{
	const struct cairn_msg m = { .w = { n, kinds } };
	struct cairn_rcv r = { 0 };
	struct cairn_reply rep;
	cairn_bank_caps(r.keys, n, into);
	uint64_t rc = cairn_bank_order(bank, CAIRN_SO_BANK_BUY, &m, &r, hints ? &rep : NULL);
	for (unsigned i = 0; hints && i < n && i < 3; i++)
		hints[i] = rc == CAIRN_OK ? rep.w[i] : CAIRN_BANK_NO_HINT;
	return rc;
}

CAIRN_INLINE uint64_t cairn_bank_buy(cap_t bank, unsigned n, uint64_t kinds, const cap_t *into)
{
	return cairn_bank_buy_hinted(bank, n, kinds, into, NULL);
}

CAIRN_INLINE uint64_t cairn_bank_buy1(cap_t bank, unsigned kind, cap_t into)
{
	return cairn_bank_buy(bank, 1, kind == CAIRN_BANK_PAGE, &into);
}

/* Sell n (1..3) keys back. All or nothing: each must have been bought
 * from this bank (or a sub-bank a remove handed to it). */
CAIRN_INLINE uint64_t cairn_bank_sell(cap_t bank, unsigned n, const cap_t *keys)
{
	struct cairn_msg m = { .w = { n } };
	cairn_bank_caps(m.keys, n, keys);
	return cairn_bank_order(bank, CAIRN_SO_BANK_SELL, &m, NULL, NULL);
}

/* The same with each key's hint from its BUY (w1..wn). A batch with a
 * hint missing (CAIRN_BANK_NO_HINT) is sold as without hints. */
CAIRN_INLINE uint64_t cairn_bank_sell_hinted(cap_t bank, unsigned n, const cap_t *keys,
					     const uint64_t *hints)
{
	struct cairn_msg m = { .w = { n, n > 0 ? hints[0] : 0, n > 1 ? hints[1] : 0,
				      n > 2 ? hints[2] : 0 } };
	cairn_bank_caps(m.keys, n, keys);
	return cairn_bank_order(bank, CAIRN_SO_BANK_SELL, &m, NULL, NULL);
}

/* A sub-bank: sub gets its bank key, control the creator's (an inspect
 * key for a transparent bank, a destroy-only key for an opaque one). */
CAIRN_INLINE uint64_t cairn_bank_create(cap_t bank, unsigned kind, cap_t sub, cap_t control)
{
	const struct cairn_msg m = { .w = { kind } };
	const struct cairn_rcv r = { .keys = { sub, control } };
	return cairn_bank_order(bank, CAIRN_SO_BANK_CREATE, &m, &r, NULL);
}

CAIRN_INLINE uint64_t cairn_bank_destroy(cap_t bank)
{
	const struct cairn_msg m = { 0 };
	return cairn_bank_order(bank, CAIRN_SO_BANK_DESTROY, &m, NULL, NULL);
}

CAIRN_INLINE uint64_t cairn_bank_remove(cap_t bank)
{
	const struct cairn_msg m = { 0 };
	return cairn_bank_order(bank, CAIRN_SO_BANK_REMOVE, &m, NULL, NULL);
}

CAIRN_INLINE uint64_t cairn_bank_set_limit(cap_t bank, unsigned pool, uint64_t limit)
{
	const struct cairn_msg m = { .w = { pool, limit } };
	return cairn_bank_order(bank, CAIRN_SO_BANK_SET_LIMIT, &m, NULL, NULL);
}

struct cairn_bank_usage {
	uint64_t limit;      /* ~0: none */
	uint64_t usage;      /* this bank's and its sub-banks' objects */
	uint64_t available;  /* the most a buy could get now: the tightest ancestor */
	uint64_t reclaiming; /* objects of destroyed banks not yet rescinded */
};

CAIRN_INLINE uint64_t cairn_bank_query(cap_t bank, unsigned pool, struct cairn_bank_usage *u)
{
	const struct cairn_msg m = { .w = { pool } };
	struct cairn_reply rep;
	uint64_t rc = cairn_bank_order(bank, CAIRN_SO_BANK_QUERY, &m, NULL, &rep);
	*u = (struct cairn_bank_usage){ rep.w[0], rep.w[1], rep.w[2], rep.w[3] };
	return rc;
}

/* A key that may do less: restrictions only ever grow. */
CAIRN_INLINE uint64_t cairn_bank_reduce(cap_t bank, uint64_t may_not, cap_t into)
{
	const struct cairn_msg m = { .w = { may_not } };
	const struct cairn_rcv r = { .keys = { into } };
	return cairn_bank_order(bank, CAIRN_SO_BANK_REDUCE, &m, &r, NULL);
}

struct cairn_bank_verdict {
	bool genuine;      /* a key to a live bank of this bank domain */
	uint64_t kind;     /* CAIRN_BANK_TRANSPARENT or _OPAQUE */
	uint64_t may_not;  /* CAIRN_BANK_MAY_NOT_* */
	uint64_t key_kind; /* CAIRN_BANK_KEY_* */
};

/* Ask a bank you trust (a genuine bank key, e.g. from your image) whether
 * `key` is genuine too. An impostor answering the protocol cannot fake
 * this: the bank asks the kernel (DOMAIN IDENTIFY). */
CAIRN_INLINE uint64_t cairn_bank_verify(cap_t trusted, cap_t key, struct cairn_bank_verdict *v)
{
	const struct cairn_msg m = { .keys = { key } };
	struct cairn_reply rep;
	uint64_t rc = cairn_bank_order(trusted, CAIRN_SO_BANK_VERIFY, &m, NULL, &rep);
	*v = (struct cairn_bank_verdict){ rc == CAIRN_OK && rep.w[0] == 1, rep.w[1], rep.w[2],
					  rep.w[3] };
	return rc;
}

#endif
