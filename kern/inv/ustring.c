/* SPDX-License-Identifier: MIT */
/*
 * Strings in a domain's address space; see ustring.h.
 */
#include <string.h>
#include <cairn/keytab.h>
#include "inv/ustring.h"
#include "dom/aspace.h"
#include "hw/memlayout.h"
#include "mem/node.h"

uint64_t ustring_resolve(struct proc *p, uint64_t va, uint32_t len, struct ustring *s)
{
	s->va = va;
	s->len = len;
	s->npages = 0;
	if (len == 0)
		return CAIRN_OK;
	if (len > CAIRN_MAX_STRING)
		return CAIRN_STRING_TOO_LONG;
	if (va >= USER_VA_TOP || va + len > USER_VA_TOP)
		return CAIRN_BAD_STRING;
	for (uint64_t page = va & ~4095ULL; page < va + len; page += 4096) {
		struct aspace_walk w;
		if (aspace_lookup(p, page < va ? va : page, ACCESS_READ, &w) != 0)
			return CAIRN_BAD_STRING;
		s->page_oid[s->npages++] = w.page_oid;
	}
	return CAIRN_OK;
}

uint8_t *ustring_byte(const struct ustring *s, uint32_t off, uint32_t *left_in_page)
{
	uint64_t va = s->va + off;
	unsigned page = (unsigned)((va >> 12) - (s->va >> 12));
	*left_in_page = (uint32_t)(4096 - (va & 4095));
	return page_at(s->page_oid[page]) + (va & 4095);
}

void ustring_copy_out(const struct ustring *s, uint8_t *dst)
{
	uint32_t off = 0;
	while (off < s->len) {
		uint32_t left;
		const uint8_t *src = ustring_byte(s, off, &left);
		uint32_t n = s->len - off < left ? s->len - off : left;
		ustring_move(dst + off, src, n); /* a page may be written from itself */
		off += n;
	}
}
