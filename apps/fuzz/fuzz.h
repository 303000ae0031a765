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
 *
 * The files (apps/fuzz/): fuzz.h what they all share (the protocol above,
 * the capability register map, the layout of the ranges); main.c the
 * fuzzer's state, setup and the rounds; build.c building children from
 * nodes and pages and watching them; children.c the programs the children
 * run (one per role); invoke.c one random invocation of a key; probes.c
 * the probes for the bugs of issue 8; wild.c the wild children and the
 * random operations on them; rng.c the generator. Only the fuzzer (arg 0)
 * touches struct fuzz_state fz; children use nothing of main.c, build.c,
 * probes.c or wild.c.
 */
#ifndef FUZZ_H
#define FUZZ_H

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
#define CC_TARGET  3  /* client, fpu: start key to the server it calls */
#define CC_DISCRIM 3  /* keeper, random: discrim key */
#define CC_FAULTER 5  /* keeper: domain key to the faulting domain */
#define CC_POOL0   4  /* random: 4..10 keys to invoke */
#define CC_RECV0   11 /* random: 11..15 where returned keys go */
#define CC_RESUME  31 /* servers and keepers: the resume key */
/* Protected children only: a number key holding PROTECTED_MARK. A wild
 * child's memory and registers are fair game for the other wild children
 * (they hold its domain key, its stack page, share its space), so what it
 * sees is no invariant: child_complain() reports UNEXPECTED only for a
 * child that finds this mark, which no wild child can reach. */
#define CC_PROTECTED   30
#define PROTECTED_MARK 0x70c7ec7edull

/* Badges of start keys to the echo servers: who called. */
#define FUZZ_BADGE  1 /* the fuzzer itself: the echo counts these calls */
#define CHILD_BADGE 2
#define PROXY_BADGE 3

/* Options (capability register 11). */
#define FUZZ_SKIP_BUG(n) ((1ull << (n)) >> 1) /* bit n - 1 */

/* --- the layout of the ranges ----------------------------------------- */

/* Node offsets in the full node range (register 4). The protected part
 * (registry and the children the probes rely on) is never reachable by a
 * random operation; the wild part is register 12. */
#define REGISTRY_NODE   0
#define CHILD_NODES     8 /* root, gprs, fprs, caps, space h3, h2, h1, spare */
#define PROT_CHILDREN   7 /* echo, keeper, four probe slots, the children's echo */
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
#define FUZZ_HEAP    (32u * 1024)
#define DOTS_OFF     0                  /* 8 KiB of dots ending in '\n' */
#define SCRATCH_OFF  (8u * 1024)        /* receive buffer, 12 KiB */
#define LANDING_OFF  (FUZZ_HEAP - 4096) /* the last page */
#define heap_at(off) ((uintptr_t)__heap_start + (off))

#define KERNEL_VA   0xffffffff80200000ul
#define UNMAPPED_VA 0x6000000ul /* between the heap and the stack */

/* --- children ---------------------------------------------------------- */

#define CHILD_MAGIC            0xc0deull
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

/* Echo orders (echo(), children.c). */
#define ECHO_PLUS  1 /* -> OK, w0 + 1 */
#define ECHO_SLOW  2 /* sleep w1 ms (at most the server's limit), -> OK, w0 + 1 */
#define ECHO_FP    3 /* fill the FP registers from w0, kernel call, -> OK, w0 = 1 if intact */
#define ECHO_FAULT 4 /* fault (only a server built with ECHO_MAY_FAULT) */
/* Echo params: the longest sleep in ms and two flags. */
#define ECHO_MAY_FAULT   0x80000000u
#define ECHO_NO_FP_CHECK 0x40000000u /* a kernel without the fix for bug 3 */
#define ECHO_MAX_MS(p)   (0x3fffffffu & (p))

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

/* Keeper policies, in the badge of the keeper's start key (bits 8..9). */
#define KEEP_RESTART         0 /* restart the faulter from _start, its next fault kind */
#define KEEP_HALT            1 /* void its keeper slot and resume it: it faults again and halts */
#define KEEP_DROP            2 /* never answer: the faulter waits for ever */
#define KEEPER_BADGE(policy) ((uint16_t)((policy) << 8))

/* The kinds of fault a faulter makes (faulter(), children.c). */
#define FAULT_KINDS 10

/* --- random invocations (the fuzzer's and the random children's) ----- */

