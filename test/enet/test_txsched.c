/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the fair transmit scheduler (virtio-net/proto/txsched.c,
 * docs/network.md "Fair transmit"), over simulated sessions: each has a
 * backlog of frames, and a hostile one a backlog of junk descriptors that
 * are all refused.
 *
 * What is checked: a session flooding its queue beside two with 50 frames
 * each, with the device's ring nearly full (room for 6 frames a round,
 * budget 4): the two drain in the rounds a fair share predicts, and at no
 * round has any backlogged session been served more than one budget ahead
 * of another; with room to spare, no session gets more than its budget a
 * round; a session of junk descriptors costs at most its budget a round
 * and the others lose nothing; removed and idle slots are not served; a
 * serve that claims more than its turn is not believed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "txsched.h"

struct sim {
	uint64_t backlog[ENET_SESSIONS_MAX];   /* frames queued */
	uint64_t sent[ENET_SESSIONS_MAX];      /* frames sent, all rounds */
	uint64_t turn_sent[ENET_SESSIONS_MAX]; /* this round */
	uint64_t taken[ENET_SESSIONS_MAX];     /* descriptors taken, junk included */
	int junk[ENET_SESSIONS_MAX];           /* every descriptor refused */
	uint32_t overstate;                    /* added to what serve returns */
	uint32_t turns;
};

static uint32_t serve(void *ctx, uint32_t slot, uint32_t budget)
{
	struct sim *m = ctx;
	m->turns++;
	uint64_t n = m->backlog[slot] < budget ? m->backlog[slot] : budget;
	m->backlog[slot] -= n;
	m->taken[slot] += n;
	if (m->junk[slot])
		return m->overstate;
	m->sent[slot] += n;
	m->turn_sent[slot] += n;
	return (uint32_t)n + m->overstate;
}

static uint32_t round_of(struct enet_txsched *s, struct sim *m, uint32_t room)
{
	memset(m->turn_sent, 0, sizeof(m->turn_sent));
	return enet_txsched_round(s, room, serve, m);
}

static void flood_does_not_starve(void **state)
{
	(void)state;
	struct enet_txsched s;
	struct sim m = { 0 };
	enet_txsched_init(&s, 4);
	for (uint32_t i = 0; i < 3; i++)
		assert_true(enet_txsched_add(&s, i));
	m.backlog[0] = 1000000;
	m.backlog[1] = m.backlog[2] = 50;
	uint32_t rounds = 0;
	while ((m.backlog[1] || m.backlog[2]) && rounds < 1000) {
		assert_int_equal(round_of(&s, &m, 6), 6);
		rounds++;
		if (m.backlog[1] && m.backlog[2]) {
			/* All three backlogged: nobody a budget ahead. */
			for (int a = 0; a < 3; a++)
				for (int b = 0; b < 3; b++)
					assert_true(m.sent[a] <= m.sent[b] + 4);
		}
	}
	/* 100 frames of the two at their fair 2/3 of 6 a round: 25 rounds,
	 * and a round or two for the rotation. */
	assert_true(rounds <= 27);
	assert_true(m.sent[0] <= 6 * rounds / 3 + 4);
}

static void budget_bounds_a_turn(void **state)
{
	(void)state;
	struct enet_txsched s;
	struct sim m = { 0 };
	enet_txsched_init(&s, 8);
	for (uint32_t i = 0; i < 4; i++)
		enet_txsched_add(&s, i);
	m.backlog[0] = 100000;
	m.backlog[1] = 100000;
	m.backlog[2] = 3;
	for (int r = 0; r < 50; r++) {
		round_of(&s, &m, 256);
		for (uint32_t i = 0; i < 4; i++)
			assert_true(m.turn_sent[i] <= 8);
		assert_int_equal(m.turn_sent[0], 8);
		assert_int_equal(m.turn_sent[1], 8);
	}
	assert_int_equal(m.sent[2], 3);
	assert_int_equal(m.sent[3], 0);
}

static void junk_costs_only_its_turn(void **state)
{
	(void)state;
	struct enet_txsched s;
	struct sim m = { 0 };
	enet_txsched_init(&s, 4);
	enet_txsched_add(&s, 0);
	enet_txsched_add(&s, 5);
	m.backlog[0] = 1000000;
	m.junk[0] = 1;
	m.backlog[5] = 40;
	uint32_t rounds = 0;
	while (m.backlog[5] && rounds < 100) {
		uint64_t before = m.taken[0];
		round_of(&s, &m, 4);
		assert_true(m.taken[0] - before <= 4);
		rounds++;
	}
	/* Junk sends nothing, so the honest session gets the device. */
	assert_true(rounds <= 11);
	assert_int_equal(m.sent[0], 0);
	assert_int_equal(m.sent[5], 40);
}

static void membership(void **state)
{
	(void)state;
	struct enet_txsched s;
	struct sim m = { 0 };
	enet_txsched_init(&s, 0);
	assert_int_equal(s.budget, 1);
	assert_false(enet_txsched_add(&s, ENET_SESSIONS_MAX));
	assert_true(enet_txsched_add(&s, ENET_SESSIONS_MAX - 1));
	assert_true(enet_txsched_add(&s, 3));
	m.backlog[3] = m.backlog[ENET_SESSIONS_MAX - 1] = m.backlog[4] = 10;
	assert_int_equal(round_of(&s, &m, 100), 2);
	enet_txsched_remove(&s, 3);
	assert_int_equal(round_of(&s, &m, 100), 1);
	assert_int_equal(m.sent[3], 1);
	assert_int_equal(m.sent[4], 0);
	assert_int_equal(m.sent[ENET_SESSIONS_MAX - 1], 2);
	enet_txsched_remove(&s, ENET_SESSIONS_MAX - 1);
	assert_int_equal(round_of(&s, &m, 100), 0);
	assert_int_equal(m.turns, 3);
}

static void overstated_serve(void **state)
{
	(void)state;
	struct enet_txsched s;
	struct sim m = { 0 };
	enet_txsched_init(&s, 2);
	enet_txsched_add(&s, 0);
	enet_txsched_add(&s, 1);
	m.backlog[0] = m.backlog[1] = 100;
	m.overstate = 1000;
	assert_int_equal(round_of(&s, &m, 3), 3);
	assert_int_equal(m.turns, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flood_does_not_starve),    cmocka_unit_test(budget_bounds_a_turn),
		cmocka_unit_test(junk_costs_only_its_turn), cmocka_unit_test(membership),
		cmocka_unit_test(overstated_serve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
