/* SPDX-License-Identifier: MIT */
/*
 * regress: the capability rules, tested where the kernel applies them
 * (the cases of apps/regress.c's G_SPACE and G_RULES groups): NODE
 * MAKE_SPACE keeps the rights of the key it goes through; every key to a
 * rescinded node or page is void through every use (invoked, classified,
 * sent to a domain, stored in a node, mapped: the old mapping is gone and
 * the new fault finds nothing); RO and WEAK page, node and space keys
 * through every path that fetches or uses a key (the node orders, NODE
 * GET's weakening, mappings); the IPC fast path's count check; and RANGE
 * IDENTIFY_KEYS, which names each key's object in the range of its type.
 *
 * The mapped cases run "mapper" kids in a test space of the driver's own:
 * a copy of the driver's top space node, with test pages at VA_* in slots
 * the program does not use. A kid that faults has no keeper, so it halts
 * and DOMAIN GET_STATE tells the fault and its address.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "regress.h"

/* --- NODE MAKE_SPACE keeps the rights of the key it is made through -- */

static bool space_rights(cap_t space, uint64_t *rights)
{
	struct cairn_io io = { 0 };
	if (cairn_inv_SPACE_INFO(space, &io) != CAIRN_OK)
		return false;
	*rights = io.w[1];
	return true;
}

static uint64_t make_space(cap_t node, uint64_t height, uint64_t rights, cap_t into)
{
	struct cairn_io io = { .w = { height, rights }, .rkeys = { into } };
	return cairn_inv_NODE_MAKE_SPACE(node, &io);
}

void case_make_space(void)
{
	static const uint64_t each[] = { CAIRN_RIGHT_NX, CAIRN_RIGHT_KEEPER, CAIRN_RIGHT_RO,
					 CAIRN_RIGHT_WEAK };
	uint64_t off, r;
	if (!ok("node", fresh_node(CAP_CASE(0), &off)))
		return;
	for (unsigned i = 0; i < sizeof each / sizeof each[0]; i++) {
		if (!ok("first space key", make_space(CAP_CASE(0), 1, each[i], CAP_CASE(1))))
			return;
		uint64_t rc = make_space(CAP_CASE(1), 1, 0, CAP_CASE(2));
		if (rc == CAIRN_NO_RIGHTS)
			continue; /* refused: fine, the rights did not widen */
		if (!rc_is("MAKE_SPACE through a space key", rc, CAIRN_OK))
			return;
		if (!space_rights(CAP_CASE(2), &r)) {
			failf("SPACE INFO of the new key failed");
			return;
		}
		if ((r & each[i]) != each[i])
			failf("a space key with rights %#" PRIx64 " made one with rights %#" PRIx64,
			      each[i], r);
	}
}

/* --- capability rules: rescind --------------------------------------- */

/* An echo server: it tells the type of a key sent to it. */
#define CAP_ECHO CAP_CASE(9)
static struct kid echo_kid;

bool rules_setup(void)
{
	return kid_up(&echo_kid, ROLE_ECHO, READY_AVAILABLE) &&
	       ok("echo start key", kid_start_key(&echo_kid, CAP_ECHO));
}

/* The type of key `key` as a domain receives it in a message. */
static uint64_t type_sent(cap_t key)
{
	struct cairn_reply rep;
	struct cairn_msg m = { .order = 1, .keys = { key } };
	if (cairn_call(CAP_ECHO, &m, NULL, &rep) != CAIRN_OK)
		return ~0ull;
	return rep.w[0];
}

static bool sent_is(const char *what, cap_t key, uint64_t want)
{
	uint64_t got = type_sent(key);
	if (got == want)
		return true;
	failf("%s, sent to a domain: it got a %s key, want %s", what, cairn_key_type_name(got),
	      cairn_key_type_name(want));
	return false;
}

/* Every use of `key` (a key to a rescinded object) treats it as void. */
static void void_everywhere(const char *what, cap_t key, cap_t scratch_node)
{
	char b[64];
	snprintf(b, sizeof b, "%s: DISCRIM CLASSIFY", what);
	type_is(b, key, CAIRN_KEY_VOID);
	snprintf(b, sizeof b, "%s", what);
	sent_is(b, key, CAIRN_KEY_VOID);
	snprintf(b, sizeof b, "%s stored by NODE SWAP and fetched back", what);
	if (cairn_node_swap(scratch_node, 0, key, 0) == CAIRN_OK &&
	    cairn_node_get(scratch_node, 0, CAP_TMP(4)) == CAIRN_OK)
		type_is(b, CAP_TMP(4), CAIRN_KEY_VOID);
	else
		failf("%s: NODE SWAP or GET on a scratch node failed", what);
}

