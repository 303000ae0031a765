/* SPDX-License-Identifier: MIT */
/*
 * fuzz: the fuzzer's random work: random invocations of the keys it
 * holds (random_kernel_invocation) and structural operations on its wild
 * children (wild_operation): build one from a random recipe, rebuild it,
 * rescind its objects, halt it by rewriting its root, share its nodes,
 * change its keeper, restart it, set a register. They reach only the
 * wild sub-ranges (registers 12 and 13), the keys in pool_fixed and the
 * scratch registers; the recipes give a wild child start keys to the
 * protected keeper and the children's echo, never a domain key to a
 * protected child (fuzz.h: what the fuzzer never does). With bug 1 or 5
 * of issue 8 skipped, the operations known to trigger it are left out
 * (wild_rebuilds_ok).
 */
#include "fuzz.h"

/* Keys the fuzzer may invoke at random (scratch ones are classified
 * first), and may send. */
/* clang-format off */
static const cap_t pool_fixed[] = { CAIRN_CAP_CONSOLE, CAIRN_CAP_SLEEP, CAP_SEED, CAP_DISCRIM,
				    CAP_CKPT, CAP_NODE, CAP_PAGE, CAP_WILD_NODES, CAP_WILD_PAGES,
				    CAP_ECHO, CAP_VOID };
static const cap_t send_pool[] = { 0, CAIRN_CAP_CONSOLE, CAIRN_CAP_SLEEP, CAP_SEED, CAP_DISCRIM,
				   CAP_CKPT, CAP_NODE, CAP_PAGE, CAP_WILD_NODES, CAP_WILD_PAGES,
				   CAP_VOID, CAP_MYSPACE, 20, 21, 22, 23, 24, 25 };
static const cap_t scratch_regs[] = { 20, 21, 22, 23, 24, 25 };
/* clang-format on */

/* The random operations on the wild range that can trigger bug 1 on a
 * kernel without its fix (a rescinded or rewritten root with a live
 * activity, built again). */
static bool wild_rebuilds_ok(void)
{
	return !skip_bug(1) && !skip_bug(5);
}

void random_kernel_invocation(void)
{
	static const struct arena ar = {
		.dots_len = 8192,
		.rbuf_len = 12 * 1024,
		.send = send_pool,
		.n_send = sizeof send_pool / sizeof send_pool[0],
		.recv = scratch_regs,
		.n_recv = N_SCRATCH,
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
		unsigned target = chance(s, 60) ? PUB_ECHO
						: WILD0 + (unsigned)below(s, WILD_CHILDREN);
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
void wild_operation(void)
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
		    cairn_node_get(T0, slot, T1) == CAIRN_OK &&
		    child_node(j, N_ROOT, T2) == CAIRN_OK)
			cairn_node_swap(T2, slot, T1, 0);
		break;
	}
	case 4: /* a new keeper */
		if (child_domain(i, T1) == CAIRN_OK) {
			cap_t k = 0;
			if (chance(s, 50) &&
			    cairn_domain_make_start(CAP_KEEPER_DOM, KEEPER_BADGE(below(s, 3)),
						    T2) == CAIRN_OK)
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
