/* SPDX-License-Identifier: MIT */
/*
 * Case reporting for the test drivers; see check.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cairn.h"
#include "check.h"

static char why[200];
static bool failed;

void failf(const char *fmt, ...)
{
	if (failed)
		return; /* the first failure is the one that explains */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	failed = true;
}

bool rc_is(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	failf("%s: %s, want %s", what, cairn_result_name(got), cairn_result_name(want));
	return false;
}

bool ok(const char *step, uint64_t rc)
{
	if (rc == CAIRN_OK)
		return true;
	failf("setup: %s: %s", step, cairn_result_name(rc));
	return false;
}

bool check_failed(void)
{
	return failed;
}

const char *check_why(void)
{
	return failed ? why : "";
}

void check_report(const char *name)
{
	if (failed)
		printf("%s: FAIL %s\n", name, why);
	else
		printf("%s: ok\n", name);
	check_reset();
}

void check_reset(void)
{
	failed = false;
	why[0] = 0;
}
