/* SPDX-License-Identifier: MIT */
/*
 * Device-tree parsing with libfdt (Devicetree Specification v0.4): memory
 * (§3.4), /cpus timebase-frequency (§3.7), /reserved-memory (§3.5),
 * /chosen bootargs (§3.6), the PLIC ("riscv,plic0" / "sifive,plic-1.0.0")
 * and every "virtio,mmio" slot with its interrupt. The tree is read in one
 * walk (walk() below); everything the kernel needs is copied into
 * `platform`.
 *
 * Trust: the tree is the firmware's (QEMU's, passed on by OpenSBI), part
 * of the platform the kernel runs on, like the firmware itself. Its header
 * is checked (fdt_check_header(): magic, block offsets and sizes inside
 * the blob; version 17 here, as libfdt's ASSUME_LATEST expects), every
 * read stays inside the structure block (fdt_offset_ptr()), and libfdt is
 * built with ASSUME_VALID_INPUT (libfdt/meson.build): the offsets the
 * kernel passes are the ones libfdt gave it, so libfdt does not re-check
 * them on every call, which took half the walk's instructions.
 */
#include <string.h>
#include <libfdt.h>
#include "hw/platform.h"
#include "hw/log.h"

struct platform_info platform;

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;
	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/* The properties of one node the kernel reads, found in one pass over
 * its properties (each fdt_getprop() is a pass of its own). */
struct dtb_node {
	int depth;
	int address_cells, size_cells; /* for its children (§2.3.5: 2 and 1 if absent) */
	const char *compatible, *device_type, *isa, *bootargs;
	int compatible_len, isa_len, bootargs_len, reg_len, ie_len, timebase_len;
	const fdt32_t *reg, *interrupts, *ndev, *ie, *timebase, *phandle, *reg_shift, *io_width;
	bool interrupt_controller;
};

static void read_node(const void *fdt, int node, int depth, struct dtb_node *n)
{
	int prop;
	*n = (struct dtb_node){ .depth = depth, .address_cells = 2, .size_cells = 1 };
	fdt_for_each_property_offset(prop, fdt, node) {
		const char *name;
		int len;
		const void *v = fdt_getprop_by_offset(fdt, prop, &name, &len);
		if (!v || !name)
			continue;
		if (strcmp(name, "compatible") == 0)
			n->compatible = v, n->compatible_len = len;
		else if (strcmp(name, "reg") == 0)
			n->reg = v, n->reg_len = len;
		else if (strcmp(name, "interrupts") == 0 && len >= 4)
			n->interrupts = v;
		else if (strcmp(name, "#address-cells") == 0 && len == 4)
			n->address_cells = (int)fdt32_to_cpu(*(const fdt32_t *)v);
		else if (strcmp(name, "#size-cells") == 0 && len == 4)
			n->size_cells = (int)fdt32_to_cpu(*(const fdt32_t *)v);
		else if (strcmp(name, "device_type") == 0)
			n->device_type = v;
		else if (strcmp(name, "interrupt-controller") == 0)
			n->interrupt_controller = true;
		else if (strcmp(name, "phandle") == 0 && len == 4)
			n->phandle = v;
		else if (strcmp(name, "riscv,isa") == 0)
			n->isa = v, n->isa_len = len;
		else if (strcmp(name, "timebase-frequency") == 0)
			n->timebase = v, n->timebase_len = len;
		else if (strcmp(name, "bootargs") == 0)
			n->bootargs = v, n->bootargs_len = len;
		else if (strcmp(name, "riscv,ndev") == 0 && len >= 4)
			n->ndev = v;
		else if (strcmp(name, "interrupts-extended") == 0)
			n->ie = v, n->ie_len = len;
		else if (strcmp(name, "reg-shift") == 0 && len == 4)
			n->reg_shift = v;
		else if (strcmp(name, "reg-io-width") == 0 && len == 4)
			n->io_width = v;
	}
}

/* The index-th (address, size) pair of a node's "reg", sized by its
 * parent's #address-cells and #size-cells. */
static int read_reg(const struct dtb_node *parent, const struct dtb_node *n, int index,
		    uint64_t *base, uint64_t *size)
{
	int ac = parent->address_cells, sc = parent->size_cells;
	if (ac < 0 || ac > 2 || sc < 0 || sc > 2)
		return -FDT_ERR_BADNCELLS;
	if (!n->reg || (index + 1) * (ac + sc) * 4 > n->reg_len)
		return -FDT_ERR_NOTFOUND;
	const fdt32_t *reg = n->reg + index * (ac + sc);
	*base = read_cells(reg, ac);
	*size = read_cells(reg + ac, sc);
	return 0;
}

static bool is_compatible(const struct dtb_node *n, const char *what)
{
	return n->compatible && fdt_stringlist_contains(n->compatible, n->compatible_len, what);
}

/* True if the node's name is `base` or `base@unit` (Devicetree Spec
 * §2.2.1): /cpus, /chosen, /memory@..., /reserved-memory. */
