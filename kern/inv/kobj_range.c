/* SPDX-License-Identifier: MIT */
/*
 * Range keys: the right to make keys to, and rescind, the objects of a
 * range of OIDs. Only the space bank should hold one (docs/design.md invariant
 * 6). Rescinding bumps the object's allocation count (and a node's call
 * count), so every outstanding key to it turns void, and zeroes it; a
 * page whose frame a DMA key pins gets a fresh frame, and the old one stays
 * the device's until it is unpinned (mem/objcache.h).
 * IDENTIFY_KEYS names the objects of up to three keys at once, each in the
 * invoked range or a second one sent with it (the bank's SELL: one call
 * for a batch of nodes and pages, docs/bank.md "Buying and selling").
 * MAKE_KEY and MAKE_KEYS also name each object in their reply words
 * (CAIRN_RANGE_WORD), so that the bank's client can give it back as a
 * SELL's hint; RESCIND_IF_KEY (RESCIND_IF_KEYS for a batch) rescinds the
 * object a hint names only if the key sent with it is a live key to
 * exactly that object (the type IDENTIFY accepts, the OID, the current
 * count), so that a wrong hint never rescinds anything.
 */
#include "inv/invoke.h"
#include "dom/proc.h"
#include "dom/aspace.h"
#include "mem/node.h"
#include "mem/objcache.h"

/* 4 KiB of zeros, 16 doubleword stores a round: about 580 instructions,
 * where picolibc's memset stores two a round (about 1,030). The empty asm
 * keeps GCC from turning the loop back into a memset call. */
static void zero_page(uint64_t *p)
{
	for (uint64_t *end = p + 4096 / sizeof(*p); p < end; p += 16) {
		__asm__ volatile("" : : "r"(p) : "memory");
		p[0] = p[1] = p[2] = p[3] = p[4] = p[5] = p[6] = p[7] = 0;
		p[8] = p[9] = p[10] = p[11] = p[12] = p[13] = p[14] = p[15] = 0;
	}
}

/* Commit the rescind of one object. A page's old keys' mappings go; a
 * frame a DMA key pins stays the device's: the object moves to a fresh
 * frame (prepare made one free), so the device never writes into the
 * page's next owner's memory (docs/invocations.md "DMA"). A page known to
 * be zero is left as it is. */
static void rescind_one(const struct kop_obj *o)
{
	if (!o->page) {
		node_rescind_bytes((uint8_t *)node_at(o->oid));
		kobj_node_changed(o->oid); /* a domain rooted here stops; its callers retry */
		return;
	}
	struct frame *f = o->frame;
	aspace_unmap_frame(f);
	(*page_tag_at(o->oid))++;
	if (o->zero)
		return;
	if (f->dma_pins)
		f = obj_dma_detach(f);
	zero_page((uint64_t *)page_at(o->oid));
	f->obj_flags |= OBJF_ZERO;
}

static void rescind_commit(struct kop *op)
{
	for (unsigned i = 0; i < op->nobjs; i++)
		rescind_one(&op->objs[i]);
}

/* Prepare the rescind of object o (oid and kind set), and if `must` is not
 * NULL refuse it (VOID) unless that key, of a type and OID already found
 * to be o's, is live (its count is o's); counts in *dma the
 * pages whose frame a DMA key pins (each needs a fresh frame). A page
 * RESCIND zeroed before and nobody has written since (OBJF_ZERO,
 * objcache.h) is zero on the volume or in this epoch's dirty set already:
 * its content is left alone, so a page bought and sold back untouched
 * costs no zeroing and no log space. */
