/* SPDX-License-Identifier: MIT */
/*
 * The process cache; see proc.h.
 */
#include <string.h>
#include <cairn/abi.h>
#include "dom/proc.h"
#include "key/key.h"
#include "dom/kctx.h"
#include "dom/act.h"
#include "mem/vm.h"
#include "dom/aspace.h"
#include "dom/fpu.h"
#include "hw/riscv.h"
#include "hw/panic.h"

static struct proc procs[PROC_MAX];
struct proc *proc_hash[PROC_HASH_BUCKETS];

extern void *kernel_tls_pointer(void);

void proc_init(void)
{
	memset(procs, 0, sizeof(procs));
	memset(proc_hash, 0, sizeof(proc_hash));
	for (int i = 0; i < PROC_MAX; i++)
		procs[i].root_oid = OID_NONE;
}

void proc_for_each(void (*fn)(struct proc *p, void *arg), void *arg)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].root_oid != OID_NONE)
			fn(&procs[i], arg);
}

/* Keep the pots of a cached domain's root, register and capability nodes
 * resident; returns the pot's frame. */
static struct frame *pot_hold(uint64_t oid, int delta)
{
	if (oid == OID_NONE)
		return NULL;
	struct frame *f = obj_frame(OBJ_NODEPOT, node_pot(oid));
	kassert(f != NULL);
	f->aux = (uint64_t)((int64_t)f->aux + delta);
	return f;
}

static uint64_t number_or_zero(const struct key *k)
{
	return key_type(k) == CAIRN_KEY_NUMBER ? key_number_lo(k->b) : 0;
}

static uint64_t number_hi_or_zero(const struct key *k)
{
	return key_type(k) == CAIRN_KEY_NUMBER ? key_number_hi(k->b) : 0;
}

void proc_writeback(struct proc *p)
{
	fpu_sync(p);
	if (!p->dirty)
		return;
	/* Prepare every node first, so the writes below cannot fault. */
	node_prepare_write(p->root_oid);
	node_prepare_write(p->gprs_oid);
	bool save_fp = p->fp_used && p->fprs_oid != OID_NONE;
	if (save_fp)
		node_prepare_write(p->fprs_oid);

	struct knode *g = node_at(p->gprs_oid);
	key_make_number(g->slot[0].b, p->tf.sepc, 0);
	for (int r = 1; r < 32; r++)
		key_make_number(g->slot[r].b, p->tf.regs[r], 0);
	if (save_fp) {
		struct knode *f = node_at(p->fprs_oid);
		for (int r = 0; r < 32; r++)
			key_make_number(f->slot[r].b, p->fregs[r], 0);
	}
	struct knode *root = node_at(p->root_oid);
	key_make_number(root->slot[CAIRN_DOM_SLOT_STATE].b,
			(uint64_t)p->run_state | ((uint64_t)p->fault_code << 8), p->fault_addr);
	key_make_number(root->slot[CAIRN_DOM_SLOT_FCSR].b, p->fcsr, p->fp_used ? 1 : 0);
	p->dirty = false;
}

static void unload(struct proc *p)
{
	proc_drop_tables(p);
	fpu_forget(p);
	pot_hold(p->root_oid, -1);
	pot_hold(p->gprs_oid, -1);
	pot_hold(p->fprs_oid, -1);
	pot_hold(p->caps_oid, -1);
	struct proc **pp = &proc_hash[proc_bucket(p->root_oid)];
	while (*pp != p)
		pp = &(*pp)->hash_next;
	*pp = p->hash_next;
	if (p->act)
		act_detach(p->act); /* it keeps waiting; act_find still finds it */
	memset(p, 0, sizeof(*p));
	p->root_oid = OID_NONE;
}

static bool in_use(const struct proc *p)
{
	return p->last_use == kctx_stamp || (kctx_act && kctx_act->proc == p);
}

/* A free entry, writing back and evicting the least recently used one if
 * none is free. */
static struct proc *free_entry(void)
{
	struct proc *victim = NULL;
	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *p = &procs[i];
		if (p->root_oid == OID_NONE)
			return p;
		if (in_use(p))
			continue;
		if (!victim || (int32_t)(p->last_use - victim->last_use) < 0)
			victim = p;
	}
	kassert(victim != NULL); /* an entry uses at most two per kernel entry */
	proc_writeback(victim);
	unload(victim);
	return victim;
}

/*
 * A root slot naming one of the domain's nodes (registers, FP registers,
 * capability registers). The kernel writes registers and received keys
 * into these nodes and uses the keys stored in the capability node with
 * their full rights, so the slot must hold a node key with neither RO nor
 * WEAK: whoever built the domain must have held full authority over each
 * node, exactly as if they had written it themselves (docs/design.md
 * invariant 9; docs/invocations.md, "Building domains: rights"). An optional slot may also be void
 * (or hold a rescinded key): the domain then has no such node. key_check pins the node's pot when
 * the key is valid.
 */
