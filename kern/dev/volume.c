/* SPDX-License-Identifier: MIT */
/*
 * Opening the volume at boot. The primary superblock (block 0) is tried
 * first and the backup (block 1) if the primary does not validate; the
 * geometry is then checked against the real device size. Each failure is
 * one line naming the reason (the format library's error name) followed by
 * a clean SBI shutdown: a machine with no usable volume has nothing to run,
 * and looping or panicking would help nobody. The largest volume is the
 * format's (32-bit OIDs): the kernel's pool windows hold every OID
 * (hw/memlayout.h), so "too large" is the geometry check's OID_RANGE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cairn/key.h>
#include "dev/volume.h"
#include "dev/virtio_blk.h"
#include "mem/frame.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "sbi.h"

struct cairn_superblock volume_sb;

void volume_stop(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_error("%s", buf);
	kprintf("cairn: stopped\n");
	sbi_shutdown(true);
}

static enum cairn_vol_err read_superblock(uint64_t block, uint64_t buf_pa,
					  struct cairn_superblock *sb, enum blk_status *io)
{
	*io = blk_sync(BLK_READ, volume_sector(block), buf_pa, CAIRN_BLOCK_SIZE);
	if (*io != BLK_OK)
		return CAIRN_VOL_ERR_TRUNCATED;
	return cairn_sb_decode(pa_to_va(buf_pa), CAIRN_BLOCK_SIZE, sb);
}

void volume_open(void)
{
	if (!blk_present())
		volume_stop("no volume: attach a virtio block device holding a Cairn volume "
			    "(make run does this; format one with cairn-format)");
	uint64_t capacity = blk_capacity_bytes();
	if (capacity < 2 * CAIRN_BLOCK_SIZE)
		volume_stop("no volume: the block device holds %lu bytes, too small for a superblock",
			    (unsigned long)capacity);

	uint64_t buf = frame_alloc();
	if (!buf)
		volume_stop("no memory to read the superblock");
	enum blk_status io;
	enum cairn_vol_err primary = read_superblock(0, buf, &volume_sb, &io);
	if (io != BLK_OK)
		volume_stop("cannot read the superblock: %s", blk_strerror(io));
	if (primary != CAIRN_VOL_OK) {
		enum cairn_vol_err backup = read_superblock(1, buf, &volume_sb, &io);
		if (io != BLK_OK || backup != CAIRN_VOL_OK) {
			if (primary == CAIRN_VOL_ERR_OID_RANGE)
				volume_stop("volume too large: %lu nodes, %lu pages; a key's OID is "
					    "32 bits, so at most %lu of each (%s)",
					    (unsigned long)volume_sb.node_count,
					    (unsigned long)volume_sb.page_count,
					    (unsigned long)CAIRN_POOL_COUNT_MAX,
					    cairn_vol_errname(primary));
			if (primary == CAIRN_VOL_ERR_MAGIC)
				volume_stop("not a Cairn volume (no CAIRNVOL superblock; %s)",
					    cairn_vol_errname(primary));
			volume_stop("corrupt volume: superblock: %s (%s); backup: %s",
				    cairn_vol_strerror(primary), cairn_vol_errname(primary),
				    io != BLK_OK ? blk_strerror(io) : cairn_vol_errname(backup));
		}
		log_warn("primary superblock invalid (%s); using the backup copy",
			 cairn_vol_errname(primary));
	}
	frame_free(buf);

	uint64_t device_blocks = capacity / CAIRN_BLOCK_SIZE;
	enum cairn_vol_err geo = cairn_sb_check_geometry(&volume_sb, device_blocks);
	if (geo == CAIRN_VOL_ERR_DEVICE_TOO_SMALL)
		volume_stop("volume (%lu bytes) is bigger than its device (%lu bytes)",
			    (unsigned long)(volume_sb.total_blocks * CAIRN_BLOCK_SIZE),
			    (unsigned long)capacity);
	if (geo != CAIRN_VOL_OK)
		volume_stop("corrupt volume geometry: %s (%s)", cairn_vol_strerror(geo),
			    cairn_vol_errname(geo));

	char uuid[37];
	cairn_uuid_format(volume_sb.uuid, uuid);
	log_info("volume %s size=%lu nodes=%lu pages=%lu log=%lu", uuid,
		 (unsigned long)(volume_sb.total_blocks * CAIRN_BLOCK_SIZE),
		 (unsigned long)volume_sb.node_count, (unsigned long)volume_sb.page_count,
		 (unsigned long)(volume_sb.log_blocks * CAIRN_BLOCK_SIZE));
}