static uint64_t rescind_prepare(struct invocation *inv, struct kop_obj *o, unsigned *dma,
				const struct key *must)
{
	if (!o->page) {
		if (must && key_check(must) == CAIRN_KEY_VOID)
			return CAIRN_VOID;
		uint64_t st = kobj_node_access(inv, o->oid, true);
		if (st != CAIRN_OK)
			return st;
		node_prepare_write(o->oid);
		aspace_node_changing(o->oid);
		return CAIRN_OK;
	}
	page_tag_prepare_write(o->oid);
	if (must && key_count(must) != *page_tag_at(o->oid))
		return CAIRN_VOID; /* key_check's test, on the tag just made resident */
	struct frame *f = obj_pin_resident(OBJ_PAGE, o->oid);
	o->zero = f && (f->obj_flags & OBJF_ZERO) && !f->dma_pins;
	if (!o->zero) {
		f = page_prepare_write(o->oid);
		*dma += f->dma_pins != 0;
	}
	o->frame = f;
	return CAIRN_OK;
}

/* A range of OIDs of one pool: a range key's target. */
struct range {
	uint64_t first, count;
	bool pages;
};

static struct range range_of(const struct key *k)
{
	return (struct range){ .first = key_oid(k),
			       .count = key_count(k),
			       .pages = key_badge(k) == CAIRN_RANGE_PAGES };
}

/* Whether k designates an object of r (node, space and domain keys count
 * for a node range); if so its offset in r. */
static bool range_holds(const struct range *r, const struct key *k, uint64_t *off)
{
	uint8_t t = key_type(k);
	bool ok = r->pages ? t == CAIRN_KEY_PAGE
			   : (t == CAIRN_KEY_NODE || t == CAIRN_KEY_SPACE || t == CAIRN_KEY_DOMAIN);
	if (!ok || key_oid(k) < r->first || key_oid(k) - r->first >= r->count)
		return false;
	*off = key_oid(k) - r->first;
	return true;
}

/* RESCIND_IF_KEY's first test, on a key sent, read in place: CAIRN_OK if
 * it is of a type that designates object o (a page key for a page; node,
 * space or domain for a node, as IDENTIFY accepts) and names o's OID; VOID
 * for a void key; WRONG_OBJECT for anything else. Whether it is live (its
 * count the object's: key_check's test) is checked once the object is
 * prepared (rescind_prepare's `must`), so that its tag or node is looked
 * up once. */
static uint64_t key_is_object(const struct key *k, const struct kop_obj *o)
{
	uint8_t t = key_type(k);
	if (t == CAIRN_KEY_VOID)
		return CAIRN_VOID;
	bool type_ok =
		o->page ? t == CAIRN_KEY_PAGE
			: (t == CAIRN_KEY_NODE || t == CAIRN_KEY_SPACE || t == CAIRN_KEY_DOMAIN);
	if (!type_ok || key_oid(k) != o->oid)
		return CAIRN_WRONG_OBJECT;
	return CAIRN_OK;
}

/* IDENTIFY_KEYS: w0 = n keys k0..k(n-1), k3 a second range key or none. */
static void identify_keys(struct invocation *inv, struct kop *op, const struct range *self)
{
	uint64_t n = inv->w[0];
	if (n < 1 || n > CAIRN_MAX_KEYS - 1) {
		op->reply.code = CAIRN_BAD_ARGUMENT;
		return;
	}
	struct key k;
	invoke_send_key(inv, CAIRN_MAX_KEYS - 1, &k);
	bool two = key_type(&k) == CAIRN_KEY_RANGE;
	struct range other = two ? range_of(&k) : (struct range){ 0 };
	for (unsigned i = 0; i < n; i++) {
		uint64_t off;
		invoke_send_key(inv, i, &k);
		if (range_holds(self, &k, &off)) {
			op->reply.w[i] = (uint64_t)self->pages << 32 | off;
		} else if (two && range_holds(&other, &k, &off)) {
			op->reply.w[i] = (uint64_t)other.pages << 32 | off;
		} else {
			op->reply.code = CAIRN_BAD_KEY;
			op->reply.w[0] = i;
			op->reply.w[1] = key_type(&k);
			op->reply.w[2] = op->reply.w[3] = 0;
			return;
		}
	}
}

