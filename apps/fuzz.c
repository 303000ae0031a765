/* SPDX-License-Identifier: MIT */
/*
 * fuzz: a domain that does, at random but reproducibly, everything a
 * hostile client of the space bank could: it invokes every key it holds
 * with mostly valid and some random order codes, slots, words, strings
 * and receive buffers; it builds domains out of nodes and pages of its
 * range keys, starts, halts, rebuilds and rescinds them, shares nodes
 * between them, gives them keepers, stalls them on busy servers, makes
 * them fault in every way and use the FPU; and it forces checkpoints.
 * apps/fuzz.image runs it beside counter and the ledger (the witnesses);
 * docs/testing.md says how the tests drive it.
 *
 * One program, many domains. The image's domain (arg 0) is the fuzzer;
 * every other domain is built by it, runs this same program from _start
 * with a0 = CHILD_ARG(role, param) and an address space of its own: slot
 * 0 (0..4 MiB: text, data, heap) is a WEAK read-only key to the fuzzer's
 * own, so children execute the same code and read the same constants but
 * can write nothing of the fuzzer's; slot 31 leads to one fresh stack page
 * at 0x7fff000, whose first bytes are the child's mailbox (struct
 * mailbox), which the fuzzer reads through its page key. Children never
 * write global variables and never call printf (stdout is a global).
 *
 * The seed is the number key in capability register 3 (the test writes
 * it into a temporary image), printed first: "fuzz: seed N". Register 11
 * is a number of option bits (FUZZ_SKIP_BUG(n): leave out the probe for
 * bug n of issue 8, and the random operations known to trigger it, for a
 * kernel that does not have its fix yet). Then, for ever:
 *
 *   fuzz: round N ok            after each round of random work
 *   fuzz: UNEXPECTED <what>     an invariant broke (any domain prints these)
 *
 * Invariants: every result code a kernel key or a server of ours returns
 * is one cairn/keytab.h names; FP registers survive calls; a domain built
 * from read-only or weak register/FP/capability nodes is refused
 * (NOT_DOMAIN); callers stalled on a server are woken when it goes; a
 * domain whose capability node is rescinded sees void keys; setting one's
 * own pc resumes exactly there; NODE MAKE_SPACE through a space key keeps
 * its rights; the protected echo server counted exactly the calls the
 * fuzzer made; the fuzzer's text is unchanged by receive buffers aimed at
 * it; no stalled caller is lost across rebuilds (the activity table does
 * not run out).
 *
 * What the fuzzer never does, so that it cannot wedge or corrupt itself
 * (that would be the fuzzer's bug, not the kernel's): invoke its own
 * domain key, its full range keys or the protected domains' domain keys at
 * random; send any of them (or its echo key) in a message; CALL or SEND
 * to a start key other than the protected echo's (a child may stall; it
 * must not be the fuzzer); sleep for more than a few milliseconds; turn
 * checkpoints off; write text that is not its own dots to the console.
 *
 * Capability registers (fuzzer): 1 console, 2 sleep, 3 number seed,
 * 4 range over the free nodes, 5 over the free pages, 6 domain key to
 * itself, 7 discrim, 8 checkpoint, 9 a node, 10 a page, 11 number options;
 * then made at start: 12 / 13 the wild sub-ranges (nodes / pages) that
 * random operations may touch, 14 start key to the protected echo (badge
 * FUZZ_BADGE), 15 the registry node (slot i: domain key to child i),
 * 16 / 17 domain keys to the protected echo and keeper, 18 always void,
 * 19 the weak key to its space that children map, 20..25 scratch (keys
 * random operations return), 26..31 temporaries.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cairn.h"

/* --- capability registers ------------------------------------------- */

#define CAP_SEED       3
#define CAP_NODES      4
#define CAP_PAGES      5
#define CAP_SELF       6
#define CAP_DISCRIM    7
#define CAP_CKPT       8
#define CAP_NODE       9
#define CAP_PAGE       10
#define CAP_OPTS       11
#define CAP_WILD_NODES 12
#define CAP_WILD_PAGES 13
#define CAP_ECHO       14
#define CAP_REGISTRY   15
#define CAP_ECHO_DOM   16
#define CAP_KEEPER_DOM 17
#define CAP_VOID       18
#define CAP_MYSPACE    19
#define CAP_SCRATCH0   20
#define N_SCRATCH      6
#define CAP_KEEPER_TMP 25 /* the last scratch register: a keeper key while building */
#define T0             26
#define T1             27
#define T2             28
#define T3             29
#define T4             30
#define T5             31

/* A child's capability registers: 1 console, 2 sleep, then by role. */
#define CC_TARGET   3  /* client, fpu: start key to the server it calls */
#define CC_DISCRIM  3  /* keeper, random: discrim key */
#define CC_FAULTER  5  /* keeper: domain key to the faulting domain */
#define CC_POOL0    4  /* random: 4..10 keys to invoke */
#define CC_RECV0    11 /* random: 11..15 where returned keys go */
#define CC_RESUME   31 /* servers and keepers: the resume key */

/* Badges of start keys to the echo servers: who called. */
#define FUZZ_BADGE  1 /* the fuzzer itself: the echo counts these calls */
#define CHILD_BADGE 2
#define PROXY_BADGE 3

/* Options (capability register 11). */
#define FUZZ_SKIP_BUG(n) (1ull << ((n) - 1))

/* --- the layout of the ranges ----------------------------------------- */

/* Node offsets in the full node range (register 4). The protected part
 * (registry and the children the probes rely on) is never reachable by a
 * random operation; the wild part is register 12. */
#define REGISTRY_NODE   0
#define CHILD_NODES     8  /* root, gprs, fprs, caps, space h3, h2, h1, spare */
#define PROT_CHILDREN   7  /* echo, keeper, four probe slots, the children's echo */
#define PROT_NODE(i)    (1 + CHILD_NODES * (i))
#define WILD_FIRST      64
#define WILD_CHILDREN   12
#define WILD_EXTRA      64
#define WILD_NODE_COUNT (CHILD_NODES * WILD_CHILDREN + WILD_EXTRA)
#define LEAK_NODE       (WILD_FIRST + WILD_NODE_COUNT) /* bug 5 probe: one spare root */
#define NODES_NEEDED    (LEAK_NODE + 1)
/* Page offsets in the full page range (register 5). */
#define WILD_PAGE_FIRST 16
#define WILD_PAGE_COUNT 32
#define PAGES_NEEDED    (WILD_PAGE_FIRST + WILD_PAGE_COUNT)

/* Child indices (registry slots): protected 0..6, then wild. */
#define ECHO       0
#define KEEPER     1
#define PROBE_A    2
#define PROBE_B    3
#define PROBE_C    4
#define PROBE_D    5
#define PUB_ECHO   6 /* the echo children call (the fuzzer's own is never busy) */
#define WILD0      PROT_CHILDREN
#define N_CHILDREN (PROT_CHILDREN + WILD_CHILDREN)

/* Node roles inside a child's block of CHILD_NODES. */
enum { N_ROOT, N_GPRS, N_FPRS, N_CAPS, N_S3, N_S2, N_S1, N_SPARE };

/* --- the fuzzer's memory (image heap=, FUZZ_HEAP) --------------------- */

/* The last heap page is followed by unmapped memory: strings and receive
 * buffers that straddle the boundary start in it. */
#define FUZZ_HEAP   (32u * 1024)
#define DOTS_OFF    0                 /* 8 KiB of dots ending in '\n' */
#define SCRATCH_OFF (8u * 1024)       /* receive buffer, 12 KiB */
#define LANDING_OFF (FUZZ_HEAP - 4096) /* the last page */
#define heap_at(off) ((uintptr_t)__heap_start + (off))

#define KERNEL_VA   0xffffffff80200000ul
#define UNMAPPED_VA 0x6000000ul /* between the heap and the stack */

/* --- children ---------------------------------------------------------- */

#define CHILD_MAGIC 0xc0deull
#define CHILD_ARG(role, param) (CHILD_MAGIC << 48 | (uint64_t)(role) << 32 | (uint32_t)(param))

