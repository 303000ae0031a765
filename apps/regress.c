/* SPDX-License-Identifier: MIT */
/*
 * regress: one regression test per kernel bug of issue 8 (1 to 7), and the
 * capability rules tested where the kernel applies them: rescinded nodes
 * and pages through every use, RO and WEAK keys through every path that
 * fetches or uses a key, MAKE_SPACE's rights, the IPC fast path's count
 * check. test/qemu/test_regress.py boots apps/regress.image and reads the
 * lines; docs/testing.md lists the cases.
 *
 * The driver (this domain, arg = a mask of case groups, 0 all) builds the
 * domains each case needs from nodes of its range key (regress_kids.c) and
 * prints one line per case, in the order of cases[] below (the kernel
 * starts each line with the console key's label, "regress: "):
 *
 *   regress: <case>: ok
 *   regress: <case>: FAIL <what>
 *
 * then, for the duplicate-thread case (bug 1), which needs a restart:
 *
 *   regress: duplicate thread: checkpoint <n> committed, kill now
 *     (the test SIGKILLs QEMU and boots the volume again; after the
 *     restart the driver sees its clock start again and goes on)
 *   regress: duplicate thread: resumed
 *   regress: done
 *
 * The driver itself only makes calls that the kernel or a kid answers at
 * once: whatever may block (a caller stalled on a busy server, the
 * activity-leak loop) runs in a kid, and the driver polls the kid's cell
 * with a timeout, reporting a timeout as FAIL. The exception is a kernel
 * with bug 5: once its activity table is full no domain can be started,
 * so the leak case comes last but one, and the test's own timeouts report
 * the lines that never came.
 *
 * Capability registers: regress.h (CAP_*).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "regress.h"

/* Case groups: bits of the image's arg (0: all). */
enum {
	G_DUP = 1u << 0,          /* bug 1 */
	G_RIGHTS = 1u << 1,       /* bug 2 */
	G_FP = 1u << 2,           /* bug 3 */
	G_WAKE = 1u << 3,         /* bug 4 */
	G_LEAK = 1u << 4,         /* bug 5 */
	G_CAPS = 1u << 5,         /* bug 6 */
	G_PC = 1u << 6,           /* bug 7 */
	G_SPACE = 1u << 7,        /* MAKE_SPACE keeps rights */
	G_RULES = 1u << 8,        /* the capability rules */
	G_DUP_RESCIND = 1u << 9,  /* bug 1, only the variant with a rescind */
	G_DUP_REWRITE = 1u << 10, /* bug 1, only the variant with a state rewrite */
	G_CROWD = 1u << 11,       /* bug 5: more domains running at once than the old table */
};

#define LEAK_ROUNDS 1100 /* more than the 1024 activities of the old table */

/* --- reporting -------------------------------------------------------- */

bool type_is(const char *what, cap_t key, uint64_t want)
{
	uint64_t got = key_type_of(key, NULL);
	if (got == want)
		return true;
	failf("%s: a %s key, want %s", what, cairn_key_type_name(got), cairn_key_type_name(want));
	return false;
}

static uint64_t now_us(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us;
}

bool kid_up(struct kid *k, enum kid_role role, enum ready ready)
{
	kid_alloc(k);
	if (!ok("build", kid_build(k, role)) || !ok("start", kid_start(k)))
		return false;
	if (ready == READY_CELL && !wait_cell(k->cell, 1, 2000)) {
		failf("setup: a kid (role %d) never ran", role);
		return false;
	}
	if (ready == READY_AVAILABLE && !wait_run_state(k, CAIRN_DOM_AVAILABLE, 2000)) {
		failf("setup: a server kid (role %d) never became available", role);
		return false;
	}
	return true;
}

/* A caller kid that CALLs start key `server` and stalls (the server is busy). */
static bool caller_stalls(struct kid *c, cap_t server, bool fresh)
{
	if (fresh)
		kid_alloc(c);
	if (!ok("build caller", kid_build(c, ROLE_CALLER)) ||
	    !ok("give caller its server", kid_give(c, KID_CAP_A, server)) ||
	    !ok("start caller", kid_start(c)))
		return false;
	if (!wait_cell(c->cell, 1, 2000)) {
		failf("setup: the caller never ran");
		return false;
	}
	nap(20);
	if (kid_cells[c->cell].state != 1) {
		failf("setup: the call to a busy server returned at once: %s",
		      cairn_result_name(kid_cells[c->cell].rc));
		return false;
	}
	return true;
}

/* --- bug 3: FP registers survive a kernel-key call ------------------- */

static uint64_t fp_in[32], fp_out[32];

