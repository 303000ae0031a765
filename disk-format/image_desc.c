/* SPDX-License-Identifier: MIT */
/*
 * The image description parser: see image_desc.h and docs/image-format.md.
 * One line is one directive; the parser keeps no state but the domain the
 * last `domain` line opened (so that `cap` lines know where they go) and
 * the growing arrays of programs and domains. It stops at the first
 * error. Names that refer to other lines (program=, keeper=,
 * space-keeper=, start, domain) are only remembered while parsing and
 * resolved once the whole file is read, so definitions may come in any
 * order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_args.h"
#include "image_desc.h"

#define MAX_WORDS      32u
#define MAX_DESC_BYTES (16u << 20) /* a description is a few lines */

struct parser {
	struct image_desc *d;
	const char *file;
	unsigned line;
	size_t cur; /* domain the `cap` lines go to, or IMAGE_NO_INDEX */
	size_t cap_programs, cap_domains;
	char *w[MAX_WORDS];
	size_t nw;
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "FILE:LINE: message" */
static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line);

	if (n < 0 || (size_t)n >= p->errlen)
		return FORMAT_EXIT_FAILURE;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return FORMAT_EXIT_FAILURE;
}

bool image_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > IMAGE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Decimal, or hex after 0x; no sign, no suffix; false on overflow. The
 * end of the digits goes to *end (the caller decides what may follow). */
static bool scan_number(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	unsigned base = 10;
	const char *q = s;

	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		base = 16;
		q += 2;
	}
	const char *first = q;
	for (;; q++) {
		unsigned d;
		if (*q >= '0' && *q <= '9')
			d = (unsigned)(*q - '0');
		else if (base == 16 && *q >= 'a' && *q <= 'f')
			d = (unsigned)(*q - 'a' + 10);
		else if (base == 16 && *q >= 'A' && *q <= 'F')
			d = (unsigned)(*q - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (q == first)
		return false;
	*out = v;
	*end = q;
	return true;
}

static bool parse_number(const char *s, uint64_t *out)
{
	const char *end;
	return scan_number(s, out, &end) && *end == '\0';
}

/* A number with an optional K, M or G suffix (powers of 1024). */
static bool parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	unsigned shift = 0;

	if (!scan_number(s, &v, &end))
		return false;
	/* clang-format off */
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default: return false;
	}
	/* clang-format on */
	if (*end != '\0' && end[1] != '\0')
		return false;
	if (v > UINT64_MAX >> shift)
		return false;
	*out = v << shift;
	return true;
}

static size_t find_program(const struct image_desc *d, const char *name)
{
	for (size_t i = 0; i < d->nprograms; i++)
		if (strcmp(d->programs[i].name, name) == 0)
			return i;
	return IMAGE_NO_INDEX;
}

static size_t find_domain(const struct image_desc *d, const char *name)
{
	for (size_t i = 0; i < d->ndomains; i++)
		if (strcmp(d->domains[i].name, name) == 0)
			return i;
	return IMAGE_NO_INDEX;
}

/* Check a NAME being defined and copy it to out. */
static int take_name(struct parser *p, const char *what, const char *s,
		     char out[IMAGE_NAME_MAX + 1])
{
	size_t len = strlen(s);
	if (!image_name_ok(s, len))
		return perr(p, "bad %s name '%s' (1 to %u letters, digits, '-' or '_')", what, s,
			    IMAGE_NAME_MAX);
	memcpy(out, s, len + 1);
	return FORMAT_EXIT_OK;
}

/* Remember a reference to a domain (or program) defined anywhere. A word
 * that cannot be a name cannot name anything. */
static int take_ref(struct parser *p, const char *what, const char *s, char out[IMAGE_NAME_MAX + 1])
{
	size_t len = strlen(s);
	if (!image_name_ok(s, len))
		return perr(p, "unknown %s '%s'", what, s);
	memcpy(out, s, len + 1);
	return FORMAT_EXIT_OK;
}

/* A console key's label (cairn/key.h); from_name: it is the domain's name,
 * the default when the cap line gives no label= of its own. */
static int take_label(struct parser *p, const char *s, bool from_name,
		      char out[CAIRN_KEY_LABEL_MAX + 1])
{
	size_t len = strlen(s);
	const char *hint = from_name ? " (the domain's name: give the key a label=NAME)" : "";

	if (!cairn_label_ok(s, len))
		return perr(p, "bad console label '%s' (1 to %u of a-z, 0-9, '-', '_')%s", s,
			    CAIRN_KEY_LABEL_MAX, hint);
	if (cairn_label_is_kernel(s, len))
		return perr(p, "console label '%s' is reserved for the kernel%s", s, hint);
	memcpy(out, s, len + 1);
	return FORMAT_EXIT_OK;
}

