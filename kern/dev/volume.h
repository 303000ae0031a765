/* SPDX-License-Identifier: MIT */
/*
 * The volume the kernel runs on: found on the first virtio-blk device,
 * its superblock read and validated at boot (docs/volume-format.md).
 * volume_open() only reads; a missing, foreign, corrupt or oversized
 * volume stops the machine with one clear line and no write to the disk.
 */
#ifndef CAIRN_KERN_VOLUME_H
#define CAIRN_KERN_VOLUME_H

#include <stdint.h>
#include <cairn/volume.h>

/* The superblock in use; valid after volume_open() returned. */
extern struct cairn_superblock volume_sb;

/* Open the volume or stop the machine (never returns on failure). */
void volume_open(void);

/* 512-byte sector of a volume block. */
static inline uint64_t volume_sector(uint64_t block)
{
	return block * (CAIRN_BLOCK_SIZE / 512);
}

/* Print one line and stop the machine cleanly (SBI SRST shutdown). */
__attribute__((noreturn, format(printf, 1, 2))) void volume_stop(const char *fmt, ...);

#endif
