/* SPDX-License-Identifier: MIT */
/*
 * fuzz: one random invocation of a key, shared by the fuzzer (wild.c) and
 * its random children (children.c): an order mostly of the key's own
 * type, edgy words, a slot word of keys to send and registers to receive
 * into, and strings and receive buffers aimed where a kernel must refuse
 * or survive them (its own memory, nothing, the text, across the end of a
 * page). The invoker's struct arena says where its buffers may point and
 * which keys it may send; random_invoke() keeps it from wedging itself
 * (short sleeps, no checkpoints turned off, FORCE only when allowed, no
 * CALL through a resume key) and never checks the result: its caller does.
 */
#include "fuzz.h"

bool result_named(uint64_t rc)
{
	return cairn_result_name(rc)[0] != '?';
}

static const uint64_t invocation_codes[] = {
#define CAIRN_X(type, name, code, desc) code,
	CAIRN_INVOCATIONS(CAIRN_X)
#undef CAIRN_X
};
#define N_CODES (sizeof invocation_codes / sizeof invocation_codes[0])

/* An order for a key of this type: mostly one of its own, sometimes any
 * the table has, sometimes a near miss or anything at all. */
static uint64_t random_order(uint64_t *s, uint64_t type)
{
	unsigned r = (unsigned)below(s, 100);
	if (r < 55) {
		uint64_t mine[16];
		unsigned n = 0;
		for (unsigned i = 0; i < N_CODES && n < 16; i++)
			if (invocation_codes[i] >> 8 == type)
				mine[n++] = invocation_codes[i];
		if (n)
			return mine[below(s, n)];
	}
	if (r < 80)
		return invocation_codes[below(s, N_CODES)];
	if (r < 92)
		return type << 8 | below(s, 16);
	return edgy_word(s);
}

/* A string to send: a pointer somewhere unfriendly, an extreme length. */
static void random_string(uint64_t *s, const struct arena *ar, bool console, uintptr_t *ptr,
			  size_t *len)
{
	static const size_t lens[] = { 0, 1, 2, 7, 64, 4095, 4096, 4097, 8191, 8192, 8193, 0xffff };
	*len = lens[below(s, sizeof lens / sizeof lens[0])];
	switch (below(s, 8)) {
	case 0:
		*ptr = KERNEL_VA + below(s, 4096);
		break;
	case 1:
		*ptr = UNMAPPED_VA - (chance(s, 50) ? below(s, 64) : 0);
		break;
	case 2: /* straddles the end of the landing page */
		if (ar->landing) {
			*ptr = ar->landing + 4096 - 1 - below(s, 64);
			if (*len < 65)
				*len = 65 + below(s, 200);
		} else {
			*ptr = 0;
		}
		break;
	case 3:
		*ptr = chance(s, 50) ? 0 : ~0ul - below(s, 16);
		break;
	case 4: /* read-only text: refused for the console only because it is not dots */
		if (!console) {
			*ptr = (uintptr_t)_start + below(s, 256);
			break;
		}
		/* fall through */
	default: /* dots, ending in the newline */
		if (*len > ar->dots_len || chance(s, 90))
			*len = 1 + below(s, 80);
		*ptr = ar->dots + ar->dots_len - *len;
	}
}

static void random_rbuf(uint64_t *s, const struct arena *ar, uintptr_t *buf, size_t *max)
{
	static const size_t maxes[] = { 0, 1, 16, 64, 4096, 8192, 0xffffffff, ~0ul };
	*max = maxes[below(s, sizeof maxes / sizeof maxes[0])];
	switch (below(s, 6)) {
	case 0:
		*buf = KERNEL_VA;
		break;
	case 1:
		*buf = UNMAPPED_VA;
		break;
	case 2: /* read-only: the text (the fuzzer checks it never changes) */
		*buf = (uintptr_t)_start + 64;
		break;
	case 3:
		if (ar->landing) {
			*buf = ar->landing + 4096 - below(s, 100);
			break;
		}
		/* fall through */
	default:
		*buf = ar->rbuf;
		if (*max > ar->rbuf_len)
			*max = ar->rbuf_len;
	}
}

