/* SPDX-License-Identifier: MIT */
/*
 * banktest: the hinted SELL (docs/bank.md "A hinted sell"). A BUY names
 * each object in its reply words (the hint); a SELL of one object that
 * gives it back is checked by the books (the bank's own object) and by
 * the kernel (RANGE RESCIND_IF_KEY: the key is a live key to exactly that
 * object). Every wrong hint gets its named error and changes nothing:
 * both objects keep their content and their keys, and usage is as before.
 */
#include <inttypes.h>
#include <stdio.h>

#include "banktest.h"

static const cap_t objs[3] = { CAP_OBJ(0), CAP_OBJ(1), CAP_OBJ(2) };

static uint64_t sell_hint(cap_t bank, cap_t key, uint64_t hint)
{
	return cairn_bank_sell_hinted(bank, 1, &key, &hint);
}

/* Object `key` (of pool) still live and holding mark v. */
static void unchanged(const char *what, cap_t key, unsigned pool, uint64_t v)
{
	uint64_t got = 0;
	type_is(what, key, pool == CAIRN_BANK_PAGE ? CAIRN_KEY_PAGE : CAIRN_KEY_NODE);
	if (rc_is(what, mark_of(key, pool, &got), CAIRN_OK) && got != v)
		failf("%s: mark %#" PRIx64 ", want %#" PRIx64, what, got, v);
}

/* BUY's hints have the form CAIRN_RANGE_WORD gives, one per object. */
static bool hints_named(const char *what, const uint64_t *hints, unsigned n, uint64_t kinds)
{
	for (unsigned i = 0; i < n; i++) {
		if (!(hints[i] & CAIRN_RANGE_NAMED) ||
		    (hints[i] & ~CAIRN_RANGE_NAMED) >> 32 != (kinds >> i & 1)) {
			failf("%s: hint %u is %#" PRIx64, what, i, hints[i]);
			return false;
		}
	}
	return true;
}

void case_sell_hinted(void)
{
	const cap_t a = CAP_BANK(0);
	uint64_t h[3];
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)))
		goto out;
	for (unsigned kind = 0; kind < 2; kind++) {
		if (!ok("buy", cairn_bank_buy_hinted(a, 1, kind, objs, h)) ||
		    !hints_named("buy", h, 1, kind))
			goto out;
		mark(objs[0], kind, 0x5e11);
		rc_is("hinted SELL", sell_hint(a, objs[0], h[0]), CAIRN_OK);
		type_is("the sold key", objs[0], CAIRN_KEY_VOID);
		usage_is("after the hinted sell", a, 0, 0);
	}
	/* Three at once: three hints, one RESCIND_IF_KEYS. Two of them
	 * swapped, or one with a void key, sell nothing; one missing sells
	 * without hints (IDENTIFY_KEYS). */
	if (!ok("buy three", cairn_bank_buy_hinted(a, 3, 0x6, objs, h)) ||
	    !hints_named("buy three", h, 3, 0x6))
		goto out;
	mark(objs[0], CAIRN_BANK_NODE, 0x10);
	mark(objs[1], CAIRN_BANK_PAGE, 0x11);
	mark(objs[2], CAIRN_BANK_PAGE, 0x12);
	rc_is("SELL three, two hints swapped",
	      cairn_bank_sell_hinted(a, 3, objs, (const uint64_t[]){ h[0], h[2], h[1] }),
	      CAIRN_WRONG_OBJECT);
	rc_is("SELL three, a void key",
	      cairn_bank_sell_hinted(a, 3, (const cap_t[]){ objs[0], objs[1], CAIRN_CAP_VOID }, h),
	      CAIRN_VOID);
	rc_is("SELL three, a hint twice",
	      cairn_bank_sell_hinted(a, 3, objs, (const uint64_t[]){ h[0], h[1], h[1] }),
	      CAIRN_DUPLICATE);
	unchanged("the node of three", objs[0], CAIRN_BANK_NODE, 0x10);
	unchanged("page 1 of three", objs[1], CAIRN_BANK_PAGE, 0x11);
	unchanged("page 2 of three", objs[2], CAIRN_BANK_PAGE, 0x12);
	usage_is("after the refusals", a, 1, 2);
	rc_is("SELL three with hints", cairn_bank_sell_hinted(a, 3, objs, h), CAIRN_OK);
	all_void("the three sold", objs, 3);
	usage_is("after the three", a, 0, 0);
	if (!ok("buy two", cairn_bank_buy_hinted(a, 2, 0x3, objs, h)))
		goto out;
	rc_is("SELL two, one hint missing",
	      cairn_bank_sell_hinted(a, 2, objs, (const uint64_t[]){ h[0], CAIRN_BANK_NO_HINT }),
	      CAIRN_OK);
	all_void("the two sold", objs, 2);
	usage_is("at the end", a, 0, 0);
out:
	drop_banks(a, 0, 0);
}

/* A hint naming another object of the same bank, of the other pool, or of
 * another bank: refused, nothing sold, both objects as they were. */
