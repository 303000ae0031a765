/* SPDX-License-Identifier: MIT */
/*
 * regress: building test domains from nodes, and what they run (see
 * regress.h for the scheme).
 *
 * A kid is built as cairn-format builds a domain (docs/image-format.md):
 * root slot 0 the address space (here the driver's own space key, so the
 * kid runs this program), 2 the register node (pc = kid_main, sp = the top
 * of its stack in kid_stacks[], gp and tp the driver's, a0 = role, a1 =
 * cell), 3 an empty FP node, 4 the capability node (1 console, 2 sleep, 6
 * discrim), 5 void: halted. Every key comes from RANGE MAKE_KEY, so a kid
 * rebuilt on rescinded nodes gets keys with the new counts.
 *
 * The kid programs are loops over kernel invocations and their cell; none
 * of them prints, and none returns from kid_main.
 */
#include <string.h>

#include "regress.h"

struct kid_cell kid_cells[KID_CELLS];
uint64_t kid_fp_values[32];
static uint8_t kid_stacks[KID_CELLS][KID_STACK] __attribute__((aligned(16)));

static uint64_t next_node, next_page;
static unsigned next_cell;

#define TRY(x)                       \
	do {                         \
		uint64_t rc_ = (x);  \
		if (rc_ != CAIRN_OK) \
			return rc_;  \
	} while (0)

uint64_t fresh_node(cap_t into, uint64_t *off)
{
	*off = next_node++;
	return cairn_range_make_key(CAP_NODES, *off, into);
}

uint64_t fresh_page(cap_t into, uint64_t *off)
{
	*off = next_page++;
	return cairn_range_make_key(CAP_PAGES, *off, into);
}

void kid_alloc(struct kid *k)
{
	for (unsigned i = 0; i < KID_NODES; i++)
		k->node[i] = next_node++;
	/* The last cell is shared by any kids beyond the table: their tests
	 * fail, nothing else is hurt. */
	k->cell = next_cell < KID_CELLS - 1 ? next_cell++ : KID_CELLS - 1;
}

uint64_t node_write_number(cap_t node, unsigned slot, uint64_t value)
{
	struct cairn_io io = { .w = { slot, value, 0 } };
	return cairn_inv_NODE_WRITE_NUMBER(node, &io);
}

/* The type of the key in `key` (VOID if it is invalid), and its rights. */
uint64_t key_type_of(cap_t key, uint64_t *rights)
{
	uint64_t type = ~0ull, r = 0;
	if (cairn_discrim_classify(CAP_DISCRIM, key, &type, &r) != CAIRN_OK)
		type = ~0ull;
	if (rights)
		*rights = r;
	return type;
}

/* SEND, returning the result code the kernel leaves in a1. */
uint64_t send_rc(cap_t target, const struct cairn_msg *m)
{
	struct cairn_reply rep;
	cairn_syscall(cairn_op(CAIRN_SYS_SEND, m->len), cairn_slot_word(target, m->keys, NULL, 0),
		      m->order, m->w, m->str, NULL, 0, &rep);
	return rep.code;
}

void nap(uint64_t ms)
{
	cairn_sleep_for(CAIRN_CAP_SLEEP, ms);
}

bool wait_cell(unsigned cell, uint64_t at_least, unsigned ms)
{
	for (unsigned t = 0; kid_cells[cell].state < at_least; t += 2) {
		if (t >= ms)
			return false;
		nap(2);
	}
	return true;
}

bool wait_run_state(const struct kid *k, uint64_t run_state, unsigned ms)
{
	struct cairn_domain_state st;
	for (unsigned t = 0;; t += 2) {
		if (kid_state(k, &st) == CAIRN_OK && st.run_state == run_state)
			return true;
		if (t >= ms)
			return false;
		nap(2);
	}
}

static uint64_t reg_gp(void)
{
	uint64_t v;
	__asm__("mv %0, gp" : "=r"(v));
	return v;
}

static uint64_t reg_tp(void)
{
	uint64_t v;
	__asm__("mv %0, tp" : "=r"(v));
	return v;
}

uint64_t kid_node_key(const struct kid *k, unsigned which, cap_t into)
{
	return cairn_range_make_key(CAP_NODES, k->node[which], into);
}

