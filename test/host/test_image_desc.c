/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the image description parser (disk-format/image_desc.c),
 * called on text in memory: a description using every directive, option
 * and key kind, console labels, and one test per malformed input, each
 * checking the exact "FILE:LINE:" of the message and a piece of its text. The parser
 * opens no file, so no ELF is needed here (test_image_build.c has those).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "format_args.h"
#include "image_desc.h"

#define FILE_NAME "dir/t.image"

static struct image_desc desc;
static char err[512];

static int parse(const char *text)
{
	memset(err, 0, sizeof(err));
	return image_desc_parse(FILE_NAME, text, strlen(text), &desc, err, sizeof(err));
}

/* text must fail at `line` with a message containing needle. */
static void expect_error(const char *text, unsigned line, const char *needle)
{
	char where[64];
	snprintf(where, sizeof(where), FILE_NAME ":%u: ", line);
	int rc = parse(text);
	if (rc != FORMAT_EXIT_FAILURE || strncmp(err, where, strlen(where)) != 0 ||
	    !strstr(err, needle))
		print_error("text:\n%s\nrc=%d err='%s' (wanted '%s' ... '%s')\n", text, rc, err,
			    where, needle);
	assert_int_equal(rc, FORMAT_EXIT_FAILURE);
	assert_memory_equal(err, where, strlen(where));
	assert_non_null(strstr(err, needle));
	assert_null(strchr(err, '\n'));
	/* A failed parse leaves nothing behind. */
	assert_int_equal(desc.ndomains, 0);
	assert_int_equal(desc.nprograms, 0);
	assert_null(desc.file);
}

static const struct image_domain *domain(const char *name)
{
	for (size_t i = 0; i < desc.ndomains; i++)
		if (strcmp(desc.domains[i].name, name) == 0)
			return &desc.domains[i];
	fail_msg("no domain %s", name);
	return NULL;
}

static const char good[] =
	"# a comment line\n"
	"\n"
	"program hello    hello.elf   # trailing comment\n"
	"program pp       ../elsewhere/pingpong.elf\n"
	"program abs\t/abs/path.elf\r\n"
	"\n"
	"domain hello program=hello run\n"
	"  cap 1 console\n"
	"  cap 2 sleep\n"
	"  cap 0x3 discrim\n"
	"  cap 4 checkpoint\n"
	"  cap 5 number 0xffffffffffffffff\n"
	"  cap 6 start ping badge=7\n"
	"  cap 7 start pong\n"
	"  cap 8 domain ping\n"
	"  cap 9 self\n"
	"  cap 10 node\n"
	"  cap 11 page\n"
	"  cap 12 range nodes\n"
	"  cap 13 range pages\n"
	"  cap 14 range nodes 100 0x20\n"
	"  cap 31 range pages 0 4294967295\n"
	"domain ping program=pp arg=0 stack=8K heap=1M keeper=pong space-keeper=ping\n"
	"\tcap 3 start pong badge=65535\n"
	"domain pong program=pp arg=18446744073709551615 stack=0x2000 heap=0\n"
	"domain abcdefghij-_4Z program=abs stack=1m run\n";

