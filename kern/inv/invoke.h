/* SPDX-License-Identifier: MIT */
/*
 * Invocation: what a domain's ecall asks for (cairn/abi.h), and the
 * two-phase shape every kernel key's operation has.
 *
 * THE RULE (docs/design.md invariant 4): no step before kctx_commit() may change
 * anything a domain can observe. The prepare phase reads, validates, faults
 * objects in, pins them and marks the ones it will change dirty; it may be
 * abandoned and restarted from the beginning at any point. The commit
 * phase cannot fail, fault or wait. Then the kernel acts: it delivers the
 * reply and picks who runs.
 *
 * A kernel key's operation is a prepare function that fills a `kop`: the
 * reply to give and, if the operation changes anything, a commit function
 * with the arguments it needs.
 */
#ifndef CAIRN_KERN_INVOKE_H
#define CAIRN_KERN_INVOKE_H

#include <stdint.h>
#include <stdbool.h>
#include <cairn/abi.h>
#include <cairn/keytab.h>
#include "key/key.h"
#include "inv/ustring.h"
#include "dom/proc.h"

struct proc;
struct activity;

struct invocation {
	struct activity *act;
	struct proc *p;      /* the invoker */
	unsigned op;         /* CAIRN_SYS_* */
	uint64_t slots;      /* the slot word (a0) */
	uint64_t order;      /* a1 */
	uint64_t w[4];       /* a2..a5 */
	uint64_t str_va;     /* a6 */
	uint32_t str_len;    /* a7 bits 16..31 */
	struct key target;   /* the invoked key as it was read */
	uint8_t target_type; /* its type, VOID if invalid */
};

/* The reply a kernel key gives. */
struct kreply {
	uint64_t code;
	uint64_t w[4];
	const uint8_t *str; /* kernel-visible source (pinned), or NULL */
	uint32_t len;
	struct key keys[CAIRN_MAX_KEYS];
};

struct kop;
typedef void (*kop_commit_fn)(struct kop *op);

/* An object a RANGE order works on (kobj_range.c): a batch has up to three. */
struct kop_obj {
	uint64_t oid;
	struct frame *frame; /* a page's frame, pinned by prepare */
	bool page;
	bool zero; /* a page known to be zero (OBJF_ZERO): left as it is */
};

struct kop {
	struct kreply reply;
	kop_commit_fn commit; /* NULL: the operation changes nothing */
	/* The prepare function says its commit changes no node (nothing, or
	 * pages only), so that a RETURN may hand its reply on to a waiting
	 * domain (invoke.c kernel_reply_onward): no domain's own nodes can
	 * change under the delivery. */
	bool reply_onward_ok;
	uint64_t oid; /* arguments for commit */
	uint64_t arg[4];
	struct key key;
	struct proc *proc;
	struct kop_obj objs[CAIRN_MAX_KEYS - 1];
	unsigned nobjs;
	struct ustring ustr;
};

/* The current domain executed ecall and the fast path (inv/ipc_fast.h,
 * expanded in entry/uentry.c) did not take it: every invocation. Never
 * returns. A function apart, so that the fast path does not pay for its
 * frame. */
__attribute__((noreturn)) void invoke_general(struct activity *a, struct proc *p);

/* Capability register `slot` of p, read in place and unpinned (never
 * faults): the process cache holds the capability node's pot resident
 * while p is cached (dom/proc.h), and the invoker's entry is never evicted
 * or released during its own invocation (proc.c in_use, kobj_node_access's
 * CAIRN_SELF). Slot 0, and every slot of a domain with no capability node,
 * read as void. */
static inline const struct key *invoke_cap(struct proc *p, unsigned slot)
{
	if (slot == 0 || slot >= CAIRN_CAP_REGS || !p->caps)
		return &key_void;
	return &p->caps->slot[slot];
}

/* The i-th key sent with the invocation, validity-checked (void if invalid). */
void invoke_send_key(const struct invocation *inv, unsigned i, struct key *out);

/*
 * Per key type: the prepare function, the `prepare` column of
 * CAIRN_KEY_TYPES (cairn/keytab.h), declared here by expanding it. Each
 * kobj_*.c defines its type's; invoke.c defines the two it answers
 * itself: invoke_void (VOID) and invoke_domain_key (START, RESUME: the
 * message goes to a domain, so it never returns).
 */
typedef void kobj_prepare_fn(struct invocation *inv, struct kop *op);
#define CAIRN_X(name, code, object, weak, prepare, word, desc) kobj_prepare_fn prepare;
CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X

/* A node operation may not touch the invoker's own root or register nodes
 * (nor rescind its capability node), and must see a cached domain's state
 * written back first; a rescind also detaches every cached domain using
 * the node as its capability node. Returns CAIRN_OK or CAIRN_SELF.
 * Prepare phase. */
uint64_t kobj_node_access(struct invocation *inv, uint64_t oid, bool rescind);

/* Commit: node `oid` was changed through a node or range key. If it roots
 * a domain that no longer says RUNNING, the domain's activity goes, and
 * callers stalled on it try again (act_root_changed). */
void kobj_node_changed(uint64_t oid);

#endif