/* f0..f31 = fp_in; SLEEP NOW; CALL the FP server (register 9); fp_out = f0..f31. */
static void fp_call_around(void)
{
	__asm__ volatile(
		"fld f0, 0(%0)\n fld f1, 8(%0)\n fld f2, 16(%0)\n fld f3, 24(%0)\n"
		"fld f4, 32(%0)\n fld f5, 40(%0)\n fld f6, 48(%0)\n fld f7, 56(%0)\n"
		"fld f8, 64(%0)\n fld f9, 72(%0)\n fld f10, 80(%0)\n fld f11, 88(%0)\n"
		"fld f12, 96(%0)\n fld f13, 104(%0)\n fld f14, 112(%0)\n fld f15, 120(%0)\n"
		"fld f16, 128(%0)\n fld f17, 136(%0)\n fld f18, 144(%0)\n fld f19, 152(%0)\n"
		"fld f20, 160(%0)\n fld f21, 168(%0)\n fld f22, 176(%0)\n fld f23, 184(%0)\n"
		"fld f24, 192(%0)\n fld f25, 200(%0)\n fld f26, 208(%0)\n fld f27, 216(%0)\n"
		"fld f28, 224(%0)\n fld f29, 232(%0)\n fld f30, 240(%0)\n fld f31, 248(%0)\n"
		/* SLEEP NOW on register 2: one kernel-key call. */
		"li a0, %2\n li a1, %3\n li a7, %4\n li t0, 0\n li t1, 0\n ecall\n"
		/* CALL the server: it loads its own values into f0..f31. */
		"li a0, %5\n li a1, 1\n li a2, 0\n li a3, 0\n li a4, 0\n li a5, 0\n"
		"li a7, %4\n li t0, 0\n li t1, 0\n ecall\n"
		"fsd f0, 0(%1)\n fsd f1, 8(%1)\n fsd f2, 16(%1)\n fsd f3, 24(%1)\n"
		"fsd f4, 32(%1)\n fsd f5, 40(%1)\n fsd f6, 48(%1)\n fsd f7, 56(%1)\n"
		"fsd f8, 64(%1)\n fsd f9, 72(%1)\n fsd f10, 80(%1)\n fsd f11, 88(%1)\n"
		"fsd f12, 96(%1)\n fsd f13, 104(%1)\n fsd f14, 112(%1)\n fsd f15, 120(%1)\n"
		"fsd f16, 128(%1)\n fsd f17, 136(%1)\n fsd f18, 144(%1)\n fsd f19, 152(%1)\n"
		"fsd f20, 160(%1)\n fsd f21, 168(%1)\n fsd f22, 176(%1)\n fsd f23, 184(%1)\n"
		"fsd f24, 192(%1)\n fsd f25, 200(%1)\n fsd f26, 208(%1)\n fsd f27, 216(%1)\n"
		"fsd f28, 224(%1)\n fsd f29, 232(%1)\n fsd f30, 240(%1)\n fsd f31, 248(%1)\n"
		:
		: "r"(fp_in), "r"(fp_out), "i"(CAIRN_CAP_SLEEP), "i"(CAIRN_OC_SLEEP_NOW),
		  "i"(CAIRN_SYS_CALL), "i"(CAP_CASE(0))
		: "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t0", "t1", "memory", "f0", "f1",
		  "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14",
		  "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25",
		  "f26", "f27", "f28", "f29", "f30", "f31");
}

static void case_fp_survives(void)
{
	struct kid srv;
	for (unsigned i = 0; i < 32; i++) {
		fp_in[i] = 0x4000000000000000ull + 0x1234567ull * (i + 1);
		kid_fp_values[i] = 0xc100000000000000ull + i;
	}
	if (!kid_up(&srv, ROLE_FP_SERVER, READY_AVAILABLE) ||
	    !ok("start key", kid_start_key(&srv, CAP_CASE(0))))
		return;
	fp_call_around();
	if (kid_cells[srv.cell].value != 1)
		failf("the FP server was called %" PRIu64 " times, want 1",
		      kid_cells[srv.cell].value);
	for (unsigned i = 0; i < 32; i++)
		if (fp_out[i] != fp_in[i])
			failf("f%u = %#" PRIx64 " after SLEEP NOW and a call, want %#" PRIx64, i,
			      fp_out[i], fp_in[i]);
}

/* --- bug 7: DOMAIN SET_REG pc on yourself ---------------------------- */

/* SET_REG pc = label 1 on the driver itself; returns which instruction ran
 * next: 2 label 1 (right), 0 label 1 + 4, 1 the one after the ecall. */
static uint64_t set_own_pc(uint64_t *rc)
{
	uint64_t where, code;
	__asm__ volatile(".option push\n .option norvc\n" /* 4-byte instructions */
			 "li t3, 0\n lla a3, 1f\n"
			 "li a0, %2\n li a1, %3\n li a2, %4\n li a4, 0\n li a5, 0\n li a6, 0\n"
			 "li a7, %5\n li t0, 0\n li t1, 0\n ecall\n"
			 "li t3, 1\n j 2f\n"
			 "1: li t3, 2\n j 2f\n"
			 "li t3, 3\n"
			 "2: mv %0, t3\n mv %1, a1\n .option pop\n"
			 : "=r"(where), "=r"(code)
			 : "i"(CAP_SELF), "i"(CAIRN_OC_DOMAIN_SET_REG), "i"(CAIRN_REG_PC),
			   "i"(CAIRN_SYS_CALL)
			 : "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t0", "t1", "t3",
			   "memory");
	*rc = code;
	return where;
}

