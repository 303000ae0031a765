/* SPDX-License-Identifier: MIT */
/*
 * Host tests of cairn-format's argument parser, called directly: every
 * accepted spelling of every option, and every bad input the tool must
 * refuse with a usage error (exit 2) and a single-line message. The parser
 * touches no file, so these run without a file system.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "format_args.h"

#define UUID_TEXT "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

static struct format_options opt;
static char err[256];

/* Parse a NULL-terminated argument list (argv[0] is supplied). */
static int parse_v(const char *first, va_list ap)
{
	static char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"cairn-format";
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return cairn_format_parse_args(argc, argv, &opt, err, sizeof(err));
}

static int parse(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int rc = parse_v(first, ap);
	va_end(ap);
	return rc;
}

/* Expect a usage error whose one-line message contains `needle`. */
static void expect_usage(const char *needle, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int rc = parse_v(first, ap);
	va_end(ap);
	if (rc != FORMAT_EXIT_USAGE || !strstr(err, needle))
		print_error("rc=%d err='%s' (wanted '%s')\n", rc, err, needle);
	assert_int_equal(rc, FORMAT_EXIT_USAGE);
	assert_non_null(strstr(err, needle));
	assert_null(strchr(err, '\n'));
	assert_true(strlen(err) > 0);
}

