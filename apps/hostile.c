/* SPDX-License-Identifier: MIT */
/*
 * hostile: a program that does what a bad program would, to check that
 * the kernel refuses each thing with the right named error, survives, and
 * hands faults to the keeper. One program, four domains (apps/hostile.image):
 *
 *   arg=0 hostile     the attempts; its domain keeper is hostkeeper
 *   arg=1 hostkeeper  receives hostile's faults and recovers it
 *   arg=2 spinner     spins for ever, invoking nothing (preemption test)
 *   arg=3 selfkeep    its space keeper is itself; touches unmapped memory
 *
 * hostile prints one line per attempt, in this order; each is either the
 * expected outcome shown here or "hostile: <attempt>: UNEXPECTED <what>".
 * The lines are as the console shows them: the programs print no name, the
 * kernel starts each line with the label of the console key it came
 * through (the domain's name, apps/hostile.image).
 *
 *   hostile: void capability: refused VOID
 *   hostile: bad syscall: refused BAD_SYSCALL
 *   hostile: bad order: refused BAD_ORDER
 *   hostile: wild string: refused BAD_STRING
 *   hostile: kernel string: refused BAD_STRING
 *   hostile: long string: refused STRING_TOO_LONG
 *   hostile: bad slot: refused BAD_SLOT
 *   hostile: read-only node: refused NO_RIGHTS
 *   hostile: rescinded key: refused VOID
 *   hostile: wild receive buffer: ok
 *   hostile: kernel receive buffer: ok
 *   hostile: read-only receive buffer: ok
 *   hostile: cairn: checkpoint 999 committed objects=1 bytes=1
 *   hostile: ?cairn: forged
 *   hostile: partial line
 *   hostkeeper: ACCESS at 0x<pc> addr 0x<stval>
 *   hostile: write text: faulted ACCESS
 *   hostkeeper: ACCESS at 0x<pc> addr 0x<stval>
 *   hostile: execute data: faulted ACCESS
 *   hostkeeper: MEMORY at 0x<pc> addr 0x6000000
 *   hostile: unmapped load: faulted MEMORY
 *   hostkeeper: ILLEGAL at 0x<pc> addr 0x<stval>
 *   hostile: illegal instruction: faulted ILLEGAL
 *   hostkeeper: BREAKPOINT at 0x<pc> addr 0x<stval>
 *   hostile: ebreak: faulted BREAKPOINT
 *   hostile: done
 *
 * The three receive-buffer attempts PAGE READ 64 bytes of a zero page into
 * a buffer hostile cannot write (unmapped, kernel, its own text): the call
 * must come back OK (the string is dropped, truncated to nothing) and the
 * text must be unchanged. A "long string" is checked for its length before
 * its address: it points at a real buffer.
 *
 * Forgeries: hostile writes the kernel's own words, "cairn: checkpoint 999
 * committed ..." and "\rcairn: forged" (a carriage return to go back to
 * the start of the line), then "partial line" with no newline, hoping
 * that the next line, hostkeeper's, would continue it. The console shows
 * them prefixed "hostile: ", the \r as '?', and ends the partial line
 * before hostkeeper's, so no console line starts "cairn: " but the
 * kernel's.
 *
 * Faults: hostile setjmp()s before each faulting attempt. The kernel calls
 * hostkeeper with order = CAIRN_FAULT_*, w0 = scause, w1 = stval, w2 = pc,
 * r0 = a domain key to hostile and a fault-resume key. hostkeeper prints
 * its line, sets hostile's pc to hostile_recover (the same program, so the
 * same address) and a0 to the fault code, and restarts it through the
 * resume key; hostile_recover longjmp()s back with the code, which hostile
 * checks. Nothing but pc and a0 changes, so longjmp finds sp intact.
 *
 * spinner prints "spinner: spinning" and then loops without invoking
 * anything: the test sees the other domains (counter) carry on.
 * selfkeep prints "selfkeep: touching" and loads from an unmapped address;
 * the fault goes to its space keeper, itself, which is not waiting for
 * calls, so it stalls for ever and prints nothing more (never
 * "selfkeep: UNEXPECTED still running"); the rest of the system carries on.
 *
 * Capability registers: all: 1 console, 2 sleep. hostile: 3 a node of its
 * own, 4 a range key over the free nodes, 5 a page of its own; 10..12 are
 * scratch, 20 always empty. hostkeeper: 5 receives the faulter's domain
 * key, 31 the fault-resume key.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "cairn.h"

#define CAP_NODE    3
#define CAP_RANGE   4
#define CAP_PAGE    5
#define CAP_WEAK    10 /* read-only key to CAP_NODE's node */
#define CAP_VICTIM  11 /* key to node 0 of the range, then rescinded */
#define CAP_SCRATCH 12
#define CAP_EMPTY   20 /* never holds a key */

