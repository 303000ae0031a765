/* SPDX-License-Identifier: MIT */
/*
 * Inside the log writer: what writer.c (the machine, requests, commit
 * and failure) shares with writer_migrate.c (the phases that write a
 * committed or recovered generation home). For those two files only; the
 * owner's interface is writer.h.
 */
#ifndef CAIRN_CKPT_WRITER_INTERNAL_H
#define CAIRN_CKPT_WRITER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "writer.h"

/* What a slot's request is, so a completion knows what it finished. */
enum slot_kind { SLOT_DATA, SLOT_DIR, SLOT_FLUSH, SLOT_HEADER, SLOT_HOME, SLOT_RREAD, SLOT_RWRITE };

/* writer.c */
void ckpt_wr_report(struct ckpt_writer *w, const struct ckpt_report *r);
struct ckpt_slot *ckpt_wr_free_slot(struct ckpt_writer *w); /* NULL: all busy */
/* One block's request in slot s (buf written from, or read into for READ). */
void ckpt_wr_submit_one(struct ckpt_writer *w, struct ckpt_slot *s, enum ckpt_io_op op,
			uint64_t block, const void *buf, enum slot_kind kind);
void ckpt_wr_retry_after(struct ckpt_writer *w, uint32_t ms);
void ckpt_wr_enter_migrate(struct ckpt_writer *w);
void ckpt_wr_enter_home_flush(struct ckpt_writer *w); /* issues its FLUSH */
void ckpt_wr_enter_idle(struct ckpt_writer *w);
void ckpt_wr_stop(struct ckpt_writer *w); /* no more checkpoints */
void ckpt_wr_pump(struct ckpt_writer *w); /* run the machine as far as it goes */

/* writer_migrate.c: the phases' functions (true: go on at once). */
bool ckpt_wr_phase_migrate(struct ckpt_writer *w);
bool ckpt_wr_phase_home_flush(struct ckpt_writer *w);
bool ckpt_wr_phase_recover_migrate(struct ckpt_writer *w);

#endif