static char *join_path(const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');
	size_t dirlen = (path[0] == '/' || !slash) ? 0 : (size_t)(slash - file) + 1;
	size_t len = strlen(path);
	char *out = malloc(dirlen + len + 1);

	if (out) {
		memcpy(out, file, dirlen);
		memcpy(out + dirlen, path, len + 1);
	}
	return out;
}

static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap * 2 : 8;
	void *q = realloc(arr, n * elem);
	if (q)
		*cap = n;
	return q;
}

/* program NAME PATH */
static int do_program(struct parser *p)
{
	struct image_desc *d = p->d;
	struct image_program prog;

	memset(&prog, 0, sizeof(prog));
	if (p->nw < 3)
		return perr(p, "'program' needs a NAME and a PATH");
	if (p->nw > 3)
		return perr(p, "unexpected '%s' after the program's PATH", p->w[3]);
	if (take_name(p, "program", p->w[1], prog.name))
		return FORMAT_EXIT_FAILURE;
	size_t other = find_program(d, prog.name);
	if (other != IMAGE_NO_INDEX)
		return perr(p, "program '%s' defined twice (first at line %u)", prog.name,
			    d->programs[other].line);
	prog.line = p->line;
	prog.path = join_path(p->file, p->w[2]);
	struct image_program *arr =
		grow(d->programs, &p->cap_programs, d->nprograms + 1, sizeof(*arr));
	if (!prog.path || !arr) {
		free(prog.path);
		return perr(p, "out of memory");
	}
	d->programs = arr;
	d->programs[d->nprograms++] = prog;
	return FORMAT_EXIT_OK;
}

static int set_size(struct parser *p, const char *opt, const char *val, uint64_t *out, bool zero_ok)
{
	if (!parse_size(val, out))
		return perr(p, "bad size '%s' in %s= (a number, optionally with K, M or G)", val,
			    opt);
	if (*out % 4096 != 0)
		return perr(p, "%s=%s is not a multiple of 4K", opt, val);
	if (*out == 0 && !zero_ok)
		return perr(p, "%s=%s: at least 4K are needed", opt, val);
	return FORMAT_EXIT_OK;
}

/* One option of a domain line. seen[] catches repeats. */
static int domain_option(struct parser *p, struct image_domain *dom, const char *w, bool seen[7])
{
	static const char *const names[] = { "run", "program", "stack",       "heap",
					     "arg", "keeper",  "space-keeper" };
	const char *eq = strchr(w, '=');
	size_t klen = eq ? (size_t)(eq - w) : strlen(w);
	unsigned id;

	for (id = 0; id < 7; id++)
		if (strlen(names[id]) == klen && memcmp(names[id], w, klen) == 0)
			break;
	if (id == 7 || (id == 0) != (eq == NULL))
		return perr(p, "unknown option '%s'", w);
	if (seen[id])
		return perr(p, "option '%s%s' given twice", names[id], id ? "=" : "");
	seen[id] = true;
	const char *val = eq ? eq + 1 : NULL;
	switch (id) {
	case 0:
		dom->run = true;
		return FORMAT_EXIT_OK;
	case 1:
		return take_ref(p, "program", val, dom->program_name);
	case 2:
		return set_size(p, "stack", val, &dom->stack, false);
	case 3:
		return set_size(p, "heap", val, &dom->heap, true);
	case 4:
		if (!parse_number(val, &dom->arg))
			return perr(p, "bad number '%s' in arg= (decimal or 0x hex, 64 bits)", val);
		return FORMAT_EXIT_OK;
	case 5:
		return take_ref(p, "domain", val, dom->keeper_name);
	default:
		return take_ref(p, "domain", val, dom->space_keeper_name);
	}
}

