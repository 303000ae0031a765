/* SPDX-License-Identifier: MIT */
/*
 * Names of result codes, fault codes and key types, for messages like
 * "refused NO_RIGHTS": the lookups of cairn/keytab.h that the kernel and
 * cairn-format use too (cairn_keytab_*_name), with "?" for a code no row
 * has, as docs/runtime.md promises. Out of line, unlike lib/cairn.h's
 * stubs, so that a domain carries one copy of the names however often it
 * prints them.
 */
#include "cairn.h"

static const char *or_unknown(const char *name)
{
	return name ? name : "?";
}

const char *cairn_result_name(uint64_t code)
{
	return or_unknown(cairn_keytab_result_name(code));
}

const char *cairn_fault_name(uint64_t code)
{
	return or_unknown(cairn_keytab_fault_name(code));
}

const char *cairn_key_type_name(uint64_t type)
{
	return or_unknown(cairn_keytab_type_name(type));
}