void case_hint_wrong(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2);
	uint64_t hp, hq, hn, hb;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)) ||
	    !ok("A buys page P", cairn_bank_buy_hinted(a, 1, 1, objs, &hp)) ||
	    !ok("A buys page Q", cairn_bank_buy_hinted(a, 1, 1, objs + 1, &hq)) ||
	    !ok("A buys node N", cairn_bank_buy_hinted(a, 1, 0, objs + 2, &hn)) ||
	    !ok("B buys page R", cairn_bank_buy_hinted(b, 1, 1, &(cap_t){ CAP_TMP(0) }, &hb)))
		goto out;
	mark(objs[0], CAIRN_BANK_PAGE, 0x1);
	mark(objs[1], CAIRN_BANK_PAGE, 0x2);
	mark(objs[2], CAIRN_BANK_NODE, 0x3);
	mark(CAP_TMP(0), CAIRN_BANK_PAGE, 0x4);
	rc_is("P's key with Q's hint", sell_hint(a, objs[0], hq), CAIRN_WRONG_OBJECT);
	rc_is("P's key with N's hint", sell_hint(a, objs[0], hn), CAIRN_WRONG_OBJECT);
	rc_is("N's key with P's hint", sell_hint(a, objs[2], hp), CAIRN_WRONG_OBJECT);
	rc_is("P's key with B's page's hint", sell_hint(a, objs[0], hb), CAIRN_NOT_OWNER);
	rc_is("B's page's key and hint, sold to A", sell_hint(a, CAP_TMP(0), hb), CAIRN_NOT_OWNER);
	rc_is("the image's node with P's hint", sell_hint(a, CAP_FOREIGN, hp), CAIRN_WRONG_OBJECT);
	unchanged("P", objs[0], CAIRN_BANK_PAGE, 0x1);
	unchanged("Q", objs[1], CAIRN_BANK_PAGE, 0x2);
	unchanged("N", objs[2], CAIRN_BANK_NODE, 0x3);
	unchanged("B's page", CAP_TMP(0), CAIRN_BANK_PAGE, 0x4);
	usage_is("A", a, 1, 2);
	usage_is("B", b, 0, 1);
	/* The right hints still sell them. */
	rc_is("P with its hint", sell_hint(a, objs[0], hp), CAIRN_OK);
	rc_is("N with its hint", sell_hint(a, objs[2], hn), CAIRN_OK);
	unchanged("Q after", objs[1], CAIRN_BANK_PAGE, 0x2);
	usage_is("A after", a, 0, 1);
out:
	drop_banks(a, b, 0);
}

/* Hints that name no object: past the pool, of no pool, not a hint's
 * form; and a void key with a good hint. */
void case_hint_bad(void)
{
	const cap_t a = CAP_BANK(0);
	uint64_t hp;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("buy", cairn_bank_buy_hinted(a, 1, 1, objs, &hp)))
		goto out;
	mark(objs[0], CAIRN_BANK_PAGE, 0x77);
	rc_is("a hint past the pool", sell_hint(a, objs[0], CAIRN_RANGE_WORD(1, 0xffffffffu)),
	      CAIRN_BAD_ARGUMENT);
	rc_is("a hint of no pool", sell_hint(a, objs[0], CAIRN_RANGE_WORD(2, (uint32_t)hp)),
	      CAIRN_BAD_ARGUMENT);
	rc_is("a word without the named bit", sell_hint(a, objs[0], hp & ~CAIRN_RANGE_NAMED),
	      CAIRN_BAD_ARGUMENT);
	rc_is("a void key with the hint", sell_hint(a, CAIRN_CAP_VOID, hp), CAIRN_VOID);
	unchanged("the page", objs[0], CAIRN_BANK_PAGE, 0x77);
	usage_is("after", a, 0, 1);
out:
	drop_banks(a, 0, 0);
}

/* Sold with its hint, then again: the books refuse (the object is free),
 * and once a buy has taken the object back (LIFO), the kernel does (the
 * old key is stale); the new owner's key still works. */
void case_hint_twice(void)
{
	const cap_t a = CAP_BANK(0);
	uint64_t h, h2;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("buy", cairn_bank_buy_hinted(a, 1, 1, objs, &h)) ||
	    !ok("copy the key", copy_key(objs[0], objs[1])))
		goto out;
	if (!rc_is("SELL with the hint", sell_hint(a, objs[0], h), CAIRN_OK))
		goto out;
	rc_is("the copy with the hint, the object free", sell_hint(a, objs[1], h), CAIRN_NOT_OWNER);
	if (!ok("buy it back", cairn_bank_buy_hinted(a, 1, 1, objs + 2, &h2)))
		goto out;
	if (h2 != h)
		printf("note: the buy took another page (%#" PRIx64 ", not %#" PRIx64 ")\n", h2, h);
	mark(objs[2], CAIRN_BANK_PAGE, 0x99);
	/* The same object (the usual case): the kernel finds the copy stale. */
	rc_is("the old copy with the hint", sell_hint(a, objs[1], h),
	      h2 == h ? CAIRN_VOID : CAIRN_NOT_OWNER);
	unchanged("the page bought back", objs[2], CAIRN_BANK_PAGE, 0x99);
	usage_is("after", a, 0, 1);
	rc_is("the new key with its hint", sell_hint(a, objs[2], h2), CAIRN_OK);
	usage_is("at the end", a, 0, 0);
out:
	drop_banks(a, 0, 0);
}
