/* SPDX-License-Identifier: MIT */
/*
 * fuzz: the fuzzer's main program (fuzz.h has the protocol). main() sends
 * a child to run_child(); the fuzzer itself reads its seed and options,
 * prints "seed N options X", builds the protected children (setup) and
 * then makes rounds for ever: 40 random invocations of its keys, two
 * structural operations on wild children, one probe or a checkpoint FORCE
 * (by round number; the leak probe once, from round 18), the echo's books
 * and its own text checked, a short nap for the witnesses, and "round N
 * ok". Here too are the fuzzer's state fz and how it reports: unexpected()
 * and must() print one "UNEXPECTED" line each and count it.
 */
#include "fuzz.h"

/* The fuzzer's state (fuzz.h). */
struct fuzz_state fz;

bool skip_bug(unsigned n)
{
	return fz.opts & FUZZ_SKIP_BUG(n);
}

void unexpected(const char *what, uint64_t a, uint64_t b)
{
	fz.unexpected++;
	printf("UNEXPECTED round %" PRIu64 ": %s (0x%" PRIx64 ", 0x%" PRIx64 ")\n", fz.round, what,
	       a, b);
}

/* A step that must succeed. */
bool must(uint64_t rc, const char *what)
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

void nap(uint64_t ms)
{
	cairn_sleep_for(CAIRN_CAP_SLEEP, ms);
}

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

	struct recipe echo_r = { .role = R_ECHO,
				 .param = 50 | (skip_bug(3) ? ECHO_NO_FP_CHECK : 0) };
	struct recipe keeper_r = { .role = R_KEEPER, .extra = { CAP_DISCRIM } };
	if (!build_child(ECHO, &echo_r) ||
	    !must(cairn_domain_make_start(T4, FUZZ_BADGE, CAP_ECHO), "echo start key"))
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
		run_child(arg);
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
