/* SPDX-License-Identifier: MIT */
/*
 * What a key to the bank domain says (docs/bank.md "Bookkeeping", "Keys
 * and restrictions"): which bank, which kind of key, and what it may not
 * do. The bank domain names all of this in the badge of the start key it
 * makes, so a badge is the only place it lives: nothing in the books
 * records a key.
 *
 * Invariants:
 *  - Restrictions only narrow: bank_restrict_reduce() is an OR, so a key
 *    made from another never does more than it.
 *  - A badge is 48 bits. Encoding and decoding are inverse on every
 *    well-formed key, and decoding refuses (BANK_E_BADGE) every value that
 *    no encode could have produced: bits past 47, reserved bits, kind 3,
 *    bank 0, restriction bits on a key that is not a bank key.
 *
 * Badge layout (bit numbers, little end first):
 *    0..31  bank id (nonzero)
 *   32..38  restrictions (BANK_MAY_NOT_*; 0 unless kind is BANK_KEY_BANK)
 *   39..40  key kind (enum bank_key_kind)
 *   41..47  reserved, zero
 */
#ifndef CAIRN_BANK_KEY_H
#define CAIRN_BANK_KEY_H

#include <stdint.h>
#include "bank.h"

/* The operations a restriction can forbid, one bit each (1 << op). */
enum bank_op {
	BANK_OP_BUY = 0,
	BANK_OP_SELL = 1,
	BANK_OP_DESTROY = 2,
	BANK_OP_REMOVE = 3,
	BANK_OP_QUERY = 4,     /* query limits and usage */
	BANK_OP_SET_LIMIT = 5, /* change limits */
	BANK_OP_CREATE = 6,    /* create sub-banks */
};
#define BANK_MAY_NOT(op)       (1u << (op))
#define BANK_MAY_NOT_BUY       BANK_MAY_NOT(BANK_OP_BUY)
#define BANK_MAY_NOT_SELL      BANK_MAY_NOT(BANK_OP_SELL)
#define BANK_MAY_NOT_DESTROY   BANK_MAY_NOT(BANK_OP_DESTROY)
#define BANK_MAY_NOT_REMOVE    BANK_MAY_NOT(BANK_OP_REMOVE)
#define BANK_MAY_NOT_QUERY     BANK_MAY_NOT(BANK_OP_QUERY)
#define BANK_MAY_NOT_SET_LIMIT BANK_MAY_NOT(BANK_OP_SET_LIMIT)
#define BANK_MAY_NOT_CREATE    BANK_MAY_NOT(BANK_OP_CREATE)
#define BANK_RESTRICTIONS_ALL  0x7fu

enum bank_key_kind {
	BANK_KEY_BANK = 0,    /* the bank's operations, less its restrictions */
	BANK_KEY_INSPECT = 1, /* a transparent bank's creator: list, rescind, read-only keys */
	BANK_KEY_DESTROY = 2, /* destroy the bank as a whole, nothing else */
};

struct bank_key {
	bank_id_t bank;
	uint32_t restrictions; /* BANK_MAY_NOT_* */
	uint32_t kind;         /* enum bank_key_kind */
};

#define BANK_BADGE_BITS 48

/* restrictions | more into *out: never wider than restrictions.
 * BANK_E_ARG (and *out unchanged) if more has a bit that names no
 * operation. */
enum bank_err bank_restrict_reduce(uint32_t restrictions, uint32_t more, uint32_t *out);

/* BANK_OK if `restrictions` allow op, else BANK_E_RESTRICTED. */
enum bank_err bank_restrict_check(uint32_t restrictions, enum bank_op op);

/* The 48-bit badge of key, or BANK_E_BADGE if key is malformed. */
enum bank_err bank_badge_encode(const struct bank_key *key, uint64_t *badge);

/* The key a badge names, or BANK_E_BADGE if no encode makes that badge. */
enum bank_err bank_badge_decode(uint64_t badge, struct bank_key *key);

#endif
