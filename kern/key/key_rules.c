/* SPDX-License-Identifier: MIT */
/*
 * Key rules; see key_rules.h. No kernel headers: this file is also
 * compiled for the host tests.
 */
#include <string.h>
#include "key/key_rules.h"
#include <cairn/node.h>

void key_make_void(uint8_t *slot)
{
	cairn_key_clear(slot);
}

void key_make_object(uint8_t *slot, uint8_t type, uint64_t oid, uint32_t count, uint8_t rights,
		     uint16_t badge)
{
	cairn_key_clear(slot);
	cairn_key_set_type(slot, type);
	cairn_key_set_rights(slot, rights);
	cairn_key_set_badge(slot, badge);
	cairn_key_set_alloc_count(slot, count);
	cairn_key_set_oid(slot, oid);
}

void key_make_number(uint8_t *slot, uint64_t lo, uint64_t hi48)
{
	cairn_key_clear(slot);
	cairn_key_set_type(slot, CAIRN_KEY_NUMBER);
	cairn_put_le64(slot + 8, lo);
	for (unsigned i = 0; i < 6; i++)
		slot[2 + i] = (uint8_t)(hi48 >> (8 * i));
}

uint64_t key_number_lo(const uint8_t *slot)
{
	return cairn_get_le64(slot + 8);
}

uint64_t key_number_hi(const uint8_t *slot)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 6; i++)
		v |= (uint64_t)slot[2 + i] << (8 * i);
	return v;
}

void key_make_service(uint8_t *slot, uint8_t type)
{
	cairn_key_clear(slot);
	cairn_key_set_type(slot, type);
}

void key_make_console(uint8_t *slot, const char *label, size_t len)
{
	key_make_service(slot, CAIRN_KEY_CONSOLE);
	cairn_key_set_label(slot, label, len);
}

size_t key_console_label(const uint8_t *slot)
{
	size_t len = cairn_key_label_len(slot);
	if (cairn_label_is_kernel((const char *)slot + CAIRN_KEY_OFF_LABEL, len))
		return 0;
	return len;
}

void key_make_range(uint8_t *slot, uint64_t first, uint32_t count, uint8_t kind)
{
	key_make_object(slot, CAIRN_KEY_RANGE, first, count, 0, kind);
}

void key_restrict(uint8_t *slot, uint8_t rights)
{
	cairn_key_set_rights(slot, cairn_key_rights(slot) | rights);
}

void key_weaken_fetched(uint8_t *slot)
{
	uint8_t gains = cairn_keytab_weakened(cairn_key_type(slot));
	if (gains == CAIRN_WEAKENED_VOID)
		key_make_void(slot);
	else if (gains)
		key_restrict(slot, gains);
}

bool key_same(const uint8_t *a, const uint8_t *b)
{
	if (cairn_key_type(a) != cairn_key_type(b))
		return false;
	if (cairn_key_type(a) == CAIRN_KEY_VOID)
		return true;
	return memcmp(a, b, CAIRN_KEY_SIZE) == 0;
}

bool key_allows_write(const uint8_t *slot)
{
	return !(cairn_key_rights(slot) & (CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK));
}

bool key_counts_match(const uint8_t *slot, uint32_t alloc_count, uint32_t call_count)
{
	uint8_t type = cairn_key_type(slot);
	if (!key_type_has_object(type))
		return true;
	uint32_t want = key_type_counts_calls(type) ? call_count : alloc_count;
	return cairn_key_alloc_count(slot) == want;
}

void node_rescind_bytes(uint8_t *node)
{
	cairn_node_set_alloc_count(node, cairn_node_alloc_count(node) + 1);
	cairn_node_set_call_count(node, cairn_node_call_count(node) + 1);
	cairn_node_set_flags(node, 0);
	memset(node + CAIRN_NODE_OFF_SLOTS, 0, CAIRN_NODE_SLOTS * CAIRN_KEY_SIZE);
}

void node_consume_resume_bytes(uint8_t *node)
{
	cairn_node_set_call_count(node, cairn_node_call_count(node) + 1);
}

unsigned key_space_height(const uint8_t *slot)
{
	return cairn_key_badge(slot) & 0xffu;
}
