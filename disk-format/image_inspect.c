/* SPDX-License-Identifier: MIT */
/*
 * Listing the initial image: see image_inspect.h. First the boot chain is
 * followed and every domain root collected, with its name (so that keys
 * to a domain can name it whatever order the domains come in); then each
 * domain is printed: its root, registers and capability registers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/abi.h"
#include "cairn/key.h"
#include "cairn/keytab.h"
#include "cairn/node.h"
#include "format_args.h"
#include "image_build.h"
#include "image_inspect.h"

#define MAX_BOOT_NODES 65536u /* 2 million domains: beyond that, a loop */
#define NAME_TEXT      64u    /* a name, escaped */

struct dom_entry {
	uint64_t root;
	char name[NAME_TEXT]; /* "" if the root holds no name */
};

struct lister {
	int fd;
	const char *path;
	const struct cairn_superblock *sb;
	FILE *errout;
	struct dom_entry *doms;
	size_t ndoms, cap;
};

/* Read node oid into node[CAIRN_NODE_SIZE]. False if outside the pool or
 * unreadable; errno tells which (ERANGE: outside). */
static bool read_node(const struct lister *l, uint64_t oid, uint8_t *node)
{
	uint8_t pot[CAIRN_NODE_POT_SIZE];
	size_t got = 0;

	if (oid >= l->sb->node_count) {
		errno = ERANGE;
		return false;
	}
	off_t off = (off_t)(cairn_node_pot_block(l->sb, oid) * CAIRN_BLOCK_SIZE);
	while (got < sizeof(pot)) {
		ssize_t n = pread(l->fd, pot + got, sizeof(pot) - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file ends inside the pool */
			return false;
		}
		got += (size_t)n;
	}
	memcpy(node, pot + cairn_node_pot_offset(oid), CAIRN_NODE_SIZE);
	return true;
}

static int lfail(const struct lister *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One "cairn-format: PATH: message" line. */
static int lfail(const struct lister *l, const char *fmt, ...)
{
	va_list ap;
	fprintf(l->errout, "cairn-format: %s: ", l->path);
	va_start(ap, fmt);
	vfprintf(l->errout, fmt, ap);
	va_end(ap);
	fputc('\n', l->errout);
	return FORMAT_EXIT_FAILURE;
}

/* The name in a root's brand slot, escaped so that it stays one word. */
static void brand_name(const uint8_t *root, char out[NAME_TEXT])
{
	const uint8_t *s = cairn_node_slot_const(root, CAIRN_DOM_SLOT_BRAND);
	uint8_t raw[CAIRN_KEY_NUMBER_LEN];
	size_t n = 0;

	out[0] = '\0';
	if (cairn_key_type(s) != CAIRN_KEY_NUMBER)
		return;
	cairn_key_number_get(s, raw);
	for (size_t i = 0; i < CAIRN_KEY_NUMBER_LEN && raw[i]; i++) {
		unsigned char c = raw[i];
		if (c > 0x20 && c < 0x7f && c != '\\' && c != '=')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, NAME_TEXT - n, "\\x%02x", c);
	}
	out[n] = '\0';
}

static const char *name_of(void *ctx, uint64_t oid)
{
	const struct lister *l = ctx;
	for (size_t i = 0; i < l->ndoms; i++)
		if (l->doms[i].root == oid && l->doms[i].name[0])
			return l->doms[i].name;
	return NULL;
}