enum role {
	R_ECHO = 1, /* a server: see echo() */
	R_KEEPER,   /* a domain keeper: see keeper() */
	R_CLIENT,   /* calls CC_TARGET for ever (param: ms the server sleeps) */
	R_FPU,      /* FP registers full, calls, checks them (param: pattern) */
	R_FAULTER,  /* faults (param: the kind), again whenever restarted */
	R_SPINNER,  /* loops, invoking nothing */
	R_RANDOM,   /* random invocations of its own keys (param: seed) */
	R_CAPCHECK, /* SLEEP NOW on register 2 for ever, the result in its mailbox */
	R_COUNT
};

static const char *const role_names[R_COUNT] = {
	"?", "echo", "keeper", "client", "fpu", "faulter", "spinner", "random", "capcheck",
};

/* Echo orders. */
#define ECHO_PLUS  1 /* -> OK, w0 + 1 */
#define ECHO_SLOW  2 /* sleep w1 ms (at most the server's limit), -> OK, w0 + 1 */
#define ECHO_FP    3 /* fill the FP registers from w0, kernel call, -> OK, w0 = 1 if intact */
#define ECHO_FAULT 4 /* fault (only a server built with ECHO_MAY_FAULT) */
/* Echo params: the longest sleep in ms and two flags. */
#define ECHO_MAY_FAULT    0x80000000u
#define ECHO_NO_FP_CHECK  0x40000000u /* a kernel without the fix for bug 3 */
#define ECHO_MAX_MS(p)    ((p) & 0x3fffffffu)

/* The first bytes of every child's stack page. */
struct mailbox {
	uint64_t rounds;   /* loops made / calls answered / faults handled */
	uint64_t last_rc;  /* client, capcheck: the last result */
	uint64_t bad;      /* invariant failures it saw */
	uint64_t calls[4]; /* echo: calls by badge */
	uint64_t rng;      /* random: its generator */
	uint64_t ops;      /* random: invocations made */
	uint8_t rbuf[512]; /* receive buffer */
};
#define STACK_PAGE 0x7fff000ul
#define MB         ((volatile struct mailbox *)STACK_PAGE)
#define CHILD_SP   (0x8000000ul - 16)

extern char _start[];

/* --- random numbers ---------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? xorshift(s) % n : 0;
}

static bool chance(uint64_t *s, unsigned percent)
{
	return below(s, 100) < percent;
}

/* A word a kernel might get wrong: edges of every range it checks. */
static uint64_t edgy_word(uint64_t *s)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 31, 32, 33, 63, 64, 65, 255, 4095, 4096, 4097, 8192,
		0xffff, 0x10000, 0x7fffffff, 0xffffffff, 0x100000000ull, 1ull << 48,
		(1ull << 48) - 1, 0x7fffffffffffffffull, ~0ull, ~0ull - 1,
	};
	switch (below(s, 4)) {
	case 0:
		return edges[below(s, sizeof edges / sizeof edges[0])];
	case 1:
		return below(s, 40);
	case 2:
		return below(s, 300);
	default:
		return xorshift(s);
	}
}

/* --- names ------------------------------------------------------------- */

static bool result_named(uint64_t rc)
{
	return cairn_result_name(rc)[0] != '?';
}

static const uint64_t invocation_codes[] = {
#define CAIRN_X(type, name, code, desc) code,
	CAIRN_INVOCATIONS(CAIRN_X)
#undef CAIRN_X
};
#define N_CODES (sizeof invocation_codes / sizeof invocation_codes[0])

/* An order for a key of this type: mostly one of its own, sometimes any
 * the table has, sometimes a near miss or anything at all. */
static uint64_t random_order(uint64_t *s, uint64_t type)
{
	unsigned r = (unsigned)below(s, 100);
	if (r < 55) {
		uint64_t mine[16];
		unsigned n = 0;
		for (unsigned i = 0; i < N_CODES && n < 16; i++)
			if (invocation_codes[i] >> 8 == type)
				mine[n++] = invocation_codes[i];
		if (n)
			return mine[below(s, n)];
	}
	if (r < 80)
		return invocation_codes[below(s, N_CODES)];
	if (r < 92)
		return type << 8 | below(s, 16);
	return edgy_word(s);
}

/* --- small output for children (no printf: stdout is a global) -------- */

static size_t put_str(char *buf, size_t at, const char *s)
{
	while (*s && at < 120)
		buf[at++] = *s++;
	return at;
}