void case_rescind_node(void)
{
	uint64_t off, zoff, v;
	if (!ok("node", fresh_node(CAP_CASE(0), &off)) ||
	    !ok("number", node_write_number(CAP_CASE(0), 0, 5)) ||
	    !ok("space key", make_space(CAP_CASE(0), 1, 0, CAP_CASE(1))) ||
	    !ok("weak key", cairn_node_weaken(CAP_CASE(0), CAIRN_RIGHT_WEAK, CAP_CASE(2))) ||
	    !ok("scratch", fresh_node(CAP_CASE(3), &zoff)) ||
	    !ok("get before", cairn_node_get(CAP_CASE(0), 0, CAP_TMP(0))) ||
	    !ok("rescind", cairn_range_rescind(CAP_NODES, off)))
		return;
	rc_is("NODE GET through the node key", cairn_node_get(CAP_CASE(0), 0, CAP_TMP(0)),
	      CAIRN_VOID);
	rc_is("NODE GET through the space key", cairn_node_get(CAP_CASE(1), 0, CAP_TMP(0)),
	      CAIRN_VOID);
	rc_is("NODE GET through the weak key", cairn_node_get(CAP_CASE(2), 0, CAP_TMP(0)),
	      CAIRN_VOID);
	rc_is("NODE WRITE_NUMBER", node_write_number(CAP_CASE(0), 0, 1), CAIRN_VOID);
	rc_is("SPACE INFO", space_rights(CAP_CASE(1), &v) ? CAIRN_OK : CAIRN_VOID, CAIRN_VOID);
	void_everywhere("the node key", CAP_CASE(0), CAP_CASE(3));
	void_everywhere("the space key", CAP_CASE(1), CAP_CASE(3));
	void_everywhere("the weak key", CAP_CASE(2), CAP_CASE(3));
	/* The object itself lives on, zeroed, for new keys only. */
	if (ok("new key", cairn_range_make_key(CAP_NODES, off, CAP_TMP(0))))
		rc_is("the rescinded node's slot 0 through a new key",
		      cairn_node_read_number(CAP_TMP(0), 0, &v, NULL), CAIRN_BAD_KEY);
	rc_is("NODE GET through the old key after", cairn_node_get(CAP_CASE(0), 0, CAP_TMP(0)),
	      CAIRN_VOID);
}

void case_rescind_domain(void)
{
	struct kid e, rs, cl;
	struct cairn_domain_state st;
	if (!kid_up(&e, ROLE_ECHO, READY_AVAILABLE) ||
	    !ok("domain key", kid_domain(&e, CAP_CASE(0))) ||
	    !ok("start key", kid_start_key(&e, CAP_CASE(1))) ||
	    !ok("scratch", fresh_node(CAP_CASE(3), &(uint64_t){ 0 })) ||
	    !ok("CALL before", cairn_call(CAP_CASE(1), NULL, NULL, NULL)) ||
	    !ok("rescind", cairn_range_rescind(CAP_NODES, e.node[KID_ROOT])))
		return;
	rc_is("DOMAIN GET_STATE", cairn_domain_get_state(CAP_CASE(0), &st), CAIRN_VOID);
	rc_is("CALL the start key", cairn_call(CAP_CASE(1), NULL, NULL, NULL), CAIRN_VOID);
	void_everywhere("the domain key", CAP_CASE(0), CAP_CASE(3));
	void_everywhere("the start key", CAP_CASE(1), CAP_CASE(3));
	/* A resume key: rs holds one to cl, whose root is then rescinded. */
	if (!kid_up(&rs, ROLE_RESUMER, READY_AVAILABLE) ||
	    !ok("resumer's start key", kid_start_key(&rs, CAP_CASE(2))) ||
	    !ok("build caller", (kid_alloc(&cl), kid_build(&cl, ROLE_CALLER))) ||
	    !ok("give", kid_give(&cl, KID_CAP_A, CAP_CASE(2))) ||
	    !ok("start caller", kid_start(&cl)))
		return;
	if (!wait_cell(rs.cell, 1, 2000)) {
		failf("setup: the resumer was never called");
		return;
	}
	if (kid_cells[rs.cell].value != CAIRN_KEY_RESUME)
		failf("setup: the resumer got a %s key, want RESUME",
		      cairn_key_type_name(kid_cells[rs.cell].value));
	if (!ok("rescind caller", cairn_range_rescind(CAP_NODES, cl.node[KID_ROOT])))
		return;
	kid_cells[rs.cell].cmd = 1;
	if (!wait_cell(rs.cell, 2, 2000)) {
		failf("the resume key to a rescinded domain was not VOID (the call hangs)");
		return;
	}
	if (kid_cells[rs.cell].arg2 != CAIRN_KEY_VOID)
		failf("the resume key classifies as %s, want VOID",
		      cairn_key_type_name(kid_cells[rs.cell].arg2));
	rc_is("CALL the resume key", kid_cells[rs.cell].rc, CAIRN_VOID);
}

/* --- capability rules: pages, mapped and not ------------------------- */

/* A space of the driver's own, plus test pages at VA_* (set up once). */
#define CAP_TEST_SPACE CAP_CASE(10)
#define VA_RESCIND     0x5000000ul /* top slot 20, height-1 node slot 0: a page key */
#define VA_RO_PAGE     0x5001000ul /* slot 1 of that node: an RO page key */
#define VA_WEAK_SP     0x5400000ul /* top slot 21: a WEAK space key to a node with a page */
#define VA_RO_SP       0x5800000ul /* top slot 22: an RO space key to a node with a page */
#define VA_REMAP       0x6000000ul /* top slot 24: a node whose slot 0 a case changes */
#define MAGIC(n)       ((uint64_t)0x3a61c0de00000000ull | (n))

static uint64_t page_rescind, page_ro, page_weak_sp, page_ro_sp;
static uint64_t node_remap, page_remap_a, page_remap_b;
static bool test_space_ok;

static bool page_with(uint64_t *off, uint64_t magic, cap_t into)
{
	struct cairn_io io = { .w = { 0 }, .str = &magic, .len = sizeof magic };
	return ok("page", fresh_page(into, off)) &&
	       ok("page write", cairn_inv_PAGE_WRITE(into, &io));
}

static uint64_t page_word(cap_t page, uint64_t *word)
{
	struct cairn_io io = { .w = { 0, 8 }, .buf = word, .max = 8 };
	return cairn_inv_PAGE_READ(page, &io);
}

/* A height-1 node holding page key `page` in slot 0, as a space key with
 * `rights` in slot `top_slot` of the test space's top node (CAP_CASE(5)). */
