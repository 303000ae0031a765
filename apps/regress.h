/* SPDX-License-Identifier: MIT */
/*
 * regress: what the driver (apps/regress.c) and the domains it builds
 * (apps/regress_kids.c) share.
 *
 * The driver builds its test domains ("kids") at run time from nodes of
 * its node range, the way a space bank's client would: a root, a register
 * node, an FP node and a capability node, and, as the address space, the
 * driver's own space key. So every kid runs this same program in the
 * driver's memory: it starts at kid_main() with its stack in kid_stacks[]
 * and talks to the driver through its struct kid_cell in shared memory,
 * which it writes and the driver polls (with a timeout: a kid that hangs
 * is a failure the driver reports, never a hang of the driver). Kids never
 * print: stdout's line buffer is the driver's.
 *
 * Invariants: a kid's cell and stack are its own for the whole boot (cells
 * are handed out once, never reused, except that a kid rebuilt on the same
 * nodes keeps its cell); the driver and a kid never write the same cell
 * word at the same time (the driver writes cmd and arg, the kid the rest).
 */
#ifndef REGRESS_H
#define REGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn.h"
#include "check.h"

/* The driver's capability registers (apps/regress.image), and the same
 * numbers in every kid that builds kids of its own (the leak worker). */
#define CAP_NODES   3         /* range key over the free nodes */
#define CAP_PAGES   4         /* range key over the free pages */
#define CAP_CKPT    5         /* checkpoint key */
#define CAP_DISCRIM 6         /* discrim key */
#define CAP_SELF    7         /* domain key to the driver itself */
#define CAP_SPACE   8         /* the driver's own address space key (read at start) */
#define CAP_CASE(n) (9 + (n)) /* 9..19: scratch for the test cases */
#define CAP_B_ROOT  20        /* 20..25: the builder's scratch */
#define CAP_B_GPRS  21
#define CAP_B_FPRS  22
#define CAP_B_CAPS  23
#define CAP_B_DOM   24
#define CAP_B_TMP   25
#define CAP_TMP(n)  (26 + (n)) /* 26..30: short-lived scratch */

/* A kid's capability registers: 1 console, 2 sleep and 6 discrim always;
 * 3, 4, 5 as its role says; 31 the resume key of a call it receives. */
#define KID_CAP_A      3
#define KID_CAP_B      4
#define KID_CAP_RECV   5
#define KID_CAP_RESUME 31

/* What a kid does (register a0 when it starts; a1 is its cell). */
enum kid_role {
	ROLE_BUSY = 1,   /* stays busy: sleeps 2 ms at a time; cmd 1: ebreak (halts, no keeper) */
	ROLE_CALLER,     /* state 1, CALL register 3 (order cmd, w0 arg; 1 and 7 if 0), rc =
			  * the result, state 2, then parks */
	ROLE_ECHO,       /* server: replies OK, w0/w1 = type/rights of the key received in 5,
			  * w2 = w0 + 1; value counts the calls */
	ROLE_FP_SERVER,  /* server: loads kid_fp_values into f0..f31, replies OK */
	ROLE_CAPS_PROBE, /* on each message: rc = NUMBER READ(3), value = its w0,
			  * arg2 = SLEEP NOW(2); state counts the messages */
	ROLE_INTRUDER,   /* state 1, uses FP, PAGE WRITE(3), NODE GET(4, 0) into 2 and 5; parks */
	ROLE_MAPPER,     /* on each new cmd (seq << 8 | op): op 1 loads, op 2 stores the u64 at
			  * arg; value = what was loaded, state = cmd */
	ROLE_RESUMER,    /* server: on a call, value = type of its resume key, state 1; when
			  * cmd = 1: arg2 = its type now, rc = CALL on it, state 2 */
	ROLE_SINK,       /* waits for messages; value counts them */
	ROLE_FLAG,       /* state 1, then parks */
	ROLE_LEAK,       /* the activity-leak worker: runs leak_work() (regress.c) */
	ROLE_SLEEPER,    /* state 1, SLEEP FOR 10 minutes, state 2, then parks */
	ROLE_ONWARD,     /* server: on a call (order o, w0 = offset, bit 63 for the node
			  * range 4 instead of the page range 3), RETURNs order o on that
			  * range key with k3 = the caller's resume key; value counts calls */
	ROLE_SLOW_ECHO,  /* server: on each call, sleeps 300 ms, then replies OK with w0 = the
			  * number of calls so far; value counts them */
};

