/* SPDX-License-Identifier: MIT */
/*
 * dm-log-writes logs: the format QEMU's blklogwrites block driver (and
 * Linux's dm-log-writes target, where it comes from) records every guest
 * write, discard and flush in, in the order they completed.
 *
 * The log is an array of sectors of `sectorsize` bytes, little-endian:
 *
 *   sector 0        superblock: u64 magic 0x6a736677736872, u64 version 1,
 *                   u64 nr_entries, u32 sectorsize, zero padding
 *   then, nr_entries times:
 *     1 sector      entry: u64 sector, u64 nr_sectors, u64 flags,
 *                   u64 data_len, zero padding (a MARK's text follows the
 *                   32 header bytes inside this sector)
 *     nr_sectors    the data written (absent for DISCARD); a flush or a
 *                   mark entry is one sector long. QEMU logs a
 *                   write-zeroes request as a plain write of zeros.
 *
 * Flags: FLUSH 1, FUA 2, DISCARD 4, MARK 8 (Linux adds METADATA 16). QEMU
 * (block/blklogwrites.c) never sets FUA: a FUA request is logged as a
 * plain write. `sector` and `nr_sectors` are in units of sectorsize as QEMU
 * writes them (option log-sector-size, default 512; Linux counts `sector`
 * in 512-byte units: the same for the usual 512-byte sectors).
 *
 * QEMU appends an entry when the guest's request arrives, so the log is in
 * submission order, and rewrites the superblock after logging a flush and
 * after every log-super-update-interval entries (default 4096); never
 * before either, so sector 0 of a fresh log stays zero until then. A log
 * whose QEMU was killed therefore has entries past nr_entries: the writes
 * and flushes since the last superblock update, exactly what a crash test
 * wants. DMLOG_TRAILING parses them too, up to the first sector that is
 * not a plausible entry (the one being written when QEMU died may be cut
 * short).
 *
 * The writer half produces the same format from a test, so the parser and
 * the crash replayer can be tested without QEMU.
 */
#ifndef CAIRN_TEST_DMLOG_H
#define CAIRN_TEST_DMLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMLOG_MAGIC      0x6a736677736872ull
#define DMLOG_VERSION    1u
#define DMLOG_SUPER_SIZE 28u /* bytes of the superblock before padding */
#define DMLOG_ENTRY_SIZE 32u /* bytes of an entry header before padding */

#define DMLOG_FLUSH       0x01u
#define DMLOG_FUA         0x02u
#define DMLOG_DISCARD     0x04u
#define DMLOG_MARK        0x08u
#define DMLOG_METADATA    0x10u
#define DMLOG_FLAGS_KNOWN 0x1fu

/* dmlog_parse() options. */
#define DMLOG_TRAILING 0x1u /* also parse entries past nr_entries */

struct dmlog_entry {
	uint64_t sector;     /* first sector, in sectorsize units */
	uint64_t nr_sectors; /* sectors written or discarded */
	uint64_t flags;      /* DMLOG_* */
	uint64_t data_len;   /* MARK: length of the text */
	uint64_t data_off;   /* byte offset in the log of the data (or the
			      * MARK text); 0 when there is none */
	uint64_t log_index;  /* position in the log, from 0 */
};

struct dmlog {
	uint32_t sectorsize;
	uint64_t nr_entries; /* the superblock's count */
	bool no_super;       /* sector 0 was all zero (no flush ever logged) */
	size_t n;            /* entries parsed; > nr_entries with trailing ones */
	struct dmlog_entry *e;
};

/*
 * Parse a whole log held in memory (buf stays owned by the caller; data_off
 * indexes into it). 0 on success; -1 with a message in err on a bad
 * superblock or a counted entry that is invalid or runs past the end.
 */
int dmlog_parse(const void *buf, size_t len, unsigned opts, struct dmlog *out, char *err,
		size_t errlen);
void dmlog_free(struct dmlog *l);

/* Is this entry a data write (as opposed to flush, discard, mark)? */
static inline bool dmlog_is_write(const struct dmlog_entry *e)
{
	return !(e->flags & (DMLOG_FLUSH | DMLOG_DISCARD | DMLOG_MARK)) && e->nr_sectors > 0;
}

/* Writing a log, QEMU style: the superblock is rewritten after each flush
 * and every update_interval entries (4096 after init; 1: every entry). */
struct dmlog_writer {
	uint8_t *buf;
	size_t len, cap;
	uint32_t sectorsize;
	uint64_t nr_entries;
	uint64_t update_interval;
};

int dmlog_writer_init(struct dmlog_writer *w, uint32_t sectorsize);
/* data: nr * sectorsize bytes, or NULL for zeros (QEMU's write-zeroes).
 * flags: 0 or DMLOG_FUA. The others: 0, or -ENOMEM. */
int dmlog_write(struct dmlog_writer *w, uint64_t sector, uint64_t nr, const void *data,
		uint64_t flags);
int dmlog_flush(struct dmlog_writer *w);
int dmlog_discard(struct dmlog_writer *w, uint64_t sector, uint64_t nr);
int dmlog_mark(struct dmlog_writer *w, const char *text);
/* Rewrite the superblock counting every entry so far. */
void dmlog_sync_super(struct dmlog_writer *w);
/* Append raw bytes (a test's torn last entry, say). */
int dmlog_append_raw(struct dmlog_writer *w, const void *p, size_t n);
int dmlog_save(const struct dmlog_writer *w, const char *path);
void dmlog_writer_free(struct dmlog_writer *w);

#endif /* CAIRN_TEST_DMLOG_H */
