/* SPDX-License-Identifier: MIT */
/*
 * cairn-format's argument parser and help text. Hand-written rather than
 * getopt_long so that it keeps no global state (the tests call it many
 * times in one process), prints nothing, and accepts exactly the forms in
 * the help text: "-s 4G", "-s4G", "--size 4G", "--size=4G", bundled flags
 * ("-fI"), and "--" before an IMAGE that starts with '-'.
 *
 * Invariant: every option the help lists is in option_table, and the
 * table holds nothing the help does not list.
 */
#include <stdarg.h>
#include <string.h>

#include "format_args.h"
#include "format_plan.h"

enum opt_id {
	OPT_SIZE,
	OPT_NODES,
	OPT_LOG,
	OPT_CHECKPOINT,
	OPT_UUID,
	OPT_LABEL,
	OPT_FORCE,
	OPT_INSPECT,
	OPT_HELP,
	OPT_VERSION,
	OPT_IMAGE,
};

struct option_def {
	enum opt_id id;
	char short_name; /* 0: long form only */
	const char *long_name;
	bool has_value;
	bool creates; /* only meaningful when creating a volume */
};

static const struct option_def option_table[] = {
	{ OPT_SIZE, 's', "size", true, true },
	{ OPT_NODES, 'n', "nodes", true, true },
	{ OPT_LOG, 'l', "log", true, true },
	{ OPT_CHECKPOINT, 'c', "checkpoint-interval", true, true },
	{ OPT_UUID, 'u', "uuid", true, true },
	{ OPT_LABEL, 'L', "label", true, true },
	{ OPT_FORCE, 'f', "force", false, true },
	{ OPT_INSPECT, 'I', "inspect", false, false },
	{ OPT_HELP, 'h', "help", false, false },
	{ OPT_VERSION, 'V', "version", false, false },
	{ OPT_IMAGE, 0, "image", true, true },
};

#define OPTION_COUNT (sizeof(option_table) / sizeof(option_table[0]))

void cairn_format_usage(FILE *out)
{
	fputs("Usage: cairn-format [options] IMAGE          create a volume\n"
	      "       cairn-format --inspect IMAGE          validate a volume and print its geometry\n"
	      "\n"
	      "Creates IMAGE as a sparse file holding an empty Cairn volume (format version 1):\n"
	      "two superblocks, a node pool, a tag pool, a page pool and a checkpoint log,\n"
	      "and with --image the first domains in it.\n"
	      "An existing IMAGE is only replaced with --force, and only once the new volume\n"
	      "is complete on disk.\n"
	      "\n"
	      "Options:\n"
	      "  -s, --size SIZE          total size: bytes or with K/M/G/T suffix (powers of\n"
	      "                           1024), a multiple of 4096; required to create\n"
	      "  -n, --nodes N            node count (default: node pots = 1/16 of the volume,\n"
	      "                           7 nodes per pot)\n"
	      "  -l, --log SIZE           log area size, a multiple of 4096 and at least 264K\n"
	      "                           (default: 1/8 of the volume, at least 2M when that\n"
	      "                           fits; with a log under 2M the kernel takes no\n"
	      "                           checkpoints)\n"
	      "  -c, --checkpoint-interval MS\n"
	      "                           default checkpoint period written to the volume\n"
	      "                           (default 1000; 0 = off)\n"
	      "  -u, --uuid UUID          use this UUID instead of a random one (reproducible\n"
	      "                           images), as 8-4-4-4-12 hex digits\n"
	      "  -L, --label TEXT         volume label (UTF-8, at most 63 bytes; default cairn)\n"
	      "      --image DESCRIPTION  put the initial system image described in\n"
	      "                           DESCRIPTION on the volume: its domains, their\n"
	      "                           programs and keys (docs/image-format.md)\n"
	      "  -f, --force              overwrite IMAGE even if it already holds data\n"
	      "  -I, --inspect            validate IMAGE and print its geometry, one item a line,\n"
	      "                           then the domains of its initial image\n"
	      "  -h, --help               print this help and exit\n"
	      "  -V, --version            print the version and exit\n"
	      "\n"
	      "Exit status: 0 success, 1 failure (I/O, existing data, invalid volume),\n"
	      "2 bad arguments. The format is described in docs/volume-format.md.\n",
	      out);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return FORMAT_EXIT_USAGE;
}

enum format_size_err cairn_format_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	bool overflow = false;

	if (*p < '0' || *p > '9')
		return FORMAT_SIZE_INVALID;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true; /* keep scanning: junk still wins */
		else
			v = v * 10 + d;
	}
	unsigned shift = 0;
	/* clang-format off */
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return FORMAT_SIZE_INVALID;
	}
	/* clang-format on */
	if (*p != '\0' && p[1] != '\0')
		return FORMAT_SIZE_INVALID;
	/* Sizes become an off_t for ftruncate: cap at INT64_MAX. */
	if (overflow || v > (uint64_t)INT64_MAX >> shift)
		return FORMAT_SIZE_OVERFLOW;
	*out = v << shift;
	return FORMAT_SIZE_OK;
}

