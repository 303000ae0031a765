/* SPDX-License-Identifier: MIT */
/*
 * dm-log-writes parser and writer (dmlog.h has the format).
 *
 * Counted entries (those the superblock's nr_entries covers) must be valid:
 * anything wrong with them is an error. Trailing entries are a best effort
 * by nature (QEMU never counted them, the crash may have cut the last one
 * short), so parsing stops quietly at the first sector that is not a
 * plausible entry: known flags, zero padding, data inside the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/endian.h"
#include "dmlog.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* fail(), freeing the entries parsed so far. */
#define fail_free(out, err, errlen, ...) (dmlog_free(out), fail(err, errlen, __VA_ARGS__))

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Bytes an entry takes in the log, or 0 on overflow. */
static uint64_t entry_footprint(uint64_t flags, uint64_t nr, uint32_t ss)
{
	if (flags & DMLOG_DISCARD)
		return ss;
	if (nr > (UINT64_MAX - ss) / ss)
		return 0;
	return ss + nr * ss;
}

static int push(struct dmlog *l, size_t *cap, const struct dmlog_entry *e)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct dmlog_entry *ne = realloc(l->e, ncap * sizeof(*ne));

		if (!ne)
			return -1;
		l->e = ne;
		*cap = ncap;
	}
	l->e[l->n++] = *e;
	return 0;
}

int dmlog_parse(const void *buf, size_t len, unsigned opts, struct dmlog *out, char *err,
		size_t errlen)
{
	const uint8_t *b = buf;
	uint64_t off, ss;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (len < 512)
		return fail(err, errlen, "log shorter than one sector (%zu bytes)", len);
	if (all_zero(b, 512)) {
		/* QEMU writes the superblock at the first flush only. */
		out->no_super = true;
		out->sectorsize = 512;
	} else {
		if (cairn_get_le64(b) != DMLOG_MAGIC)
			return fail(err, errlen, "not a dm-log-writes log (bad magic)");
		if (cairn_get_le64(b + 8) != DMLOG_VERSION)
			return fail(err, errlen, "unsupported log version %llu",
				    (unsigned long long)cairn_get_le64(b + 8));
		out->nr_entries = cairn_get_le64(b + 16);
		out->sectorsize = cairn_get_le32(b + 24);
		if (out->sectorsize < 512 || out->sectorsize > (1u << 23) ||
		    (out->sectorsize & (out->sectorsize - 1)))
			return fail(err, errlen, "bad log sector size %u", out->sectorsize);
	}
	ss = out->sectorsize;

	off = ss;
	for (uint64_t i = 0;; i++) {
		bool counted = i < out->nr_entries;
		struct dmlog_entry e;
		uint64_t foot;
		const uint8_t *p;

		if (!counted && !(opts & DMLOG_TRAILING))
			break;
		if (off > len || len - off < ss) {
			if (counted)
				return fail_free(out, err, errlen, "entry %llu: log truncated",
						 (unsigned long long)i);
			break;
		}
		p = b + off;
		e.sector = cairn_get_le64(p);
		e.nr_sectors = cairn_get_le64(p + 8);
		e.flags = cairn_get_le64(p + 16);
		e.data_len = cairn_get_le64(p + 24);
		e.log_index = i;
		e.data_off = 0;
		if (e.flags & ~(uint64_t)DMLOG_FLAGS_KNOWN) {
			if (counted)
				return fail_free(out, err, errlen,
						 "entry %llu: unknown flags 0x%llx",
						 (unsigned long long)i,
						 (unsigned long long)e.flags);
			break;
		}
		if (e.flags & DMLOG_MARK) {
			if (e.data_len > ss - DMLOG_ENTRY_SIZE) {
				if (counted)
					return fail_free(out, err, errlen,
							 "entry %llu: mark too long",
							 (unsigned long long)i);
				break;
			}
			e.data_off = off + DMLOG_ENTRY_SIZE;
		} else if (!counted && (all_zero(p, DMLOG_ENTRY_SIZE) ||
					!all_zero(p + DMLOG_ENTRY_SIZE, ss - DMLOG_ENTRY_SIZE))) {
			break; /* the end of what was ever written */
		}
		foot = entry_footprint(e.flags, e.nr_sectors, (uint32_t)ss);
		if (foot == 0 || foot > len - off) {
			if (counted)
				return fail_free(out, err, errlen,
						 "entry %llu: data runs past the end of the log",
						 (unsigned long long)i);
			break;
		}
		if (!(e.flags & (DMLOG_DISCARD | DMLOG_MARK)) && e.nr_sectors)
			e.data_off = off + ss;
		if (push(out, &cap, &e) != 0)
			return fail_free(out, err, errlen, "out of memory");
		off += foot;
	}
	return 0;
}

