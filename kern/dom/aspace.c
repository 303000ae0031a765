/* SPDX-License-Identifier: MIT */
/*
 * Address spaces and their page-table caches; see aspace.h.
 *
 * The reverse map: each user PTE that maps a page frame has a `umap`
 * record on that frame's list (frame.aux of a page frame points at the
 * first). Records come from a fixed pool; when it runs dry every domain's
 * tables are dropped and rebuilt on demand, which is always correct.
 */
#include <string.h>
#include <cairn/abi.h>
#include "dom/aspace.h"
#include "dom/proc.h"
#include "key/key.h"
#include "dev/udev.h"
#include "dom/kctx.h"
#include "mem/vm.h"
#include "hw/riscv.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "hw/panic.h"

struct umap {
	pte_t *pte;
	struct umap *next;
};

#define UMAP_MAX       32768
#define WALK_MAX_STEPS 16

/* Records freed after use are on umap_free; umaps[umap_fresh..] were never
 * used (taken in order, so boot does not thread all UMAP_MAX onto a list:
 * about 130,000 instructions, docs/benchmarks.md). */
static struct umap umaps[UMAP_MAX];
static struct umap *umap_free;
static unsigned umap_fresh;
static unsigned umap_used;
static uint64_t flush_count;

void aspace_init(void)
{
	umap_free = NULL;
	umap_fresh = 0;
	umap_used = 0;
}

/* A record can be had (umap_add() needs one). */
static bool umap_available(void)
{
	return umap_free || umap_fresh < UMAP_MAX;
}

static struct umap *frame_umaps(struct frame *f)
{
	return (struct umap *)(uintptr_t)f->aux;
}

static void umap_add(struct frame *f, pte_t *pte)
{
	struct umap *m = umap_free;
	if (m)
		umap_free = m->next;
	else
		m = umap_fresh < UMAP_MAX ? &umaps[umap_fresh++] : NULL;
	kassert(m != NULL); /* reserved by the caller (umap_available) */
	umap_used++;
	m->pte = pte;
	m->next = frame_umaps(f);
	f->aux = (uint64_t)(uintptr_t)m;
}

static void umap_remove(struct frame *f, pte_t *pte)
{
	struct umap **pp = (struct umap **)&f->aux;
	while (*pp) {
		struct umap *m = *pp;
		if (m->pte == pte) {
			*pp = m->next;
			m->next = umap_free;
			umap_free = m;
			umap_used--;
			return;
		}
		pp = &m->next;
	}
	panic("aspace: PTE %p not on its frame's reverse map", (void *)pte);
}

/* --- walking the node tree ------------------------------------------ */

/* Walk p's space for va. Returns 0 with w->page_oid set, or a fault code. */
/* A leaf that is neither a page nor a space: a device's registers,
 * mapped like a page (dev/udev.h), or nothing. Off the hot path. */
static __attribute__((noinline)) uint16_t
walk_leaf_other(const struct key *k, uint8_t type, bool top, uint64_t offset, struct aspace_walk *w)
{
	if (type != CAIRN_KEY_DEVICE || (top && offset >= 4096))
		return CAIRN_FAULT_MEMORY;
	const struct udev *d = udev_of_key(k->b);
	if (!d)
		return CAIRN_FAULT_MEMORY;
	w->ro |= (key_rights(k) & (CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK)) != 0;
	w->device_pa = d->regs_pa;
	return 0;
}

