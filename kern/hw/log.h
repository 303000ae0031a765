/* SPDX-License-Identifier: MIT */
/*
 * The kernel log: formatted lines on the SBI console, with levels.
 *
 * Every line starts with "cairn: "; warnings and errors add "warning: " or
 * "error: ". Lines at LOG_INFO are the stable interface scripts read (the
 * volume line, checkpoint lines), so their wording only changes together
 * with the tests and docs that quote them. The threshold comes from the
 * build option kernel_log_level and can be raised at boot with
 * `loglevel=debug` in the device tree's /chosen/bootargs (QEMU -append).
 */
#ifndef CAIRN_KERN_LOG_H
#define CAIRN_KERN_LOG_H

#include <stdarg.h>
#include <cairn/key.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_level_from_name(const char *name); /* -1 when unknown */

__attribute__((format(printf, 2, 3))) void klog(enum log_level level, const char *fmt, ...);
void kvlog(enum log_level level, const char *fmt, va_list ap);

/* Raw console output with no prefix and no level: the kernel's own text,
 * which first ends a line a domain left unfinished (log.c). */
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kputs_raw(const char *s, unsigned long len);

/* A domain's text, written through a console key labelled label (its
 * bytes 4..15: label_len bytes, then NUL padding; never empty, never the
 * kernel's). Every line it starts begins "LABEL: "; an unfinished line of
 * another writer is ended first; control characters other than \n and
 * \t become '?', in s itself. */
void console_write_labelled(const char label[CAIRN_KEY_LABEL_MAX], unsigned label_len, char *s,
			    unsigned long len);

/* A held line of a domain's (ckpt=sync-console, kern/ckpt/ckpt_console.c),
 * printed once its checkpoint committed: "[seq] LABEL: text" and a
 * newline, as one kernel line (text has no newline; control characters
 * become '?', as above; at most 4000 bytes). */
void console_write_numbered(uint64_t seq, const char *label, unsigned label_len, const char *text,
			    unsigned long len);

#define log_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define log_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
