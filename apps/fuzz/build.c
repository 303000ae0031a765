/* SPDX-License-Identifier: MIT */
/*
 * fuzz: how the fuzzer builds its children and watches them. Child i
 * lives in a fixed block of CHILD_NODES nodes and one page (place_of):
 * the protected ones in the full ranges, the wild ones in the wild
 * sub-ranges; build_child() rescinds the whole block first and makes the
 * domain afresh from it, its domain key in registry slot i. The fuzzer
 * never waits on a child: it reads the child's mailbox through its stack
 * page key, polling for at most the milliseconds it asks (wait_rounds).
 * Here too: the fuzzer's calls to the protected echo, which must count
 * exactly those (check_echo_books).
 */
#include "fuzz.h"

/* --- node and page helpers ---------------------------------------------- */

uint64_t node_write_number(cap_t node, unsigned slot, uint64_t lo)
{
	struct cairn_io io = { .w = { slot, lo, 0 } };
	return cairn_inv_NODE_WRITE_NUMBER(node, &io);
}

uint64_t make_space(cap_t node, unsigned height, uint64_t rights, cap_t into)
{
	struct cairn_io io = { .w = { height, rights }, .rkeys = { into } };
	return cairn_inv_NODE_MAKE_SPACE(node, &io);
}

uint64_t make_domain(cap_t node, cap_t into)
{
	struct cairn_io io = { .rkeys = { into } };
	return cairn_inv_NODE_MAKE_DOMAIN(node, &io);
}

static uint64_t page_zero(cap_t page)
{
	struct cairn_io io = { 0 };
	return cairn_inv_PAGE_ZERO(page, &io);
}

uint64_t space_rights(cap_t space, uint64_t *rights)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_SPACE_INFO(space, &io);
	*rights = io.w[1];
	return rc;
}

/* Where child i lives. */
struct place place_of(unsigned i)
{
	if (i < PROT_CHILDREN)
		return (struct place){ CAP_NODES, CAP_PAGES, PROT_NODE(i), i };
	unsigned w = i - WILD0;
	return (struct place){ CAP_WILD_NODES, CAP_WILD_PAGES, (uint64_t)CHILD_NODES * w, w };
}

/* A key to node `which` (N_ROOT...) of child i, into `into`. */
uint64_t child_node(unsigned i, unsigned which, cap_t into)
{
	struct place pl = place_of(i);
	return cairn_range_make_key(pl.nodes, pl.node + which, into);
}

/* The mailbox of child i, read through its stack page. */
bool read_mailbox(unsigned i, struct mailbox *mb)
{
	struct place pl = place_of(i);
	memset(mb, 0, sizeof *mb);
	if (cairn_range_make_key(pl.pages, pl.page, T0) != CAIRN_OK)
		return false;
	size_t n = offsetof(struct mailbox, rbuf);
	struct cairn_io io = { .w = { 0, n }, .buf = mb, .max = n };
	return cairn_inv_PAGE_READ(T0, &io) == CAIRN_OK && io.rlen == n;
}

/* Every object of child i rescinded: every key to them is void. */
void rescind_child(unsigned i)
{
	struct place pl = place_of(i);
	for (unsigned n = 0; n < CHILD_NODES; n++)
		must(cairn_range_rescind(pl.nodes, pl.node + n), "rescind a child's node");
	must(cairn_range_rescind(pl.pages, pl.page), "rescind a child's page");
	fz.children[i].built = false;
}

/* Build child i from its objects, fresh (all rescinded first), and start
 * it; its domain key ends in registry slot i and in T4. */
