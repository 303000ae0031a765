/* SPDX-License-Identifier: MIT */
/*
 * Panic: only for a broken kernel invariant (STYLE.md rule 9). Bad input
 * from a domain or the disk is an error value, never a panic. A panic
 * prints the message, the trap state if there is one, a frame-pointer
 * backtrace, and shuts the machine down through SBI SRST.
 */
#ifndef CAIRN_KERN_PANIC_H
#define CAIRN_KERN_PANIC_H

struct trap_frame;

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
__attribute__((noreturn)) void panic_trap(const char *why, const struct trap_frame *tf);

#define kassert(cond)                                                                     \
	do {                                                                              \
		if (!(cond))                                                              \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