/* A key to invoke and its type. */
struct target {
	cap_t cap;
	uint64_t type; /* CAIRN_KEY_*, from DISCRIM CLASSIFY */
};

/* Where a random invoker's buffers may point. */
struct arena {
	uintptr_t dots, dots_len; /* readable, harmless to print */
	uintptr_t rbuf, rbuf_len; /* writable scratch */
	uintptr_t landing;        /* a page followed by unmapped memory (0: none) */
	const cap_t *send;        /* keys it may send */
	unsigned n_send;
	const cap_t *recv; /* registers returned keys may go to */
	unsigned n_recv;
};

/* --- the fuzzer's state ------------------------------------------------ */

/* What the fuzzer knows of a child it built. */
struct child {
	uint8_t role;
	bool built;
	uint32_t param;
	uint32_t builds;
};

/* All of it in its data page: a checkpoint saves it with everything else.
 * Defined in main.c; only the fuzzer (arg 0) uses it. */
struct fuzz_state {
	uint64_t seed;
	uint64_t opts;
	uint64_t rng;
	uint64_t round;
	uint64_t echo_calls; /* calls the protected echo answered for us */
	uint64_t unexpected; /* lines printed */
	uint64_t text_sum;   /* of the first text bytes, at start */
	uint64_t leak_done;
	struct child children[N_CHILDREN];
	bool forced; /* a FORCE this round */
};
extern struct fuzz_state fz;

/* Where child i lives: its node range and first node, its page. */
struct place {
	cap_t nodes, pages;
	uint64_t node, page;
};

/* How a child is to be built. */
struct recipe {
	enum role role;
	uint32_t param;
	cap_t keeper;       /* a start key to its keeper, 0: none */
	cap_t extra[8];     /* capability registers 3..10 */
	uint64_t rights[3]; /* rights to take off the gprs, fprs and caps node keys */
	bool no_fprs;       /* no FP node */
	bool halted;        /* leave it halted */
};

/* --- what the files export ---------------------------------------------- */

/* rng.c: the generator (xorshift), numbers below n, chances in percent,
 * words at the edges of the ranges a kernel checks. */
uint64_t xorshift(uint64_t *s);
uint64_t below(uint64_t *s, uint64_t n);
bool chance(uint64_t *s, unsigned percent);
uint64_t edgy_word(uint64_t *s);

/* invoke.c */
bool result_named(uint64_t rc);
uint64_t random_invoke(uint64_t *s, const struct arena *ar, struct target t, bool may_force);
uint64_t classify(cap_t discrim, cap_t cap);

/* children.c */
void fp_fill(const uint64_t v[32]);
void fp_pattern(uint64_t seed, uint64_t v[32]);
unsigned fp_lost(const uint64_t want[32]);
__attribute__((noreturn)) void run_child(uint64_t arg);

/* main.c */
bool skip_bug(unsigned n);
void unexpected(const char *what, uint64_t a, uint64_t b);
bool must(uint64_t rc, const char *what);
void nap(uint64_t ms);

/* build.c */
uint64_t node_write_number(cap_t node, unsigned slot, uint64_t lo);
uint64_t make_space(cap_t node, unsigned height, uint64_t rights, cap_t into);
uint64_t make_domain(cap_t node, cap_t into);
uint64_t space_rights(cap_t space, uint64_t *rights);
struct place place_of(unsigned i);
uint64_t child_node(unsigned i, unsigned which, cap_t into);
bool read_mailbox(unsigned i, struct mailbox *mb);
void rescind_child(unsigned i);
bool build_child(unsigned i, const struct recipe *r);
uint64_t child_domain(unsigned i, cap_t into);
uint64_t child_start_key(unsigned i, uint16_t badge, cap_t into);
uint64_t child_state(unsigned i, struct cairn_domain_state *st);
bool wait_rounds(unsigned i, uint64_t rounds, unsigned ms);
uint64_t echo_call(uint64_t order, uint64_t w0, uint64_t w1, struct cairn_reply *rep);
void check_echo_books(void);

/* probes.c: one known way to break each rule of issue 8 */
void probe_fp(void);
void probe_self_pc(void);
void probe_make_space(void);
void probe_node_rights(void);
void probe_caps_rescind(void);
void probe_stall_wake(void);
void probe_rebuild_stalled(void);
void probe_activity_leak(void);
void probe_faults(void);

/* wild.c */
void random_kernel_invocation(void);
void wild_operation(void);

#endif
