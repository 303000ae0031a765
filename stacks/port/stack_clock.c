/* SPDX-License-Identifier: MIT */
/*
 * The stack's clock across boots and its random numbers (stack_clock.h):
 * sys_now() for lwIP, LWIP_RAND() and the TCP ISN hook. Portable C.
 */
#include "stack_clock.h"

#include "lwip/ip_addr.h"
#include "lwip/sys.h"

struct stack_clock stack_clock;

void stack_clock_update(uint64_t raw_us_since_boot)
{
	struct stack_clock *c = &stack_clock;
	if (raw_us_since_boot < c->last_raw_us) { /* SLEEP NOW restarted: a new boot */
		c->base_us += c->last_raw_us;
		c->boots++;
	}
	c->last_raw_us = raw_us_since_boot;
}

uint64_t stack_clock_now_us(void)
{
	return stack_clock.base_us + stack_clock.last_raw_us;
}

u32_t sys_now(void)
{
	return (u32_t)(stack_clock_now_us() / 1000u);
}

/* SplitMix64's finaliser (Steele, Lea, Flood): a bijective 64-bit mix,
 * used to turn the clock into a nonzero seed and to key the ISN. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t stack_clock_rand(void)
{
	struct stack_clock *c = &stack_clock;
	if (c->rand_state == 0) {
		c->rand_state = mix64(stack_clock_now_us() + 0x9e3779b97f4a7c15ull);
		if (c->rand_state == 0) /* xorshift's one fixed point */
			c->rand_state = 0x9e3779b97f4a7c15ull;
	}
	uint64_t x = c->rand_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rand_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

uint32_t stack_clock_isn(const void *local_ip, uint16_t local_port, const void *remote_ip,
			 uint16_t remote_port)
{
	struct stack_clock *c = &stack_clock;
	if (c->isn_secret == 0)
		c->isn_secret = ((uint64_t)stack_clock_rand() << 32 | stack_clock_rand()) | 1u;
	const ip_addr_t *l = local_ip, *r = remote_ip;
	uint64_t tuple = (uint64_t)ip4_addr_get_u32(ip_2_ip4(l)) << 32 |
			 ip4_addr_get_u32(ip_2_ip4(r));
	uint64_t f =
		mix64(mix64(tuple ^ c->isn_secret) ^ ((uint64_t)local_port << 16 | remote_port));
	return (uint32_t)(stack_clock_now_us() / 4u) + (uint32_t)f;
}
