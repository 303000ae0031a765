/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of the SBI firmware (OpenSBI). Every call returns the
 * specification's {error, value} pair (SBI v2.0 §3); callers test
 * `.error == SBI_SUCCESS`. sbi_init() probes the extensions once; the
 * console functions then use DBCN when the firmware has it and fall back to
 * the legacy putchar/getchar (§5) when it does not (Debian 12's OpenSBI 1.1).
 */
#ifndef CAIRN_SBI_H
#define CAIRN_SBI_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "sbi_ids.h"

struct sbi_ret {
	long error;
	long value;
};

/* Which optional extensions the firmware offers; filled by sbi_init(). */
struct sbi_features {
	unsigned long spec_version; /* major << 24 | minor */
	unsigned long impl_id;
	unsigned long impl_version;
	bool has_time;
	bool has_srst;
	bool has_hsm;
	bool has_dbcn;
};

struct sbi_ret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
			unsigned long a2);

void sbi_init(void);
const struct sbi_features *sbi_features(void);

/* Base extension (§4). */
struct sbi_ret sbi_probe_extension(unsigned long ext);

/* Console: DBCN when present, else legacy. */
void sbi_console_write(const char *buf, size_t len);
int sbi_console_getchar(void); /* -1 when no character is waiting */

/* TIME (§6), with the legacy set_timer as fallback. */
void sbi_set_timer(uint64_t stime_value);

/* SRST (§10), with the legacy shutdown as fallback. Does not return. */
__attribute__((noreturn)) void sbi_shutdown(bool failure);
__attribute__((noreturn)) void sbi_reboot(void);

/* HSM (§9). */
struct sbi_ret sbi_hart_get_status(unsigned long hartid);
struct sbi_ret sbi_hart_start(unsigned long hartid, unsigned long start_addr, unsigned long opaque);
struct sbi_ret sbi_hart_stop(void);

#endif
