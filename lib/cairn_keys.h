/* SPDX-License-Identifier: MIT */
/*
 * Hand-named wrappers over the generated cairn_inv_* stubs for the kernel
 * invocations programs use most (included by cairn.h; include that).
 * Each returns the result code (CAIRN_OK = 0 on success) and writes its
 * results through pointers, which may be NULL when a result is not
 * wanted. `into`/`old` name the capability register a returned key goes
 * to. The argument meanings are the rows of CAIRN_INVOCATIONS in
 * cairn/keytab.h; docs/invocations.md is the full reference.
 */
#ifndef CAIRN_KEYS_H
#define CAIRN_KEYS_H

CAIRN_INLINE uint64_t cairn_console_write(cap_t console, const char *s, size_t n)
{
	struct cairn_io io = { .str = s, .len = n };
	return cairn_inv_CONSOLE_WRITE(console, &io);
}

CAIRN_INLINE uint64_t cairn_sleep_for(cap_t sleep, uint64_t ms)
{
	struct cairn_io io = { .w = { ms } };
	return cairn_inv_SLEEP_FOR(sleep, &io);
}

/* Microseconds since this boot, and the timebase frequency in Hz. */
CAIRN_INLINE uint64_t cairn_sleep_now(cap_t sleep, uint64_t *us, uint64_t *hz)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_SLEEP_NOW(sleep, &io);
	if (us)
		*us = io.w[0];
	if (hz)
		*hz = io.w[1];
	return rc;
}

/* A number key's 112 bits: lo = low 64, hi = high 48. */
CAIRN_INLINE uint64_t cairn_number_read(cap_t number, uint64_t *lo, uint64_t *hi)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_NUMBER_READ(number, &io);
	if (lo)
		*lo = io.w[0];
	if (hi)
		*hi = io.w[1];
	return rc;
}

CAIRN_INLINE uint64_t cairn_node_get(cap_t node, unsigned slot, cap_t into)
{
	struct cairn_io io = { .w = { slot }, .rkeys = { into } };
	return cairn_inv_NODE_GET(node, &io);
}

/* Put key `in` in the slot; the key that was there goes to `old`. */
CAIRN_INLINE uint64_t cairn_node_swap(cap_t node, unsigned slot, cap_t in, cap_t old)
{
	struct cairn_io io = { .w = { slot }, .keys = { in }, .rkeys = { old } };
	return cairn_inv_NODE_SWAP(node, &io);
}

CAIRN_INLINE uint64_t cairn_node_read_number(cap_t node, unsigned slot, uint64_t *lo, uint64_t *hi)
{
	struct cairn_io io = { .w = { slot } };
	uint64_t rc = cairn_inv_NODE_READ_NUMBER(node, &io);
	if (lo)
		*lo = io.w[0];
	if (hi)
		*hi = io.w[1];
	return rc;
}

/* rights: CAIRN_RIGHT_RO and/or CAIRN_RIGHT_WEAK to add. */
CAIRN_INLINE uint64_t cairn_node_weaken(cap_t node, uint64_t rights, cap_t into)
{
	struct cairn_io io = { .w = { rights }, .rkeys = { into } };
	return cairn_inv_NODE_WEAKEN(node, &io);
}

CAIRN_INLINE uint64_t cairn_domain_get_reg(cap_t domain, unsigned reg, uint64_t *value)
{
	struct cairn_io io = { .w = { reg } };
	uint64_t rc = cairn_inv_DOMAIN_GET_REG(domain, &io);
	if (value)
		*value = io.w[0];
	return rc;
}

/* reg: CAIRN_REG_PC, CAIRN_REG_X(n), CAIRN_REG_F(n), CAIRN_REG_FCSR. */
CAIRN_INLINE uint64_t cairn_domain_set_reg(cap_t domain, unsigned reg, uint64_t value)
{
	struct cairn_io io = { .w = { reg, value } };
	return cairn_inv_DOMAIN_SET_REG(domain, &io);
}

/* slot: a root slot, CAIRN_DOM_SLOT_*. */
CAIRN_INLINE uint64_t cairn_domain_get_slot(cap_t domain, unsigned slot, cap_t into)
{
	struct cairn_io io = { .w = { slot }, .rkeys = { into } };
	return cairn_inv_DOMAIN_GET_SLOT(domain, &io);
}

/* slot: CAIRN_DOM_SLOT_SPACE or _KEEPER. */
CAIRN_INLINE uint64_t cairn_domain_swap_slot(cap_t domain, unsigned slot, cap_t in, cap_t old)
{
	struct cairn_io io = { .w = { slot }, .keys = { in }, .rkeys = { old } };
	return cairn_inv_DOMAIN_SWAP_SLOT(domain, &io);
}

