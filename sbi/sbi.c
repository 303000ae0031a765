/* SPDX-License-Identifier: MIT */
/*
 * SBI calls from S-mode. The calling convention (SBI v2.0 §3): a7 holds the
 * extension ID, a6 the function ID, a0..a5 the arguments; the firmware
 * returns the error in a0 and the value in a1. Legacy extensions (§5) return
 * a single value in a0 and are only used where the modern one is missing.
 */
#include "sbi.h"

static struct sbi_features features;

struct sbi_ret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
			unsigned long a2)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbi_ret){ .error = (long)r_a0, .value = (long)r_a1 };
}

static long sbi_legacy_call(unsigned long ext, unsigned long a0)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory", "a1");
	return (long)r_a0;
}

struct sbi_ret sbi_probe_extension(unsigned long ext)
{
	return sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0);
}

static bool sbi_has(unsigned long ext)
{
	struct sbi_ret r = sbi_probe_extension(ext);
	return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_init(void)
{
	features.spec_version =
		(unsigned long)sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0).value;
	features.impl_id =
		(unsigned long)sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0).value;
	features.impl_version =
		(unsigned long)sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0).value;
	features.has_time = sbi_has(SBI_EXT_TIME);
	features.has_srst = sbi_has(SBI_EXT_SRST);
	features.has_hsm = sbi_has(SBI_EXT_HSM);
	features.has_dbcn = sbi_has(SBI_EXT_DBCN);
}

const struct sbi_features *sbi_features(void)
{
	return &features;
}

void sbi_console_write(const char *buf, size_t len)
{
	if (features.has_dbcn) {
		/*
		 * §12.1: DBCN takes a physical address. The kernel's
		 * buffers live in its high mapping, so write byte by byte
		 * (CONSOLE_WRITE_BYTE) rather than translating the address.
		 */
		for (size_t i = 0; i < len; i++)
			sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, (unsigned char)buf[i],
				 0, 0);
		return;
	}
	for (size_t i = 0; i < len; i++)
		sbi_legacy_call(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, (unsigned char)buf[i]);
}

int sbi_console_getchar(void)
{
	long c = sbi_legacy_call(SBI_EXT_LEGACY_CONSOLE_GETCHAR, 0);
	return c < 0 ? -1 : (int)c;
}

void sbi_set_timer(uint64_t stime_value)
{
	if (features.has_time)
		sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, stime_value, 0, 0);
	else
		sbi_legacy_call(SBI_EXT_LEGACY_SET_TIMER, stime_value);
}

static __attribute__((noreturn)) void sbi_reset(unsigned long type, unsigned long reason)
{
	if (features.has_srst)
		sbi_call(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, reason, 0);
	sbi_legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
	for (;;)
		__asm__ volatile("wfi");
}

void sbi_shutdown(bool failure)
{
	sbi_reset(SBI_SRST_TYPE_SHUTDOWN,
		  failure ? SBI_SRST_REASON_SYSTEM_FAILURE : SBI_SRST_REASON_NONE);
}

void sbi_reboot(void)
{
	sbi_reset(SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NONE);
}

struct sbi_ret sbi_hart_get_status(unsigned long hartid)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0);
}

struct sbi_ret sbi_hart_start(unsigned long hartid, unsigned long start_addr, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_addr, opaque);
}

struct sbi_ret sbi_hart_stop(void)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0);
}
