/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the kernel's key rules (kern/key/key_rules.c): making keys,
 * the sense/weak rule, restriction, comparison, console labels, rights,
 * validity against allocation and call counts, rescind, and the one-shot
 * rule of resume keys. The same C the kernel runs, compiled natively.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <cairn/abi.h>
#include <cairn/node.h>
#include "key/key_rules.h"

static void number_keys_round_trip(void **state)
{
	(void)state;
	uint8_t k[16];
	key_make_number(k, 0x1122334455667788ULL, 0xaabbccddeeffULL);
	assert_int_equal(cairn_key_type(k), CAIRN_KEY_NUMBER);
	assert_true(key_number_lo(k) == 0x1122334455667788ULL);
	assert_true(key_number_hi(k) == 0xaabbccddeeffULL);
	key_make_number(k, 0, 0);
	assert_true(key_number_lo(k) == 0 && key_number_hi(k) == 0);
	assert_true(key_counts_match(k, 5, 6)); /* no object: always valid */
}

static void object_keys_carry_their_fields(void **state)
{
	(void)state;
	uint8_t k[16];
	key_make_object(k, CAIRN_KEY_START, 1234, 7, 0, 0xbeef);
	assert_int_equal(cairn_key_type(k), CAIRN_KEY_START);
	assert_int_equal(cairn_key_badge(k), 0xbeef);
	assert_int_equal(cairn_key_alloc_count(k), 7);
	assert_true(cairn_key_oid(k) == 1234);
	assert_true(key_type_has_object(CAIRN_KEY_START));
	assert_true(key_type_names_node(CAIRN_KEY_START));
	assert_false(key_type_names_node(CAIRN_KEY_PAGE));
	assert_false(key_type_has_object(CAIRN_KEY_CONSOLE));
	assert_false(key_type_has_object(CAIRN_KEY_RANGE));
}

static void weak_fetch_weakens_or_voids(void **state)
{
	(void)state;
	uint8_t k[16];
	key_make_object(k, CAIRN_KEY_PAGE, 1, 0, 0, 0);
	key_weaken_fetched(k);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_RO);
	key_make_object(k, CAIRN_KEY_NODE, 1, 0, 0, 0);
	key_weaken_fetched(k);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK);
	key_make_object(k, CAIRN_KEY_SPACE, 1, 0, CAIRN_RIGHT_NX, 3);
	key_weaken_fetched(k);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK | CAIRN_RIGHT_NX);
	assert_int_equal(cairn_key_badge(k), 3); /* the height survives */
	key_make_number(k, 42, 0);
	key_weaken_fetched(k);
	assert_true(key_number_lo(k) == 42);
	/* Authority beyond data becomes void through a weak key. */
	uint8_t types[] = { CAIRN_KEY_DOMAIN, CAIRN_KEY_START, CAIRN_KEY_RESUME,
			    CAIRN_KEY_CONSOLE, CAIRN_KEY_RANGE, CAIRN_KEY_CHECKPOINT };
	for (size_t i = 0; i < sizeof(types); i++) {
		key_make_object(k, types[i], 9, 1, 0, 1);
		key_weaken_fetched(k);
		assert_int_equal(cairn_key_type(k), CAIRN_KEY_VOID);
	}
}

static void restriction_only_adds_rights(void **state)
{
	(void)state;
	uint8_t k[16];
	key_make_object(k, CAIRN_KEY_NODE, 1, 0, CAIRN_RIGHT_RO, 0);
	key_restrict(k, CAIRN_RIGHT_WEAK);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK);
	key_restrict(k, 0);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK);
}

static void writes_need_full_rights(void **state)
{
	(void)state;
	uint8_t k[16];
	key_make_object(k, CAIRN_KEY_NODE, 1, 0, 0, 0);
	assert_true(key_allows_write(k));
	key_restrict(k, CAIRN_RIGHT_RO);
	assert_false(key_allows_write(k));
	key_make_object(k, CAIRN_KEY_NODE, 1, 0, CAIRN_RIGHT_WEAK, 0);
	assert_false(key_allows_write(k));
	key_make_object(k, CAIRN_KEY_PAGE, 1, 0, CAIRN_RIGHT_NX, 0);
	assert_true(key_allows_write(k)); /* NX restricts execution only */
}