/* The objects of a batch order: w0 = n (1..3), w1..wn = kind << 32 |
 * offset (kind CAIRN_RANGE_NODES or _PAGES), each in whichever of the
 * invoked range and a second range key sent in other_slot (k0, or k3 for
 * RESCIND_IF_KEYS, whose k0..k2 are the keys) is of its kind. False,
 * with BAD_ARGUMENT, for a count, kind or offset either range refuses. */
static bool batch_objects(struct invocation *inv, struct kop *op, const struct range *self,
			  unsigned other_slot)
{
	uint64_t n = inv->w[0];
	if (n < 1 || n > CAIRN_MAX_KEYS - 1) {
		op->reply.code = CAIRN_BAD_ARGUMENT;
		return false;
	}
	struct range other = { 0 };
	bool two = false, looked = false; /* k0 is read only if an object needs it */
	for (unsigned i = 0; i < n; i++) {
		uint64_t kind = inv->w[1 + i] >> 32, off = (uint32_t)inv->w[1 + i];
		if (kind != self->pages && !looked) {
			struct key k;
			invoke_send_key(inv, other_slot, &k);
			two = key_type(&k) == CAIRN_KEY_RANGE;
			if (two)
				other = range_of(&k);
			looked = true;
		}
		const struct range *r = kind == self->pages          ? self
					: two && kind == other.pages ? &other
								     : NULL;
		if (kind > CAIRN_RANGE_PAGES || !r || off >= r->count) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			op->reply.w[0] = i;
			return false;
		}
		op->objs[i] = (struct kop_obj){ .oid = r->first + off, .page = r->pages };
	}
	op->nobjs = (unsigned)n;
	return true;
}

static bool batch_has_node(const struct kop *op)
{
	for (unsigned i = 0; i < op->nobjs; i++)
		if (!op->objs[i].page)
			return true;
	return false;
}

/* MAKE_KEY's key for each object of the batch, into r0..r(n-1). */
static void make_keys(struct kop *op)
{
	for (unsigned i = 0; i < op->nobjs; i++) {
		uint64_t oid = op->objs[i].oid;
		uint32_t count;
		if (op->objs[i].page) {
			page_tag_pin(oid);
			count = *page_tag_at(oid);
		} else {
			node_pin(oid);
			count = node_at(oid)->alloc_count;
		}
		uint8_t type = op->objs[i].page ? CAIRN_KEY_PAGE : CAIRN_KEY_NODE;
		key_set_words(&op->reply.keys[i], key_word0(type, 0, 0, count), oid);
	}
}

/* Prepare the rescind of op->objs (all of them, or none: a refusal leaves
 * every key working); must[i], if must is not NULL, as rescind_prepare's
 * `must` for object i. */
static void rescind_objects(struct invocation *inv, struct kop *op, const struct key *const *must)
{
	unsigned dma = 0;
	for (unsigned i = 0; i < op->nobjs; i++) {
		uint64_t st = rescind_prepare(inv, &op->objs[i], &dma, must ? must[i] : NULL);
		if (st != CAIRN_OK) {
			op->reply.code = st;
			op->reply.w[0] = i; /* which object refused */
			return;
		}
	}
	if (dma)
		kframe_reserve(dma); /* the new frames of pinned pages */
	op->commit = rescind_commit;
}

/* RESCIND_IF_KEY(S): rescind op->objs only if key ki, sent in k0..k(n-1),
 * is a live key to object i, for every i; else nothing changes, and the
 * reply names the first object refused (w0) and why (VOID, WRONG_OBJECT). */
static void rescind_if_keys(struct invocation *inv, struct kop *op)
{
	const struct key *keys[CAIRN_MAX_KEYS - 1];
	for (unsigned i = 0; i < op->nobjs; i++) {
		keys[i] = invoke_cap(inv->p, cairn_slots_send(inv->slots, i));
		op->reply.code = key_is_object(keys[i], &op->objs[i]);
		if (op->reply.code != CAIRN_OK) {
			op->reply.w[0] = i; /* nothing rescinded: every key and object as it was */
			return;
		}
	}
	rescind_objects(inv, op, keys);
}