/* domain NAME program=PROG [options] */
static int do_domain(struct parser *p)
{
	struct image_desc *d = p->d;
	struct image_domain dom;
	bool seen[7] = { false };

	memset(&dom, 0, sizeof(dom));
	if (p->nw < 2)
		return perr(p, "'domain' needs a NAME");
	if (take_name(p, "domain", p->w[1], dom.name))
		return FORMAT_EXIT_FAILURE;
	size_t other = find_domain(d, dom.name);
	if (other != IMAGE_NO_INDEX)
		return perr(p, "domain '%s' defined twice (first at line %u)", dom.name,
			    d->domains[other].line);
	dom.line = p->line;
	dom.stack = IMAGE_DEFAULT_STACK;
	dom.program = dom.keeper = dom.space_keeper = IMAGE_NO_INDEX;
	for (size_t i = 2; i < p->nw; i++)
		if (domain_option(p, &dom, p->w[i], seen))
			return FORMAT_EXIT_FAILURE;
	if (!seen[1])
		return perr(p, "domain '%s' has no program= option", dom.name);
	struct image_domain *arr = grow(d->domains, &p->cap_domains, d->ndomains + 1, sizeof(*arr));
	if (!arr)
		return perr(p, "out of memory");
	d->domains = arr;
	p->cur = d->ndomains;
	d->domains[d->ndomains++] = dom;
	return FORMAT_EXIT_OK;
}

/*
 * What may follow a key's word on a cap line, per key type: how many
 * words, and what the first one is when it is missing ("'number' needs a
 * value"). The words themselves are the key table's (cairn/keytab.h); a
 * type with a word but no entry here takes no more words: its key is its
 * type alone, to a fresh object if it has one (image_build.c).
 */
static const struct cap_syntax {
	unsigned min_words, max_words; /* words after the key's word */
	const char *needs;
} cap_syntax[CAIRN_KEY_TYPE_COUNT] = {
	[CAIRN_KEY_CONSOLE] = { 0, 1, NULL },
	[CAIRN_KEY_NUMBER] = { 1, 1, "a value" },
	[CAIRN_KEY_START] = { 1, 2, "a DOMAIN" },
	[CAIRN_KEY_DOMAIN] = { 1, 1, "a DOMAIN" },
	[CAIRN_KEY_RANGE] = { 1, 3, "'nodes' or 'pages'" },
	[CAIRN_KEY_DEVICE] = { 1, 2,
			       "a device: net, block, console, entropy or a virtio device ID" },
};

/* The key type whose word is kw; `self` is a start key; VOID if none. */
static uint8_t key_of_word(const char *kw)
{
	if (strcmp(kw, "self") == 0)
		return CAIRN_KEY_START;
	for (unsigned t = 0; t < CAIRN_KEY_TYPE_COUNT; t++) {
		const char *word = cairn_keytab_word(t);
		if (word[0] && strcmp(word, kw) == 0)
			return (uint8_t)t;
	}
	return CAIRN_KEY_VOID;
}

/* `device TYPE [INSTANCE]`: TYPE a name or a virtio device ID (virtio 1.2
 * §5), INSTANCE the nth such device, from 0. */
static int take_device(struct parser *p, struct image_cap *c, char **arg, size_t nargs)
{
	static const struct {
		const char *name;
		uint64_t id;
	} names[] = { { "net", 1 }, { "block", 2 }, { "console", 3 }, { "entropy", 4 } };
	c->value = UINT64_MAX;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(arg[0], names[i].name) == 0)
			c->value = names[i].id;
	if (c->value == UINT64_MAX &&
	    (!parse_number(arg[0], &c->value) || c->value == 0 || c->value > UINT16_MAX))
		return perr(p, "bad device '%s' (net, block, console, entropy or an ID 1 to 65535)",
			    arg[0]);
	c->count = 0;
	if (nargs == 2 && (!parse_number(arg[1], &c->count) || c->count > UINT32_MAX))
		return perr(p, "bad device instance '%s' (0 to %u)", arg[1], UINT32_MAX);
	return FORMAT_EXIT_OK;
}