static uint16_t walk(struct proc *p, uint64_t va, struct aspace_walk *w)
{
	*w = (struct aspace_walk){ 0 };
	if (va >= USER_VA_TOP)
		return CAIRN_FAULT_MEMORY;
	struct key k = node_at(p->root_oid)->slot[CAIRN_DOM_SLOT_SPACE];
	uint64_t offset = va;
	unsigned limit = CAIRN_SPACE_MAX_HEIGHT + 1; /* heights must decrease */
	bool top = true;
	for (int step = 0; step < WALK_MAX_STEPS; step++) {
		struct frame *pot = NULL;
		uint8_t type = key_check_pot(&k, &pot); /* pins each node once */
		if (type == CAIRN_KEY_PAGE) {
			if (top && offset >= 4096)
				return CAIRN_FAULT_MEMORY; /* a lone page maps [0, 4096) */
			w->ro |= (key_rights(&k) & (CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK)) != 0;
			w->nx |= (key_rights(&k) & CAIRN_RIGHT_NX) != 0;
			w->page_oid = key_oid(&k);
			return 0;
		}
		if (type != CAIRN_KEY_SPACE)
			return walk_leaf_other(&k, type, top, offset, w);
		top = false;
		uint64_t n = key_oid(&k);
		/* Page tables will derive from this node (aspace_node_changing). */
		pot->obj_flags |= OBJF_ASPACE_NODE(node_pot_slot(n));
		const struct knode *node = node_at(n);
		uint8_t rights = key_rights(&k);
		w->ro |= (rights & (CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK)) != 0;
		w->nx |= (rights & CAIRN_RIGHT_NX) != 0;
		if (rights & CAIRN_RIGHT_KEEPER) {
			w->has_keeper = true;
			w->keeper = node->slot[1];
			k = node->slot[0];
			continue;
		}
		unsigned h = key_height(&k);
		if (h < 1 || h >= limit)
			return CAIRN_FAULT_MEMORY; /* malformed: treated as unmapped */
		limit = h;
		unsigned shift = CAIRN_SPACE_SLOT_SHIFT(h);
		uint64_t index = offset >> shift;
		if (index >= CAIRN_NODE_SLOTS)
			return CAIRN_FAULT_MEMORY;
		offset &= (1ULL << shift) - 1;
		k = node->slot[index];
		if (h == 1 && key_type(&k) != CAIRN_KEY_PAGE && key_type(&k) != CAIRN_KEY_DEVICE)
			return CAIRN_FAULT_MEMORY;
	}
	return CAIRN_FAULT_MEMORY; /* a keeper wrapper loop */
}

static inline __attribute__((always_inline)) uint16_t check_page(enum aspace_access acc,
								 struct aspace_walk *w);

uint16_t aspace_lookup(struct proc *p, uint64_t va, enum aspace_access acc, struct aspace_walk *w)
{
	uint16_t fault = walk(p, va, w);
	if (fault) {
		w->fault = fault;
		return fault;
	}
	if (w->device_pa) {
		/* Device registers are only for the domain's own loads and
		 * stores (aspace_handle_fault), never a string or a buffer the
		 * kernel reads or writes. */
		w->fault = CAIRN_FAULT_ACCESS;
		return CAIRN_FAULT_ACCESS;
	}
	return check_page(acc, w);
}

/* The walk found a page: check the access, and pin the page or prepare it
 * for writing. */
static inline __attribute__((always_inline)) uint16_t check_page(enum aspace_access acc,
								 struct aspace_walk *w)
{
	if ((acc == ACCESS_WRITE && w->ro) || (acc == ACCESS_EXEC && w->nx)) {
		w->fault = CAIRN_FAULT_ACCESS;
		return CAIRN_FAULT_ACCESS;
	}
	if (!page_oid_ok(w->page_oid)) {
		w->fault = CAIRN_FAULT_MEMORY;
		return CAIRN_FAULT_MEMORY;
	}
	if (acc == ACCESS_WRITE)
		w->page = page_prepare_write(w->page_oid);
	else
		w->page = page_pin(w->page_oid);
	return 0;
}

/* --- Sv48 tables ------------------------------------------------------ */

uint64_t aspace_root(struct proc *p)
{
	if (p->pt_root)
		return p->pt_root;
	uint64_t pa = kframe_alloc();
	vm_user_root_init(pa);
	p->pt_root = pa;
	return pa;
}

