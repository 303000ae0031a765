/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the object layouts inside blocks: key slots (cairn/key.h),
 * nodes and node pots (cairn/node.h), tag pots (cairn/tag.h), and the
 * OID -> block arithmetic of cairn/volume.h. The offsets are asserted as
 * literal numbers from docs/volume-format.md, so a change to a header
 * constant that silently moves a field fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/key.h"
#include "cairn/node.h"
#include "cairn/tag.h"
#include "cairn/volume.h"

static void test_key_field_offsets(void **state)
{
	(void)state;
	uint8_t slot[CAIRN_KEY_SIZE];

	memset(slot, 0, sizeof(slot));
	cairn_key_set_type(slot, 0x21);
	cairn_key_set_rights(slot, 0x5);
	cairn_key_set_badge(slot, 0xbeef);
	cairn_key_set_alloc_count(slot, 0x01020304u);
	cairn_key_set_oid(slot, 0x55667788u);
	cairn_put_le32(slot + CAIRN_KEY_OFF_BADGE_HIGH, 0x11223344u);
	const uint8_t want[16] = { 0x21, 0x05, 0xef, 0xbe, 0x04, 0x03, 0x02, 0x01,
				   0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	assert_memory_equal(slot, want, sizeof(want));
	assert_int_equal(cairn_key_type(slot), 0x21);
	assert_int_equal(cairn_key_rights(slot), 0x5);
	assert_int_equal(cairn_key_badge(slot), 0xbeef);
	assert_int_equal(cairn_key_alloc_count(slot), 0x01020304u);
	assert_true(cairn_key_oid(slot) == 0x55667788u); /* 32 bits */
	assert_true(cairn_key_start_badge(slot) == 0x11223344beefull);
	assert_false(cairn_key_is_void(slot));
}

/* A start key's badge is 48 bits: bytes 2..3 and 12..15, the OID apart. */
static void test_start_badge(void **state)
{
	(void)state;
	uint8_t slot[CAIRN_KEY_SIZE];
	memset(slot, 0, sizeof(slot));
	cairn_key_set_oid(slot, 0xfffffffeu);
	cairn_key_set_start_badge(slot, CAIRN_START_BADGE_MAX);
	assert_true(cairn_key_start_badge(slot) == 0xffffffffffffull);
	assert_true(cairn_key_oid(slot) == 0xfffffffeu);
	assert_int_equal(cairn_key_badge(slot), 0xffff);
	cairn_key_set_start_badge(slot, 0x123456789abcull);
	assert_true(cairn_key_start_badge(slot) == 0x123456789abcull);
	assert_int_equal(cairn_key_badge(slot), 0x9abc);
	assert_true(cairn_key_oid(slot) == 0xfffffffeu);
}

static void test_key_fields_independent(void **state)
{
	(void)state;
	uint8_t slot[CAIRN_KEY_SIZE];

	memset(slot, 0xff, sizeof(slot));
	cairn_key_set_badge(slot, 0);
	assert_int_equal(cairn_key_rights(slot), 0xff);
	assert_int_equal(cairn_key_alloc_count(slot), 0xffffffffu);
	cairn_key_set_alloc_count(slot, 0);
	assert_int_equal(cairn_key_badge(slot), 0);
	assert_true(cairn_key_oid(slot) == UINT32_MAX);
	cairn_key_set_oid(slot, 0);
	assert_int_equal(cairn_key_alloc_count(slot), 0);
	assert_int_equal(cairn_key_type(slot), 0xff);
}

static void test_key_void_and_clear(void **state)
{
	(void)state;
	uint8_t slot[CAIRN_KEY_SIZE];

	memset(slot, 0, sizeof(slot));
	assert_true(cairn_key_is_void(slot)); /* all-zero = void */
	assert_int_equal(CAIRN_KEY_TYPE_VOID, 0);
	memset(slot, 0xab, sizeof(slot));
	assert_false(cairn_key_is_void(slot));
	cairn_key_clear(slot);
	for (unsigned i = 0; i < CAIRN_KEY_SIZE; i++)
		assert_int_equal(slot[i], 0);
	assert_true(cairn_key_is_void(slot));
}

static void test_number_key_data(void **state)
{
	(void)state;
	uint8_t slot[CAIRN_KEY_SIZE], data[CAIRN_KEY_NUMBER_LEN], back[CAIRN_KEY_NUMBER_LEN];

	assert_int_equal(CAIRN_KEY_NUMBER_LEN, 14);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa0 + i);
	memset(slot, 0, sizeof(slot));
	cairn_key_set_type(slot, 7);
	cairn_key_set_rights(slot, 3);
	cairn_key_number_set(slot, data);
	assert_int_equal(slot[0], 7);
	assert_int_equal(slot[1], 3);
	assert_memory_equal(slot + 2, data, 14); /* bytes 2..15 */
	cairn_key_number_get(slot, back);
	assert_memory_equal(back, data, sizeof(data));
}