uint64_t kid_build(const struct kid *k, enum kid_role role)
{
	memset((void *)&kid_cells[k->cell], 0, sizeof(kid_cells[k->cell]));
	uint64_t sp = (uintptr_t)&kid_stacks[k->cell][KID_STACK];
	TRY(kid_node_key(k, KID_GPRS, CAP_B_GPRS));
	TRY(node_write_number(CAP_B_GPRS, CAIRN_REG_PC, (uintptr_t)kid_main));
	TRY(node_write_number(CAP_B_GPRS, CAIRN_REG_X(2), sp));
	TRY(node_write_number(CAP_B_GPRS, CAIRN_REG_X(3), reg_gp()));
	TRY(node_write_number(CAP_B_GPRS, CAIRN_REG_X(4), reg_tp()));
	TRY(node_write_number(CAP_B_GPRS, CAIRN_REG_X(10), role));
	TRY(node_write_number(CAP_B_GPRS, CAIRN_REG_X(11), k->cell));
	TRY(kid_node_key(k, KID_FPRS, CAP_B_FPRS));
	TRY(kid_node_key(k, KID_CAPS, CAP_B_CAPS));
	TRY(cairn_node_swap(CAP_B_CAPS, CAIRN_CAP_CONSOLE, CAIRN_CAP_CONSOLE, 0));
	TRY(cairn_node_swap(CAP_B_CAPS, CAIRN_CAP_SLEEP, CAIRN_CAP_SLEEP, 0));
	TRY(cairn_node_swap(CAP_B_CAPS, CAP_DISCRIM, CAP_DISCRIM, 0));
	TRY(kid_node_key(k, KID_ROOT, CAP_B_ROOT));
	TRY(cairn_node_swap(CAP_B_ROOT, CAIRN_DOM_SLOT_SPACE, CAP_SPACE, 0));
	TRY(cairn_node_swap(CAP_B_ROOT, CAIRN_DOM_SLOT_GPRS, CAP_B_GPRS, 0));
	TRY(cairn_node_swap(CAP_B_ROOT, CAIRN_DOM_SLOT_FPRS, CAP_B_FPRS, 0));
	TRY(cairn_node_swap(CAP_B_ROOT, CAIRN_DOM_SLOT_CAPS, CAP_B_CAPS, 0));
	return node_write_number(CAP_B_ROOT, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED);
}

uint64_t kid_give(const struct kid *k, unsigned cap_reg, cap_t from)
{
	TRY(kid_node_key(k, KID_CAPS, CAP_B_CAPS));
	return cairn_node_swap(CAP_B_CAPS, cap_reg, from, 0);
}

uint64_t kid_set_root(const struct kid *k, unsigned slot, cap_t from)
{
	TRY(kid_node_key(k, KID_ROOT, CAP_B_ROOT));
	return cairn_node_swap(CAP_B_ROOT, slot, from, 0);
}

uint64_t kid_domain(const struct kid *k, cap_t into)
{
	TRY(kid_node_key(k, KID_ROOT, CAP_B_ROOT));
	struct cairn_io io = { .rkeys = { into } };
	return cairn_inv_NODE_MAKE_DOMAIN(CAP_B_ROOT, &io);
}

uint64_t kid_start(const struct kid *k)
{
	TRY(kid_domain(k, CAP_B_DOM));
	return cairn_domain_start(CAP_B_DOM, ~0ull);
}

uint64_t kid_start_key(const struct kid *k, cap_t into)
{
	TRY(kid_domain(k, CAP_B_DOM));
	return cairn_domain_make_start(CAP_B_DOM, 0, into);
}

uint64_t kid_rescind(const struct kid *k)
{
	for (unsigned i = 0; i < KID_NODES; i++)
		TRY(cairn_range_rescind(CAP_NODES, k->node[i]));
	return CAIRN_OK;
}

uint64_t kid_state(const struct kid *k, struct cairn_domain_state *st)
{
	TRY(kid_domain(k, CAP_B_DOM));
	return cairn_domain_get_state(CAP_B_DOM, st);
}

