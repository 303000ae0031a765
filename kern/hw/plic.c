/* SPDX-License-Identifier: MIT */
/*
 * PLIC driver. Register offsets from the PLIC specification v1.0.0 §3:
 * priority at 4*irq, enable bits at 0x2000 + 0x80*context, threshold at
 * 0x200000 + 0x1000*context, claim/complete at threshold + 4.
 */
#include "hw/plic.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "hw/riscv.h"
#include "hw/log.h"

#define PLIC_PRIORITY(irq)  (4u * (irq))
#define PLIC_ENABLE(ctx)    (0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx)     (0x200004u + 0x1000u * (ctx))
#define PLIC_MAX_IRQ        128

static volatile uint32_t *plic_reg(uint32_t off)
{
	return (volatile uint32_t *)pa_to_va(platform.plic_base + off);
}

static struct {
	irq_handler_t fn;
	void *arg;
} handlers[PLIC_MAX_IRQ];

void plic_init(void)
{
	uint32_t ctx = platform.plic_context;
	*plic_reg(PLIC_THRESHOLD(ctx)) = 0;
	csr_set(sie, SIE_SEIE);
}

int plic_register(uint32_t irq, irq_handler_t handler, void *arg)
{
	if (irq == 0 || irq >= PLIC_MAX_IRQ || (platform.plic_ndev && irq > platform.plic_ndev))
		return -1;
	uint32_t ctx = platform.plic_context;
	handlers[irq].fn = handler;
	handlers[irq].arg = arg;
	*plic_reg(PLIC_PRIORITY(irq)) = 1;
	*plic_reg(PLIC_ENABLE(ctx) + 4 * (irq / 32)) |= 1u << (irq % 32);
	return 0;
}

void plic_dispatch(void)
{
	uint32_t ctx = platform.plic_context;
	for (;;) {
		uint32_t irq = *plic_reg(PLIC_CLAIM(ctx));
		if (irq == 0)
			break;
		if (irq < PLIC_MAX_IRQ && handlers[irq].fn)
			handlers[irq].fn(handlers[irq].arg);
		else
			log_warn("plic: spurious interrupt %u", irq);
		*plic_reg(PLIC_CLAIM(ctx)) = irq;
	}
}

void plic_mask(uint32_t irq)
{
	if (irq == 0 || irq >= PLIC_MAX_IRQ)
		return;
	*plic_reg(PLIC_ENABLE(platform.plic_context) + 4 * (irq / 32)) &= ~(1u << (irq % 32));
}

void plic_unmask(uint32_t irq)
{
	if (irq == 0 || irq >= PLIC_MAX_IRQ)
		return;
	*plic_reg(PLIC_ENABLE(platform.plic_context) + 4 * (irq / 32)) |= 1u << (irq % 32);
}