static void test_good(void **state)
{
	(void)state;
	int rc = parse(good);
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, FORMAT_EXIT_OK);
	assert_string_equal(desc.file, FILE_NAME);
	assert_int_equal(desc.nprograms, 3);
	assert_string_equal(desc.programs[0].name, "hello");
	assert_string_equal(desc.programs[0].path, "dir/hello.elf");
	assert_int_equal(desc.programs[0].line, 3);
	assert_string_equal(desc.programs[1].path, "dir/../elsewhere/pingpong.elf");
	assert_string_equal(desc.programs[2].path, "/abs/path.elf");
	assert_int_equal(desc.ndomains, 4);

	const struct image_domain *h = domain("hello");
	assert_int_equal(h->line, 7);
	assert_int_equal(h->program, 0);
	assert_true(h->run);
	assert_true(h->stack == 64 * 1024);
	assert_true(h->heap == 0 && h->arg == 0);
	assert_true(h->keeper == IMAGE_NO_INDEX && h->space_keeper == IMAGE_NO_INDEX);
	assert_int_equal(h->caps[0].type, CAIRN_KEY_VOID);
	assert_int_equal(h->caps[1].type, CAIRN_KEY_CONSOLE);
	assert_int_equal(h->caps[1].line, 8);
	assert_int_equal(h->caps[2].type, CAIRN_KEY_SLEEP);
	assert_int_equal(h->caps[3].type, CAIRN_KEY_DISCRIM);
	assert_int_equal(h->caps[4].type, CAIRN_KEY_CHECKPOINT);
	assert_int_equal(h->caps[5].type, CAIRN_KEY_NUMBER);
	assert_true(h->caps[5].value == UINT64_MAX);
	assert_int_equal(h->caps[6].type, CAIRN_KEY_START);
	assert_int_equal(h->caps[6].target, 1);
	assert_int_equal(h->caps[6].badge, 7);
	assert_int_equal(h->caps[7].type, CAIRN_KEY_START);
	assert_int_equal(h->caps[7].target, 2); /* defined further down */
	assert_int_equal(h->caps[7].badge, 0);
	assert_int_equal(h->caps[8].type, CAIRN_KEY_DOMAIN);
	assert_int_equal(h->caps[8].target, 1);
	assert_int_equal(h->caps[9].type, CAIRN_KEY_START); /* self */
	assert_int_equal(h->caps[9].target, 0);
	assert_int_equal(h->caps[9].badge, 0);
	assert_int_equal(h->caps[10].type, CAIRN_KEY_NODE);
	assert_int_equal(h->caps[11].type, CAIRN_KEY_PAGE);
	assert_int_equal(h->caps[12].type, CAIRN_KEY_RANGE);
	assert_false(h->caps[12].range_pages);
	assert_false(h->caps[12].range_explicit);
	assert_int_equal(h->caps[13].type, CAIRN_KEY_RANGE);
	assert_true(h->caps[13].range_pages);
	assert_true(h->caps[14].range_explicit);
	assert_true(h->caps[14].value == 100 && h->caps[14].count == 32);
	assert_false(h->caps[14].range_pages);
	assert_true(h->caps[31].range_pages && h->caps[31].count == UINT32_MAX);
	for (unsigned s = 15; s < 31; s++)
		assert_int_equal(h->caps[s].type, CAIRN_KEY_VOID);

	const struct image_domain *pi = domain("ping");
	assert_false(pi->run);
	assert_int_equal(pi->program, 1);
	assert_true(pi->stack == 8192 && pi->heap == 1 << 20);
	assert_int_equal(pi->keeper, 2);
	assert_int_equal(pi->space_keeper, 1);
	assert_int_equal(pi->caps[3].badge, 65535);
	const struct image_domain *po = domain("pong");
	assert_true(po->arg == UINT64_MAX);
	assert_true(po->stack == 0x2000 && po->heap == 0);
	const struct image_domain *a = domain("abcdefghij-_4Z");
	assert_true(a->run && a->stack == 1 << 20);
	assert_int_equal(a->program, 2);
	image_desc_free(&desc);
	assert_null(desc.domains);
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(parse(""), FORMAT_EXIT_OK);
	assert_int_equal(desc.ndomains, 0);
	image_desc_free(&desc);
	assert_int_equal(parse("# nothing but comments\n\n   \t\n"), FORMAT_EXIT_OK);
	assert_int_equal(desc.ndomains, 0);
	image_desc_free(&desc);
	/* Programs without domains: allowed (they put nothing on the volume). */
	assert_int_equal(parse("program p p.elf"), FORMAT_EXIT_OK);
	assert_int_equal(desc.nprograms, 1);
	assert_int_equal(desc.ndomains, 0);
	image_desc_free(&desc);
}

