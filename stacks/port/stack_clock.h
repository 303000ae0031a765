/* SPDX-License-Identifier: MIT */
/*
 * lwIP's clock (sys_now) and randomness (LWIP_RAND, the TCP ISN hook) for
 * a stack domain. The sleep key's SLEEP NOW answers microseconds since
 * THIS boot: it restarts near 0 after a resume from a checkpoint, while
 * lwIP's timers, retransmission clocks and TIME_WAIT ages live on in the
 * stack's persistent memory. So the port keeps a persistent base: when a
 * raw reading is below the last one, a new boot began, and the time the
 * old boot had reached is added to the base. The invariant: sys_now()
 * never goes back, across any number of boots (what passed while the
 * machine was down, and since the last reading before the kill, is lost:
 * timers simply resume where they were).
 *
 * The state is one global struct: it is in the domain's memory, so it is
 * checkpointed with lwIP's own. Portable C, no system calls: the server
 * reads SLEEP NOW and hands the value to stack_clock_update() before it
 * lets lwIP run (every order, RX and TICK).
 */
#ifndef STACK_CLOCK_H
#define STACK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct stack_clock {
	uint64_t base_us;     /* the time earlier boots reached */
	uint64_t last_raw_us; /* the last reading, microseconds since this boot */
	uint64_t boots;       /* new boots seen (raw went back) */
	uint64_t rand_state;  /* xorshift64* state; 0 until first seeded */
	uint64_t isn_secret;  /* the TCP ISN hook's key, drawn once */
};

extern struct stack_clock stack_clock;

/* A new reading of SLEEP NOW (microseconds since this boot). */
void stack_clock_update(uint64_t raw_us_since_boot);

/* Monotonic microseconds across boots. */
uint64_t stack_clock_now_us(void);

/* lwIP's sys_now() (lwip/sys.h): milliseconds, wrapping at 2^32 as lwIP
 * expects, is (base + raw) / 1000. Defined in stack_clock.c. */

/* LWIP_RAND(): xorshift64* (Marsaglia; Vigna's multiplier), seeded from
 * the clock at first use. Not cryptographic: it picks ephemeral ports and
 * lwIP's random starts. */
uint32_t stack_clock_rand(void);

/* LWIP_HOOK_TCP_ISN: RFC 6528's ISN = M + F(4-tuple, secret), M the 4 us
 * clock, F a keyed mix (not a cryptographic hash: the secret is per stack
 * and the tuple is spread so that off-path guessing needs the secret).
 * The addresses are lwIP's ip_addr_t (IPv4 only: one u32). */
uint32_t stack_clock_isn(const void *local_ip, uint16_t local_port, const void *remote_ip,
			 uint16_t remote_port);

#endif /* STACK_CLOCK_H */
