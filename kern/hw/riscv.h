/* SPDX-License-Identifier: MIT */
/*
 * RISC-V supervisor-level definitions: CSR accessors, status and interrupt
 * bits, trap causes and the Sv48 page-table entry format. Numbers are from
 * the RISC-V Privileged Architecture v1.12: §4.1 (supervisor CSRs), §4.1.1
 * (sstatus), §4.1.3 (sip/sie), §4.1.9 (scause, table 4.2), §4.3-§4.5 (Sv39, Sv48).
 */
#ifndef CAIRN_KERN_RISCV_H
#define CAIRN_KERN_RISCV_H

#include <stdint.h>
#include <stdbool.h>

#define csr_read(csr)                                                        \
	({                                                                   \
		unsigned long __v;                                           \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v) : : "memory"); \
		__v;                                                         \
	})
#define csr_write(csr, val) \
	__asm__ volatile("csrw " #csr ", %0" : : "rK"((unsigned long)(val)) : "memory")
#define csr_set(csr, bits) \
	__asm__ volatile("csrs " #csr ", %0" : : "rK"((unsigned long)(bits)) : "memory")
#define csr_clear(csr, bits) \
	__asm__ volatile("csrc " #csr ", %0" : : "rK"((unsigned long)(bits)) : "memory")

/* §4.1.1: sstatus. */
#define SSTATUS_SIE        (1UL << 1)
#define SSTATUS_SPIE       (1UL << 5)
#define SSTATUS_SPP        (1UL << 8)
#define SSTATUS_FS_MASK    (3UL << 13)
#define SSTATUS_FS_OFF     (0UL << 13)
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN   (2UL << 13)
#define SSTATUS_FS_DIRTY   (3UL << 13)
#define SSTATUS_SUM        (1UL << 18)
#define SSTATUS_MXR        (1UL << 19)

/* §4.1.3: sie / sip bits. */
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)

/* §4.1.9, table 4.2: scause values. */
#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_SOFT       1
#define IRQ_S_TIMER      5
#define IRQ_S_EXT        9

#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

/* §4.1.11: satp. Sv39 is the early boot table's mode (kern/entry/boot.S);
 * the kernel runs in Sv48 (§4.5), whose MODE field a hart without it
 * leaves unchanged when written. */
#define SATP_MODE_SV39  (8UL << 60)
#define SATP_MODE_SV48  (9UL << 60)
#define SATP_MODE_SHIFT 60
#define SATP_PPN_MASK   ((1UL << 44) - 1)

/* §4.3.1 / §4.4 / §4.5: page-table entries (the same in Sv39 and Sv48). */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
/* RSW bit 8, free for software (privileged spec §4.3.1): the leaf maps a
 * device's registers, not a frame of RAM (dom/aspace.c). */
#define PTE_SW_DEVICE (1UL << 8)
#define PTE_PPN_SHIFT 10
#define PTE_LEAF_MASK (PTE_R | PTE_W | PTE_X)

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
/* Sv48 (§4.5): four levels of 512 entries; level 3 is the root, whose
 * upper half (entries 256..511, 512 GiB each) is the kernel's. */
#define PT_LEVELS   4
#define PT_VPN_BITS 9
#define PT_ENTRIES  512

typedef uint64_t pte_t;

static inline unsigned long pt_vpn(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + PT_VPN_BITS * level)) & (PT_ENTRIES - 1);
}

static inline pte_t pte_make(unsigned long pa, unsigned long flags)
{
	return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags;
}

static inline unsigned long pte_pa(pte_t pte)
{
	return (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" : : : "memory");
}

static inline void sfence_vma_addr(unsigned long va)
{
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
}

static inline uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

static inline uint64_t rdinstret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

static inline void intr_off(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline void intr_on(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

/* Wait for an interrupt (wfi, interrupts as they are), adding the retired
 * instructions the wait took to hart_idle_instret: under QEMU's icount,
 * the real time the hart waited (idle.c). */
extern uint64_t hart_idle_instret;
void hart_wait(void);

/*
 * Wait, with interrupts enabled, until *flag becomes true (boot-time I/O,
 * benchmarks). wfi returns when an enabled interrupt is pending even with
 * sstatus.SIE clear (privileged spec §3.3.3), so checking the flag with
 * interrupts off and only then opening the window cannot lose a wakeup.
 */
static inline void intr_wait_flag(volatile bool *flag)
{
	intr_off();
	while (!*flag) {
		hart_wait();
		intr_on();
		intr_off();
	}
}

#endif
