/* SPDX-License-Identifier: MIT */
/*
 * The books' memory (docs/bank.md "The books' memory"). The books' record
 * arrays live in the bank's own address space far above its program, and
 * are mapped a page at a time as the books first touch them (the ensure
 * hook, bank.h), so a pool many times the guest's RAM costs record pages
 * only for the objects ever handed out.
 *
 * Address space. At its first start the bank puts its image-made space
 * (height 3: 128 MiB, the program and its stack) in slot 0 of a new
 * height-5 root node (32 slots of 4 GiB) and makes that its space. The
 * books get three regions, each starting on a 4 GiB boundary, so that no
 * tree node below the root is shared by two regions:
 *
 *   4 GiB                      bank table, BANK_CAPACITY records of 72 bytes
 *   8 GiB                      node records, 12 bytes per node of the pool
 *   8 GiB + nodes, 4 GiB up    page records, 12 bytes per page of the pool
 *
 * Each region is mapped contiguously from its start: `mapped` bytes are
 * there, nothing above. The books touch object records in offset order
 * (fresh objects are handed out in order) and bank records in id order
 * (ids only grow), so ensure only ever extends a region at its end, and
 * a tree node exists exactly when the region has mapped a page inside its
 * span: the walk needs no probing.
 *
 * Who pays. The object records and their tree nodes (and the first page
 * of the bank table, which holds the prime's record before any bank
 * exists) come from a reserve taken off the front of each range key: the
 * worst case, computed at init from the pool sizes (about 0.3% of the
 * pages, 1/32 of that in nodes), so the books never run out for them and
 * never re-enter the books from inside a buy. The bank sees the rest of
 * each range as its pool through a sub-range key (CAP_POOL_*), so a pool
 * offset is a sub-range offset. Later bank table pages, and their tree
 * nodes, are bought from the prime bank: every bank record is paid for,
 * the prime's usage shows them, and when the pools are empty a create
 * fails BANK_BOOKS with nothing changed.
 */
#include <inttypes.h>
#include <stdio.h>

#include <cairn/node.h>

#include "bank_domain.h"

#define PAGE_SIZE      4096ull
#define ROOT_HEIGHT    5u
#define REGION_ALIGN   (1ull << CAIRN_SPACE_SLOT_SHIFT(ROOT_HEIGHT)) /* 4 GiB */
#define TREE_MAX_NODES (ROOT_HEIGHT - 1u)                            /* new nodes a page can need */

enum books_region { REGION_BANKS, REGION_NODES, REGION_PAGES, REGIONS };

struct region {
	uint64_t base;   /* first address, REGION_ALIGN-aligned */
	uint64_t size;   /* bytes the books may use */
	uint64_t mapped; /* bytes mapped from base */
};

/* The books' own objects: offsets into CAP_OWN_NODES / CAP_OWN_PAGES. */
struct reserve {
	uint32_t next[BANK_POOLS];
	uint32_t count[BANK_POOLS];
};

struct bank_books bank_books;
static struct region regions[REGIONS];
static struct reserve reserve;

static uint64_t round_up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

/* Tree nodes below the root that `pages` pages mapped from a region start
 * need: one height-h node per 32^h pages, h = 1..4. */
static uint64_t tree_nodes(uint64_t pages)
{
	uint64_t n = 0, span = 1;
	for (unsigned h = 1; h < ROOT_HEIGHT; h++) {
		span *= CAIRN_NODE_SLOTS;
		n += (pages + span - 1) / span;
	}
	return n;
}

/* One object for the tree: from the reserve, or bought from the prime.
 * Its key goes to `into`. */
static bool take_own(uint32_t pool, cap_t into)
{
	if (reserve.next[pool] >= reserve.count[pool])
		return false;
	cap_t range = pool == BANK_POOL_NODE ? CAP_OWN_NODES : CAP_OWN_PAGES;
	if (cairn_range_make_key(range, reserve.next[pool], into) != CAIRN_OK)
		return false;
	reserve.next[pool]++;
	return true;
}

static bool make_pool_key(uint32_t pool, uint32_t offset, cap_t into)
{
	cap_t range = pool == BANK_POOL_NODE ? CAP_POOL_NODES : CAP_POOL_PAGES;
	return cairn_range_make_key(range, offset, into) == CAIRN_OK;
}

/* Objects bought from the prime for the next page of a region: up to
 * TREE_MAX_NODES nodes and one page, all or nothing. */
