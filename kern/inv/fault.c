/* SPDX-License-Identifier: MIT */
/*
 * Domain faults; see fault.h.
 */
#include <string.h>
#include <cairn/abi.h>
#include "inv/fault.h"
#include "inv/ipc.h"
#include "dom/proc.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/park.h"
#include "dom/sched.h"
#include "dom/aspace.h"
#include "dom/fpu.h"
#include "hw/riscv.h"
#include "hw/log.h"

/* For the log: the fault's name in CAIRN_FAULTS (cairn/keytab.h). */
static const char *fault_name(uint16_t code)
{
	const char *name = cairn_keytab_fault_name(code);
	return name ? name : "UNKNOWN";
}

static uint16_t classify(uint64_t scause)
{
	switch (scause) {
	case EXC_ILLEGAL_INST:
		return CAIRN_FAULT_ILLEGAL;
	case EXC_BREAKPOINT:
		return CAIRN_FAULT_BREAKPOINT;
	case EXC_INST_MISALIGNED:
	case EXC_LOAD_MISALIGNED:
	case EXC_STORE_MISALIGNED:
		return CAIRN_FAULT_MISALIGNED;
	case EXC_INST_ACCESS:
	case EXC_LOAD_ACCESS:
	case EXC_STORE_ACCESS:
		return CAIRN_FAULT_ACCESS;
	default:
		return CAIRN_FAULT_OTHER;
	}
}

void fault_user_exception(struct activity *a, struct proc *p)
{
	uint64_t scause = p->tf.scause, stval = p->tf.stval;
	enum aspace_access acc;
	switch (scause) {
	case EXC_INST_PAGE_FAULT:
		acc = ACCESS_EXEC;
		break;
	case EXC_LOAD_PAGE_FAULT:
		acc = ACCESS_READ;
		break;
	case EXC_STORE_PAGE_FAULT:
		acc = ACCESS_WRITE;
		break;
	case EXC_ILLEGAL_INST:
		/* With FP off, the first FP instruction lands here. */
		if ((p->tf.sstatus & SSTATUS_FS_MASK) == SSTATUS_FS_OFF && fpu_first_use(p))
			sched_resume(a, p);
		fault_deliver(a, p, CAIRN_FAULT_ILLEGAL, scause, stval, NULL);
	default:
		fault_deliver(a, p, classify(scause), scause, stval, NULL);
	}
	struct aspace_walk w;
	uint16_t code = aspace_handle_fault(p, stval, acc, &w);
	if (code == 0)
		sched_resume(a, p);
	fault_deliver(a, p, code, scause, stval, w.has_keeper ? &w.keeper : NULL);
}

static __attribute__((noreturn)) void halt(struct activity *a, struct proc *p, uint16_t code,
					   uint64_t stval, const char *why)
{
	kctx_commit();
	p->run_state = CAIRN_DOM_HALTED;
	p->fault_code = code;
	p->fault_addr = stval;
	p->dirty = true;
	log_warn("domain %lu halted: %s at pc %#lx, address %#lx (%s)", (unsigned long)p->root_oid,
		 fault_name(code), (unsigned long)p->tf.sepc, (unsigned long)stval, why);
	act_free(a);
	act_wake_stalled(p->root_oid); /* its callers get HALTED */
	if (sched_current == a)
		sched_current = NULL;
	sched_run();
}

void fault_deliver(struct activity *a, struct proc *p, uint16_t code, uint64_t scause,
		   uint64_t stval, const struct key *keeper_key)
{
	struct key keeper = keeper_key ? *keeper_key
				       : node_at(p->root_oid)->slot[CAIRN_DOM_SLOT_KEEPER];
	if (key_check(&keeper) != CAIRN_KEY_START)
		halt(a, p, code, stval, "no keeper");
	uint64_t k_oid = key_oid(&keeper);
	struct proc *k;
	if (proc_get(k_oid, &k) != PROC_OK || k->run_state == CAIRN_DOM_HALTED)
		halt(a, p, code, stval, "its keeper is halted");
	if (k->run_state != CAIRN_DOM_AVAILABLE)
		park_stall(k_oid); /* the retry faults again and gets here */

	struct key keys[CAIRN_MAX_KEYS] = { 0 }; /* all zero: void */
	key_make_object(keys[0].b, CAIRN_KEY_DOMAIN, p->root_oid, node_at(p->root_oid)->alloc_count,
			0, 0);
	struct msg m = {
		.order = code,
		.w = { scause, stval, p->tf.sepc, 0 },
		.info = key_start_badge(&keeper),
		.keys = keys,
		.has_resume = true,
	};
	ipc_make_resume_key(p, true, &m.resume);
	struct delivery d;
	ipc_prepare_delivery(k, &m, &d);

	kctx_commit(); /* ---- nothing below may fail, fault or wait ---- */
	ipc_commit_delivery(&m, &d);
	p->run_state = CAIRN_DOM_WAITING;
	p->fault_code = code;
	p->fault_addr = stval;
	p->dirty = true;
	k->run_state = CAIRN_DOM_RUNNING;
	k->dirty = true;
	log_debug("domain %lu: %s at pc %#lx, address %#lx, to keeper %lu",
		  (unsigned long)p->root_oid, fault_name(code), (unsigned long)p->tf.sepc,
		  (unsigned long)stval, (unsigned long)k_oid);
	sched_transfer(a, k);
}
