/* SPDX-License-Identifier: MIT */
/*
 * Names of result codes, fault codes and key types, expanded from the
 * tables in cairn/keytab.h, for messages like "refused NO_RIGHTS".
 */
#include "cairn.h"

const char *cairn_result_name(uint64_t code)
{
	switch (code) {
#define CAIRN_X(name, code, desc) \
	case code:                \
		return #name;
		CAIRN_RESULTS(CAIRN_X)
#undef CAIRN_X
	}
	return "?";
}

const char *cairn_fault_name(uint64_t code)
{
	switch (code) {
#define CAIRN_X(name, code, desc) \
	case code:                \
		return #name;
		CAIRN_FAULTS(CAIRN_X)
#undef CAIRN_X
	}
	return "?";
}

const char *cairn_key_type_name(uint64_t type)
{
	switch (type) {
#define CAIRN_X(name, code, desc) \
	case code:                \
		return #name;
		CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
	}
	return "?";
}
