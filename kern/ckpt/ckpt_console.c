/* SPDX-License-Identifier: MIT */
/*
 * The held console (boot argument ckpt=sync-console; docs/checkpoint.md
 * "The console"): a domain's CONSOLE_WRITE is shown only once a committed
 * checkpoint holds the state after it, exactly once as a reader that
 * drops repeated numbers sees it.
 *
 * A write is cut into lines; each line gets the next number (seq, from 1,
 * never reused) and is held here, and the writer goes on at once. Each
 * demarcation copies every held line, with the newest number, into the
 * console area of its generation's header (ckptlog.h), so the held lines
 * are as durable as the checkpoint that ends their epoch. When that
 * checkpoint commits, its lines are printed, each as "[seq] LABEL: text".
 * After a resume the lines of the recovered header are printed again
 * (the kill may have come between the commit and the print) with the same
 * numbers, and numbering goes on after them: a reader drops a line whose
 * number is not above the last it saw. A line written after the
 * recovered demarcation was never printed (its checkpoint did not
 * commit); the resumed domain writes it again under the same number.
 *
 * The cost of exactness is a bound: one epoch may hold at most
 * CONSOLE_TEXT bytes of lines (a header's area). A write that would go
 * over parks its writer (ACT_WAIT_CONSOLE) until the next demarcation
 * starts a new epoch; a write that could never fit answers
 * STRING_TOO_LONG. Every held write asks for a checkpoint (the OUTPUT
 * cause, with output commit's spacing) so that lines do not wait a whole
 * period.
 *
 * Invariants:
 *  - held[0, held_bytes) are the records of lines printed+1 .. last_seq,
 *    in order; the first cut_bytes of them (lines up to cut_seq) are in
 *    the generation being written, the rest in the current epoch.
 *  - At a demarcation cut_bytes is 0 (the previous generation committed
 *    before the writer went idle), so held is the current epoch alone,
 *    which the admission rule keeps within CONSOLE_TEXT: it fits the area.
 *  - area is the console area of the generation being written (the
 *    writer's w.console) and changes only at the next demarcation.
 *  - An activity is on waiters iff it is parked in ACT_WAIT_CONSOLE.
 */
#include <string.h>
#include <cairn/endian.h>
#include <cairn/keytab.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_internal.h"
#include "dom/park.h"
#include "hw/log.h"
#include "hw/panic.h"

/* The console area (CKPT_HDR_CONSOLE_SIZE bytes, little-endian):
 *   0   u64 the newest line's number (0: none yet)
 *   8   u32 lines held (numbered newest - lines + 1 .. newest)
 *   12  u32 bytes of records that follow
 *   16  the records, oldest first: u16 text length, u8 label length,
 *       the label, the text (no newline). */
#define CONSOLE_OFF_LAST  0u
#define CONSOLE_OFF_LINES 8u
#define CONSOLE_OFF_BYTES 12u
#define CONSOLE_OFF_TEXT  16u
#define CONSOLE_TEXT      (CKPT_HDR_CONSOLE_SIZE - CONSOLE_OFF_TEXT)
#define CONSOLE_REC_HEAD  3u

_Static_assert(CONSOLE_TEXT < 0xffffu, "a record's length fits its u16");

static struct {
	bool on;           /* ckpt=sync-console, with checkpoints on */
	uint64_t last_seq; /* the newest line's number (durable: every header carries it) */
	uint64_t printed;  /* every line up to this number has been printed */
	uint8_t held[2 * CONSOLE_TEXT];
	uint32_t held_bytes;
	uint64_t cut_seq;
	uint32_t cut_bytes;
	uint8_t area[CKPT_HDR_CONSOLE_SIZE];
	struct act_list waiters;
} con;

void ckpt_console_init(bool on)
{
	con.on = on && ckpt_state.enabled;
	if (on && !ckpt_state.enabled)
		log_warn("sync-console: checkpoints are off, the console is direct");
}

bool ckpt_console_held(void)
{
	return con.on;
}

/* The length of the line at s, without its newline (an unfinished last
 * line is a line too: held lines are printed whole). */
static size_t line_len(const char *s, size_t left)
{
	const char *nl = memchr(s, '\n', left);
	return nl ? (size_t)(nl - s) : left;
}

uint64_t ckpt_console_prepare(const char *s, size_t len, unsigned label_len)
{
	size_t need = 0;
	for (size_t start = 0, n; start < len; start += n + 1) {
		n = line_len(s + start, len - start);
		need += CONSOLE_REC_HEAD + label_len + n;
	}
	if (need > CONSOLE_TEXT)
		return CAIRN_STRING_TOO_LONG;
	if (con.held_bytes - con.cut_bytes + need > CONSOLE_TEXT) {
		/* The epoch is full: wait for the next one. */
		ckpt_output_ask();
		park_on(ACT_WAIT_CONSOLE, &con.waiters);
	}
	return CAIRN_OK;
}

