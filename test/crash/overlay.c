/* SPDX-License-Identifier: MIT */
/*
 * Crash-state reads over BASE + durable + pending sectors (overlay.h).
 *
 * Invariant of a secmap: every key in use is reachable from its hash slot
 * through slots in use (nothing is ever removed, only the whole map is
 * cleared), and n <= 3/4 cap, so probes end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/ckptlog.h"
#include "overlay.h"

static size_t sec_hash(uint64_t k)
{
	k *= 0x9e3779b97f4a7c15ull;
	return (size_t)(k ^ (k >> 29));
}

static size_t find(const struct secmap *m, uint64_t sector)
{
	size_t i = sec_hash(sector) & (m->cap - 1);

	while (m->stamp[i] == m->cur && m->key[i] != sector)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int grow(struct secmap *m)
{
	struct secmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->n = 0;
	m->cur = 1;
	m->key = malloc(m->cap * sizeof(uint64_t));
	m->val = malloc(m->cap * sizeof(uint64_t));
	m->stamp = calloc(m->cap, sizeof(uint32_t));
	if (!m->key || !m->val || !m->stamp) {
		free(m->key);
		free(m->val);
		free(m->stamp);
		*m = old;
		return -1;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.stamp[i] == old.cur)
			secmap_put(m, old.key[i], old.val[i]);
	secmap_free(&old);
	return 0;
}

int secmap_put(struct secmap *m, uint64_t sector, uint64_t off)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != 0)
		return -1;
	i = find(m, sector);
	if (m->stamp[i] != m->cur) {
		m->stamp[i] = m->cur;
		m->key[i] = sector;
		m->n++;
	}
	m->val[i] = off;
	return 0;
}

bool secmap_get(const struct secmap *m, uint64_t sector, uint64_t *off)
{
	size_t i;

	if (m->n == 0)
		return false;
	i = find(m, sector);
	if (m->stamp[i] != m->cur)
		return false;
	*off = m->val[i];
	return true;
}

void secmap_clear(struct secmap *m)
{
	m->n = 0;
	if (m->cap == 0)
		return;
	if (++m->cur == 0) {
		memset(m->stamp, 0, m->cap * sizeof(uint32_t));
		m->cur = 1;
	}
}

void secmap_free(struct secmap *m)
{
	free(m->key);
	free(m->val);
	free(m->stamp);
	memset(m, 0, sizeof(*m));
}

void overlay_copy_sector(const struct overlay *o, uint8_t *dst, uint64_t off)
{
	if (off == OVL_ZERO)
		memset(dst, 0, o->ss);
	else
		memcpy(dst, o->log + off, o->ss);
}

int overlay_read(void *ctx, uint64_t block, void *out)
{
	struct overlay *o = ctx;
	uint8_t *buf = out;
	uint64_t at = block * CKPT_BLOCK_SIZE, first = block * o->spb, off;

	o->reads++;
	if (block >= o->total_blocks)
		return -1;
	if (at >= o->base_len) {
		memset(buf, 0, CKPT_BLOCK_SIZE);
	} else if (o->base_len - at < CKPT_BLOCK_SIZE) {
		memcpy(buf, o->base + at, o->base_len - at);
		memset(buf + (o->base_len - at), 0, CKPT_BLOCK_SIZE - (o->base_len - at));
	} else {
		memcpy(buf, o->base + at, CKPT_BLOCK_SIZE);
	}
	if (o->durable.n == 0 && o->pending.n == 0)
		return 0;
	for (uint32_t i = 0; i < o->spb; i++) {
		if (secmap_get(&o->pending, first + i, &off) ||
		    secmap_get(&o->durable, first + i, &off))
			overlay_copy_sector(o, buf + (size_t)i * o->ss, off);
	}
	return 0;
}

static bool zero_block(const uint8_t *b)
{
	bool zero;

	(void)ckpt_block_sum(b, &zero);
	return zero;
}

int overlay_save(struct overlay *o, const char *path)
{
	uint8_t buf[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)(o->total_blocks * CKPT_BLOCK_SIZE)) != 0)
		err = -errno;
	for (uint64_t b = 0; err == 0 && b < o->total_blocks; b++) {
		if (overlay_read(o, b, buf) != 0) {
			err = -EIO;
			break;
		}
		if (zero_block(buf))
			continue;
		if (pwrite(fd, buf, sizeof(buf), (off_t)(b * CKPT_BLOCK_SIZE)) !=
		    (ssize_t)sizeof(buf))
			err = -EIO;
	}
	if (close(fd) != 0 && err == 0)
		err = -errno;
	return err;
}

void overlay_free(struct overlay *o)
{
	secmap_free(&o->durable);
	secmap_free(&o->pending);
}