/* --- the kids' programs ---------------------------------------------- */

static __attribute__((noreturn)) void park(void)
{
	for (;;)
		cairn_wait(NULL, NULL);
}

static __attribute__((noreturn)) void busy(struct kid_cell *c)
{
	c->state = 1;
	for (;;) {
		if (c->cmd == 1)
			__asm__ volatile("ebreak"); /* no keeper: the kid halts */
		nap(2);
	}
}

static __attribute__((noreturn)) void caller(struct kid_cell *c)
{
	c->state = 1;
	const struct cairn_msg m = { .order = c->cmd ? c->cmd : 1, .w = { c->arg ? c->arg : 7 } };
	c->rc = cairn_call(KID_CAP_A, &m, NULL, NULL);
	c->state = 2;
	park();
}

/* Answers each call by a RETURN on a range key that hands the kernel's
 * reply on to the caller (k3 = its resume key, docs/invocations.md). */
static __attribute__((noreturn)) void onward(struct kid_cell *c)
{
	const struct cairn_rcv rcv = { .resume = KID_CAP_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		c->value++;
		bool nodes = in.w[0] >> 63;
		const struct cairn_msg m = { .order = in.code,
					     .w = { in.w[0] & ~(1ull << 63) },
					     .keys = { 0, 0, 0, KID_CAP_RESUME } };
		cairn_return(nodes ? KID_CAP_B : KID_CAP_A, &m, &rcv, &in);
	}
}

static __attribute__((noreturn)) void echo(struct kid_cell *c)
{
	const struct cairn_rcv rcv = { .keys = { KID_CAP_RECV }, .resume = KID_CAP_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		uint64_t rights, type = key_type_of(KID_CAP_RECV, &rights);
		c->value++;
		c->arg2 = in.info & CAIRN_INFO_BADGE_MASK; /* the badge it was called through */
		const struct cairn_msg out = { .order = CAIRN_OK,
					       .w = { type, rights, in.w[0] + 1, c->value } };
		cairn_return(KID_CAP_RESUME, &out, &rcv, &in);
	}
}

/* A server that is busy for 300 ms with each call, so that a second
 * caller stalls on it and must be woken by its RETURN to the first. */
static __attribute__((noreturn)) void slow_echo(struct kid_cell *c)
{
	const struct cairn_rcv rcv = { .resume = KID_CAP_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		nap(300);
		c->value++;
		const struct cairn_msg out = { .order = CAIRN_OK, .w = { c->value } };
		cairn_return(KID_CAP_RESUME, &out, &rcv, &in);
	}
}

/* f0..f31 = values[0..31], raw bits. */
#define FP_LOAD_ALL                                                                   \
	"fld f0, 0(%0)\n fld f1, 8(%0)\n fld f2, 16(%0)\n fld f3, 24(%0)\n"           \
	"fld f4, 32(%0)\n fld f5, 40(%0)\n fld f6, 48(%0)\n fld f7, 56(%0)\n"         \
	"fld f8, 64(%0)\n fld f9, 72(%0)\n fld f10, 80(%0)\n fld f11, 88(%0)\n"       \
	"fld f12, 96(%0)\n fld f13, 104(%0)\n fld f14, 112(%0)\n fld f15, 120(%0)\n"  \
	"fld f16, 128(%0)\n fld f17, 136(%0)\n fld f18, 144(%0)\n fld f19, 152(%0)\n" \
	"fld f20, 160(%0)\n fld f21, 168(%0)\n fld f22, 176(%0)\n fld f23, 184(%0)\n" \
	"fld f24, 192(%0)\n fld f25, 200(%0)\n fld f26, 208(%0)\n fld f27, 216(%0)\n" \
	"fld f28, 224(%0)\n fld f29, 232(%0)\n fld f30, 240(%0)\n fld f31, 248(%0)\n"

#define FP_CLOBBERS                                                                             \
	"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", \
		"f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24",    \
		"f25", "f26", "f27", "f28", "f29", "f30", "f31"

/* noinline, as every role that touches FP: inlined into kid_main, its
 * FP clobbers would make every kid save fs0..fs11 at its first instruction
 * and so use FP (regress.c case_wake_on_return needs a kid that does not). */
