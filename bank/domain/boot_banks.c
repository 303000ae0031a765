/* SPDX-License-Identifier: MIT */
/*
 * The default image's banks (docs/bank.md "The default image's banks").
 * With arg=1 the bank makes, at its first start, one sub-bank for each
 * demo domain of apps/default.image, in the order of the table below, and
 * the image hands each demo a start key with that bank's id as its badge
 * (`cap 6 start bank badge=ID`). Each demo's bank hangs under a limit bank
 * of its own that holds the limits: the image can only give badges of 16
 * bits, so the demos' keys carry no restrictions, and a demo could raise
 * a limit on its own bank; the one above it, which nobody holds a key to,
 * binds it all the same. Entry i makes limit bank 2 + 2i and the demo's
 * bank 3 + 2i (ids are handed out in order from 2: bank.h).
 *
 * Then, with any arg, one line per bank it made and one for the prime:
 *
 *   bank: prime nodes=<used>/<pool> pages=<used>/<pool>
 *   bank: counter nodes=<used>/<limit> pages=<used>/<limit>
 */
#include <inttypes.h>
#include <stdio.h>

#include "bank_domain.h"

struct boot_bank {
	const char *name; /* the demo domain's name in apps/default.image */
	uint64_t nodes;   /* its limits */
	uint64_t pages;
};

static const struct boot_bank default_banks[] = {
	{ "hello", 16, 16 },
	{ "counter", 64, 64 },
	{ "ping", 16, 16 },
	{ "pong", 16, 16 },
	{ "mover", 16, 16 },
	{ "account1", 16, 16 },
	{ "account2", 16, 16 },
	{ "account3", 16, 16 },
	{ "enet", 16, 224 }, /* its rings, buffers, session rings: 201 pages, 15 nodes
				(docs/network.md) */
	/* The demo services and their stacks (docs/network.md "The stacks"):
	   each stack buys its heap and its enet session from its client's
	   sub-bank. */
	{ "http", 64, 512 },
	{ "udpecho", 64, 512 },
};
#define DEFAULT_BANKS (sizeof(default_banks) / sizeof(default_banks[0]))

#define BANK_ID_LIMIT(i) (2u + 2u * (i))
#define BANK_ID_DEMO(i)  (3u + 2u * (i))

static bool make_boot_bank(unsigned i)
{
	bank_id_t limit, demo;
	if (bank_create(&bank_books, BANK_PRIME, BANK_TRANSPARENT, &limit) != BANK_OK ||
	    bank_create(&bank_books, limit, BANK_TRANSPARENT, &demo) != BANK_OK ||
	    limit != BANK_ID_LIMIT(i) || demo != BANK_ID_DEMO(i))
		return false;
	return bank_set_limit(&bank_books, limit, BANK_POOL_NODE, default_banks[i].nodes) ==
		       BANK_OK &&
	       bank_set_limit(&bank_books, limit, BANK_POOL_PAGE, default_banks[i].pages) ==
		       BANK_OK;
}

void boot_banks(uint64_t arg)
{
	unsigned made = 0;
	if (arg == 1) {
		for (; made < DEFAULT_BANKS; made++) {
			if (!make_boot_bank(made)) {
				printf("could not make %s's bank\n", default_banks[made].name);
				break;
			}
		}
	}
	struct bank_info prime;
	bank_query(&bank_books, BANK_PRIME, &prime);
	printf("prime nodes=%" PRIu64 "/%" PRIu32 " pages=%" PRIu64 "/%" PRIu32 "\n",
	       prime.usage[BANK_POOL_NODE], bank_books.count[BANK_POOL_NODE],
	       prime.usage[BANK_POOL_PAGE], bank_books.count[BANK_POOL_PAGE]);
	for (unsigned i = 0; i < made; i++) {
		struct bank_info lim, demo;
		bank_query(&bank_books, BANK_ID_LIMIT(i), &lim);
		bank_query(&bank_books, BANK_ID_DEMO(i), &demo);
		printf("%s nodes=%" PRIu64 "/%" PRIu64 " pages=%" PRIu64 "/%" PRIu64 "\n",
		       default_banks[i].name, demo.usage[BANK_POOL_NODE], lim.limit[BANK_POOL_NODE],
		       demo.usage[BANK_POOL_PAGE], lim.limit[BANK_POOL_PAGE]);
	}
}
