/* SPDX-License-Identifier: MIT */
/*
 * Running the real cairn-format binary from a cmocka test (tool_run.c):
 * each test gets a fresh scratch directory (setup), removed with all it
 * holds afterwards (teardown, which first undoes any chmod a test made);
 * run() executes the tool with its output captured into out_text and
 * err_text, from files kept outside the directory so that a test can
 * list what the tool left in it.
 */
#ifndef CAIRN_TEST_TOOL_RUN_H
#define CAIRN_TEST_TOOL_RUN_H

#include <stddef.h>

extern const char *tool;                          /* the binary: main's argv[1] */
extern char dir[4096];                            /* the running test's scratch directory */
extern char out_text[1 << 16], err_text[1 << 16]; /* what the last run() printed */

/* cmocka setup and teardown: a fresh scratch directory, removed after. */
int setup(void **state);
int teardown(void **state);

/* The text of file path (empty if it cannot be read), NUL-terminated. */
void slurp_text(const char *path, char *buf, size_t len);
/* Run the tool with these arguments (NULL-terminated, at most 62); its
 * exit status. */
int run(const char *first, ...);

#endif