void kobj_range(struct invocation *inv, struct kop *op)
{
	const struct range self = range_of(&inv->target);
	uint64_t first = self.first, count = self.count;
	bool pages = self.pages;
	uint64_t off = inv->w[0];
	uint64_t oid = first + off;
	op->oid = oid;
	/* Every order but a node RESCIND changes no node (below): a RETURN may
	 * hand its reply on (invoke.c kernel_reply_onward). */
	op->reply_onward_ok = pages || inv->order != CAIRN_OC_RANGE_RESCIND;
	switch (inv->order) {
	case CAIRN_OC_RANGE_INFO:
		op->reply.w[0] = first;
		op->reply.w[1] = count;
		op->reply.w[2] = pages ? CAIRN_RANGE_PAGES : CAIRN_RANGE_NODES;
		return;
	case CAIRN_OC_RANGE_MAKE_KEY:
		if (off >= count) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		/* key_make_object's layout, as two words (key.h key_word0) */
		if (pages) {
			page_tag_pin(oid);
			key_set_words(&op->reply.keys[0],
				      key_word0(CAIRN_KEY_PAGE, 0, 0, *page_tag_at(oid)), oid);
		} else {
			node_pin(oid);
			key_set_words(&op->reply.keys[0],
				      key_word0(CAIRN_KEY_NODE, 0, 0, node_at(oid)->alloc_count),
				      oid);
		}
		op->reply.w[0] = CAIRN_RANGE_WORD(pages, off); /* a SELL's hint (docs/bank.md) */
		return;
	case CAIRN_OC_RANGE_RESCIND:
		if (off >= count) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		op->objs[0] = (struct kop_obj){ .oid = oid, .page = pages };
		op->nobjs = 1;
		rescind_objects(inv, op, NULL);
		return;
	case CAIRN_OC_RANGE_RESCIND_IF_KEY:
		if (off >= count) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		{
			/* rescind_if_keys for one key, without its loop and array (about
			 * 40 instructions of the hinted page sell) */
			const struct key *k = invoke_cap(inv->p, cairn_slots_send(inv->slots, 0));
			op->objs[0] = (struct kop_obj){ .oid = oid, .page = pages };
			op->nobjs = 1;
			op->reply.code = key_is_object(k, &op->objs[0]);
			if (op->reply.code == CAIRN_OK)
				rescind_objects(inv, op, &k);
			return;
		}
	case CAIRN_OC_RANGE_SUB:
		if (off > count || inv->w[1] > count - off) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		key_make_range(op->reply.keys[0].b, oid, (uint32_t)inv->w[1],
			       pages ? CAIRN_RANGE_PAGES : CAIRN_RANGE_NODES);
		return;
	case CAIRN_OC_RANGE_IDENTIFY: {
		struct key k;
		invoke_send_key(inv, 0, &k);
		if (!range_holds(&self, &k, &op->reply.w[0]))
			op->reply.code = CAIRN_BAD_KEY;
		return;
	}
	case CAIRN_OC_RANGE_IDENTIFY_KEYS:
		identify_keys(inv, op, &self);
		return;
	case CAIRN_OC_RANGE_MAKE_KEYS:
		if (batch_objects(inv, op, &self, 0)) {
			make_keys(op);
			for (unsigned i = 0; i < op->nobjs; i++) /* as checked: each names its
								    object */
				op->reply.w[i] = CAIRN_RANGE_NAMED | inv->w[1 + i];
		}
		return;
	case CAIRN_OC_RANGE_RESCIND_IF_KEYS:
		if (batch_objects(inv, op, &self, CAIRN_MAX_KEYS - 1))
			rescind_if_keys(inv, op);
		op->reply_onward_ok = op->reply.code != CAIRN_OK || !batch_has_node(op);
		return;
	case CAIRN_OC_RANGE_RESCIND_MANY:
		if (batch_objects(inv, op, &self, 0))
			rescind_objects(inv, op, NULL);
		op->reply_onward_ok = op->reply.code != CAIRN_OK || !batch_has_node(op);
		return;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
