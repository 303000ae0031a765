/* SPDX-License-Identifier: MIT */
/*
 * docs/invocations.md and docs/image-format.md against cairn/keytab.h, so
 * the reference cannot drift from the table the kernel, the runtime and
 * the tools expand.
 *
 * Every key type, invocation, result code and fault code of the X-macro
 * lists must have its row in invocations.md, with the same code, and a
 * key type's row the same object and WEAK columns:
 *
 *   | `NODE` | 3 | node | `RO`, `WEAK` |    key types
 *   | `0x0301` | `NODE_GET` |               invocations
 *   | `BAD_SLOT` | 2 |                      result codes
 *   | `MEMORY` | `0xf001` |                 fault codes
 *
 * and every invocation row in the document must name a row of the table
 * (a removed or renumbered code must leave the document too). Every key
 * type with a word must have its row in image-format.md's table of cap
 * keys ("| `console [label=NAME]` |"), and every row there must begin
 * with a word of the table (or `self`). A failure prints the exact line
 * to add, so the test doubles as the generator. argv[1] is the path of
 * docs/invocations.md, argv[2] of docs/image-format.md.
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

static const char *doc_path, *image_doc_path;
static char *doc, *image_doc;

struct row {
	const char *name;
	unsigned code;
	const char *desc;
};

/* The object and weak columns as invocations.md writes them. */
#define OBJECT_TEXT_NONE      "none"
#define OBJECT_TEXT_PAGE      "page"
#define OBJECT_TEXT_NODE      "node"
#define OBJECT_TEXT_NODE_CALL "node, call count"
#define WEAK_TEXT_KEEP        "unchanged"
#define WEAK_TEXT_RO          "`RO`"
#define WEAK_TEXT_RO_WEAK     "`RO`, `WEAK`"
#define WEAK_TEXT_VOID        "void"

struct type_row {
	const char *name;
	unsigned code;
	const char *object, *weak, *word, *desc;
};

static const struct type_row key_types[] = {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	{ #name, code, OBJECT_TEXT_##object, WEAK_TEXT_##weak, word, desc },
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

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = calloc(1, (size_t)n + 1);
	if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static int load(void **state)
{
	(void)state;
	doc = read_text(doc_path);
	image_doc = read_text(image_doc_path);
	return doc && image_doc ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	free(doc);
	free(image_doc);
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
		fprintf(stderr, "%s: no row for %s %u; add:\n", doc_path, rows[i].name,
			rows[i].code);
		fprintf(stderr, hint, rows[i].name, rows[i].code, rows[i].desc);
		fprintf(stderr, "\n");
	}
	return missing;
}

/* Key type rows: name, code, object, WEAK, then what it designates. */
static void test_key_types(void **state)
{
	(void)state;
	int missing = 0;
	for (size_t i = 0; i < COUNT(key_types); i++) {
		const struct type_row *t = &key_types[i];
		char want[160];
		snprintf(want, sizeof(want), "| `%s` | %u | %s | %s |", t->name, t->code, t->object,
			 t->weak);
		if (strstr(doc, want))
			continue;
		missing++;
		fprintf(stderr, "%s: no row for %s %u; add (or correct):\n%s %s |\n", doc_path,
			t->name, t->code, want, t->desc);
	}
	assert_int_equal(missing, 0);
}

/* The rows of image-format.md's table of cap keys, "| KEY | the key |"
 * to the first line that is not a row: each opens "| `WORD". */
static void test_image_words(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < COUNT(key_types); i++) {
		const char *word = key_types[i].word;
		char want[64];
		if (!word[0])
			continue;
		/* "| `range nodes` / ...", "| `sleep` |": the word, then a blank or the quote. */
		int found = 0;
		snprintf(want, sizeof(want), "| `%s", word);
		for (const char *p = image_doc; (p = strstr(p, want)) != NULL; p++)
			if (p[strlen(want)] == ' ' || p[strlen(want)] == '`')
				found = 1;
		if (!found) {
			bad++;
			fprintf(stderr,
				"%s: no cap row for the key %s's word '%s'; add:\n%s` | ... |\n",
				image_doc_path, key_types[i].name, word, want);
		}
	}
	const char *table = strstr(image_doc, "| KEY | the key |");
	assert_non_null(table);
	const char *line = strchr(table, '\n') + 1;
	line = strchr(line, '\n') + 1; /* the | --- | line */
	int rows = 0;
	for (; strncmp(line, "| `", 3) == 0; line = strchr(line, '\n') + 1) {
		size_t n = strcspn(line + 3, " `");
		int known = n == 4 && strncmp(line + 3, "self", 4) == 0;
		for (size_t i = 0; i < COUNT(key_types); i++)
			if (strlen(key_types[i].word) == n &&
			    strncmp(line + 3, key_types[i].word, n) == 0)
				known = 1;
		if (!known) {
			bad++;
			fprintf(stderr, "%s: '%.*s' is no key word of cairn/keytab.h\n",
				image_doc_path, (int)n, line + 3);
		}
		rows++;
	}
	assert_true(rows > 0);
	assert_int_equal(bad, 0);
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
	if (argc < 3) {
		fprintf(stderr, "usage: %s docs/invocations.md docs/image-format.md\n", argv[0]);
		return 2;
	}
	doc_path = argv[1];
	image_doc_path = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_types),   cmocka_unit_test(test_image_words),
		cmocka_unit_test(test_invocations), cmocka_unit_test(test_no_stale_invocations),
		cmocka_unit_test(test_results),     cmocka_unit_test(test_faults),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