/* How many page-table frames building the path to va needs (the root
 * included), given the tables p has now. */
static unsigned tables_missing(const struct proc *p, uint64_t va)
{
	if (!p->pt_root)
		return PT_LEVELS;
	const pte_t *table = pa_to_va(p->pt_root);
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		pte_t pte = table[pt_vpn(va, level)];
		if (!(pte & PTE_V))
			return (unsigned)level;
		table = pa_to_va(pte_pa(pte));
	}
	return 0;
}

/*
 * The level-0 PTE for va in p's tables, building what is missing (prepare
 * phase). Memory is made free before any pointer into the tables is
 * taken: evicting may drop a node pot that an address space was walked
 * from, and that drops every domain's tables (objcache.c evict), p's
 * included. So: unless a whole path's worth of frames is free anyway (the
 * usual case, and then nothing is counted), count, make that many frames
 * free, count again (a drop only makes more tables missing, at most all
 * of them); then allocate without evicting.
 */
static uint64_t table_frame(void)
{
	uint64_t pa = frame_alloc(); /* zeroed; never evicts */
	kassert(pa != 0);            /* user_pte made it free */
	return pa;
}

static pte_t *user_pte(struct proc *p, uint64_t va)
{
	if (frame_free_count() < PT_LEVELS) {
		unsigned need;
		while (frame_free_count() < (need = tables_missing(p, va)))
			kframe_reserve(need); /* may evict, may park: holds nothing yet */
	}
	if (!p->pt_root) {
		uint64_t pa = table_frame();
		vm_user_root_init(pa);
		p->pt_root = pa;
	}
	pte_t *table = pa_to_va(p->pt_root);
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		pte_t *pte = &table[pt_vpn(va, level)];
		if (!(*pte & PTE_V))
			*pte = pte_make(table_frame(), PTE_V);
		table = pa_to_va(pte_pa(*pte));
	}
	return &table[pt_vpn(va, 0)];
}

/* A load or store to a device's registers: map the register page,
 * never executable. */
static uint16_t map_device(struct proc *p, uint64_t va, enum aspace_access acc,
			   struct aspace_walk *w)
{
	if ((acc == ACCESS_WRITE && w->ro) || acc == ACCESS_EXEC)
		return CAIRN_FAULT_ACCESS;
	if (!umap_available())
		aspace_flush_all(); /* before we hold any PTE pointer */
	pte_t *pte = user_pte(p, va & ~(PAGE_SIZE - 1));
	kctx_commit();
	if ((*pte & PTE_V) && !(*pte & PTE_SW_DEVICE))
		umap_remove(frame_of(pte_pa(*pte)), pte);
	*pte = pte_make(w->device_pa, PTE_V | PTE_U | PTE_R | PTE_A | PTE_D | PTE_SW_DEVICE |
					      (w->ro ? 0 : PTE_W));
	sfence_vma_addr(va);
	return 0;
}

uint16_t aspace_handle_fault(struct proc *p, uint64_t va, enum aspace_access acc,
			     struct aspace_walk *w)
{
	uint16_t fault = walk(p, va, w);
	if (!fault && w->device_pa)
		return map_device(p, va, acc, w);
	if (!fault)
		fault = check_page(acc, w);
	if (fault) {
		w->fault = fault;
		return fault;
	}
	if (!umap_available())
		aspace_flush_all(); /* before we hold any PTE pointer */
	pte_t *pte = user_pte(p, va & ~(PAGE_SIZE - 1));
	/* The page was pinned by aspace_lookup; table allocation above may
	 * have evicted other objects but not it. Nothing below can fault. */
	kctx_commit();
	struct frame *f = w->page;
	bool writable = !w->ro && (f->obj_flags & OBJF_DIRTY) && !(f->obj_flags & OBJF_SNAPSHOT);
	if (writable)
		f->obj_flags &= (uint16_t)~OBJF_ZERO; /* the domain may write it now */
	pte_t want = pte_make(frame_pa(f), PTE_V | PTE_U | PTE_R | PTE_A | PTE_D |
						   (writable ? PTE_W : 0) | (w->nx ? 0 : PTE_X));
	if ((*pte & PTE_V) && (*pte & PTE_SW_DEVICE)) {
		umap_add(f, pte); /* a device mapping had no reverse-map entry */
	} else if (*pte & PTE_V) {
		struct frame *old = frame_of(pte_pa(*pte));
		if (old != f) {
			umap_remove(old, pte);
			umap_add(f, pte);
		}
	} else {
		umap_add(f, pte);
	}
	*pte = want;
	sfence_vma_addr(va);
	return 0;
}

