/* SPDX-License-Identifier: MIT */
/*
 * fuzz: the random numbers (fuzz.h has the scheme). One xorshift64 state
 * per invoker, passed by pointer: the fuzzer's is fz.rng (from the seed),
 * a random child's is on its stack (from its param, copied to its
 * mailbox). The fuzzer draws everything from fz.rng in program order, so
 * a seed, given the same results from the kernel, makes the same
 * invocations in the same order. Nothing here keeps state of its own.
 */
#include "fuzz.h"

uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? xorshift(s) % n : 0;
}

bool chance(uint64_t *s, unsigned percent)
{
	return below(s, 100) < percent;
}

/* A word a kernel might get wrong: edges of every range it checks. */
uint64_t edgy_word(uint64_t *s)
{
	/* clang-format off */
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 31, 32, 33, 63, 64, 65, 255, 4095, 4096, 4097, 8192,
		0xffff, 0x10000, 0x7fffffff, 0xffffffff, 0x100000000ull, 1ull << 48,
		(1ull << 48) - 1, 0x7fffffffffffffffull, ~0ull, ~0ull - 1,
	};
	/* clang-format on */
	switch (below(s, 4)) {
	case 0:
		return edges[below(s, sizeof edges / sizeof edges[0])];
	case 1:
		return below(s, 40);
	case 2:
		return below(s, 300);
	default:
		return xorshift(s);
	}
}