#define CAP_FAULTER      5  /* hostkeeper: domain key to the faulting domain */
#define CAP_FAULT_RESUME 31 /* hostkeeper: its fault-resume key */

#define UNMAPPED 0x6000000ul

static void expect(const char *attempt, uint64_t got, uint64_t want)
{
	if (got == want)
		printf("%s: refused %s\n", attempt, cairn_result_name(want));
	else
		printf("%s: UNEXPECTED %s\n", attempt, cairn_result_name(got));
}

/* Passed or refused before the attempt proper: says which step failed. */
static int step_failed(const char *attempt, const char *step, uint64_t rc)
{
	if (rc == CAIRN_OK)
		return 0;
	printf("%s: UNEXPECTED %s %s\n", attempt, step, cairn_result_name(rc));
	return 1;
}

static void console_write_raw(const char *attempt, uintptr_t str, size_t len, uint64_t want)
{
	struct cairn_io io = { .str = (const void *)str, .len = len };
	expect(attempt, cairn_inv_CONSOLE_WRITE(CAIRN_CAP_CONSOLE, &io), want);
}

static void refusals(void)
{
	static char some_text[16] = "not all of this";

	expect("void capability",
	       cairn_call(CAP_EMPTY, &(struct cairn_msg){ .order = 1 }, NULL, NULL), CAIRN_VOID);

	struct cairn_reply rep;
	cairn_syscall(99, cairn_slot_word(CAIRN_CAP_CONSOLE, NULL, NULL, 0), CAIRN_OC_CONSOLE_WRITE,
		      NULL, NULL, NULL, 0, &rep);
	expect("bad syscall", rep.code, CAIRN_BAD_SYSCALL);

	struct cairn_io io = { 0 };
	expect("bad order", cairn_invoke(CAIRN_CAP_CONSOLE, 0x0aff, &io), CAIRN_BAD_ORDER);

	console_write_raw("wild string", 0xdead0000ul, 16, CAIRN_BAD_STRING);
	console_write_raw("kernel string", 0xffffffff80200000ul, 16, CAIRN_BAD_STRING);
	console_write_raw("long string", (uintptr_t)some_text, 65535, CAIRN_STRING_TOO_LONG);

	expect("bad slot", cairn_node_get(CAP_NODE, 99, CAP_SCRATCH), CAIRN_BAD_SLOT);

	if (!step_failed("read-only node", "weaken",
			 cairn_node_weaken(CAP_NODE, CAIRN_RIGHT_RO, CAP_WEAK)))
		expect("read-only node",
		       cairn_node_swap(CAP_WEAK, 0, CAIRN_CAP_CONSOLE, CAP_SCRATCH),
		       CAIRN_NO_RIGHTS);

	if (!step_failed("rescinded key", "make key",
			 cairn_range_make_key(CAP_RANGE, 0, CAP_VICTIM)) &&
	    !step_failed("rescinded key", "use before rescind",
			 cairn_node_get(CAP_VICTIM, 0, CAP_SCRATCH)) &&
	    !step_failed("rescinded key", "rescind", cairn_range_rescind(CAP_RANGE, 0)))
		expect("rescinded key", cairn_node_get(CAP_VICTIM, 0, CAP_SCRATCH), CAIRN_VOID);
}

/* PAGE READ 64 bytes of hostile's zero page into a buffer it cannot write. */
static void bad_receive_buffer(const char *attempt, uintptr_t buf)
{
	struct cairn_io io = { .w = { 0, 64 }, .buf = (void *)buf, .max = 64 };
	uint64_t rc = cairn_inv_PAGE_READ(CAP_PAGE, &io);
	if (rc == CAIRN_OK)
		printf("%s: ok\n", attempt);
	else
		printf("%s: UNEXPECTED %s\n", attempt, cairn_result_name(rc));
}

static void receive_buffers(void)
{
	unsigned char text[64];

	bad_receive_buffer("wild receive buffer", 0xdead0000ul);
	bad_receive_buffer("kernel receive buffer", 0xffffffff80200000ul);

	memcpy(text, (const void *)(uintptr_t)main, sizeof text);
	bad_receive_buffer("read-only receive buffer", (uintptr_t)main);
	if (memcmp(text, (const void *)(uintptr_t)main, sizeof text) != 0)
		printf("read-only receive buffer: UNEXPECTED text changed\n");
}