/* Plain decimal, no sign, no suffix, at most max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool cairn_format_parse_uuid(const char *s, uint8_t uuid[CAIRN_UUID_SIZE])
{
	uint8_t tmp[CAIRN_UUID_SIZE];
	unsigned n = 0;

	if (strlen(s) != CAIRN_UUID_STR_LEN)
		return false;
	for (unsigned i = 0; i < CAIRN_UUID_STR_LEN;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		tmp[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	memcpy(uuid, tmp, sizeof(tmp));
	return true;
}

/* Well-formed UTF-8 without control characters: the label is printed one
 * item a line by --inspect, and scripts split on newlines. */
static bool label_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned need;
		uint32_t cp;
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0) {
			need = 1, cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			need = 2, cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			need = 3, cp = *p & 0x07;
		} else {
			return false;
		}
		p++;
		for (unsigned i = 0; i < need; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		static const uint32_t min_cp[] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < min_cp[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false; /* overlong, out of range, or a surrogate */
	}
	return true;
}

static const struct option_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (strlen(option_table[i].long_name) == len &&
		    memcmp(option_table[i].long_name, name, len) == 0)
			return &option_table[i];
	return NULL;
}

static const struct option_def *find_short(char c)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (option_table[i].short_name == c && c != 0)
			return &option_table[i];
	return NULL;
}

/* Apply one option. `shown` is how the user spelled it, for messages. */
static int apply(const struct option_def *def, const char *shown, const char *val,
		 struct format_options *opt, char *err, size_t errlen)
{
	uint64_t v;

	switch (def->id) {
	case OPT_SIZE:
	case OPT_LOG:
		switch (cairn_format_parse_size(val, &v)) {
		case FORMAT_SIZE_OK:
			break;
		case FORMAT_SIZE_OVERFLOW:
			return fail(err, errlen, "%s '%s' is too large",
				    def->id == OPT_SIZE ? "size" : "log size", val);
		case FORMAT_SIZE_INVALID:
			return fail(err, errlen,
				    "invalid %s '%s' (expected bytes, or a number with K, M, G or T)",
				    def->id == OPT_SIZE ? "size" : "log size", val);
		}
		if (v == 0)
			return fail(err, errlen, "%s must be greater than zero",
				    def->id == OPT_SIZE ? "size" : "log size");
		*(def->id == OPT_SIZE ? &opt->size_bytes : &opt->log_bytes) = v;
		return FORMAT_EXIT_OK;
	case OPT_NODES:
		if (!parse_uint(val, UINT64_MAX, &v))
			return fail(err, errlen,
				    "invalid node count '%s' (expected a decimal number)", val);
		if (v == 0)
			return fail(err, errlen, "node count must be greater than zero");
		opt->nodes = v;
		return FORMAT_EXIT_OK;
	case OPT_CHECKPOINT:
		if (!parse_uint(val, UINT32_MAX, &v))
			return fail(err, errlen,
				    "invalid checkpoint interval '%s' (expected milliseconds, 0 to %u)",
				    val, UINT32_MAX);
		opt->checkpoint_interval_ms = (uint32_t)v;
		return FORMAT_EXIT_OK;
	case OPT_UUID:
		if (!cairn_format_parse_uuid(val, opt->uuid))
			return fail(err, errlen,
				    "invalid UUID '%s' (expected 8-4-4-4-12 hex digits)", val);
		opt->uuid_given = true;
		return FORMAT_EXIT_OK;
	case OPT_LABEL:
		if (strlen(val) > CAIRN_LABEL_MAX)
			return fail(err, errlen, "label is %zu bytes long, at most %u allowed",
				    strlen(val), CAIRN_LABEL_MAX);
		if (!label_ok(val))
			return fail(err, errlen,
				    "label must be UTF-8 text without control characters");
		memset(opt->label, 0, sizeof(opt->label));
		memcpy(opt->label, val, strlen(val));
		return FORMAT_EXIT_OK;
	case OPT_FORCE:
		opt->force = true;
		return FORMAT_EXIT_OK;
	case OPT_INSPECT:
		opt->action = FORMAT_INSPECT;
		return FORMAT_EXIT_OK;
	case OPT_HELP:
		opt->action = FORMAT_HELP;
		return FORMAT_EXIT_OK;
	case OPT_VERSION:
		opt->action = FORMAT_VERSION;
		return FORMAT_EXIT_OK;
	case OPT_IMAGE:
		opt->image_desc = val;
		return FORMAT_EXIT_OK;
	}
	return fail(err, errlen, "internal error: option %s", shown);
}

