/* SPDX-License-Identifier: MIT */
/*
 * fuzz: the probes, each a known way to break one rule of issue 8 (bugs
 * 1 to 8, docs/testing.md), and probe_faults (every fault kind through the
 * protected keeper). round_of_work() (main.c) runs one a round. A probe
 * builds what it needs in the protected children PROBE_A..PROBE_D, which
 * no random operation reaches, so their state is exactly what it wrote;
 * it checks its rule, says UNEXPECTED with the bug's number if it broke,
 * and rescinds the children it built. FUZZ_SKIP_BUG(n) in the options
 * (skip_bug) leaves out the probe for bug n, for a kernel without its fix.
 */
#include "fuzz.h"

/* Bug 3: FP registers survive a kernel call and a call to a domain that
 * uses FP itself. */
void probe_fp(void)
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
void probe_self_pc(void)
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
void probe_make_space(void)
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
void probe_node_rights(void)
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
void probe_caps_rescind(void)
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
void probe_stall_wake(void)
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
		must(node_write_number(T0, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED),
		     "halt by rewrite");
	}
	if (!wait_rounds(PROBE_C, 1, 500)) {
		struct mailbox mb;
		read_mailbox(PROBE_C, &mb);
		unexpected(how == 0
				   ? "stalled caller not woken when its server was rescinded (bug 4)"
				   : "stalled caller not woken when its server was halted (bug 4)",
			   mb.rounds, mb.last_rc);
	}
	probes_clean();
}

/* Bug 1: a stalled caller whose root is rebuilt (after a rescind, or by
 * rewriting its state and starting it again) must leave one activity, so
 * that the next checkpoint lists the root once (the test then kills and
 * boots: a duplicate makes the volume unbootable). */
void probe_rebuild_stalled(void)
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
		must(node_write_number(T0, CAIRN_DOM_SLOT_STATE, CAIRN_DOM_HALTED),
		     "rewrite state");
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
void probe_activity_leak(void)
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
void probe_faults(void)
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
