/* SPDX-License-Identifier: MIT */
/*
 * The hart waiting for an interrupt (wfi), and how long it waited, in
 * retired instructions (riscv.h: hart_wait(), hart_idle_instret).
 *
 * Under QEMU's -icount the instruction counter is the virtual clock, and
 * while the hart waits QEMU moves that clock on by the real time the wait
 * took: the host's disk, or the host descheduling QEMU. rdinstret then
 * counts time in which no instruction retired, and a restart measured from
 * kernel entry (ckpt=verbose's `first domain runs` line) varies with the
 * host's load. The sum of the waits is printed beside it (`idle=`), so the
 * benchmarks can tell the instructions from the waits. Without icount, or
 * on hardware, nothing retires during wfi and the sum is only the few
 * instructions of each window.
 */
#include "hw/riscv.h"

uint64_t hart_idle_instret;

void hart_wait(void)
{
	uint64_t t0 = rdinstret();
	__asm__ volatile("wfi");
	hart_idle_instret += rdinstret() - t0;
}