static bool leaf_in_top(unsigned top_slot, cap_t page, uint64_t rights)
{
	uint64_t off;
	return ok("leaf", fresh_node(CAP_TMP(2), &off)) &&
	       ok("leaf page", cairn_node_swap(CAP_TMP(2), 0, page, 0)) &&
	       ok("leaf space", make_space(CAP_TMP(2), 1, rights, CAP_TMP(3))) &&
	       ok("top slot", cairn_node_swap(CAP_CASE(5), top_slot, CAP_TMP(3), 0));
}

static bool setup_test_space(void)
{
	uint64_t off;
	struct cairn_io io = { 0 };
	if (cairn_inv_SPACE_INFO(CAP_SPACE, &io) != CAIRN_OK || io.w[0] != 3) {
		failf("setup: the driver's space is not a height-3 space key");
		return false;
	}
	if (!ok("top", fresh_node(CAP_CASE(5), &off)))
		return false;
	for (unsigned i = 0; i < 32; i++)
		if (!ok("copy top", cairn_node_get(CAP_SPACE, i, CAP_TMP(0))) ||
		    !ok("copy top", cairn_node_swap(CAP_CASE(5), i, CAP_TMP(0), 0)))
			return false;
	if (!page_with(&page_rescind, MAGIC(1), CAP_TMP(0)) ||
	    !page_with(&page_ro, MAGIC(2), CAP_TMP(1)) ||
	    !ok("leaf", fresh_node(CAP_CASE(6), &off)) ||
	    !ok("leaf slot 0", cairn_node_swap(CAP_CASE(6), 0, CAP_TMP(0), 0)) ||
	    !ok("weaken page",
		cairn_inv_PAGE_WEAKEN(CAP_TMP(1), &(struct cairn_io){ .rkeys = { CAP_TMP(1) } })) ||
	    !ok("leaf slot 1", cairn_node_swap(CAP_CASE(6), 1, CAP_TMP(1), 0)) ||
	    !ok("leaf space", make_space(CAP_CASE(6), 1, 0, CAP_TMP(3))) ||
	    !ok("top slot 20", cairn_node_swap(CAP_CASE(5), 20, CAP_TMP(3), 0)))
		return false;
	if (!page_with(&page_weak_sp, MAGIC(3), CAP_TMP(0)) ||
	    !leaf_in_top(21, CAP_TMP(0), CAIRN_RIGHT_WEAK) ||
	    !page_with(&page_ro_sp, MAGIC(4), CAP_TMP(0)) ||
	    !leaf_in_top(22, CAP_TMP(0), CAIRN_RIGHT_RO) ||
	    !page_with(&page_remap_a, MAGIC(5), CAP_TMP(0)) ||
	    !ok("remap leaf", fresh_node(CAP_TMP(2), &node_remap)) ||
	    !ok("remap leaf page", cairn_node_swap(CAP_TMP(2), 0, CAP_TMP(0), 0)) ||
	    !ok("remap leaf space", make_space(CAP_TMP(2), 1, 0, CAP_TMP(3))) ||
	    !ok("top slot 24", cairn_node_swap(CAP_CASE(5), 24, CAP_TMP(3), 0)) ||
	    !page_with(&page_remap_b, MAGIC(6), CAP_TMP(0)) ||
	    !ok("test space key", make_space(CAP_CASE(5), 3, 0, CAP_TEST_SPACE)))
		return false;
	return true;
}

/* A mapper kid in the test space. */
static bool mapper_up(struct kid *m)
{
	kid_alloc(m);
	return ok("build mapper", kid_build(m, ROLE_MAPPER)) &&
	       ok("its space", kid_set_root(m, CAIRN_DOM_SLOT_SPACE, CAP_TEST_SPACE)) &&
	       ok("start mapper", kid_start(m));
}

/* Make the mapper load (op 1) or store (op 2) at va; true if it did. */
static bool mapper_does(const struct kid *m, unsigned op, uint64_t va, uint64_t *value)
{
	static uint64_t seq;
	struct kid_cell *c = &kid_cells[m->cell];
	uint64_t cmd = ++seq << 8 | op;
	struct cairn_domain_state st;
	c->arg = va;
	c->cmd = cmd;
	for (unsigned t = 0; c->state < cmd; t += 2) {
		/* A fault halts it (no keeper): no need to wait any longer. */
		if (t >= 2000 ||
		    (kid_state(m, &st) == CAIRN_OK && st.run_state == CAIRN_DOM_HALTED))
			return false;
		nap(2);
	}
	if (value)
		*value = c->value;
	return true;
}

/* The mapper faulted at va with `fault` and, having no keeper, halted. */
static void mapper_faulted(const struct kid *m, uint64_t va, uint64_t fault, const char *what)
{
	struct cairn_domain_state st;
	if (!wait_run_state(m, CAIRN_DOM_HALTED, 1000) || kid_state(m, &st) != CAIRN_OK) {
		failf("%s: no fault, and the domain did not halt", what);
		return;
	}
	if (st.fault_code != fault || st.fault_addr != va)
		failf("%s: fault %s at %#" PRIx64 ", want %s at %#" PRIx64, what,
		      cairn_fault_name(st.fault_code), st.fault_addr, cairn_fault_name(fault), va);
}

static bool test_space(void)
{
	if (!test_space_ok)
		test_space_ok = setup_test_space();
	return test_space_ok;
}