static bool node_named(const void *fdt, int node, const char *base)
{
	int len;
	const char *name = fdt_get_name(fdt, node, &len);
	size_t n = strlen(base);
	return name && (size_t)len >= n && memcmp(name, base, n) == 0 &&
	       ((size_t)len == n || name[n] == '@');
}

/* The memory reservation block (§5.3); /reserved-memory's children
 * (§3.5, where OpenSBI puts its own region) come in the walk. */
static void add_reservation_block(const void *fdt)
{
	int n = fdt_num_mem_rsv(fdt);
	for (int i = 0; i < n && platform.reserved_count < PLATFORM_MAX_RESERVED; i++) {
		uint64_t addr, size;
		if (fdt_get_mem_rsv(fdt, i, &addr, &size) == 0 && size)
			platform.reserved[platform.reserved_count++] =
				(struct mem_range){ addr, size };
	}
}

static void add_memory(const struct dtb_node *root, const struct dtb_node *n)
{
	if (!n->device_type || strcmp(n->device_type, "memory") != 0)
		return;
	for (int i = 0; platform.mem_count < PLATFORM_MAX_MEM; i++) {
		struct mem_range r;
		if (read_reg(root, n, i, &r.base, &r.size) != 0)
			break;
		platform.mem[platform.mem_count++] = r;
	}
}

static void add_reserved(const struct dtb_node *parent, const struct dtb_node *n)
{
	struct mem_range r;
	if (platform.reserved_count < PLATFORM_MAX_RESERVED &&
	    read_reg(parent, n, 0, &r.base, &r.size) == 0)
		platform.reserved[platform.reserved_count++] = r;
}

static void add_virtio(const struct dtb_node *parent, const struct dtb_node *n)
{
	if (platform.virtio_count >= PLATFORM_MAX_VIRTIO)
		return;
	struct virtio_slot *s = &platform.virtio[platform.virtio_count];
	if (read_reg(parent, n, 0, &s->base, &s->size) != 0)
		return;
	s->irq = n->interrupts ? fdt32_to_cpu(*n->interrupts) : 0;
	platform.virtio_count++;
}

/* The first "ns16550a" (uart.c decides whether it can use it). */
static void add_uart(const struct dtb_node *parent, const struct dtb_node *n)
{
	uint64_t base, size;
	if (platform.uart.base || read_reg(parent, n, 0, &base, &size) != 0 || base == 0)
		return;
	platform.uart = (struct uart_info){
		.base = base,
		.reg_shift = n->reg_shift ? fdt32_to_cpu(*n->reg_shift) : 0,
		.io_width = n->io_width ? fdt32_to_cpu(*n->io_width) : 1,
	};
}

/* The boot hart's ISA string (devicetree riscv,isa; RISC-V ISA manual
 * naming: base, single letters, then '_'-separated extensions). */
static void read_isa(const struct dtb_node *cpu)
{
	if (cpu->isa && cpu->isa_len > 0 && (size_t)cpu->isa_len <= sizeof(platform.isa)) {
		memcpy(platform.isa, cpu->isa, (size_t)cpu->isa_len);
		platform.isa[sizeof(platform.isa) - 1] = '\0';
	}
}

static void read_bootargs(const struct dtb_node *chosen)
{
	if (!chosen->bootargs || chosen->bootargs_len <= 0)
		return;
	size_t len = strnlen(chosen->bootargs, (size_t)chosen->bootargs_len);
	if (len >= sizeof(platform.bootargs))
		len = sizeof(platform.bootargs) - 1;
	memcpy(platform.bootargs, chosen->bootargs, len);
	platform.bootargs[len] = '\0';
}

/* What the walk found that is read after it: the PLIC (its node and its
 * parent's cells) and the boot hart's interrupt controller. */
struct dtb_found {
	int cpus, boot_cpu, reserved;
	bool have_plic;
	struct dtb_node plic, plic_parent;
	uint32_t intc_phandle;
};

/*
 * The PLIC's interrupts-extended lists (phandle, irq) pairs, one per
 * context; the S-mode context of our hart is the entry whose phandle is our
 * hart's interrupt controller and whose irq is 9 (supervisor external).
 */
static void read_plic(const struct dtb_found *f)
{
	if (!f->have_plic)
		return;
	read_reg(&f->plic_parent, &f->plic, 0, &platform.plic_base, &platform.plic_size);
	if (f->plic.ndev)
		platform.plic_ndev = fdt32_to_cpu(*f->plic.ndev);
	const fdt32_t *ie = f->plic.ie;
	for (int ctx = 0; ie && (ctx + 1) * 8 <= f->plic.ie_len; ctx++) {
		uint32_t ph = fdt32_to_cpu(ie[ctx * 2]);
		uint32_t irq = fdt32_to_cpu(ie[ctx * 2 + 1]);
		if (ph == f->intc_phandle && irq == 9) {
			platform.plic_context = (uint32_t)ctx;
			return;
		}
	}
}

/* One node of the walk (depth >= 1) under its parent. Top-level nodes are
 * known by name; devices anywhere by "compatible". */
