/* SPDX-License-Identifier: MIT */
/*
 * The domain runtime: invoking keys from a U-mode domain.
 *
 * Three layers, each on the one below:
 *   1. cairn_syscall(): one ecall, registers exactly as cairn/abi.h says.
 *   2. cairn_call / _send / _return / _wait: messages as structs, for
 *      talking to domains (servers, clients, keepers).
 *   3. cairn_inv_TYPE_NAME(): one stub per kernel invocation, generated
 *      from CAIRN_INVOCATIONS in cairn/keytab.h, over struct cairn_io;
 *      and cairn_keys.h, hand-named wrappers for the common ones.
 * Everything is inline: an invocation compiles to a few moves and
 * one ecall (the benchmarks count instructions).
 *
 * Capability registers by convention (docs/runtime.md): 0 is always void,
 * 1 the console key, 2 the sleep key; a program documents the rest.
 */
#ifndef CAIRN_H
#define CAIRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/abi.h>
#include <cairn/keytab.h>

typedef unsigned cap_t; /* a capability register, 0..31 */

/* The invocation path is always inlined: with constant registers and
 * words it folds to a few immediates and one ecall. */
#define CAIRN_INLINE static inline __attribute__((always_inline))

/* A domain's program starts here (lib/start.S): arg is the image's arg=.
 * If main returns, the domain calls cairn_exit(). */
int main(uint64_t arg);

#define CAIRN_CAP_VOID    0u /* always void: "no key" wherever a register is named */
#define CAIRN_CAP_CONSOLE 1u /* console key: stdout goes here */
#define CAIRN_CAP_SLEEP   2u /* sleep key */

/* A message to send: order code (for a reply: the result code), four data
 * words, an optional string and up to four keys (0 = none). */
struct cairn_msg {
	uint64_t order;
	uint64_t w[4];
	const void *str;
	size_t len;
	cap_t keys[4];
};

/* Where to put what comes back: the string (buf, up to max bytes), the
 * keys (registers, 0 = drop) and, for RETURN/wait only, the resume key of
 * the next call (0 = drop it: the caller then waits for ever). */
struct cairn_rcv {
	void *buf;
	size_t max;
	cap_t keys[4];
	cap_t resume;
};

/* What came back: for a call's reply, code is the result; for a message
 * received by RETURN/wait it is the order code, and info holds the badge
 * (CAIRN_INFO_BADGE_MASK) and CAIRN_INFO_CALL / _TRUNCATED. len is the
 * length of the string received. */
struct cairn_reply {
	uint64_t code;
	uint64_t w[4];
	size_t len;
	uint64_t info; /* badge (CAIRN_INFO_BADGE_MASK), CAIRN_INFO_CALL, _TRUNCATED */
};

/* a7: the operation and the length of the string to send (bits 16..31).
 * A longer length is clamped to 0xffff, which the kernel refuses with
 * STRING_TOO_LONG, rather than silently sending a shorter string. */
CAIRN_INLINE uint64_t cairn_op(unsigned op, size_t len)
{
	if (len > 0xffff)
		len = 0xffff;
	return op | (uint64_t)len << 16;
}

/* a0: the slot word. The same layout as cairn_slots() in abi.h, written
 * without its loop so that constant registers fold into one constant (GCC
 * at -O2 does not unroll that loop: a dozen instructions per invocation). */