void case_rescind_page(void)
{
	struct kid m;
	uint64_t word = 0, zoff;
	if (!test_space() ||
	    !ok("page key", cairn_range_make_key(CAP_PAGES, page_rescind, CAP_CASE(0))) ||
	    !ok("ro key", cairn_inv_PAGE_WEAKEN(CAP_CASE(0),
						&(struct cairn_io){ .rkeys = { CAP_CASE(1) } })) ||
	    !ok("scratch", fresh_node(CAP_CASE(3), &zoff)) || !mapper_up(&m))
		return;
	if (!mapper_does(&m, 1, VA_RESCIND, &word) || word != MAGIC(1)) {
		failf("setup: the mapped page reads %#" PRIx64 ", want %#" PRIx64, word, MAGIC(1));
		return;
	}
	if (!ok("rescind", cairn_range_rescind(CAP_PAGES, page_rescind)))
		return;
	rc_is("PAGE READ through the old key", page_word(CAP_CASE(0), &word), CAIRN_VOID);
	rc_is("PAGE READ through the old RO key", page_word(CAP_CASE(1), &word), CAIRN_VOID);
	rc_is("PAGE ZERO through the old key",
	      cairn_inv_PAGE_ZERO(CAP_CASE(0), &(struct cairn_io){ 0 }), CAIRN_VOID);
	void_everywhere("the page key", CAP_CASE(0), CAP_CASE(3));
	void_everywhere("the RO page key", CAP_CASE(1), CAP_CASE(3));
	/* Mapped: the mapping made through the old key is gone, and the new
	 * fault finds the key void: MEMORY, and with no keeper a halt. */
	if (mapper_does(&m, 1, VA_RESCIND, &word)) {
		failf("the mapping survived the rescind: it reads %#" PRIx64, word);
		return;
	}
	mapper_faulted(&m, VA_RESCIND, CAIRN_FAULT_MEMORY, "load from the rescinded page");
	if (ok("new key", cairn_range_make_key(CAP_PAGES, page_rescind, CAP_TMP(0))) &&
	    ok("read through it", page_word(CAP_TMP(0), &word)) && word != 0)
		failf("the rescinded page was not zeroed: %#" PRIx64, word);
}

/* A rescinded page is known to be zero until it is written (OBJF_ZERO,
 * kern/mem/objcache.h), and a second RESCIND leaves a known-zero page
 * alone. Whatever writes it must clear that: here PAGE WRITE, then a store
 * through a mapping that a load made (the load maps the page writable when
 * it is dirty already, so the store itself does not fault). After each, a
 * rescind must zero the page again. */
/* RETURN on a kernel key with a resume key as k3: the kernel's reply goes to
 * the caller that resume key names (invoke.c kernel_reply_onward), for a
 * range order that changes no node; a node RESCIND runs but its reply is
 * dropped (it could change the very domain it would answer). */
void case_reply_onward(void)
{
	struct kid o, c;
	uint64_t off, noff, word = 0, type;
	kid_alloc(&o);
	if (!ok("build", kid_build(&o, ROLE_ONWARD)) ||
	    !ok("give pages", kid_give(&o, 3, CAP_PAGES)) ||
	    !ok("give nodes", kid_give(&o, 4, CAP_NODES)) || !ok("start", kid_start(&o)) ||
	    !wait_run_state(&o, CAIRN_DOM_AVAILABLE, 2000) ||
	    !ok("start key", kid_start_key(&o, CAP_CASE(0))) ||
	    !ok("page", fresh_page(CAP_CASE(1), &off)))
		return;
	struct cairn_io io = { .w = { 0 }, .str = &(uint64_t){ MAGIC(6) }, .len = 8 };
	if (!ok("PAGE WRITE", cairn_inv_PAGE_WRITE(CAP_CASE(1), &io)))
		return;
	/* MAKE_KEY through the server: its key arrives in the caller's r0. */
	const struct cairn_rcv r = { .keys = { CAP_CASE(2) } };
	struct cairn_reply rep;
	uint64_t rc =
		cairn_call(CAP_CASE(0),
			   &(struct cairn_msg){ .order = CAIRN_OC_RANGE_MAKE_KEY, .w = { off } },
			   &r, &rep);
	if (!rc_is("MAKE_KEY handed on", rc, CAIRN_OK))
		return;
	if (ok("read through it", page_word(CAP_CASE(2), &word)) && word != MAGIC(6))
		failf("the key handed on reads %#" PRIx64 ", want %#" PRIx64, word, MAGIC(6));
	/* A page RESCIND through the server: answered, and the page's keys die. */
	rc = cairn_call(CAP_CASE(0),
			&(struct cairn_msg){ .order = CAIRN_OC_RANGE_RESCIND, .w = { off } }, NULL,
			NULL);
	if (rc_is("page RESCIND handed on", rc, CAIRN_OK) &&
	    (type = key_type_of(CAP_CASE(1), NULL)) != CAIRN_KEY_VOID)
		failf("the page's key is of type %" PRIu64 " after the RESCIND, want void", type);
	/* A node RESCIND: done, not answered (a caller kid stays waiting). */
	if (!ok("node", fresh_node(CAP_CASE(3), &noff)))
		return;
	kid_alloc(&c);
	if (!ok("build caller", kid_build(&c, ROLE_CALLER)) ||
	    !ok("give", kid_give(&c, 3, CAP_CASE(0))))
		return;
	kid_cells[c.cell].cmd = CAIRN_OC_RANGE_RESCIND;
	kid_cells[c.cell].arg = 1ull << 63 | noff;
	if (!ok("start caller", kid_start(&c)) || !wait_cell(c.cell, 1, 2000))
		return;
	for (unsigned t = 0; t < 500 && key_type_of(CAP_CASE(3), NULL) != CAIRN_KEY_VOID; t += 2)
		nap(2);
	if ((type = key_type_of(CAP_CASE(3), NULL)) != CAIRN_KEY_VOID)
		failf("the node's key is of type %" PRIu64 " after the RESCIND, want void", type);
	nap(20);
	if (kid_cells[c.cell].state != 1)
		failf("a node RESCIND's reply was handed on (the caller got %s)",
		      cairn_result_name(kid_cells[c.cell].rc));
	if (kid_cells[o.cell].value != 3)
		failf("the server saw %" PRIu64 " calls, want 3", kid_cells[o.cell].value);
}