static void compare_means_same_designation_and_rights(void **state)
{
	(void)state;
	uint8_t a[16], b[16];
	key_make_object(a, CAIRN_KEY_NODE, 5, 2, 0, 0);
	key_make_object(b, CAIRN_KEY_NODE, 5, 2, 0, 0);
	assert_true(key_same(a, b));
	key_restrict(b, CAIRN_RIGHT_RO);
	assert_false(key_same(a, b));
	key_make_object(b, CAIRN_KEY_NODE, 6, 2, 0, 0);
	assert_false(key_same(a, b));
	key_make_object(b, CAIRN_KEY_SPACE, 5, 2, 0, 0);
	assert_false(key_same(a, b));
	/* Void keys are all the same, whatever garbage their bytes hold. */
	memset(a, 0, 16);
	memset(b, 0, 16);
	b[9] = 0x55;
	assert_true(key_same(a, b));
}

static void console_labels_are_checked_and_compared(void **state)
{
	(void)state;
	uint8_t a[16], b[16];
	key_make_console(a, "hello", 5);
	assert_int_equal(cairn_key_type(a), CAIRN_KEY_CONSOLE);
	assert_int_equal(key_console_label(a), 5);
	assert_memory_equal(a + CAIRN_KEY_OFF_LABEL, "hello\0\0\0\0\0\0\0", 12);
	assert_int_equal(cairn_key_rights(a) | cairn_key_badge(a), 0);
	assert_true(key_counts_match(a, 5, 6)); /* no object: always valid */
	key_make_console(b, "abcdefghij-_", 12); /* the longest, every kind of char */
	assert_int_equal(key_console_label(b), 12);
	key_make_console(b, "x", 1);
	assert_int_equal(key_console_label(b), 1);
	/* Keys that may not write: no label, the kernel's, bad bytes, bytes
	 * after the first NUL (a label has one encoding). */
	key_make_service(b, CAIRN_KEY_CONSOLE);
	assert_int_equal(key_console_label(b), 0);
	key_make_console(b, CAIRN_KERNEL_LABEL, 5);
	assert_int_equal(key_console_label(b), 0);
	key_make_console(b, "cairn2", 6); /* only the exact word is reserved */
	assert_int_equal(key_console_label(b), 6);
	static const char *const bad[] = { "Hello", "a b", "a:b", "a\rb", "a.b", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		key_make_console(b, bad[i], strlen(bad[i]));
		assert_int_equal(key_console_label(b), 0);
	}
	key_make_console(b, "ab", 2);
	b[CAIRN_KEY_OFF_LABEL + 5] = 'c';
	assert_int_equal(key_console_label(b), 0);
	assert_false(cairn_label_ok("", 0));
	assert_false(cairn_label_ok("abcdefghijklm", 13));
	assert_true(cairn_label_is_kernel("cairn", 5));
	assert_false(cairn_label_is_kernel("cairn", 4));
	/* COMPARE tells labels apart; the same label is the same key. */
	key_make_console(a, "hello", 5);
	key_make_console(b, "hellO", 5);
	assert_false(key_same(a, b));
	key_make_console(b, "hell", 4);
	assert_false(key_same(a, b));
	key_make_console(b, "hello", 5);
	assert_true(key_same(a, b));
	/* Through a weak key a console key is void, label and all. */
	key_weaken_fetched(b);
	assert_true(cairn_key_is_void(b));
}

static void validity_follows_allocation_count(void **state)
{
	(void)state;
	uint8_t k[16];
	key_make_object(k, CAIRN_KEY_NODE, 3, 4, 0, 0);
	assert_true(key_counts_match(k, 4, 0));
	assert_false(key_counts_match(k, 5, 0));
	key_make_object(k, CAIRN_KEY_PAGE, 3, 0, 0, 0);
	assert_true(key_counts_match(k, 0, 99));
	assert_false(key_counts_match(k, 1, 0));
}

static void rescind_voids_every_key_and_clears_slots(void **state)
{
	(void)state;
	uint8_t node[CAIRN_NODE_SIZE];
	memset(node, 0, sizeof(node));
	cairn_node_set_alloc_count(node, 10);
	cairn_node_set_call_count(node, 3);
	uint8_t *slot5 = node + CAIRN_NODE_OFF_SLOTS + 5 * CAIRN_KEY_SIZE;
	key_make_number(slot5, 77, 0);
	uint8_t nk[16], sk[16], dk[16], rk[16];
	key_make_object(nk, CAIRN_KEY_NODE, 1, 10, 0, 0);
	key_make_object(sk, CAIRN_KEY_START, 1, 10, 0, 9);
	key_make_object(dk, CAIRN_KEY_DOMAIN, 1, 10, 0, 0);
	key_make_object(rk, CAIRN_KEY_RESUME, 1, 3, 0, 0);
	uint32_t ac = cairn_node_alloc_count(node), cc = cairn_node_call_count(node);
	assert_true(key_counts_match(nk, ac, cc) && key_counts_match(sk, ac, cc) &&
		    key_counts_match(dk, ac, cc) && key_counts_match(rk, ac, cc));
	node_rescind_bytes(node);
	ac = cairn_node_alloc_count(node);
	cc = cairn_node_call_count(node);
	assert_false(key_counts_match(nk, ac, cc));
	assert_false(key_counts_match(sk, ac, cc));
	assert_false(key_counts_match(dk, ac, cc));
	assert_false(key_counts_match(rk, ac, cc));
	assert_true(cairn_key_is_void(slot5));
	/* A key made after the rescind is valid again. */
	key_make_object(nk, CAIRN_KEY_NODE, 1, ac, 0, 0);
	assert_true(key_counts_match(nk, ac, cc));
}