void dmlog_free(struct dmlog *l)
{
	free(l->e);
	l->e = NULL;
	l->n = 0;
}

/* --- writer -------------------------------------------------------------- */

static int grow(struct dmlog_writer *w, size_t more)
{
	if (w->len + more <= w->cap)
		return 0;
	size_t ncap = w->cap ? w->cap : 1 << 16;

	while (ncap < w->len + more)
		ncap *= 2;
	uint8_t *nb = realloc(w->buf, ncap);
	if (!nb)
		return -ENOMEM;
	w->buf = nb;
	w->cap = ncap;
	return 0;
}

int dmlog_writer_init(struct dmlog_writer *w, uint32_t sectorsize)
{
	memset(w, 0, sizeof(*w));
	w->sectorsize = sectorsize;
	if (grow(w, sectorsize))
		return -ENOMEM;
	memset(w->buf, 0, sectorsize); /* no superblock until the first update */
	w->len = sectorsize;
	w->update_interval = 4096;
	return 0;
}

void dmlog_sync_super(struct dmlog_writer *w)
{
	memset(w->buf, 0, w->sectorsize);
	cairn_put_le64(w->buf, DMLOG_MAGIC);
	cairn_put_le64(w->buf + 8, DMLOG_VERSION);
	cairn_put_le64(w->buf + 16, w->nr_entries);
	cairn_put_le32(w->buf + 24, w->sectorsize);
}

static int append_entry(struct dmlog_writer *w, uint64_t sector, uint64_t nr, uint64_t flags,
			const void *inline_data, uint64_t inline_len, const void *data,
			uint64_t data_bytes)
{
	uint8_t *p;

	if (grow(w, w->sectorsize + data_bytes))
		return -ENOMEM;
	p = w->buf + w->len;
	memset(p, 0, w->sectorsize);
	cairn_put_le64(p, sector);
	cairn_put_le64(p + 8, nr);
	cairn_put_le64(p + 16, flags);
	cairn_put_le64(p + 24, inline_len);
	if (inline_len)
		memcpy(p + DMLOG_ENTRY_SIZE, inline_data, inline_len);
	w->len += w->sectorsize;
	if (data_bytes) {
		if (data)
			memcpy(w->buf + w->len, data, data_bytes);
		else
			memset(w->buf + w->len, 0, data_bytes);
		w->len += data_bytes;
	}
	w->nr_entries++;
	if ((flags & DMLOG_FLUSH) ||
	    (w->update_interval && w->nr_entries % w->update_interval == 0))
		dmlog_sync_super(w);
	return 0;
}

int dmlog_write(struct dmlog_writer *w, uint64_t sector, uint64_t nr, const void *data,
		uint64_t flags)
{
	return append_entry(w, sector, nr, flags, NULL, 0, data, nr * w->sectorsize);
}

int dmlog_flush(struct dmlog_writer *w)
{
	return append_entry(w, 0, 0, DMLOG_FLUSH, NULL, 0, NULL, 0);
}

int dmlog_discard(struct dmlog_writer *w, uint64_t sector, uint64_t nr)
{
	return append_entry(w, sector, nr, DMLOG_DISCARD, NULL, 0, NULL, 0);
}

int dmlog_mark(struct dmlog_writer *w, const char *text)
{
	size_t n = strlen(text);

	if (n > w->sectorsize - DMLOG_ENTRY_SIZE - 1)
		return -EINVAL;
	return append_entry(w, 0, 0, DMLOG_MARK, text, n, NULL, 0);
}

int dmlog_append_raw(struct dmlog_writer *w, const void *p, size_t n)
{
	if (grow(w, n))
		return -ENOMEM;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int dmlog_save(const struct dmlog_writer *w, const char *path)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -errno;
	ok = fwrite(w->buf, 1, w->len, f) == w->len;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -EIO;
}

void dmlog_writer_free(struct dmlog_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
