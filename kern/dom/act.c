/* SPDX-License-Identifier: MIT */
/*
 * The activity table, its lists and the one-activity-per-root rule; see
 * act.h.
 */
#include <string.h>
#include "dom/act.h"
#include "dom/proc.h"
#include "dom/kctx.h"
#include "mem/karea.h"
#include "ckpt/ckpt.h"
#include "dev/volume.h"
#include "mem/vm.h"
#include "hw/memlayout.h"
#include "hw/panic.h"

#define DETACHED_BUCKETS 256

static struct karea area; /* the table: table[0, count) mapped */
static struct activity *const table = (struct activity *)ACT_AREA_BASE;
static uint64_t count, count_max;
static struct activity *free_list;
static unsigned live;
struct act_list act_stalled; /* act.h: callers waiting for a busy domain */
static struct activity *detached[DETACHED_BUCKETS];
struct act_list run_queue;

void act_init(void)
{
	if (!vm_reserve(ACT_AREA_BASE, ACT_AREA_SIZE))
		panic("no memory for the activity table's page tables");
	area = (struct karea){ .base = ACT_AREA_BASE, .size = ACT_AREA_SIZE };
	count = 0;
	count_max = ACT_AREA_SIZE / sizeof(struct activity);
	if (volume_sb.node_count < count_max)
		count_max = volume_sb.node_count; /* one root each */
	memset(detached, 0, sizeof(detached));
	free_list = NULL;
	live = 0;
	memset(&run_queue, 0, sizeof(run_queue));
	memset(&act_stalled, 0, sizeof(act_stalled));
}

/* --- detached activities, hashed by root --------------------------- */

static struct activity **bucket_of(uint64_t oid)
{
	return &detached[(oid * 0x9e3779b97f4a7c15ULL) >> 56];
}

static void hash_insert(struct activity *a)
{
	struct activity **b = bucket_of(a->root_oid);
	a->hprev = NULL;
	a->hnext = *b;
	if (*b)
		(*b)->hprev = a;
	*b = a;
}

static void hash_remove(struct activity *a)
{
	if (a->hprev)
		a->hprev->hnext = a->hnext;
	else
		*bucket_of(a->root_oid) = a->hnext;
	if (a->hnext)
		a->hnext->hprev = a->hprev;
	a->hnext = a->hprev = NULL;
}

void act_detach(struct activity *a)
{
	kassert(a->proc != NULL);
	if (a->proc->act == a)
		a->proc->act = NULL;
	a->proc = NULL;
	hash_insert(a);
}

void act_attach(struct activity *a, struct proc *p)
{
	kassert(p->root_oid == a->root_oid && (p->act == NULL || p->act == a));
	if (!a->proc)
		hash_remove(a);
	a->proc = p;
	p->act = a;
}

struct activity *act_find(uint64_t root_oid)
{
	struct proc *p = proc_lookup(root_oid);
	if (p && p->act)
		return p->act;
	for (struct activity *a = *bucket_of(root_oid); a; a = a->hnext)
		if (a->root_oid == root_oid)
			return a;
	return NULL;
}

/* --- giving a domain its activity ---------------------------------- */

/* One more page of the table, its entries on the free list. */
static bool grow(bool may_park)
{
	uint64_t n = (area.mapped + 4096) / sizeof(struct activity);
	if (n > count_max)
		n = count_max;
	if (n <= count || !ckpt_threads_reserve(n, may_park) ||
	    !karea_grow(&area, n * sizeof(struct activity), may_park))
		return false;
	for (uint64_t i = n; i-- > count;) {
		table[i].state = ACT_FREE; /* zeroed by the fresh frame */
		table[i].next = free_list;
		free_list = &table[i];
	}
	count = n;
	return true;
}

bool act_can_start(uint64_t root_oid)
{
	return free_list != NULL || act_find(root_oid) != NULL || grow(kctx_act != NULL);
}

