/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the kernel's key rules (kern/key/key_rules.c): making keys,
 * the sense/weak rule, restriction, comparison, console labels, rights,
 * validity against allocation and call counts, rescind, the one-shot
 * rule of resume keys, and the columns of the key table (cairn/keytab.h)
 * they follow, type by type. The same C the kernel runs, compiled
 * natively.
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
	uint8_t types[] = { CAIRN_KEY_DOMAIN,  CAIRN_KEY_START, CAIRN_KEY_RESUME,
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
	assert_true(key_counts_match(a, 5, 6));  /* no object: always valid */
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

/* The one name lookup every user shares (cairn/keytab.h): the rows'
 * names, NULL for a code no row has. */
static void names_come_from_the_table(void **state)
{
	(void)state;
	assert_string_equal(cairn_keytab_type_name(CAIRN_KEY_START), "START");
	assert_string_equal(cairn_keytab_type_name(CAIRN_KEY_VOID), "VOID");
	assert_string_equal(cairn_keytab_type_name(CAIRN_KEY_DMA), "DMA");
	assert_null(cairn_keytab_type_name(CAIRN_KEY_TYPE_COUNT));
	assert_null(cairn_keytab_type_name(200));
	assert_string_equal(cairn_keytab_result_name(CAIRN_OK), "OK");
	assert_string_equal(cairn_keytab_result_name(CAIRN_STRING_TOO_LONG), "STRING_TOO_LONG");
	assert_string_equal(cairn_keytab_result_name(CAIRN_SELF), "SELF");
	assert_null(cairn_keytab_result_name(9999));
	assert_string_equal(cairn_keytab_fault_name(CAIRN_FAULT_MEMORY), "MEMORY");
	assert_string_equal(cairn_keytab_fault_name(0xf00f), "OTHER");
	assert_null(cairn_keytab_fault_name(0xf007));
	assert_null(cairn_keytab_fault_name(CAIRN_OK));
	/* Every type has a name of its own. */
	for (unsigned a = 0; a < CAIRN_KEY_TYPE_COUNT; a++) {
		assert_non_null(cairn_keytab_type_name(a));
		for (unsigned b = 0; b < a; b++)
			assert_string_not_equal(cairn_keytab_type_name(a),
						cairn_keytab_type_name(b));
	}
}

/*
 * What every key type is, written out by hand from docs/object-model.md
 * and docs/invocations.md ("Key types", the rights table), so that a wrong
 * column of CAIRN_KEY_TYPES fails here: a type marked as designating no
 * node, a key that survives a WEAK fetch it should not, a type dispatched
 * to another type's prepare function, a word the description language
 * does not have. A new key type fails `every_type_is_expected` until it
 * has its line here.
 */
static const struct expected_type {
	uint8_t type;
	enum cairn_key_object object;
	uint8_t weakened;    /* rights gained through a WEAK key, or VOID */
	const char *prepare; /* the kernel's prepare function */
	const char *word;    /* in an image description */
} expected_types[] = {
	{ CAIRN_KEY_VOID, CAIRN_OBJECT_NONE, 0, "invoke_void", "" },
	{ CAIRN_KEY_NUMBER, CAIRN_OBJECT_NONE, 0, "kobj_number", "number" },
	{ CAIRN_KEY_PAGE, CAIRN_OBJECT_PAGE, CAIRN_RIGHT_RO, "kobj_page", "page" },
	{ CAIRN_KEY_NODE, CAIRN_OBJECT_NODE, CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK, "kobj_node",
	  "node" },
	{ CAIRN_KEY_SPACE, CAIRN_OBJECT_NODE, CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK, "kobj_node", "" },
	{ CAIRN_KEY_DOMAIN, CAIRN_OBJECT_NODE, CAIRN_WEAKENED_VOID, "kobj_domain", "domain" },
	{ CAIRN_KEY_START, CAIRN_OBJECT_NODE, CAIRN_WEAKENED_VOID, "invoke_domain_key", "start" },
	{ CAIRN_KEY_RESUME, CAIRN_OBJECT_NODE_CALL, CAIRN_WEAKENED_VOID, "invoke_domain_key", "" },
	{ CAIRN_KEY_DISCRIM, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_discrim", "discrim" },
	{ CAIRN_KEY_SLEEP, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_sleep", "sleep" },
	{ CAIRN_KEY_CONSOLE, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_console", "console" },
	{ CAIRN_KEY_CHECKPOINT, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_checkpoint",
	  "checkpoint" },
	{ CAIRN_KEY_RANGE, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_range", "range" },
	{ CAIRN_KEY_DEVICE, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_device", "device" },
	{ CAIRN_KEY_DMA, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, "kobj_dma", "dma" },
};

#define NEXPECTED (sizeof(expected_types) / sizeof(expected_types[0]))

/* The prepare column as text (the kernel's functions are not linked here). */
static const char *const prepare_names[CAIRN_KEY_TYPE_COUNT] = {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) [code] = #prepare,
	CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
};

/* The expectation for type t; a type the table does not have has no
 * object, is void through a WEAK key and has no prepare function or word. */
static struct expected_type expectation(unsigned t)
{
	for (size_t i = 0; i < NEXPECTED; i++)
		if (expected_types[i].type == t)
			return expected_types[i];
	return (struct expected_type){ (uint8_t)t, CAIRN_OBJECT_NONE, CAIRN_WEAKENED_VOID, NULL,
				       "" };
}

static void every_type_is_expected(void **state)
{
	(void)state;
	assert_int_equal(NEXPECTED, CAIRN_KEY_TYPE_COUNT);
	for (size_t i = 0; i < NEXPECTED; i++)
		assert_int_equal(expected_types[i].type, i);
}

/* assert_int_equal, naming the key type when it fails. */
#define assert_type_equal(t, got, want)                                                          \
	do {                                                                                     \
		if ((long)(got) != (long)(want))                                                 \
			print_error("key type %u (%s): %s is %ld, want %ld\n", (unsigned)(t),    \
				    cairn_keytab_type_name(t) ? cairn_keytab_type_name(t) : "-", \
				    #got, (long)(got), (long)(want));                            \
		assert_int_equal(got, want);                                                     \
	} while (0)

/* The columns, read through the table's own lookups. */
static void the_columns_are_what_each_type_is(void **state)
{
	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		struct expected_type e = expectation(t);
		assert_type_equal(t, cairn_keytab_object(t), e.object);
		assert_type_equal(t, cairn_keytab_weakened(t), e.weakened);
		assert_string_equal(cairn_keytab_word(t), e.word);
		if (t < CAIRN_KEY_TYPE_COUNT)
			assert_string_equal(prepare_names[t], e.prepare);
		/* A word is the name in lower case: --inspect lists keys by
		 * their names in lower case, and a listing reads like the
		 * description that made it. */
		const char *word = cairn_keytab_word(t), *name = cairn_keytab_type_name(t);
		if (!word[0])
			continue;
		char lower[32] = { 0 };
		for (size_t i = 0; name[i] && i + 1 < sizeof(lower); i++)
			lower[i] = name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i];
		assert_string_equal(word, lower);
	}
}

/* The same, as the kernel's key rules behave on real keys of every type:
 * which keys designate an object, which count keeps them valid, what a
 * WEAK fetch leaves of them. */
static void key_rules_follow_the_columns(void **state)
{
	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		struct expected_type e = expectation(t);
		bool object = e.object != CAIRN_OBJECT_NONE;
		bool node = e.object == CAIRN_OBJECT_NODE || e.object == CAIRN_OBJECT_NODE_CALL;
		bool calls = e.object == CAIRN_OBJECT_NODE_CALL;
		assert_type_equal(t, key_type_has_object((uint8_t)t), object);
		assert_type_equal(t, key_type_names_node((uint8_t)t), node);
		assert_type_equal(t, key_type_counts_calls((uint8_t)t), calls);

		uint8_t k[16], before[16];
		key_make_object(k, (uint8_t)t, 9, 5, CAIRN_RIGHT_NX, 3);
		/* The key carries count 5: the object's allocation count or, for
		 * a resume key, its call count must be 5 too. */
		assert_type_equal(t, key_counts_match(k, 5, 6), !object || !calls);
		assert_type_equal(t, key_counts_match(k, 6, 5), !object || calls);
		assert_true(key_counts_match(k, 5, 5));

		memcpy(before, k, sizeof(k));
		key_weaken_fetched(k);
		if (e.weakened == CAIRN_WEAKENED_VOID) {
			assert_type_equal(t, cairn_key_type(k), CAIRN_KEY_VOID);
			continue;
		}
		assert_int_equal(cairn_key_type(k), t);
		assert_type_equal(t, cairn_key_rights(k), CAIRN_RIGHT_NX | e.weakened);
		assert_memory_equal(k + 2, before + 2, 14); /* badge, count, OID kept */
	}
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
		cmocka_unit_test(every_type_is_expected),
		cmocka_unit_test(the_columns_are_what_each_type_is),
		cmocka_unit_test(key_rules_follow_the_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
