/* SPDX-License-Identifier: MIT */
/*
 * The log writer's directory and header (writer.c's state machine calls
 * these): what the generation's header says, how its directory blocks are
 * encoded from the snapshot's items and thread list, and the check every
 * block goes through before it is written, with the same code recovery
 * runs (gencheck.c), so that the writer never commits a generation that
 * recovery would refuse (docs/checkpoint.md "The log writer").
 */
#include <string.h>

#include "writer.h"
#include "writer_dir.h"

/* The tail the next header carries: the oldest of the generations it
 * keeps (keep 1: its own start). */
uint64_t ckpt_writer_next_tail(const struct ckpt_writer *w)
{
	uint64_t t = w->nkept ? w->kept_start[0] : w->gen_start;
	/* One FLUSH: the predecessor's home writes may not be durable when
	 * this header is, so the header keeps its log copy. */
	if (w->one_flush && w->committed && w->prev_gen_start < t)
		t = w->prev_gen_start;
	return t;
}

void ckpt_writer_build_header(const struct ckpt_writer *w, struct ckpt_header *h)
{
	*h = (struct ckpt_header){
		.version = CKPT_FORMAT_VERSION,
		.interval_ms = w->interval_ms,
		.sequence = w->gen,
		.tail = ckpt_writer_next_tail(w),
		.gen_start = w->gen_start,
		.dir_pos = w->dir_pos,
		.dir_blocks = w->dir_blocks,
		.flags = w->one_flush ? CKPT_HDR_ONE_FLUSH : 0u,
		.head = w->dir_pos + w->dir_blocks,
		.objects = w->nitems,
		.threads = w->nthreads,
	};
	memcpy(h->uuid, w->sb->uuid, sizeof(h->uuid));
}

/* Directory entry e of the generation: the items in order, then the threads. */
static struct ckpt_entry dir_entry(const struct ckpt_writer *w, uint64_t e)
{
	if (e >= w->nitems)
		return (struct ckpt_entry){ .index = w->threads[e - w->nitems],
					    .kind = CKPT_KIND_THREAD };
	const struct ckpt_item *it = &w->items[e];
	return (struct ckpt_entry){ .index = it->index,
				    .pos = it->pos,
				    .sum = it->sum,
				    .kind = (uint8_t)(it->pool + 1),
				    .flags = it->flags };
}

/* Slots of a map that checks a generation of `entries` directory entries. */
static uint64_t check_capacity(uint64_t entries)
{
	uint64_t cap = 64;
	while (cap - cap / 8 < entries)
		cap *= 2;
	return cap;
}

uint64_t ckpt_writer_check_bytes(uint64_t entries)
{
	return check_capacity(entries) * sizeof(struct ckpt_dirent);
}

/* The bytes of the map this generation's check uses (at most the owner's). */
static uint64_t check_need(const struct ckpt_writer *w)
{
	uint64_t need = check_capacity(w->nitems + w->nthreads) * sizeof(struct ckpt_dirent);
	return need > w->check_bytes ? w->check_bytes : need;
}

bool ckpt_writer_check_zeroed(const struct ckpt_writer *w)
{
	return w->check_zeroed >= check_need(w);
}

void ckpt_writer_check_clear_some(struct ckpt_writer *w, uint64_t bytes)
{
	uint64_t need = check_need(w);
	if (w->check_zeroed >= need)
		return;
	uint64_t t0 = instret();
	uint64_t n = need - w->check_zeroed < bytes ? need - w->check_zeroed : bytes;
	memset((uint8_t *)w->check_slots + w->check_zeroed, 0, n);
	w->check_zeroed += n;
	w->check_instret += instret() - t0;
}

/* Start checking the directory being written: the header it will get
 * first, then (check_dir) every block and entry. The map was zeroed a
 * slice at a time (writer.c check_some); whatever is left is zeroed now. */
