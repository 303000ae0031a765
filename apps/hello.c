/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest domain. Prints one line and then waits for calls
 * for ever (answering none):
 *
 *   hello: hello from a domain
 *
 * Capability registers: 1 console.
 */
#include <stdio.h>

#include "cairn.h"

int main(uint64_t arg)
{
	(void)arg;
	printf("hello from a domain\n");
	for (;;)
		cairn_wait(NULL, NULL);
}
