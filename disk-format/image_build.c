/* SPDX-License-Identifier: MIT */
/*
 * The image builder: see image_build.h. The order in which OIDs are
 * handed out (docs/image-format.md, "OID order") is the order of the code
 * below:
 *
 *   nodes: the boot nodes; then per domain, in definition order: root,
 *          register node, FP node, capability node, the space-keeper
 *          wrapper (if any), the height-3 space node, the height-2 and
 *          height-1 nodes in address order (each height-2 node before the
 *          height-1 nodes below it), then the `node` caps in slot order;
 *   pages: per domain, in definition order: its pages in address order
 *          (program, heap, stack), then the `page` caps in slot order.
 *          A read-only program page is shared by every domain running
 *          that program: it gets its OID where the first such domain
 *          maps it.
 *
 * Invariant: both runs (counting and filling) take exactly the same path,
 * so they hand out exactly the same OIDs; the filling run checks that.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/key.h"
#include "cairn/keytab.h"
#include "cairn/node.h"
#include "format_args.h"
#include "image_build.h"

#define SPACE_SLOTS CAIRN_NODE_SLOTS

struct builder {
	const struct image_desc *desc;
	const struct image_elf *elves;
	const struct cairn_superblock *sb;
	bool filling; /* second run: write the pots */
	uint64_t next_node, next_page;
	uint64_t image_nodes, image_pages; /* totals of the first run */
	uint64_t *root_oids;               /* per domain: set by the first run */
	uint64_t **shared;                 /* per program, per page: shared RO page OID */
	uint8_t *pots;                     /* filling */
	const uint8_t **page_data;         /* filling: per page OID, NULL for zero */
	uint8_t scratch[CAIRN_NODE_SIZE];  /* where the counting run writes */
	/* The space tree of the domain being built. */
	uint64_t h3;
	uint64_t h2[SPACE_SLOTS];
	uint64_t h1[SPACE_SLOTS * SPACE_SLOTS];
	char *err;
	size_t errlen;
};

