/* SPDX-License-Identifier: MIT */
/*
 * The split virtqueue, driver side; the interface and its invariants are
 * in virtq.h. The free list threads through the descriptors' next fields,
 * and a chain is built from the free list in place, so the links a chain
 * needs are already there and taking n descriptors is one walk.
 *
 * Memory ordering (virtio 1.2 §2.7.13, §2.7.14). The device reads the
 * rings by DMA, concurrently with the hart:
 *  - the ring entry and the descriptors it names are written before
 *    avail->idx ("fence w, w": §2.7.13.3.1, the driver MUST perform a
 *    suitable memory barrier before the idx update);
 *  - avail->idx is written before the notification store to the device
 *    ("fence iorw, iorw": the notification is a device-output access,
 *    and §2.7.13 step 6 orders the idx update before it);
 *  - used->idx is loaded before the used entries it covers ("fence r, r":
 *    §2.7.14, the device writes the entry before it increments idx,
 *    §2.7.8.2).
 * On the host (the tests, where the "device" is the same thread) the
 * fences are the compiler's full barrier.
 */
#include "virtq.h"

/* Driver-private flag of a descriptor on the free list. The device
 * never reads a free descriptor (it reads only chains reachable from a
 * published head), and §2.7.5 defines only bits 0-2, so the mark is
 * invisible to it; it lets virtq_free_chain refuse a double free. */
#define DESC_FREE 0x8000

#if defined(__riscv)
#define fence_w_w() __asm__ volatile("fence w, w" ::: "memory")
#define fence_r_r() __asm__ volatile("fence r, r" ::: "memory")
#define fence_io()  __asm__ volatile("fence iorw, iorw" ::: "memory")
#else
#define fence_w_w() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define fence_r_r() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define fence_io()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

static bool aligned(uint64_t addr, uint64_t align)
{
	return (addr & (align - 1)) == 0;
}

static enum virtio_err check_ring_mem(const struct virtq_ring_mem *mem)
{
	if (!aligned((uintptr_t)mem->desc, VIRTQ_DESC_ALIGN) ||
	    !aligned(mem->desc_pa, VIRTQ_DESC_ALIGN) ||
	    !aligned((uintptr_t)mem->avail, VIRTQ_AVAIL_ALIGN) ||
	    !aligned(mem->avail_pa, VIRTQ_AVAIL_ALIGN) ||
	    !aligned((uintptr_t)mem->used, VIRTQ_USED_ALIGN) ||
	    !aligned(mem->used_pa, VIRTQ_USED_ALIGN))
		return VIRTIO_ERR_ALIGN;
	return VIRTIO_OK;
}

enum virtio_err virtq_init(struct virtq *q, uint16_t index, uint16_t size,
			   const struct virtq_ring_mem *mem, volatile uint32_t *notify)
{
	/* §2.7: "Queue Size value is always a power of 2. The maximum Queue
	 * Size value is 32768." Both make index % size wrap-safe. */
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0)
		return VIRTIO_ERR_QUEUE_SIZE;
	enum virtio_err err = check_ring_mem(mem);
	if (err != VIRTIO_OK)
		return err;
	*q = (struct virtq){
		.size = size,
		.num_free = size,
		.index = index,
		.desc = mem->desc,
		.avail = mem->avail,
		.used = mem->used,
		.notify = notify,
	};
	/* A free descriptor's address and length mean nothing: only its
	 * mark and its link are written. */
	for (uint32_t i = 0; i < size; i++) {
		q->desc[i].flags = DESC_FREE;
		q->desc[i].next = (uint16_t)(i + 1);
	}
	q->avail->flags = 0;
	q->avail->idx = 0;
	/* §2.7.10.1: the driver MUST initialize flags in the used ring to 0. */
	q->used->flags = 0;
	q->used->idx = 0;
	return VIRTIO_OK;
}

/* Check a chain's buffers before anything is taken. */
static enum virtio_err check_bufs(const struct virtq_buf *bufs, uint16_t n, uint64_t *total)
{
	for (uint16_t i = 0; i < n; i++) {
		if (bufs[i].len == 0)
			return VIRTIO_ERR_ZERO_LENGTH;
		*total += bufs[i].len;
	}
	return VIRTIO_OK;
}