static void case_own_pc(void)
{
	uint64_t rc, where = set_own_pc(&rc);
	if (where == 0)
		failf("resumed 4 bytes past the pc given");
	else if (where == 1)
		failf("the pc did not change (reply %s)", cairn_result_name(rc));
	else if (where != 2)
		failf("resumed at the wrong place (%" PRIu64 ")", where);
	else
		rc_is("reply", rc, CAIRN_OK);
}

/* --- bug 2: a domain's register, FP and capability nodes ------------- */

/* Read slot `slot` of node `node` as a number; ~0 if it holds none. */
static uint64_t number_in(cap_t node, unsigned slot)
{
	uint64_t lo = ~0ull;
	if (cairn_node_read_number(node, slot, &lo, NULL) != CAIRN_OK)
		return ~0ull;
	return lo;
}

/* Nothing was written into k's capability node or into `page`. */
static void check_keys_untouched(const struct kid *k, cap_t page)
{
	char head[8];
	struct cairn_io io = { .w = { 0, sizeof head }, .buf = head, .max = sizeof head };
	if (kid_node_key(k, KID_CAPS, CAP_TMP(0)) == CAIRN_OK) {
		cairn_node_get(CAP_TMP(0), CAIRN_CAP_SLEEP, CAP_TMP(1));
		type_is("its capability register 2", CAP_TMP(1), CAIRN_KEY_SLEEP);
		cairn_node_get(CAP_TMP(0), KID_CAP_RECV, CAP_TMP(1));
		type_is("its capability register 5", CAP_TMP(1), CAIRN_KEY_VOID);
	}
	if (cairn_inv_PAGE_READ(page, &io) == CAIRN_OK && memcmp(head, "pwned!!", 8) == 0)
		failf("the page it holds was written");
}

/* The kid never ran, and none of its nodes, page or node was written. */
static void check_untouched(const struct kid *k, cap_t page)
{
	if (kid_cells[k->cell].state != 0)
		failf("the domain ran");
	if (kid_node_key(k, KID_GPRS, CAP_TMP(0)) == CAIRN_OK &&
	    number_in(CAP_TMP(0), CAIRN_REG_PC) != (uintptr_t)kid_main)
		failf("its register node was written (pc %#" PRIx64 ")",
		      number_in(CAP_TMP(0), CAIRN_REG_PC));
	if (kid_node_key(k, KID_FPRS, CAP_TMP(0)) == CAIRN_OK && number_in(CAP_TMP(0), 0) != ~0ull)
		failf("its FP node was written (f0 %#" PRIx64 ")", number_in(CAP_TMP(0), 0));
	check_keys_untouched(k, page);
}

/* A kid whose root slot `slot` holds its node through a key with `rights`
 * added: its domain key answers NOT_DOMAIN, its start key VOID, and
 * nothing it could write is written. */
static void node_through_weak_key(unsigned slot, unsigned which, uint64_t rights)
{
	struct kid k;
	uint64_t off, v;
	kid_alloc(&k);
	if (!ok("page", fresh_page(CAP_CASE(1), &off)) ||
	    !ok("node", fresh_node(CAP_CASE(2), &off)) ||
	    !ok("number", node_write_number(CAP_CASE(2), 0, 99)) ||
	    !ok("build", kid_build(&k, ROLE_INTRUDER)) ||
	    !ok("give page", kid_give(&k, KID_CAP_A, CAP_CASE(1))) ||
	    !ok("give node", kid_give(&k, KID_CAP_B, CAP_CASE(2))) ||
	    !ok("start key", kid_start_key(&k, CAP_CASE(3))) ||
	    !ok("domain key", kid_domain(&k, CAP_CASE(4))) ||
	    !ok("node key", kid_node_key(&k, which, CAP_TMP(0))) ||
	    !ok("weaken", cairn_node_weaken(CAP_TMP(0), rights, CAP_TMP(1))) ||
	    !ok("root slot", kid_set_root(&k, slot, CAP_TMP(1))))
		return;
	rc_is("DOMAIN GET_REG", cairn_domain_get_reg(CAP_CASE(4), CAIRN_REG_PC, &v),
	      CAIRN_NOT_DOMAIN);
	rc_is("CALL its start key", cairn_call(CAP_CASE(3), NULL, NULL, NULL), CAIRN_VOID);
	rc_is("DOMAIN START", cairn_domain_start(CAP_CASE(4), ~0ull), CAIRN_NOT_DOMAIN);
	nap(30);
	check_untouched(&k, CAP_CASE(1));
}

static void case_ro_gprs(void)
{
	node_through_weak_key(CAIRN_DOM_SLOT_GPRS, KID_GPRS, CAIRN_RIGHT_RO);
}

