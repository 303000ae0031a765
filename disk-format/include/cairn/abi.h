/* SPDX-License-Identifier: MIT */
/*
 * The domain ABI: how a domain invokes a key (the registers of an ecall),
 * what it finds in its registers when a message arrives, and how a
 * domain's state is laid out in its nodes. Shared by the kernel, the
 * domain runtime and cairn-format (which builds the first domains).
 * docs/invocations.md explains it with examples.
 *
 * Invoking (ecall from U-mode):
 *   a7  bits 0..7   operation: CAIRN_SYS_CALL, _RETURN or _SEND
 *       bits 16..31 length of the string to send
 *   a0  slot word: the invoked capability register and the registers of
 *       the keys to send and to receive (5 bits each, see CAIRN_SLOTS_*);
 *       capability register 0 is always void, so 0 means "none"
 *   a1  order code (for kernel keys: a CAIRN_OC_*; for domains: any)
 *   a2..a5  four data words
 *   a6  address of the string to send
 *   t0  address of the receive buffer, t1 its length (for the reply of a
 *       CALL, or the next message after a RETURN)
 * Receiving (the registers when the domain runs again):
 *   a0  info word: badge of the start key that was invoked (bits 0..47),
 *       CAIRN_INFO_TRUNCATED if the string did not fit (bit 48),
 *       CAIRN_INFO_CALL if a resume key was delivered (bit 49)
 *   a1  order code of the message (a call) or result code (a reply)
 *   a2..a5  the four data words; a6  the length of the string received
 *   every other register is preserved.
 * The pc of a domain that is not running points past its ecall: a CALL
 * commits the caller at pc + 4 (it continues there when resumed), a fault
 * leaves pc at the faulting instruction.
 */
#ifndef CAIRN_ABI_H
#define CAIRN_ABI_H

#include <stdint.h>

#define CAIRN_SYS_CALL   1u /* invoke and wait for the reply */
#define CAIRN_SYS_RETURN 2u /* invoke, then wait for the next call (become available) */
#define CAIRN_SYS_SEND   3u /* invoke and carry on */

#define CAIRN_CAP_REGS   32u   /* capability registers 0..31; 0 is always void */
#define CAIRN_MAX_STRING 8192u /* bytes a single invocation can carry */
#define CAIRN_MAX_KEYS   4u

/* The slot word (a0 when invoking). */
#define CAIRN_SLOTS_TARGET_SHIFT 0
#define CAIRN_SLOTS_SEND_SHIFT   8  /* 4 x 5 bits: bits 8..27 */
#define CAIRN_SLOTS_RECV_SHIFT   32 /* 4 x 5 bits: bits 32..51 */
#define CAIRN_SLOTS_RESUME_SHIFT 56 /* 5 bits: where a server wants the resume key */
#define CAIRN_SLOT_MASK          0x1fu

static inline uint64_t cairn_slots(unsigned target, const uint8_t send[4], const uint8_t recv[4],
				   unsigned resume)
{
	uint64_t w = (uint64_t)(target & CAIRN_SLOT_MASK) << CAIRN_SLOTS_TARGET_SHIFT;
	for (unsigned i = 0; i < 4; i++) {
		w |= (uint64_t)((send ? send[i] : 0) & CAIRN_SLOT_MASK)
		     << (CAIRN_SLOTS_SEND_SHIFT + 5 * i);
		w |= (uint64_t)((recv ? recv[i] : 0) & CAIRN_SLOT_MASK)
		     << (CAIRN_SLOTS_RECV_SHIFT + 5 * i);
	}
	w |= (uint64_t)(resume & CAIRN_SLOT_MASK) << CAIRN_SLOTS_RESUME_SHIFT;
	return w;
}

static inline unsigned cairn_slots_target(uint64_t w)
{
	return (unsigned)(w >> CAIRN_SLOTS_TARGET_SHIFT) & CAIRN_SLOT_MASK;
}

static inline unsigned cairn_slots_send(uint64_t w, unsigned i)
{
	return (unsigned)(w >> (CAIRN_SLOTS_SEND_SHIFT + 5 * i)) & CAIRN_SLOT_MASK;
}

static inline unsigned cairn_slots_recv(uint64_t w, unsigned i)
{
	return (unsigned)(w >> (CAIRN_SLOTS_RECV_SHIFT + 5 * i)) & CAIRN_SLOT_MASK;
}

static inline unsigned cairn_slots_resume(uint64_t w)
{
	return (unsigned)(w >> CAIRN_SLOTS_RESUME_SHIFT) & CAIRN_SLOT_MASK;
}

/* The info word (a0 when a message arrives). */
#define CAIRN_INFO_BADGE_MASK 0xffffffffffffull /* a start key's badge: 48 bits */
#define CAIRN_INFO_TRUNCATED  (1ull << 48)
#define CAIRN_INFO_CALL       (1ull << 49)

/*
 * A domain is four nodes. The root node's slots:
 */
#define CAIRN_DOM_SLOT_SPACE      0 /* address space key (space or page key) */
#define CAIRN_DOM_SLOT_KEEPER     1 /* start key of the domain keeper, or void */
#define CAIRN_DOM_SLOT_GPRS       2 /* node key: slot 0 pc, slots 1..31 x1..x31 */
#define CAIRN_DOM_SLOT_FPRS       3 /* node key: f0..f31 (void: FP never used) */
#define CAIRN_DOM_SLOT_CAPS       4 /* node key: capability registers 0..31 */
#define CAIRN_DOM_SLOT_STATE      5 /* number: run state, fault code, fault address */
#define CAIRN_DOM_SLOT_FCSR       6 /* number: fcsr, FP in use */
#define CAIRN_DOM_SLOT_BRAND      7 /* free for the domain's creator */
#define CAIRN_DOM_FIRST_FREE_SLOT 8

/* Run states, kept in the low byte of the state number. An all-zero
 * node is a halted domain. */
#define CAIRN_DOM_HALTED    0u /* not running; a DOMAIN_START invocation runs it */
#define CAIRN_DOM_RUNNING   1u /* ready to run, running, or waiting for the kernel */
#define CAIRN_DOM_AVAILABLE 2u /* waiting for a call through a start key */
#define CAIRN_DOM_WAITING   3u /* waiting for the reply to its call */

/* Register numbers for DOMAIN_GET_REG / SET_REG and the GPR node. */
#define CAIRN_REG_PC   0u
#define CAIRN_REG_X(n) (n)         /* 1..31 */
#define CAIRN_REG_F(n) (32u + (n)) /* 0..31 */
#define CAIRN_REG_FCSR 64u

/* Address spaces: a node at height h maps 32 slots of 2^(12 + 5(h-1))
 * bytes each; height 1 slots hold page keys. */
#define CAIRN_SPACE_MAX_HEIGHT    6u
#define CAIRN_SPACE_SLOT_SHIFT(h) (7u + 5u * (h)) /* 12 + 5 (h - 1) */

#endif /* CAIRN_ABI_H */