CAIRN_INLINE uint64_t cairn_slot_word(cap_t target, const cap_t send[4], const cap_t recv[4],
				      cap_t resume)
{
#define CAIRN_SLOT_(v, shift) ((uint64_t)(CAIRN_SLOT_MASK & (v)) << (shift))
	uint64_t w = CAIRN_SLOT_(target, CAIRN_SLOTS_TARGET_SHIFT) |
		     CAIRN_SLOT_(resume, CAIRN_SLOTS_RESUME_SHIFT);
	if (send)
		w |= CAIRN_SLOT_(send[0], CAIRN_SLOTS_SEND_SHIFT) |
		     CAIRN_SLOT_(send[1], CAIRN_SLOTS_SEND_SHIFT + 5) |
		     CAIRN_SLOT_(send[2], CAIRN_SLOTS_SEND_SHIFT + 10) |
		     CAIRN_SLOT_(send[3], CAIRN_SLOTS_SEND_SHIFT + 15);
	if (recv)
		w |= CAIRN_SLOT_(recv[0], CAIRN_SLOTS_RECV_SHIFT) |
		     CAIRN_SLOT_(recv[1], CAIRN_SLOTS_RECV_SHIFT + 5) |
		     CAIRN_SLOT_(recv[2], CAIRN_SLOTS_RECV_SHIFT + 10) |
		     CAIRN_SLOT_(recv[3], CAIRN_SLOTS_RECV_SHIFT + 15);
#undef CAIRN_SLOT_
	return w;
}

/*
 * Layer 1: the raw ecall. t0/t1 are inputs the kernel may change; every
 * register but a0..a6 is preserved. "memory": the kernel reads the string
 * and writes the receive buffer.
 */
CAIRN_INLINE void cairn_syscall(uint64_t a7, uint64_t slots, uint64_t order, const uint64_t w[4],
				const void *str, void *buf, size_t max, struct cairn_reply *out)
{
	register uint64_t r_a0 __asm__("a0") = slots;
	register uint64_t r_a1 __asm__("a1") = order;
	register uint64_t r_a2 __asm__("a2") = w ? w[0] : 0;
	register uint64_t r_a3 __asm__("a3") = w ? w[1] : 0;
	register uint64_t r_a4 __asm__("a4") = w ? w[2] : 0;
	register uint64_t r_a5 __asm__("a5") = w ? w[3] : 0;
	register uint64_t r_a6 __asm__("a6") = (uintptr_t)str;
	register uint64_t r_a7 __asm__("a7") = a7;
	register uint64_t r_t0 __asm__("t0") = (uintptr_t)buf;
	register uint64_t r_t1 __asm__("t1") = max;
	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1), "+r"(r_a2), "+r"(r_a3), "+r"(r_a4), "+r"(r_a5),
			   "+r"(r_a6), "+r"(r_t0), "+r"(r_t1)
			 : "r"(r_a7)
			 : "memory");
	if (out) {
		out->info = r_a0;
		out->code = r_a1;
		out->w[0] = r_a2;
		out->w[1] = r_a3;
		out->w[2] = r_a4;
		out->w[3] = r_a5;
		out->len = r_a6;
	}
}

/*
 * Layer 2. m, r and out may be NULL (empty message, receive nothing,
 * ignore the reply).
 */

/* CALL: invoke target and wait for the reply; returns out->code. */
CAIRN_INLINE uint64_t cairn_call(cap_t target, const struct cairn_msg *m, const struct cairn_rcv *r,
				 struct cairn_reply *out)
{
	static const struct cairn_msg none;
	struct cairn_reply rep;
	if (!m)
		m = &none;
	cairn_syscall(cairn_op(CAIRN_SYS_CALL, m->len),
		      cairn_slot_word(target, m->keys, r ? r->keys : NULL, 0), m->order, m->w,
		      m->str, r ? r->buf : NULL, r ? r->max : 0, &rep);
	if (out)
		*out = rep;
	return rep.code;
}

/* SEND: invoke target and carry on; no reply comes. */
CAIRN_INLINE void cairn_send(cap_t target, const struct cairn_msg *m)
{
	static const struct cairn_msg none;
	if (!m)
		m = &none;
	cairn_syscall(cairn_op(CAIRN_SYS_SEND, m->len), cairn_slot_word(target, m->keys, NULL, 0),
		      m->order, m->w, m->str, NULL, 0, NULL);
}

/* RETURN: invoke target (usually a resume key; m->order is then the
 * caller's result code) with m, then wait for the next call, delivered
 * into *next (order in next->code, badge in next->info). */