#define P "program p p.elf\n"

static void test_bad_directives(void **state)
{
	(void)state;
	expect_error("progam p p.elf\n", 1, "unknown directive 'progam'");
	expect_error(P "\n  Domain d program=p\n", 3, "unknown directive 'Domain'");
	expect_error(P "program p\n", 2, "'program' needs a NAME and a PATH");
	expect_error(P "program q q.elf extra\n", 2, "unexpected 'extra'");
	expect_error(P "domain\n", 2, "'domain' needs a NAME");
	expect_error("cap 1 console\n", 1, "'cap' outside a domain");
	expect_error(P "# x\ncap 1 console\ndomain d program=p\n", 3, "'cap' outside a domain");
	expect_error(P "domain d program=p\ncap 1\n", 3, "'cap' needs a SLOT and a KEY");
	expect_error(P "domain d program=p a b c d e f g h i j k l m n o p q r s t u v w x y z "
		       "a b c d e f\n",
		     2, "too many words");
}

static void test_nul_byte(void **state)
{
	(void)state;
	static const char text[] = P "domain d program=p\ncap 1 console\0 x\n";
	int rc = image_desc_parse(FILE_NAME, text, sizeof(text) - 1, &desc, err, sizeof(err));
	assert_int_equal(rc, FORMAT_EXIT_FAILURE);
	assert_string_equal(err, FILE_NAME ":3: NUL byte in the line (not a text file?)");
	assert_int_equal(desc.ndomains, 0);
}

static void test_bad_options(void **state)
{
	(void)state;
	expect_error(P "domain d program=p stak=4K\n", 2, "unknown option 'stak=4K'");
	expect_error(P "domain d program=p run=1\n", 2, "unknown option 'run=1'");
	expect_error(P "domain d program=p running\n", 2, "unknown option 'running'");
	expect_error(P "domain d program=p stack\n", 2, "unknown option 'stack'");
	expect_error(P "domain d program=p run run\n", 2, "option 'run' given twice");
	expect_error(P "domain d program=p stack=4K stack=8K\n", 2, "option 'stack=' given twice");
	expect_error(P "domain d program=p program=p\n", 2, "option 'program=' given twice");
	expect_error(P "domain d run\n", 2, "domain 'd' has no program= option");
	expect_error(P "domain d\n", 2, "has no program= option");
	expect_error(P "domain d program=q\n", 2, "unknown program 'q'");
	expect_error(P "domain d program=\n", 2, "unknown program ''");
	expect_error(P "domain d program=a.b\n", 2, "unknown program 'a.b'");
	expect_error(P "domain d program=p keeper=k\n", 2, "unknown domain 'k' in keeper=");
	expect_error(P "domain d program=p space-keeper=k\n", 2,
		     "unknown domain 'k' in space-keeper=");
}

static void test_bad_names(void **state)
{
	(void)state;
	expect_error(P "program p q.elf\n", 2, "program 'p' defined twice (first at line 1)");
	expect_error(P "domain d program=p\n\ndomain d program=p\n", 4,
		     "domain 'd' defined twice (first at line 2)");
	expect_error(P "domain d.x program=p\n", 2, "bad domain name 'd.x'");
	expect_error(P "domain abcdefghijklmno program=p\n", 2,
		     "bad domain name 'abcdefghijklmno'");
	expect_error(P "domain d/ program=p\n", 2, "bad domain name");
	expect_error("program p/q x.elf\n", 1, "bad program name 'p/q'");
	expect_error("program abcdefghijklmno x.elf\n", 1, "bad program name");
	/* A program and a domain may share a name: separate name spaces. */
	assert_int_equal(parse(P "domain p program=p\n"), FORMAT_EXIT_OK);
	image_desc_free(&desc);
}

