/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the port table (virtio-net/proto/ports.c,
 * docs/network.md "Sessions and ports").
 *
 * What is checked: a port another session owns is refused and stays with
 * its owner; registering one's own port again changes nothing; only the
 * owner may unregister; TCP and UDP ports are separate; port 0 and other
 * protocols are refused; the per-session quota and the table bound; a
 * session's end releases exactly its ports; and 50,000 seeded random
 * operations by 12 sessions (enough to fill the table) agree with a plain model (an owner per
 * protocol and port), the table sorted and within its bounds throughout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frames.h"
#include "ports.h"

static struct enet_ports t;

static int setup(void **state)
{
	(void)state;
	enet_ports_init(&t);
	return 0;
}

static void conflicts(void **state)
{
	(void)state;
	assert_int_equal(enet_ports_register(&t, 1, ENET_PROTO_UDP, 7), ENET_PORT_OK);
	assert_int_equal(enet_ports_register(&t, 2, ENET_PROTO_UDP, 7), ENET_PORT_TAKEN);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_UDP, 7), 1);
	assert_int_equal(enet_ports_register(&t, 1, ENET_PROTO_UDP, 7), ENET_PORT_OK);
	assert_int_equal(t.count, 1);

	/* The same number for TCP is another port. */
	assert_int_equal(enet_ports_register(&t, 2, ENET_PROTO_TCP, 7), ENET_PORT_OK);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_TCP, 7), 2);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_UDP, 7), 1);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_UDP, 8), ENET_NO_SESSION);

	assert_int_equal(enet_ports_unregister(&t, 2, ENET_PROTO_UDP, 7), ENET_PORT_NOT_REGISTERED);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_UDP, 7), 1);
	assert_int_equal(enet_ports_unregister(&t, 1, ENET_PROTO_UDP, 9), ENET_PORT_NOT_REGISTERED);
	assert_int_equal(enet_ports_unregister(&t, 1, ENET_PROTO_UDP, 7), ENET_PORT_OK);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_UDP, 7), ENET_NO_SESSION);
	assert_int_equal(enet_ports_register(&t, 2, ENET_PROTO_UDP, 7), ENET_PORT_OK);
}

static void refused_arguments(void **state)
{
	(void)state;
	assert_int_equal(enet_ports_register(&t, 1, ENET_PROTO_UDP, 0), ENET_PORT_PORT_ZERO);
	assert_int_equal(enet_ports_register(&t, 1, ENET_PROTO_ICMP, 5), ENET_PORT_BAD_PROTOCOL);
	assert_int_equal(enet_ports_register(&t, 1, 255, 5), ENET_PORT_BAD_PROTOCOL);
	assert_int_equal(t.count, 0);
	assert_string_equal(enet_port_result_name(ENET_PORT_TAKEN), "TAKEN");
	assert_null(enet_port_result_name(ENET_PORT_RESULT_COUNT));
}

static void quota_and_table_bound(void **state)
{
	(void)state;
	for (uint16_t p = 1; p <= ENET_PORTS_PER_SESSION; p++)
		assert_int_equal(enet_ports_register(&t, 1, ENET_PROTO_TCP, p), ENET_PORT_OK);
	assert_int_equal(enet_ports_register(&t, 1, ENET_PROTO_TCP, 1000), ENET_PORT_QUOTA);
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_TCP, 1000), ENET_NO_SESSION);
	/* Others can still register: one session cannot lock them out. */
	assert_int_equal(enet_ports_register(&t, 2, ENET_PROTO_TCP, 1000), ENET_PORT_OK);

	uint32_t session = 3;
	uint16_t port = 2000;
	while (t.count < ENET_PORTS_MAX) {
		if (enet_ports_register(&t, session, ENET_PROTO_UDP, port++) == ENET_PORT_QUOTA)
			session++;
	}
	assert_int_equal(enet_ports_register(&t, 99, ENET_PROTO_UDP, 60000), ENET_PORT_TABLE_FULL);
	/* A full table still answers for what it holds. */
	assert_int_equal(enet_ports_owner(&t, ENET_PROTO_TCP, 1000), 2);
}

