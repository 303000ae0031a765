/* SPDX-License-Identifier: MIT */
/*
 * The platform-level interrupt controller (RISC-V PLIC specification v1.0.0,
 * §3 memory map): enable a source for our S-mode context, claim, complete.
 */
#ifndef CAIRN_KERN_PLIC_H
#define CAIRN_KERN_PLIC_H

#include <stdint.h>

typedef void (*irq_handler_t)(void *arg);

void plic_init(void);
/* Route `irq` to `handler`; returns 0 or -1 when irq is out of range. */
int plic_register(uint32_t irq, irq_handler_t handler, void *arg);
/* Claim and dispatch every pending interrupt. */
void plic_dispatch(void);
/* Turn a registered source off and on again (its enable bit). */
void plic_mask(uint32_t irq);
void plic_unmask(uint32_t irq);

#endif