static size_t put_hex(char *buf, size_t at, uint64_t v)
{
	char digits[16];
	unsigned n = 0;
	do {
		digits[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	at = put_str(buf, at, "0x");
	while (n)
		buf[at++] = digits[--n];
	return at;
}

/* "UNEXPECTED <role>: <what> 0x<v>" on the console, from a child (the
 * kernel starts the line with the console key's label, "fuzz: "). */
static void child_complain(enum role role, const char *what, uint64_t v)
{
	char line[160];
	size_t n = put_str(line, 0, "UNEXPECTED ");
	n = put_str(line, n, role_names[role]);
	n = put_str(line, n, ": ");
	n = put_str(line, n, what);
	n = put_str(line, n, " ");
	n = put_hex(line, n, v);
	line[n++] = '\n';
	cairn_console_write(CAIRN_CAP_CONSOLE, line, n);
	MB->bad++;
}

/* --- FP ------------------------------------------------------------------ */

#define FP_EACH(X)                                                                                 \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)      \
	X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29)      \
	X(30) X(31)

/* No f register is named as clobbered: the compiler must not save and
 * restore fs0..fs11 around these (that would undo the fill), and integer
 * code between a fill and a check never touches them. */
static __attribute__((noinline)) void fp_fill(const uint64_t v[32])
{
#define FP_LOAD(n) "fld f" #n ", " #n "*8(%0)\n"
	__asm__ volatile(FP_EACH(FP_LOAD) : : "r"(v) : "memory");
#undef FP_LOAD
}

static __attribute__((noinline)) void fp_dump(uint64_t v[32])
{
#define FP_STORE(n) "fsd f" #n ", " #n "*8(%0)\n"
	__asm__ volatile(FP_EACH(FP_STORE) : : "r"(v) : "memory");
#undef FP_STORE
}

static void fp_pattern(uint64_t seed, uint64_t v[32])
{
	for (unsigned i = 0; i < 32; i++)
		v[i] = seed * 0x9e3779b97f4a7c15ull + i * 0x0101010101010101ull + 1;
}

/* How many of the 32 registers differ from the pattern. */
static unsigned fp_lost(const uint64_t want[32])
{
	uint64_t got[32];
	fp_dump(got);
	unsigned n = 0;
	for (unsigned i = 0; i < 32; i++)
		n += got[i] != want[i];
	return n;
}

/* ======================================================================
 * Children
 * ====================================================================== */

static __attribute__((noreturn)) void child_halt_here(void)
{
	for (;;)
		cairn_wait(NULL, NULL);
}

/* A server. Counts calls by badge, answers every call (BAD_ORDER for
 * orders it does not have), never stalls on anything but the sleep key. */
static __attribute__((noreturn)) void echo(uint32_t param)
{
	const struct cairn_rcv rcv = { .buf = (void *)MB->rbuf, .max = sizeof MB->rbuf,
				       .resume = CC_RESUME };
	struct cairn_reply in;
	bool fp_checks = !(param & ECHO_NO_FP_CHECK);
	cairn_wait(&rcv, &in);
	for (;;) {
		MB->calls[(in.info & CAIRN_INFO_BADGE_MASK) & 3]++;
		MB->rounds++;
		struct cairn_msg out = { .order = CAIRN_OK, .w = { in.w[0] + 1 } };
		uint64_t want[32];
		switch (in.code) {
		case ECHO_PLUS:
			break;
		case ECHO_SLOW:
			cairn_sleep_for(CAIRN_CAP_SLEEP,
					in.w[1] < ECHO_MAX_MS(param) ? in.w[1] : ECHO_MAX_MS(param));
			break;
		case ECHO_FP:
			fp_pattern(in.w[0] ^ 0x5a5a, want);
			fp_fill(want);
			cairn_sleep_now(CAIRN_CAP_SLEEP, NULL, NULL);
			out.w[0] = fp_lost(want) == 0;
			if (!out.w[0] && fp_checks && MB->bad == 0)
				child_complain(R_ECHO, "FP registers lost over SLEEP NOW", in.w[0]);
			break;
		case ECHO_FAULT:
			if (param & ECHO_MAY_FAULT)
				(void)*(volatile uint64_t *)UNMAPPED_VA;
			out.order = CAIRN_BAD_ORDER;
			break;
		default:
			out.order = CAIRN_BAD_ORDER;
		}
		cairn_return(CC_RESUME, &out, &rcv, &in);
	}
}

/* Keeper policies, in the badge of the keeper's start key (bits 8..9). */
#define KEEP_RESTART 0 /* restart the faulter from _start, its next fault kind */
#define KEEP_HALT    1 /* void its keeper slot and resume it: it faults again and halts */
#define KEEP_DROP    2 /* never answer: the faulter waits for ever */
#define KEEPER_BADGE(policy) ((uint16_t)((policy) << 8))

#define FAULT_KINDS 10

/* A domain keeper: checks that the fault code is named, then applies the
 * policy of the start key the fault came through. Calls that are not
 * faults (no FAULT right on the resume key) get BAD_ORDER. */
static __attribute__((noreturn)) void keeper(void)
{
	const struct cairn_rcv rcv = { .keys = { CC_FAULTER }, .resume = CC_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		uint64_t type = 0, rights = 0;
		cairn_discrim_classify(CC_DISCRIM, CC_RESUME, &type, &rights);
		if (type != CAIRN_KEY_RESUME || !(rights & CAIRN_RIGHT_FAULT)) {
			const struct cairn_msg no = { .order = CAIRN_BAD_ORDER };
			cairn_return(CC_RESUME, &no, &rcv, &in);
			continue;
		}
		MB->rounds++;
		if (cairn_fault_name(in.code)[0] == '?')
			child_complain(R_KEEPER, "fault code not in the table", in.code);
		unsigned policy = (in.info >> 8) & 3;
		/* A domain whose stack page is gone, or that runs outside the
		 * text, faults again at once: restarting it would only spin. */
		uintptr_t text_end = (uintptr_t)_start + 0x100000;
		if ((in.w[1] >= STACK_PAGE && in.w[1] < STACK_PAGE + 4096) ||
		    in.w[2] < (uintptr_t)_start || in.w[2] >= text_end)
			policy = policy == KEEP_DROP ? KEEP_DROP : KEEP_HALT;
		if (policy == KEEP_DROP) {
			cairn_wait(&rcv, &in);
			continue;
		}
		if (policy == KEEP_HALT) {
			cairn_domain_swap_slot(CC_FAULTER, CAIRN_DOM_SLOT_KEEPER, 0, 0);
		} else {
			uint64_t a0 = 0;
			cairn_domain_get_reg(CC_FAULTER, CAIRN_REG_X(10), &a0);
			uint32_t kind = (uint32_t)a0;
			a0 = (a0 & ~0xffffffffull) | ((kind + 1) % FAULT_KINDS);
			cairn_domain_set_reg(CC_FAULTER, CAIRN_REG_PC, (uintptr_t)_start);
			cairn_domain_set_reg(CC_FAULTER, CAIRN_REG_X(2), CHILD_SP);
			cairn_domain_set_reg(CC_FAULTER, CAIRN_REG_X(10), a0);
		}
		cairn_return(CC_RESUME, NULL, &rcv, &in);
	}
}

static __attribute__((noreturn)) void client(uint32_t param)
{
	for (;;) {
		struct cairn_reply rep;
		uint64_t rc = cairn_call(CC_TARGET,
					 &(struct cairn_msg){ .order = ECHO_SLOW, .w = { 7, param } },
					 NULL, &rep);
		MB->last_rc = rc;
		MB->rounds++;
		if (!result_named(rc))
			child_complain(R_CLIENT, "result not in the table", rc);
		if (rc != CAIRN_OK)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
	}
}

static __attribute__((noreturn)) void fpu(uint32_t param, bool checks)
{
	uint64_t want[32];
	fp_pattern(param, want);
	fp_fill(want);
	for (uint64_t i = 0;; i++) {
		cairn_sleep_now(CAIRN_CAP_SLEEP, NULL, NULL);
		struct cairn_reply rep;
		cairn_call(CC_TARGET, &(struct cairn_msg){ .order = ECHO_FP, .w = { i } }, NULL, &rep);
		cairn_sleep_for(CAIRN_CAP_SLEEP, 1);
		unsigned lost = fp_lost(want);
		if (lost && checks && MB->bad == 0) /* once: it would say it every loop */
			child_complain(R_FPU, "FP registers lost", lost);
		if (lost)
			fp_fill(want);
		MB->rounds++;
	}
}

/* The faults, by kind; each must fault (the keeper restarts the domain
 * from _start with the next kind, or halts it). */
static __attribute__((noreturn)) void faulter(uint32_t kind)
{
	MB->rounds++;
	cairn_sleep_for(CAIRN_CAP_SLEEP, 2);
	uint32_t ret_insn = 0x00008067; /* `ret`, on the no-execute stack */
	switch (kind % FAULT_KINDS) {
	case 0: /* MEMORY: nothing mapped */
		(void)*(volatile uint64_t *)UNMAPPED_VA;
		break;
	case 1: /* ACCESS: write to text */
		*(volatile uint8_t *)(uintptr_t)_start = 0;
		break;
	case 2: /* ACCESS: execute the stack */
		((void (*)(void))(uintptr_t)&ret_insn)();
		break;
	case 3: /* ILLEGAL */
		__asm__ volatile(".4byte 0");
		break;
	case 4: /* BREAKPOINT */
		__asm__ volatile("ebreak");
		break;
	case 5: /* MISALIGNED: an AMO on an odd address */
		__asm__ volatile("amoadd.w zero, zero, (%0)" : : "r"(STACK_PAGE + 1) : "memory");
		break;
	case 6: /* ACCESS: write to the fuzzer's data, mapped read-only here */
		((volatile char *)__heap_start)[0] = 0;
		break;
	case 7: /* MEMORY: jump to nothing */
		((void (*)(void))UNMAPPED_VA)();
		break;
	case 8: /* a kernel address */
		(void)*(volatile uint64_t *)KERNEL_VA;
		break;
	default: /* a privileged instruction: ILLEGAL */
		__asm__ volatile("csrr t0, sstatus" : : : "t0");
		break;
	}
	child_complain(R_FAULTER, "no fault of kind", kind % FAULT_KINDS);
	child_halt_here();
}

/* Spins through whole quanta (the kernel must preempt it), with a short
 * sleep now and then so that a few spinners do not starve the system. */
static __attribute__((noreturn)) void spinner(void)
{
	for (;;) {
		MB->rounds++;
		if ((MB->rounds & 0xfffff) == 0)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 20);
	}
}

static __attribute__((noreturn)) void capcheck(void)
{
	for (;;) {
		uint64_t rc = cairn_sleep_now(CAIRN_CAP_SLEEP, NULL, NULL);
		MB->last_rc = rc;
		MB->rounds++;
		if (rc == CAIRN_OK)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1);
		else
			for (volatile unsigned i = 0; i < 20000; i++)
				;
	}
}

/* --- random invocations (the fuzzer's and the random children's) ----- */

struct target {
	cap_t cap;
	uint64_t type; /* CAIRN_KEY_*, from DISCRIM CLASSIFY */
};

/* Where a random invoker's buffers may point. */
struct arena {
	uintptr_t dots, dots_len;   /* readable, harmless to print */
	uintptr_t rbuf, rbuf_len;   /* writable scratch */
	uintptr_t landing;          /* a page followed by unmapped memory (0: none) */
	const cap_t *send;          /* keys it may send */
	unsigned n_send;
	const cap_t *recv;          /* registers returned keys may go to */
	unsigned n_recv;
};

