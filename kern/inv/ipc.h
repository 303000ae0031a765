/* SPDX-License-Identifier: MIT */
/*
 * Delivering a message into a domain: the registers, the string into its
 * receive buffer, the keys into its receive capability registers
 * (cairn/abi.h). Used for replies from kernel keys, calls and returns
 * between domains, and fault messages to keepers.
 *
 * The receiver's receive specification is in its own registers: a0's
 * receive fields, t0 (buffer) and t1 (length), as it left them when it
 * called or returned. A buffer the receiver cannot write is the receiver's
 * problem: the string is cut at the first page it cannot write and the
 * info word says TRUNCATED; the sender is never told.
 */
#ifndef CAIRN_KERN_IPC_H
#define CAIRN_KERN_IPC_H

#include "inv/invoke.h"
#include "dom/proc.h"
#include "mem/node.h"
#include "mem/objcache.h"

struct msg {
	uint64_t order;
	uint64_t w[4];
	uint64_t info;              /* badge, CAIRN_INFO_CALL */
	const struct ustring *ustr; /* string from a domain, or NULL */
	const uint8_t *kstr;        /* string from kernel-visible memory, or NULL */
	uint32_t len;
	const struct key *keys; /* CAIRN_MAX_KEYS of them, void where none is sent */
	bool has_resume;
	struct key resume;
};

struct delivery {
	struct proc *rcv;
	uint32_t len; /* bytes that will be copied */
	bool truncated;
	uint64_t buf_va;
	unsigned npages;
	uint64_t page_oid[USTR_MAX_PAGES];
	bool store_keys;
};

/* Prepare phase: resolve and pin everything the delivery will write. */
void ipc_prepare_delivery(struct proc *rcv, const struct msg *m, struct delivery *d);
/* Prepare to store keys into cached domain rcv's capability node (not
 * NULL): dirty it, and drop page tables if an address space uses it. */
void ipc_caps_prepare_write(struct proc *rcv);
/* Commit phase: write it. */
void ipc_commit_delivery(const struct msg *m, const struct delivery *d);

/* The key a CALL gives the callee: one-shot resume key to `p`. `fault`
 * makes it a restart key that delivers no message. */
void ipc_make_resume_key(struct proc *p, bool fault, struct key *out);

/* A message's send and receive slot fields (cairn/abi.h), and a7's string length. */
#define IPC_SLOTS_SEND_MASK    (0xfffffULL << CAIRN_SLOTS_SEND_SHIFT) /* 4 x 5 bits */
#define IPC_SLOTS_RECV_MASK    (0xfffffULL << CAIRN_SLOTS_RECV_SHIFT) /* 4 x 5 bits */
#define IPC_A7_STRING_LEN_MASK 0xffff0000ULL

/* Prepare to change node `oid`, whose pot f is held by the process cache.
 * obj_prepare_write does nothing more than pin a block that is already
 * dirty in this epoch, and a held pot needs no pin; otherwise it runs
 * (log space, copy-before-write: it may park, which is still prepare). */
static inline void held_prepare_write(const struct frame *f, uint64_t oid)
{
	if (!(f->obj_flags & OBJF_DIRTY))
		node_prepare_write(oid);
}

#endif