enum virtio_err virtq_add_chain(struct virtq *q, const struct virtq_buf *out, uint16_t n_out,
				const struct virtq_buf *in, uint16_t n_in, uint16_t *head)
{
	uint32_t n = (uint32_t)n_out + n_in;
	uint64_t total = 0;
	if (n == 0)
		return VIRTIO_ERR_EMPTY_CHAIN;
	enum virtio_err err = check_bufs(out, n_out, &total);
	if (err == VIRTIO_OK)
		err = check_bufs(in, n_in, &total);
	if (err != VIRTIO_OK)
		return err;
	/* §2.7.5.2: no chain longer than 2^32 bytes in total. */
	if (total > (1ULL << 32) || n > q->size)
		return VIRTIO_ERR_TOO_LONG;
	if (n > q->num_free)
		return VIRTIO_ERR_QUEUE_FULL;

	/* §2.7.13.1: each element's address, length, WRITE for the
	 * device-writable ones, NEXT on all but the last. The free list's
	 * links are the chain's: next is left as it is. */
	uint16_t d = q->free_head;
	*head = d;
	for (uint32_t i = 0; i < n; i++) {
		const struct virtq_buf *b = i < n_out ? &out[i] : &in[i - n_out];
		struct virtq_desc *desc = &q->desc[d];
		desc->addr = b->pa;
		desc->len = b->len;
		desc->flags = (uint16_t)((i >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		d = desc->next;
	}
	q->free_head = d;
	q->num_free = (uint16_t)(q->num_free - n);
	return VIRTIO_OK;
}

enum virtio_err virtq_add_indirect(struct virtq *q, uint64_t table_pa, uint16_t count,
				   uint16_t *head)
{
	if (count == 0)
		return VIRTIO_ERR_EMPTY_CHAIN;
	/* §2.7.5.3.1: the chain in the table is no longer than the queue. */
	if (count > q->size)
		return VIRTIO_ERR_TOO_LONG;
	if (q->num_free == 0)
		return VIRTIO_ERR_QUEUE_FULL;
	uint16_t d = q->free_head;
	struct virtq_desc *desc = &q->desc[d];
	q->free_head = desc->next;
	q->num_free--;
	/* §2.7.5.3.1: INDIRECT and NEXT are never both set. */
	*desc = (struct virtq_desc){ table_pa, (uint32_t)count * sizeof(struct virtq_desc),
				     VIRTQ_DESC_F_INDIRECT, 0 };
	*head = d;
	return VIRTIO_OK;
}

void virtq_publish_quiet(struct virtq *q, uint16_t head)
{
	/* §2.7.13.2: the entry goes at idx modulo the queue size. */
	q->avail->ring[q->next_avail % q->size] = head;
	fence_w_w(); /* §2.7.13.3.1: descriptors and entry before idx */
	q->next_avail++;
	*(volatile uint16_t *)&q->avail->idx = q->next_avail;
}

void virtq_notify(struct virtq *q)
{
	fence_io(); /* §2.7.13 step 6: idx before the notification */
	*q->notify = q->index;
}

void virtq_publish(struct virtq *q, uint16_t head)
{
	virtq_publish_quiet(q, head);
	virtq_notify(q);
}

bool virtq_pop_used(struct virtq *q, struct virtq_used_elem *out)
{
	uint16_t used_idx = *(volatile uint16_t *)&q->used->idx;
	if (used_idx == q->last_used)
		return false;
	fence_r_r(); /* §2.7.14: idx before the entries it covers */
	*out = q->used->ring[q->last_used % q->size];
	q->last_used++;
	return true;
}

enum virtio_err virtq_free_chain(struct virtq *q, uint32_t head)
{
	/* Every step frees a descriptor not yet free, so this ends within
	 * size steps even if the device returned garbage: a head out of
	 * range, one already freed, or a link into the free list. */
	for (;;) {
		if (head >= q->size || (q->desc[head].flags & DESC_FREE))
			return VIRTIO_ERR_BAD_DESC;
		struct virtq_desc *desc = &q->desc[head];
		uint16_t flags = desc->flags;
		uint16_t next = desc->next;
		desc->flags = DESC_FREE;
		desc->next = q->free_head;
		q->free_head = (uint16_t)head;
		q->num_free++;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return VIRTIO_OK;
		head = next;
	}
}