static __attribute__((noreturn, noinline)) void fp_server(struct kid_cell *c)
{
	const struct cairn_rcv rcv = { .resume = KID_CAP_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		__asm__ volatile(FP_LOAD_ALL : : "r"(kid_fp_values) : "memory", FP_CLOBBERS);
		c->value++;
		cairn_return(KID_CAP_RESUME, &(struct cairn_msg){ .order = CAIRN_OK }, &rcv, &in);
	}
}

static __attribute__((noreturn)) void caps_probe(struct kid_cell *c)
{
	const struct cairn_rcv rcv = { .keys = { KID_CAP_RECV } };
	cairn_wait(&rcv, NULL);
	for (;;) {
		uint64_t lo = 0;
		uint64_t rc = cairn_number_read(KID_CAP_A, &lo, NULL);
		c->arg2 = cairn_sleep_now(CAIRN_CAP_SLEEP, NULL, NULL);
		c->rc = rc;
		c->value = lo;
		c->state++;
		cairn_wait(&rcv, NULL);
	}
}

static __attribute__((noreturn, noinline)) void intruder(struct kid_cell *c)
{
	static const char mark[8] = "pwned!!";
	c->state = 1;
	__asm__ volatile("li t2, 42\n fcvt.d.l f0, t2" : : : "t2", "f0"); /* FP in use */
	struct cairn_io io = { .w = { 0 }, .str = mark, .len = sizeof mark };
	cairn_inv_PAGE_WRITE(KID_CAP_A, &io);
	cairn_node_get(KID_CAP_B, 0, CAIRN_CAP_SLEEP);
	cairn_node_get(KID_CAP_B, 0, KID_CAP_RECV);
	park();
}

static __attribute__((noreturn)) void mapper(struct kid_cell *c)
{
	uint64_t last = 0;
	for (;;) {
		uint64_t cmd = c->cmd;
		if (cmd != last) {
			volatile uint64_t *at = (volatile uint64_t *)(uintptr_t)c->arg;
			if ((cmd & 0xff) == 1)
				c->value = *at;
			else if ((cmd & 0xff) == 2)
				*at = 0x5ca1ab1e;
			c->state = cmd;
			last = cmd;
		}
		nap(2);
	}
}

static __attribute__((noreturn)) void resumer(struct kid_cell *c)
{
	const struct cairn_rcv rcv = { .resume = KID_CAP_RESUME };
	cairn_wait(&rcv, NULL);
	c->value = key_type_of(KID_CAP_RESUME, NULL);
	c->state = 1;
	while (c->cmd != 1)
		nap(2);
	c->arg2 = key_type_of(KID_CAP_RESUME, NULL);
	c->rc = cairn_call(KID_CAP_RESUME, &(struct cairn_msg){ .order = CAIRN_OK }, NULL, NULL);
	c->state = 2;
	park();
}

static __attribute__((noreturn)) void sink(struct kid_cell *c)
{
	for (;;) {
		cairn_wait(NULL, NULL);
		c->value++;
	}
}

void kid_main(uint64_t role, uint64_t cell)
{
	struct kid_cell *c = &kid_cells[cell % KID_CELLS];
	switch (role) {
	case ROLE_BUSY:
		busy(c);
	case ROLE_CALLER:
		caller(c);
	case ROLE_ECHO:
		echo(c);
	case ROLE_FP_SERVER:
		fp_server(c);
	case ROLE_CAPS_PROBE:
		caps_probe(c);
	case ROLE_INTRUDER:
		intruder(c);
	case ROLE_MAPPER:
		mapper(c);
	case ROLE_RESUMER:
		resumer(c);
	case ROLE_SINK:
		sink(c);
	case ROLE_LEAK:
		leak_work((unsigned)cell);
	case ROLE_ONWARD:
		onward(c);
	case ROLE_SLOW_ECHO:
		slow_echo(c);
	case ROLE_SLEEPER:
		c->state = 1;
		cairn_sleep_for(CAIRN_CAP_SLEEP, 600000);
		c->state = 2;
		park();
	case ROLE_FLAG:
	default:
		c->state = 1;
		park();
	}
}