#define VA_ZERO_AGAIN 0x5c00000ul /* top slot 23: a height-1 node with the page */

void case_rescind_zero_again(void)
{
	struct kid m;
	uint64_t off, word = 0;
	struct cairn_io io = { .w = { 0 }, .str = &(uint64_t){ MAGIC(5) }, .len = 8 };
	if (!test_space() || !ok("page", fresh_page(CAP_CASE(0), &off)) ||
	    !ok("rescind", cairn_range_rescind(CAP_PAGES, off)) ||
	    !ok("new key", cairn_range_make_key(CAP_PAGES, off, CAP_CASE(0))) ||
	    !ok("PAGE WRITE", cairn_inv_PAGE_WRITE(CAP_CASE(0), &io)) ||
	    !ok("rescind", cairn_range_rescind(CAP_PAGES, off)) ||
	    !ok("new key", cairn_range_make_key(CAP_PAGES, off, CAP_CASE(0))))
		return;
	if (ok("read", page_word(CAP_CASE(0), &word)) && word != 0) {
		failf("a page written by PAGE WRITE after a rescind reads %#" PRIx64
		      " after the next rescind, want 0",
		      word);
		return;
	}
	if (!leaf_in_top(23, CAP_CASE(0), 0) || !mapper_up(&m))
		return;
	if (!mapper_does(&m, 1, VA_ZERO_AGAIN, &word) || !mapper_does(&m, 2, VA_ZERO_AGAIN, NULL)) {
		failf("the mapper could not load and store at %#lx", VA_ZERO_AGAIN);
		return;
	}
	if (ok("read", page_word(CAP_CASE(0), &word)) && word != 0x5ca1ab1e) {
		failf("the mapper's store reads %#" PRIx64 ", want 0x5ca1ab1e", word);
		return;
	}
	if (ok("rescind", cairn_range_rescind(CAP_PAGES, off)) &&
	    ok("new key", cairn_range_make_key(CAP_PAGES, off, CAP_TMP(0))) &&
	    ok("read", page_word(CAP_TMP(0), &word)) && word != 0)
		failf("a page stored to through a mapping reads %#" PRIx64
		      " after its rescind, want 0",
		      word);
}

void case_ro_page(void)
{
	struct kid m;
	uint64_t word = 0, rights = 0;
	if (!test_space() ||
	    !ok("page key", cairn_range_make_key(CAP_PAGES, page_ro, CAP_CASE(0))) ||
	    !ok("ro key",
		cairn_inv_PAGE_WEAKEN(CAP_CASE(0), &(struct cairn_io){ .rkeys = { CAP_CASE(1) } })))
		return;
	struct cairn_io w = { .w = { 0 }, .str = "x", .len = 1 };
	rc_is("PAGE WRITE through the RO key", cairn_inv_PAGE_WRITE(CAP_CASE(1), &w),
	      CAIRN_NO_RIGHTS);
	rc_is("PAGE ZERO through the RO key",
	      cairn_inv_PAGE_ZERO(CAP_CASE(1), &(struct cairn_io){ 0 }), CAIRN_NO_RIGHTS);
	if (rc_is("PAGE READ through the RO key", page_word(CAP_CASE(1), &word), CAIRN_OK) &&
	    word != MAGIC(2))
		failf("the page changed: %#" PRIx64, word);
	if (key_type_of(CAP_CASE(1), &rights) != CAIRN_KEY_PAGE || !(rights & CAIRN_RIGHT_RO))
		failf("PAGE WEAKEN gave rights %#" PRIx64 ", want RO", rights);
	if (!mapper_up(&m))
		return;
	if (!mapper_does(&m, 1, VA_RO_PAGE, &word) || word != MAGIC(2)) {
		failf("the page mapped through the RO key reads %#" PRIx64, word);
		return;
	}
	if (mapper_does(&m, 2, VA_RO_PAGE, NULL))
		failf("a store through the RO page key's mapping went through");
	else
		mapper_faulted(&m, VA_RO_PAGE, CAIRN_FAULT_ACCESS, "store to the RO page");
	if (page_word(CAP_CASE(0), &word) != CAIRN_OK || word != MAGIC(2))
		failf("the RO-mapped page was written: %#" PRIx64, word);
}

static void ro_space(uint64_t va, uint64_t magic, uint64_t page, const char *what)
{
	struct kid m;
	uint64_t word = 0;
	if (!test_space() || !mapper_up(&m))
		return;
	if (!mapper_does(&m, 1, va, &word) || word != magic) {
		failf("%s: the page reads %#" PRIx64 ", want %#" PRIx64, what, word, magic);
		return;
	}
	if (mapper_does(&m, 2, va, NULL))
		failf("%s: a store went through", what);
	else
		mapper_faulted(&m, va, CAIRN_FAULT_ACCESS, what);
	if (ok("page key", cairn_range_make_key(CAP_PAGES, page, CAP_TMP(0))) &&
	    (page_word(CAP_TMP(0), &word) != CAIRN_OK || word != magic))
		failf("%s: the page was written: %#" PRIx64, what, word);
}

void case_ro_spaces(void)
{
	ro_space(VA_WEAK_SP, MAGIC(3), page_weak_sp, "store through a WEAK space key");
	ro_space(VA_RO_SP, MAGIC(4), page_ro_sp, "store through an RO space key");
}

/* A slot of a space node changes under a mapping made through it: the
 * next load must find the new page, so the kernel must drop the tables it
 * built from the old slot (docs/object-model.md "Address spaces": the walk
 * marks every node it reads). */
