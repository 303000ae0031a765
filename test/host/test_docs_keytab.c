/* SPDX-License-Identifier: MIT */
/*
 * docs/invocations.md against cairn/keytab.h, so the reference cannot
 * drift from the table the kernel, the runtime and the tools expand.
 *
 * Every key type, invocation, result code and fault code of the X-macro
 * lists must have its row in the document, with the same code:
 *
 *   | `NODE` | 3 |                     key types
 *   | `0x0301` | `NODE_GET` |          invocations
 *   | `BAD_SLOT` | 2 |                 result codes
 *   | `MEMORY` | `0xf001` |            fault codes
 *
 * and every invocation row in the document must name a row of the table
 * (a removed or renumbered code must leave the document too). A failure
 * prints the exact line to add, so the test doubles as the generator.
 * argv[1] is the path of docs/invocations.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/keytab.h"

static const char *doc_path;
static char *doc;

struct row {
	const char *name;
	unsigned code;
	const char *desc;
};

static const struct row key_types[] = {
#define CAIRN_X(name, code, desc) { #name, code, desc },
	CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
};

static const struct row invocations[] = {
#define CAIRN_X(type, name, code, desc) { #type "_" #name, code, desc },
	CAIRN_INVOCATIONS(CAIRN_X)
#undef CAIRN_X
};

static const struct row results[] = {
#define CAIRN_X(name, code, desc) { #name, code, desc },
	CAIRN_RESULTS(CAIRN_X)
#undef CAIRN_X
};

static const struct row faults[] = {
#define CAIRN_X(name, code, desc) { #name, code, desc },
	CAIRN_FAULTS(CAIRN_X)
#undef CAIRN_X
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int load(void **state)
{
	(void)state;
	FILE *f = fopen(doc_path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", doc_path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	doc = calloc(1, (size_t)n + 1);
	if (!doc || fread(doc, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int unload(void **state)
{
	(void)state;
	free(doc);
	return 0;
}

/* Count the rows whose opening cells are `want`; print `hint` if none. */
static int check_rows(const struct row *rows, size_t n, const char *fmt_key, const char *hint)
{
	int missing = 0;
	for (size_t i = 0; i < n; i++) {
		char want[128];
		snprintf(want, sizeof(want), fmt_key, rows[i].name, rows[i].code);
		if (strstr(doc, want))
			continue;
		missing++;
		fprintf(stderr, "%s: no row for %s %u; add:\n", doc_path, rows[i].name, rows[i].code);
		fprintf(stderr, hint, rows[i].name, rows[i].code, rows[i].desc);
		fprintf(stderr, "\n");
	}
	return missing;
}

static void test_key_types(void **state)
{
	(void)state;
	assert_int_equal(check_rows(key_types, COUNT(key_types), "| `%s` | %u |",
				    "| `%s` | %u | %s |"),
			 0);
}

/* Invocation rows put the code first: "| `0x0301` | `NODE_GET` |". */
static int check_invocations(void)
{
	int missing = 0;
	for (size_t i = 0; i < COUNT(invocations); i++) {
		char want[128];
		snprintf(want, sizeof(want), "| `0x%04x` | `%s` |", invocations[i].code,
			 invocations[i].name);
		if (strstr(doc, want))
			continue;
		missing++;
		fprintf(stderr, "%s: no row for %s; add:\n%s %s |\n", doc_path, invocations[i].name,
			want, invocations[i].desc);
	}
	return missing;
}

static void test_invocations(void **state)
{
	(void)state;
	assert_int_equal(check_invocations(), 0);
}

/* Every "| `0x....` | `NAME` |" row in the document is in the table. */
static void test_no_stale_invocations(void **state)
{
	(void)state;
	int stale = 0;
	for (const char *p = doc; (p = strstr(p, "| `0x")) != NULL; p++) {
		unsigned code;
		char name[64];
		if (sscanf(p, "| `0x%x` | `%63[A-Z_]` |", &code, name) != 2)
			continue;
		int found = 0;
		for (size_t i = 0; i < COUNT(invocations); i++)
			if (invocations[i].code == code && strcmp(invocations[i].name, name) == 0)
				found = 1;
		if (!found) {
			stale++;
			fprintf(stderr, "%s: 0x%04x %s is not in cairn/keytab.h\n", doc_path, code,
				name);
		}
	}
	assert_int_equal(stale, 0);
}

static void test_results(void **state)
{
	(void)state;
	assert_int_equal(check_rows(results, COUNT(results), "| `%s` | %u |", "| `%s` | %u | %s |"),
			 0);
}

static void test_faults(void **state)
{
	(void)state;
	assert_int_equal(check_rows(faults, COUNT(faults), "| `%s` | `0x%04x` |",
				    "| `%s` | `0x%04x` | %s |"),
			 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s docs/invocations.md\n", argv[0]);
		return 2;
	}
	doc_path = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_invocations),
		cmocka_unit_test(test_no_stale_invocations),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_faults),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
