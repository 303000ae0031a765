/* SPDX-License-Identifier: MIT */
/*
 * The checkpoint hooks before the checkpointer exists: no log to reserve,
 * nothing owed to a snapshot, every block at its home location. Dirty
 * objects therefore stay in memory (objcache.c never evicts them).
 */
#include "ckpt_hooks.h"
#include "invoke.h"

void ckpt_reserve_dirty(struct frame *f)
{
	(void)f;
}

void ckpt_before_write(struct frame *f)
{
	(void)f;
}

uint64_t ckpt_locate(int obj_class, uint64_t index, uint64_t home_block)
{
	(void)obj_class;
	(void)index;
	return home_block;
}

void ckpt_memory_pressure(void)
{
}

void ckpt_before_run(struct proc *p)
{
	(void)p;
}

void kobj_checkpoint(struct invocation *inv, struct kop *op)
{
	(void)inv;
	op->reply.code = CAIRN_BAD_ORDER;
}