struct kid_cell {
	volatile uint64_t state;
	volatile uint64_t rc;
	volatile uint64_t value;
	volatile uint64_t arg2;
	volatile uint64_t cmd; /* written by the driver */
	volatile uint64_t arg; /* written by the driver */
};

#define KID_CELLS 64
#define KID_STACK 8192

extern struct kid_cell kid_cells[KID_CELLS];
extern uint64_t kid_fp_values[32];

/* A kid: the range offsets of its four nodes, and its cell. */
enum { KID_ROOT, KID_GPRS, KID_FPRS, KID_CAPS, KID_NODES };
struct kid {
	uint64_t node[KID_NODES];
	unsigned cell;
};

/* Allocation from the ranges: offsets handed out once, in order. */
uint64_t fresh_node(cap_t into, uint64_t *off);
uint64_t fresh_page(cap_t into, uint64_t *off);
void kid_alloc(struct kid *k);

/* Build k (its nodes already allocated; they may be rescinded, zero) to
 * run `role`, halted; its cell is cleared. Result: the first failure. */
uint64_t kid_build(const struct kid *k, enum kid_role role);
uint64_t kid_give(const struct kid *k, unsigned cap_reg, cap_t from); /* into its caps */
uint64_t kid_set_root(const struct kid *k, unsigned slot, cap_t from);
uint64_t kid_node_key(const struct kid *k, unsigned which, cap_t into);
uint64_t kid_domain(const struct kid *k, cap_t into);
uint64_t kid_start(const struct kid *k);
uint64_t kid_start_key(const struct kid *k, cap_t into);
uint64_t kid_rescind(const struct kid *k);
uint64_t kid_state(const struct kid *k, struct cairn_domain_state *st);

/* Polling with a bound: true if the condition held within ms. */
bool wait_cell(unsigned cell, uint64_t at_least, unsigned ms);
bool wait_run_state(const struct kid *k, uint64_t run_state, unsigned ms);
void nap(uint64_t ms);

uint64_t node_write_number(cap_t node, unsigned slot, uint64_t value);
uint64_t key_type_of(cap_t key, uint64_t *rights);
uint64_t send_rc(cap_t target, const struct cairn_msg *m);

/* Reporting (regress.c). A case records its first failure; its line says
 * "ok" or "FAIL" and that failure. */
bool type_is(const char *what, cap_t key, uint64_t want); /* the key's type */

/* Build k for `role` and start it; wait for its cell's state 1, or for
 * the AVAILABLE run state (a server). */
enum ready { READY_NONE, READY_CELL, READY_AVAILABLE };
bool kid_up(struct kid *k, enum kid_role role, enum ready ready);

/* The capability-rule cases (regress_rules.c); rules_setup first. */
bool rules_setup(void);
void case_make_space(void);
void case_identify(void);
void case_identify_keys(void);
void case_rescind_node(void);
void case_rescind_domain(void);
void case_rescind_page(void);
void case_rescind_zero_again(void);
void case_reply_onward(void);
void case_ro_page(void);
void case_ro_spaces(void);
void case_space_slot_changed(void);
void case_weak_node(void);
void case_fast_path_counts(void);

/* Where a kid starts (its pc). */
__attribute__((noreturn)) void kid_main(uint64_t role, uint64_t cell);
__attribute__((noreturn)) void leak_work(unsigned cell);

#endif /* REGRESS_H */