bool build_child(unsigned i, const struct recipe *r)
{
	struct place pl = place_of(i);
	rescind_child(i);
	bool ok = true;
	/* The capability node. */
	ok = ok && must(child_node(i, N_CAPS, T0), "caps node");
	ok = ok && must(cairn_node_swap(T0, 1, CAIRN_CAP_CONSOLE, 0), "caps console");
	ok = ok && must(cairn_node_swap(T0, 2, CAIRN_CAP_SLEEP, 0), "caps sleep");
	for (unsigned k = 0; ok && k < 8; k++)
		if (r->extra[k])
			ok = must(cairn_node_swap(T0, 3 + k, r->extra[k], 0), "caps extra");
	if (ok && i < PROT_CHILDREN)
		ok = must(node_write_number(T0, CC_PROTECTED, PROTECTED_MARK), "protected mark");
	/* The address space: the fuzzer's first 4 MiB (weak) and a stack page. */
	ok = ok && must(cairn_range_make_key(pl.pages, pl.page, T1), "stack page");
	ok = ok && must(page_zero(T1), "zero the stack page");
	ok = ok && must(child_node(i, N_S1, T2), "space h1");
	ok = ok && must(cairn_node_swap(T2, 31, T1, 0), "h1 slot 31");
	ok = ok && must(make_space(T2, 1, CAIRN_RIGHT_NX, T2), "h1 space key");
	ok = ok && must(child_node(i, N_S2, T1), "space h2");
	ok = ok && must(cairn_node_swap(T1, 31, T2, 0), "h2 slot 31");
	ok = ok && must(make_space(T1, 2, 0, T1), "h2 space key");
	ok = ok && must(child_node(i, N_S3, T2), "space h3");
	ok = ok && must(cairn_node_swap(T2, 31, T1, 0), "h3 slot 31");
	ok = ok && must(cairn_node_swap(T2, 0, CAP_MYSPACE, 0), "h3 slot 0");
	ok = ok && must(make_space(T2, 3, 0, T2), "h3 space key");
	/* The registers. */
	ok = ok && must(child_node(i, N_GPRS, T1), "gprs node");
	ok = ok && must(node_write_number(T1, 0, (uintptr_t)_start), "pc");
	ok = ok && must(node_write_number(T1, 2, CHILD_SP), "sp");
	ok = ok && must(node_write_number(T1, 10, CHILD_ARG(r->role, r->param)), "a0");
	ok = ok && must(child_node(i, N_FPRS, T3), "fprs node");
	/* The root. */
	ok = ok && must(child_node(i, N_ROOT, T4), "root node");
	ok = ok && must(cairn_node_swap(T4, CAIRN_DOM_SLOT_SPACE, T2, 0), "root space");
	if (ok && r->keeper)
		ok = must(cairn_node_swap(T4, CAIRN_DOM_SLOT_KEEPER, r->keeper, 0), "root keeper");
	if (ok && r->rights[0])
		ok = must(cairn_node_weaken(T1, r->rights[0], T1), "weaken gprs");
	if (ok && r->rights[1])
		ok = must(cairn_node_weaken(T3, r->rights[1], T3), "weaken fprs");
	if (ok && r->rights[2])
		ok = must(cairn_node_weaken(T0, r->rights[2], T0), "weaken caps");
	ok = ok && must(cairn_node_swap(T4, CAIRN_DOM_SLOT_GPRS, T1, 0), "root gprs");
	if (ok && !r->no_fprs)
		ok = must(cairn_node_swap(T4, CAIRN_DOM_SLOT_FPRS, T3, 0), "root fprs");
	ok = ok && must(cairn_node_swap(T4, CAIRN_DOM_SLOT_CAPS, T0, 0), "root caps");
	ok = ok && must(node_write_number(T4, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED), "state");
	ok = ok && must(make_domain(T4, T4), "make domain");
	ok = ok && must(cairn_node_swap(CAP_REGISTRY, i, T4, 0), "registry");
	if (!ok)
		return false;
	struct child *c = &fz.children[i];
	c->role = (uint8_t)r->role;
	c->param = r->param;
	c->built = true;
	c->builds++;
	if (r->halted)
		return true;
	return must(cairn_domain_start(T4, ~0ull), "start a child");
}

/* Child i's domain key into `into` (void if it is gone). */
uint64_t child_domain(unsigned i, cap_t into)
{
	return cairn_node_get(CAP_REGISTRY, i, into);
}

/* A start key to child i with this badge, into `into`. */
uint64_t child_start_key(unsigned i, uint16_t badge, cap_t into)
{
	uint64_t rc = child_domain(i, into);
	if (rc == CAIRN_OK)
		rc = cairn_domain_make_start(into, badge, into);
	return rc;
}

uint64_t child_state(unsigned i, struct cairn_domain_state *st)
{
	memset(st, 0, sizeof *st);
	if (child_domain(i, T5) != CAIRN_OK)
		return CAIRN_VOID;
	return cairn_domain_get_state(T5, st);
}

static uint64_t now_ms(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us / 1000;
}

/* Wait (up to ms of the clock) until child i's mailbox has at least
 * `rounds`. */
bool wait_rounds(unsigned i, uint64_t rounds, unsigned ms)
{
	struct mailbox mb;
	uint64_t deadline = now_ms() + ms;
	for (;;) {
		if (read_mailbox(i, &mb) && mb.rounds >= rounds)
			return true;
		if (now_ms() >= deadline)
			return false;
		nap(5);
	}
}

/* --- calls to the protected echo --------------------------------------- */

uint64_t echo_call(uint64_t order, uint64_t w0, uint64_t w1, struct cairn_reply *rep)
{
	uint64_t rc = cairn_call(CAP_ECHO, &(struct cairn_msg){ .order = order, .w = { w0, w1 } },
				 NULL, rep);
	if (rc == CAIRN_OK || rc == CAIRN_BAD_ORDER)
		fz.echo_calls++;
	return rc;
}

/* The echo counted exactly the calls we made. A SEND gives it an activity
 * of its own, so it may not have counted the last one yet: a CALL first,
 * which it takes only once it has dealt with every earlier message. */
void check_echo_books(void)
{
	struct cairn_reply rep;
	uint64_t w = xorshift(&fz.rng);
	uint64_t rc = echo_call(ECHO_PLUS, w, 0, &rep);
	if (rc != CAIRN_OK || rep.w[0] != w + 1)
		unexpected("echo's answer", rc, rep.w[0] - w);
	struct mailbox mb;
	if (!read_mailbox(ECHO, &mb))
		unexpected("cannot read the echo's mailbox", 0, 0);
	else if (mb.calls[FUZZ_BADGE] != fz.echo_calls)
		unexpected("echo counted other calls than the fuzzer made", mb.calls[FUZZ_BADGE],
			   fz.echo_calls);
}
