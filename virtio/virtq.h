/* SPDX-License-Identifier: MIT */
/*
 * The driver's side of a split virtqueue (virtio 1.2 §2.7), over memory
 * the caller provides: a descriptor table, an available (driver) ring and
 * a used (device) ring, each given by its virtual address and the
 * physical address the device sees, and the register a notification is
 * written to. Nothing here knows the transport or allocates.
 *
 * Invariants:
 *  - size is a power of two in 1..32768 (§2.7), so a free-running 16-bit
 *    index taken modulo size stays continuous across its wrap at 65536.
 *  - Every descriptor is either on the free list (the driver's) or in
 *    exactly one chain between its add and the free that follows the
 *    device's return of its head (the device's). num_free counts the
 *    first kind; a chain is never longer than size (§2.7.5.3.1).
 *  - No descriptor has length 0 and no chain is empty: such requests are
 *    refused before any descriptor is taken.
 *  - Device-writable buffers follow device-readable ones in a chain
 *    (§2.7.4.2): virtq_add_chain takes them as two lists in that order.
 *  - avail->idx is written only by virtq_publish, after a write fence,
 *    and the notification only after a full fence (§2.7.13.3.1,
 *    §2.7.13.4); used entries are read only after a read fence that
 *    follows the load of used->idx (§2.7.14).
 */
#ifndef CAIRN_VIRTQ_H
#define CAIRN_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include "virtio.h"

/* The caller's ring memory. The three parts are physically contiguous,
 * aligned to VIRTQ_{DESC,AVAIL,USED}_ALIGN (both addresses) and at least
 * VIRTQ_{DESC,AVAIL,USED}_BYTES(size) long; they need not be zeroed. */
struct virtq_ring_mem {
	struct virtq_desc *desc;
	uint64_t desc_pa;
	struct virtq_avail *avail;
	uint64_t avail_pa;
	struct virtq_used *used;
	uint64_t used_pa;
};

struct virtq {
	uint16_t size;       /* entries, a power of two */
	uint16_t num_free;   /* descriptors on the free list */
	uint16_t free_head;  /* first free descriptor; links run through desc[].next */
	uint16_t next_avail; /* the driver's copy of avail->idx */
	uint16_t last_used;  /* next used-ring index not yet consumed */
	uint16_t index;      /* queue number, the value a notification carries */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	volatile uint32_t *notify; /* the transport's notification register */
};

/* One buffer of a chain: where the device finds it, and its length. */
struct virtq_buf {
	uint64_t pa;
	uint32_t len;
};

/* Lay a queue of `size` entries over `mem`: the free list through every
 * descriptor, both rings' flags and indices 0 (§2.7.10: the used ring's
 * flags start at 0). `notify` is where virtq_publish writes `index`
 * (virtio_mmio_notify_reg()). The device is not told: the transport does
 * that (virtio_mmio_queue_enable()). */
enum virtio_err virtq_init(struct virtq *q, uint16_t index, uint16_t size,
			   const struct virtq_ring_mem *mem, volatile uint32_t *notify);

/* Take n_out + n_in descriptors and fill them as one chain: the n_out
 * device-readable buffers of `out`, then the n_in device-writable ones of
 * `in` (§2.7.13.1). The head is stored in *head; nothing is published.
 * Refused with nothing taken: VIRTIO_ERR_EMPTY_CHAIN, _ZERO_LENGTH,
 * _TOO_LONG (over 2^32 bytes, §2.7.5.2), _QUEUE_FULL. */
enum virtio_err virtq_add_chain(struct virtq *q, const struct virtq_buf *out, uint16_t n_out,
				const struct virtq_buf *in, uint16_t n_in, uint16_t *head);

/* Take one descriptor pointing at an indirect table of `count`
 * descriptors at `table_pa` (§2.7.5.3; needs VIRTIO_F_INDIRECT_DESC).
 * The caller has filled the table. Refused: VIRTIO_ERR_EMPTY_CHAIN,
 * _TOO_LONG (count over the queue size, §2.7.5.3.1), _QUEUE_FULL. */
enum virtio_err virtq_add_indirect(struct virtq *q, uint64_t table_pa, uint16_t count,
				   uint16_t *head);

/* Offer the chain at `head` to the device: the available ring entry, a
 * write fence, the index, a full fence, the notification. From here the
 * chain is the device's until its head comes back from virtq_pop_used. */
void virtq_publish(struct virtq *q, uint16_t head);

/* The same without the notification, for a driver that offers several
 * chains and then notifies once (virtq_notify): the device may already
 * see them (it may poll the index), but need not look before the
 * notification (§2.7.13 step 6). */
void virtq_publish_quiet(struct virtq *q, uint16_t head);
void virtq_notify(struct virtq *q);

/* The next used element into *out, or false when the device has
 * returned nothing new. out->id is the device's word: check it is a head
 * you published before you trust it (virtq_free_chain checks the range). */
bool virtq_pop_used(struct virtq *q, struct virtq_used_elem *out);

/* Give the chain at `head` back to the free list (a used element's id as
 * the device wrote it: all 32 bits are checked). VIRTIO_ERR_BAD_DESC if
 * head is out of range or already free, or the chain links to a free
 * descriptor (a loop, a double free): what came before the bad link is
 * freed, nothing after it. */
enum virtio_err virtq_free_chain(struct virtq *q, uint32_t head);

static inline uint16_t virtq_num_free(const struct virtq *q)
{
	return q->num_free;
}

#endif