struct activity *act_start(uint64_t root_oid, struct proc *p)
{
	struct activity *a = act_find(root_oid);
	if (a) {
		/* A stale activity left from an earlier life of this root (it
		 * was parked when the domain stopped): the same record serves
		 * the new one, so no root is ever named twice. */
		if (a->proc && a->proc != p)
			act_detach(a);
		act_list_remove(a);
		ktimer_cancel(&a->timer);
		a->io_error = false;
		a->node_io_retries = 0;
		a->stalled_on = 0;
		a->sleep_deadline = 0;
	} else {
		a = free_list;
		kassert(a != NULL); /* act_can_start said so */
		free_list = a->next;
		memset(a, 0, sizeof(*a));
		a->root_oid = root_oid;
		live++;
		hash_insert(a);
	}
	if (p)
		act_attach(a, p);
	act_ready(a);
	return a;
}

void act_free(struct activity *a)
{
	act_list_remove(a);
	ktimer_cancel(&a->timer);
	if (a->proc) {
		if (a->proc->act == a)
			a->proc->act = NULL;
	} else {
		hash_remove(a);
	}
	memset(a, 0, sizeof(*a));
	a->state = ACT_FREE;
	a->next = free_list;
	free_list = a;
	live--;
}

unsigned act_count(void)
{
	return live;
}

void act_list_push(struct act_list *l, struct activity *a)
{
	kassert(a->list == NULL);
	a->next = NULL;
	a->prev = l->tail;
	if (l->tail)
		l->tail->next = a;
	else
		l->head = a;
	l->tail = a;
	a->list = l;
	l->count++;
}

void act_list_remove(struct activity *a)
{
	struct act_list *l = a->list;
	if (!l)
		return;
	if (a->prev)
		a->prev->next = a->next;
	else
		l->head = a->next;
	if (a->next)
		a->next->prev = a->prev;
	else
		l->tail = a->prev;
	a->next = a->prev = NULL;
	a->list = NULL;
	l->count--;
}

struct activity *act_list_pop(struct act_list *l)
{
	struct activity *a = l->head;
	if (a)
		act_list_remove(a);
	return a;
}

void act_ready(struct activity *a)
{
	act_list_remove(a);
	ktimer_cancel(&a->timer);
	a->state = ACT_READY;
	act_list_push(&run_queue, a);
}

void act_park(struct activity *a, enum act_state s, struct act_list *l)
{
	act_list_remove(a);
	a->state = s;
	if (l)
		act_list_push(l, a);
}

void act_wake_all(struct act_list *l)
{
	struct activity *a;
	while ((a = act_list_pop(l)) != NULL)
		act_ready(a);
}

void act_stall(struct activity *a, uint64_t oid)
{
	a->stalled_on = oid;
	act_park(a, ACT_STALLED, &act_stalled);
}

static __attribute__((noinline)) void wake_stalled(uint64_t oid)
{
	struct activity *a = act_stalled.head;
	while (a) {
		struct activity *next = a->next;
		if (a->stalled_on == oid)
			act_ready(a);
		a = next;
	}
}

struct activity *act_wake_next_caller_slow(uint64_t oid)
{
	/* The stalled list is in the order the activities stalled, so the
	 * first one on oid has waited longest. */
	for (struct activity *a = act_stalled.head; a; a = a->next)
		if (a->stalled_on == oid) {
			act_ready(a);
			return a;
		}
	return NULL;
}

/* Halts, rescinds, a domain gone: every caller stalled on it learns. */
void act_wake_stalled(uint64_t oid)
{
	if (act_stalled.head)
		wake_stalled(oid);
}

void act_root_changed(uint64_t oid, bool still_running)
{
	act_wake_stalled(oid); /* it may have halted or stopped being a domain */
	if (still_running)
		return;
	struct activity *own = act_find(oid);
	if (own) {
		kassert(own != kctx_act); /* SELF keeps the invoker's root */
		act_free(own);
	}
}

void act_for_each(void (*fn)(struct activity *a, void *arg), void *arg)
{
	for (uint64_t i = 0; i < count; i++)
		if (table[i].state != ACT_FREE)
			fn(&table[i], arg);
}