/* A string to send: a pointer somewhere unfriendly, an extreme length. */
static void random_string(uint64_t *s, const struct arena *ar, bool console, uintptr_t *ptr,
			  size_t *len)
{
	static const size_t lens[] = { 0, 1, 2, 7, 64, 4095, 4096, 4097, 8191, 8192, 8193, 0xffff };
	*len = lens[below(s, sizeof lens / sizeof lens[0])];
	switch (below(s, 8)) {
	case 0:
		*ptr = KERNEL_VA + below(s, 4096);
		break;
	case 1:
		*ptr = UNMAPPED_VA - (chance(s, 50) ? below(s, 64) : 0);
		break;
	case 2: /* straddles the end of the landing page */
		if (ar->landing) {
			*ptr = ar->landing + 4096 - 1 - below(s, 64);
			if (*len < 65)
				*len = 65 + below(s, 200);
		} else {
			*ptr = 0;
		}
		break;
	case 3:
		*ptr = chance(s, 50) ? 0 : ~0ul - below(s, 16);
		break;
	case 4: /* read-only text: refused for the console only because it is not dots */
		if (!console) {
			*ptr = (uintptr_t)_start + below(s, 256);
			break;
		}
		/* fall through */
	default: /* dots, ending in the newline */
		if (*len > ar->dots_len || chance(s, 90))
			*len = 1 + below(s, 80);
		*ptr = ar->dots + ar->dots_len - *len;
	}
}

static void random_rbuf(uint64_t *s, const struct arena *ar, uintptr_t *buf, size_t *max)
{
	static const size_t maxes[] = { 0, 1, 16, 64, 4096, 8192, 0xffffffff, ~0ul };
	*max = maxes[below(s, sizeof maxes / sizeof maxes[0])];
	switch (below(s, 6)) {
	case 0:
		*buf = KERNEL_VA;
		break;
	case 1:
		*buf = UNMAPPED_VA;
		break;
	case 2: /* read-only: the text (the fuzzer checks it never changes) */
		*buf = (uintptr_t)_start + 64;
		break;
	case 3:
		if (ar->landing) {
			*buf = ar->landing + 4096 - below(s, 100);
			break;
		}
		/* fall through */
	default:
		*buf = ar->rbuf;
		if (*max > ar->rbuf_len)
			*max = ar->rbuf_len;
	}
}

/* Keep a random invocation from wedging its invoker: short sleeps only;
 * checkpoints never turned off or slowed down much; FORCE at most now and
 * then (the caller passes may_force). */
static void sanitize(uint64_t *s, uint64_t type, uint64_t *order, uint64_t w[4], bool may_force)
{
	if (type == CAIRN_KEY_SLEEP && *order == CAIRN_OC_SLEEP_FOR)
		w[0] = below(s, 4);
	if (type == CAIRN_KEY_CHECKPOINT && *order == CAIRN_OC_CHECKPOINT_SET_INTERVAL)
		w[0] = chance(s, 50) ? 50 + below(s, 400) : (1ull << 40) + below(s, 1000);
	if (type == CAIRN_KEY_CHECKPOINT && *order == CAIRN_OC_CHECKPOINT_FORCE && !may_force)
		*order = CAIRN_OC_CHECKPOINT_STATS;
}

/* A random slot word around target: keys to send from the arena's list,
 * keys received into its scratch registers, junk in the unused bits. */
static uint64_t random_slots(uint64_t *s, const struct arena *ar, cap_t target)
{
	cap_t send[4] = { 0 }, recv[4] = { 0 };
	for (unsigned i = 0; i < 4; i++) {
		if (chance(s, 30))
			send[i] = ar->send[below(s, ar->n_send)];
		if (chance(s, 40))
			recv[i] = ar->recv[below(s, ar->n_recv)];
	}
	uint64_t w = cairn_slot_word(target, send, recv, (cap_t)below(s, 32));
	if (chance(s, 10)) /* bits the ABI leaves unused */
		w |= (xorshift(s) & 0xe0e0000000000000ull) | (xorshift(s) & 0x00f00000f0000000ull);
	return w;
}

/*
 * One random invocation of t. Start keys are CALLed only when the caller
 * says it may stall (children); resume keys are only SENT (a CALL through
 * one makes the invoker wait for a reply that may never come). Returns
 * the result code (a1).
 */
static uint64_t random_invoke(uint64_t *s, const struct arena *ar, struct target t, bool may_force)
{
	uint64_t order = random_order(s, t.type);
	uint64_t w[4];
	for (unsigned i = 0; i < 4; i++)
		w[i] = edgy_word(s);
	if (t.type == CAIRN_KEY_START && chance(s, 70))
		order = below(s, 6);
	if (t.type == CAIRN_KEY_RESUME)
		order = below(s, 14); /* a named result code for the one waiting */
	sanitize(s, t.type, &order, w, may_force);

	uintptr_t str = 0, buf = 0;
	size_t len = 0, max = 0;
	if (chance(s, 35))
		random_string(s, ar, t.type == CAIRN_KEY_CONSOLE, &str, &len);
	else if (t.type == CAIRN_KEY_CONSOLE)
		len = 0;
	if (chance(s, 35))
		random_rbuf(s, ar, &buf, &max);

	unsigned op = CAIRN_SYS_CALL;
	if (t.type == CAIRN_KEY_RESUME || chance(s, 10))
		op = CAIRN_SYS_SEND;
	else if (chance(s, 4)) {
		static const unsigned bad_ops[] = { 0, 4, 5, 0x7f, 0xff };
		op = bad_ops[below(s, 5)];
	}
	struct cairn_reply rep;
	cairn_syscall((uint64_t)op | (uint64_t)(len & 0xffff) << 16, random_slots(s, ar, t.cap),
		      order, w, (const void *)str, (void *)buf, max, &rep);
	return rep.code;
}

static uint64_t classify(cap_t discrim, cap_t cap)
{
	uint64_t type = CAIRN_KEY_VOID;
	if (cairn_discrim_classify(discrim, cap, &type, NULL) != CAIRN_OK)
		return ~0ull;
	return type;
}

/* A child that invokes its own keys at random for ever (it may stall on a
 * busy server, or for ever: that is a fine outcome for it). */
static __attribute__((noreturn)) void random_child(uint32_t param)
{
	static const cap_t pool[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0 };
	static const cap_t recv[] = { 11, 12, 13, 14, 15 };
	static const cap_t send[] = { 0, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	const struct arena ar = {
		.dots = heap_at(DOTS_OFF), .dots_len = 8192,
		.rbuf = (uintptr_t)MB->rbuf, .rbuf_len = sizeof MB->rbuf,
		.landing = 0,
		.send = send, .n_send = sizeof send / sizeof send[0],
		.recv = recv, .n_recv = sizeof recv / sizeof recv[0],
	};
	uint64_t s = param * 0x2545f4914f6cdd1dull + 1;
	for (;;) {
		struct target t = { pool[below(&s, sizeof pool / sizeof pool[0])], 0 };
		t.type = classify(CC_DISCRIM, t.cap);
		if (t.type == ~0ull)
			t.type = CAIRN_KEY_VOID;
		uint64_t rc = random_invoke(&s, &ar, t, false);
		MB->ops++;
		MB->rounds++;
		MB->rng = s;
		/* Domains answer with their own codes; kernel keys only named ones. */
		if (t.type != CAIRN_KEY_START && t.type != CAIRN_KEY_RESUME && !result_named(rc))
			child_complain(R_RANDOM, "result not in the table", rc);
		if ((MB->ops & 63) == 0)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1);
	}
}

static __attribute__((noreturn)) void child(uint64_t arg)
{
	enum role role = (enum role)((arg >> 32) & 0xffff);
	uint32_t param = (uint32_t)arg;
	switch (role) {
	case R_ECHO:
		echo(param);
	case R_KEEPER:
		keeper();
	case R_CLIENT:
		client(param);
	case R_FPU:
		fpu(param & 0x7fffffffu, !(param & 0x80000000u));
	case R_FAULTER:
		faulter(param);
	case R_SPINNER:
		spinner();
	case R_RANDOM:
		random_child(param);
	case R_CAPCHECK:
		capcheck();
	default:
		/* A wild child started with a register set at random (SET_REG,
		 * wild_operation): nothing to check, it halts. */
		child_halt_here();
	}
}

/* ======================================================================
 * The fuzzer
 * ====================================================================== */

