/* SPDX-License-Identifier: MIT */
/*
 * bank: the space bank domain (docs/bank.md "The bank domain"). One domain
 * serves every bank: each bank is the badge of a start key to it. At its
 * first start it lays out its books' memory and takes the books' reserve
 * (books_mem.c), makes the default image's banks when arg=1 and prints
 * one line per bank (boot_banks.c), then answers orders for ever
 * (orders.c). It never waits on a client: it CALLs kernel keys only and
 * answers by RETURN on the caller's resume key.
 *
 * Capability registers from the image: 1 console (label `bank`), 2 sleep,
 * 3 `range nodes`, 4 `range pages` (every object the image does not use),
 * 5 `domain bank` (itself: start keys with badges, DOMAIN_IDENTIFY, its
 * own space), 6 `discrim`. bank_domain.h lists the rest.
 *
 * Prints at first boot the lines of boot_banks.c; if the registers are
 * not as above, one line saying what is missing, and then it answers
 * nothing (its callers wait, as for any domain that has exited).
 */
#include <stdio.h>

#include "bank_domain.h"

int main(uint64_t arg)
{
	if (!books_mem_init())
		return 1;
	boot_banks(arg);
	fflush(stdout);
	static const struct cairn_rcv rcv = {
		.keys = { CAP_IN0, CAP_IN1, CAP_IN2, CAP_IN3 },
		.resume = CAP_RESUME,
	};
	struct cairn_reply in;
	struct cairn_msg out;
	cairn_wait(&rcv, &in);
	for (;;) {
		/* An order that came by SEND brought no resume key: CAP_RESUME
		 * still holds an older one, which must not get this answer. */
		bool called = in.info & CAIRN_INFO_CALL;
		switch (bank_serve(&in, &out, &rcv)) {
		case BANK_ANSWER:
			if (called) {
				cairn_return(CAP_RESUME, &out, &rcv, &in);
				break;
			}
			__attribute__((fallthrough)); /* none wanted */
		case BANK_NO_ANSWER:
			cairn_wait(&rcv, &in);
			break;
		case BANK_ANSWERED:
			break; /* the next order is in `in` already */
		}
	}
}