static void release_session(void **state)
{
	(void)state;
	for (uint16_t p = 1; p <= 10; p++) {
		assert_int_equal(enet_ports_register(&t, p % 2 ? 1 : 2, ENET_PROTO_UDP, p),
				 ENET_PORT_OK);
	}
	assert_int_equal(enet_ports_release_session(&t, 1), 5);
	assert_int_equal(enet_ports_count_session(&t, 1), 0);
	assert_int_equal(enet_ports_count_session(&t, 2), 5);
	for (uint16_t p = 1; p <= 10; p++)
		assert_int_equal(enet_ports_owner(&t, ENET_PROTO_UDP, p),
				 p % 2 ? ENET_NO_SESSION : 2);
	assert_int_equal(enet_ports_release_session(&t, 1), 0);
}

/* The model: an owner per (protocol, port) among a few ports, so that the
 * random operations collide often. */
#define MODEL_PORTS 200
static uint32_t model[2][MODEL_PORTS];

static void check_against_model(void)
{
	for (uint32_t i = 1; i < t.count; i++)
		assert_true(t.entry[i - 1].key < t.entry[i].key);
	uint32_t held = 0;
	for (int p = 0; p < 2; p++) {
		uint8_t proto = p ? ENET_PROTO_TCP : ENET_PROTO_UDP;
		for (uint16_t port = 1; port < MODEL_PORTS; port++) {
			assert_int_equal(enet_ports_owner(&t, proto, port), model[p][port]);
			held += model[p][port] != ENET_NO_SESSION;
		}
	}
	assert_int_equal(held, t.count);
}

static void random_against_model(void **state)
{
	(void)state;
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < MODEL_PORTS; i++)
			model[p][i] = ENET_NO_SESSION;
	uint32_t per_session[12] = { 0 }, total = 0; /* 12 * quota > ENET_PORTS_MAX */
	srandom(test_seed("enet_ports", 5));
	for (int n = 0; n < 50000; n++) {
		uint32_t s = (uint32_t)(random() % 12);
		int p = (int)(random() % 2);
		uint8_t proto = p ? ENET_PROTO_TCP : ENET_PROTO_UDP;
		uint16_t port = (uint16_t)(1 + random() % (MODEL_PORTS - 1));
		uint32_t *owner = &model[p][port];
		int op = (int)(random() % 10);
		if (op < 6) {
			enum enet_port_result r = enet_ports_register(&t, s, proto, port);
			if (*owner == s)
				assert_int_equal(r, ENET_PORT_OK);
			else if (*owner != ENET_NO_SESSION)
				assert_int_equal(r, ENET_PORT_TAKEN);
			else if (total == ENET_PORTS_MAX)
				assert_int_equal(r, ENET_PORT_TABLE_FULL);
			else if (per_session[s] == ENET_PORTS_PER_SESSION)
				assert_int_equal(r, ENET_PORT_QUOTA);
			else {
				assert_int_equal(r, ENET_PORT_OK);
				*owner = s;
				per_session[s]++;
				total++;
			}
		} else if (op < 9) {
			enum enet_port_result r = enet_ports_unregister(&t, s, proto, port);
			assert_int_equal(r, *owner == s ? ENET_PORT_OK : ENET_PORT_NOT_REGISTERED);
			if (*owner == s) {
				*owner = ENET_NO_SESSION;
				per_session[s]--;
				total--;
			}
		} else if (random() % 50 == 0) {
			assert_int_equal(enet_ports_release_session(&t, s), per_session[s]);
			for (int q = 0; q < 2; q++)
				for (int i = 0; i < MODEL_PORTS; i++)
					if (model[q][i] == s)
						model[q][i] = ENET_NO_SESSION;
			total -= per_session[s];
			per_session[s] = 0;
		}
		if (n % 97 == 0)
			check_against_model();
	}
	check_against_model();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(conflicts, setup),
		cmocka_unit_test_setup(refused_arguments, setup),
		cmocka_unit_test_setup(quota_and_table_bound, setup),
		cmocka_unit_test_setup(release_session, setup),
		cmocka_unit_test_setup(random_against_model, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