/* What the fuzzer knows of a child it built. */
struct child {
	uint8_t role;
	bool built;
	uint32_t param;
	uint32_t builds;
};

/* All of it in its data page: a checkpoint saves it with everything else. */
static struct {
	uint64_t seed;
	uint64_t opts;
	uint64_t rng;
	uint64_t round;
	uint64_t echo_calls;  /* calls the protected echo answered for us */
	uint64_t unexpected;  /* lines printed */
	uint64_t text_sum;    /* of the first text bytes, at start */
	uint64_t leak_done;
	struct child children[N_CHILDREN];
	bool forced;          /* a FORCE this round */
} fz;

static bool skip_bug(unsigned n)
{
	return fz.opts & FUZZ_SKIP_BUG(n);
}

static void unexpected(const char *what, uint64_t a, uint64_t b)
{
	fz.unexpected++;
	printf("UNEXPECTED round %" PRIu64 ": %s (0x%" PRIx64 ", 0x%" PRIx64 ")\n", fz.round,
	       what, a, b);
}

/* A step that must succeed. */
static bool must(uint64_t rc, const char *what)
{
	if (rc == CAIRN_OK)
		return true;
	printf("UNEXPECTED round %" PRIu64 ": %s: %s\n", fz.round, what, cairn_result_name(rc));
	fz.unexpected++;
	return false;
}

static uint64_t text_sum(void)
{
	uint64_t sum = 0;
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)_start;
	for (unsigned i = 0; i < 128; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static void nap(uint64_t ms)
{
	cairn_sleep_for(CAIRN_CAP_SLEEP, ms);
}

/* --- node and page helpers ---------------------------------------------- */

static uint64_t node_write_number(cap_t node, unsigned slot, uint64_t lo)
{
	struct cairn_io io = { .w = { slot, lo, 0 } };
	return cairn_inv_NODE_WRITE_NUMBER(node, &io);
}

static uint64_t make_space(cap_t node, unsigned height, uint64_t rights, cap_t into)
{
	struct cairn_io io = { .w = { height, rights }, .rkeys = { into } };
	return cairn_inv_NODE_MAKE_SPACE(node, &io);
}

static uint64_t make_domain(cap_t node, cap_t into)
{
	struct cairn_io io = { .rkeys = { into } };
	return cairn_inv_NODE_MAKE_DOMAIN(node, &io);
}

static uint64_t page_zero(cap_t page)
{
	struct cairn_io io = { 0 };
	return cairn_inv_PAGE_ZERO(page, &io);
}

static uint64_t space_rights(cap_t space, uint64_t *rights)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_SPACE_INFO(space, &io);
	*rights = io.w[1];
	return rc;
}

/* Where child i lives: its node range and first node, its page. */
struct place {
	cap_t nodes, pages;
	uint64_t node, page;
};

static struct place place_of(unsigned i)
{
	if (i < PROT_CHILDREN)
		return (struct place){ CAP_NODES, CAP_PAGES, PROT_NODE(i), i };
	unsigned w = i - WILD0;
	return (struct place){ CAP_WILD_NODES, CAP_WILD_PAGES, (uint64_t)CHILD_NODES * w, w };
}

static uint64_t child_node(unsigned i, unsigned which, cap_t into)
{
	struct place pl = place_of(i);
	return cairn_range_make_key(pl.nodes, pl.node + which, into);
}

/* The mailbox of child i, read through its stack page. */
static bool read_mailbox(unsigned i, struct mailbox *mb)
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
static void rescind_child(unsigned i)
{
	struct place pl = place_of(i);
	for (unsigned n = 0; n < CHILD_NODES; n++)
		must(cairn_range_rescind(pl.nodes, pl.node + n), "rescind a child's node");
	must(cairn_range_rescind(pl.pages, pl.page), "rescind a child's page");
	fz.children[i].built = false;
}

/* How a child is to be built. */
struct recipe {
	enum role role;
	uint32_t param;
	cap_t keeper;        /* a start key to its keeper, 0: none */
	cap_t extra[8];      /* capability registers 3..10 */
	uint64_t rights[3];  /* rights to take off the gprs, fprs and caps node keys */
	bool no_fprs;        /* no FP node */
	bool halted;         /* leave it halted */
};

/* Build child i from its objects, fresh (all rescinded first), and start
 * it; its domain key ends in registry slot i and in T4. */
static bool build_child(unsigned i, const struct recipe *r)
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
static uint64_t child_domain(unsigned i, cap_t into)
{
	return cairn_node_get(CAP_REGISTRY, i, into);
}

/* A start key to child i with this badge, into `into`. */
static uint64_t child_start_key(unsigned i, uint16_t badge, cap_t into)
{
	uint64_t rc = child_domain(i, into);
	if (rc == CAIRN_OK)
		rc = cairn_domain_make_start(into, badge, into);
	return rc;
}

static uint64_t child_state(unsigned i, struct cairn_domain_state *st)
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
static bool wait_rounds(unsigned i, uint64_t rounds, unsigned ms)
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

static uint64_t echo_call(uint64_t order, uint64_t w0, uint64_t w1, struct cairn_reply *rep)
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
static void check_echo_books(void)
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

/* ======================================================================
 * Probes: one known way to break each rule of issue 8
 * ====================================================================== */

/* Bug 3: FP registers survive a kernel call and a call to a domain that
 * uses FP itself. */
static void probe_fp(void)
{
	uint64_t want[32];
	fp_pattern(fz.round, want);
	fp_fill(want);
	cairn_sleep_now(CAIRN_CAP_SLEEP, NULL, NULL);
	struct cairn_reply rep;
	uint64_t rc = echo_call(ECHO_FP, fz.round, 0, &rep);
	unsigned lost = fp_lost(want);
	if (rc != CAIRN_OK)
		unexpected("echo FP call", rc, 0);
	if (lost && !skip_bug(3))
		unexpected("FP registers lost over SLEEP NOW and a call (bug 3)", lost, 0);
}

/* Bug 7: DOMAIN SET_REG pc on oneself resumes exactly at the value. */
static void probe_self_pc(void)
{
	register uint64_t a0 __asm__("a0") = CAP_SELF;
	register uint64_t a1 __asm__("a1") = CAIRN_OC_DOMAIN_SET_REG;
	register uint64_t a2 __asm__("a2") = CAIRN_REG_PC;
	register uint64_t a7 __asm__("a7") = CAIRN_SYS_CALL;
	uint64_t exact, next;
	__asm__ volatile(".option push\n"
			 ".option norvc\n"
			 "li %[e], 0\n"
			 "li %[n], 0\n"
			 "lla a3, 1f\n"
			 "li t0, 0\n"
			 "li t1, 0\n"
			 "ecall\n"
			 "j 2f\n"
			 "1: li %[e], 1\n"
			 "li %[n], 1\n"
			 "2:\n"
			 ".option pop\n"
			 : [e] "=&r"(exact), [n] "=&r"(next), "+r"(a0), "+r"(a1), "+r"(a2)
			 : "r"(a7)
			 : "a3", "a4", "a5", "a6", "t0", "t1", "memory");
	if (skip_bug(7))
		return;
	if (!exact && next)
		unexpected("SET_REG pc on itself resumed 4 bytes further (bug 7)", a1, 0);
	else if (!exact)
		unexpected("SET_REG pc on itself did not move it", a1, 0);
}

/* Bug 8: a space key made through a space key keeps its rights. */
static void probe_make_space(void)
{
	if (skip_bug(8))
		return;
	static const uint64_t rights[] = { CAIRN_RIGHT_NX, CAIRN_RIGHT_KEEPER,
					   CAIRN_RIGHT_NX | CAIRN_RIGHT_KEEPER };
	uint64_t want = rights[below(&fz.rng, 3)], got = 0;
	if (!must(child_node(PROBE_D, N_SPARE, T0), "spare node") ||
	    !must(make_space(T0, 1, want, T1), "space with rights") ||
	    !must(make_space(T1, 1, 0, T2), "space through a space key") ||
	    !must(space_rights(T2, &got), "space info"))
		return;
	if ((got & want) != want)
		unexpected("NODE MAKE_SPACE through a space key dropped rights (bug 8)", want, got);
}

