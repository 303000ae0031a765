/* SPDX-License-Identifier: MIT */
/*
 * nodetouch: touches the free nodes of the volume, to show that the node
 * pool is bounded by the disk and not by RAM (the kernel pages node pots
 * in and out as the walk goes).
 *
 * Capability register 3 holds a range key over all free nodes. The arg
 * chooses the walk:
 *
 * arg = 0, every node, reading only. For each offset of the range:
 * RANGE MAKE_KEY into register 10, then NODE GET of slot 0 into register
 * 11; an offset counts as touched when both are OK. It prints, in order:
 *
 *   nodetouch: <n> instructions per cold node
 *       after the first 1000 nodes (or all of them if there are fewer):
 *       retired instructions (kernel included) per node over them. Each
 *       is cold: its pot of 7 nodes is read from the volume the first
 *       time one of them is seen. The benchmark harness reads this line.
 *   nodetouch: <n> nodes
 *       every 65536 nodes: 65536, 131072, ...
 *   nodetouch: touched <n> nodes
 *       at the end; n is the range's count (RANGE INFO w1) when all went
 *       well. Otherwise it is fewer and, before it, a line
 *   nodetouch: <k> failed, first at offset <off>: <RESULT_NAME>
 *
 * arg = a stride s > 0, sparsely across the whole range, writing: offsets
 * 0, s, 2s, ... and the last one. A first pass writes into slot 0 of each
 * a number key (low = the offset, high = SPARSE_MARK); a second reads them
 * all back. Every written node dirties its pot, so with a pool many times
 * RAM the kernel must checkpoint to make room, and a kill anywhere leaves
 * the walk to go on from the last checkpoint (its state is this domain's
 * registers and stack, in the checkpoint like everything else). It prints
 *
 *   nodetouch: sparse stride <s> over <count> nodes: <n> to touch
 *   nodetouch: wrote <k> nodes               every 4096 written
 *   nodetouch: read <k> nodes                every 4096 read back
 *   nodetouch: sparse done: wrote <n> read <n> wrong <w> failed <f>
 *
 * where wrong counts slots that did not hold what the first pass wrote,
 * and failed the invocations that did not answer OK (the first of them
 * is named on a line before). Then it waits for ever. Capability
 * registers: 1 console, 2 sleep, 3 range nodes, 10 and 11 scratch.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cairn.h"

#define CAP_RANGE 3
#define CAP_NODE  10
#define CAP_SLOT0 11

#define COLD_NODES     1000
#define PROGRESS_EVERY 65536
#define SPARSE_EVERY   4096
#define SPARSE_MARK    0x5ca1eULL

struct tally {
	uint64_t failed, first_failed, first_rc;
};

static void note(struct tally *t, uint64_t off, uint64_t rc)
{
	if (t->failed++ == 0) {
		t->first_failed = off;
		t->first_rc = rc;
	}
}

static void report_failures(const struct tally *t)
{
	if (t->failed)
		printf("%" PRIu64 " failed, first at offset %" PRIu64 ": %s\n", t->failed,
		       t->first_failed, cairn_result_name(t->first_rc));
}

static void touch_all(uint64_t count)
{
	struct tally t = { 0 };
	uint64_t touched = 0;
	uint64_t start = cairn_rdinstret();
	for (uint64_t off = 0; off < count; off++) {
		uint64_t rc = cairn_range_make_key(CAP_RANGE, off, CAP_NODE);
		if (rc == CAIRN_OK)
			rc = cairn_node_get(CAP_NODE, 0, CAP_SLOT0);
		if (rc == CAIRN_OK)
			touched++;
		else
			note(&t, off, rc);
		uint64_t done = off + 1;
		if (done == COLD_NODES || (done == count && done < COLD_NODES))
			printf("%" PRIu64 " instructions per cold node\n",
			       (cairn_rdinstret() - start) / done);
		if (done % PROGRESS_EVERY == 0)
			printf("%" PRIu64 " nodes\n", done);
	}
	report_failures(&t);
	printf("touched %" PRIu64 " nodes\n", touched);
}

/* The i-th offset of the sparse walk: i * stride, and the last node. */
static uint64_t sparse_offset(uint64_t i, uint64_t stride, uint64_t count)
{
	uint64_t off = i * stride;
	return off < count ? off : count - 1;
}

static uint64_t write_mark(uint64_t off)
{
	uint64_t rc = cairn_range_make_key(CAP_RANGE, off, CAP_NODE);
	if (rc != CAIRN_OK)
		return rc;
	struct cairn_io io = { .w = { 0, off, SPARSE_MARK } };
	return cairn_inv_NODE_WRITE_NUMBER(CAP_NODE, &io);
}

/* OK and *right when slot 0 holds what write_mark() put there. */
static uint64_t read_mark(uint64_t off, bool *right)
{
	uint64_t rc = cairn_range_make_key(CAP_RANGE, off, CAP_NODE);
	uint64_t lo = 0, hi = 0;
	if (rc == CAIRN_OK)
		rc = cairn_node_read_number(CAP_NODE, 0, &lo, &hi);
	*right = rc == CAIRN_OK && lo == off && hi == SPARSE_MARK;
	return rc;
}

static void touch_sparse(uint64_t count, uint64_t stride)
{
	uint64_t n = (count - 1) / stride + 1;  /* 0, s, ..., below count */
	n += (count - 1) % stride != 0 ? 1 : 0; /* and the last node */
	printf("sparse stride %" PRIu64 " over %" PRIu64 " nodes: %" PRIu64 " to touch\n", stride,
	       count, n);
	struct tally t = { 0 };
	uint64_t wrote = 0, read = 0, wrong = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = sparse_offset(i, stride, count);
		uint64_t rc = write_mark(off);
		if (rc == CAIRN_OK)
			wrote++;
		else
			note(&t, off, rc);
		if ((i + 1) % SPARSE_EVERY == 0)
			printf("wrote %" PRIu64 " nodes\n", i + 1);
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = sparse_offset(i, stride, count);
		bool right;
		uint64_t rc = read_mark(off, &right);
		if (rc != CAIRN_OK)
			note(&t, off, rc);
		else if (right)
			read++;
		else
			wrong++;
		if ((i + 1) % SPARSE_EVERY == 0)
			printf("read %" PRIu64 " nodes\n", i + 1);
	}
	report_failures(&t);
	printf("sparse done: wrote %" PRIu64 " read %" PRIu64 " wrong %" PRIu64 " failed %" PRIu64
	       "\n",
	       wrote, read, wrong, t.failed);
}

int main(uint64_t arg)
{
	struct cairn_range_info ri;
	uint64_t rc = cairn_range_info(CAP_RANGE, &ri);
	if (rc != CAIRN_OK || ri.kind != CAIRN_RANGE_NODES || ri.count == 0) {
		printf("no node range in register %d: %s\n", CAP_RANGE, cairn_result_name(rc));
		return 0;
	}
	if (arg == 0)
		touch_all(ri.count);
	else
		touch_sparse(ri.count, arg);
	return 0;
}
