/* SPDX-License-Identifier: MIT */
/*
 * stacks/port/stack_clock.c: sys_now() never goes back across boots (SLEEP
 * NOW restarting at 0 after a resume), and the random sources vary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/ip_addr.h"
#include "lwip/sys.h"
#include "stack_clock.h"

static int reset(void **state)
{
	(void)state;
	memset(&stack_clock, 0, sizeof stack_clock);
	return 0;
}

static void monotonic_across_boots(void **state)
{
	(void)state;
	stack_clock_update(5000000);
	assert_int_equal(sys_now(), 5000);
	stack_clock_update(6000500);
	assert_int_equal(sys_now(), 6000);
	/* killed and resumed: SLEEP NOW starts again near 0 */
	stack_clock_update(1500);
	assert_int_equal(stack_clock.boots, 1);
	assert_int_equal(stack_clock_now_us(), 6002000);
	assert_int_equal(sys_now(), 6002);
	stack_clock_update(2000000);
	assert_int_equal(sys_now(), 8000);
	/* and again: a reading of 0 twice is one boot (time stood still) */
	stack_clock_update(0);
	stack_clock_update(0);
	assert_int_equal(stack_clock.boots, 2);
	assert_int_equal(stack_clock_now_us(), 8000500);
}

static void never_goes_back(void **state)
{
	(void)state;
	uint64_t raw = 0, prev = 0;
	uint32_t x = 12345;
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 100 == 0)
			raw = (x >> 8) % 1000; /* a reboot */
		else
			raw += (x >> 8) % 100000;
		stack_clock_update(raw);
		uint64_t now = stack_clock_now_us();
		assert_true(now >= prev);
		prev = now;
	}
}

static void rand_varies(void **state)
{
	(void)state;
	stack_clock_update(777);
	uint32_t a = stack_clock_rand(), b = stack_clock_rand(), c = stack_clock_rand();
	assert_true(a != b && b != c && a != c);
	/* both halves of the range come up (ephemeral ports use the low bits) */
	unsigned odd = 0;
	for (int i = 0; i < 1000; i++)
		odd += stack_clock_rand() & 1u;
	assert_in_range(odd, 400, 600);
}

static void isn_keyed_and_advancing(void **state)
{
	(void)state;
	ip_addr_t l = IPADDR4_INIT_BYTES(10, 0, 2, 15), r1 = IPADDR4_INIT_BYTES(10, 0, 2, 2),
		  r2 = IPADDR4_INIT_BYTES(10, 0, 2, 3);
	stack_clock_update(1000000);
	uint32_t i1 = stack_clock_isn(&l, 80, &r1, 40000);
	uint32_t i2 = stack_clock_isn(&l, 80, &r2, 40000);
	uint32_t i3 = stack_clock_isn(&l, 80, &r1, 40001);
	assert_true(i1 != i2 && i1 != i3);
	/* the same tuple later: advanced by the 4 us clock (RFC 6528) */
	stack_clock_update(1000400);
	assert_int_equal(stack_clock_isn(&l, 80, &r1, 40000) - i1, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(monotonic_across_boots, reset),
		cmocka_unit_test_setup(never_goes_back, reset),
		cmocka_unit_test_setup(rand_varies, reset),
		cmocka_unit_test_setup(isn_keyed_and_advancing, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