static void case_weak_gprs(void)
{
	node_through_weak_key(CAIRN_DOM_SLOT_GPRS, KID_GPRS, CAIRN_RIGHT_WEAK);
}

static void case_ro_fprs(void)
{
	node_through_weak_key(CAIRN_DOM_SLOT_FPRS, KID_FPRS, CAIRN_RIGHT_RO);
}

static void case_weak_fprs(void)
{
	node_through_weak_key(CAIRN_DOM_SLOT_FPRS, KID_FPRS, CAIRN_RIGHT_WEAK);
}

static void case_ro_caps(void)
{
	node_through_weak_key(CAIRN_DOM_SLOT_CAPS, KID_CAPS, CAIRN_RIGHT_RO);
}

static void case_weak_caps(void)
{
	node_through_weak_key(CAIRN_DOM_SLOT_CAPS, KID_CAPS, CAIRN_RIGHT_WEAK);
}

/* With only a WEAK key to a victim's root, a domain built on NODE GET(weak
 * root, capability slot) must not run with the victim's keys. */
static void case_weak_victim(void)
{
	static const char mine[8] = "victim!";
	struct kid v, a;
	uint64_t off, v0 = 0;
	struct cairn_io w = { .w = { 0 }, .str = mine, .len = sizeof mine };
	if (!ok("page", fresh_page(CAP_CASE(1), &off)) ||
	    !ok("page write", cairn_inv_PAGE_WRITE(CAP_CASE(1), &w)) ||
	    !ok("node", fresh_node(CAP_CASE(2), &off)) ||
	    !ok("number", node_write_number(CAP_CASE(2), 0, 77)))
		return;
	kid_alloc(&v);
	if (!ok("build victim", kid_build(&v, ROLE_ECHO)) ||
	    !ok("give page", kid_give(&v, KID_CAP_A, CAP_CASE(1))) ||
	    !ok("give node", kid_give(&v, KID_CAP_B, CAP_CASE(2))) ||
	    !ok("start victim", kid_start(&v)) || !wait_run_state(&v, CAIRN_DOM_AVAILABLE, 2000)) {
		failf("setup: the victim never became available");
		return;
	}
	if (!ok("root key", kid_node_key(&v, KID_ROOT, CAP_TMP(0))) ||
	    !ok("weaken", cairn_node_weaken(CAP_TMP(0), CAIRN_RIGHT_WEAK, CAP_TMP(1))) ||
	    !ok("fetch caps", cairn_node_get(CAP_TMP(1), CAIRN_DOM_SLOT_CAPS, CAP_CASE(3))))
		return;
	kid_alloc(&a);
	if (!ok("build intruder", kid_build(&a, ROLE_INTRUDER)) ||
	    !ok("its caps", kid_set_root(&a, CAIRN_DOM_SLOT_CAPS, CAP_CASE(3))) ||
	    !ok("domain key", kid_domain(&a, CAP_CASE(4))))
		return;
	rc_is("DOMAIN START", cairn_domain_start(CAP_CASE(4), ~0ull), CAIRN_NOT_DOMAIN);
	nap(30);
	if (kid_cells[a.cell].state != 0)
		failf("the domain ran with the victim's capability node");
	check_keys_untouched(&v, CAP_CASE(1));
	if (kid_node_key(&v, KID_CAPS, CAP_TMP(0)) == CAIRN_OK &&
	    cairn_node_get(CAP_TMP(0), KID_CAP_B, CAP_TMP(1)) == CAIRN_OK &&
	    cairn_node_read_number(CAP_TMP(1), 0, &v0, NULL) == CAIRN_OK && v0 != 77)
		failf("the victim's node was changed");
	/* The victim itself still works. */
	if (ok("victim start key", kid_start_key(&v, CAP_TMP(2))))
		rc_is("CALL the victim", cairn_call(CAP_TMP(2), NULL, NULL, NULL), CAIRN_OK);
}

/* --- bug 6: rescinding a cached domain's capability node ------------- */

