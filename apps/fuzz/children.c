/* SPDX-License-Identifier: MIT */
/*
 * fuzz: the programs the children run, one per role (enum role in
 * fuzz.h). run_child() is where main() goes when a0 is CHILD_ARG(role,
 * param): a domain the fuzzer built (build.c) from its own text. A child
 * has a stack page of its own and reads everything else of the fuzzer's
 * through a weak read-only key, so nothing here writes a global variable
 * or calls printf (stdout is a global): a child's counters and results go
 * into its mailbox (MB), and an invariant it sees broken goes to the
 * console as "UNEXPECTED <role>: ..." (child_complain). Every role loops
 * for ever or halts; none returns. The FP helpers are here too: the
 * fuzzer's FP probe uses the same fill and check as the children.
 */
#include "fuzz.h"

static const char *const role_names[R_COUNT] = {
	"?", "echo", "keeper", "client", "fpu", "faulter", "spinner", "random", "capcheck",
};

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
	struct cairn_io io = { 0 };
	bool protected = cairn_inv_NUMBER_READ(CC_PROTECTED, &io) == CAIRN_OK &&
			 io.w[0] == PROTECTED_MARK;
	size_t n = put_str(line, 0, protected ? "UNEXPECTED " : "wild child noted ");
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

/* clang-format off */
#define FP_EACH(X)                                                                                 \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)      \
	X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29)      \
	X(30) X(31)
/* clang-format on */

/* No f register is named as clobbered: the compiler must not save and
 * restore fs0..fs11 around these (that would undo the fill), and integer
 * code between a fill and a check never touches them. */
__attribute__((noinline)) void fp_fill(const uint64_t v[32])
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

void fp_pattern(uint64_t seed, uint64_t v[32])
{
	for (unsigned i = 0; i < 32; i++)
		v[i] = seed * 0x9e3779b97f4a7c15ull + i * 0x0101010101010101ull + 1;
}

/* How many of the 32 registers differ from the pattern. */
unsigned fp_lost(const uint64_t want[32])
{
	uint64_t got[32];
	fp_dump(got);
	unsigned n = 0;
	for (unsigned i = 0; i < 32; i++)
		n += got[i] != want[i];
	return n;
}

/* --- the roles --------------------------------------------------------- */

static __attribute__((noreturn)) void child_halt_here(void)
{
	for (;;)
		cairn_wait(NULL, NULL);
}

/* A server. Counts calls by badge, answers every call (BAD_ORDER for
 * orders it does not have), never stalls on anything but the sleep key. */
static __attribute__((noreturn)) void echo(uint32_t param)
{
	const struct cairn_rcv rcv = { .buf = (void *)MB->rbuf,
				       .max = sizeof MB->rbuf,
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
			cairn_sleep_for(CAIRN_CAP_SLEEP, in.w[1] < ECHO_MAX_MS(param)
								 ? in.w[1]
								 : ECHO_MAX_MS(param));
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
		uint64_t rc =
			cairn_call(CC_TARGET,
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
		cairn_call(CC_TARGET, &(struct cairn_msg){ .order = ECHO_FP, .w = { i } }, NULL,
			   &rep);
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

/* A child that invokes its own keys at random for ever (it may stall on a
 * busy server, or for ever: that is a fine outcome for it). */
static __attribute__((noreturn)) void random_child(uint32_t param)
{
	static const cap_t pool[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0 };
	static const cap_t recv[] = { 11, 12, 13, 14, 15 };
	static const cap_t send[] = { 0, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	const struct arena ar = {
		.dots = heap_at(DOTS_OFF),
		.dots_len = 8192,
		.rbuf = (uintptr_t)MB->rbuf,
		.rbuf_len = sizeof MB->rbuf,
		.landing = 0,
		.send = send,
		.n_send = sizeof send / sizeof send[0],
		.recv = recv,
		.n_recv = sizeof recv / sizeof recv[0],
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

/* A child's main(): the program of its role. */
__attribute__((noreturn)) void run_child(uint64_t arg)
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
