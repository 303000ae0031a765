/* SPDX-License-Identifier: MIT */
/*
 * Strings in a domain's address space: the send string of an invocation
 * (cairn/abi.h, t0/t1). ustring_resolve() runs in the prepare phase and
 * looks up every page behind the string (it may fault them in, or fail
 * with a named result); after commit the string is read through those
 * page OIDs only, which cannot fault (the pages were pinned by the
 * lookup for this kernel entry, mem/objcache.h).
 */
#ifndef CAIRN_KERN_INV_USTRING_H
#define CAIRN_KERN_INV_USTRING_H

#include <stdint.h>
#include <string.h>
#include <cairn/abi.h>

struct proc;

#define USTR_MAX_PAGES (CAIRN_MAX_STRING / 4096 + 1)
struct ustring {
	uint64_t va;
	uint32_t len;
	unsigned npages;
	uint64_t page_oid[USTR_MAX_PAGES];
};

/* Copy n bytes that may overlap (a page read into or written from
 * itself). picolibc's memmove copies a word at a time only when both
 * addresses are 8-byte aligned, its memcpy whenever they are equal modulo
 * 8, and a frame two bytes into a network buffer is the common case
 * (docs/benchmarks.md "The stacks"): so memcpy unless they overlap. */
static inline void ustring_move(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	if (dst + n <= src || src + n <= dst)
		memcpy(dst, src, n);
	else
		memmove(dst, src, n);
}

/* Prepare: resolve p's string at va: CAIRN_OK, STRING_TOO_LONG or BAD_STRING. */
uint64_t ustring_resolve(struct proc *p, uint64_t va, uint32_t len, struct ustring *s);

/* Commit-safe: the byte at offset off, and how many follow it in its page. */
uint8_t *ustring_byte(const struct ustring *s, uint32_t off, uint32_t *left_in_page);

/* Commit-safe: copy the whole string into kernel memory at dst. */
void ustring_copy_out(const struct ustring *s, uint8_t *dst);

#endif