static void case_caps_detach(void)
{
	struct kid d;
	kid_alloc(&d);
	if (!ok("build", kid_build(&d, ROLE_CAPS_PROBE)) ||
	    !ok("caps key", kid_node_key(&d, KID_CAPS, CAP_TMP(0))) ||
	    !ok("number", node_write_number(CAP_TMP(0), KID_CAP_A, 111)) ||
	    !ok("start", kid_start(&d)))
		return;
	if (!wait_run_state(&d, CAIRN_DOM_AVAILABLE, 2000)) {
		failf("setup: the probe never became available");
		return;
	}
	/* It is cached now. Rescind its capability node and rebuild it. */
	if (!ok("start key", kid_start_key(&d, CAP_CASE(0))) ||
	    !ok("rescind", cairn_range_rescind(CAP_NODES, d.node[KID_CAPS])) ||
	    !ok("rebuilt key", kid_node_key(&d, KID_CAPS, CAP_CASE(1))) ||
	    !ok("new number", node_write_number(CAP_CASE(1), KID_CAP_A, 222)) ||
	    !ok("new sleep key", cairn_node_swap(CAP_CASE(1), CAIRN_CAP_SLEEP, CAIRN_CAP_SLEEP, 0)))
		return;
	struct cairn_msg m = { .order = 1, .keys = { CAP_DISCRIM } };
	if (!rc_is("SEND to it", send_rc(CAP_CASE(0), &m), CAIRN_OK))
		return;
	if (!wait_cell(d.cell, 1, 2000)) {
		failf("it never received the message");
		return;
	}
	struct kid_cell *c = &kid_cells[d.cell];
	if (c->rc == CAIRN_OK)
		failf("it read the rebuilt node's register 3: number %" PRIu64, c->value);
	rc_is("its NUMBER READ of register 3", c->rc, CAIRN_VOID);
	rc_is("its SLEEP NOW on register 2", c->arg2, CAIRN_VOID);
	cairn_node_get(CAP_CASE(1), KID_CAP_RECV, CAP_TMP(0));
	type_is("the rebuilt node's slot 5 (its receive register)", CAP_TMP(0), CAIRN_KEY_VOID);
}

/* --- bug 4: callers stalled on a busy server are woken --------------- */

static void case_wake_on_halt(void)
{
	struct kid s, c;
	if (!kid_up(&s, ROLE_BUSY, READY_CELL) ||
	    !ok("start key", kid_start_key(&s, CAP_CASE(0))) ||
	    !caller_stalls(&c, CAP_CASE(0), true))
		return;
	kid_cells[s.cell].cmd = 1; /* ebreak with no keeper: the server halts */
	if (!wait_run_state(&s, CAIRN_DOM_HALTED, 2000)) {
		failf("setup: the server did not halt");
		return;
	}
	if (!wait_cell(c.cell, 2, 2000)) {
		failf("the caller was not woken when its server halted");
		return;
	}
	rc_is("the caller's CALL", kid_cells[c.cell].rc, CAIRN_HALTED);
}

static void case_wake_on_rescind(void)
{
	struct kid s, c;
	if (!kid_up(&s, ROLE_BUSY, READY_CELL) ||
	    !ok("start key", kid_start_key(&s, CAP_CASE(0))) ||
	    !caller_stalls(&c, CAP_CASE(0), true) || !ok("rescind", kid_rescind(&s)))
		return;
	if (!wait_cell(c.cell, 2, 2000)) {
		failf("the caller was not woken when its server was rescinded");
		return;
	}
	rc_is("the caller's CALL", kid_cells[c.cell].rc, CAIRN_VOID);
}

/* The server's RETURN to its first caller wakes the one stalled behind
 * it (act_wake_next_caller), whichever copy of the IPC fast path or the
 * general path takes the RETURN (inv/ipc_fast.h: the copy without calls
 * must leave a RETURN with a stalled caller to the copy that wakes it).
 * The callers use no FP (regress_kids.c keeps FP out of kid_main), so the
 * RETURN reaches the copy without calls; periodic checkpoints are off
 * meanwhile, as a demarcation between the calls and the RETURN would
 * leave the first caller's root clean and send the RETURN to the copy
 * with calls anyway. */
static void case_wake_on_return(void)
{
	struct cairn_io st = { 0 };
	if (!ok("checkpoint STATS", cairn_inv_CHECKPOINT_STATS(CAP_CKPT, &st)))
		return;
	uint64_t interval = st.w[1];
	struct cairn_io off = { .w = { 0 } };
	if (!ok("checkpoints off", cairn_inv_CHECKPOINT_SET_INTERVAL(CAP_CKPT, &off)))
		return;
	struct kid s, c1, c2;
	if (kid_up(&s, ROLE_SLOW_ECHO, READY_AVAILABLE) &&
	    ok("start key", kid_start_key(&s, CAP_CASE(0))) &&
	    caller_stalls(&c1, CAP_CASE(0), true) && caller_stalls(&c2, CAP_CASE(0), true)) {
		if (!wait_cell(c1.cell, 2, 2000))
			failf("the first caller got no reply");
		else if (!wait_cell(c2.cell, 2, 2000))
			failf("the stalled caller was not woken when the server returned");
		rc_is("the first caller's CALL", kid_cells[c1.cell].rc, CAIRN_OK);
		rc_is("the stalled caller's CALL", kid_cells[c2.cell].rc, CAIRN_OK);
	}
	struct cairn_io on = { .w = { interval } };
	ok("checkpoints back on", cairn_inv_CHECKPOINT_SET_INTERVAL(CAP_CKPT, &on));
}

/* --- bug 5: leaked activities ---------------------------------------- */

/* What the leak worker reports in its cell's rc besides result codes. */
#define LEAK_TIMED_OUT (~0ull)

static uint64_t timed(bool in_time)
{
	return in_time ? CAIRN_OK : LEAK_TIMED_OUT;
}

