/* SPDX-License-Identifier: MIT */
/*
 * nodetouch: touches every free node on the volume, reading only, to show
 * that the node pool is bounded by the disk and not by RAM (the kernel
 * pages node pots in and out as the walk goes).
 *
 * Capability register 3 holds a range key over all free nodes. For each
 * offset of the range: RANGE MAKE_KEY into register 10, then NODE GET of
 * slot 0 into register 11; an offset counts as touched when both are OK.
 * It prints, in this order:
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
 * Then it waits for ever. Capability registers: 1 console, 2 sleep,
 * 3 range nodes, 10 and 11 scratch.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cairn.h"

#define CAP_RANGE 3
#define CAP_NODE  10
#define CAP_SLOT0 11

#define COLD_NODES     1000
#define PROGRESS_EVERY 65536

int main(uint64_t arg)
{
	(void)arg;
	struct cairn_range_info ri;
	uint64_t rc = cairn_range_info(CAP_RANGE, &ri);
	if (rc != CAIRN_OK || ri.kind != CAIRN_RANGE_NODES) {
		printf("no node range in register %d: %s\n", CAP_RANGE, cairn_result_name(rc));
		return 0;
	}

	uint64_t touched = 0, failed = 0, first_failed = 0, first_rc = CAIRN_OK;
	uint64_t start = cairn_rdinstret();
	for (uint64_t off = 0; off < ri.count; off++) {
		rc = cairn_range_make_key(CAP_RANGE, off, CAP_NODE);
		if (rc == CAIRN_OK)
			rc = cairn_node_get(CAP_NODE, 0, CAP_SLOT0);
		if (rc == CAIRN_OK) {
			touched++;
		} else if (failed++ == 0) {
			first_failed = off;
			first_rc = rc;
		}
		uint64_t done = off + 1;
		if (done == COLD_NODES || (done == ri.count && done < COLD_NODES))
			printf("%" PRIu64 " instructions per cold node\n",
			       (cairn_rdinstret() - start) / done);
		if (done % PROGRESS_EVERY == 0)
			printf("%" PRIu64 " nodes\n", done);
	}
	if (failed)
		printf("%" PRIu64 " failed, first at offset %" PRIu64 ": %s\n", failed,
		       first_failed, cairn_result_name(first_rc));
	printf("touched %" PRIu64 " nodes\n", touched);
	return 0;
}