static void test_bad_numbers_and_sizes(void **state)
{
	(void)state;
	expect_error(P "domain d program=p arg=abc\n", 2, "bad number 'abc' in arg=");
	expect_error(P "domain d program=p arg=-1\n", 2, "bad number '-1'");
	expect_error(P "domain d program=p arg=18446744073709551616\n", 2, "bad number");
	expect_error(P "domain d program=p arg=0x\n", 2, "bad number '0x'");
	expect_error(P "domain d program=p arg=0x10000000000000000\n", 2, "bad number");
	expect_error(P "domain d program=p stack=12Q\n", 2, "bad size '12Q' in stack=");
	expect_error(P "domain d program=p stack=4KK\n", 2, "bad size '4KK'");
	expect_error(P "domain d program=p stack=K\n", 2, "bad size 'K'");
	expect_error(P "domain d program=p stack=1000\n", 2, "stack=1000 is not a multiple of 4K");
	expect_error(P "domain d program=p stack=0\n", 2, "stack=0: at least 4K");
	expect_error(P "domain d program=p heap=5000\n", 2, "heap=5000 is not a multiple of 4K");
	expect_error(P "domain d program=p heap=0xffffffffffffffffK\n", 2, "bad size");
	expect_error(P "domain d program=p heap=17179869184G\n", 2, "bad size");
	expect_error(P "domain d program=p\ncap 3 number 12x\n", 3, "bad number '12x'");
	expect_error(P "domain d program=p\ncap 3 number\n", 3, "'number' needs a value");
	expect_error(P "domain d program=p\ncap 3 start d badge=65536\n", 3, "bad badge '65536'");
	expect_error(P "domain d program=p\ncap 3 start d badge=\n", 3, "bad badge ''");
	expect_error(P "domain d program=p\ncap 3 range nodes 1x 2\n", 3, "bad number '1x'");
	expect_error(P "domain d program=p\ncap 3 range nodes 1 2y\n", 3, "bad number '2y'");
	expect_error(P "domain d program=p\ncap 3 range pages 0 4294967296\n", 3,
		     "range count 4294967296 is too large");
}

static void test_bad_caps(void **state)
{
	(void)state;
	expect_error(P "domain d program=p\ncap 0 console\n", 3,
		     "capability register 0 is always void");
	expect_error(P "domain d program=p\ncap 32 console\n", 3,
		     "capability register 32 out of range (1 to 31)");
	expect_error(P "domain d program=p\ncap 0x20 console\n", 3, "out of range");
	expect_error(P "domain d program=p\ncap one console\n", 3, "bad capability register 'one'");
	expect_error(P "domain d program=p\ncap 4 console\ncap 5 sleep\ncap 4 sleep\n", 5,
		     "capability register 4 of 'd' set twice (first at line 3)");
	expect_error(P "domain d program=p\ncap 3 consol\n", 3, "unknown key 'consol'");
	expect_error(P "domain d program=p\ncap 3 Console\n", 3, "unknown key 'Console'");
	expect_error(P "domain d program=p\ncap 3 console x\n", 3,
		     "unexpected 'x' after 'console'");
	expect_error(P "domain d program=p\ncap 3 self d\n", 3, "unexpected 'd' after 'self'");
	expect_error(P "domain d program=p\ncap 3 start\n", 3, "'start' needs a DOMAIN");
	expect_error(P "domain d program=p\ncap 3 domain\n", 3, "'domain' needs a DOMAIN");
	expect_error(P "domain d program=p\ncap 3 start d 7\n", 3, "unexpected '7'");
	expect_error(P "domain d program=p\ncap 3 start d badge=1 x\n", 3, "unexpected 'x'");
	expect_error(P "domain d program=p\ncap 3 range\n", 3, "'range' needs 'nodes' or 'pages'");
	expect_error(P "domain d program=p\ncap 3 range things\n", 3,
		     "range of 'things': 'nodes' or 'pages' expected");
	expect_error(P "domain d program=p\ncap 3 range nodes 5\n", 3, "needs a COUNT after FIRST");
	expect_error(P "domain d program=p\ncap 3 range nodes 5 6 7\n", 3, "unexpected '7'");
	/* References resolve after the whole file: the line is the cap's. */
	expect_error(P "domain d program=p\ncap 3 start nobody\ndomain e program=p\n", 3,
		     "unknown domain 'nobody'");
	expect_error(P "domain d program=p\n\ncap 3 domain nobody\n", 4, "unknown domain 'nobody'");
	expect_error(P "domain d program=p\ncap 3 start a.b\n", 3, "unknown domain 'a.b'");
}

