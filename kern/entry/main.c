/* SPDX-License-Identifier: MIT */
/*
 * kmain: the boot sequence, one step per line. boot.S has turned on the
 * early page table and jumped here at the kernel's high address.
 */
#include <string.h>
#include "sbi.h"
#include "hw/log.h"
#include "hw/panic.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "mem/frame.h"
#include "mem/vm.h"
#include "entry/trap.h"
#include "hw/plic.h"
#include "hw/timer.h"
#include "hw/uart.h"
#include "dom/sched.h"
#include "dev/virtio_blk.h"
#include "dev/volume.h"
#include "mem/objcache.h"
#include "dom/aspace.h"
#include "dom/proc.h"
#include "ckpt/ckpt.h"
#include "hw/riscv.h"

extern char _tdata_start[], _tdata_end[], _tbss_start[], _tbss_end[], _kernel_end[];

/* picolibc keeps errno in TLS; tp points at this block (psABI: TLS variant I,
 * no TCB before the block). */
static char kernel_tls[256] __attribute__((aligned(16)));

static void tls_init(void)
{
	size_t tdata = (size_t)(_tdata_end - _tdata_start);
	size_t total = (size_t)(_tbss_end - _tdata_start);
	if (total > sizeof(kernel_tls))
		total = sizeof(kernel_tls);
	memset(kernel_tls, 0, sizeof(kernel_tls));
	memcpy(kernel_tls, _tdata_start, tdata < total ? tdata : total);
	__asm__ volatile("mv tp, %0" : : "r"(kernel_tls));
}

void *kernel_tls_pointer(void)
{
	return kernel_tls;
}

static void apply_bootargs(void)
{
	char level[16];
	if (platform_bootarg("loglevel", level, sizeof(level))) {
		int l = log_level_from_name(level);
		if (l >= 0)
			log_set_level((enum log_level)l);
	}
}

__attribute__((noreturn)) void kmain(unsigned long hartid, unsigned long dtb_pa)
{
	ckpt_boot_instret = rdinstret(); /* restart cost is measured from here */
	tls_init();
	sbi_init(); /* probe firmware extensions */
	kprintf("\ncairn: booting on hart %lu\n", hartid);
	if (dtb_parse(pa_to_va(dtb_pa), hartid, dtb_pa) != 0)
		panic("no usable device tree at %#lx", dtb_pa);
	apply_bootargs();
	const struct sbi_features *sf = sbi_features();
	log_info("sbi %lu.%lu impl %lu v%#lx, console %s", sf->spec_version >> 24,
		 sf->spec_version & 0xffffff, sf->impl_id, sf->impl_version,
		 sf->has_dbcn ? "dbcn" : "legacy");
	frame_init((uint64_t)_kernel_end - KERNEL_VA_OFFSET); /* RAM above the kernel */
	vm_init();                                            /* final kernel page table */
	uart_init();  /* console output direct from now on */
	trap_init();  /* stvec, sscratch */
	plic_init();  /* external interrupts */
	timer_init(); /* supervisor timer */
	log_info("memory %lu MiB, %zu frames free, timebase %lu Hz",
		 (unsigned long)(platform_ram_size() >> 20), frame_free_count(),
		 (unsigned long)platform.timebase_hz);
	blk_init();      /* the first virtio block device */
	volume_open();   /* superblock, or a clean stop */
	objcache_init(); /* the node, tag and page pools */
	aspace_init();   /* reverse maps for user PTEs */
	proc_init();     /* the (empty) process cache */
	sched_init();    /* activities, run queue */
	ckpt_boot();     /* recover, or first boot: start domains */
	sched_run();
}
