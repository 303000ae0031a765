/* SPDX-License-Identifier: MIT */
/*
 * Address spaces: trees of nodes mapping pages, and the Sv48 tables that
 * cache them (RISC-V privileged spec §4.3-4.4).
 *
 * A space key designates a node of height h (the badge's low byte): each
 * of its 32 slots covers 2^(12 + 5(h-1)) bytes; slots of a height-1 node
 * hold page keys. Read-only (RO, WEAK) and no-execute (NX) rights collect
 * along the path. A space key with the KEEPER right designates a wrapper
 * node: slot 0 holds the content (a space key), slot 1 the keeper to call
 * on a fault inside it; the innermost wrapper on the path wins, and a
 * fault with no wrapper goes to the domain's keeper.
 *
 * Sv48 tables are a cache per cached domain (proc.h). Every user PTE that
 * maps a page frame is recorded on that frame's list (the reverse map), so
 * evicting a page and write-protecting it at a checkpoint both cost time
 * proportional to that page's mappings. A PTE is writable only while its
 * page is dirty in the current checkpoint epoch; the first store after a
 * checkpoint faults and re-dirties the page (reserving its log space).
 * Changing a node that was walked as part of an address space drops every
 * domain's tables (a rare event: address spaces are built once).
 */
#ifndef CAIRN_KERN_ASPACE_H
#define CAIRN_KERN_ASPACE_H

#include <stdint.h>
#include <stdbool.h>
#include "mem/node.h"

struct proc;
struct frame;

enum aspace_access {
	ACCESS_READ = 0,
	ACCESS_WRITE = 1,
	ACCESS_EXEC = 2,
};

struct aspace_walk {
	uint64_t page_oid;
	struct frame *page; /* the page's frame, pinned (or prepared for writing) */
	uint64_t device_pa; /* nonzero: the leaf is a DEVICE key, these registers */
	bool ro, nx;
	bool has_keeper;
	struct key keeper; /* innermost wrapper's keeper */
	uint16_t fault;    /* CAIRN_FAULT_MEMORY / _ACCESS when unresolved */
};

void aspace_init(void);

/* Find the page mapped at va in p's space and check the access against the
 * collected rights; pin it (or prepare it for writing). Prepare phase.
 * Returns 0, or the fault code (w says which keeper to tell). */
uint16_t aspace_lookup(struct proc *p, uint64_t va, enum aspace_access acc, struct aspace_walk *w);

/* Resolve a user page fault: aspace_lookup, then install the Sv48 entry.
 * Returns 0 or the fault code. */
uint16_t aspace_handle_fault(struct proc *p, uint64_t va, enum aspace_access acc,
			     struct aspace_walk *w);

/* The Sv48 root to run p with (built on demand; prepare phase). */
uint64_t aspace_root(struct proc *p);

void aspace_unmap_frame(struct frame *f); /* evicting a page */
/* Checkpoint demarcation: take write permission away from every user
 * mapping of f. True if one had it: the caller fences (once for many). */
bool aspace_write_protect_frame(struct frame *f);
/* Two page frames traded objects (objcache.c obj_page_exchange): every
 * user PTE that mapped a now maps b and the other way round, permissions
 * kept (they come from the keys to the objects, which did not change). */
void aspace_exchange_frames(struct frame *a, struct frame *b);
void aspace_flush_all(void); /* drop every domain's tables */
void aspace_free_tables(uint64_t root_pa);
/* A node's slot is about to change: drop derived tables if it was walked. */
void aspace_node_changing(uint64_t node_oid);

#endif
