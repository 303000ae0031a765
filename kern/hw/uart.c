/* SPDX-License-Identifier: MIT */
/*
 * Console output straight to the UART (NS16550A: PC16550D data sheet,
 * transmitter holding register THR at offset 0, line status register LSR
 * at offset 5, bit 5 THRE "transmitter holding register empty").
 *
 * Why not the SBI: this OpenSBI (1.2, SBI 1.0) has no debug console
 * extension, so its console is the legacy putchar, one ecall a character:
 * about 200 instructions a character through M-mode, 15,000 to 20,000 a
 * console line (every checkpoint prints one; a boot prints several). A
 * store to THR after a load of LSR is a few. OpenSBI uses the same UART
 * for its own banner and goes quiet once the kernel runs, so the two never
 * interleave within a line. Console input stays on the SBI (rare).
 *
 * The UART is the first "ns16550a" node of the device tree (dtb.c), used
 * only when its registers are plain: reg-shift 0..2, reg-io-width 1 or 4,
 * and inside the direct map (vm.c). Anything else keeps the SBI console:
 * output always has a way out.
 */
#include <stdint.h>
#include "hw/uart.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "hw/log.h"

#define UART_THR      0u
#define UART_LSR      5u
#define UART_LSR_THRE 0x20u

static volatile uint8_t *regs; /* NULL: not in use */
static unsigned shift, width;

static uint32_t rd(unsigned reg)
{
	volatile uint8_t *p = regs + (reg << shift);
	return width == 4 ? *(volatile uint32_t *)p : *p;
}

static void wr(unsigned reg, uint32_t v)
{
	volatile uint8_t *p = regs + (reg << shift);
	if (width == 4)
		*(volatile uint32_t *)p = v;
	else
		*p = (uint8_t)v;
}

bool uart_init(void)
{
	const struct uart_info *u = &platform.uart;
	if (!u->base || u->reg_shift > 2 || (u->io_width != 1 && u->io_width != 4))
		return false;
	if (u->base + ((UART_LSR + 1u) << u->reg_shift) > platform_direct_map_end())
		return false;
	shift = u->reg_shift;
	width = u->io_width;
	regs = pa_to_va(u->base);
	log_debug("console: uart at %#lx", (unsigned long)u->base);
	return true;
}

bool uart_ready(void)
{
	return regs != NULL;
}

static void put(char c)
{
	while (!(rd(UART_LSR) & UART_LSR_THRE))
		;
	wr(UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
}