/* A busy server s (its start key in CAP_CASE(0)) and a sink g (CAP_CASE(1)). */
static uint64_t leak_setup(struct kid *s, struct kid *g)
{
	uint64_t rc;
	kid_alloc(s);
	kid_alloc(g);
	if ((rc = kid_build(s, ROLE_BUSY)) || (rc = kid_start(s)) ||
	    (rc = kid_start_key(s, CAP_CASE(0))) || (rc = kid_build(g, ROLE_SINK)) ||
	    (rc = kid_start(g)) || (rc = kid_start_key(g, CAP_CASE(1))) ||
	    (rc = timed(wait_cell(s->cell, 1, 2000))))
		return rc;
	return timed(wait_run_state(g, CAIRN_DOM_AVAILABLE, 2000));
}

/* LEAK_ROUNDS times: a caller built on the same nodes stalls on the busy
 * server and is rescinded. `done` counts the rounds. */
static uint64_t leak_rounds(volatile uint64_t *done)
{
	struct kid c;
	uint64_t rc;
	kid_alloc(&c);
	for (unsigned i = 0; i < LEAK_ROUNDS; i++) {
		if ((rc = kid_build(&c, ROLE_CALLER)) ||
		    (rc = kid_give(&c, KID_CAP_A, CAP_CASE(0))) || (rc = kid_start(&c)))
			return rc;
		for (unsigned t = 0; t < 1000 && kid_cells[c.cell].state == 0; t++)
			nap(0); /* a yield: the caller runs, calls and stalls */
		nap(0);
		if ((rc = kid_rescind(&c)))
			return rc;
		*done = i + 1;
	}
	return CAIRN_OK;
}

/* The worker (a kid with the driver's CAP_NODES, CAP_PAGES and CAP_SPACE):
 * after the rounds, DOMAIN START and SEND must still work. Its cell:
 * value = rounds done, state 2 after the rounds and 3 at the end, rc =
 * the first failure (a result code or LEAK_TIMED_OUT), arg2 = its step. */
void leak_work(unsigned cell)
{
	struct kid_cell *me = &kid_cells[cell];
	struct kid s, g, f;
	uint64_t rc;
	me->state = 1;
	me->arg2 = 1;
	if ((rc = leak_setup(&s, &g)) == CAIRN_OK) {
		me->arg2 = 2;
		rc = leak_rounds(&me->value);
	}
	if (rc == CAIRN_OK) {
		me->state = 2;
		me->arg2 = 3;
		kid_alloc(&f);
		if ((rc = kid_build(&f, ROLE_FLAG)) == CAIRN_OK && (rc = kid_start(&f)) == CAIRN_OK)
			rc = timed(wait_cell(f.cell, 1, 2000));
	}
	if (rc == CAIRN_OK) {
		me->arg2 = 4;
		rc = send_rc(CAP_CASE(1), &(struct cairn_msg){ .order = 1 });
	}
	if (rc == CAIRN_OK) {
		me->arg2 = 5;
		for (unsigned t = 0; t < 2000 && kid_cells[g.cell].value == 0; t += 2)
			nap(2);
		rc = timed(kid_cells[g.cell].value == 1);
	}
	kid_cells[s.cell].cmd = 1; /* the server halts */
	me->rc = rc;
	me->state = 3;
	for (;;)
		cairn_wait(NULL, NULL);
}

static void case_activity_leak(void)
{
	static const char *const steps[] = { "",
					     "setup",
					     "a round",
					     "DOMAIN START afterwards",
					     "SEND afterwards",
					     "the SEND's delivery" };
	struct kid w;
	kid_alloc(&w);
	if (!ok("build worker", kid_build(&w, ROLE_LEAK)) ||
	    !ok("give nodes", kid_give(&w, CAP_NODES, CAP_NODES)) ||
	    !ok("give pages", kid_give(&w, CAP_PAGES, CAP_PAGES)) ||
	    !ok("give space", kid_give(&w, CAP_SPACE, CAP_SPACE)) ||
	    !ok("start worker", kid_start(&w)))
		return;
	struct kid_cell *c = &kid_cells[w.cell];
	for (unsigned t = 0; c->state < 3 && t < 40000; t += 50)
		nap(50);
	if (c->state < 3) {
		failf("stuck after %" PRIu64 " of %u rounds%s", c->value, LEAK_ROUNDS,
		      c->state == 2 ? ", in DOMAIN START or SEND afterwards" : "");
		return;
	}
	if (c->rc != CAIRN_OK)
		failf("%s failed after %" PRIu64 " rounds: %s", steps[c->arg2 % 6], c->value,
		      c->rc == LEAK_TIMED_OUT ? "timed out" : cairn_result_name(c->rc));
}

/* --- bug 5: more domains running at once than the old table held ------ */

#define CROWD 1100 /* the old table had 1024 entries, for the whole system */

/* A crowd member's program, needing no stack: its registers come from its
 * register node (a0 = the slot word of a CALL on KID_CAP_A, a7 = CALL).
 * It calls once (stalling on the busy server, so that it stays running),
 * then waits for ever: a RETURN on register 0. */