static void resume_keys_are_one_shot(void **state)
{
	(void)state;
	uint8_t node[CAIRN_NODE_SIZE];
	memset(node, 0, sizeof(node));
	uint8_t r1[16], r2[16], start[16];
	/* A call makes a resume key with the current call count. */
	key_make_object(r1, CAIRN_KEY_RESUME, 7, cairn_node_call_count(node), 0, 0);
	key_make_object(r2, CAIRN_KEY_RESUME, 7, cairn_node_call_count(node), CAIRN_RIGHT_FAULT, 0);
	key_make_object(start, CAIRN_KEY_START, 7, cairn_node_alloc_count(node), 0, 0);
	assert_true(key_counts_match(r1, 0, cairn_node_call_count(node)));
	assert_true(key_counts_match(r2, 0, cairn_node_call_count(node)));
	/* Using one resumes the domain: all its resume keys die together... */
	node_consume_resume_bytes(node);
	assert_false(key_counts_match(r1, 0, cairn_node_call_count(node)));
	assert_false(key_counts_match(r2, 0, cairn_node_call_count(node)));
	/* ...but start keys (allocation count) live on. */
	assert_true(key_counts_match(start, cairn_node_alloc_count(node),
				     cairn_node_call_count(node)));
	/* The next call's resume key is valid again, once. */
	key_make_object(r1, CAIRN_KEY_RESUME, 7, cairn_node_call_count(node), 0, 0);
	assert_true(key_counts_match(r1, 0, cairn_node_call_count(node)));
	node_consume_resume_bytes(node);
	assert_false(key_counts_match(r1, 0, cairn_node_call_count(node)));
}

static void slot_word_packs_and_unpacks(void **state)
{
	(void)state;
	uint8_t send[4] = { 1, 2, 30, 31 }, recv[4] = { 31, 0, 7, 3 };
	uint64_t w = cairn_slots(17, send, recv, 29);
	assert_int_equal(cairn_slots_target(w), 17);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(cairn_slots_send(w, i), send[i]);
		assert_int_equal(cairn_slots_recv(w, i), recv[i]);
	}
	assert_int_equal(cairn_slots_resume(w), 29);
	/* Out-of-range register numbers are masked to five bits. */
	uint8_t big[4] = { 40, 0, 0, 0 };
	w = cairn_slots(63, big, NULL, 0);
	assert_int_equal(cairn_slots_target(w), 31);
	assert_int_equal(cairn_slots_send(w, 0), 40 & 31);
}

static void names_come_from_the_table(void **state)
{
	(void)state;
	assert_string_equal(key_type_name(CAIRN_KEY_START), "START");
	assert_string_equal(key_type_name(200), "UNKNOWN");
	assert_string_equal(result_name(CAIRN_STRING_TOO_LONG), "STRING_TOO_LONG");
	assert_string_equal(result_name(CAIRN_SELF), "SELF");
	assert_string_equal(result_name(9999), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(number_keys_round_trip),
		cmocka_unit_test(object_keys_carry_their_fields),
		cmocka_unit_test(weak_fetch_weakens_or_voids),
		cmocka_unit_test(restriction_only_adds_rights),
		cmocka_unit_test(writes_need_full_rights),
		cmocka_unit_test(compare_means_same_designation_and_rights),
		cmocka_unit_test(console_labels_are_checked_and_compared),
		cmocka_unit_test(validity_follows_allocation_count),
		cmocka_unit_test(rescind_voids_every_key_and_clears_slots),
		cmocka_unit_test(resume_keys_are_one_shot),
		cmocka_unit_test(slot_word_packs_and_unpacks),
		cmocka_unit_test(names_come_from_the_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
