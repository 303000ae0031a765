/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli), the checksum of every Cairn on-disk header: the
 * superblock now, checkpoint headers and log records later. Parameters (the
 * "CRC-32C" entry of the CRC catalogue, also iSCSI RFC 3720 B.4 and
 * ext4/btrfs metadata): reflected polynomial 0x82F63B78, initial value
 * 0xFFFFFFFF, final xor 0xFFFFFFFF, so CRC32C("123456789") == 0xE3069283.
 *
 * The running value passed in and returned is the finished CRC (already
 * xored), so calls chain: cairn_crc32c(cairn_crc32c(0, a, n), b, m) is the
 * CRC of a followed by b, and a fresh CRC starts from 0.
 *
 * Freestanding: the table is a const array, so the kernel needs no init.
 */
#ifndef CAIRN_DISK_CRC32C_H
#define CAIRN_DISK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_CRC32C_POLY  0x82F63B78u /* reflected form of 0x1EDC6F41 */
#define CAIRN_CRC32C_CHECK 0xE3069283u /* CRC of the ASCII "123456789" */

uint32_t cairn_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* CAIRN_DISK_CRC32C_H */