__attribute__((naked)) void crowd_stub(void)
{
	__asm__ volatile("ecall\n"
			 "li a0, 0\n"
			 "li a7, %0\n"
			 "1: ecall\n"
			 "j 1b\n"
			 :
			 : "i"(CAIRN_SYS_RETURN));
}

static uint64_t crowd_member(struct kid *k)
{
	uint64_t rc;
	kid_alloc(k);
	if ((rc = kid_build(k, ROLE_FLAG)) != CAIRN_OK)
		return rc;
	/* kid_build left k's register node key in CAP_B_GPRS. */
	if ((rc = node_write_number(CAP_B_GPRS, CAIRN_REG_PC, (uintptr_t)crowd_stub)) ||
	    (rc = node_write_number(CAP_B_GPRS, CAIRN_REG_X(10),
				    cairn_slot_word(KID_CAP_A, NULL, NULL, 0))) ||
	    (rc = node_write_number(CAP_B_GPRS, CAIRN_REG_X(17), CAIRN_SYS_CALL)) ||
	    (rc = kid_give(k, KID_CAP_A, CAP_CASE(0))))
		return rc;
	return kid_start(k);
}

/* CROWD domains each stall on one busy server, so all of them run at
 * once; a checkpoint then lists every one, and halting the server lets
 * them all go. */
static void case_crowd(void)
{
	struct kid s, k;
	struct cairn_domain_state st;
	struct cairn_io io = { 0 };
	if (!kid_up(&s, ROLE_BUSY, READY_CELL) || !ok("start key", kid_start_key(&s, CAP_CASE(0))))
		return;
	for (unsigned i = 0; i < CROWD; i++) {
		uint64_t rc = crowd_member(&k);
		if (rc != CAIRN_OK) {
			failf("domain %u of %u: %s", i + 1, CROWD, cairn_result_name(rc));
			return;
		}
		if (i % 64 == 63)
			nap(0); /* let them run and stall as they come */
	}
	nap(100); /* the last ones run and stall too (a stalled caller's pc stays on its ecall) */
	if (!rc_is("the last domain's state", kid_state(&k, &st), CAIRN_OK))
		return;
	if (st.run_state != CAIRN_DOM_RUNNING || st.pc != (uintptr_t)crowd_stub) {
		failf("the last domain is not stalled in its call (state %" PRIu64 ")",
		      st.run_state);
		return;
	}
	if (!ok("FORCE", cairn_inv_CHECKPOINT_FORCE(CAP_CKPT, &io)))
		return;
	uint64_t gen = io.w[0];
	for (unsigned t = 0;; t += 10) {
		struct cairn_io stats = { 0 };
		if (cairn_inv_CHECKPOINT_STATS(CAP_CKPT, &stats) == CAIRN_OK && stats.w[0] >= gen)
			break;
		if (t >= 20000) {
			failf("the checkpoint listing %u running domains never committed", CROWD);
			return;
		}
		nap(10);
	}
	kid_cells[s.cell].cmd = 1; /* the server halts: every caller gets HALTED, then waits */
	if (!wait_run_state(&k, CAIRN_DOM_AVAILABLE, 5000))
		failf("the last domain was not let go when its server halted");
}

/* --- bug 1: one root, two activities, and a checkpoint --------------- */

/* Bug 1's two ways of giving one root two activities, as the mask selects. */
static bool two_activities(unsigned mask, struct kid *c1, struct kid *c2, uint64_t *restart_rc)
{
	/* A caller stalls, is rescinded, is built again on the same nodes and
	 * stalls again. */
	if ((mask & (G_DUP | G_DUP_RESCIND)) &&
	    (!caller_stalls(c1, CAP_CASE(0), true) || !ok("rescind", kid_rescind(c1)) ||
	     !caller_stalls(c1, CAP_CASE(0), false)))
		return false;
	/* Another stalls, its state slot is rewritten, and it is started again. */
	if (mask & (G_DUP | G_DUP_REWRITE)) {
		if (!caller_stalls(c2, CAP_CASE(0), true) ||
		    !ok("root key", kid_node_key(c2, KID_ROOT, CAP_TMP(0))) ||
		    !ok("state slot",
			node_write_number(CAP_TMP(0), CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED)))
			return false;
		*restart_rc = kid_start(c2);
		nap(20);
	}
	return true;
}

static bool committed(uint64_t gen, unsigned ms)
{
	for (unsigned t = 0;; t += 10) {
		struct cairn_io io = { 0 };
		if (cairn_inv_CHECKPOINT_STATS(CAP_CKPT, &io) == CAIRN_OK && io.w[0] >= gen)
			return true;
		if (t >= ms)
			return false;
		nap(10);
	}
}