static bool domain_node(const struct key *k, bool optional, uint64_t *oid)
{
	*oid = OID_NONE;
	uint8_t type = key_check(k);
	if (type == CAIRN_KEY_VOID)
		return optional;
	if (type != CAIRN_KEY_NODE || (key_rights(k) & (CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK)))
		return false;
	*oid = key_oid(k);
	return true;
}

enum proc_status proc_get(uint64_t root_oid, struct proc **out)
{
	struct proc *p = proc_lookup(root_oid);
	if (p) {
		p->last_use = kctx_stamp;
		*out = p;
		return PROC_OK;
	}
	if (!node_oid_ok(root_oid))
		return PROC_NOT_DOMAIN;

	/* Gather: every node this domain's entry is made from. */
	node_pin(root_oid);
	struct knode *root = node_at(root_oid);
	uint64_t gprs, fprs, caps;
	if (!domain_node(&root->slot[CAIRN_DOM_SLOT_GPRS], false, &gprs) ||
	    !domain_node(&root->slot[CAIRN_DOM_SLOT_FPRS], true, &fprs) ||
	    !domain_node(&root->slot[CAIRN_DOM_SLOT_CAPS], true, &caps))
		return PROC_NOT_DOMAIN;
	node_pin(gprs);
	if (fprs != OID_NONE)
		node_pin(fprs);
	/* Aliased nodes would corrupt each other: the register nodes are
	 * written back over whatever else is stored in them. */
	if (gprs == root_oid || fprs == root_oid || fprs == gprs || caps == root_oid ||
	    caps == gprs || (caps != OID_NONE && caps == fprs))
		return PROC_NOT_DOMAIN;

	p = free_entry(); /* may write another domain back: still prepare */

	/* Fill: nothing below can fault (every node above is pinned). */
	memset(p, 0, sizeof(*p));
	p->root_oid = root_oid;
	p->gprs_oid = gprs;
	p->fprs_oid = fprs;
	p->caps_oid = caps;
	const struct knode *g = node_at(gprs);
	p->tf.sepc = number_or_zero(&g->slot[0]);
	for (int r = 1; r < 32; r++)
		p->tf.regs[r] = number_or_zero(&g->slot[r]);
	const struct key *st = &root->slot[CAIRN_DOM_SLOT_STATE];
	p->run_state = (uint8_t)number_or_zero(st);
	p->fault_code = (uint16_t)(number_or_zero(st) >> 8);
	p->fault_addr = number_hi_or_zero(st);
	const struct key *fc = &root->slot[CAIRN_DOM_SLOT_FCSR];
	p->fcsr = number_or_zero(fc);
	p->fp_used = (number_hi_or_zero(fc) & 1) && fprs != OID_NONE;
	if (p->fp_used) {
		const struct knode *fn = node_at(fprs);
		for (int r = 0; r < 32; r++)
			p->fregs[r] = number_or_zero(&fn->slot[r]);
	}
	p->tf.sstatus = SSTATUS_SPIE; /* U-mode, interrupts on after sret */
	p->tf.kernel_sp = (uint64_t)kernel_stack_top;
	p->tf.kernel_tp = (uint64_t)kernel_tls_pointer();
	p->last_use = kctx_stamp;
	p->hash_next = proc_hash[proc_bucket(root_oid)];
	proc_hash[proc_bucket(root_oid)] = p;
	p->root = root;
	p->root_pot = pot_hold(root_oid, 1);
	pot_hold(gprs, 1);
	pot_hold(fprs, 1);
	p->caps = caps != OID_NONE ? node_at(caps) : NULL;
	p->caps_pot = pot_hold(caps, 1);
	*out = p;
	return PROC_OK;
}

void proc_release_node(uint64_t oid, bool with_caps)
{
	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *p = &procs[i];
		if (p->root_oid == OID_NONE)
			continue;
		if (p->root_oid != oid && p->gprs_oid != oid && p->fprs_oid != oid &&
		    !(with_caps && p->caps_oid == oid))
			continue;
		proc_writeback(p);
		unload(p);
	}
}

void proc_drop_tables(struct proc *p)
{
	if (!p->pt_root)
		return;
	aspace_free_tables(p->pt_root);
	p->pt_root = 0;
}

bool proc_get_reg(struct proc *p, unsigned reg, uint64_t *value)
{
	if (reg == CAIRN_REG_PC)
		*value = p->tf.sepc;
	else if (reg < 32)
		*value = p->tf.regs[reg];
	else if (reg < 64)
		*value = p->fp_used ? fpu_read(p, reg - 32) : 0;
	else if (reg == CAIRN_REG_FCSR)
		*value = p->fcsr;
	else
		return false;
	return true;
}

bool proc_set_reg(struct proc *p, unsigned reg, uint64_t value)
{
	if (reg == CAIRN_REG_PC)
		p->tf.sepc = value;
	else if (reg < 32)
		p->tf.regs[reg] = value;
	else if (reg < 64 || reg == CAIRN_REG_FCSR) {
		if (p->fprs_oid == OID_NONE)
			return false;
		fpu_write(p, reg, value);
	} else
		return false;
	p->dirty = true;
	return true;
}