/* Keep a random invocation from wedging its invoker: short sleeps only;
 * checkpoints never turned off or slowed down much; FORCE at most now and
 * then (the caller passes may_force). */
static void sanitize(uint64_t *s, uint64_t type, uint64_t *order, uint64_t w[4], bool may_force)
{
	if (type == CAIRN_KEY_SLEEP && *order == CAIRN_OC_SLEEP_FOR)
		w[0] = below(s, 4);
	if (type == CAIRN_KEY_CHECKPOINT && *order == CAIRN_OC_CHECKPOINT_SET_INTERVAL)
		w[0] = chance(s, 50) ? 50 + below(s, 400) : (1ull << 40) + below(s, 1000);
	if (type == CAIRN_KEY_CHECKPOINT && *order == CAIRN_OC_CHECKPOINT_FORCE && !may_force)
		*order = CAIRN_OC_CHECKPOINT_STATS;
}

/* A random slot word around target: keys to send from the arena's list,
 * keys received into its scratch registers, junk in the unused bits. */
static uint64_t random_slots(uint64_t *s, const struct arena *ar, cap_t target)
{
	cap_t send[4] = { 0 }, recv[4] = { 0 };
	for (unsigned i = 0; i < 4; i++) {
		if (chance(s, 30))
			send[i] = ar->send[below(s, ar->n_send)];
		if (chance(s, 40))
			recv[i] = ar->recv[below(s, ar->n_recv)];
	}
	uint64_t w = cairn_slot_word(target, send, recv, (cap_t)below(s, 32));
	if (chance(s, 10)) /* bits the ABI leaves unused */
		w |= (xorshift(s) & 0xe0e0000000000000ull) | (xorshift(s) & 0x00f00000f0000000ull);
	return w;
}

/*
 * One random invocation of t. Start keys are CALLed only when the caller
 * says it may stall (children); resume keys are only SENT (a CALL through
 * one makes the invoker wait for a reply that may never come). Returns
 * the result code (a1).
 */
uint64_t random_invoke(uint64_t *s, const struct arena *ar, struct target t, bool may_force)
{
	uint64_t order = random_order(s, t.type);
	uint64_t w[4];
	for (unsigned i = 0; i < 4; i++)
		w[i] = edgy_word(s);
	if (t.type == CAIRN_KEY_START && chance(s, 70))
		order = below(s, 6);
	if (t.type == CAIRN_KEY_RESUME)
		order = below(s, 14); /* a named result code for the one waiting */
	sanitize(s, t.type, &order, w, may_force);

	uintptr_t str = 0, buf = 0;
	size_t len = 0, max = 0;
	if (chance(s, 35))
		random_string(s, ar, t.type == CAIRN_KEY_CONSOLE, &str, &len);
	else if (t.type == CAIRN_KEY_CONSOLE)
		len = 0;
	if (chance(s, 35))
		random_rbuf(s, ar, &buf, &max);

	unsigned op = CAIRN_SYS_CALL;
	if (t.type == CAIRN_KEY_RESUME || chance(s, 10))
		op = CAIRN_SYS_SEND;
	else if (chance(s, 4)) {
		static const unsigned bad_ops[] = { 0, 4, 5, 0x7f, 0xff };
		op = bad_ops[below(s, 5)];
	}
	struct cairn_reply rep;
	cairn_syscall((uint64_t)op | (uint64_t)(len & 0xffff) << 16, random_slots(s, ar, t.cap),
		      order, w, (const void *)str, (void *)buf, max, &rep);
	return rep.code;
}

uint64_t classify(cap_t discrim, cap_t cap)
{
	uint64_t type = CAIRN_KEY_VOID;
	if (cairn_discrim_classify(discrim, cap, &type, NULL) != CAIRN_OK)
		return ~0ull;
	return type;
}