void ckpt_console_append(const char *label, unsigned label_len, const char *s, size_t len)
{
	for (size_t start = 0, n; start < len; start += n + 1) {
		n = line_len(s + start, len - start);
		uint8_t *r = con.held + con.held_bytes;
		cairn_put_le16(r, (uint16_t)n);
		r[2] = (uint8_t)label_len;
		memcpy(r + CONSOLE_REC_HEAD, label, label_len);
		memcpy(r + CONSOLE_REC_HEAD + label_len, s + start, n);
		con.held_bytes += CONSOLE_REC_HEAD + label_len + (uint32_t)n;
		con.last_seq++;
	}
	if (len)
		ckpt_output_ask();
}

void ckpt_console_demarcate(struct ckpt_writer *w)
{
	w->console = NULL;
	w->console_len = 0;
	if (con.last_seq == 0)
		return; /* nothing ever numbered: the area stays zero */
	if (con.cut_bytes != 0 || con.held_bytes > CONSOLE_TEXT)
		panic("held console at a demarcation: %u bytes of an uncommitted generation, "
		      "%u held",
		      (unsigned)con.cut_bytes, (unsigned)con.held_bytes);
	cairn_put_le64(con.area + CONSOLE_OFF_LAST, con.last_seq);
	cairn_put_le32(con.area + CONSOLE_OFF_LINES, (uint32_t)(con.last_seq - con.printed));
	cairn_put_le32(con.area + CONSOLE_OFF_BYTES, con.held_bytes);
	memcpy(con.area + CONSOLE_OFF_TEXT, con.held, con.held_bytes);
	w->console = con.area;
	w->console_len = CONSOLE_OFF_TEXT + con.held_bytes;
	con.cut_seq = con.last_seq;
	con.cut_bytes = con.held_bytes;
	act_wake_all(&con.waiters); /* a new epoch, empty */
}

/* Print n records from r, numbered from seq on. */
static void print_records(const uint8_t *r, uint64_t seq, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		unsigned text = cairn_get_le16(r), label = r[2];
		console_write_numbered(seq + i, (const char *)r + CONSOLE_REC_HEAD, label,
				       (const char *)r + CONSOLE_REC_HEAD + label, text);
		r += CONSOLE_REC_HEAD + label + text;
	}
}

void ckpt_console_committed(void)
{
	if (con.cut_bytes == 0)
		return;
	print_records(con.held, con.printed + 1, con.cut_seq - con.printed);
	memmove(con.held, con.held + con.cut_bytes, con.held_bytes - con.cut_bytes);
	con.held_bytes -= con.cut_bytes;
	con.cut_bytes = 0;
	con.printed = con.cut_seq;
}

/* Do the area's counts describe well-formed records? (The CRC covers the
 * area: a bad one is a kernel bug, not a torn write.) */
static bool area_valid(const uint8_t *a, uint64_t lines, uint32_t bytes)
{
	if (bytes > CONSOLE_TEXT || lines > cairn_get_le64(a + CONSOLE_OFF_LAST))
		return false;
	const uint8_t *r = a + CONSOLE_OFF_TEXT, *end = r + bytes;
	for (uint64_t i = 0; i < lines; i++) {
		if (end - r < (long)CONSOLE_REC_HEAD)
			return false;
		size_t rec = CONSOLE_REC_HEAD + r[2] + cairn_get_le16(r);
		if (r[2] == 0 || r[2] > CAIRN_KEY_LABEL_MAX || (size_t)(end - r) < rec)
			return false;
		r += rec;
	}
	return r == end;
}

void ckpt_console_resume(const void *header_block, uint64_t gen)
{
	const uint8_t *a = ckpt_header_console(header_block);
	uint64_t last = cairn_get_le64(a + CONSOLE_OFF_LAST);
	uint32_t lines = cairn_get_le32(a + CONSOLE_OFF_LINES);
	uint32_t bytes = cairn_get_le32(a + CONSOLE_OFF_BYTES);
	if (!area_valid(a, lines, bytes)) {
		log_error("checkpoint %lu: console area malformed: held lines dropped",
			  (unsigned long)gen);
		lines = 0;
	}
	/* Committed, maybe printed already: again, under the same numbers. */
	print_records(a + CONSOLE_OFF_TEXT, last - lines + 1, lines);
	con.last_seq = con.printed = last;
}