void case_space_slot_changed(void)
{
	struct kid m;
	uint64_t word = 0;
	if (!test_space() || !mapper_up(&m))
		return;
	if (!mapper_does(&m, 1, VA_REMAP, &word) || word != MAGIC(5)) {
		failf("setup: the mapped page reads %#" PRIx64 ", want %#" PRIx64, word, MAGIC(5));
		return;
	}
	if (!ok("leaf key", cairn_range_make_key(CAP_NODES, node_remap, CAP_CASE(0))) ||
	    !ok("second page", cairn_range_make_key(CAP_PAGES, page_remap_b, CAP_CASE(1))) ||
	    !ok("swap the leaf's slot 0", cairn_node_swap(CAP_CASE(0), 0, CAP_CASE(1), 0)))
		return;
	if (!mapper_does(&m, 1, VA_REMAP, &word))
		failf("the load after the swap faulted");
	else if (word != MAGIC(6))
		failf("after the swap the address reads %#" PRIx64 ", want %#" PRIx64
		      " (a mapping of the old slot survived)",
		      word, MAGIC(6));
}

/* --- capability rules: WEAK and RO node keys ------------------------- */

static bool fetched_is(cap_t weak, unsigned slot, uint64_t type, uint64_t rights_at_least)
{
	uint64_t rights = 0, got;
	if (!rc_is("NODE GET through the WEAK key", cairn_node_get(weak, slot, CAP_TMP(0)),
		   CAIRN_OK))
		return false;
	got = key_type_of(CAP_TMP(0), &rights);
	if (got != type || (rights & rights_at_least) != rights_at_least) {
		failf("slot %u through the WEAK key: %s rights %#" PRIx64
		      ", want %s with %#" PRIx64,
		      slot, cairn_key_type_name(got), rights, cairn_key_type_name(type),
		      rights_at_least);
		return false;
	}
	return true;
}

/* The changes a key must refuse (RO or WEAK). */
static void refuses_changes(cap_t key, const char *what)
{
	char b[80];
	snprintf(b, sizeof b, "NODE SWAP through %s", what);
	rc_is(b, cairn_node_swap(key, 3, CAIRN_CAP_CONSOLE, 0), CAIRN_NO_RIGHTS);
	snprintf(b, sizeof b, "NODE CLEAR through %s", what);
	rc_is(b, cairn_inv_NODE_CLEAR(key, &(struct cairn_io){ .w = { 0, 1 } }), CAIRN_NO_RIGHTS);
	snprintf(b, sizeof b, "NODE WRITE_NUMBER through %s", what);
	rc_is(b, node_write_number(key, 3, 1), CAIRN_NO_RIGHTS);
	snprintf(b, sizeof b, "NODE MAKE_SPACE through %s", what);
	rc_is(b, make_space(key, 1, 0, CAP_TMP(1)), CAIRN_NO_RIGHTS);
	snprintf(b, sizeof b, "NODE MAKE_DOMAIN through %s", what);
	rc_is(b, cairn_inv_NODE_MAKE_DOMAIN(key, &(struct cairn_io){ .rkeys = { CAP_TMP(1) } }),
	      CAIRN_NO_RIGHTS);
}

void case_weak_node(void)
{
	const uint64_t ro_weak = CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK;
	uint64_t off, poff, lo = 0, rights = 0;
	cap_t n = CAP_CASE(0), inner = CAP_CASE(1), weak = CAP_CASE(2), ro = CAP_CASE(3);
	if (!ok("node", fresh_node(n, &off)) || !ok("inner", fresh_node(inner, &off)) ||
	    !ok("page", fresh_page(CAP_TMP(0), &poff)) ||
	    !ok("slot 0", cairn_node_swap(n, 0, CAP_TMP(0), 0)) ||
	    !ok("inner slot 0", cairn_node_swap(inner, 0, CAP_TMP(0), 0)) ||
	    !ok("slot 1", cairn_node_swap(n, 1, inner, 0)) ||
	    !ok("start key", kid_start_key(&echo_kid, CAP_TMP(0))) ||
	    !ok("slot 2", cairn_node_swap(n, 2, CAP_TMP(0), 0)) ||
	    !ok("slot 3", node_write_number(n, 3, 55)) ||
	    !ok("space", make_space(inner, 1, 0, CAP_TMP(0))) ||
	    !ok("slot 4", cairn_node_swap(n, 4, CAP_TMP(0), 0)) ||
	    !ok("slot 5", cairn_node_swap(n, 5, CAIRN_CAP_SLEEP, 0)) ||
	    !ok("domain key", kid_domain(&echo_kid, CAP_TMP(0))) ||
	    !ok("slot 6", cairn_node_swap(n, 6, CAP_TMP(0), 0)) ||
	    !ok("weak", cairn_node_weaken(n, CAIRN_RIGHT_WEAK, weak)) ||
	    !ok("ro", cairn_node_weaken(n, CAIRN_RIGHT_RO, ro)))
		return;
	struct cairn_io w = { .w = { 0 }, .str = "x", .len = 1 };
	if (fetched_is(weak, 0, CAIRN_KEY_PAGE, CAIRN_RIGHT_RO))
		rc_is("PAGE WRITE through a page key fetched through WEAK",
		      cairn_inv_PAGE_WRITE(CAP_TMP(0), &w), CAIRN_NO_RIGHTS);
	if (fetched_is(weak, 1, CAIRN_KEY_NODE, ro_weak)) {
		cairn_node_get(CAP_TMP(0), 0, CAP_TMP(2)); /* a page, two WEAK steps down */
		if (key_type_of(CAP_TMP(2), &rights) != CAIRN_KEY_PAGE ||
		    !(rights & CAIRN_RIGHT_RO))
			failf("a page fetched through a fetched node key has rights %#" PRIx64,
			      rights);
		refuses_changes(CAP_TMP(0), "a node key fetched through WEAK");
	}
	fetched_is(weak, 2, CAIRN_KEY_VOID, 0);
	if (fetched_is(weak, 3, CAIRN_KEY_NUMBER, 0) &&
	    (cairn_number_read(CAP_TMP(0), &lo, NULL) != CAIRN_OK || lo != 55))
		failf("the number fetched through WEAK reads %" PRIu64 ", want 55", lo);
	fetched_is(weak, 4, CAIRN_KEY_SPACE, ro_weak);
	fetched_is(weak, 5, CAIRN_KEY_VOID, 0);
	fetched_is(weak, 6, CAIRN_KEY_VOID, 0);
	refuses_changes(weak, "the WEAK key");
	refuses_changes(ro, "the RO key");
	if (ok("weaken by nothing", cairn_node_weaken(weak, 0, CAP_TMP(0))) &&
	    (key_type_of(CAP_TMP(0), &rights) != CAIRN_KEY_NODE || !(rights & CAIRN_RIGHT_WEAK)))
		failf("NODE WEAKEN(0) of a WEAK key gave rights %#" PRIx64, rights);
	/* Nothing changed, and the full key still fetches full keys. */
	if (cairn_node_read_number(n, 3, &lo, NULL) != CAIRN_OK || lo != 55)
		failf("slot 3 changed to %" PRIu64, lo);
	cairn_node_get(n, 0, CAP_TMP(0));
	if (key_type_of(CAP_TMP(0), &rights) != CAIRN_KEY_PAGE || rights != 0)
		failf("slot 0 through the full key: rights %#" PRIx64 ", want 0", rights);
}

