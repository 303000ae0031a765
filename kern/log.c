/* SPDX-License-Identifier: MIT */
/*
 * Kernel log formatting. picolibc's vsnprintf does the formatting; the
 * result goes to the SBI console in one piece so that lines from different
 * paths never interleave (the kernel is not preemptible).
 */
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "sbi.h"

#ifndef CAIRN_LOG_LEVEL
#define CAIRN_LOG_LEVEL LOG_INFO
#endif

static enum log_level log_threshold = CAIRN_LOG_LEVEL;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static const char *const level_prefix[] = {
	[LOG_ERROR] = "cairn: error: ",
	[LOG_WARN] = "cairn: warning: ",
	[LOG_INFO] = "cairn: ",
	[LOG_DEBUG] = "cairn: debug: ",
};

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level log_get_level(void)
{
	return log_threshold;
}

int log_level_from_name(const char *name)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void kputs_raw(const char *s, unsigned long len)
{
	sbi_console_write(s, len);
}

void kvlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[320];
	if (level > log_threshold)
		return;
	size_t n = strlen(level_prefix[level]);
	memcpy(line, level_prefix[level], n);
	int len = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (len < 0)
		len = 0;
	n += (size_t)len < sizeof(line) - n - 1 ? (size_t)len : sizeof(line) - n - 2;
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	kputs_raw(line, n);
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvlog(level, fmt, ap);
	va_end(ap);
}

void kprintf(const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	kputs_raw(buf, (unsigned long)len);
}
