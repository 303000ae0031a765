/* SPDX-License-Identifier: MIT */
/*
 * The process cache: domains loaded from their nodes into a form the
 * hardware can run (EROS's "process table").
 *
 * A domain is four nodes (cairn/abi.h): root, registers, FP registers,
 * capability registers. While a domain is cached its registers, pc, FP
 * state and run state live here and the register nodes are stale; the
 * cache writes them back when the entry is evicted, when someone operates
 * on those nodes through a node key (proc_release_node), and at every
 * checkpoint. Node pots holding a cached domain's root, register or
 * capability nodes are kept resident (frame.aux counts them) so that the
 * write-back never has to wait for a read and the IPC fast path (ipc.c)
 * can read and write them without faults or page-table walks (root, caps
 * and their pots' frames). The capability node and the root's other
 * slots are not cached: the kernel reads them in place.
 *
 * The cache is not persistent: after a restart it starts empty.
 */
#ifndef CAIRN_KERN_PROC_H
#define CAIRN_KERN_PROC_H

#include <stdint.h>
#include <stdbool.h>
#include "entry/trap.h"
#include "mem/node.h"
#include "dom/act.h"

#define PROC_MAX 64

struct activity;

struct proc {
	uint64_t root_oid; /* OID_NONE when the entry is free */
	uint64_t gprs_oid;
	uint64_t fprs_oid;      /* OID_NONE: no FP register node */
	uint64_t caps_oid;      /* OID_NONE: every capability register is void */
	struct knode *root;     /* the root and capability nodes in the node */
	struct knode *caps;     /* pool (NULL: no capability node), and the */
	struct frame *root_pot; /* resident frames of their pots */
	struct frame *caps_pot;
	struct trap_frame tf; /* x1..x31, pc in tf.sepc */
	uint64_t fregs[32];
	uint64_t fcsr;
	bool fp_used;        /* FP state is meaningful (fregs valid) */
	uint8_t run_state;   /* CAIRN_DOM_* */
	uint16_t fault_code; /* last fault (CAIRN_FAULT_*), 0 if none */
	uint64_t fault_addr;
	uint64_t pt_root; /* 0: no page tables built yet */
	struct activity *act;
	/* The caller this (available) domain was handed to: the oldest of
	 * the callers stalled on it, woken at its RETURN (act_wake_next_caller).
	 * While that activity is ready and has not run, a CALL by anybody else
	 * yields to it, so that a caller which had to wait is not overtaken by
	 * one that gets the processor handed to it (the server's previous
	 * caller, calling again at once). Not persistent: a restart retries
	 * every call anyway. */
	struct activity *next_caller;
	bool dirty; /* cached state newer than the nodes */
	uint32_t last_use;
	uint64_t ckpt_epoch; /* checkpoint epoch its nodes were last dirtied in */
	struct proc *hash_next;
};

/* Is p, available, handed to a stalled caller other than a that has not
 * had its turn yet (next_caller)? A stale hand-off (that activity ran and
 * went elsewhere, or is gone) is dropped here. */
static inline bool proc_handed_to_other(struct proc *p, const struct activity *a)
{
	struct activity *n = p->next_caller;
	if (!n)
		return false;
	if (n == a || n->state != ACT_READY) {
		p->next_caller = NULL;
		return false;
	}
	return true;
}

enum proc_status {
	PROC_OK = 0,
	PROC_NOT_DOMAIN, /* the root's register, FP or capability slot holds no
			  * full-rights node key (the register slot) or a key
			  * that is not one (the optional FP and capability slots) */
};

void proc_init(void);

/* The cached domains by root OID: PROC_HASH_BUCKETS chains (proc.c keeps
 * them; inline here for the IPC fast path's lookup). */
#define PROC_HASH_BUCKETS 128
extern struct proc *proc_hash[PROC_HASH_BUCKETS];

static inline unsigned proc_bucket(uint64_t oid)
{
	return (unsigned)((oid * 0x9e3779b97f4a7c15ULL) >> 57) % PROC_HASH_BUCKETS;
}

/* The cached domain with this root, or NULL. Never faults. */
__attribute__((always_inline)) static inline struct proc *proc_lookup(uint64_t root_oid)
{
	for (struct proc *p = proc_hash[proc_bucket(root_oid)]; p; p = p->hash_next)
		if (p->root_oid == root_oid)
			return p;
	return NULL;
}

/* Load (or find) the domain rooted at root_oid. Prepare phase: may fault
 * nodes in, may evict another entry (writing it back), may abandon the
 * operation. The entry stays cached at least until the next kernel entry. */
enum proc_status proc_get(uint64_t root_oid, struct proc **out);

/* Write p's cached state back into its nodes (prepare phase). */
void proc_writeback(struct proc *p);

/* If node `oid` is the root or a register node of a cached domain (or,
 * with_caps, its capability node), write that domain back and drop it from
 * the cache (prepare phase), so that the node's contents are current
 * before a node key reads or changes them, and so that a rescinded node is
 * no longer used through the cache's pointers (the reload checks the
 * root's keys again). */
void proc_release_node(uint64_t oid, bool with_caps);

/* Drop p's page tables (its address space changed). */
void proc_drop_tables(struct proc *p);

/* Visit every cached domain. */
void proc_for_each(void (*fn)(struct proc *p, void *arg), void *arg);

/* The register value for DOMAIN GET_REG/SET_REG numbering (cairn/abi.h). */
bool proc_get_reg(struct proc *p, unsigned reg, uint64_t *value);
bool proc_set_reg(struct proc *p, unsigned reg, uint64_t value);

#endif