/* The KEY of a cap line: words w[2..nw). */
static int cap_key(struct parser *p, struct image_cap *c, const char *self)
{
	const char *kw = p->w[2];
	size_t nargs = p->nw - 3;
	char **arg = p->w + 3;
	bool is_self = strcmp(kw, "self") == 0;

	c->type = key_of_word(kw);
	if (c->type == CAIRN_KEY_VOID)
		return perr(p, "unknown key '%s'", kw);
	const struct cap_syntax *syn = &cap_syntax[c->type];
	unsigned min = is_self ? 0 : syn->min_words, max = is_self ? 0 : syn->max_words;
	if (nargs < min)
		return perr(p, "'%s' needs %s", kw, syn->needs);
	if (nargs > max)
		return perr(p, "unexpected '%s' after '%s'", arg[max], kw);
	switch (c->type) {
	case CAIRN_KEY_NUMBER:
		if (!parse_number(arg[0], &c->value))
			return perr(p, "bad number '%s' (decimal or 0x hex, 64 bits)", arg[0]);
		return FORMAT_EXIT_OK;
	case CAIRN_KEY_START:
		if (is_self) {
			memcpy(c->target_name, self, strlen(self) + 1);
			return FORMAT_EXIT_OK;
		}
		if (nargs == 2) {
			uint64_t b;
			if (strncmp(arg[1], "badge=", 6) != 0)
				return perr(p, "unexpected '%s' after 'start %s' (badge=N?)",
					    arg[1], arg[0]);
			if (!parse_number(arg[1] + 6, &b) || b > UINT16_MAX)
				return perr(p, "bad badge '%s' (0 to 65535)", arg[1] + 6);
			c->badge = (uint16_t)b;
		}
		return take_ref(p, "domain", arg[0], c->target_name);
	case CAIRN_KEY_DOMAIN:
		return take_ref(p, "domain", arg[0], c->target_name);
	case CAIRN_KEY_CONSOLE:
		if (nargs == 0)
			return take_label(p, self, true, c->label);
		if (strncmp(arg[0], "label=", 6) != 0)
			return perr(p, "unexpected '%s' after 'console' (label=NAME?)", arg[0]);
		return take_label(p, arg[0] + 6, false, c->label);
	case CAIRN_KEY_DEVICE:
		return take_device(p, c, arg, nargs);
	case CAIRN_KEY_RANGE:
		if (strcmp(arg[0], "nodes") != 0 && strcmp(arg[0], "pages") != 0)
			return perr(p, "range of '%s': 'nodes' or 'pages' expected", arg[0]);
		c->range_pages = arg[0][0] == 'p';
		if (nargs == 1)
			return FORMAT_EXIT_OK;
		if (nargs == 2)
			return perr(p, "'range %s %s' needs a COUNT after FIRST", arg[0], arg[1]);
		c->range_explicit = true;
		if (!parse_number(arg[1], &c->value))
			return perr(p, "bad number '%s' (decimal or 0x hex, 64 bits)", arg[1]);
		if (!parse_number(arg[2], &c->count))
			return perr(p, "bad number '%s' (decimal or 0x hex, 64 bits)", arg[2]);
		if (c->count > UINT32_MAX)
			return perr(p, "range count %s is too large for a range key (at most %u)",
				    arg[2], UINT32_MAX);
		return FORMAT_EXIT_OK;
	default:
		return FORMAT_EXIT_OK;
	}
}

/* cap SLOT KEY */
static int do_cap(struct parser *p)
{
	uint64_t slot;

	if (p->cur == IMAGE_NO_INDEX)
		return perr(p, "'cap' outside a domain (it must follow a 'domain' line)");
	struct image_domain *dom = &p->d->domains[p->cur];
	if (p->nw < 3)
		return perr(p, "'cap' needs a SLOT and a KEY");
	if (!parse_number(p->w[1], &slot))
		return perr(p, "bad capability register '%s' (1 to %u)", p->w[1],
			    CAIRN_CAP_REGS - 1);
	if (slot == 0)
		return perr(p, "capability register 0 is always void (use 1 to %u)",
			    CAIRN_CAP_REGS - 1);
	if (slot >= CAIRN_CAP_REGS)
		return perr(p, "capability register %s out of range (1 to %u)", p->w[1],
			    CAIRN_CAP_REGS - 1);
	struct image_cap *c = &dom->caps[slot];
	if (c->type != CAIRN_KEY_VOID)
		return perr(p, "capability register %u of '%s' set twice (first at line %u)",
			    (unsigned)slot, dom->name, c->line);
	struct image_cap fresh;
	memset(&fresh, 0, sizeof(fresh));
	fresh.line = p->line;
	fresh.target = IMAGE_NO_INDEX;
	if (cap_key(p, &fresh, dom->name))
		return FORMAT_EXIT_FAILURE;
	*c = fresh;
	return FORMAT_EXIT_OK;
}

