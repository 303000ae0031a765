/* SPDX-License-Identifier: MIT */
/*
 * Kernel log formatting, and the console's line discipline. picolibc's
 * vsnprintf does the formatting; the result goes to the SBI console in
 * one piece so that lines from different paths never interleave (the
 * kernel is not preemptible).
 *
 * Every byte on the console comes through console_emit(), so the console
 * knows whose line is unfinished. Writers are told apart by label (a
 * console key's, cairn/key.h); the kernel writes under the empty label,
 * which no console key may write with. Invariant: when line_open, the
 * last byte written was not '\n' and line_owner wrote it; a writer that
 * is not line_owner first ends that line with a newline, so nobody can
 * continue, or fake the start of, someone else's line. A domain's every
 * line starts "LABEL: ", so a line that starts "cairn: " is the kernel's.
 */
#include <stdio.h>
#include <string.h>
#include <cairn/key.h>
#include "hw/log.h"
#include "hw/uart.h"
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

/* Every byte out: the UART once uart_init() took it, the SBI before (and
 * for good when the tree names no usable UART). */
static void console_out(const char *s, unsigned long len)
{
	if (uart_ready())
		uart_write(s, len);
	else
		sbi_console_write(s, len);
}

static bool line_open;
static char line_owner[CAIRN_KEY_LABEL_MAX]; /* NUL-padded; all NUL: the kernel */
static const char kernel_writer[CAIRN_KEY_LABEL_MAX];

/* who is about to write: end another writer's unfinished line. True when
 * who's next byte starts a line. */
static bool console_claim(const char who[CAIRN_KEY_LABEL_MAX])
{
	if (line_open && memcmp(line_owner, who, CAIRN_KEY_LABEL_MAX) != 0) {
		console_out("\n", 1);
		line_open = false;
	}
	if (!line_open)
		memcpy(line_owner, who, CAIRN_KEY_LABEL_MAX);
	return !line_open;
}

static void console_emit(const char *s, unsigned long len)
{
	if (len == 0)
		return;
	console_out(s, len);
	line_open = s[len - 1] != '\n';
}

void kputs_raw(const char *s, unsigned long len)
{
	if (len == 0)
		return;
	console_claim(kernel_writer);
	console_emit(s, len);
}

/* One line of a domain's text, or its unfinished end. */
static void console_domain_piece(const char label[CAIRN_KEY_LABEL_MAX], unsigned label_len,
				 const char *s, unsigned long len)
{
	if (console_claim(label)) {
		console_emit(label, label_len);
		console_emit(": ", 2);
	}
	console_emit(s, len);
}

/* Terminals act on control characters: \r would fake a line start, ESC
 * move the cursor. Bytes from 0x80 up pass (UTF-8). */
static bool console_char_ok(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t';
}

void console_write_labelled(const char label[CAIRN_KEY_LABEL_MAX], unsigned label_len, char *s,
			    unsigned long len)
{
	unsigned long start = 0;
	for (unsigned long i = 0; i < len; i++) {
		if (!console_char_ok((unsigned char)s[i]))
			s[i] = '?';
		if (s[i] == '\n') {
			console_domain_piece(label, label_len, s + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < len)
		console_domain_piece(label, label_len, s + start, len - start);
}

void console_write_numbered(uint64_t seq, const char *label, unsigned label_len, const char *text,
			    unsigned long len)
{
	static char line[4096 + 64];
	int n = snprintf(line, sizeof(line), "[%lu] %.*s: ", (unsigned long)seq, (int)label_len,
			 label);
	if (n < 0)
		return;
	size_t at = (size_t)n;
	for (unsigned long i = 0; i < len && at < sizeof(line) - 1; i++) {
		char c = text[i];
		line[at++] = console_char_ok((unsigned char)c) && c != '\n' ? c : '?';
	}
	line[at++] = '\n';
	kputs_raw(line, at);
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