/* --- capability rules: the fast path's count check ------------------- */

void case_fast_path_counts(void)
{
	struct kid e;
	struct cairn_reply rep;
	const struct cairn_msg m = { .order = 1, .w = { 41 } }; /* words only: the fast path */
	if (!kid_up(&e, ROLE_ECHO, READY_AVAILABLE) ||
	    !ok("start key", kid_start_key(&e, CAP_CASE(0))))
		return;
	if (!rc_is("CALL before", cairn_call(CAP_CASE(0), &m, NULL, &rep), CAIRN_OK))
		return;
	if (!ok("rescind", kid_rescind(&e)) || !ok("rebuild", kid_build(&e, ROLE_ECHO)) ||
	    !ok("restart", kid_start(&e)))
		return;
	if (!wait_run_state(&e, CAIRN_DOM_AVAILABLE, 2000)) {
		failf("setup: the rebuilt server never became available");
		return;
	}
	if (!ok("new start key", kid_start_key(&e, CAP_CASE(1))) ||
	    !ok("CALL through the new key", cairn_call(CAP_CASE(1), &m, NULL, &rep)))
		return;
	/* The new domain is cached and available: the old key would take the
	 * fast path if its count were not checked. */
	uint64_t rc = cairn_call(CAP_CASE(0), &m, NULL, &rep);
	if (rc == CAIRN_OK)
		failf("the old start key reached the rebuilt domain (reply w2 %" PRIu64 ")",
		      rep.w[2]);
	rc_is("CALL through the old start key", rc, CAIRN_VOID);
	if (kid_cells[e.cell].value != 1)
		failf("the rebuilt server was called %" PRIu64 " times, want 1",
		      kid_cells[e.cell].value);
}

/* DOMAIN IDENTIFY and 48-bit start badges: a server learns, from a key
 * alone, whether it is a start key to itself and with which badge; the
 * badge it is called through arrives whole in the info word. */
void case_identify(void)
{
	const uint64_t wide = 0xfedcba987654ull; /* uses all 48 bits */
	struct kid e;
	struct cairn_reply rep;
	bool mine;
	uint64_t badge;
	if (!kid_up(&e, ROLE_ECHO, READY_AVAILABLE) ||
	    !ok("domain key", kid_domain(&e, CAP_CASE(0))) ||
	    !ok("wide start key", cairn_domain_make_start(CAP_CASE(0), wide, CAP_CASE(1))) ||
	    !ok("own start key", cairn_domain_make_start(CAP_SELF, 7, CAP_CASE(2))))
		return;
	rc_is("MAKE_START of 2^48", cairn_domain_make_start(CAP_CASE(0), 1ull << 48, CAP_CASE(3)),
	      CAIRN_BAD_ARGUMENT);
	const struct cairn_msg m = { .order = 1, .w = { 5 } };
	if (rc_is("CALL through the wide key", cairn_call(CAP_CASE(1), &m, NULL, &rep), CAIRN_OK) &&
	    kid_cells[e.cell].arg2 != wide)
		failf("the server saw badge %#" PRIx64 ", want %#" PRIx64, kid_cells[e.cell].arg2,
		      wide);
	if (rc_is("IDENTIFY its start key",
		  cairn_domain_identify(CAP_CASE(0), CAP_CASE(1), &mine, &badge), CAIRN_OK) &&
	    (!mine || badge != wide))
		failf("IDENTIFY said mine=%d badge %#" PRIx64 ", want 1 and %#" PRIx64, mine, badge,
		      wide);
	/* Keys that are not start keys to it: another domain's start key, its
	 * own domain key, a void key. */
	const struct {
		const char *what;
		cap_t key;
	} others[] = { { "IDENTIFY another's start key", CAP_CASE(2) },
		       { "IDENTIFY its domain key", CAP_CASE(0) },
		       { "IDENTIFY a void key", CAP_CASE(3) } };
	for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++)
		if (rc_is(others[i].what,
			  cairn_domain_identify(CAP_CASE(0), others[i].key, &mine, &badge),
			  CAIRN_OK) &&
		    mine)
			failf("%s: said it is a start key to the server", others[i].what);
	/* A rescinded server's old start key is void: not its key any more. */
	if (!ok("rescind", kid_rescind(&e)) || !ok("rebuild", kid_build(&e, ROLE_ECHO)) ||
	    !ok("domain key again", kid_domain(&e, CAP_CASE(0))))
		return;
	if (rc_is("IDENTIFY a rescinded start key",
		  cairn_domain_identify(CAP_CASE(0), CAP_CASE(1), &mine, &badge), CAIRN_OK) &&
	    mine)
		failf("a start key from before the rescind still identifies");
}