/* Bug 2: register, FP and capability nodes must be full-rights node keys. */
static void probe_node_rights(void)
{
	if (skip_bug(2))
		return;
	struct recipe r = { .role = R_SPINNER, .halted = true };
	unsigned which = (unsigned)below(&fz.rng, 3);
	r.rights[which] = chance(&fz.rng, 50) ? CAIRN_RIGHT_RO : CAIRN_RIGHT_WEAK;
	if (!build_child(PROBE_D, &r))
		return;
	struct cairn_domain_state st;
	uint64_t rc = child_state(PROBE_D, &st);
	if (rc != CAIRN_NOT_DOMAIN)
		unexpected("a domain with a weakened register/FP/caps node key is accepted (bug 2)",
			   which, rc);
	rc = cairn_domain_start(T5, ~0ull);
	if (rc != CAIRN_NOT_DOMAIN)
		unexpected("DOMAIN START of a domain with a weakened node key (bug 2)", which, rc);
	rescind_child(PROBE_D);
}

/* Bug 6: a domain whose capability node is rescinded sees only void keys,
 * even after the node is reused and filled by someone else. */
static void probe_caps_rescind(void)
{
	if (skip_bug(6))
		return;
	struct recipe r = { .role = R_CAPCHECK };
	if (!build_child(PROBE_D, &r))
		return;
	if (!wait_rounds(PROBE_D, 2, 500)) {
		unexpected("capcheck child did not run", 0, 0);
		rescind_child(PROBE_D);
		return;
	}
	struct place pl = place_of(PROBE_D);
	must(cairn_range_rescind(pl.nodes, pl.node + N_CAPS), "rescind caps");
	must(child_node(PROBE_D, N_CAPS, T0), "caps again");
	must(cairn_node_swap(T0, CAIRN_CAP_SLEEP, CAIRN_CAP_SLEEP, 0), "reuse caps");
	struct mailbox mb;
	read_mailbox(PROBE_D, &mb);
	uint64_t then = mb.rounds;
	wait_rounds(PROBE_D, then + 3, 300);
	read_mailbox(PROBE_D, &mb);
	if (mb.rounds > then && mb.last_rc != CAIRN_VOID)
		unexpected("rescinded capability node still used (bug 6)", mb.last_rc, mb.rounds);
	rescind_child(PROBE_D);
}

/* A slow server in PROBE_A, made busy by a client in PROBE_B. */
static bool busy_server(uint32_t busy_ms)
{
	struct recipe srv = { .role = R_ECHO, .param = 100000 | ECHO_MAY_FAULT };
	if (!build_child(PROBE_A, &srv))
		return false;
	if (!must(child_start_key(PROBE_A, CHILD_BADGE, T5), "server start key"))
		return false;
	struct recipe cl = { .role = R_CLIENT, .param = busy_ms, .extra = { T5 } };
	if (!build_child(PROBE_B, &cl))
		return false;
	if (!wait_rounds(PROBE_A, 1, 1000)) {
		unexpected("slow server got no call", 0, 0);
		return false;
	}
	return true;
}

/* A client of PROBE_A in PROBE_C, which stalls: the server is busy. */
static bool stalled_client(void)
{
	if (!must(child_start_key(PROBE_A, CHILD_BADGE, T5), "server start key"))
		return false;
	struct recipe cl = { .role = R_CLIENT, .param = 1, .extra = { T5 } };
	if (!build_child(PROBE_C, &cl))
		return false;
	nap(20);
	struct mailbox mb;
	read_mailbox(PROBE_C, &mb);
	if (mb.rounds != 0) {
		unexpected("client of a busy server was answered", mb.rounds, mb.last_rc);
		return false;
	}
	return true;
}

static void probes_clean(void)
{
	rescind_child(PROBE_C);
	rescind_child(PROBE_B);
	rescind_child(PROBE_A);
}

/* Bug 4: callers stalled on a busy server are woken when it halts or its
 * root is rescinded or rewritten. */
static void probe_stall_wake(void)
{
	if (skip_bug(4) || skip_bug(1))
		return;
	if (!busy_server(3000) || !stalled_client()) {
		probes_clean();
		return;
	}
	unsigned how = (unsigned)below(&fz.rng, 2);
	struct place pl = place_of(PROBE_A);
	if (how == 0) {
		must(cairn_range_rescind(pl.nodes, pl.node + N_ROOT), "rescind the server");
	} else {
		must(child_node(PROBE_A, N_ROOT, T0), "server root");
		must(node_write_number(T0, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED), "halt by rewrite");
	}
	if (!wait_rounds(PROBE_C, 1, 500)) {
		struct mailbox mb;
		read_mailbox(PROBE_C, &mb);
		unexpected(how == 0 ? "stalled caller not woken when its server was rescinded (bug 4)"
				    : "stalled caller not woken when its server was halted (bug 4)",
			   mb.rounds, mb.last_rc);
	}
	probes_clean();
}

/* Bug 1: a stalled caller whose root is rebuilt (after a rescind, or by
 * rewriting its state and starting it again) must leave one activity, so
 * that the next checkpoint lists the root once (the test then kills and
 * boots: a duplicate makes the volume unbootable). */
static void probe_rebuild_stalled(void)
{
	if (skip_bug(1))
		return;
	if (!busy_server(4000) || !stalled_client()) {
		probes_clean();
		return;
	}
	if (chance(&fz.rng, 50)) {
		if (!stalled_client()) /* rescinds and rebuilds PROBE_C on its nodes */
			goto out;
	} else {
		must(child_node(PROBE_C, N_ROOT, T0), "client root");
		must(node_write_number(T0, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED), "rewrite state");
		must(child_domain(PROBE_C, T1), "client domain");
		must(cairn_domain_start(T1, ~0ull), "start it again");
	}
	struct cairn_io io = { 0 };
	must(cairn_inv_CHECKPOINT_FORCE(CAP_CKPT, &io), "force");
	nap(150); /* let that checkpoint be taken with the stall in place */
out:
	probes_clean();
}

/* Bug 5: rescinding a stalled caller, again and again, must not use up
 * the kernel's activities. Once in a volume's life: 1100 times. */
static void probe_activity_leak(void)
{
	if (skip_bug(5) || fz.leak_done)
		return;
	fz.leak_done = 1;
	if (!busy_server(60000) || !stalled_client()) {
		probes_clean();
		return;
	}
	/* The leaking clients are PROBE_D's nodes (built, never started) under
	 * a root that is rescinded and made again each time. */
	if (!must(child_start_key(PROBE_A, CHILD_BADGE, T5), "server start key"))
		return;
	struct recipe cl = { .role = R_CLIENT, .param = 1, .extra = { T5 }, .halted = true };
	if (!build_child(PROBE_D, &cl)) {
		probes_clean();
		return;
	}
	must(child_node(PROBE_D, N_ROOT, T3), "client root");
	must(cairn_node_get(T3, CAIRN_DOM_SLOT_SPACE, T0), "client space");
	must(cairn_node_get(T3, CAIRN_DOM_SLOT_CAPS, T1), "client caps");
	must(child_node(PROBE_D, N_GPRS, T2), "client gprs");
	for (unsigned n = 0; n < 1100; n++) {
		if (cairn_range_rescind(CAP_NODES, LEAK_NODE) != CAIRN_OK ||
		    cairn_range_make_key(CAP_NODES, LEAK_NODE, T4) != CAIRN_OK ||
		    node_write_number(T2, 2, CHILD_SP) != CAIRN_OK ||
		    node_write_number(T2, 10, CHILD_ARG(R_CLIENT, 1)) != CAIRN_OK ||
		    cairn_node_swap(T4, CAIRN_DOM_SLOT_SPACE, T0, 0) != CAIRN_OK ||
		    cairn_node_swap(T4, CAIRN_DOM_SLOT_GPRS, T2, 0) != CAIRN_OK ||
		    cairn_node_swap(T4, CAIRN_DOM_SLOT_CAPS, T1, 0) != CAIRN_OK ||
		    make_domain(T4, T4) != CAIRN_OK) {
			unexpected("leak probe: rebuild failed", n, 0);
			break;
		}
		uint64_t rc = cairn_domain_start(T4, (uintptr_t)_start);
		if (rc != CAIRN_OK) {
			unexpected("leak probe: start", n, rc);
			break;
		}
		nap(1); /* let the new one run into the stall */
		if (n % 250 == 249)
			printf("leak probe %u\n", n + 1);
	}
	cairn_range_rescind(CAP_NODES, LEAK_NODE);
	rescind_child(PROBE_D);
	probes_clean();
	printf("leak probe done\n");
}

