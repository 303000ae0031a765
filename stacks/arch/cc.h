/* SPDX-License-Identifier: MIT */
/*
 * lwIP's compiler and platform port (lwIP's src/include/lwip/arch.h says
 * what may be defined here and what it defaults to). The same header
 * serves the stack domains (riscv64, picolibc) and the native host tests
 * (glibc): it uses only the C library, never a system call of its own.
 *  - Both targets are little-endian (checked below, not assumed).
 *  - Types come from <stdint.h> and <inttypes.h>, which both C libraries
 *    have (lwIP's defaults).
 *  - errno is the C library's (<errno.h>): with NO_SYS and no sockets
 *    lwIP hardly uses it, and both libraries have it.
 *  - An assertion prints where it failed and stops: in a domain with
 *    _exit (lib/exit.c: stdout flushed, the domain parked for ever by
 *    cairn_exit; picolibc's abort() would need raise's kill and getpid,
 *    which the domain runtime has not), natively with abort() (SIGABRT
 *    fails the cmocka test).
 */
#ifndef STACK_ARCH_CC_H
#define STACK_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>
#ifdef STACK_NATIVE_TEST
#define STACK_LWIP_HALT() abort()
#else
/* <unistd.h>'s, declared alone: the header would bring ssize_t, which
 * lwip/arch.h then defines again without SSIZE_MAX from <limits.h>. */
__attribute__((noreturn)) void _exit(int status);
#define STACK_LWIP_HALT() _exit(134)
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the lwIP port assumes a little-endian machine"
#endif
#ifndef LITTLE_ENDIAN
#define LITTLE_ENDIAN 1234
#endif
#ifndef BIG_ENDIAN
#define BIG_ENDIAN 4321
#endif
#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* The C library's errno, not lwIP's own table (lwip/errno.h). */
#define LWIP_ERRNO_STDINCLUDE 1

/* x is a parenthesised printf argument list (lwip/debug.h). */
#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printf x;     \
	} while (0)

#define LWIP_PLATFORM_ASSERT(x)                                                            \
	do {                                                                               \
		printf("lwip: assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
		fflush(stdout);                                                            \
		STACK_LWIP_HALT();                                                         \
	} while (0)

#endif /* STACK_ARCH_CC_H */
