/* SPDX-License-Identifier: MIT */
/*
 * Crash-state replay (replay.h has the states and the checks).
 *
 * The walk goes forward once through the flush points: the writes before
 * the current point are the overlay's durable layer, each state fills the
 * pending layer with the window's writes it includes (overlay.h), and
 * recovery reads the result. With --emit the walk runs a second time with
 * the same seed, which rebuilds exactly the same states in the same order,
 * and writes out the chosen ones.
 *
 * Invariant of the walk: `lower` is the newest generation whose header
 * write lies before the current flush point (or BASE's), i.e. the oldest
 * checkpoint any state of this point may open.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "choose.h"
#include "dmlog.h"
#include "model.h"
#include "overlay.h"
#include "plant.h"
#include "recover.h"
#include "replay.h"

/* What a state turned out to be, for choosing the ones to emit. */
enum state_class { SC_DURABLE, SC_FIRST_BOOT, SC_NEWER, SC_FAILED, SC_N };

struct rp {
	const struct replay_opts *o;
	struct replay_result *res;
	struct cairn_superblock sb;
	struct dmlog dl;
	struct overlay ov;
	struct model md;
	struct choice ch; /* the window of the current point and its state */
	size_t end;       /* the window's end: its flush entry (or dl.n) */
	/* recovery */
	struct ckpt_dirent *slots;
	size_t cap;
	struct ckpt_dirmap map;
	uint64_t threads_seen;
	/* home block sums of the blocks of interest in the durable layer:
	 * valid while home_epoch[i] == epoch (epoch moves at every flush) */
	uint64_t *home_sum;
	uint32_t *home_epoch, epoch;
	uint8_t scratch[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	uint8_t vbuf[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	char desc[256], why[512];
	enum fail_reason reason;  /* of the last fail() */
	struct plant_point plant; /* --planted: the current point's */
	/* --emit */
	uint8_t *cls; /* per state of the check pass: enum state_class */
	size_t cls_cap;
	bool emitting;
	uint64_t *sel; /* state numbers to write out, ascending */
	size_t nsel, next_sel;
	FILE *manifest;
};

static int err_out(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- checking a state -------------------------------------------------------- */

static void on_thread(void *arg, uint64_t oid)
{
	(void)oid;
	((struct rp *)arg)->threads_seen++;
}

static int fail(struct rp *p, enum fail_reason reason, const char *fmt, ...)
{
	va_list ap;

	p->reason = reason;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return -1;
}

static enum ckpt_err recover(struct rp *p, struct ckpt_recovery *out)
{
	enum ckpt_err err;

	for (;;) {
		p->threads_seen = 0;
		err = ckpt_recover(&p->sb, overlay_read, &p->ov, p->scratch, &p->map, on_thread, p,
				   out);
		if (err != CKPT_ERR_MAP_FULL || p->cap >= ((size_t)1 << 26))
			return err;
		free(p->slots);
		p->cap *= 2;
		p->slots = calloc(p->cap, sizeof(*p->slots));
		if (!p->slots || ckpt_dirmap_init(&p->map, p->slots, p->cap) != CKPT_OK)
			return CKPT_ERR_MAP_FULL;
	}
}

/* The newest generation on hdr's chain that names interest block i. */
static const char *named_by(struct rp *p, size_t hdr, size_t i, char *buf, size_t len)
{
	for (size_t k = hdr; k != MODEL_NONE && p->md.hdr[k].entry != MODEL_BASE;
	     k = p->md.hdr[k].prev) {
		for (size_t j = 0; j < p->md.hdr[k].nobjs; j++) {
			if (p->md.hdr[k].objs[j].ix == i) {
				snprintf(buf, len, "generation %" PRIu64, p->md.hdr[k].h.sequence);
				return buf;
			}
		}
	}
	return "BASE";
}

/* Does the current state's pending layer touch volume block b? */
static bool pending_touches(const struct rp *p, uint64_t b)
{
	uint64_t off;

	if (p->ov.pending.n == 0)
		return false;
	for (uint32_t i = 0; i < p->ov.spb; i++)
		if (secmap_get(&p->ov.pending, b * p->ov.spb + i, &off))
			return true;
	return false;
}

/* The block sum of interest block i at home in the current state. */
static int home_sum(struct rp *p, size_t i, uint64_t *sum)
{
	uint64_t b = model_home_block(&p->sb, &p->md.interest[i]);
	bool pend = pending_touches(p, b);

	if (!pend && p->home_epoch[i] == p->epoch) {
		*sum = p->home_sum[i];
		return 0;
	}
	if (overlay_read(&p->ov, b, p->vbuf) != 0)
		return -1;
	*sum = ckpt_block_sum(p->vbuf, NULL);
	if (!pend) {
		p->home_sum[i] = *sum;
		p->home_epoch[i] = p->epoch;
	}
	return 0;
}

/* (c): every block of interest against the model. */
static int check_contents(struct rp *p, size_t hdr, uint64_t gen, bool *checked)
{
	const uint64_t *want = model_expect(&p->md, hdr);

	*checked = want != NULL;
	if (!want)
		return 0;
	for (size_t i = 0; i < p->md.ninterest; i++) {
		const struct model_key *k = &p->md.interest[i];
		const struct ckpt_dirent *e = ckpt_dirmap_lookup(&p->map, k->kind, k->index);
		uint64_t got;
		char from[64], by[48];

		if (e) {
			got = (e->flags & CKPT_ENTRY_ZERO) ? p->md.zero_sum : e->sum;
			snprintf(from, sizeof(from), "log position %" PRIu64, e->pos);
		} else {
			if (home_sum(p, i, &got) != 0)
				return fail(p, FR_CONTENT, "%s %" PRIu64 ": home block unreadable",
					    ckpt_kind_name(k->kind), k->index);
			snprintf(from, sizeof(from), "home");
		}
		if (got != want[i])
			return fail(p, FR_CONTENT,
				    "checkpoint %" PRIu64 ": %s %" PRIu64 " read from %s is not the"
				    " content %s gave it (block sum %016" PRIx64
				    ", expected %016" PRIx64 ")",
				    gen, ckpt_kind_name(k->kind), k->index, from,
				    named_by(p, hdr, i, by, sizeof(by)), got, want[i]);
	}
	return 0;
}

/* Recover the current state and judge it; 0 = passed, else p->why. *gen
 * gets the generation opened (0: first boot, UINT64_MAX: error). */
static int check_state(struct rp *p, uint64_t lower, uint64_t *gen)
{
	struct ckpt_recovery out;
	enum ckpt_err err = recover(p, &out);
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;
	size_t hdr = MODEL_NONE;
	bool checked;

	*gen = UINT64_MAX;
	if ((unsigned)err >= CKPT_NERRORS)
		return fail(p, FR_RECOVERY, "recovery returned %d, not an enum ckpt_err", (int)err);
	if (err != CKPT_OK)
		return fail(p, FR_RECOVERY, "recovery failed: %s (%s)%s%s", ckpt_errname(err),
			    ckpt_strerror(err), out.detail[0] ? ": " : "", out.detail);
	*gen = out.found ? out.hdr.sequence : 0;
	if (*gen < lower)
		return fail(p, FR_OLDER,
			    "opened %s, but checkpoint %" PRIu64
			    " was durable (slots: %s seq %" PRIu64 ", %s seq %" PRIu64 ")",
			    out.found ? "an older checkpoint" : "no checkpoint (first boot)", lower,
			    ckpt_errname(out.slot_err[0]), out.slot_seq[0],
			    ckpt_errname(out.slot_err[1]), out.slot_seq[1]);
	if (out.found) {
		long k;

		if (overlay_read(&p->ov, ckpt_header_block(&p->sb, out.slot), p->vbuf) != 0)
			return fail(p, FR_FOREIGN, "header slot unreadable");
		k = model_find_header(&p->md, out.slot, p->vbuf, p->end);
		if (k < 0)
			return fail(p, FR_FOREIGN,
				    "opened generation %" PRIu64 " from slot %u, a header no write"
				    " of the stream put there intact",
				    *gen, out.slot);
		hdr = (size_t)k;
		if (*gen > lower)
			p->res->newer++;
	} else {
		p->res->first_boots++;
	}

	ckpt_dirmap_first(&p->map, &c);
	while (ckpt_dirmap_next(&p->map, &c, &e)) {
		enum ckpt_err v = ckpt_verify_object(&p->sb, overlay_read, &p->ov, p->vbuf, &e);

		if (v != CKPT_OK)
			return fail(p, FR_OBJECT,
				    "checkpoint %" PRIu64 ": %s %" PRIu64 " of generation %" PRIu64
				    " at log position %" PRIu64 ": %s",
				    *gen, ckpt_kind_name(e.kind), e.index, e.seq, e.pos,
				    ckpt_errname(v));
	}
	if (out.found && p->threads_seen != out.hdr.threads)
		return fail(p, FR_THREADS,
			    "checkpoint %" PRIu64 ": %" PRIu64
			    " domains reported, header says %" PRIu64,
			    *gen, p->threads_seen, out.hdr.threads);
	if (check_contents(p, hdr, *gen, &checked) != 0)
		return -1;
	if (!checked)
		p->res->unchecked++;
	return 0;
}

/* --- the walk over flush points ------------------------------------------------ */

/* A failure line; with --planted, failures the plant does not explain
 * are counted (and printed) apart, as the reason a planted test fails. */
static void report(struct rp *p, uint64_t point, bool exposed)
{
	uint64_t at = p->end < p->dl.n ? p->dl.e[p->end].log_index : p->dl.n;
	bool explained = p->o->plant == PLANT_NONE ||
			 (exposed && plant_allows(p->o->plant, p->reason));
	uint64_t n = explained ? p->res->failed - p->res->unexplained : ++p->res->unexplained;
	const char *what = explained  ? ""
			   : !exposed ? " (UNEXPLAINED: the state does not expose the plant)"
				      : " (UNEXPLAINED: a reason the plant cannot cause)";

	if (p->o->report && n <= p->o->max_report)
		fprintf(p->o->report,
			"crashreplay: FAIL point %" PRIu64 " (flush at log entry %" PRIu64
			"), %s: %s [%s]%s\n",
			point, at, p->desc, p->why, fail_reason_name(p->reason), what);
}

static int emit(struct rp *p, uint64_t point, uint64_t lower)
{
	char path[4096];
	struct replay_result keep = *p->res; /* emitting counts nothing */
	uint64_t gen;
	int err;
	const char *what;

	snprintf(path, sizeof(path), "%s/state-%03zu.img", p->o->emit_dir, p->next_sel);
	err = overlay_save(&p->ov, path);
	if (err)
		return err;
	(void)check_state(p, lower, &gen);
	*p->res = keep;
	what = gen == UINT64_MAX ? "error" : gen == 0 ? "first-boot" : "resumed";
	fprintf(p->manifest,
		"state-%03zu.img %s %" PRIu64 " # point %" PRIu64 ", durable %" PRIu64 ", %s\n",
		p->next_sel, what, gen == UINT64_MAX ? 0 : gen, point, lower, p->desc);
	p->res->emitted++;
	return 0;
}

/* One state of the current point (already chosen). */
static int one_state(struct rp *p, uint64_t point, uint64_t lower, uint64_t *number)
{
	uint64_t gen;
	bool exposed;

	if (choice_apply(&p->ch, &p->ov, p->desc, sizeof(p->desc)) != 0)
		return -ENOMEM;
	if (p->emitting) {
		int err = 0;

		if (p->next_sel < p->nsel && p->sel[p->next_sel] == *number) {
			err = emit(p, point, lower);
			p->next_sel++;
		}
		(*number)++;
		return err;
	}
	p->res->states++;
	p->res->torn += p->ch.torn != SIZE_MAX;
	if (*number == p->cls_cap) {
		size_t ncap = p->cls_cap ? p->cls_cap * 2 : 4096;
		uint8_t *nc = realloc(p->cls, ncap);

		if (!nc)
			return -ENOMEM;
		p->cls = nc;
		p->cls_cap = ncap;
	}
	exposed = p->o->plant != PLANT_NONE && plant_exposed(&p->plant, &p->ch);
	p->res->exposed += exposed;
	if (check_state(p, lower, &gen) == 0) {
		p->res->ok++;
		if (gen > p->res->gen_max)
			p->res->gen_max = gen;
		p->cls[*number] = gen == 0 ? SC_FIRST_BOOT : gen > lower ? SC_NEWER : SC_DURABLE;
	} else {
		p->res->failed++;
		p->res->reasons[p->reason]++;
		p->cls[*number] = SC_FAILED;
		report(p, point, exposed);
	}
	(*number)++;
	return 0;
}

static int walk(struct rp *p)
{
	uint64_t lower = p->md.base_seq, point = 0, number = 0;
	const struct model_hdr *durable = plant_find_header(&p->md, MODEL_BASE, lower);
	size_t i = 0;
	int err;

	for (;;) {
		plant_point_begin(&p->plant, durable, i);
		/* The window of this point: data entries up to the next flush. */
		p->ch.n = 0;
		for (p->end = i; p->end < p->dl.n && !(p->dl.e[p->end].flags & DMLOG_FLUSH);
		     p->end++)
			if (model_is_data(&p->dl.e[p->end]))
				p->ch.idx[p->ch.n++] = p->end;
		p->ch.nfps = 0;
		for (unsigned s = 0; s < ST_FIXED + p->o->states; s++) {
			enum state_kind kind = s < ST_FIXED ? (enum state_kind)s : ST_RANDOM;

			if (!choice_make(&p->ch, kind))
				continue;
			if (!choice_fresh(&p->ch)) {
				p->res->repeats += !p->emitting && kind == ST_RANDOM;
				continue;
			}
			err = one_state(p, point, lower, &number);
			if (err)
				return err;
			if (p->ch.n == 0)
				break; /* nothing unflushed: one state only */
		}
		if (p->o->verbose && p->o->report && !p->emitting)
			fprintf(p->o->report,
				"crashreplay: point %" PRIu64 ": %zu unflushed writes,"
				" durable checkpoint %" PRIu64 "\n",
				point, p->ch.n, lower);
		if (p->end >= p->dl.n)
			break;
		/* Crossing the flush: the window becomes durable. */
		for (size_t k = 0; k < p->ch.n; k++) {
			const struct dmlog_entry *e = &p->dl.e[p->ch.idx[k]];
			uint64_t off = model_data_off(e);

			for (uint64_t s = 0; s < e->nr_sectors; s++)
				if (secmap_put(&p->ov.durable, e->sector + s,
					       off == OVL_ZERO ? OVL_ZERO : off + s * p->ov.ss) !=
				    0)
					return -ENOMEM;
			if (p->md.entry_seq[p->ch.idx[k]] > lower) {
				lower = p->md.entry_seq[p->ch.idx[k]];
				durable = plant_find_header(&p->md, p->ch.idx[k], lower);
			}
		}
		p->epoch++;
		i = p->end + 1;
		point++;
	}
	p->res->points = point + 1;
	return 0;
}

/* --- set up ------------------------------------------------------------------------ */

static void dump(struct rp *p)
{
	FILE *f = p->o->report ? p->o->report : stdout;

	fprintf(f, "log: sector size %u, %" PRIu64 " counted entries%s, %zu parsed\n", p->ov.ss,
		p->dl.nr_entries, p->dl.no_super ? " (no superblock yet)" : "", p->dl.n);
	for (size_t i = 0; i < p->dl.n; i++) {
		const struct dmlog_entry *e = &p->dl.e[i];

		fprintf(f, "%6zu %c sector %" PRIu64 " +%" PRIu64 " flags 0x%" PRIx64, i,
			i < p->dl.nr_entries ? ' ' : '+', e->sector, e->nr_sectors, e->flags);
		if (e->flags & DMLOG_FLUSH)
			fprintf(f, " FLUSH");
		if (e->flags & DMLOG_FUA)
			fprintf(f, " FUA");
		if (e->flags & DMLOG_DISCARD)
			fprintf(f, " DISCARD");
		if (e->flags & DMLOG_MARK)
			fprintf(f, " MARK \"%.*s\"", (int)e->data_len,
				(const char *)p->ov.log + e->data_off);
		if (p->md.entry_seq[i])
			fprintf(f, " header %" PRIu64, p->md.entry_seq[i]);
		fputc('\n', f);
	}
}

static int load_sb(struct rp *p, char *err, size_t errlen)
{
	enum cairn_vol_err e0 = CAIRN_VOL_ERR_TRUNCATED, e1 = CAIRN_VOL_ERR_TRUNCATED;

	if (p->ov.base_len >= CKPT_BLOCK_SIZE)
		e0 = cairn_sb_decode(p->ov.base, CKPT_BLOCK_SIZE, &p->sb);
	if (e0 != CAIRN_VOL_OK && p->ov.base_len >= 2 * CKPT_BLOCK_SIZE)
		e1 = cairn_sb_decode(p->ov.base + CKPT_BLOCK_SIZE, CKPT_BLOCK_SIZE, &p->sb);
	if (e0 != CAIRN_VOL_OK && e1 != CAIRN_VOL_OK)
		return err_out(err, errlen, "BASE has no valid superblock: %s; backup: %s",
			       cairn_vol_strerror(e0), cairn_vol_strerror(e1));
	p->ov.total_blocks = p->sb.total_blocks;
	return 0;
}

static const void *map_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	void *m;

	if (fd < 0 || fstat(fd, &st) != 0) {
		err_out(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		close(fd);
		err_out(err, errlen, "%s: empty file", path);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		err_out(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return NULL;
	}
	*len = (size_t)st.st_size;
	return m;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Choose `sample` of the states: up to a fifth each from the rarer
 * outcomes (first boot, a header not yet durable opened, a failure), the
 * rest spread evenly over the whole run; then walk again and write them. */
static int emit_pass(struct rp *p, char *err, size_t errlen)
{
	char path[4096];
	uint64_t total = p->res->states;
	size_t want = p->o->sample < total ? p->o->sample : (size_t)total, got = 0;
	int rc;

	p->sel = calloc(want ? want : 1, sizeof(uint64_t));
	if (!p->sel)
		return err_out(err, errlen, "out of memory");
	for (unsigned c = SC_FIRST_BOOT; c < SC_N; c++) {
		uint64_t have = 0, quota = want / 5 ? want / 5 : 1, k = 0;

		for (uint64_t s = 0; s < total; s++)
			have += p->cls[s] == c;
		if (quota > have)
			quota = have;
		for (uint64_t s = 0, seen = 0; s < total && k < quota && got < want; s++) {
			if (p->cls[s] != c)
				continue;
			if (seen++ == (2 * k + 1) * have / (2 * quota)) {
				p->sel[got++] = s;
				p->cls[s] = SC_N; /* taken */
				k++;
			}
		}
	}
	for (size_t k = 0, left = want - got; k < left; k++) {
		uint64_t s = (2 * k + 1) * total / (2 * left);

		while (s < total && p->cls[s] == SC_N)
			s++;
		if (s == total)
			break;
		p->sel[got++] = s;
		p->cls[s] = SC_N;
	}
	qsort(p->sel, got, sizeof(uint64_t), cmp_u64);
	want = got;
	p->nsel = want;
	snprintf(path, sizeof(path), "%s/manifest", p->o->emit_dir);
	p->manifest = fopen(path, "w");
	if (!p->manifest)
		return err_out(err, errlen, "%s: %s", path, strerror(errno));
	fprintf(p->manifest, "# crashreplay states: image, what recovery opens"
			     " (resumed/first-boot/error), generation\n");
	secmap_clear(&p->ov.durable);
	p->epoch++;
	p->ch.rng = p->o->seed * 0x9e3779b97f4a7c15ull + 0x1234567;
	p->emitting = true;
	rc = walk(p);
	if (fclose(p->manifest) != 0 && rc == 0)
		rc = -errno;
	p->manifest = NULL;
	if (rc)
		return err_out(err, errlen, "writing states to %s: %s", p->o->emit_dir,
			       strerror(-rc));
	return 0;
}

int replay_run(const char *base_path, const char *log_path, const struct replay_opts *o,
	       struct replay_result *res, char *err, size_t errlen)
{
	struct rp *p = calloc(1, sizeof(*p));
	size_t log_len = 0, most = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!p)
		return err_out(err, errlen, "out of memory");
	p->o = o;
	p->res = res;
	p->plant =
		(struct plant_point){ .plant = o->plant, .sb = &p->sb, .dl = &p->dl, .md = &p->md };
	p->ch.rng = o->seed * 0x9e3779b97f4a7c15ull + 0x1234567;
	p->ch.dl = &p->dl;
	p->ch.torn = SIZE_MAX;
	p->ov.base = map_file(base_path, &p->ov.base_len, err, errlen);
	if (!p->ov.base || load_sb(p, err, errlen) != 0)
		goto out;
	p->ov.log = map_file(log_path, &log_len, err, errlen);
	if (!p->ov.log)
		goto out;
	if (dmlog_parse(p->ov.log, log_len, o->counted_only ? 0 : DMLOG_TRAILING, &p->dl, err,
			errlen) != 0)
		goto out;
	p->ov.ss = p->dl.sectorsize;
	if (p->ov.ss > CKPT_BLOCK_SIZE) {
		err_out(err, errlen, "log sector size %u is larger than a volume block", p->ov.ss);
		goto out;
	}
	p->ov.spb = CKPT_BLOCK_SIZE / p->ov.ss;
	p->ch.spb = p->ov.spb;
	for (size_t i = 0; i < p->dl.n; i++) {
		const struct dmlog_entry *e = &p->dl.e[i];

		res->entries++;
		res->flushes += (e->flags & DMLOG_FLUSH) != 0;
		res->writes += model_is_data(e);
		if (model_is_data(e) && e->nr_sectors > most)
			most = e->nr_sectors;
	}
	if (model_build(&p->md, &p->sb, &p->ov, &p->dl, err, errlen) != 0)
		goto out;
	for (size_t k = 0; k < p->md.nhdr; k++)
		res->headers += p->md.hdr[k].entry != MODEL_BASE;
	res->interest = p->md.ninterest;
	if (o->dump) {
		dump(p);
		rc = 0;
		goto out;
	}
	p->ch.idx = malloc((p->dl.n ? p->dl.n : 1) * sizeof(size_t));
	p->ch.in = malloc((p->dl.n ? p->dl.n : 1) * sizeof(bool));
	p->ch.mask = malloc((most ? most : 1) * sizeof(bool));
	p->ch.fps = malloc((ST_FIXED + o->states) * sizeof(uint64_t));
	p->home_sum = malloc((p->md.ninterest ? p->md.ninterest : 1) * sizeof(uint64_t));
	p->home_epoch = calloc(p->md.ninterest ? p->md.ninterest : 1, sizeof(uint32_t));
	p->epoch = 1;
	p->cap = 1u << 12;
	p->slots = calloc(p->cap, sizeof(*p->slots));
	if (!p->home_sum || !p->home_epoch || !p->ch.idx || !p->ch.in || !p->ch.mask ||
	    !p->ch.fps || !p->slots || ckpt_dirmap_init(&p->map, p->slots, p->cap) != CKPT_OK) {
		err_out(err, errlen, "out of memory");
		goto out;
	}
	if (walk(p) != 0) {
		err_out(err, errlen, "out of memory");
		goto out;
	}
	if (o->emit_dir && emit_pass(p, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	if (p->ov.base)
		munmap((void *)p->ov.base, p->ov.base_len);
	if (p->ov.log)
		munmap((void *)p->ov.log, log_len);
	dmlog_free(&p->dl);
	model_free(&p->md);
	overlay_free(&p->ov);
	free(p->ch.idx);
	free(p->ch.in);
	free(p->ch.mask);
	free(p->ch.fps);
	free(p->slots);
	free(p->home_sum);
	free(p->home_epoch);
	free(p->sel);
	free(p->cls);
	free(p);
	return rc;
}