static void test_node_constants(void **state)
{
	(void)state;
	assert_int_equal(CAIRN_NODE_SLOTS, 32);
	assert_int_equal(CAIRN_NODE_HEADER_SIZE, 16);
	assert_int_equal(CAIRN_NODE_SIZE, 528);
	assert_int_equal(CAIRN_NODES_PER_POT, 7);
	assert_int_equal(CAIRN_NODE_POT_USED, 3696);
	assert_int_equal(CAIRN_KEY_SIZE, 16);
	assert_int_equal(CAIRN_TAGS_PER_POT, 1024);
}

static void test_node_header_accessors(void **state)
{
	(void)state;
	uint8_t pot[CAIRN_NODE_POT_SIZE];

	memset(pot, 0, sizeof(pot));
	uint8_t *n = cairn_pot_node(pot, 2);
	assert_ptr_equal(n, pot + 2 * 528);
	cairn_node_set_alloc_count(n, 0x11223344u);
	cairn_node_set_call_count(n, 0x55667788u);
	cairn_node_set_flags(n, 0x9u);
	assert_int_equal(cairn_get_le32(pot + 1056 + 0), 0x11223344u);
	assert_int_equal(cairn_get_le32(pot + 1056 + 4), 0x55667788u);
	assert_int_equal(cairn_get_le32(pot + 1056 + 8), 0x9u);
	assert_int_equal(cairn_get_le32(pot + 1056 + 12), 0); /* reserved */
	assert_int_equal(cairn_node_alloc_count(n), 0x11223344u);
	assert_int_equal(cairn_node_call_count(n), 0x55667788u);
	assert_int_equal(cairn_node_flags(n), 0x9u);
	/* Neighbouring nodes untouched. */
	assert_int_equal(cairn_node_alloc_count(cairn_pot_node_const(pot, 1)), 0);
	assert_int_equal(cairn_node_alloc_count(cairn_pot_node_const(pot, 3)), 0);
}

static void test_pot_slot_positions(void **state)
{
	(void)state;
	uint8_t pot[CAIRN_NODE_POT_SIZE];

	assert_ptr_equal(cairn_node_slot(cairn_pot_node(pot, 0), 0), pot + 16);
	assert_ptr_equal(cairn_node_slot(cairn_pot_node(pot, 0), 31), pot + 16 + 31 * 16);
	assert_ptr_equal(cairn_node_slot(cairn_pot_node(pot, 1), 0), pot + 528 + 16);
	/* The last slot of the last node ends exactly at 3696. */
	const uint8_t *last = cairn_node_slot_const(cairn_pot_node_const(pot, 6), 31);
	assert_int_equal((size_t)(last - pot) + CAIRN_KEY_SIZE, 3696);

	/* Fill every slot of every node; bytes 3696..4095 stay untouched. */
	memset(pot, 0, sizeof(pot));
	for (unsigned i = 0; i < CAIRN_NODES_PER_POT; i++)
		for (unsigned s = 0; s < CAIRN_NODE_SLOTS; s++) {
			uint8_t *k = cairn_node_slot(cairn_pot_node(pot, i), s);
			cairn_key_set_type(k, 1);
			cairn_key_set_oid(k, i * 100 + s);
		}
	for (size_t b = 3696; b < sizeof(pot); b++)
		assert_int_equal(pot[b], 0);
	for (unsigned i = 0; i < CAIRN_NODES_PER_POT; i++) {
		const uint8_t *n = cairn_pot_node_const(pot, i);
		assert_int_equal(cairn_node_alloc_count(n), 0); /* headers untouched */
		for (unsigned s = 0; s < CAIRN_NODE_SLOTS; s++)
			assert_true(cairn_key_oid(cairn_node_slot_const(n, s)) == i * 100 + s);
	}
}

