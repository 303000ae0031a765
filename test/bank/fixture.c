/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the bank books' host tests; see fixture.h.
 */
#include "fixture.h"

struct fake_state fake;

struct bank_books books;

void region_map(struct region *r, size_t bytes)
{
	r->bytes = (bytes + fake.page - 1) / fake.page * fake.page;
	r->base = mmap(NULL, r->bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(r->base != MAP_FAILED);
	r->mapped = calloc(r->bytes / fake.page, sizeof(bool));
	assert_non_null(r->mapped);
}

void region_unmap(struct region *r)
{
	munmap(r->base, r->bytes);
	free(r->mapped);
}

struct region *region_of(uint8_t *addr, size_t len)
{
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		struct region *r = &fake.objs[p];
		if (addr >= r->base && addr + len <= r->base + r->bytes)
			return r;
	}
	if (addr >= fake.banks.base && addr + len <= fake.banks.base + fake.banks.bytes)
		return &fake.banks;
	return NULL;
}

bool fake_ensure(void *ctx, void *addr, size_t len)
{
	assert_ptr_equal(ctx, &fake);
	struct region *r = region_of(addr, len);
	assert_non_null(r); /* the core only ever asks for its own arrays */
	fake.calls++;
	if (fake.fail_in == 0)
		return false;
	if (fake.fail_in > 0)
		fake.fail_in--;
	size_t first = ((uint8_t *)addr - r->base) / fake.page;
	size_t last = ((uint8_t *)addr + len - 1 - r->base) / fake.page;
	for (size_t i = first; i <= last; i++) {
		if (r->mapped[i])
			continue;
		assert_int_equal(mprotect(r->base + i * fake.page, fake.page,
					  PROT_READ | PROT_WRITE),
				 0);
		memset(r->base + i * fake.page, 0xa5, fake.page);
		r->mapped[i] = true;
		fake.pages++;
	}
	return true;
}

/* Fresh books over fresh arrays: pools of `nodes` and `pages` objects. */
void books_with(uint32_t nodes, uint32_t pages, uint32_t bank_capacity)
{
	fake.page = (size_t)sysconf(_SC_PAGESIZE);
	region_map(&fake.objs[BANK_POOL_NODE], POOL_MAX * sizeof(struct bank_obj));
	region_map(&fake.objs[BANK_POOL_PAGE], POOL_MAX * sizeof(struct bank_obj));
	region_map(&fake.banks, BANKS_MAX * sizeof(struct bank_rec));
	fake.fail_in = -1;
	fake.calls = fake.pages = 0;
	struct bank_books_config cfg = {
		.objs = { (struct bank_obj *)fake.objs[0].base,
			  (struct bank_obj *)fake.objs[1].base },
		.count = { nodes, pages },
		.banks = (struct bank_rec *)fake.banks.base,
		.bank_capacity = bank_capacity,
		.ensure = fake_ensure,
		.ensure_ctx = &fake,
	};
	memset(&books, 0x5a, sizeof(books));
	assert_int_equal(bank_books_init(&books, &cfg), BANK_OK);
}

int setup(void **state)
{
	(void)state;
	books_with(POOL_MAX, POOL_MAX, BANKS_MAX);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	region_unmap(&fake.objs[0]);
	region_unmap(&fake.objs[1]);
	region_unmap(&fake.banks);
	return 0;
}

void audit_ok(void)
{
	struct bank_audit_report rep;
	enum bank_err err = bank_audit(&books, &rep);
	if (err != BANK_OK)
		fail_msg("audit: %s (bank %u pool %u offset %u expected %llu found %llu)", rep.what,
			 rep.bank, rep.pool, rep.offset, (unsigned long long)rep.expected,
			 (unsigned long long)rep.found);
}

bank_id_t create(bank_id_t parent, enum bank_kind kind)
{
	bank_id_t id = 0;
	assert_int_equal(bank_create(&books, parent, kind, &id), BANK_OK);
	return id;
}

uint32_t buy1(bank_id_t bank, uint32_t pool)
{
	uint32_t off = BANK_NIL;
	assert_int_equal(bank_buy(&books, bank, &pool, 1, &off, NULL), BANK_OK);
	return off;
}

enum bank_err sell1(bank_id_t bank, uint32_t pool, uint32_t off)
{
	struct bank_object o = { .pool = pool, .offset = off };
	return bank_sell(&books, bank, &o, 1);
}

uint64_t usage(bank_id_t bank, uint32_t pool)
{
	struct bank_info info;
	assert_int_equal(bank_query(&books, bank, &info), BANK_OK);
	return info.usage[pool];
}

void snap_take(struct snapshot *s)
{
	s->books = books;
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		s->objs[p] = malloc((books.fresh[p] + 1) * sizeof(struct bank_obj));
		memcpy(s->objs[p], books.objs[p], books.fresh[p] * sizeof(struct bank_obj));
	}
	s->banks = malloc(books.next_id * sizeof(struct bank_rec));
	memcpy(s->banks, books.banks, books.next_id * sizeof(struct bank_rec));
}

void snap_unchanged(struct snapshot *s)
{
	assert_memory_equal(&s->books, &books, sizeof(books));
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		assert_memory_equal(s->objs[p], books.objs[p],
				    books.fresh[p] * sizeof(struct bank_obj));
		free(s->objs[p]);
	}
	assert_memory_equal(s->banks, books.banks, books.next_id * sizeof(struct bank_rec));
	free(s->banks);
}
