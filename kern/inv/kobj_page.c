/* SPDX-License-Identifier: MIT */
/*
 * Page keys: read, write, zero, weaken. A read-only key (RO) allows
 * reading only.
 */
#include <string.h>
#include "inv/invoke.h"
#include "dom/proc.h"
#include "mem/node.h"

static void page_write_commit(struct kop *op)
{
	ustring_copy_out(&op->ustr, page_at(op->oid) + op->arg[0]);
}

static void page_zero_commit(struct kop *op)
{
	memset(page_at(op->oid), 0, 4096);
}

void kobj_page(struct invocation *inv, struct kop *op)
{
	uint64_t oid = key_oid(&inv->target);
	bool writable = key_allows_write(inv->target.b);
	uint64_t off = inv->w[0], len = inv->w[1];
	op->oid = oid;
	switch (inv->order) {
	case CAIRN_OC_PAGE_READ:
		if (off > 4096 || len > 4096 - off) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		page_pin(oid);
		op->reply.str = page_at(oid) + off;
		op->reply.len = (uint32_t)len;
		break;
	case CAIRN_OC_PAGE_WRITE: {
		if (!writable) {
			op->reply.code = CAIRN_NO_RIGHTS;
			return;
		}
		if (off > 4096 || inv->str_len > 4096 - off) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		uint64_t st = ustring_resolve(inv->p, inv->str_va, inv->str_len, &op->ustr);
		if (st != CAIRN_OK) {
			op->reply.code = st;
			return;
		}
		page_prepare_write(oid);
		op->arg[0] = off;
		op->commit = page_write_commit;
		break;
	}
	case CAIRN_OC_PAGE_ZERO:
		if (!writable) {
			op->reply.code = CAIRN_NO_RIGHTS;
			return;
		}
		page_prepare_write(oid);
		op->commit = page_zero_commit;
		break;
	case CAIRN_OC_PAGE_WEAKEN:
		op->reply.keys[0] = inv->target;
		key_restrict(op->reply.keys[0].b, CAIRN_RIGHT_RO);
		break;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