struct purchase {
	unsigned nodes;
	uint32_t node[TREE_MAX_NODES];
	uint32_t page;
};

static bool buy_for_books(struct purchase *p, unsigned nodes)
{
	uint32_t pools[TREE_MAX_NODES + 1], offs[TREE_MAX_NODES + 1];
	unsigned n = 0;
	pools[n++] = BANK_POOL_PAGE;
	for (unsigned i = 0; i < nodes; i++)
		pools[n++] = BANK_POOL_NODE;
	for (unsigned i = 0; i < n; i++) {
		if (bank_buy(&bank_books, BANK_PRIME, &pools[i], 1, &offs[i], NULL) == BANK_OK)
			continue;
		for (unsigned j = 0; j < i; j++) {
			struct bank_object o = { .pool = pools[j], .offset = offs[j] };
			bank_sell(&bank_books, BANK_PRIME, &o, 1); /* never keyed: nothing to
								      rescind */
		}
		return false;
	}
	p->page = offs[0];
	p->nodes = nodes;
	for (unsigned i = 0; i < nodes; i++)
		p->node[i] = offs[1 + i];
	return true;
}

/* A new tree node or page for region r's next page: the reserve's, or
 * the purchase's (the bank table past its first page). */
static bool next_object(struct purchase *p, uint32_t pool, cap_t into)
{
	if (p == NULL)
		return take_own(pool, into);
	if (pool == BANK_POOL_PAGE)
		return make_pool_key(pool, p->page, into);
	return make_pool_key(pool, p->node[--p->nodes], into);
}

/* Map a fresh page at va, the first address past region r's mapped part:
 * walk down from the root by NODE_GET where the tree already has a node,
 * and add a node (a space key of one height less, NX) where it has none. */
static bool map_page(uint64_t va, struct purchase *p)
{
	cap_t cur = CAP_ROOT;
	for (unsigned h = ROOT_HEIGHT; h > 1; h--) {
		unsigned shift = CAIRN_SPACE_SLOT_SHIFT(h);
		unsigned slot = (unsigned)(va >> shift) % CAIRN_NODE_SLOTS;
		cap_t next = cur == CAP_WALK_A ? CAP_WALK_B : CAP_WALK_A;
		bool exists = (va & ((1ull << shift) - 1)) != 0; /* not the span's first page */
		if (exists) {
			if (cairn_node_get(cur, slot, next) != CAIRN_OK)
				return false;
		} else {
			struct cairn_io io = { .w = { h - 1, CAIRN_RIGHT_NX },
					       .rkeys = { CAP_NEW } };
			if (!next_object(p, BANK_POOL_NODE, next) ||
			    cairn_inv_NODE_MAKE_SPACE(next, &io) != CAIRN_OK ||
			    cairn_node_swap(cur, slot, CAP_NEW, CAIRN_CAP_VOID) != CAIRN_OK)
				return false;
		}
		cur = next;
	}
	unsigned slot = (unsigned)(va >> CAIRN_SPACE_SLOT_SHIFT(1)) % CAIRN_NODE_SLOTS;
	return next_object(p, BANK_POOL_PAGE, CAP_NEW) &&
	       cairn_node_swap(cur, slot, CAP_NEW, CAIRN_CAP_VOID) == CAIRN_OK;
}

/* New nodes the page at va needs: one per level where va starts a span. */
static unsigned nodes_needed(uint64_t va)
{
	unsigned n = 0;
	for (unsigned h = ROOT_HEIGHT; h > 1; h--)
		n += (va & ((1ull << CAIRN_SPACE_SLOT_SHIFT(h)) - 1)) == 0;
	return n;
}

static bool extend(struct region *r)
{
	uint64_t va = r->base + r->mapped;
	struct purchase bought, *p = NULL;
	if (r == &regions[REGION_BANKS] && r->mapped != 0) {
		if (!buy_for_books(&bought, nodes_needed(va)))
			return false;
		p = &bought;
	}
	if (!map_page(va, p))
		return false; /* only a kernel refusal (IO) gets here */
	r->mapped += PAGE_SIZE;
	return true;
}

/* The books' ensure hook (bank.h): [addr, addr + len) mapped. */
static bool books_ensure(void *ctx, void *addr, size_t len)
{
	(void)ctx;
	uint64_t a = (uintptr_t)addr;
	for (unsigned i = 0; i < REGIONS; i++) {
		struct region *r = &regions[i];
		if (a < r->base || a + len > r->base + r->size)
			continue;
		while (r->base + r->mapped < a + len) {
			if (!extend(r))
				return false;
		}
		return true;
	}
	return false;
}