static void free_table(uint64_t table_pa, int level)
{
	pte_t *t = pa_to_va(table_pa);
	unsigned limit = level == PT_LEVELS - 1 ? PT_ENTRIES / 2 : PT_ENTRIES;
	for (unsigned i = 0; i < limit; i++) {
		if (!(t[i] & PTE_V))
			continue;
		if (level == 0) {
			if (!(t[i] & PTE_SW_DEVICE)) /* device registers have no frame */
				umap_remove(frame_of(pte_pa(t[i])), &t[i]);
		} else {
			free_table(pte_pa(t[i]), level - 1);
		}
	}
	frame_free(table_pa);
}

void aspace_free_tables(uint64_t root_pa)
{
	/* Never free the table the hart is using. */
	if ((csr_read(satp) & SATP_PPN_MASK) == (root_pa >> PAGE_SHIFT))
		vm_switch(vm_kernel_root());
	free_table(root_pa, PT_LEVELS - 1);
}

static void drop_tables(struct proc *p, void *arg)
{
	(void)arg;
	proc_drop_tables(p);
}

void aspace_flush_all(void)
{
	flush_count++;
	proc_for_each(drop_tables, NULL);
	log_debug("aspace: dropped every domain's page tables (%lu times)",
		  (unsigned long)flush_count);
}

void aspace_unmap_frame(struct frame *f)
{
	struct umap *m = frame_umaps(f);
	if (!m)
		return;
	while (m) {
		struct umap *next = m->next;
		*m->pte = 0;
		m->next = umap_free;
		umap_free = m;
		umap_used--;
		m = next;
	}
	f->aux = 0;
	sfence_vma_all();
}

/* Each PTE on a list now names the other frame, and the lists trade
 * frames with them. */
static void umaps_retarget(struct umap *m, uint64_t pa)
{
	for (; m; m = m->next)
		*m->pte = pte_make(pa, *m->pte & ((1ul << PTE_PPN_SHIFT) - 1));
}

void aspace_exchange_frames(struct frame *a, struct frame *b)
{
	struct umap *ma = frame_umaps(a), *mb = frame_umaps(b);
	if (!ma && !mb)
		return;
	umaps_retarget(ma, frame_pa(b));
	umaps_retarget(mb, frame_pa(a));
	a->aux = (uint64_t)(uintptr_t)mb;
	b->aux = (uint64_t)(uintptr_t)ma;
	sfence_vma_all();
}

bool aspace_write_protect_frame(struct frame *f)
{
	bool any = false;
	for (struct umap *m = frame_umaps(f); m; m = m->next) {
		if (*m->pte & PTE_W) {
			*m->pte &= ~PTE_W;
			any = true;
		}
	}
	return any;
}

void aspace_node_changing(uint64_t node_oid)
{
	struct frame *f = obj_frame(OBJ_NODEPOT, node_pot(node_oid));
	uint16_t bit = OBJF_ASPACE_NODE(node_pot_slot(node_oid));
	if (!f || !(f->obj_flags & bit))
		return;
	f->obj_flags &= (uint16_t)~bit;
	aspace_flush_all();
}