/* A console key's label: the domain's name unless label= says otherwise;
 * never the kernel's "cairn", never anything but 1 to 12 of [a-z0-9_-]. */
static void test_console_labels(void **state)
{
	(void)state;
	assert_int_equal(parse(P "domain hello program=p\ncap 1 console\n"
				 "domain mover program=p\ncap 1 console label=ledger\n"
				 "cap 2 console label=abcdefghij-_\n"
				 "domain abcdefghij_1 program=p\ncap 1 console\n"),
			 FORMAT_EXIT_OK);
	assert_string_equal(domain("hello")->caps[1].label, "hello");
	assert_string_equal(domain("mover")->caps[1].label, "ledger");
	assert_string_equal(domain("mover")->caps[2].label, "abcdefghij-_");
	assert_string_equal(domain("abcdefghij_1")->caps[1].label, "abcdefghij_1");
	image_desc_free(&desc);

	expect_error(P "domain d program=p\ncap 1 console label=cairn\n", 3,
		     "console label 'cairn' is reserved for the kernel");
	expect_error(P "domain cairn program=p\ncap 1 console\n", 3,
		     "console label 'cairn' is reserved for the kernel (the domain's name: give the "
		     "key a label=NAME)");
	expect_error(P "domain d program=p\ncap 1 console label=Ledger\n", 3,
		     "bad console label 'Ledger' (1 to 12 of a-z, 0-9, '-', '_')");
	expect_error(P "domain d program=p\ncap 1 console label=\n", 3, "bad console label ''");
	expect_error(P "domain d program=p\ncap 1 console label=abcdefghijklm\n", 3,
		     "bad console label 'abcdefghijklm'");
	expect_error(P "domain d program=p\ncap 1 console label=a:b\n", 3,
		     "bad console label 'a:b'");
	/* Domain names may be longer than labels, and may have capitals. */
	expect_error(P "domain abcdefghijklmn program=p\ncap 1 console\n", 3,
		     "bad console label 'abcdefghijklmn' (1 to 12 of a-z, 0-9, '-', '_') (the "
		     "domain's name: give the key a label=NAME)");
	expect_error(P "domain Hello program=p\ncap 1 console\n", 3, "bad console label 'Hello'");
	expect_error(P "domain d program=p\ncap 1 console lable=x\n", 3,
		     "unexpected 'lable=x' after 'console' (label=NAME?)");
	expect_error(P "domain d program=p\ncap 1 console label=x y\n", 3,
		     "unexpected 'y' after 'console'");
	/* Other keys take no label. */
	expect_error(P "domain d program=p\ncap 1 sleep label=x\n", 3,
		     "unexpected 'label=x' after 'sleep'");
	/* A domain whose name is no label is fine when its key has one. */
	assert_int_equal(parse(P "domain Cap program=p\ncap 1 console label=cap\n"),
			 FORMAT_EXIT_OK);
	assert_string_equal(domain("Cap")->caps[1].label, "cap");
	image_desc_free(&desc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_directives),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_bad_numbers_and_sizes),
		cmocka_unit_test(test_bad_caps),
		cmocka_unit_test(test_console_labels),
	};
	return cmocka_run_group_tests_name("image_desc", tests, NULL, NULL);
}