CAIRN_INLINE void cairn_return(cap_t target, const struct cairn_msg *m, const struct cairn_rcv *r,
			       struct cairn_reply *next)
{
	static const struct cairn_msg none;
	if (!m)
		m = &none;
	cairn_syscall(cairn_op(CAIRN_SYS_RETURN, m->len),
		      cairn_slot_word(target, m->keys, r ? r->keys : NULL, r ? r->resume : 0),
		      m->order, m->w, m->str, r ? r->buf : NULL, r ? r->max : 0, next);
}

/* Wait for the first call without replying to anybody: a RETURN on
 * capability register 0 (void). */
CAIRN_INLINE void cairn_wait(const struct cairn_rcv *r, struct cairn_reply *next)
{
	cairn_return(CAIRN_CAP_VOID, NULL, r, next);
}

/* Never return: wait for calls for ever, answering none of them (what
 * _start does when main returns; picolibc's exit() and abort() end here). */
__attribute__((noreturn)) void cairn_exit(void);

/*
 * Layer 3: kernel invocations. struct cairn_io carries the arguments in
 * and the results out (io->w is overwritten with the reply's words).
 */
struct cairn_io {
	uint64_t w[4];   /* in: w0..w3; out: the reply's words */
	cap_t keys[4];   /* in: k0..k3, the keys to send */
	cap_t rkeys[4];  /* in: r0..r3, where the returned keys go */
	const void *str; /* in: the string to send */
	size_t len;
	void *buf; /* in: buffer for the string returned */
	size_t max;
	size_t rlen;   /* out: length of the string returned */
	uint64_t info; /* out: CAIRN_INFO_TRUNCATED */
};

/* CALL key with order; returns the result code. */
CAIRN_INLINE uint64_t cairn_invoke(cap_t key, uint64_t order, struct cairn_io *io)
{
	struct cairn_reply rep;
	cairn_syscall(cairn_op(CAIRN_SYS_CALL, io->len),
		      cairn_slot_word(key, io->keys, io->rkeys, 0), order, io->w, io->str, io->buf,
		      io->max, &rep);
	for (unsigned i = 0; i < 4; i++)
		io->w[i] = rep.w[i];
	io->rlen = rep.len;
	io->info = rep.info;
	return rep.code;
}

/* cairn_inv_NODE_GET(key, io), cairn_inv_CONSOLE_WRITE(key, io), ...: one
 * per row of CAIRN_INVOCATIONS; the row's text says what goes in w/keys. */
#define CAIRN_X(type, name, code, desc)                                                 \
	CAIRN_INLINE uint64_t cairn_inv_##type##_##name(cap_t key, struct cairn_io *io) \
	{                                                                               \
		return cairn_invoke(key, CAIRN_OC_##type##_##name, io);                 \
	}
CAIRN_INVOCATIONS(CAIRN_X)
#undef CAIRN_X

/* Names from the table: "OK", "VOID", ...; "ACCESS", ...; "NODE", ....
 * Codes not in the table give "?". */
const char *cairn_result_name(uint64_t code);
const char *cairn_fault_name(uint64_t code);
const char *cairn_key_type_name(uint64_t type);

/* Write s and a newline to the console (through stdout's line buffer, so
 * it never splits or reorders a printf line). */
int cairn_puts(const char *s);

/* Counters. The kernel sets scounteren so U-mode may read them; under
 * qemu -icount shift=0 they are deterministic. The "memory" clobber keeps
 * the compiler from moving memory accesses across a reading. */
CAIRN_INLINE uint64_t cairn_rdinstret(void)
{
	uint64_t v;
	__asm__ volatile("rdinstret %0" : "=r"(v) : : "memory");
	return v;
}

CAIRN_INLINE uint64_t cairn_rdcycle(void)
{
	uint64_t v;
	__asm__ volatile("rdcycle %0" : "=r"(v) : : "memory");
	return v;
}

/* The first byte after the program's segments, page-aligned: the image's
 * heap=SIZE zero pages start here (lib/domain.ld). */
extern char __heap_start[];

#include "cairn_keys.h"

#endif /* CAIRN_H */