static void test_zero_pot_is_fresh_nodes(void **state)
{
	(void)state;
	static const uint8_t pot[CAIRN_NODE_POT_SIZE]; /* all zero */

	for (unsigned i = 0; i < CAIRN_NODES_PER_POT; i++) {
		const uint8_t *n = cairn_pot_node_const(pot, i);
		assert_int_equal(cairn_node_alloc_count(n), 0);
		assert_int_equal(cairn_node_call_count(n), 0);
		assert_int_equal(cairn_node_flags(n), 0);
		for (unsigned s = 0; s < CAIRN_NODE_SLOTS; s++)
			assert_true(cairn_key_is_void(cairn_node_slot_const(n, s)));
	}
	for (unsigned i = 0; i < CAIRN_TAGS_PER_POT; i++)
		assert_int_equal(cairn_tag_get(pot, i), 0); /* and a fresh tag pot */
}

static void test_tag_pot_accessors(void **state)
{
	(void)state;
	uint8_t pot[CAIRN_TAG_POT_SIZE];

	memset(pot, 0, sizeof(pot));
	cairn_tag_set(pot, 0, 1);
	cairn_tag_set(pot, 1023, 0xcafef00du);
	cairn_tag_set(pot, 500, 77);
	assert_int_equal(cairn_get_le32(pot + 0), 1);
	assert_int_equal(cairn_get_le32(pot + 4092), 0xcafef00du);
	assert_int_equal(cairn_get_le32(pot + 2000), 77);
	assert_int_equal(cairn_tag_get(pot, 1023), 0xcafef00du);
	assert_int_equal(cairn_tag_get(pot, 499), 0);
	assert_int_equal(cairn_tag_get(pot, 501), 0);
}

static void test_node_pot_math(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	memset(&sb, 0, sizeof(sb));
	sb.node_pool_start = 2;
	assert_true(cairn_node_pot_block(&sb, 0) == 2);
	assert_int_equal(cairn_node_pot_index(0), 0);
	assert_true(cairn_node_pot_block(&sb, 6) == 2);
	assert_int_equal(cairn_node_pot_index(6), 6);
	assert_true(cairn_node_pot_block(&sb, 7) == 3);
	assert_int_equal(cairn_node_pot_index(7), 0);
	assert_true(cairn_node_pot_block(&sb, 699) == 2 + 99);
	assert_int_equal(cairn_node_pot_index(699), 6);
	assert_int_equal(cairn_node_pot_offset(699), 6 * 528);
	assert_int_equal(cairn_node_pot_offset(15), 528);
	sb.node_pool_start = 1000;
	assert_true(cairn_node_pot_block(&sb, 458751) == 1000 + 65535);
	assert_int_equal(cairn_node_pot_index(458751), 458751 % 7);
	/* Large OIDs do not truncate. */
	assert_true(cairn_node_pot_number(UINT64_MAX) == UINT64_MAX / 7);
	assert_int_equal(cairn_node_pot_index(UINT64_MAX), UINT64_MAX % 7);
}

static void test_tag_and_page_math(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	memset(&sb, 0, sizeof(sb));
	sb.tag_pool_start = 4098;
	sb.page_pool_start = 4150;
	sb.log_start = 60000;
	assert_true(cairn_tag_pot_block(&sb, 0) == 4098);
	assert_int_equal(cairn_tag_pot_index(0), 0);
	assert_true(cairn_tag_pot_block(&sb, 1023) == 4098);
	assert_int_equal(cairn_tag_pot_index(1023), 1023);
	assert_true(cairn_tag_pot_block(&sb, 1024) == 4099);
	assert_int_equal(cairn_tag_pot_index(1024), 0);
	assert_true(cairn_tag_pot_block(&sb, 53193) == 4098 + 51);
	assert_int_equal(cairn_tag_pot_index(53193), 53193 % 1024);
	assert_true(cairn_page_block(&sb, 0) == 4150);
	assert_true(cairn_page_block(&sb, 53193) == 4150 + 53193);
	assert_true(cairn_log_header_block(&sb, 0) == 60000);
	assert_true(cairn_log_header_block(&sb, 1) == 60001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_field_offsets),
		cmocka_unit_test(test_key_fields_independent),
		cmocka_unit_test(test_start_badge),
		cmocka_unit_test(test_key_void_and_clear),
		cmocka_unit_test(test_number_key_data),
		cmocka_unit_test(test_node_constants),
		cmocka_unit_test(test_node_header_accessors),
		cmocka_unit_test(test_pot_slot_positions),
		cmocka_unit_test(test_zero_pot_is_fresh_nodes),
		cmocka_unit_test(test_tag_pot_accessors),
		cmocka_unit_test(test_node_pot_math),
		cmocka_unit_test(test_tag_and_page_math),
	};
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