/* Faults of every kind through the protected keeper, restarted each time. */
static void probe_faults(void)
{
	must(cairn_domain_make_start(CAP_KEEPER_DOM, KEEPER_BADGE(KEEP_RESTART), T5),
	     "keeper start key");
	struct recipe r = { .role = R_FAULTER, .param = 0, .keeper = T5 };
	if (!build_child(PROBE_D, &r))
		return;
	struct mailbox kb0, kb1;
	read_mailbox(KEEPER, &kb0);
	wait_rounds(PROBE_D, FAULT_KINDS + 1, 2000);
	read_mailbox(KEEPER, &kb1);
	if (kb1.rounds < kb0.rounds + FAULT_KINDS)
		unexpected("keeper saw fewer faults than the faulter made", kb1.rounds - kb0.rounds,
			   FAULT_KINDS);
	struct cairn_domain_state st;
	child_state(PROBE_D, &st);
	rescind_child(PROBE_D);
}

/* ======================================================================
 * Wild children and random operations
 * ====================================================================== */

/* Keys the fuzzer may invoke at random (scratch ones are classified
 * first), and may send. */
static const cap_t pool_fixed[] = { CAIRN_CAP_CONSOLE, CAIRN_CAP_SLEEP, CAP_SEED, CAP_DISCRIM,
				    CAP_CKPT, CAP_NODE, CAP_PAGE, CAP_WILD_NODES, CAP_WILD_PAGES,
				    CAP_ECHO, CAP_VOID };
static const cap_t send_pool[] = { 0, CAIRN_CAP_CONSOLE, CAIRN_CAP_SLEEP, CAP_SEED, CAP_DISCRIM,
				   CAP_CKPT, CAP_NODE, CAP_PAGE, CAP_WILD_NODES, CAP_WILD_PAGES,
				   CAP_VOID, CAP_MYSPACE, 20, 21, 22, 23, 24, 25 };
static const cap_t scratch_regs[] = { 20, 21, 22, 23, 24, 25 };

/* The random operations on the wild range that can trigger bug 1 on a
 * kernel without its fix (a rescinded or rewritten root with a live
 * activity, built again). */
static bool wild_rebuilds_ok(void)
{
	return !skip_bug(1) && !skip_bug(5);
}

static void random_kernel_invocation(void)
{
	static const struct arena ar = {
		.dots_len = 8192, .rbuf_len = 12 * 1024,
		.send = send_pool, .n_send = sizeof send_pool / sizeof send_pool[0],
		.recv = scratch_regs, .n_recv = N_SCRATCH,
	};
	struct arena a = ar;
	a.dots = heap_at(DOTS_OFF);
	a.rbuf = heap_at(SCRATCH_OFF);
	a.landing = heap_at(LANDING_OFF);
	uint64_t *s = &fz.rng;
	struct target t;
	unsigned n_fixed = sizeof pool_fixed / sizeof pool_fixed[0];
	unsigned pick = (unsigned)below(s, n_fixed + N_SCRATCH);
	t.cap = pick < n_fixed ? pool_fixed[pick] : scratch_regs[pick - n_fixed];
	t.type = classify(CAP_DISCRIM, t.cap);
	if (t.type == ~0ull) {
		unexpected("DISCRIM CLASSIFY failed", t.cap, 0);
		return;
	}
	if (t.cap != CAP_ECHO && t.type == CAIRN_KEY_START)
		return; /* a child may be busy for ever: children call those */
	if (t.type == CAIRN_KEY_RANGE && !wild_rebuilds_ok() && t.cap == CAP_WILD_NODES)
		return;
	if (t.type == CAIRN_KEY_DOMAIN && !wild_rebuilds_ok())
		return; /* DOMAIN START of a domain whose stale activity lingers */
	if (t.type == CAIRN_KEY_NODE && !wild_rebuilds_ok() && t.cap != CAP_NODE)
		return; /* a root's state rewritten */
	bool force = !fz.forced;
	uint64_t rc = random_invoke(s, &a, t, force);
	if (t.type == CAIRN_KEY_CHECKPOINT)
		fz.forced = true;
	if (t.cap == CAP_ECHO) {
		/* The echo got the call unless the string or the op was refused. */
		if (rc == CAIRN_OK || rc == CAIRN_BAD_ORDER)
			fz.echo_calls++;
		else if (rc != CAIRN_BAD_STRING && rc != CAIRN_STRING_TOO_LONG &&
			 rc != CAIRN_BAD_SYSCALL)
			unexpected("echo answered", rc, 0);
		return;
	}
	if (!result_named(rc))
		unexpected("result code not in the table", rc, t.type);
}

/* A random wild child: its role, keeper, keys. */
static void random_recipe(struct recipe *r)
{
	uint64_t *s = &fz.rng;
	memset(r, 0, sizeof *r);
	r->role = (enum role)(1 + below(s, R_COUNT - 1));
	r->param = (uint32_t)xorshift(s);
	unsigned k = 0;
	switch (r->role) {
	case R_ECHO:
		/* A wild child's FP registers may be set by anyone holding its
		 * domain key (wild_operation, R_RANDOM children: DOMAIN
		 * SET_REG of f0..f31 is legitimate), so only protected
		 * children check theirs. */
		r->param = (uint32_t)below(s, 300) | (chance(s, 30) ? ECHO_MAY_FAULT : 0) |
			   ECHO_NO_FP_CHECK;
		break;
	case R_KEEPER:
	case R_RANDOM:
		r->extra[k++] = CAP_DISCRIM;
		break;
	case R_CLIENT:
		r->param = (uint32_t)below(s, 20);
		break;
	case R_FPU:
		/* Exercises FP switching; checks off, as for R_ECHO above. */
		r->param = (uint32_t)below(s, 1 << 20) | 0x80000000u;
		break;
	case R_FAULTER:
		r->param = (uint32_t)below(s, FAULT_KINDS);
		r->no_fprs = chance(s, 20);
		break;
	default:
		break;
	}
	if (r->role == R_CLIENT || r->role == R_FPU) {
		/* The protected echo, or any wild child (may be no server). */
		unsigned target = chance(s, 60) ? PUB_ECHO : WILD0 + (unsigned)below(s, WILD_CHILDREN);
		if (r->role == R_FPU)
			target = PUB_ECHO;
		if (child_start_key(target, CHILD_BADGE, T5) == CAIRN_OK)
			r->extra[k++] = T5;
	}
	if (r->role == R_RANDOM) {
		/* Keys 4..10: start and domain keys to wild children, nodes, pages. */
		cap_t tmp[] = { T1, T2, T3 };
		for (unsigned j = 0; j < 3; j++) {
			unsigned w = WILD0 + (unsigned)below(s, WILD_CHILDREN);
			uint64_t rc = chance(s, 50) ? child_start_key(w, PROXY_BADGE, tmp[j])
						   : child_domain(w, tmp[j]);
			if (rc == CAIRN_OK && wild_rebuilds_ok())
				r->extra[k++] = tmp[j];
		}
		if (child_start_key(PUB_ECHO, PROXY_BADGE, T4) == CAIRN_OK)
			r->extra[k++] = T4;
		r->extra[k++] = CAP_NODE;
		r->extra[k++] = CAP_WILD_PAGES;
	}
	/* Keepers: the protected one (with a policy), a wild child, or none. */
	unsigned kp = (unsigned)below(s, 4);
	if (kp < 2) {
		unsigned policy = (unsigned)below(s, 3);
		if (policy == KEEP_DROP && !wild_rebuilds_ok())
			policy = KEEP_RESTART;
		if (cairn_domain_make_start(CAP_KEEPER_DOM, KEEPER_BADGE(policy), CAP_KEEPER_TMP) ==
		    CAIRN_OK)
			r->keeper = CAP_KEEPER_TMP;
	} else if (kp == 2 && wild_rebuilds_ok()) {
		unsigned w = WILD0 + (unsigned)below(s, WILD_CHILDREN);
		if (child_start_key(w, KEEPER_BADGE(KEEP_RESTART), CAP_KEEPER_TMP) == CAIRN_OK)
			r->keeper = CAP_KEEPER_TMP;
	}
}