static void case_duplicate_thread(unsigned mask)
{
	struct kid s, c1, c2, z;
	struct cairn_io io = { 0 };
	uint64_t rc = CAIRN_OK;
	if (!kid_up(&s, ROLE_BUSY, READY_CELL) ||
	    !ok("start key", kid_start_key(&s, CAP_CASE(0))) ||
	    !two_activities(mask, &c1, &c2, &rc) ||
	    /* And a sleep in progress at the checkpoint: after the restart it
	     * must still be sleeping (it had ten minutes to go). */
	    !kid_up(&z, ROLE_SLEEPER, READY_CELL)) {
		check_report("duplicate thread");
		return;
	}
	/* The clock since boot must be far ahead of where the restarted
	 * system will be when it reads it: that is how a restart is seen. */
	while (now_us() < 10000000)
		nap(100);
	uint64_t t0 = now_us();
	if (!ok("FORCE", cairn_inv_CHECKPOINT_FORCE(CAP_CKPT, &io))) {
		check_report("duplicate thread");
		return;
	}
	uint64_t gen = io.w[0];
	if (!committed(gen, 20000)) {
		failf("checkpoint %" PRIu64
		      " was never committed (restarting the stalled caller: %s)",
		      gen, cairn_result_name(rc));
		check_report("duplicate thread");
		return;
	}
	if (now_us() >= t0) /* not yet restarted */
		printf("duplicate thread: checkpoint %" PRIu64 " committed, kill now\n", gen);
	for (unsigned t = 0; t < 60000; t += 20) {
		if (now_us() < t0) {
			printf("duplicate thread: resumed\n");
			nap(1000);
			if (kid_cells[z.cell].state == 1)
				printf("sleep across a restart: ok\n");
			else
				printf("sleep across a restart: FAIL a 10-minute sleep ended at the "
				       "restart\n");
			return;
		}
		nap(20);
	}
	failf("not killed within a minute");
	check_report("duplicate thread");
}

/* --- the driver ------------------------------------------------------- */

struct regress_case {
	unsigned group;
	const char *name;
	void (*run)(void);
};

static const struct regress_case cases[] = {
	{ G_FP, "FP registers survive a kernel-key call", case_fp_survives },
	{ G_PC, "SET_REG pc on yourself", case_own_pc },
	{ G_RIGHTS, "register node through an RO key", case_ro_gprs },
	{ G_RIGHTS, "register node through a WEAK key", case_weak_gprs },
	{ G_RIGHTS, "FP node through an RO key", case_ro_fprs },
	{ G_RIGHTS, "FP node through a WEAK key", case_weak_fprs },
	{ G_RIGHTS, "capability node through an RO key", case_ro_caps },
	{ G_RIGHTS, "capability node through a WEAK key", case_weak_caps },
	{ G_RIGHTS, "capability node of a WEAK victim", case_weak_victim },
	{ G_CAPS, "rescinded capability node detaches", case_caps_detach },
	{ G_WAKE, "stalled caller woken when the server halts", case_wake_on_halt },
	{ G_WAKE, "stalled caller woken when the server is rescinded", case_wake_on_rescind },
	{ G_WAKE, "stalled caller woken when the server returns", case_wake_on_return },
	{ G_SPACE, "MAKE_SPACE keeps the key's rights", case_make_space },
	{ G_RULES, "rescinded node keys are void", case_rescind_node },
	{ G_RULES, "rescinded domain keys are void", case_rescind_domain },
	{ G_RULES, "rescinded page keys are void and unmapped", case_rescind_page },
	{ G_RULES, "a rescind zeroes a page written after an earlier rescind",
	  case_rescind_zero_again },
	{ G_RULES, "RETURN on a kernel key hands its reply on", case_reply_onward },
	{ G_RULES, "RO page key", case_ro_page },
	{ G_RULES, "RO and WEAK space keys map read-only", case_ro_spaces },
	{ G_RULES, "a space node's slot changed under a mapping", case_space_slot_changed },
	{ G_RULES, "WEAK node key weakens what it fetches", case_weak_node },
	{ G_RULES, "fast path checks the start key's count", case_fast_path_counts },
	{ G_RULES, "IDENTIFY and 48-bit start badges", case_identify },
	{ G_RULES, "RANGE IDENTIFY_KEYS: each key in the range of its type", case_identify_keys },
	{ G_LEAK, "activities of rescinded callers", case_activity_leak },
	{ G_CROWD, "1100 domains running at once", case_crowd },
};

int main(uint64_t arg)
{
	unsigned mask = arg ? (unsigned)arg : ~0u;
	printf("start, groups %#x\n", mask);
	if (cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE) != CAIRN_OK) {
		printf("UNEXPECTED no space key\n");
		return 0;
	}
	if ((mask & G_RULES) && !rules_setup()) {
		printf("UNEXPECTED no echo server: %s\n", check_why());
		check_reset();
	}
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!(mask & cases[i].group))
			continue;
		cases[i].run();
		check_report(cases[i].name);
	}
	if (mask & (G_DUP | G_DUP_RESCIND | G_DUP_REWRITE))
		case_duplicate_thread(mask);
	printf("done\n");
	return 0;
}
