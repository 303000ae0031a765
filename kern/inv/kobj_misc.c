/* SPDX-License-Identifier: MIT */
/*
 * Kernel keys with no object of their own: number, discrim, sleep,
 * console. Prepare functions (invoke.h): they validate, gather and say
 * what to reply; the console write is their only effect and happens in
 * commit. Console keys write under their label (cairn/key.h), which the
 * console puts before each of their lines (log.c). With ckpt=sync-console
 * the commit holds the lines instead, until a checkpoint holding the
 * write commits (kern/ckpt/ckpt_console.c); the prepare step may park
 * while the held console is full.
 */
#include <string.h>
#include "inv/invoke.h"
#include "dom/park.h"
#include "dom/proc.h"
#include "hw/timer.h"
#include "dom/act.h"
#include "dom/sched.h"
#include "hw/platform.h"
#include "hw/log.h"
#include "ckpt/ckpt.h"

void kobj_number(struct invocation *inv, struct kop *op)
{
	if (inv->order != CAIRN_OC_NUMBER_READ) {
		op->reply.code = CAIRN_BAD_ORDER;
		return;
	}
	op->reply.w[0] = key_number_lo(inv->target.b);
	op->reply.w[1] = key_number_hi(inv->target.b);
}

void kobj_discrim(struct invocation *inv, struct kop *op)
{
	struct key k0, k1;
	switch (inv->order) {
	case CAIRN_OC_DISCRIM_CLASSIFY:
		invoke_send_key(inv, 0, &k0);
		op->reply.w[0] = key_type(&k0);
		op->reply.w[1] = key_rights(&k0);
		break;
	case CAIRN_OC_DISCRIM_COMPARE:
		invoke_send_key(inv, 0, &k0);
		invoke_send_key(inv, 1, &k1);
		op->reply.w[0] = key_same(k0.b, k1.b) ? 1 : 0;
		break;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}

void kobj_sleep(struct invocation *inv, struct kop *op)
{
	switch (inv->order) {
	case CAIRN_OC_SLEEP_FOR: {
		/* The wait is part of the prepare phase: the invocation parks
		 * until its deadline and then runs again, finding the deadline
		 * it set by the pc of its ecall. So a checkpoint taken meanwhile
		 * holds the domain still at its ecall, and a restart waits the
		 * whole time again: the reply never comes early. */
		struct activity *a = inv->act;
		uint64_t pc = inv->p->tf.sepc;
		if (!a->sleep_deadline || a->sleep_pc != pc) {
			uint64_t ms = inv->w[0];
			if (ms > 1000ULL * 3600 * 24 * 365) /* a year: beyond, the tick math
							       overflows */
				ms = 1000ULL * 3600 * 24 * 365;
			a->sleep_deadline = timer_now() + timer_ms_to_ticks(ms);
			a->sleep_pc = pc;
		}
		if (timer_now() < a->sleep_deadline)
			park_until(a->sleep_deadline);
		a->sleep_deadline = 0; /* done: the next SLEEP FOR starts afresh */
		break;
	}
	case CAIRN_OC_SLEEP_NOW:
		op->reply.w[0] = timer_ticks_to_us(timer_now());
		op->reply.w[1] = platform.timebase_hz;
		break;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}

static uint8_t console_buf[CAIRN_MAX_STRING];

/* op->key is the console key, op->arg[0] its label's length. */
static void console_commit(struct kop *op)
{
	ustring_copy_out(&op->ustr, console_buf);
	console_write_labelled((const char *)op->key.b + CAIRN_KEY_OFF_LABEL, (unsigned)op->arg[0],
			       (char *)console_buf, op->ustr.len);
}

static void console_commit_held(struct kop *op)
{
	ustring_copy_out(&op->ustr, console_buf);
	ckpt_console_append((const char *)op->key.b + CAIRN_KEY_OFF_LABEL, (unsigned)op->arg[0],
			    (const char *)console_buf, op->ustr.len);
}

/* The kernel prefixes what a domain writes with the key's label, so a key
 * without one (or with the kernel's) could only forge: it writes nothing. */
void kobj_console(struct invocation *inv, struct kop *op)
{
	if (inv->order != CAIRN_OC_CONSOLE_WRITE) {
		op->reply.code = CAIRN_BAD_ORDER;
		return;
	}
	size_t label_len = key_console_label(inv->target.b);
	if (label_len == 0) {
		op->reply.code = CAIRN_NO_RIGHTS;
		return;
	}
	uint64_t st = ustring_resolve(inv->p, inv->str_va, inv->str_len, &op->ustr);
	if (st != CAIRN_OK) {
		op->reply.code = st;
		return;
	}
	op->key = inv->target;
	op->arg[0] = label_len;
	op->commit = console_commit;
	if (ckpt_console_held()) {
		/* The pages are pinned: the string may be read now too. */
		ustring_copy_out(&op->ustr, console_buf);
		st = ckpt_console_prepare((const char *)console_buf, op->ustr.len, label_len);
		if (st != CAIRN_OK) {
			op->reply.code = st;
			return;
		}
		op->commit = console_commit_held;
	}
}