static void test_create_minimal(void **state)
{
	(void)state;
	assert_int_equal(parse("--size", "256M", "vol.img", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_CREATE);
	assert_string_equal(opt.image_path, "vol.img");
	assert_true(opt.size_bytes == 256ull << 20);
	assert_false(opt.force);
	assert_false(opt.uuid_given);
	assert_null(opt.image_desc);
	/* The geometry is planned by the parser, with the defaults. */
	assert_true(opt.sb.total_blocks == 65536);
	assert_true(opt.sb.node_count == 28672);
	assert_true(opt.sb.page_count == 53194);
	assert_int_equal(opt.sb.checkpoint_interval_ms, 1000);
	assert_string_equal(opt.sb.label, "cairn");
	assert_int_equal(cairn_sb_check_geometry(&opt.sb, opt.sb.total_blocks), CAIRN_VOL_OK);
}

static void test_create_all_long_options(void **state)
{
	(void)state;
	assert_int_equal(parse("--size=4G", "--nodes=700", "--log", "64M",
			       "--checkpoint-interval=0", "--uuid", UUID_TEXT, "--label=my vol",
			       "--force", "v.img", NULL),
			 FORMAT_EXIT_OK);
	assert_true(opt.size_bytes == 4ull << 30);
	assert_true(opt.sb.node_count == 700 && opt.sb.node_pool_blocks == 100);
	assert_true(opt.sb.log_blocks == 16384);
	assert_int_equal(opt.sb.checkpoint_interval_ms, 0);
	assert_true(opt.uuid_given);
	const uint8_t want[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
				   0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };
	assert_memory_equal(opt.sb.uuid, want, 16);
	assert_string_equal(opt.sb.label, "my vol");
	assert_true(opt.force);
}

static void test_create_short_options(void **state)
{
	(void)state;
	assert_int_equal(parse("-s", "1g", "-n", "14", "-l128m", "-c", "250", "-u",
			       "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "-L", "x", "-f", "v.img",
			       NULL),
			 FORMAT_EXIT_OK);
	assert_true(opt.size_bytes == 1ull << 30);
	assert_true(opt.sb.node_count == 14 && opt.sb.node_pool_blocks == 2);
	assert_true(opt.sb.log_blocks == 32768);
	assert_int_equal(opt.sb.checkpoint_interval_ms, 250);
	assert_int_equal(opt.sb.uuid[0], 0x0f); /* upper case hex accepted */
	assert_string_equal(opt.sb.label, "x");
	assert_true(opt.force);
	/* Bundled flags with a value at the end: -fs256M. */
	assert_int_equal(parse("-fs256M", "v.img", NULL), FORMAT_EXIT_OK);
	assert_true(opt.force && opt.size_bytes == 256ull << 20);
	/* "--" lets IMAGE start with '-'; a lone "-" is an operand. */
	assert_int_equal(parse("-s", "1M", "--", "-odd.img", NULL), FORMAT_EXIT_OK);
	assert_string_equal(opt.image_path, "-odd.img");
}

static void test_help_version_inspect(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_HELP);
	assert_int_equal(parse("-h", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_HELP);
	assert_int_equal(parse("-V", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_VERSION);
	assert_int_equal(parse("--version", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_VERSION);
	assert_int_equal(parse("--inspect", "v.img", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_INSPECT);
	assert_string_equal(opt.image_path, "v.img");
	assert_int_equal(parse("v.img", "-I", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.action, FORMAT_INSPECT);
}

static void test_parse_size_values(void **state)
{
	(void)state;
	uint64_t v;

	assert_int_equal(cairn_format_parse_size("4096", &v), FORMAT_SIZE_OK);
	assert_true(v == 4096);
	assert_int_equal(cairn_format_parse_size("4K", &v), FORMAT_SIZE_OK);
	assert_true(v == 4096);
	assert_int_equal(cairn_format_parse_size("3m", &v), FORMAT_SIZE_OK);
	assert_true(v == 3ull << 20);
	assert_int_equal(cairn_format_parse_size("4G", &v), FORMAT_SIZE_OK);
	assert_true(v == 4ull << 30);
	assert_int_equal(cairn_format_parse_size("2T", &v), FORMAT_SIZE_OK);
	assert_true(v == 2ull << 40);
	assert_int_equal(cairn_format_parse_size("0", &v), FORMAT_SIZE_OK);
	assert_true(v == 0);
	assert_int_equal(cairn_format_parse_size("8388607T", &v), FORMAT_SIZE_OK);
	assert_true(v == 8388607ull << 40);
	assert_int_equal(cairn_format_parse_size("8388608T", &v), FORMAT_SIZE_OVERFLOW);
	assert_int_equal(cairn_format_parse_size("9223372036854775807", &v), FORMAT_SIZE_OK);
	assert_int_equal(cairn_format_parse_size("9223372036854775808", &v), FORMAT_SIZE_OVERFLOW);
	assert_int_equal(cairn_format_parse_size("99999999999999999999999", &v),
			 FORMAT_SIZE_OVERFLOW);
	/* clang-format off */
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1MB", "1KK", "12Q", "0x10", "M",
			      "1.5G", "1e9", "99999999999999999999999X" };
	/* clang-format on */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cairn_format_parse_size(bad[i], &v), FORMAT_SIZE_INVALID);
}

static void test_parse_uuid_values(void **state)
{
	(void)state;
	uint8_t u[16];

	assert_true(cairn_format_parse_uuid(UUID_TEXT, u));
	assert_int_equal(u[15], 0xf0);
	const char *bad[] = { "",
			      "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f",
			      "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00",
			      "0f1e2d3c4b5a-6978-8796-a5b4c3d2e1f0-",
			      "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg",
			      "{f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}",
			      "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(cairn_format_parse_uuid(bad[i], u));
}

static void test_unknown_option(void **state)
{
	(void)state;
	expect_usage("unknown option '--frobnicate'", "--frobnicate", "-s", "1M", "v.img", NULL);
	expect_usage("unknown option '-x'", "-x", "v.img", NULL);
	expect_usage("unknown option '-q'", "-fq", "v.img", NULL);
	/* No abbreviations: they would change meaning as options are added. */
	expect_usage("unknown option '--siz'", "--siz", "1M", "v.img", NULL);
	expect_usage("takes no value", "--force=yes", "-s", "1M", "v.img", NULL);
}

static void test_missing_value(void **state)
{
	(void)state;
	expect_usage("option '--size' needs a value", "v.img", "--size", NULL);
	expect_usage("option '-s' needs a value", "v.img", "-s", NULL);
	expect_usage("option '--label' needs a value", "v.img", "--label", NULL);
	expect_usage("option '-u' needs a value", "v.img", "-fu", NULL);
	expect_usage("option '--nodes' needs a value", "v.img", "-s", "1M", "--nodes", NULL);
}

static void test_bad_sizes(void **state)
{
	(void)state;
	expect_usage("invalid size 'abc'", "-s", "abc", "v.img", NULL);
	expect_usage("invalid size '-1'", "--size", "-1", "v.img", NULL);
	expect_usage("invalid size '12Q'", "--size", "12Q", "v.img", NULL);
	expect_usage("invalid size '1MB'", "--size", "1MB", "v.img", NULL);
	expect_usage("invalid size ''", "--size=", "v.img", NULL);
	expect_usage("size must be greater than zero", "--size", "0", "v.img", NULL);
	expect_usage("size must be greater than zero", "--size", "0G", "v.img", NULL);
	expect_usage("too large", "--size", "99999999999999999999", "v.img", NULL);
	expect_usage("too large", "--size", "9000000T", "v.img", NULL);
	expect_usage("not a multiple of 4096", "--size", "1000000", "v.img", NULL);
	expect_usage("--size is required", "v.img", NULL);
}

static void test_size_too_small(void **state)
{
	(void)state;
	expect_usage("too small for the volume metadata", "--size", "64K", "v.img", NULL);
	expect_usage("too small for the volume metadata", "--size", "292K", "v.img", NULL);
	assert_int_equal(parse("--size", "296K", "v.img", NULL), FORMAT_EXIT_OK);
}

static void test_bad_node_counts(void **state)
{
	(void)state;
	expect_usage("node count must be greater than zero", "-s", "1M", "-n", "0", "v", NULL);
	expect_usage("invalid node count 'many'", "-s", "1M", "-n", "many", "v", NULL);
	expect_usage("invalid node count '-5'", "-s", "1M", "-n", "-5", "v", NULL);
	expect_usage("invalid node count '1K'", "-s", "1M", "-n", "1K", "v", NULL);
	expect_usage("invalid node count", "-s", "1M", "-n", "18446744073709551616", "v", NULL);
	expect_usage("node count 1000000 is too large", "-s", "1M", "-n", "1000000", "v", NULL);
	expect_usage("too large", "-s", "4G", "-n", "18446744073709551615", "v", NULL);
}

static void test_bad_log_sizes(void **state)
{
	(void)state;
	expect_usage("log size 256M is too large", "-s", "256M", "-l", "256M", "v", NULL);
	expect_usage("below the minimum of 270336 bytes", "-s", "256M", "-l", "4K", "v", NULL);
	expect_usage("log size 5000 is not a multiple", "-s", "256M", "-l", "5000", "v", NULL);
	expect_usage("log size must be greater than zero", "-s", "256M", "-l", "0", "v", NULL);
	expect_usage("invalid log size 'big'", "-s", "256M", "-l", "big", "v", NULL);
}

static void test_bad_checkpoint_interval(void **state)
{
	(void)state;
	expect_usage("invalid checkpoint interval '-1'", "-s", "1M", "-c", "-1", "v", NULL);
	expect_usage("invalid checkpoint interval '4294967296'", "-s", "1M", "-c", "4294967296",
		     "v", NULL);
	expect_usage("invalid checkpoint interval '1s'", "-s", "1M", "-c", "1s", "v", NULL);
	assert_int_equal(parse("-s", "1M", "-c", "4294967295", "v", NULL), FORMAT_EXIT_OK);
	assert_int_equal(opt.sb.checkpoint_interval_ms, UINT32_MAX);
}

static void test_bad_uuid(void **state)
{
	(void)state;
	expect_usage("invalid UUID 'nope'", "-s", "1M", "-u", "nope", "v", NULL);
	expect_usage("invalid UUID", "-s", "1M", "--uuid", "0f1e2d3c-4b5a-6978-8796", "v", NULL);
	expect_usage("invalid UUID", "-s", "1M", "--uuid=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fz", "v",
		     NULL);
}

static void test_bad_labels(void **state)
{
	(void)state;
	char l63[64], l64[65];

	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l64, 'b', 64);
	l64[64] = '\0';
	assert_int_equal(parse("-s", "1M", "-L", l63, "v", NULL), FORMAT_EXIT_OK);
	assert_string_equal(opt.sb.label, l63);
	expect_usage("label is 64 bytes long, at most 63", "-s", "1M", "-L", l64, "v", NULL);
	expect_usage("UTF-8 text without control characters", "-s", "1M", "-L", "a\nb", "v", NULL);
	expect_usage("UTF-8", "-s", "1M", "-L", "caf\xe9", "v", NULL);      /* Latin-1 */
	expect_usage("UTF-8", "-s", "1M", "-L", "\xc0\xaf", "v", NULL);     /* overlong */
	expect_usage("UTF-8", "-s", "1M", "-L", "\xed\xa0\x80", "v", NULL); /* surrogate */
	assert_int_equal(parse("-s", "1M", "-L", "caf\xc3\xa9 \xe2\x9b\xb0", "v", NULL),
			 FORMAT_EXIT_OK);
	assert_int_equal(parse("-s", "1M", "-L", "", "v", NULL), FORMAT_EXIT_OK);
	assert_string_equal(opt.sb.label, "");
}

static void test_operands(void **state)
{
	(void)state;
	expect_usage("missing IMAGE", "-s", "1M", NULL);
	expect_usage("missing IMAGE", NULL);
	expect_usage("missing IMAGE", "--inspect", NULL);
	expect_usage("unexpected argument 'b.img'", "-s", "1M", "a.img", "b.img", NULL);
	expect_usage("unexpected argument 'b.img'", "--inspect", "a.img", "b.img", NULL);
}

static void test_inspect_rejects_create_options(void **state)
{
	(void)state;
	expect_usage("--inspect takes no creation option (got --size)", "--inspect", "-s", "1M",
		     "v", NULL);
	expect_usage("(got --force)", "-I", "-f", "v", NULL);
}

static void test_image_option(void **state)
{
	(void)state;
	/* Accepted with a create; the file is only read when the volume is
	 * made (image_build.h), so any name parses. */
	assert_int_equal(parse("-s", "1M", "--image", "apps/default.image", "v", NULL),
			 FORMAT_EXIT_OK);
	assert_string_equal(opt.image_desc, "apps/default.image");
	assert_int_equal(opt.action, FORMAT_CREATE);
	assert_int_equal(parse("--image=x.image", "-s", "1M", "v", NULL), FORMAT_EXIT_OK);
	assert_string_equal(opt.image_desc, "x.image");
	expect_usage("option '--image' needs a value", "-s", "1M", "v", "--image", NULL);
	expect_usage("--size is required", "--image", "x.image", "v", NULL);
	expect_usage("--inspect takes no creation option (got --image)", "--inspect", "--image",
		     "x.image", "v", NULL);
	/* It has no short form: -i is not an alias for anything. */
	expect_usage("unknown option '-i'", "-s", "1M", "-i", "x", "v", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_minimal),
		cmocka_unit_test(test_create_all_long_options),
		cmocka_unit_test(test_create_short_options),
		cmocka_unit_test(test_help_version_inspect),
		cmocka_unit_test(test_parse_size_values),
		cmocka_unit_test(test_parse_uuid_values),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_size_too_small),
		cmocka_unit_test(test_bad_node_counts),
		cmocka_unit_test(test_bad_log_sizes),
		cmocka_unit_test(test_bad_checkpoint_interval),
		cmocka_unit_test(test_bad_uuid),
		cmocka_unit_test(test_bad_labels),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_inspect_rejects_create_options),
		cmocka_unit_test(test_image_option),
	};
	return cmocka_run_group_tests_name("format_args", tests, NULL, NULL);
}
