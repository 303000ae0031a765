/* SPDX-License-Identifier: MIT */
/*
 * The activity table and its lists; see act.h.
 */
#include <string.h>
#include "act.h"
#include "proc.h"
#include "panic.h"

static struct activity table[ACT_MAX];
static struct activity *free_list;
static unsigned live;
static struct act_list stalled;
struct act_list run_queue;

void act_init(void)
{
	memset(table, 0, sizeof(table));
	free_list = NULL;
	for (int i = ACT_MAX - 1; i >= 0; i--) {
		table[i].next = free_list;
		free_list = &table[i];
	}
	live = 0;
	memset(&run_queue, 0, sizeof(run_queue));
	memset(&stalled, 0, sizeof(stalled));
}

struct activity *act_alloc(uint64_t root_oid)
{
	struct activity *a = free_list;
	if (!a)
		return NULL;
	free_list = a->next;
	memset(a, 0, sizeof(*a));
	a->root_oid = root_oid;
	a->state = ACT_READY;
	live++;
	return a;
}

void act_free(struct activity *a)
{
	act_list_remove(a);
	ktimer_cancel(&a->timer);
	if (a->proc && a->proc->act == a)
		a->proc->act = NULL;
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
	act_park(a, ACT_STALLED, &stalled);
}

static __attribute__((noinline)) void wake_stalled(uint64_t oid)
{
	struct activity *a = stalled.head;
	while (a) {
		struct activity *next = a->next;
		if (a->stalled_on == oid)
			act_ready(a);
		a = next;
	}
}

/* Every RETURN comes here, and usually nobody is stalled. */
void act_wake_stalled(uint64_t oid)
{
	if (stalled.head)
		wake_stalled(oid);
}

void act_for_each(void (*fn)(struct activity *a, void *arg), void *arg)
{
	for (int i = 0; i < ACT_MAX; i++)
		if (table[i].state != ACT_FREE)
			fn(&table[i], arg);
}
