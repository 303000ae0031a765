/* SPDX-License-Identifier: MIT */
/*
 * Case reporting for the test drivers (apps/regress.c, apps/banktest.c):
 * a case records its first failure with failf() (later ones would only
 * explain the first), and check_report() prints the case's one line,
 * "<case>: ok" or "<case>: FAIL <why>", which the QEMU tests read
 * (test/qemu/test_regress.py, test_bank.py), then starts afresh.
 */
#ifndef CAIRN_APPS_CHECK_H
#define CAIRN_APPS_CHECK_H

#include <stdbool.h>
#include <stdint.h>

/* Record the case's failure, unless it has one already. */
void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True if got == want; otherwise records "what: GOT, want WANT". */
bool rc_is(const char *what, uint64_t got, uint64_t want);
/* A setup step: true if it gave OK; otherwise records "setup: step: RESULT". */
bool ok(const char *step, uint64_t rc);
/* Has the current case failed, and why ("" if not)? */
bool check_failed(void);
const char *check_why(void);
/* Print the case's line, then start the next case afresh. */
void check_report(const char *name);
/* Forget a failure without reporting it. */
void check_reset(void);

#endif
