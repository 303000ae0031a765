/* SPDX-License-Identifier: MIT */
/*
 * The end of a domain's program. A domain cannot destroy itself (whoever
 * built it holds its nodes), so "exit" means: flush stdout, then wait for
 * calls for ever, answering none. Callers of an exited domain wait for
 * ever too: their resume keys are dropped (resume slot 0).
 */
#include <stdio.h>
#include <unistd.h>

#include "cairn.h"

void cairn_exit(void)
{
	fflush(stdout);
	for (;;)
		cairn_wait(NULL, NULL);
}

/* picolibc's exit() and abort() end here. */
void _exit(int status)
{
	(void)status;
	cairn_exit();
}
