/* SPDX-License-Identifier: MIT */
/*
 * The scratch directory and the tool runner of the cairn-format tests;
 * tool_run.h says what each does.
 */
#define _GNU_SOURCE /* nftw, FTW_PHYS */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tool_run.h"

const char *tool;
char dir[4096];
char out_text[1 << 16], err_text[1 << 16];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	chmod(path, 0700); /* undo a permission test's chmod */
	return remove(path);
}

int setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/cairn-tool-test.XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

int teardown(void **state)
{
	(void)state;
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void slurp_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

int run(const char *first, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	char out_path[4200], err_path[4200];

	snprintf(out_path, sizeof(out_path), "%s.stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s.stderr", dir);
	argv[argc++] = (char *)tool;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(argc < 63);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(tool, argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	slurp_text(out_path, out_text, sizeof(out_text));
	slurp_text(err_path, err_text, sizeof(err_text));
	unlink(out_path);
	unlink(err_path);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}
