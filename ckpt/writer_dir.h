/* SPDX-License-Identifier: MIT */
/*
 * Inside the log writer: the directory and header half (writer_dir.c),
 * for writer.c only.
 */
#ifndef CAIRN_CKPT_WRITER_DIR_H
#define CAIRN_CKPT_WRITER_DIR_H

#include <stdint.h>

#include "writer.h"

/* The instructions the directory check takes, where the hart counts them
 * (the kernel's figure, docs/benchmarks.md "Directory check"). */
static inline uint64_t instret(void)
{
#if defined(__riscv)
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
#else
	return 0;
#endif
}

/* The tail the next header carries: the oldest of the generations it
 * keeps (keep 1: its own start). */
uint64_t ckpt_writer_next_tail(const struct ckpt_writer *w);
/* The header the generation being written will get. */
void ckpt_writer_build_header(const struct ckpt_writer *w, struct ckpt_header *h);
/* Start checking the directory about to be written (the header first). */
void ckpt_writer_check_begin(struct ckpt_writer *w);

/* Zero up to `bytes` more of the check map the directory will need, so
 * that check_begin has nothing left to clear (a run's work stays bounded
 * whatever the snapshot's size). */
#define CKPT_CHECK_CLEAR_SLICE (64u * 1024u)
void ckpt_writer_check_clear_some(struct ckpt_writer *w, uint64_t bytes);
/* Is all of the map this generation's check needs zeroed? */
bool ckpt_writer_check_zeroed(const struct ckpt_writer *w);
/* Directory block k into buf (every item has its position and sum). */
void ckpt_writer_encode_dir(struct ckpt_writer *w, uint32_t k, void *buf);
/* The check of directory block k, blocks 0..k-1 checked: the entries
 * encode_dir() wrote, derived again from the items, which do not change
 * once DATA has given them a position and a sum. */
enum ckpt_err ckpt_writer_check_dir(struct ckpt_writer *w, uint32_t k);
/* Keep each thread once, and only those recovery accepts; how many went. */
uint64_t ckpt_writer_rebuild_threads(struct ckpt_writer *w);

#endif