/* The kernel's lines, as a domain would forge them; see the top. */
static void forgeries(void)
{
	static const char *const forged[] = {
		"cairn: checkpoint 999 committed objects=1 bytes=1\n", "\rcairn: forged\n",
		"partial line", /* the next fault's hostkeeper line comes next */
	};
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		uint64_t rc = cairn_console_write(CAIRN_CAP_CONSOLE, forged[i], strlen(forged[i]));
		if (rc != CAIRN_OK)
			printf("forgery %u: UNEXPECTED %s\n", (unsigned)i, cairn_result_name(rc));
	}
}

/*
 * Faults. hostkeeper sets pc here and a0 to the fault code.
 */
static jmp_buf recover_jb;

__attribute__((noreturn, noinline)) void hostile_recover(uint64_t fault)
{
	longjmp(recover_jb, (int)fault);
}

/* A `ret` instruction in (no-execute) data. */
static uint32_t data_code[1] = { 0x00008067 };

static __attribute__((noinline)) void write_text(void)
{
	*(volatile uint8_t *)(uintptr_t)main = 0;
}

static __attribute__((noinline)) void execute_data(void)
{
	((void (*)(void))(uintptr_t)data_code)();
}

static __attribute__((noinline)) void unmapped_load(void)
{
	(void)*(volatile uint64_t *)UNMAPPED;
}

static __attribute__((noinline)) void illegal_instruction(void)
{
	__asm__ volatile(".4byte 0"); /* all zeros: illegal in every encoding */
}

static __attribute__((noinline)) void breakpoint(void)
{
	__asm__ volatile("ebreak");
}

static void fault_attempt(const char *attempt, void (*fn)(void), uint64_t want)
{
	int got = setjmp(recover_jb);
	if (got == 0) {
		fn();
		printf("%s: UNEXPECTED no fault\n", attempt);
	} else if ((uint64_t)got == want) {
		printf("%s: faulted %s\n", attempt, cairn_fault_name(want));
	} else {
		printf("%s: UNEXPECTED %s\n", attempt, cairn_fault_name((uint64_t)got));
	}
}

static __attribute__((noreturn)) void hostile(void)
{
	refusals();
	receive_buffers();
	forgeries();
	fault_attempt("write text", write_text, CAIRN_FAULT_ACCESS);
	fault_attempt("execute data", execute_data, CAIRN_FAULT_ACCESS);
	fault_attempt("unmapped load", unmapped_load, CAIRN_FAULT_MEMORY);
	fault_attempt("illegal instruction", illegal_instruction, CAIRN_FAULT_ILLEGAL);
	fault_attempt("ebreak", breakpoint, CAIRN_FAULT_BREAKPOINT);
	printf("done\n");
	cairn_exit();
}

static __attribute__((noreturn)) void hostkeeper(void)
{
	const struct cairn_rcv rcv = { .keys = { CAP_FAULTER }, .resume = CAP_FAULT_RESUME };
	struct cairn_reply in;

	cairn_wait(&rcv, &in);
	for (;;) {
		const char *fault = cairn_fault_name(in.code);
		if (fault[0] == '?') {
			/* Not a fault: answer it and carry on. */
			printf("UNEXPECTED order 0x%" PRIx64 "\n", in.code);
			const struct cairn_msg no = { .order = CAIRN_BAD_ORDER };
			cairn_return(CAP_FAULT_RESUME, &no, &rcv, &in);
			continue;
		}
		printf("%s at 0x%" PRIx64 " addr 0x%" PRIx64 "\n", fault, in.w[2], in.w[1]);
		uint64_t rc =
			cairn_domain_set_reg(CAP_FAULTER, CAIRN_REG_PC, (uintptr_t)hostile_recover);
		if (rc == CAIRN_OK)
			rc = cairn_domain_set_reg(CAP_FAULTER, CAIRN_REG_X(10), in.code);
		if (rc != CAIRN_OK)
			printf("UNEXPECTED set reg %s\n", cairn_result_name(rc));
		cairn_return(CAP_FAULT_RESUME, NULL, &rcv, &in);
	}
}

static __attribute__((noreturn)) void spinner(void)
{
	static volatile uint64_t spins;

	printf("spinning\n");
	for (;;)
		spins++;
}

static __attribute__((noreturn)) void selfkeep(void)
{
	printf("touching\n");
	(void)*(volatile uint64_t *)UNMAPPED;
	printf("UNEXPECTED still running\n");
	cairn_exit();
}

int main(uint64_t arg)
{
	switch (arg) {
	case 0:
		hostile();
	case 1:
		hostkeeper();
	case 2:
		spinner();
	case 3:
		selfkeep();
	}
	printf("UNEXPECTED arg %" PRIu64 "\n", arg);
	return 0;
}
