/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtio-blk driver (virtio 1.2 §5.2). The object cache and
 * the checkpointer depend on it, so it lives in the kernel.
 *
 * Requests are asynchronous: blk_submit() either refuses a request at once
 * (returning the error, `done` is not called) or accepts it, and then
 * `done` runs exactly once from the interrupt handler with req->status
 * set. Many requests may be in flight (one indirect descriptor table each,
 * §2.7.5.3); requests beyond that wait in FIFO order inside the driver.
 * Every device error reaches the caller as a status; the driver never
 * panics on I/O. FLUSH (§5.2.6.2) is negotiated and used by the
 * checkpointer to order its writes.
 */
#ifndef CAIRN_KERN_VIRTIO_BLK_H
#define CAIRN_KERN_VIRTIO_BLK_H

#include <stdint.h>
#include <stdbool.h>

enum blk_status {
	BLK_OK = 0,
	BLK_ERR_IO,          /* device reported VIRTIO_BLK_S_IOERR */
	BLK_ERR_UNSUPPORTED, /* device reported VIRTIO_BLK_S_UNSUPP */
	BLK_ERR_RANGE,       /* beyond the device's capacity */
	BLK_ERR_INVALID,     /* malformed request: no segments, odd lengths */
	BLK_ERR_READ_ONLY,   /* write to a read-only device */
	BLK_ERR_NO_DEVICE,
};

enum blk_op {
	BLK_READ = 0,
	BLK_WRITE = 1,
	BLK_FLUSH = 2,
};

struct blk_seg {
	uint64_t pa;  /* physical address of the buffer */
	uint32_t len; /* a multiple of 512 */
};

#define BLK_MAX_SEGS     250
#define BLK_MAX_INFLIGHT 32

struct blk_req {
	uint8_t op; /* enum blk_op */
	uint16_t nsegs;
	uint64_t sector;            /* 512-byte units */
	const struct blk_seg *segs; /* must stay valid until done() */
	void (*done)(struct blk_req *req);
	void *ctx;
	enum blk_status status;
	struct blk_req *next; /* driver-private queue link */
};

struct blk_stats {
	uint64_t reads, writes, flushes, errors;
	uint64_t bytes_read, bytes_written;
};

/* Find and initialise the first virtio block device. */
enum blk_status blk_init(void);
bool blk_present(void);
/* The disk's interrupt (which slot it is: never a user device). */
uint32_t blk_irq(void);
uint64_t blk_capacity_bytes(void);
bool blk_has_flush(void);
bool blk_read_only(void);
/* Most segments one request may have (the device's seg_max, at most
 * BLK_MAX_SEGS). */
unsigned blk_seg_max(void);

enum blk_status blk_submit(struct blk_req *req);

/* Between blk_plug() and its blk_unplug() (nested), submitted requests
 * wait for one notification at the outermost unplug (virtio_blk.c). */
void blk_plug(void);
void blk_unplug(void);

/* Synchronous helpers for boot and tests: submit and wait (interrupts on). */
enum blk_status blk_sync(enum blk_op op, uint64_t sector, uint64_t pa, uint32_t len);

const struct blk_stats *blk_stats(void);
const char *blk_strerror(enum blk_status s);

#endif
