/* SPDX-License-Identifier: MIT */
/*
 * The bank domain (docs/bank.md "The bank domain"): one domain serves every
 * bank. This header is what its files share: the capability registers, the
 * books, and one function per purpose (books_mem.c maps the books' memory,
 * orders.c answers the orders, boot_banks.c makes the default image's
 * banks, main.c starts it all and runs the loop).
 *
 * Invariants:
 *  - The bank only CALLs kernel keys and only RETURNs or SENDs to resume
 *    keys: it never waits on a client (seeds/003).
 *  - Every object a sell, a rescind or a destroy step frees is rescinded
 *    (RANGE_RESCIND) before the bank takes the next order, so no buy hands
 *    out an object whose old keys still work (docs/bank.md "Destroy").
 *  - All state is in this domain's memory and registers, so the
 *    checkpointer saves it; a resume continues exactly where it stopped.
 */
#ifndef CAIRN_BANK_DOMAIN_H
#define CAIRN_BANK_DOMAIN_H

/* By path: lib/bank.h, the client library, has the same name. */
#include "../bank.h"
#include "../bank_key.h"
#include "cairn.h"

/* Capability registers. 1..6 come from the image (docs/bank.md "The bank
 * domain"); the rest the bank fills itself. */
enum {
	CAP_RANGE_NODES = 3, /* image: range nodes (every node the image does not use) */
	CAP_RANGE_PAGES = 4, /* image: range pages */
	CAP_SELF = 5,        /* image: a domain key to the bank itself */
	CAP_DISCRIM = 6,     /* image: a discrim key (unused: IDENTIFY_KEYS gives the type) */
	CAP_POOL_NODES = 7,  /* the nodes the books hand out: offset = the books' offset */
	CAP_POOL_PAGES = 8,
	CAP_OWN_NODES = 9, /* the books' own reserve (books_mem.c) */
	CAP_OWN_PAGES = 10,
	CAP_ROOT = 11,   /* a node key to the root of the bank's address space */
	CAP_WALK_A = 12, /* scratch for books_mem.c's walk down the tree */
	CAP_WALK_B = 13,
	CAP_NEW = 14,  /* scratch: a space key or page key being put in the tree */
	CAP_OUT0 = 15, /* keys going out in a reply: r0, r1, r2 */
	CAP_OUT1 = 16,
	CAP_OUT2 = 17,
	CAP_IN0 = 20, /* keys coming in with an order: k0..k3 */
	CAP_IN1 = 21,
	CAP_IN2 = 22,
	CAP_IN3 = 23,
	CAP_REAPER = 24, /* the parked reaper's resume key (bank_reaper) */
	CAP_SCRATCH = 25,
	CAP_RESUME = 31, /* the resume key of the order being answered */
};

/* The reaper's start key has badge 0, which names no bank (bank_key.h:
 * bank 0 never decodes). Only the image hands it out. */
#define BANK_REAPER_BADGE 0u

/* A SELL's hint word that gives no hint (lib/bank.h CAIRN_BANK_NO_HINT):
 * every real hint has CAIRN_RANGE_NAMED set. */
#define BANK_NO_HINT 0u

/* Destroy work per STEP (units: an object freed, or a bank entered or
 * finished; bank_destroy_step). Each freed object costs a RANGE_RESCIND. */
#define BANK_STEP_BUDGET 32u

/* Bank ids the books can hold: LIST's cursor keeps an id in 30 bits. */
#define BANK_CAPACITY (1u << 20)

extern struct bank_books bank_books;

/* books_mem.c: lay out the books' memory, take the books' own reserve off
 * the range keys (filling CAP_POOL_*, CAP_OWN_*, CAP_ROOT) and init the
 * books. Prints the reason and returns false if it cannot. */
bool books_mem_init(void);

/* orders.c: serve one order (in: as received; out: the reply). */
enum bank_answer {
	BANK_ANSWER,    /* answer with *out through CAP_RESUME (if it was a CALL) */
	BANK_NO_ANSWER, /* do not answer now (the reaper, parked): just wait */
	BANK_ANSWERED,  /* the kernel answered the caller (a RETURN whose reply it
			 * handed on) and *in already holds the next order */
};
enum bank_answer bank_serve(struct cairn_reply *in, struct cairn_msg *out,
			    const struct cairn_rcv *rcv);

/* boot_banks.c: at first boot, the default image's sub-banks (arg = 1),
 * then one console line per bank. */
void boot_banks(uint64_t arg);

/* A bank error as the protocol's result code (keytab.h CAIRN_RESULTS). */
uint64_t bank_result(enum bank_err err);

#endif
