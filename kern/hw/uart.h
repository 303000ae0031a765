/* SPDX-License-Identifier: MIT */
/*
 * The console UART, written directly (an NS16550A, "ns16550a" in the
 * device tree; QEMU virt's serial port). See uart.c.
 */
#ifndef CAIRN_KERN_UART_H
#define CAIRN_KERN_UART_H

#include <stdbool.h>
#include <stddef.h>

/* After vm_init: use the device tree's UART for output from now on, if
 * there is one the direct map covers. False: output stays on the SBI. */
bool uart_init(void);

/* True once uart_init() took the UART. */
bool uart_ready(void);

/* Write len bytes, each '\n' as "\r\n" (as OpenSBI's console does). */
void uart_write(const char *s, size_t len);

#endif