static void visit(const void *fdt, int node, const struct dtb_node *parent, int parent_off,
		  const struct dtb_node *n, unsigned long hartid, struct dtb_found *f)
{
	if (n->depth == 1) {
		if (node_named(fdt, node, "memory")) {
			add_memory(parent, n);
		} else if (node_named(fdt, node, "cpus")) {
			f->cpus = node;
			if (n->timebase && n->timebase_len >= 4)
				platform.timebase_hz =
					read_cells(n->timebase, n->timebase_len >= 8 ? 2 : 1);
		} else if (node_named(fdt, node, "chosen")) {
			read_bootargs(n);
		} else if (node_named(fdt, node, "reserved-memory")) {
			f->reserved = node;
		}
	} else if (n->depth == 2 && parent_off == f->reserved) {
		add_reserved(parent, n);
		return;
	} else if (n->depth == 2 && parent_off == f->cpus && f->boot_cpu < 0) {
		uint64_t id, sz;
		if (read_reg(parent, n, 0, &id, &sz) == 0 && id == hartid) {
			f->boot_cpu = node;
			read_isa(n);
		}
		return;
	} else if (n->depth == 3 && parent_off == f->boot_cpu && f->intc_phandle == 0) {
		if (n->interrupt_controller && n->phandle)
			f->intc_phandle = fdt32_to_cpu(*n->phandle);
		return;
	}
	if (is_compatible(n, "virtio,mmio")) {
		add_virtio(parent, n);
	} else if (is_compatible(n, "ns16550a")) {
		add_uart(parent, n);
	} else if (!f->have_plic &&
		   (is_compatible(n, "riscv,plic0") || is_compatible(n, "sifive,plic-1.0.0"))) {
		f->have_plic = true;
		f->plic = *n;
		f->plic_parent = *parent;
	}
}

/* The whole tree in one walk with a stack of its ancestors' properties,
 * so that every "reg" is read with its parent's cell sizes and each node's
 * properties are read once: no lookup walks the tree again. Each
 * fdt_path_offset(), fdt_for_each_subnode() over the root or
 * fdt_parent_offset() is a walk of its own, and one fdt_getprop() a pass
 * over a node's properties: the parser made of them cost 1,060,000
 * instructions on QEMU's virt tree (docs/benchmarks.md "Where a boot's
 * instructions go"). Virtio slots come in tree order. */
#define DTB_MAX_DEPTH 8

static void walk(const void *fdt, unsigned long hartid)
{
	struct dtb_found f = { .cpus = -1, .boot_cpu = -1, .reserved = -1 };
	struct dtb_node stack[DTB_MAX_DEPTH];
	int offsets[DTB_MAX_DEPTH];
	int depth = -1;
	for (int node = fdt_next_node(fdt, -1, &depth); node >= 0 && depth >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		if (depth >= DTB_MAX_DEPTH)
			continue; /* deeper than anything we look for */
		read_node(fdt, node, depth, &stack[depth]);
		offsets[depth] = node;
		if (depth > 0)
			visit(fdt, node, &stack[depth - 1], offsets[depth - 1], &stack[depth],
			      hartid, &f);
	}
	read_plic(&f);
}

int dtb_parse(const void *fdt, unsigned long hartid, uint64_t dtb_pa)
{
	if (fdt_magic(fdt) == FDT_MAGIC && fdt_version(fdt) < 17)
		return -FDT_ERR_BADVERSION; /* libfdt is built assuming the latest (17) */
	int err = fdt_check_header(fdt);
	if (err)
		return err;
	memset(&platform, 0, sizeof(platform));
	platform.boot_hart = hartid;
	platform.dtb_pa = dtb_pa;
	platform.dtb_size = fdt_totalsize(fdt);
	add_reservation_block(fdt);
	walk(fdt, hartid);
	if (platform.mem_count == 0 || platform.timebase_hz == 0)
		return -FDT_ERR_NOTFOUND;
	return 0;
}

bool platform_has_isa_ext(const char *ext)
{
	size_t n = strlen(ext);
	for (const char *p = strchr(platform.isa, '_'); p; p = strchr(p + 1, '_'))
		if (strncmp(p + 1, ext, n) == 0 && (p[1 + n] == '_' || p[1 + n] == '\0'))
			return true;
	return false;
}

uint64_t platform_ram_size(void)
{
	uint64_t total = 0;
	for (int i = 0; i < platform.mem_count; i++)
		total += platform.mem[i].size;
	return total;
}

uint64_t platform_ram_end(void)
{
	uint64_t end = 0;
	for (int i = 0; i < platform.mem_count; i++)
		if (platform.mem[i].base + platform.mem[i].size > end)
			end = platform.mem[i].base + platform.mem[i].size;
	return end;
}

uint64_t platform_direct_map_end(void)
{
	const uint64_t gib = 1ull << 30;
	return (platform_ram_end() + gib - 1) & ~(gib - 1);
}

bool platform_bootarg(const char *key, char *out, unsigned long outlen)
{
	size_t klen = strlen(key);
	const char *p = platform.bootargs;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = (size_t)(end - p) - klen - 1;
			if (vlen >= outlen)
				vlen = outlen - 1;
			memcpy(out, p + klen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}