static int fail_line(struct builder *b, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: message", or "FILE: message" for line 0. */
static int fail_line(struct builder *b, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = line ? snprintf(b->err, b->errlen, "%s:%u: ", b->desc->file, line)
		     : snprintf(b->err, b->errlen, "%s: ", b->desc->file);

	if (n >= 0 && (size_t)n < b->errlen) {
		va_start(ap, fmt);
		vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return FORMAT_EXIT_FAILURE;
}

static uint64_t new_node(struct builder *b)
{
	return b->next_node++;
}

static uint64_t new_page(struct builder *b, const uint8_t *data)
{
	uint64_t oid = b->next_page++;
	if (b->filling)
		b->page_data[oid] = data;
	return oid;
}

/* Key slot s of node oid (the scratch node while counting). */
static uint8_t *slot(struct builder *b, uint64_t oid, unsigned s)
{
	uint8_t *node = b->scratch;
	if (b->filling)
		node = b->pots + cairn_node_pot_number(oid) * CAIRN_NODE_POT_SIZE +
		       cairn_node_pot_offset(oid);
	return cairn_node_slot(node, s);
}

/* Keys to objects carry the object's allocation count: 0 on a new volume. */
static void put_key(uint8_t *s, uint8_t type, uint8_t rights, uint16_t badge, uint64_t oid)
{
	cairn_key_clear(s);
	cairn_key_set_type(s, type);
	cairn_key_set_rights(s, rights);
	cairn_key_set_badge(s, badge);
	cairn_key_set_alloc_count(s, 0);
	cairn_key_set_oid(s, oid);
}

static void put_number(uint8_t *s, uint64_t low)
{
	cairn_key_clear(s);
	cairn_key_set_type(s, CAIRN_KEY_NUMBER);
	cairn_key_number_set_value(s, low, 0);
}

static void put_service(uint8_t *s, uint8_t type)
{
	cairn_key_clear(s);
	cairn_key_set_type(s, type);
}

/* Range keys keep their COUNT in the allocation count field. */
static void put_range(uint8_t *s, bool pages, uint64_t first, uint32_t count)
{
	put_key(s, CAIRN_KEY_RANGE, 0, pages ? CAIRN_RANGE_PAGES : CAIRN_RANGE_NODES, first);
	cairn_key_set_alloc_count(s, count);
}

/* Map page oid at va in the current domain's tree, making the height-2
 * and height-1 nodes on the way when they are first needed. */
static void map_page(struct builder *b, uint64_t va, uint64_t page, uint8_t rights)
{
	unsigned i3 = (unsigned)(va >> CAIRN_SPACE_SLOT_SHIFT(3)) % SPACE_SLOTS;
	unsigned i2 = (unsigned)(va >> CAIRN_SPACE_SLOT_SHIFT(2)) % SPACE_SLOTS;
	unsigned i1 = (unsigned)(va >> CAIRN_SPACE_SLOT_SHIFT(1)) % SPACE_SLOTS;
	unsigned k = i3 * SPACE_SLOTS + i2;

	if (b->h2[i3] == CAIRN_OID_NONE) {
		b->h2[i3] = new_node(b);
		put_key(slot(b, b->h3, i3), CAIRN_KEY_SPACE, 0, 2, b->h2[i3]);
	}
	if (b->h1[k] == CAIRN_OID_NONE) {
		b->h1[k] = new_node(b);
		put_key(slot(b, b->h2[i3], i2), CAIRN_KEY_SPACE, 0, 1, b->h1[k]);
	}
	put_key(slot(b, b->h1[k], i1), CAIRN_KEY_PAGE, rights, 0, page);
}

/* The address space: program pages, heap, stack, in address order. */
static void build_space(struct builder *b, const struct image_domain *dom)
{
	const struct image_elf *elf = &b->elves[dom->program];
	uint64_t *shared = b->shared[dom->program];

	b->h3 = new_node(b);
	for (unsigned i = 0; i < SPACE_SLOTS; i++)
		b->h2[i] = CAIRN_OID_NONE;
	for (unsigned i = 0; i < SPACE_SLOTS * SPACE_SLOTS; i++)
		b->h1[i] = CAIRN_OID_NONE;
	for (size_t i = 0; i < elf->npages; i++) {
		const struct image_page *pg = &elf->pages[i];
		uint64_t oid;
		if (pg->rights & CAIRN_RIGHT_RO) {
			if (shared[i] == CAIRN_OID_NONE)
				shared[i] = new_page(b, pg->data);
			oid = shared[i];
		} else {
			oid = new_page(b, pg->data);
		}
		map_page(b, pg->va, oid, pg->rights);
	}
	for (uint64_t va = elf->end; va < elf->end + dom->heap; va += IMAGE_PAGE_SIZE)
		map_page(b, va, new_page(b, NULL), CAIRN_RIGHT_NX);
	for (uint64_t va = IMAGE_SPACE_TOP - dom->stack; va < IMAGE_SPACE_TOP;
	     va += IMAGE_PAGE_SIZE)
		map_page(b, va, new_page(b, NULL), CAIRN_RIGHT_NX);
}

/* A key the description makes of its type alone (cap_syntax[] in
 * image_desc.c gives it no words): a key to a fresh node or page of its
 * own if the type has an object, else the type and zeros. */
static void build_plain_cap(struct builder *b, uint8_t type, uint8_t *s)
{
	switch (cairn_keytab_object(type)) {
	case CAIRN_OBJECT_NONE:
		put_service(s, type);
		break;
	case CAIRN_OBJECT_PAGE:
		put_key(s, type, 0, 0, new_page(b, NULL));
		break;
	case CAIRN_OBJECT_NODE:
	case CAIRN_OBJECT_NODE_CALL:
		put_key(s, type, 0, 0, new_node(b));
		break;
	}
}

static int build_range_cap(struct builder *b, const struct image_cap *c, uint8_t *s)
{
	const struct cairn_superblock *sb = b->sb;
	uint64_t pool = c->range_pages ? sb->page_count : sb->node_count;
	const char *what = c->range_pages ? "pages" : "nodes";

	if (c->range_explicit) {
		if (c->value > pool || c->count > pool - c->value)
			return fail_line(b, c->line,
					 "range %s %llu %llu is outside the volume's %llu %s", what,
					 (unsigned long long)c->value, (unsigned long long)c->count,
					 (unsigned long long)pool, what);
		put_range(s, c->range_pages, c->value, (uint32_t)c->count);
		return FORMAT_EXIT_OK;
	}
	/* Every OID the image does not use; the first run does not know the
	 * totals yet, but writes only to scratch. */
	uint64_t used = c->range_pages ? b->image_pages : b->image_nodes;
	uint64_t count = pool >= used ? pool - used : 0;
	put_range(s, c->range_pages, used, count > UINT32_MAX ? UINT32_MAX : (uint32_t)count);
	return FORMAT_EXIT_OK;
}

static int build_cap(struct builder *b, const struct image_cap *c, uint8_t *s)
{
	switch (c->type) {
	case CAIRN_KEY_VOID:
		break;
	case CAIRN_KEY_CONSOLE:
		put_service(s, CAIRN_KEY_CONSOLE);
		cairn_key_set_label(s, c->label, strlen(c->label));
		break;
	case CAIRN_KEY_NUMBER:
		put_number(s, c->value);
		break;
	case CAIRN_KEY_START:
		put_key(s, CAIRN_KEY_START, 0, c->badge, b->root_oids[c->target]);
		break;
	case CAIRN_KEY_DOMAIN:
		put_key(s, CAIRN_KEY_DOMAIN, 0, 0, b->root_oids[c->target]);
		break;
	case CAIRN_KEY_RANGE:
		return build_range_cap(b, c, s);
	case CAIRN_KEY_DEVICE:
		put_service(s, CAIRN_KEY_DEVICE);
		cairn_key_set_badge(s, (uint16_t)c->value);
		cairn_key_set_alloc_count(s, (uint32_t)c->count); /* bytes 4..7: the instance */
		break;
	default: /* sleep, discrim, checkpoint, node, page */
		build_plain_cap(b, c->type, s);
		break;
	}
	return FORMAT_EXIT_OK;
}

static int build_domain(struct builder *b, size_t d)
{
	const struct image_domain *dom = &b->desc->domains[d];
	const struct image_elf *elf = &b->elves[dom->program];
	uint64_t root = new_node(b), regs = new_node(b), fprs = new_node(b), caps = new_node(b);
	uint64_t wrapper = CAIRN_OID_NONE;
	uint8_t name[CAIRN_KEY_NUMBER_LEN] = { 0 };

	if (!b->filling)
		b->root_oids[d] = root;
	else if (b->root_oids[d] != root)
		return fail_line(b, dom->line, "internal error: root OID moved");
	if (dom->space_keeper != IMAGE_NO_INDEX)
		wrapper = new_node(b);
	build_space(b, dom);

	/* The root (cairn/abi.h, CAIRN_DOM_SLOT_*). */
	if (wrapper != CAIRN_OID_NONE) {
		put_key(slot(b, root, CAIRN_DOM_SLOT_SPACE), CAIRN_KEY_SPACE, CAIRN_RIGHT_KEEPER, 3,
			wrapper);
		put_key(slot(b, wrapper, 0), CAIRN_KEY_SPACE, 0, 3, b->h3);
		put_key(slot(b, wrapper, 1), CAIRN_KEY_START, 0, 0,
			b->root_oids[dom->space_keeper]);
	} else {
		put_key(slot(b, root, CAIRN_DOM_SLOT_SPACE), CAIRN_KEY_SPACE, 0, 3, b->h3);
	}
	if (dom->keeper != IMAGE_NO_INDEX)
		put_key(slot(b, root, CAIRN_DOM_SLOT_KEEPER), CAIRN_KEY_START, 0, 0,
			b->root_oids[dom->keeper]);
	put_key(slot(b, root, CAIRN_DOM_SLOT_GPRS), CAIRN_KEY_NODE, 0, 0, regs);
	put_key(slot(b, root, CAIRN_DOM_SLOT_FPRS), CAIRN_KEY_NODE, 0, 0, fprs);
	put_key(slot(b, root, CAIRN_DOM_SLOT_CAPS), CAIRN_KEY_NODE, 0, 0, caps);
	put_number(slot(b, root, CAIRN_DOM_SLOT_STATE),
		   dom->run ? CAIRN_DOM_RUNNING : CAIRN_DOM_HALTED);
	uint8_t *brand = slot(b, root, CAIRN_DOM_SLOT_BRAND);
	memcpy(name, dom->name, strlen(dom->name));
	put_service(brand, CAIRN_KEY_NUMBER);
	cairn_key_number_set(brand, name);

	/* Registers: pc, sp, gp, a0; the rest void (zero). */
	put_number(slot(b, regs, CAIRN_REG_PC), elf->entry);
	put_number(slot(b, regs, CAIRN_REG_X(2)), IMAGE_INITIAL_SP);
	if (elf->has_gp)
		put_number(slot(b, regs, CAIRN_REG_X(3)), elf->gp);
	put_number(slot(b, regs, CAIRN_REG_X(10)), dom->arg);

	for (unsigned s = 1; s < CAIRN_CAP_REGS; s++)
		if (build_cap(b, &dom->caps[s], slot(b, caps, s)))
			return FORMAT_EXIT_FAILURE;
	return FORMAT_EXIT_OK;
}

/* The boot nodes 0..n-1, written once every root OID is known. */
static void build_boot(struct builder *b, uint64_t nboot)
{
	size_t ndomains = b->desc->ndomains;

	for (uint64_t k = 0; k < nboot; k++) {
		uint64_t mask = 0;
		for (unsigned i = 0; i < IMAGE_BOOT_DOMAINS; i++) {
			size_t d = (size_t)k * IMAGE_BOOT_DOMAINS + i;
			if (d >= ndomains)
				break;
			put_key(slot(b, k, i), CAIRN_KEY_DOMAIN, 0, 0, b->root_oids[d]);
			if (b->desc->domains[d].run)
				mask |= 1ull << i;
		}
		put_number(slot(b, k, IMAGE_BOOT_SLOT_RUN), mask);
		if (k + 1 < nboot)
			put_key(slot(b, k, IMAGE_BOOT_SLOT_NEXT), CAIRN_KEY_NODE, 0, 0, k + 1);
	}
}

/* One run over the whole image. */
static int run(struct builder *b)
{
	const struct image_desc *desc = b->desc;
	uint64_t nboot = (desc->ndomains + IMAGE_BOOT_DOMAINS - 1) / IMAGE_BOOT_DOMAINS;

	b->next_node = b->next_page = 0;
	for (size_t p = 0; p < desc->nprograms; p++)
		for (size_t i = 0; i < b->elves[p].npages; i++)
			b->shared[p][i] = CAIRN_OID_NONE;
	for (uint64_t k = 0; k < nboot; k++)
		new_node(b);
	for (size_t d = 0; d < desc->ndomains; d++)
		if (build_domain(b, d))
			return FORMAT_EXIT_FAILURE;
	build_boot(b, nboot);
	return FORMAT_EXIT_OK;
}

/* Stack and heap against the program, per domain (the line is the
 * domain's: that is where stack= and heap= are). */
static int check_layout(struct builder *b)
{
	for (size_t d = 0; d < b->desc->ndomains; d++) {
		const struct image_domain *dom = &b->desc->domains[d];
		const struct image_elf *elf = &b->elves[dom->program];
		const char *prog = b->desc->programs[dom->program].name;
		uint64_t room = IMAGE_SPACE_TOP - elf->end; /* end < 0x7000000 */
		if (dom->stack > room)
			return fail_line(b, dom->line,
					 "stack=%lluK does not fit: program '%s' ends at 0x%llx, "
					 "so the stack can have at most %lluK",
					 (unsigned long long)(dom->stack >> 10), prog,
					 (unsigned long long)elf->end,
					 (unsigned long long)(room >> 10));
		if (dom->heap > room - dom->stack)
			return fail_line(b, dom->line,
					 "heap=%lluK does not fit: from 0x%llx it would run into the "
					 "stack at 0x%llx (at most %lluK)",
					 (unsigned long long)(dom->heap >> 10),
					 (unsigned long long)elf->end,
					 (unsigned long long)(IMAGE_SPACE_TOP - dom->stack),
					 (unsigned long long)((room - dom->stack) >> 10));
	}
	return FORMAT_EXIT_OK;
}

static int make_blocks(struct builder *b, struct image *img)
{
	uint64_t npots = (img->node_count + CAIRN_NODES_PER_POT - 1) / CAIRN_NODES_PER_POT;
	size_t n = (size_t)npots;

	for (uint64_t p = 0; p < img->page_count; p++)
		n += b->page_data[p] != NULL;
	img->blocks = calloc(n ? n : 1, sizeof(*img->blocks));
	if (!img->blocks)
		return fail_line(b, 0, "out of memory");
	for (uint64_t i = 0; i < npots; i++)
		img->blocks[img->nblocks++] = (struct format_block){
			.block = b->sb->node_pool_start + i,
			.data = img->pots + i * CAIRN_NODE_POT_SIZE,
		};
	for (uint64_t p = 0; p < img->page_count; p++)
		if (b->page_data[p])
			img->blocks[img->nblocks++] = (struct format_block){
				.block = cairn_page_block(b->sb, p),
				.data = b->page_data[p],
			};
	return FORMAT_EXIT_OK;
}

static int build(struct builder *b, struct image *img)
{
	const struct image_desc *desc = b->desc;
	const struct cairn_superblock *sb = b->sb;

	if (check_layout(b) || run(b))
		return FORMAT_EXIT_FAILURE;
	b->image_nodes = b->next_node;
	b->image_pages = b->next_page;
	if (b->image_nodes > sb->node_count)
		return fail_line(b, 0,
				 "the image needs %llu nodes but the volume has only %llu "
				 "(give more --nodes or a larger --size)",
				 (unsigned long long)b->image_nodes,
				 (unsigned long long)sb->node_count);
	if (b->image_pages > sb->page_count)
		return fail_line(b, 0,
				 "the image needs %llu pages but the volume has only %llu "
				 "(give a larger --size)",
				 (unsigned long long)b->image_pages,
				 (unsigned long long)sb->page_count);

	uint64_t npots = (b->image_nodes + CAIRN_NODES_PER_POT - 1) / CAIRN_NODES_PER_POT;
	b->pots = calloc(npots ? npots : 1, CAIRN_NODE_POT_SIZE);
	b->page_data = calloc(b->image_pages ? b->image_pages : 1, sizeof(*b->page_data));
	if (!b->pots || !b->page_data)
		return fail_line(b, 0, "out of memory");
	img->pots = b->pots;
	b->filling = true;
	if (run(b))
		return FORMAT_EXIT_FAILURE;
	if (b->next_node != b->image_nodes || b->next_page != b->image_pages)
		return fail_line(b, 0, "internal error: the two runs disagree");
	img->node_count = b->image_nodes;
	img->page_count = b->image_pages;
	img->boot_node_oid = desc->ndomains ? 0 : CAIRN_OID_NONE;
	return make_blocks(b, img);
}

int image_build(const struct image_desc *desc, const struct image_elf *elves,
		const struct cairn_superblock *sb, struct image *img, char *err, size_t errlen)
{
	struct builder *b = calloc(1, sizeof(*b));
	int rc = FORMAT_EXIT_FAILURE;

	img->boot_node_oid = CAIRN_OID_NONE;
	img->node_count = img->page_count = 0;
	img->root_oids = NULL;
	img->pots = NULL;
	img->blocks = NULL;
	img->nblocks = 0;
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", desc->file);
		return FORMAT_EXIT_FAILURE;
	}
	b->desc = desc;
	b->elves = elves;
	b->sb = sb;
	b->err = err;
	b->errlen = errlen;
	b->root_oids = calloc(desc->ndomains ? desc->ndomains : 1, sizeof(*b->root_oids));
	b->shared = calloc(desc->nprograms ? desc->nprograms : 1, sizeof(*b->shared));
	bool ok = b->root_oids && b->shared;
	for (size_t p = 0; ok && p < desc->nprograms; p++)
		ok = (b->shared[p] = calloc(elves[p].npages ? elves[p].npages : 1,
					    sizeof(uint64_t))) != NULL;
	if (!ok)
		fail_line(b, 0, "out of memory");
	else
		rc = build(b, img);
	img->root_oids = b->root_oids;
	for (size_t p = 0; b->shared && p < desc->nprograms; p++)
		free(b->shared[p]);
	free(b->shared);
	free(b->page_data);
	if (!img->pots)
		free(b->pots);
	free(b);
	if (rc != FORMAT_EXIT_OK) {
		free(img->root_oids);
		free(img->pots);
		free(img->blocks);
		img->root_oids = NULL;
		img->pots = NULL;
		img->blocks = NULL;
		img->nblocks = 0;
	}
	return rc;
}

void image_free(struct image *img)
{
	if (img->elves)
		for (size_t p = 0; p < img->desc.nprograms; p++)
			image_elf_free(&img->elves[p]);
	free(img->elves);
	image_desc_free(&img->desc);
	free(img->root_oids);
	free(img->pots);
	free(img->blocks);
	memset(img, 0, sizeof(*img));
}

int image_make(const char *path, struct cairn_superblock *sb, struct image *img, char *err,
	       size_t errlen)
{
	memset(img, 0, sizeof(*img));
	if (image_desc_load(path, &img->desc, err, errlen))
		return FORMAT_EXIT_FAILURE;
	img->elves = calloc(img->desc.nprograms ? img->desc.nprograms : 1, sizeof(*img->elves));
	if (!img->elves) {
		snprintf(err, errlen, "%s: out of memory", path);
		image_free(img);
		return FORMAT_EXIT_FAILURE;
	}
	for (size_t p = 0; p < img->desc.nprograms; p++)
		if (image_elf_load(img->desc.programs[p].path, &img->elves[p], err, errlen)) {
			image_free(img);
			return FORMAT_EXIT_FAILURE;
		}
	if (image_build(&img->desc, img->elves, sb, img, err, errlen)) {
		image_free(img);
		return FORMAT_EXIT_FAILURE;
	}
	sb->boot_node_oid = img->boot_node_oid;
	sb->image_node_count = img->node_count;
	sb->image_page_count = img->page_count;
	return FORMAT_EXIT_OK;
}