/* --- RANGE IDENTIFY_KEYS: a batch of keys, each in the range of its type */

static uint64_t identify_keys(cap_t range, uint64_t n, const cap_t keys[4], uint64_t w[4])
{
	struct cairn_io io = { .w = { n }, .keys = { keys[0], keys[1], keys[2], keys[3] } };
	uint64_t rc = cairn_inv_RANGE_IDENTIFY_KEYS(range, &io);
	for (unsigned i = 0; i < 4; i++)
		w[i] = io.w[i];
	return rc;
}

/* A refusal: BAD_KEY naming key `index` and its type. */
static void refused(const char *what, uint64_t rc, const uint64_t w[4], uint64_t index,
		    uint64_t type)
{
	if (rc_is(what, rc, CAIRN_BAD_KEY) && (w[0] != index || w[1] != type))
		failf("%s: named key %" PRIu64 " of type %s, want key %" PRIu64 " of type %s", what,
		      w[0], cairn_key_type_name(w[1]), index, cairn_key_type_name(type));
}

void case_identify_keys(void)
{
	uint64_t noff, poff, goff, w[4];
	if (!ok("node", fresh_node(CAP_CASE(0), &noff)) ||
	    !ok("page", fresh_page(CAP_CASE(1), &poff)) ||
	    !ok("gone page", fresh_page(CAP_CASE(2), &goff)) ||
	    !ok("rescind it", cairn_range_rescind(CAP_PAGES, goff)) ||
	    !ok("space key", make_space(CAP_CASE(0), 1, 0, CAP_CASE(3))) ||
	    !ok("range of the node",
		cairn_inv_RANGE_SUB(CAP_NODES, &(struct cairn_io){ .w = { noff, 1 },
								   .rkeys = { CAP_CASE(4) } })) ||
	    !ok("range past the node",
		cairn_inv_RANGE_SUB(CAP_NODES, &(struct cairn_io){ .w = { noff + 1, 1 },
								   .rkeys = { CAP_CASE(5) } })))
		return;
	/* A page, a node and a space key over it, each in the range of its
	 * type: the invoked one (pages) or the one sent as k3 (nodes). */
	const cap_t mixed[4] = { CAP_CASE(1), CAP_CASE(0), CAP_CASE(3), CAP_NODES };
	if (rc_is("IDENTIFY_KEYS of a page, a node and a space",
		  identify_keys(CAP_PAGES, 3, mixed, w), CAIRN_OK) &&
	    (w[0] != ((uint64_t)CAIRN_RANGE_PAGES << 32 | poff) || w[1] != noff || w[2] != noff))
		failf("IDENTIFY_KEYS said %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ", want %#" PRIx64
		      " %#" PRIx64 " %#" PRIx64,
		      w[0], w[1], w[2], (uint64_t)CAIRN_RANGE_PAGES << 32 | poff, noff, noff);
	/* The second range counts with its bounds: the node is offset 0 of a
	 * range that starts at it, and in none of a range that starts past it. */
	const cap_t in_sub[4] = { CAP_CASE(0), 0, 0, CAP_CASE(4) };
	if (rc_is("IDENTIFY_KEYS in a sub-range", identify_keys(CAP_PAGES, 1, in_sub, w),
		  CAIRN_OK) &&
	    w[0] != 0)
		failf("the node is at %#" PRIx64 " of a range starting at it, want 0", w[0]);
	const cap_t past[4] = { CAP_CASE(1), CAP_CASE(0), 0, CAP_CASE(5) };
	refused("IDENTIFY_KEYS of a node outside the second range",
		identify_keys(CAP_PAGES, 2, past, w), w, 1, CAIRN_KEY_NODE);
	const cap_t no_second[4] = { CAP_CASE(1), CAP_CASE(0), 0, 0 };
	refused("IDENTIFY_KEYS of a node, no node range sent",
		identify_keys(CAP_PAGES, 2, no_second, w), w, 1, CAIRN_KEY_NODE);
	const cap_t gone[4] = { CAP_CASE(2), 0, 0, CAP_NODES };
	refused("IDENTIFY_KEYS of a rescinded page key", identify_keys(CAP_PAGES, 1, gone, w), w, 0,
		CAIRN_KEY_VOID);
	const cap_t start[4] = { CAP_CASE(1), CAP_ECHO, 0, CAP_NODES };
	refused("IDENTIFY_KEYS of a start key", identify_keys(CAP_PAGES, 2, start, w), w, 1,
		CAIRN_KEY_START);
	/* The count: only k0..k(n-1) are looked at, and n is 1..3. */
	const cap_t one[4] = { CAP_CASE(1), CAP_ECHO, 0, 0 };
	rc_is("IDENTIFY_KEYS of 1 (k1 not looked at)", identify_keys(CAP_PAGES, 1, one, w),
	      CAIRN_OK);
	rc_is("IDENTIFY_KEYS of 0", identify_keys(CAP_PAGES, 0, one, w), CAIRN_BAD_ARGUMENT);
	rc_is("IDENTIFY_KEYS of 4", identify_keys(CAP_PAGES, 4, one, w), CAIRN_BAD_ARGUMENT);
}
