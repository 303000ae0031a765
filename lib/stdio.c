/* SPDX-License-Identifier: MIT */
/*
 * stdout and stderr for picolibc's tinystdio: a line buffer in front of
 * CONSOLE WRITE on capability register 1 (CAIRN_CAP_CONSOLE). A line goes
 * out as one invocation when it ends ('\n'), when the buffer is full
 * (CAIRN_LINE_MAX bytes: the rest follows as further writes), or on
 * fflush(). One invocation per line keeps lines from different domains
 * whole on the console. Errors are dropped: a domain with no console key
 * prints nothing, and nothing else changes.
 *
 * The buffer is ordinary domain memory, so it is persistent like the rest:
 * a checkpoint taken mid-line resumes mid-line.
 */
#include <stdio.h>

#include "cairn.h"

#define CAIRN_LINE_MAX 256

static char console_line[CAIRN_LINE_MAX];
static size_t console_len;

static int console_flush(FILE *f)
{
	(void)f;
	if (console_len) {
		cairn_console_write(CAIRN_CAP_CONSOLE, console_line, console_len);
		console_len = 0;
	}
	return 0;
}

static int console_put(char c, FILE *f)
{
	console_line[console_len++] = c;
	if (c == '\n' || console_len == sizeof console_line)
		console_flush(f);
	return 0;
}

static FILE console_file = FDEV_SETUP_STREAM(console_put, NULL, console_flush, _FDEV_SETUP_WRITE);

FILE *const stdout = &console_file;
FILE *const stderr = &console_file;

int cairn_puts(const char *s)
{
	return puts(s);
}
