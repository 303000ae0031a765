/* SPDX-License-Identifier: MIT */
/*
 * Reading the boot node chain at first boot. The kernel is not working for
 * any domain yet, so the nodes are read synchronously; a chain that is
 * corrupt (bad OIDs, a loop) is reported and cut, never trusted.
 */
#include <cairn/abi.h>
#include "dom/boot_image.h"
#include "key/key.h"
#include "mem/node.h"
#include "dom/sched.h"
#include "dev/volume.h"
#include "hw/log.h"

#define BOOT_NODE_MAX_CHAIN 1024

unsigned boot_start_image(void)
{
	uint64_t oid = volume_sb.boot_node_oid;
	unsigned started = 0;
	for (unsigned hop = 0; oid != CAIRN_OID_NONE; hop++) {
		if (!node_oid_ok(oid) || hop >= BOOT_NODE_MAX_CHAIN) {
			log_error("boot node chain broken at %lu; starting what was found",
				  (unsigned long)oid);
			break;
		}
		if (!obj_load_sync(OBJ_NODEPOT, node_pot(oid))) {
			log_error("cannot read boot node %lu", (unsigned long)oid);
			break;
		}
		const struct knode *n = node_at(oid);
		const struct key *bits = &n->slot[30];
		uint64_t run = key_type(bits) == CAIRN_KEY_NUMBER ? key_number_lo(bits->b) : 0;
		for (unsigned i = 0; i < 30; i++) {
			const struct key *k = &n->slot[i];
			if (!(run & (1ULL << i)) || key_type(k) != CAIRN_KEY_DOMAIN ||
			    !node_oid_ok(key_oid(k)))
				continue;
			if (!sched_add_domain(key_oid(k))) {
				log_error("too many domains to start");
				return started;
			}
			started++;
		}
		const struct key *next = &n->slot[31];
		oid = key_type(next) == CAIRN_KEY_NODE ? key_oid(next) : CAIRN_OID_NONE;
	}
	return started;
}