CAIRN_INLINE uint64_t cairn_domain_make_start(cap_t domain, uint64_t badge, cap_t into)
{
	struct cairn_io io = { .w = { badge }, .rkeys = { into } };
	return cairn_inv_DOMAIN_MAKE_START(domain, &io);
}

/* Is `key` a start key to the domain? *badge gets its badge (KeyKOS's
 * identify: a server tells its own keys from an impostor's). */
CAIRN_INLINE uint64_t cairn_domain_identify(cap_t domain, cap_t key, bool *mine, uint64_t *badge)
{
	struct cairn_io io = { .keys = { key } };
	uint64_t rc = cairn_inv_DOMAIN_IDENTIFY(domain, &io);
	*mine = rc == CAIRN_OK && io.w[0] == 1;
	*badge = io.w[1];
	return rc;
}

struct cairn_domain_state {
	uint64_t run_state;  /* CAIRN_DOM_HALTED, _RUNNING, _AVAILABLE, _WAITING */
	uint64_t fault_code; /* CAIRN_FAULT_*, or 0 */
	uint64_t fault_addr;
	uint64_t pc;
};

CAIRN_INLINE uint64_t cairn_domain_get_state(cap_t domain, struct cairn_domain_state *st)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_DOMAIN_GET_STATE(domain, &io);
	st->run_state = io.w[0];
	st->fault_code = io.w[1];
	st->fault_addr = io.w[2];
	st->pc = io.w[3];
	return rc;
}

/* Run a halted domain at pc (~0: where its pc already is). */
CAIRN_INLINE uint64_t cairn_domain_start(cap_t domain, uint64_t pc)
{
	struct cairn_io io = { .w = { pc } };
	return cairn_inv_DOMAIN_START(domain, &io);
}

/* A read-write key to the object at `offset` in the range. */
CAIRN_INLINE uint64_t cairn_range_make_key(cap_t range, uint64_t offset, cap_t into)
{
	struct cairn_io io = { .w = { offset }, .rkeys = { into } };
	return cairn_inv_RANGE_MAKE_KEY(range, &io);
}

/* Void every key to the object at `offset`; the object is zeroed. */
CAIRN_INLINE uint64_t cairn_range_rescind(cap_t range, uint64_t offset)
{
	struct cairn_io io = { .w = { offset } };
	return cairn_inv_RANGE_RESCIND(range, &io);
}

struct cairn_range_info {
	uint64_t first; /* first OID */
	uint64_t count;
	uint64_t kind; /* CAIRN_RANGE_NODES or _PAGES */
};

CAIRN_INLINE uint64_t cairn_range_info(cap_t range, struct cairn_range_info *ri)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_RANGE_INFO(range, &io);
	ri->first = io.w[0];
	ri->count = io.w[1];
	ri->kind = io.w[2];
	return rc;
}

/* The type (CAIRN_KEY_*) and rights (CAIRN_RIGHT_*) of the key in `key`. */
CAIRN_INLINE uint64_t cairn_discrim_classify(cap_t discrim, cap_t key, uint64_t *type,
					     uint64_t *rights)
{
	struct cairn_io io = { .keys = { key } };
	uint64_t rc = cairn_inv_DISCRIM_CLASSIFY(discrim, &io);
	if (type)
		*type = io.w[0];
	if (rights)
		*rights = io.w[1];
	return rc;
}

/* *same = 1 if a and b designate the same thing with the same rights. */
CAIRN_INLINE uint64_t cairn_discrim_compare(cap_t discrim, cap_t a, cap_t b, int *same)
{
	struct cairn_io io = { .keys = { a, b } };
	uint64_t rc = cairn_inv_DISCRIM_COMPARE(discrim, &io);
	if (same)
		*same = io.w[0] == 1;
	return rc;
}

/* Force a checkpoint and wait (sleeping 10 ms at a time, at most ms) until
 * it has committed. Returns its generation, or 0 if it could not be forced
 * or did not commit in time. */
CAIRN_INLINE uint64_t cairn_checkpoint_and_wait(cap_t ckpt, cap_t sleep, unsigned ms)
{
	struct cairn_io io = { 0 };
	if (cairn_inv_CHECKPOINT_FORCE(ckpt, &io) != CAIRN_OK)
		return 0;
	uint64_t gen = io.w[0];
	for (unsigned t = 0; t < ms; t += 10) {
		struct cairn_io st = { 0 };
		if (cairn_inv_CHECKPOINT_STATS(ckpt, &st) == CAIRN_OK && st.w[0] >= gen)
			return gen;
		cairn_sleep_for(sleep, 10);
	}
	return 0;
}

#endif /* CAIRN_KEYS_H */
