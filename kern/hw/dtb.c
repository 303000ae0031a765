/* SPDX-License-Identifier: MIT */
/*
 * Device-tree parsing with libfdt (Devicetree Specification v0.4): memory
 * (§3.4), /cpus timebase-frequency (§3.7), /reserved-memory (§3.5),
 * /chosen bootargs (§3.6), the PLIC ("riscv,plic0" / "sifive,plic-1.0.0")
 * and every "virtio,mmio" slot with its interrupt. The tree is read once;
 * everything the kernel needs is copied into `platform`.
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

/* Read the index-th (address, size) pair of a node's "reg", sized by its
 * parent's #address-cells and #size-cells. The parent is the caller's to
 * know: libfdt's fdt_parent_offset() walks the tree from the root each
 * time (about 230,000 instructions a node on QEMU's virt tree). */
static int read_reg(const void *fdt, int parent, int node, int index, uint64_t *base,
		    uint64_t *size)
{
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	if (ac < 0 || sc < 0)
		return ac < 0 ? ac : sc;
	if (!reg)
		return len;
	int stride = (ac + sc) * 4;
	if ((index + 1) * stride > len)
		return -FDT_ERR_NOTFOUND;
	reg += index * (ac + sc);
	*base = read_cells(reg, ac);
	*size = read_cells(reg + ac, sc);
	return 0;
}

static void parse_memory(const void *fdt)
{
	int node;
	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		if (!type || strcmp(type, "memory") != 0)
			continue;
		for (int i = 0; platform.mem_count < PLATFORM_MAX_MEM; i++) {
			struct mem_range r;
			if (read_reg(fdt, 0, node, i, &r.base, &r.size) != 0)
				break;
			platform.mem[platform.mem_count++] = r;
		}
	}
}

static void parse_reserved(const void *fdt)
{
	/* The memory reservation block (§5.3) ... */
	int n = fdt_num_mem_rsv(fdt);
	for (int i = 0; i < n && platform.reserved_count < PLATFORM_MAX_RESERVED; i++) {
		uint64_t addr, size;
		if (fdt_get_mem_rsv(fdt, i, &addr, &size) == 0 && size)
			platform.reserved[platform.reserved_count++] =
				(struct mem_range){ addr, size };
	}
	/* ... and /reserved-memory (§3.5), where OpenSBI puts its own region. */
	int rm = fdt_path_offset(fdt, "/reserved-memory");
	if (rm < 0)
		return;
	int node;
	fdt_for_each_subnode(node, fdt, rm) {
		struct mem_range r;
		if (platform.reserved_count >= PLATFORM_MAX_RESERVED)
			break;
		if (read_reg(fdt, rm, node, 0, &r.base, &r.size) == 0)
			platform.reserved[platform.reserved_count++] = r;
	}
}

static void parse_timebase(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int len;
	const fdt32_t *p = cpus >= 0 ? fdt_getprop(fdt, cpus, "timebase-frequency", &len) : NULL;
	if (p && len >= 4)
		platform.timebase_hz = read_cells(p, len / 4 > 2 ? 2 : len / 4);
}

/* The /cpus node of the hart we boot on (reg = hart id), or < 0. */
static int boot_cpu_node(const void *fdt, unsigned long hartid)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int cpu;
	fdt_for_each_subnode(cpu, fdt, cpus) {
		uint64_t id, sz;
		if (read_reg(fdt, cpus, cpu, 0, &id, &sz) == 0 && id == hartid)
			return cpu;
	}
	return -1;
}

/*
 * The PLIC's interrupts-extended lists (phandle, irq) pairs, one per
 * context; the S-mode context of our hart is the entry whose phandle is our
 * hart's interrupt controller and whose irq is 9 (supervisor external).
 */
