/* SPDX-License-Identifier: MIT */
/*
 * The block sum (docs/checkpoint.md "Block sum") for the log writer, with
 * the rotate done by one Zbb `rori` when the boot hart has Zbb.
 *
 * The sum is computed for every block the checkpoint logs, and when QEMU's
 * disk is fast the emulated CPU's pass over the data is what limits the
 * log writer. Without Zbb a 64-bit rotate is three instructions; with it,
 * one. The kernel is built for rv64imac, so the instruction is emitted with
 * `.insn` and used only when the device tree's riscv,isa names zbb and a
 * self-check at boot gives the same sums as ckpt/logfmt.c's portable code
 * (which stays the reference, and is what every other caller uses).
 */
#include <stdbool.h>
#include <stdint.h>
#include "ckpt/ckpt_internal.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "mem/frame.h"
#include "hw/log.h"

static bool use_zbb;
static uint64_t zero_sum; /* the sum of a block of zeros */

/* rori x, 41 == rotl x, 23 (CKPT_SUM_ROT). Zbb rori: OP-IMM, funct3 101,
 * imm[11:6] = 011000, imm[5:0] = shamt (RISC-V bitmanip 1.0 §2.2). */
_Static_assert(CKPT_SUM_ROT == 23, "the rori below rotates left by 23");
static inline uint64_t rotl23(uint64_t x)
{
	uint64_t r;
	__asm__(".insn i 0x13, 5, %0, %1, 0x629" : "=r"(r) : "r"(x));
	return r;
}

static uint64_t sum_zbb(const void *block, bool *all_zero)
{
	const uint64_t *w = block;
	uint64_t h = CKPT_SUM_SEED;
	for (unsigned i = 0; i < CKPT_SUM_WORDS; i += 4) {
		h = (rotl23(h) ^ w[i]) * CKPT_SUM_MUL;
		h = (rotl23(h) ^ w[i + 1]) * CKPT_SUM_MUL;
		h = (rotl23(h) ^ w[i + 2]) * CKPT_SUM_MUL;
		h = (rotl23(h) ^ w[i + 3]) * CKPT_SUM_MUL;
	}
	h ^= h >> CKPT_SUM_FINAL_SHIFT;
	*all_zero = false;
	if (h == zero_sum) { /* only a block with the zero block's sum is scanned */
		uint64_t any = 0;
		for (unsigned i = 0; i < CKPT_SUM_WORDS; i++)
			any |= w[i];
		*all_zero = any == 0;
	}
	return h;
}

uint64_t ckpt_sum(const void *block, bool *all_zero)
{
	if (use_zbb && ((uintptr_t)block & 7) == 0)
		return sum_zbb(block, all_zero);
	return ckpt_block_sum(block, all_zero);
}

void ckpt_sum_init(void)
{
	if (!platform_has_isa_ext("zbb"))
		return;
	uint64_t pa = frame_alloc(); /* zeroed */
	if (!pa)
		return;
	uint64_t *b = pa_to_va(pa);
	bool z1, z2;
	zero_sum = ckpt_block_sum(b, &z1);
	bool ok = sum_zbb(b, &z2) == zero_sum && z1 && z2;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < CKPT_SUM_WORDS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b[i] = x;
	}
	ok = ok && sum_zbb(b, &z2) == ckpt_block_sum(b, &z1) && !z1 && !z2;
	frame_free(pa);
	use_zbb = ok;
	if (!ok)
		log_warn("block sum: the Zbb version disagrees with the reference; not used");
	else
		log_debug("block sum: using Zbb's rori");
}