/* Split one line (already NUL-terminated, comment cut) into words. */
static int split(struct parser *p, char *s)
{
	p->nw = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')
			s++;
		if (*s == '\0')
			return FORMAT_EXIT_OK;
		if (p->nw == MAX_WORDS)
			return perr(p, "too many words on one line (at most %u)", MAX_WORDS);
		p->w[p->nw++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\v' && *s != '\f')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int do_line(struct parser *p, char *s)
{
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	if (split(p, s))
		return FORMAT_EXIT_FAILURE;
	if (p->nw == 0)
		return FORMAT_EXIT_OK;
	if (strcmp(p->w[0], "program") == 0)
		return do_program(p);
	if (strcmp(p->w[0], "domain") == 0)
		return do_domain(p);
	if (strcmp(p->w[0], "cap") == 0)
		return do_cap(p);
	return perr(p, "unknown directive '%s' (program, domain or cap)", p->w[0]);
}

static int resolve_ref(struct parser *p, unsigned line, const char *name, const char *what,
		       size_t *out)
{
	*out = find_domain(p->d, name);
	if (*out != IMAGE_NO_INDEX)
		return FORMAT_EXIT_OK;
	p->line = line;
	return perr(p, "unknown domain '%s'%s", name, what);
}

/* After the last line: every name must denote something. */
static int resolve(struct parser *p)
{
	struct image_desc *d = p->d;

	for (size_t i = 0; i < d->ndomains; i++) {
		struct image_domain *dom = &d->domains[i];
		dom->program = find_program(d, dom->program_name);
		if (dom->program == IMAGE_NO_INDEX) {
			p->line = dom->line;
			return perr(p, "unknown program '%s'", dom->program_name);
		}
		if (dom->keeper_name[0] &&
		    resolve_ref(p, dom->line, dom->keeper_name, " in keeper=", &dom->keeper))
			return FORMAT_EXIT_FAILURE;
		if (dom->space_keeper_name[0] &&
		    resolve_ref(p, dom->line, dom->space_keeper_name,
				" in space-keeper=", &dom->space_keeper))
			return FORMAT_EXIT_FAILURE;
		for (unsigned s = 1; s < CAIRN_CAP_REGS; s++) {
			struct image_cap *c = &dom->caps[s];
			if (c->target_name[0] &&
			    resolve_ref(p, c->line, c->target_name, "", &c->target))
				return FORMAT_EXIT_FAILURE;
		}
	}
	return FORMAT_EXIT_OK;
}

void image_desc_free(struct image_desc *d)
{
	for (size_t i = 0; i < d->nprograms; i++)
		free(d->programs[i].path);
	free(d->programs);
	free(d->domains);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

int image_desc_parse(const char *file, const char *text, size_t len, struct image_desc *d,
		     char *err, size_t errlen)
{
	struct parser p;
	int rc = FORMAT_EXIT_OK;

	memset(d, 0, sizeof(*d));
	memset(&p, 0, sizeof(p));
	p.d = d;
	p.file = file;
	p.cur = IMAGE_NO_INDEX;
	p.err = err;
	p.errlen = errlen;
	d->file = strdup(file);
	char *buf = malloc(len + 1);
	if (!d->file || !buf) {
		free(buf);
		image_desc_free(d);
		snprintf(err, errlen, "%s: out of memory", file);
		return FORMAT_EXIT_FAILURE;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	size_t pos = 0;
	while (pos < len && rc == FORMAT_EXIT_OK) {
		char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		buf[end] = '\0';
		p.line++;
		if (strlen(buf + pos) != end - pos)
			rc = perr(&p, "NUL byte in the line (not a text file?)");
		else
			rc = do_line(&p, buf + pos);
		pos = end + 1;
	}
	free(buf);
	if (rc == FORMAT_EXIT_OK)
		rc = resolve(&p);
	if (rc != FORMAT_EXIT_OK)
		image_desc_free(d);
	return rc;
}

int image_desc_load(const char *file, struct image_desc *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	FILE *f = fopen(file, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return FORMAT_EXIT_FAILURE;
	}
	size_t cap = 4096, len = 0;
	char *text = malloc(cap);
	int rc = FORMAT_EXIT_OK;
	while (text) {
		if (len == cap) {
			char *q = cap < MAX_DESC_BYTES ? realloc(text, cap * 2) : NULL;
			if (!q) {
				snprintf(err, errlen, "%s: %s", file,
					 cap < MAX_DESC_BYTES ? "out of memory"
							      : "too large for a description");
				rc = FORMAT_EXIT_FAILURE;
				break;
			}
			text = q;
			cap *= 2;
		}
		size_t n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", file);
		rc = FORMAT_EXIT_FAILURE;
	} else if (rc == FORMAT_EXIT_OK && ferror(f)) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		rc = FORMAT_EXIT_FAILURE;
	}
	fclose(f);
	if (rc == FORMAT_EXIT_OK)
		rc = image_desc_parse(file, text, len, d, err, errlen);
	free(text);
	return rc;
}