static void parse_plic(const void *fdt, int parent, int node, unsigned long hartid)
{
	if (node < 0)
		return;
	read_reg(fdt, parent, node, 0, &platform.plic_base, &platform.plic_size);
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "riscv,ndev", &len);
	if (p)
		platform.plic_ndev = fdt32_to_cpu(*p);

	/* Find our hart's interrupt-controller phandle. */
	uint32_t intc_phandle = 0;
	int cpu = boot_cpu_node(fdt, hartid);
	int intc;
	if (cpu >= 0) {
		fdt_for_each_subnode(intc, fdt, cpu) {
			if (fdt_getprop(fdt, intc, "interrupt-controller", NULL)) {
				intc_phandle = fdt_get_phandle(fdt, intc);
				break;
			}
		}
	}
	const fdt32_t *ie = fdt_getprop(fdt, node, "interrupts-extended", &len);
	if (!ie)
		return;
	for (int ctx = 0; ctx * 8 < len; ctx++) {
		uint32_t ph = fdt32_to_cpu(ie[ctx * 2]);
		uint32_t irq = fdt32_to_cpu(ie[ctx * 2 + 1]);
		if (ph == intc_phandle && irq == 9) {
			platform.plic_context = (uint32_t)ctx;
			return;
		}
	}
}

static void add_virtio(const void *fdt, int parent, int node)
{
	if (platform.virtio_count >= PLATFORM_MAX_VIRTIO)
		return;
	struct virtio_slot *s = &platform.virtio[platform.virtio_count];
	if (read_reg(fdt, parent, node, 0, &s->base, &s->size) != 0)
		return;
	int len;
	const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);
	s->irq = irq ? fdt32_to_cpu(*irq) : 0;
	platform.virtio_count++;
}

/* The PLIC and every "virtio,mmio" slot (in tree order), in one walk that
 * keeps each node's parent on a stack, so that their "reg" is read with
 * the parent's cell sizes without a walk from the root per node. */
#define DTB_MAX_DEPTH 16
struct plic_at {
	int parent, node;
};

static struct plic_at parse_devices(const void *fdt)
{
	struct plic_at plic = { -1, -1 };
	int parents[DTB_MAX_DEPTH];
	int depth = -1;
	for (int node = fdt_next_node(fdt, -1, &depth); node >= 0 && depth >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		if (depth >= DTB_MAX_DEPTH)
			continue; /* deeper than any device we look for */
		parents[depth] = node;
		if (depth == 0)
			continue;
		int parent = parents[depth - 1];
		if (fdt_node_check_compatible(fdt, node, "virtio,mmio") == 0)
			add_virtio(fdt, parent, node);
		else if (plic.node < 0 &&
			 (fdt_node_check_compatible(fdt, node, "riscv,plic0") == 0 ||
			  fdt_node_check_compatible(fdt, node, "sifive,plic-1.0.0") == 0))
			plic = (struct plic_at){ parent, node };
	}
	return plic;
}

static void parse_chosen(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0)
		return;
	int len;
	const char *args = fdt_getprop(fdt, chosen, "bootargs", &len);
	if (args && len > 0) {
		size_t n = strnlen(args, (size_t)len);
		if (n >= sizeof(platform.bootargs))
			n = sizeof(platform.bootargs) - 1;
		memcpy(platform.bootargs, args, n);
		platform.bootargs[n] = '\0';
	}
}

/* The boot hart's ISA string (devicetree riscv,isa; RISC-V ISA manual
 * naming: base, single letters, then '_'-separated extensions). */
static void parse_isa(const void *fdt, unsigned long hartid)
{
	int cpu = boot_cpu_node(fdt, hartid);
	int len;
	const char *isa = cpu >= 0 ? fdt_getprop(fdt, cpu, "riscv,isa", &len) : NULL;
	if (isa && len > 0 && (size_t)len <= sizeof(platform.isa))
		memcpy(platform.isa, isa, (size_t)len);
	platform.isa[sizeof(platform.isa) - 1] = '\0';
}

int dtb_parse(const void *fdt, unsigned long hartid, uint64_t dtb_pa)
{
	int err = fdt_check_header(fdt);
	if (err)
		return err;
	memset(&platform, 0, sizeof(platform));
	platform.boot_hart = hartid;
	platform.dtb_pa = dtb_pa;
	platform.dtb_size = fdt_totalsize(fdt);
	parse_memory(fdt);
	parse_reserved(fdt);
	parse_timebase(fdt);
	struct plic_at plic = parse_devices(fdt);
	parse_plic(fdt, plic.parent, plic.node, hartid);
	parse_chosen(fdt);
	parse_isa(fdt, hartid);
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