void ckpt_writer_check_begin(struct ckpt_writer *w)
{
	uint64_t t0 = instret();
	uint64_t cap = check_capacity(w->nitems + w->nthreads);
	bool zeroed = w->check_zeroed >= cap * sizeof(struct ckpt_dirent);
	struct ckpt_gen_link l = { w->gen, w->dir_pos, w->dir_blocks };
	struct ckpt_header h;

	ckpt_writer_build_header(w, &h);
	w->refused = ckpt_header_check(&h, w->sb);
	if (cap * sizeof(struct ckpt_dirent) > w->check_bytes) {
		w->refused = CKPT_ERR_MAP_FULL; /* the owner gave too little room */
		cap = 64;
	}
	if (zeroed && w->refused == CKPT_OK)
		ckpt_dirmap_init_zeroed(&w->check_map, w->check_slots, cap);
	else
		ckpt_dirmap_init(&w->check_map, w->check_slots, cap);
	w->check_zeroed = 0; /* in use from now on */
	ckpt_gen_begin(&w->gen_check, w->sb, &w->check_map, &h, &l, 1);
	w->check_instret += instret() - t0;
}

/* Directory block k's entries into w->dir_entries, its info into *info;
 * returns how many entries. */
static uint32_t block_entries(struct ckpt_writer *w, uint32_t k, struct ckpt_dir_info *info)
{
	uint64_t total = w->nitems + w->nthreads;
	uint64_t first = (uint64_t)k * CKPT_DIR_ENTRIES_PER_BLOCK;
	uint32_t count = 0;
	for (uint64_t e = first; e < total && count < CKPT_DIR_ENTRIES_PER_BLOCK; e++, count++)
		w->dir_entries[count] = dir_entry(w, e);
	*info = (struct ckpt_dir_info){
		.sequence = w->gen,
		.index = k,
		.dir_blocks = w->dir_blocks,
		.count = count,
		.gen_start = w->gen_start,
		.prev_dir_pos = w->prev_dir_pos,
		.prev_dir_blocks = w->prev_dir_blocks,
		.prev_sequence = w->prev_dir_pos == CKPT_NO_DIR ? 0 : w->committed,
	};
	return count;
}

void ckpt_writer_encode_dir(struct ckpt_writer *w, uint32_t k, void *buf)
{
	struct ckpt_dir_info info;
	block_entries(w, k, &info);
	ckpt_dir_encode(&info, w->dir_entries, buf);
}

enum ckpt_err ckpt_writer_check_dir(struct ckpt_writer *w, uint32_t k)
{
	struct ckpt_dir_info info;
	uint32_t count = block_entries(w, k, &info);
	uint64_t t0 = instret();
	enum ckpt_err err = ckpt_gen_block(&w->gen_check, &info);
	for (uint32_t i = 0; err == CKPT_OK && i < count; i++)
		err = ckpt_gen_entry(&w->gen_check, &w->dir_entries[i]);
	w->check_instret += instret() - t0;
	return err;
}

/* Keep each thread of the list once, and only those recovery accepts (a
 * root inside the node pool). Returns how many were dropped. */
uint64_t ckpt_writer_rebuild_threads(struct ckpt_writer *w)
{
	uint64_t kept = 0;
	ckpt_dirmap_clear(&w->check_map);
	for (uint64_t i = 0; i < w->nthreads; i++) {
		struct ckpt_entry e = { .index = w->threads[i], .kind = CKPT_KIND_THREAD };
		struct ckpt_dirent de = { .index = e.index, .kind = e.kind };
		bool inserted;
		if (ckpt_entry_check(w->sb, &e, 0, 0) != CKPT_OK)
			continue;
		if (!ckpt_dirmap_insert_if_absent(&w->check_map, &de, &inserted) || !inserted)
			continue;
		w->threads[kept++] = w->threads[i];
	}
	uint64_t dropped = w->nthreads - kept;
	w->nthreads = kept;
	return dropped;
}