/* Append to buf[0..len) at *pos, never past the end. */
static void add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	if (*pos >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

/* A console key's label: " label=NAME", " label=?" when bytes 4..15 hold
 * no well-formed label (such a key writes nothing), nothing when they are
 * all zero. */
static void describe_label(const uint8_t *s, char *buf, size_t len, size_t *pos)
{
	size_t n = cairn_key_label_len(s);
	if (n) {
		add(buf, len, pos, " label=%.*s", (int)n, (const char *)s + CAIRN_KEY_OFF_LABEL);
		return;
	}
	for (unsigned i = 0; i < CAIRN_KEY_LABEL_MAX; i++)
		if (s[CAIRN_KEY_OFF_LABEL + i]) {
			add(buf, len, pos, " label=?");
			return;
		}
}

/* One key in the listing's words ("start pong badge=0", "page 12
 * rights=ro,nx", "sleep"), naming domain roots through names(oid) when it
 * returns non-NULL (docs/image-format.md, "--inspect"). Types without a
 * case below are listed by the key table's object column: the name alone
 * for a key with no object, else "name OID". */
static void describe_key(const uint8_t *s, const char *(*names)(void *ctx, uint64_t oid), void *ctx,
			 char *buf, size_t len)
{
	uint8_t type = cairn_key_type(s), rights = cairn_key_rights(s);
	uint16_t badge = cairn_key_badge(s);
	uint32_t count = cairn_key_alloc_count(s);
	uint64_t oid = cairn_key_oid(s);
	size_t pos = 0;
	const char *type_name = cairn_keytab_type_name(type), *name;

	if (len)
		buf[0] = '\0';
	if (!type_name) {
		add(buf, len, &pos, "type=%u", type);
		return;
	}
	for (const char *t = type_name; *t; t++)
		add(buf, len, &pos, "%c", *t >= 'A' && *t <= 'Z' ? *t - 'A' + 'a' : *t);
	switch (type) {
	case CAIRN_KEY_CONSOLE:
		describe_label(s, buf, len, &pos);
		return;
	case CAIRN_KEY_NUMBER:
		if (cairn_key_number_high(s))
			add(buf, len, &pos, " 0x%" PRIx64 "%016" PRIx64, cairn_key_number_high(s),
			    cairn_key_number_low(s));
		else
			add(buf, len, &pos, " %" PRIu64, cairn_key_number_low(s));
		return;
	case CAIRN_KEY_RANGE:
		if (badge == CAIRN_RANGE_NODES || badge == CAIRN_RANGE_PAGES)
			add(buf, len, &pos, " %s", badge == CAIRN_RANGE_NODES ? "nodes" : "pages");
		else
			add(buf, len, &pos, " badge=%u", badge);
		add(buf, len, &pos, " first=%" PRIu64 " count=%" PRIu32, oid, count);
		break;
	case CAIRN_KEY_DOMAIN:
	case CAIRN_KEY_START:
		name = names ? names(ctx, oid) : NULL;
		if (name)
			add(buf, len, &pos, " %s", name);
		else
			add(buf, len, &pos, " %" PRIu64, oid);
		if (type == CAIRN_KEY_START || badge)
			add(buf, len, &pos, " badge=%u", badge);
		break;
	case CAIRN_KEY_SPACE:
		add(buf, len, &pos, " %" PRIu64 " height=%u", oid, badge & 0xffu);
		break;
	case CAIRN_KEY_DEVICE:
		add(buf, len, &pos, " %u %" PRIu32, badge, count);
		break;
	default:
		/* The key table's object column: a key with no object is its
		 * type alone (void, sleep, discrim, checkpoint, ...). */
		if (cairn_keytab_object(type) == CAIRN_OBJECT_NONE)
			return;
		add(buf, len, &pos, " %" PRIu64, oid);
		if (badge)
			add(buf, len, &pos, " badge=%u", badge);
		break;
	}
	if (rights) {
		/* clang-format off */
		static const struct { uint8_t bit; const char *name; } rn[] = {
			{ CAIRN_RIGHT_RO, "ro" },         { CAIRN_RIGHT_WEAK, "weak" },
			{ CAIRN_RIGHT_NX, "nx" },         { CAIRN_RIGHT_KEEPER, "keeper" },
			{ CAIRN_RIGHT_FAULT, "fault" },
		};
		/* clang-format on */
		const char *sep = " rights=";
		for (size_t i = 0; i < sizeof(rn) / sizeof(rn[0]); i++)
			if (rights & rn[i].bit) {
				add(buf, len, &pos, "%s%s", sep, rn[i].name);
				sep = ",";
				rights &= (uint8_t)~rn[i].bit;
			}
		if (rights)
			add(buf, len, &pos, "%s0x%02x", sep, rights);
	}
	if (type != CAIRN_KEY_RANGE && count)
		add(buf, len, &pos, " alloc=%" PRIu32, count);
}

/* Follow the boot chain, collecting the domain roots. */
static int collect(struct lister *l)
{
	uint64_t boot = l->sb->boot_node_oid;
	uint64_t *seen = NULL;
	size_t nseen = 0;
	uint8_t node[CAIRN_NODE_SIZE];
	int rc = FORMAT_EXIT_OK;

	seen = malloc(MAX_BOOT_NODES * sizeof(*seen));
	if (!seen)
		return lfail(l, "out of memory");
	while (boot != CAIRN_OID_NONE && rc == FORMAT_EXIT_OK) {
		for (size_t i = 0; i < nseen; i++)
			if (seen[i] == boot) {
				free(seen);
				return lfail(l, "boot node chain loops back to node %" PRIu64,
					     boot);
			}
		if (nseen == MAX_BOOT_NODES) {
			free(seen);
			return lfail(l, "boot node chain longer than %u nodes", MAX_BOOT_NODES);
		}
		seen[nseen++] = boot;
		if (!read_node(l, boot, node)) {
			rc = lfail(l, "boot node %" PRIu64 ": %s", boot,
				   errno == ERANGE ? "outside the node pool" : strerror(errno));
			break;
		}
		const uint8_t *run = cairn_node_slot_const(node, IMAGE_BOOT_SLOT_RUN);
		const uint8_t *next = cairn_node_slot_const(node, IMAGE_BOOT_SLOT_NEXT);
		if (cairn_key_type(run) != CAIRN_KEY_NUMBER && !cairn_key_is_void(run)) {
			rc = lfail(l, "boot node %" PRIu64 ": slot %u is not a number key", boot,
				   IMAGE_BOOT_SLOT_RUN);
			break;
		}
		for (unsigned i = 0; i < IMAGE_BOOT_DOMAINS && rc == FORMAT_EXIT_OK; i++) {
			const uint8_t *k = cairn_node_slot_const(node, i);
			if (cairn_key_is_void(k))
				continue;
			if (cairn_key_type(k) != CAIRN_KEY_DOMAIN ||
			    cairn_key_oid(k) >= l->sb->node_count) {
				rc = lfail(l, "boot node %" PRIu64 ": slot %u is not a domain key",
					   boot, i);
				break;
			}
			if (l->ndoms == l->cap) {
				size_t ncap = l->cap ? l->cap * 2 : 32;
				struct dom_entry *q = realloc(l->doms, ncap * sizeof(*q));
				if (!q) {
					rc = lfail(l, "out of memory");
					break;
				}
				l->doms = q;
				l->cap = ncap;
			}
			uint8_t root[CAIRN_NODE_SIZE];
			struct dom_entry *e = &l->doms[l->ndoms++];
			e->root = cairn_key_oid(k);
			if (!read_node(l, e->root, root)) {
				rc = lfail(l, "domain root %" PRIu64 ": %s", e->root,
					   strerror(errno));
				break;
			}
			brand_name(root, e->name);
		}
		if (rc != FORMAT_EXIT_OK)
			break;
		if (cairn_key_is_void(next)) {
			boot = CAIRN_OID_NONE;
		} else if (cairn_key_type(next) != CAIRN_KEY_NODE) {
			rc = lfail(l, "boot node %" PRIu64 ": slot %u is not a node key", boot,
				   IMAGE_BOOT_SLOT_NEXT);
		} else if (cairn_key_oid(next) >= l->sb->node_count) {
			rc = lfail(l,
				   "boot node %" PRIu64 ": next boot node %" PRIu64
				   " is outside the node pool",
				   boot, cairn_key_oid(next));
		} else {
			boot = cairn_key_oid(next);
		}
	}
	free(seen);
	return rc;
}

/* A register from the register node: "0x..." for a number, 0 for void. */
static void reg_text(const uint8_t *regs, unsigned r, char out[24])
{
	const uint8_t *s = cairn_node_slot_const(regs, r);
	if (cairn_key_type(s) == CAIRN_KEY_NUMBER)
		snprintf(out, 24, "0x%" PRIx64, cairn_key_number_low(s));
	else if (cairn_key_is_void(s))
		snprintf(out, 24, "0x0");
	else
		snprintf(out, 24, "?");
}

/* The node a node key in slot s of n designates, if it is one. */
static bool follow(const struct lister *l, const uint8_t *n, unsigned s, uint8_t type, uint8_t *out)
{
	const uint8_t *k = cairn_node_slot_const(n, s);
	return cairn_key_type(k) == type && read_node(l, cairn_key_oid(k), out);
}

static const char *state_name(const uint8_t *root, char buf[16])
{
	const uint8_t *s = cairn_node_slot_const(root, CAIRN_DOM_SLOT_STATE);
	if (cairn_key_type(s) != CAIRN_KEY_NUMBER && !cairn_key_is_void(s))
		return "state=?";
	unsigned st = cairn_key_is_void(s) ? 0 : (unsigned)(cairn_key_number_low(s) & 0xff);
	/* clang-format off */
	switch (st) {
	case CAIRN_DOM_HALTED: return "halted";
	case CAIRN_DOM_RUNNING: return "run";
	case CAIRN_DOM_AVAILABLE: return "available";
	case CAIRN_DOM_WAITING: return "waiting";
	}
	/* clang-format on */
	snprintf(buf, 16, "state=%u", st);
	return buf;
}

/* keeper=NAME for a start key, keeper=? for anything else but void. */
static void print_keeper(struct lister *l, FILE *out, const char *what, const uint8_t *k)
{
	if (cairn_key_is_void(k))
		return;
	if (cairn_key_type(k) != CAIRN_KEY_START) {
		fprintf(out, " %s=?", what);
		return;
	}
	const char *name = name_of(l, cairn_key_oid(k));
	if (name)
		fprintf(out, " %s=%s", what, name);
	else
		fprintf(out, " %s=%" PRIu64, what, cairn_key_oid(k));
}

static void print_domain(struct lister *l, const struct dom_entry *e, FILE *out)
{
	uint8_t root[CAIRN_NODE_SIZE], n[CAIRN_NODE_SIZE];
	char pc[24] = "?", sp[24] = "?", st[16], text[160];
	uint64_t a0 = 0;

	if (!read_node(l, e->root, root)) /* read once already: cannot fail but for I/O */
		memset(root, 0, sizeof(root));
	if (follow(l, root, CAIRN_DOM_SLOT_GPRS, CAIRN_KEY_NODE, n)) {
		reg_text(n, CAIRN_REG_PC, pc);
		reg_text(n, CAIRN_REG_X(2), sp);
		const uint8_t *s = cairn_node_slot_const(n, CAIRN_REG_X(10));
		if (cairn_key_type(s) == CAIRN_KEY_NUMBER)
			a0 = cairn_key_number_low(s);
	}
	fprintf(out, "domain      %s root=%" PRIu64 " %s pc=%s sp=%s", e->name[0] ? e->name : "-",
		e->root, state_name(root, st), pc, sp);
	if (a0)
		fprintf(out, " a0=%" PRIu64, a0);
	print_keeper(l, out, "keeper", cairn_node_slot_const(root, CAIRN_DOM_SLOT_KEEPER));
	const uint8_t *space = cairn_node_slot_const(root, CAIRN_DOM_SLOT_SPACE);
	if (cairn_key_type(space) == CAIRN_KEY_SPACE &&
	    (cairn_key_rights(space) & CAIRN_RIGHT_KEEPER)) {
		if (read_node(l, cairn_key_oid(space), n))
			print_keeper(l, out, "space-keeper", cairn_node_slot_const(n, 1));
		else
			fputs(" space-keeper=?", out);
	}
	fputc('\n', out);
	if (!follow(l, root, CAIRN_DOM_SLOT_CAPS, CAIRN_KEY_NODE, n))
		return;
	for (unsigned s = 0; s < CAIRN_CAP_REGS; s++) {
		const uint8_t *k = cairn_node_slot_const(n, s);
		if (cairn_key_is_void(k))
			continue;
		describe_key(k, name_of, l, text, sizeof(text));
		fprintf(out, "  cap %-5u %s\n", s, text);
	}
}

int image_inspect(int fd, const char *path, const struct cairn_superblock *sb, FILE *out,
		  FILE *errout)
{
	struct lister l = { .fd = fd, .path = path, .sb = sb, .errout = errout };

	int rc = collect(&l);
	if (rc == FORMAT_EXIT_OK)
		for (size_t i = 0; i < l.ndoms; i++)
			print_domain(&l, &l.doms[i], out);
	free(l.doms);
	return rc;
}