/* Turn the planner's verdict into a message about the user's arguments. */
static int plan(struct format_options *opt, const char *size_arg, const char *log_arg, char *err,
		size_t errlen)
{
	enum cairn_vol_err e =
		cairn_plan_geometry(opt->size_bytes, opt->nodes, opt->log_bytes, &opt->sb);

	switch (e) {
	case CAIRN_VOL_OK:
		break;
	case CAIRN_VOL_ERR_UNALIGNED:
		if (opt->size_bytes % CAIRN_BLOCK_SIZE)
			return fail(err, errlen, "size %s is not a multiple of %u bytes", size_arg,
				    CAIRN_BLOCK_SIZE);
		return fail(err, errlen, "log size %s is not a multiple of %u bytes", log_arg,
			    CAIRN_BLOCK_SIZE);
	case CAIRN_VOL_ERR_COUNTS:
		return fail(err, errlen, "log size %s is below the minimum of %u bytes (%u blocks)",
			    log_arg, CAIRN_LOG_MIN_BLOCKS * CAIRN_BLOCK_SIZE, CAIRN_LOG_MIN_BLOCKS);
	case CAIRN_VOL_ERR_TOO_SMALL:
		return fail(err, errlen,
			    "size %s is too small for the volume metadata (at least %u bytes)",
			    size_arg,
			    (opt->nodes || opt->log_bytes ? FORMAT_MIN_BLOCKS
							  : FORMAT_MIN_DEFAULT_BLOCKS) *
				    CAIRN_BLOCK_SIZE);
	case CAIRN_VOL_ERR_TOO_MANY_NODES:
		return fail(err, errlen, "node count %llu is too large for a volume of size %s",
			    (unsigned long long)opt->nodes, size_arg);
	case CAIRN_VOL_ERR_LOG_TOO_LARGE:
		return fail(err, errlen, "log size %s is too large for a volume of size %s",
			    log_arg, size_arg);
	case CAIRN_VOL_ERR_OID_RANGE:
		return fail(err, errlen,
			    "size %s needs more than %u nodes or pages (OIDs are 32 bits: at most about 16 TiB)",
			    size_arg, CAIRN_POOL_COUNT_MAX);
	default:
		return fail(err, errlen, "cannot plan the volume: %s (%s)", cairn_vol_strerror(e),
			    cairn_vol_errname(e));
	}
	opt->sb.checkpoint_interval_ms = opt->checkpoint_interval_ms;
	memcpy(opt->sb.label, opt->label, CAIRN_LABEL_SIZE);
	if (opt->uuid_given)
		memcpy(opt->sb.uuid, opt->uuid, CAIRN_UUID_SIZE);
	return FORMAT_EXIT_OK;
}

int cairn_format_parse_args(int argc, char **argv, struct format_options *opt, char *err,
			    size_t errlen)
{
	const char *size_arg = NULL, *log_arg = NULL, *create_opt = NULL;
	bool options_done = false;
	int rc;

	memset(opt, 0, sizeof(*opt));
	opt->action = FORMAT_CREATE;
	opt->checkpoint_interval_ms = CAIRN_DEFAULT_CHECKPOINT_MS;
	memcpy(opt->label, CAIRN_DEFAULT_LABEL, sizeof(CAIRN_DEFAULT_LABEL));
	if (errlen)
		err[0] = '\0';

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option_def *def;
		const char *val = NULL;

		if (options_done || a[0] != '-' || a[1] == '\0') {
			if (opt->image_path)
				return fail(err, errlen,
					    "unexpected argument '%s' (only one IMAGE)", a);
			opt->image_path = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			def = find_long(a + 2, len);
			if (!def)
				return fail(err, errlen, "unknown option '%.*s'", (int)(len + 2),
					    a);
			if (eq && !def->has_value)
				return fail(err, errlen, "option '--%s' takes no value",
					    def->long_name);
			if (def->has_value) {
				if (eq)
					val = eq + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					return fail(err, errlen, "option '--%s' needs a value",
						    def->long_name);
			}
			if (def->creates)
				create_opt = def->long_name;
			if ((rc = apply(def, a, val, opt, err, errlen)))
				return rc;
			if (def->id == OPT_SIZE)
				size_arg = val;
			if (def->id == OPT_LOG)
				log_arg = val;
			if (def->id == OPT_HELP || def->id == OPT_VERSION)
				return FORMAT_EXIT_OK;
			continue;
		}
		/* Short options, possibly bundled: "-fI", "-s4G". */
		for (const char *p = a + 1; *p; p++) {
			char shown[3] = { '-', *p, '\0' };
			def = find_short(*p);
			if (!def)
				return fail(err, errlen, "unknown option '%s'", shown);
			if (def->has_value) {
				if (p[1] != '\0')
					val = p + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					return fail(err, errlen, "option '%s' needs a value",
						    shown);
			}
			if (def->creates)
				create_opt = def->long_name;
			if ((rc = apply(def, shown, val, opt, err, errlen)))
				return rc;
			if (def->id == OPT_SIZE)
				size_arg = val;
			if (def->id == OPT_LOG)
				log_arg = val;
			if (def->id == OPT_HELP || def->id == OPT_VERSION)
				return FORMAT_EXIT_OK;
			if (def->has_value)
				break; /* the value used the rest of the word */
		}
	}

	if (!opt->image_path)
		return fail(err, errlen, "missing IMAGE (see --help)");
	if (opt->action == FORMAT_INSPECT) {
		if (create_opt)
			return fail(err, errlen, "--inspect takes no creation option (got --%s)",
				    create_opt);
		return FORMAT_EXIT_OK;
	}
	if (!size_arg)
		return fail(err, errlen, "--size is required to create a volume");
	return plan(opt, size_arg, log_arg ? log_arg : "", err, errlen);
}