/* One structural operation on a random wild child. */
static void wild_operation(void)
{
	uint64_t *s = &fz.rng;
	unsigned i = WILD0 + (unsigned)below(s, WILD_CHILDREN);
	struct child *c = &fz.children[i];
	struct recipe r;
	struct place pl = place_of(i);
	if (!c->built) {
		random_recipe(&r);
		build_child(i, &r);
		return;
	}
	if (!wild_rebuilds_ok()) {
		/* Only what cannot leave two activities on one root: restart a
		 * halted one; look at its state. */
		struct cairn_domain_state st;
		if (child_state(i, &st) == CAIRN_OK && st.run_state == CAIRN_DOM_HALTED)
			cairn_domain_start(T5, chance(s, 50) ? ~0ull : (uintptr_t)_start);
		return;
	}
	switch (below(s, 8)) {
	case 0: /* rebuild on the same nodes */
		random_recipe(&r);
		build_child(i, &r);
		break;
	case 1: /* rescind one of its objects */
		if (chance(s, 80))
			cairn_range_rescind(pl.nodes, pl.node + below(s, CHILD_NODES));
		else
			cairn_range_rescind(pl.pages, pl.page);
		break;
	case 2: /* halt it by rewriting its state, maybe start it again */
		if (child_node(i, N_ROOT, T0) == CAIRN_OK)
			node_write_number(T0, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED);
		if (chance(s, 50) && child_domain(i, T1) == CAIRN_OK)
			cairn_domain_start(T1, ~0ull);
		break;
	case 3: { /* share: its caps or space node goes into another child's root */
		unsigned j = WILD0 + (unsigned)below(s, WILD_CHILDREN);
		unsigned slot = chance(s, 50) ? CAIRN_DOM_SLOT_CAPS : CAIRN_DOM_SLOT_SPACE;
		if (child_node(i, N_ROOT, T0) == CAIRN_OK &&
		    cairn_node_get(T0, slot, T1) == CAIRN_OK && child_node(j, N_ROOT, T2) == CAIRN_OK)
			cairn_node_swap(T2, slot, T1, 0);
		break;
	}
	case 4: /* a new keeper */
		if (child_domain(i, T1) == CAIRN_OK) {
			cap_t k = 0;
			if (chance(s, 50) &&
			    cairn_domain_make_start(CAP_KEEPER_DOM, KEEPER_BADGE(below(s, 3)), T2) ==
				    CAIRN_OK)
				k = T2;
			cairn_domain_swap_slot(T1, CAIRN_DOM_SLOT_KEEPER, k, 0);
		}
		break;
	case 5: /* restart it somewhere */
		if (child_domain(i, T1) == CAIRN_OK) {
			cairn_domain_set_reg(T1, CAIRN_REG_X(2), CHILD_SP);
			cairn_domain_start(T1, chance(s, 70) ? (uintptr_t)_start : edgy_word(s));
		}
		break;
	case 6: /* a register set at random */
		if (child_domain(i, T1) == CAIRN_OK)
			cairn_domain_set_reg(T1, (unsigned)below(s, 66), edgy_word(s));
		break;
	default: /* rescind it all */
		rescind_child(i);
	}
}

/* ======================================================================
 * Setup and the rounds
 * ====================================================================== */

static bool setup(void)
{
	struct cairn_range_info ni, pi;
	if (!must(cairn_range_info(CAP_NODES, &ni), "node range") ||
	    !must(cairn_range_info(CAP_PAGES, &pi), "page range"))
		return false;
	if (ni.count < NODES_NEEDED || pi.count < PAGES_NEEDED) {
		unexpected("ranges too small", ni.count, pi.count);
		return false;
	}
	struct cairn_io io = { .w = { WILD_FIRST, WILD_NODE_COUNT }, .rkeys = { CAP_WILD_NODES } };
	if (!must(cairn_inv_RANGE_SUB(CAP_NODES, &io), "wild nodes"))
		return false;
	io = (struct cairn_io){ .w = { WILD_PAGE_FIRST, WILD_PAGE_COUNT },
				.rkeys = { CAP_WILD_PAGES } };
	if (!must(cairn_inv_RANGE_SUB(CAP_PAGES, &io), "wild pages"))
		return false;
	if (!must(cairn_range_make_key(CAP_NODES, REGISTRY_NODE, CAP_REGISTRY), "registry"))
		return false;
	/* The weak view of the first 4 MiB of its own space, for children. */
	if (!must(cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, T0), "own space") ||
	    !must(cairn_node_get(T0, 0, T0), "own space slot 0") ||
	    !must(cairn_node_weaken(T0, CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK, CAP_MYSPACE), "weaken"))
		return false;

	/* Dots for the console, ending in a newline. */
	char *dots = (char *)heap_at(DOTS_OFF);
	memset(dots, '.', 8191);
	dots[8191] = '\n';

	struct recipe echo_r = { .role = R_ECHO, .param = 50 | (skip_bug(3) ? ECHO_NO_FP_CHECK : 0) };
	struct recipe keeper_r = { .role = R_KEEPER, .extra = { CAP_DISCRIM } };
	if (!build_child(ECHO, &echo_r) || !must(cairn_domain_make_start(T4, FUZZ_BADGE, CAP_ECHO),
						 "echo start key"))
		return false;
	must(child_domain(ECHO, CAP_ECHO_DOM), "echo domain key");
	if (!build_child(KEEPER, &keeper_r))
		return false;
	must(child_domain(KEEPER, CAP_KEEPER_DOM), "keeper domain key");
	return build_child(PUB_ECHO, &echo_r);
}

static void round_of_work(void)
{
	uint64_t *s = &fz.rng;
	fz.forced = false;
	for (unsigned n = 0; n < 40; n++)
		random_kernel_invocation();
	for (unsigned n = 0; n < 2; n++)
		wild_operation();
	switch (fz.round % 10) {
	case 0:
		probe_fp();
		break;
	case 1:
		probe_self_pc();
		break;
	case 2:
		probe_make_space();
		break;
	case 3:
		probe_node_rights();
		break;
	case 4:
		probe_caps_rescind();
		break;
	case 5:
		probe_stall_wake();
		break;
	case 6:
		probe_faults();
		break;
	case 7:
		probe_rebuild_stalled();
		break;
	case 8:
		if (fz.round >= 18)
			probe_activity_leak();
		break;
	default:
		if (!fz.forced && chance(s, 50)) {
			struct cairn_io io = { 0 };
			must(cairn_inv_CHECKPOINT_FORCE(CAP_CKPT, &io), "force a checkpoint");
		}
	}
	check_echo_books();
	if (text_sum() != fz.text_sum)
		unexpected("the fuzzer's text changed", text_sum(), fz.text_sum);
	nap(10 + below(s, 20)); /* let the witnesses run */
}

int main(uint64_t arg)
{
	if (arg >> 48 == CHILD_MAGIC)
		child(arg);
	uint64_t hi = 0;
	if (cairn_number_read(CAP_SEED, &fz.seed, &hi) != CAIRN_OK)
		fz.seed = 1;
	if (cairn_number_read(CAP_OPTS, &fz.opts, &hi) != CAIRN_OK)
		fz.opts = 0;
	fz.rng = fz.seed * 0x9e3779b97f4a7c15ull + 0x1234567;
	if (!fz.rng)
		fz.rng = 1;
	printf("seed %" PRIu64 " options 0x%" PRIx64 "\n", fz.seed, fz.opts);
	fz.text_sum = text_sum();
	if (!setup()) {
		printf("UNEXPECTED setup failed\n");
		cairn_exit();
	}
	for (;;) {
		fz.round++;
		round_of_work();
		printf("round %" PRIu64 " ok\n", fz.round);
	}
}
