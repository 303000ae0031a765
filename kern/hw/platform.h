/* SPDX-License-Identifier: MIT */
/*
 * What the device tree told us about the machine. Filled once at boot by
 * dtb.c; read-only afterwards. Nothing here is hard-coded for QEMU virt:
 * addresses, sizes and interrupt numbers all come from the tree.
 */
#ifndef CAIRN_KERN_PLATFORM_H
#define CAIRN_KERN_PLATFORM_H

#include <stdint.h>
#include <stdbool.h>

#define PLATFORM_MAX_MEM      4
#define PLATFORM_MAX_RESERVED 8
#define PLATFORM_MAX_VIRTIO   16
#define PLATFORM_BOOTARGS_MAX 128

struct mem_range {
	uint64_t base;
	uint64_t size;
};

struct virtio_slot {
	uint64_t base;
	uint64_t size;
	uint32_t irq;
};

/* The console UART ("ns16550a"): base 0 if the tree names none. */
struct uart_info {
	uint64_t base;
	uint32_t reg_shift; /* registers 1 << reg_shift bytes apart */
	uint32_t io_width;  /* bytes a register access (1 or 4) */
};

#define PLATFORM_ISA_MAX 256

struct platform_info {
	unsigned long boot_hart;
	uint64_t dtb_pa;
	uint32_t dtb_size;
	struct mem_range mem[PLATFORM_MAX_MEM];
	int mem_count;
	struct mem_range reserved[PLATFORM_MAX_RESERVED];
	int reserved_count;
	uint64_t timebase_hz;
	uint64_t plic_base;
	uint64_t plic_size;
	uint32_t plic_ndev;
	uint32_t plic_context; /* S-mode context of the boot hart */
	struct virtio_slot virtio[PLATFORM_MAX_VIRTIO];
	int virtio_count;
	struct uart_info uart;
	char bootargs[PLATFORM_BOOTARGS_MAX];
	char isa[PLATFORM_ISA_MAX]; /* the boot hart's riscv,isa string, "" if none */
};

extern struct platform_info platform;

/* Parse the flattened device tree at `dtb` (a kernel virtual address).
 * Returns 0, or a negative libfdt error. */
int dtb_parse(const void *dtb, unsigned long hartid, uint64_t dtb_pa);

/* Total RAM and its end (highest address + 1) over all memory ranges. */
uint64_t platform_ram_size(void);
uint64_t platform_ram_end(void);
/* The kernel's direct map covers physical [0, this): every GiB up to the
 * end of RAM (mem/vm.c). */
uint64_t platform_direct_map_end(void);

/* Does the boot hart's riscv,isa string name multi-letter extension
 * `ext` (e.g. "zbb": "_zbb" followed by '_' or the end)? */
bool platform_has_isa_ext(const char *ext);

/* Find "key=value" in bootargs; copies value into out. */
bool platform_bootarg(const char *key, char *out, unsigned long outlen);

#endif