static bool sub_range(cap_t range, uint64_t first, uint64_t count, cap_t into)
{
	struct cairn_io io = { .w = { first, count }, .rkeys = { into } };
	return cairn_inv_RANGE_SUB(range, &io) == CAIRN_OK;
}

/* The new height-5 root over the image's space (see the top). */
static bool grow_space(void)
{
	struct cairn_io io = { .w = { ROOT_HEIGHT, 0 }, .rkeys = { CAP_NEW } };
	return take_own(BANK_POOL_NODE, CAP_ROOT) &&
	       cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SCRATCH) == CAIRN_OK &&
	       cairn_node_swap(CAP_ROOT, 0, CAP_SCRATCH, CAIRN_CAP_VOID) == CAIRN_OK &&
	       cairn_inv_NODE_MAKE_SPACE(CAP_ROOT, &io) == CAIRN_OK &&
	       cairn_domain_swap_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_NEW, CAIRN_CAP_VOID) ==
		       CAIRN_OK;
}

bool books_mem_init(void)
{
	struct cairn_range_info ni, pi;
	if (cairn_range_info(CAP_RANGE_NODES, &ni) != CAIRN_OK || ni.kind != CAIRN_RANGE_NODES ||
	    cairn_range_info(CAP_RANGE_PAGES, &pi) != CAIRN_OK || pi.kind != CAIRN_RANGE_PAGES) {
		printf("no range keys in registers 3 and 4: serving nothing\n");
		return false;
	}
	uint64_t node_rec_pages =
		round_up(ni.count * sizeof(struct bank_obj), PAGE_SIZE) / PAGE_SIZE;
	uint64_t page_rec_pages =
		round_up(pi.count * sizeof(struct bank_obj), PAGE_SIZE) / PAGE_SIZE;
	uint64_t own_pages = node_rec_pages + page_rec_pages + 1;
	uint64_t own_nodes =
		1 + tree_nodes(node_rec_pages) + tree_nodes(page_rec_pages) + tree_nodes(1);
	if (own_nodes >= ni.count || own_pages >= pi.count) {
		printf("pools too small for the books (%" PRIu64 " nodes, %" PRIu64 " pages)\n",
		       ni.count, pi.count);
		return false;
	}
	reserve.count[BANK_POOL_NODE] = (uint32_t)own_nodes;
	reserve.count[BANK_POOL_PAGE] = (uint32_t)own_pages;
	uint32_t nodes = (uint32_t)(ni.count - own_nodes), pages = (uint32_t)(pi.count - own_pages);
	if (!sub_range(CAP_RANGE_NODES, 0, own_nodes, CAP_OWN_NODES) ||
	    !sub_range(CAP_RANGE_PAGES, 0, own_pages, CAP_OWN_PAGES) ||
	    !sub_range(CAP_RANGE_NODES, own_nodes, nodes, CAP_POOL_NODES) ||
	    !sub_range(CAP_RANGE_PAGES, own_pages, pages, CAP_POOL_PAGES) || !grow_space()) {
		printf("could not set up the books' memory\n");
		return false;
	}
	uint64_t node_bytes = (uint64_t)nodes * sizeof(struct bank_obj);
	regions[REGION_BANKS] = (struct region){
		.base = REGION_ALIGN,
		.size = (uint64_t)BANK_CAPACITY * sizeof(struct bank_rec),
	};
	regions[REGION_NODES] = (struct region){ .base = 2 * REGION_ALIGN, .size = node_bytes };
	regions[REGION_PAGES] = (struct region){
		.base = 2 * REGION_ALIGN + round_up(node_bytes, REGION_ALIGN),
		.size = (uint64_t)pages * sizeof(struct bank_obj),
	};
	const struct bank_books_config cfg = {
		.objs = { (struct bank_obj *)(uintptr_t)regions[REGION_NODES].base,
			  (struct bank_obj *)(uintptr_t)regions[REGION_PAGES].base },
		.count = { nodes, pages },
		.banks = (struct bank_rec *)(uintptr_t)regions[REGION_BANKS].base,
		.bank_capacity = BANK_CAPACITY,
		.ensure = books_ensure,
	};
	enum bank_err err = bank_books_init(&bank_books, &cfg);
	if (err != BANK_OK) {
		printf("books: %s\n", bank_err_name(err));
		return false;
	}
	return true;
}
