/* SPDX-License-Identifier: MIT */
/*
 * bankimpostor: a domain that speaks the space bank's protocol and lies
 * (apps/banktest.image; banktest's case "verify refuses an impostor").
 * Every order gets a plausible reply: BUY hands out the node or page of
 * its own image (registers 3 and 4), VERIFY says "genuine, transparent,
 * unrestricted, a bank key" of any key, QUERY reports a roomy bank, and
 * everything else answers OK. A client that trusted the answer of the
 * bank it was handed would be fooled; one that asks a bank it trusts
 * (VERIFY through its own genuine key) is not, because the real bank asks
 * the kernel (DOMAIN IDENTIFY) rather than the key's holder.
 *
 * Capability registers: 1 console, 3 a node, 4 a page, 31 the resume key
 * of the call being answered.
 */
#include "cairn.h"

#define CAP_NODE   3
#define CAP_PAGE   4
#define CAP_RESUME 31

/* The lie for one order, with the keys it hands out in out->keys. */
static void answer(const struct cairn_reply *in, struct cairn_msg *out)
{
	*out = (struct cairn_msg){ .order = CAIRN_OK };
	switch (in->code) {
	case CAIRN_SO_BANK_BUY:
		for (unsigned i = 0; i < 3 && i < in->w[0]; i++)
			out->keys[i] = (in->w[1] >> i & 1) ? CAP_PAGE : CAP_NODE;
		break;
	case CAIRN_SO_BANK_VERIFY:
		out->w[0] = 1; /* genuine, kind 0, no restrictions, a bank key */
		break;
	case CAIRN_SO_BANK_QUERY:
		out->w[0] = ~0ull;
		out->w[2] = 1000000;
		break;
	case CAIRN_SO_BANK_AUDIT:
		out->w[1] = 1;
		break;
	default:
		break;
	}
}

int main(uint64_t arg)
{
	(void)arg;
	const struct cairn_rcv rcv = { .resume = CAP_RESUME };
	struct cairn_reply in;
	struct cairn_msg out;
	cairn_wait(&rcv, &in);
	for (;;) {
		answer(&in, &out);
		cairn_return(CAP_RESUME, &out, &rcv, &in);
	}
}
