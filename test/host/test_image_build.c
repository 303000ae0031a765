/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the image builder (disk-format/image_build.c), called in
 * process on descriptions in memory whose programs are the real domain
 * ELFs of the build (argv[1] is build/apps): the OID order the doc
 * promises, the keys of a domain, the key each key word alone makes,
 * shared read-only pages, the boot node chain beyond 30 domains, ranges,
 * and every error that needs the programs or the volume (stack, heap,
 * ranges, pool sizes), each with its exact "FILE:LINE:" or "FILE:".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/abi.h"
#include "cairn/key.h"
#include "cairn/keytab.h"
#include "format_args.h"
#include "format_plan.h"
#include "image_build.h"

static const char *apps_dir;
static char desc_name[4096]; /* APPS/t.image, so "hello.elf" resolves */
static char err[1024];
static struct image img;
static struct cairn_superblock sb;

/* Parse text, load its programs and build for a volume of size bytes
 * (nodes: 0 for the default). Returns the builder's status. */
static int build(const char *text, uint64_t size, uint64_t nodes)
{
	memset(&img, 0, sizeof(img));
	memset(err, 0, sizeof(err));
	assert_int_equal(cairn_plan_geometry(size, nodes, 0, &sb), CAIRN_VOL_OK);
	int rc = image_desc_parse(desc_name, text, strlen(text), &img.desc, err, sizeof(err));
	if (rc) {
		print_error("%s\n", err);
		return rc;
	}
	img.elves = calloc(img.desc.nprograms + 1, sizeof(*img.elves));
	for (size_t p = 0; p < img.desc.nprograms; p++) {
		rc = image_elf_load(img.desc.programs[p].path, &img.elves[p], err, sizeof(err));
		if (rc) {
			print_error("%s\n", err);
			return rc;
		}
	}
	return image_build(&img.desc, img.elves, &sb, &img, err, sizeof(err));
}

static void expect_build_error(const char *text, uint64_t size, uint64_t nodes, unsigned line,
			       const char *needle)
{
	char where[4200];
	if (line)
		snprintf(where, sizeof(where), "%s:%u: ", desc_name, line);
	else
		snprintf(where, sizeof(where), "%s: ", desc_name);
	int rc = build(text, size, nodes);
	if (rc != FORMAT_EXIT_FAILURE || strncmp(err, where, strlen(where)) != 0 ||
	    !strstr(err, needle))
		print_error("rc=%d err='%s' (wanted '%s' ... '%s')\n", rc, err, where, needle);
	assert_int_equal(rc, FORMAT_EXIT_FAILURE);
	assert_memory_equal(err, where, strlen(where));
	assert_non_null(strstr(err, needle));
	assert_null(img.blocks);
	assert_null(img.pots);
	image_free(&img);
}

static const uint8_t *node(uint64_t oid)
{
	assert_true(oid < img.node_count);
	return img.pots + oid / 7 * 4096 + oid % 7 * 528;
}

static const uint8_t *slot(uint64_t oid, unsigned s)
{
	return cairn_node_slot_const(node(oid), s);
}

static void assert_key(const uint8_t *k, uint8_t type, uint8_t rights, uint16_t badge, uint64_t oid)
{
	if (cairn_key_type(k) != type || cairn_key_rights(k) != rights ||
	    cairn_key_badge(k) != badge || cairn_key_oid(k) != oid)
		print_error("key type %u rights %u badge %u oid %llu; wanted %u %u %u %llu\n",
			    cairn_key_type(k), cairn_key_rights(k), cairn_key_badge(k),
			    (unsigned long long)cairn_key_oid(k), type, rights, badge,
			    (unsigned long long)oid);
	assert_int_equal(cairn_key_type(k), type);
	assert_int_equal(cairn_key_rights(k), rights);
	assert_int_equal(cairn_key_badge(k), badge);
	assert_true(cairn_key_oid(k) == oid);
	assert_int_equal(cairn_key_alloc_count(k), 0);
}

static uint64_t number(const uint8_t *k)
{
	assert_int_equal(cairn_key_type(k), CAIRN_KEY_NUMBER);
	return cairn_key_number_low(k);
}

/* Walk a domain's space tree to the page key for va. */
static const uint8_t *page_key(uint64_t root, uint64_t va)
{
	const uint8_t *k = slot(root, CAIRN_DOM_SLOT_SPACE);
	if (cairn_key_rights(k) & CAIRN_RIGHT_KEEPER)
		k = slot(cairn_key_oid(k), 0);
	for (unsigned h = 3; h >= 1; h--) {
		assert_int_equal(cairn_key_type(k), CAIRN_KEY_SPACE);
		assert_int_equal(cairn_key_badge(k), h);
		k = slot(cairn_key_oid(k), (unsigned)(va >> CAIRN_SPACE_SLOT_SHIFT(h)) % 32);
	}
	return k;
}

/* Every key type whose word may stand alone on a cap line makes a key of
 * that type: sleep, discrim and checkpoint keys (no object) are the type
 * and zeros (docs/image-format.md, "The keys, byte by byte"), node and
 * page keys designate a fresh object of their own. */
static void test_plain_keys(void **state)
{
	(void)state;
	static const uint8_t zeros[CAIRN_KEY_SIZE];
	unsigned plain = 0;
	for (unsigned t = 0; t < CAIRN_KEY_TYPE_COUNT; t++) {
		const char *word = cairn_keytab_word(t);
		char text[256];
		if (!word[0])
			continue;
		snprintf(text, sizeof(text),
			 "program h hello.elf\ndomain d program=h\n  cap 7 %s\n", word);
		memset(&img, 0, sizeof(img));
		if (image_desc_parse(desc_name, text, strlen(text), &img.desc, err, sizeof(err))) {
			assert_non_null(strstr(err, "needs")); /* number V, start DOMAIN, ... */
			continue;
		}
		image_free(&img);
		assert_int_equal(build(text, 64 << 20, 0), FORMAT_EXIT_OK);
		const uint8_t *k = slot(4, 7); /* boot 0, root 1, regs 2, fp 3, caps 4 */
		assert_int_equal(cairn_key_type(k), t);
		switch (cairn_keytab_object(t)) {
		case CAIRN_OBJECT_NONE:
			if (t != CAIRN_KEY_CONSOLE) /* its label: test_oid_order */
				assert_memory_equal(k + 1, zeros, CAIRN_KEY_SIZE - 1);
			break;
		case CAIRN_OBJECT_PAGE:
			assert_key(k, (uint8_t)t, 0, 0, img.page_count - 1);
			break;
		default:
			assert_key(k, (uint8_t)t, 0, 0, img.node_count - 1);
			break;
		}
		plain++;
		image_free(&img);
	}
	assert_true(plain >= 6); /* console, sleep, discrim, checkpoint, node, page, ... */
}

/* The documented OID order, on one small domain. */
static void test_oid_order(void **state)
{
	(void)state;
	assert_int_equal(build("program h hello.elf\n"
			       "domain d program=h run arg=7\n"
			       "  cap 1 console\n"
			       "  cap 2 node\n"
			       "  cap 3 page\n"
			       "  cap 4 node\n",
			       64 << 20, 0),
			 FORMAT_EXIT_OK);
	const struct image_elf *elf = &img.elves[0];
	/* boot 0; root 1, regs 2, fp 3, caps 4, h3 5; h2 6 and h1 7 for the
	 * program at 0x10000; h2 8 and h1 9 for the stack below 0x8000000;
	 * then the node caps 10 and 11. */
	assert_true(img.boot_node_oid == 0);
	assert_true(img.node_count == 12);
	assert_true(img.root_oids[0] == 1);
	assert_key(slot(0, 0), CAIRN_KEY_DOMAIN, 0, 0, 1);
	for (unsigned s = 1; s < 30; s++)
		assert_true(cairn_key_is_void(slot(0, s)));
	assert_true(number(slot(0, 30)) == 1);
	assert_true(cairn_key_is_void(slot(0, 31)));
	assert_key(slot(1, CAIRN_DOM_SLOT_SPACE), CAIRN_KEY_SPACE, 0, 3, 5);
	assert_true(cairn_key_is_void(slot(1, CAIRN_DOM_SLOT_KEEPER)));
	assert_key(slot(1, CAIRN_DOM_SLOT_GPRS), CAIRN_KEY_NODE, 0, 0, 2);
	assert_key(slot(1, CAIRN_DOM_SLOT_FPRS), CAIRN_KEY_NODE, 0, 0, 3);
	assert_key(slot(1, CAIRN_DOM_SLOT_CAPS), CAIRN_KEY_NODE, 0, 0, 4);
	assert_true(number(slot(1, CAIRN_DOM_SLOT_STATE)) == CAIRN_DOM_RUNNING);
	assert_true(cairn_key_is_void(slot(1, CAIRN_DOM_SLOT_FCSR)));
	uint8_t name[CAIRN_KEY_NUMBER_LEN], want[CAIRN_KEY_NUMBER_LEN] = { 'd' };
	assert_int_equal(cairn_key_type(slot(1, CAIRN_DOM_SLOT_BRAND)), CAIRN_KEY_NUMBER);
	cairn_key_number_get(slot(1, CAIRN_DOM_SLOT_BRAND), name);
	assert_memory_equal(name, want, sizeof(want));
	for (unsigned s = CAIRN_DOM_FIRST_FREE_SLOT; s < 32; s++)
		assert_true(cairn_key_is_void(slot(1, s)));
	/* Registers. */
	assert_true(number(slot(2, 0)) == elf->entry);
	assert_true(number(slot(2, 2)) == 0x8000000 - 16);
	assert_true(number(slot(2, 3)) == elf->gp);
	assert_true(number(slot(2, 10)) == 7);
	for (unsigned r = 1; r < 32; r++)
		if (r != 2 && r != 3 && r != 10)
			assert_true(cairn_key_is_void(slot(2, r)));
	for (unsigned r = 0; r < 32; r++)
		assert_true(cairn_key_is_void(slot(3, r)));
	/* The tree. */
	assert_key(slot(5, 0), CAIRN_KEY_SPACE, 0, 2, 6);
	assert_key(slot(6, 0), CAIRN_KEY_SPACE, 0, 1, 7);
	assert_key(slot(5, 31), CAIRN_KEY_SPACE, 0, 2, 8);
	assert_key(slot(8, 31), CAIRN_KEY_SPACE, 0, 1, 9);
	/* Caps: slot order. */
	/* The console key: its label, the domain's name, NUL-padded in bytes 4..15. */
	static const uint8_t console[16] = { CAIRN_KEY_CONSOLE, 0, 0, 0, 'd' };
	assert_memory_equal(slot(4, 1), console, 16);
	assert_key(slot(4, 2), CAIRN_KEY_NODE, 0, 0, 10);
	assert_key(slot(4, 4), CAIRN_KEY_NODE, 0, 0, 11);
	/* Pages: the program's in address order, then 16 stack pages, then
	 * the page cap. */
	uint64_t p = 0;
	for (size_t i = 0; i < elf->npages; i++, p++)
		assert_key(page_key(1, elf->pages[i].va), CAIRN_KEY_PAGE, elf->pages[i].rights, 0,
			   p);
	for (uint64_t va = 0x8000000 - 0x10000; va < 0x8000000; va += 4096, p++)
		assert_key(page_key(1, va), CAIRN_KEY_PAGE, CAIRN_RIGHT_NX, 0, p);
	assert_key(slot(4, 3), CAIRN_KEY_PAGE, 0, 0, p);
	assert_true(img.page_count == p + 1);
	/* Blocks: the two node pots, then the program's non-zero pages. */
	assert_true(img.blocks[0].block == sb.node_pool_start);
	assert_true(img.blocks[1].block == sb.node_pool_start + 1);
	size_t data_pages = 0;
	for (size_t i = 0; i < elf->npages; i++)
		data_pages += elf->pages[i].data != NULL;
	assert_int_equal(img.nblocks, 2 + data_pages);
	image_free(&img);
}

/* Two domains of one program share its read-only pages, not the rest;
 * keepers, space keepers, halted domains and keys between domains. */
static void test_sharing_and_keepers(void **state)
{
	(void)state;
	assert_int_equal(build("program pp pingpong.elf\n"
			       "domain ping program=pp keeper=pong space-keeper=ping\n"
			       "  cap 3 start pong badge=9\n"
			       "  cap 4 domain pong\n"
			       "  cap 5 self\n"
			       "domain pong program=pp heap=8K stack=4K run\n",
			       64 << 20, 0),
			 FORMAT_EXIT_OK);
	uint64_t ping = img.root_oids[0], pong = img.root_oids[1];
	const struct image_elf *elf = &img.elves[0];
	assert_true(number(slot(0, 30)) == 2); /* only pong runs */
	assert_true(number(slot(ping, CAIRN_DOM_SLOT_STATE)) == CAIRN_DOM_HALTED);
	assert_key(slot(ping, CAIRN_DOM_SLOT_KEEPER), CAIRN_KEY_START, 0, 0, pong);
	/* The wrapper comes right after the caps node, before the h3. */
	uint64_t wrapper = ping + 4;
	assert_key(slot(ping, CAIRN_DOM_SLOT_SPACE), CAIRN_KEY_SPACE, CAIRN_RIGHT_KEEPER, 3,
		   wrapper);
	assert_key(slot(wrapper, 0), CAIRN_KEY_SPACE, 0, 3, wrapper + 1);
	assert_key(slot(wrapper, 1), CAIRN_KEY_START, 0, 0, ping);
	uint64_t caps = cairn_key_oid(slot(ping, CAIRN_DOM_SLOT_CAPS));
	assert_key(slot(caps, 3), CAIRN_KEY_START, 0, 9, pong);
	assert_key(slot(caps, 4), CAIRN_KEY_DOMAIN, 0, 0, pong);
	assert_key(slot(caps, 5), CAIRN_KEY_START, 0, 0, ping);
	for (size_t i = 0; i < elf->npages; i++) {
		uint64_t a = cairn_key_oid(page_key(ping, elf->pages[i].va));
		uint64_t b = cairn_key_oid(page_key(pong, elf->pages[i].va));
		if (elf->pages[i].rights & CAIRN_RIGHT_RO)
			assert_true(a == b);
		else
			assert_true(a != b);
	}
	/* pong: heap at the program's end, one stack page. */
	assert_key(page_key(pong, elf->end), CAIRN_KEY_PAGE, CAIRN_RIGHT_NX, 0,
		   cairn_key_oid(page_key(pong, elf->end)));
	assert_int_equal(cairn_key_type(page_key(pong, elf->end + 4096)), CAIRN_KEY_PAGE);
	assert_true(cairn_key_is_void(page_key(pong, elf->end + 8192)));
	assert_int_equal(cairn_key_type(page_key(pong, 0x8000000 - 4096)), CAIRN_KEY_PAGE);
	assert_true(cairn_key_is_void(page_key(pong, 0x8000000 - 8192)));
	image_free(&img);
}

static void test_boot_chain(void **state)
{
	(void)state;
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), "program h hello.elf\n");
	for (unsigned d = 0; d < 61; d++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "domain d%u program=h%s\n", d,
				      d % 3 ? "" : " run");
	assert_int_equal(build(text, 256 << 20, 0), FORMAT_EXIT_OK);
	/* Three boot nodes, OIDs 0..2, chained through slot 31. */
	assert_true(img.root_oids[0] == 3);
	for (uint64_t b = 0; b < 3; b++) {
		uint64_t mask = 0;
		for (unsigned i = 0; i < 30; i++) {
			size_t d = b * 30 + i;
			if (d >= 61) {
				assert_true(cairn_key_is_void(slot(b, i)));
				continue;
			}
			assert_key(slot(b, i), CAIRN_KEY_DOMAIN, 0, 0, img.root_oids[d]);
			if (d % 3 == 0)
				mask |= 1ull << i;
		}
		assert_true(number(slot(b, 30)) == mask);
		if (b < 2)
			assert_key(slot(b, 31), CAIRN_KEY_NODE, 0, 0, b + 1);
		else
			assert_true(cairn_key_is_void(slot(b, 31)));
	}
	image_free(&img);
}

static void test_no_domains(void **state)
{
	(void)state;
	assert_int_equal(build("program h hello.elf\n", 64 << 20, 0), FORMAT_EXIT_OK);
	assert_true(img.boot_node_oid == CAIRN_OID_NONE);
	assert_true(img.node_count == 0 && img.page_count == 0);
	assert_int_equal(img.nblocks, 0);
	image_free(&img);
}

static void test_ranges(void **state)
{
	(void)state;
	static const char text[] = "program h hello.elf\n"
				   "domain d program=h\n"
				   "  cap 1 range nodes\n"
				   "  cap 2 range pages\n"
				   "  cap 3 range nodes 7160 8\n"
				   "  cap 4 range pages 5 0\n";
	assert_int_equal(build(text, 64 << 20, 0), FORMAT_EXIT_OK);
	uint64_t caps = cairn_key_oid(slot(1, CAIRN_DOM_SLOT_CAPS));
	const uint8_t *k = slot(caps, 1);
	assert_int_equal(cairn_key_type(k), CAIRN_KEY_RANGE);
	assert_int_equal(cairn_key_rights(k), 0);
	assert_int_equal(cairn_key_badge(k), CAIRN_RANGE_NODES);
	assert_true(cairn_key_oid(k) == img.node_count);
	assert_true(cairn_key_alloc_count(k) == sb.node_count - img.node_count);
	k = slot(caps, 2);
	assert_int_equal(cairn_key_badge(k), CAIRN_RANGE_PAGES);
	assert_true(cairn_key_oid(k) == img.page_count);
	assert_true(cairn_key_alloc_count(k) == sb.page_count - img.page_count);
	k = slot(caps, 3);
	assert_true(cairn_key_oid(k) == 7160 && cairn_key_alloc_count(k) == 8);
	k = slot(caps, 4);
	assert_true(cairn_key_oid(k) == 5 && cairn_key_alloc_count(k) == 0);
	image_free(&img);

	/* A pool too large for a u32 count: the implicit range is clamped. */
	memset(&img, 0, sizeof(img));
	assert_int_equal(cairn_plan_geometry(64 << 20, 0, 0, &sb), CAIRN_VOL_OK);
	sb.node_count = 1ull << 33;
	assert_int_equal(image_desc_parse(desc_name, text, strlen(text), &img.desc, err,
					  sizeof(err)),
			 FORMAT_EXIT_OK);
	img.elves = calloc(1, sizeof(*img.elves));
	assert_int_equal(image_elf_load(img.desc.programs[0].path, &img.elves[0], err, sizeof(err)),
			 FORMAT_EXIT_OK);
	assert_int_equal(image_build(&img.desc, img.elves, &sb, &img, err, sizeof(err)),
			 FORMAT_EXIT_OK);
	caps = cairn_key_oid(slot(1, CAIRN_DOM_SLOT_CAPS));
	assert_true(cairn_key_alloc_count(slot(caps, 1)) == UINT32_MAX);
	image_free(&img);
}

static void test_layout_errors(void **state)
{
	(void)state;
	char text[512];
	/* hello ends at a page boundary below 0x20000 (lib/domain.ld). */
	assert_int_equal(build("program h hello.elf\n", 64 << 20, 0), FORMAT_EXIT_OK);
	uint64_t end = img.elves[0].end;
	image_free(&img);
	uint64_t room = 0x8000000 - end;

	/* The biggest stack fits, one more page does not. */
	snprintf(text, sizeof(text), "program h hello.elf\n\ndomain d program=h stack=%llu\n",
		 (unsigned long long)room);
	assert_int_equal(build(text, 256 << 20, 0), FORMAT_EXIT_OK);
	image_free(&img);
	snprintf(text, sizeof(text), "program h hello.elf\n\ndomain d program=h stack=%llu\n",
		 (unsigned long long)(room + 4096));
	expect_build_error(text, 256 << 20, 0, 3, "stack=");
	assert_non_null(strstr(err, "does not fit: program 'h' ends at"));
	expect_build_error("program h hello.elf\ndomain d program=h stack=16G\n", 256 << 20, 0, 2,
			   "stack=16777216K does not fit");

	/* Heap up to the stack fits; a page more does not. */
	snprintf(text, sizeof(text), "program h hello.elf\ndomain d program=h stack=8K heap=%llu\n",
		 (unsigned long long)(room - 8192));
	assert_int_equal(build(text, 256 << 20, 0), FORMAT_EXIT_OK);
	image_free(&img);
	snprintf(text, sizeof(text),
		 "program h hello.elf\n# x\ndomain d program=h stack=8K heap=%llu\n",
		 (unsigned long long)(room - 4096));
	expect_build_error(text, 256 << 20, 0, 3, "would run into the stack at 0x7ffe000");
	expect_build_error("program h hello.elf\ndomain d program=h heap=16G\n", 256 << 20, 0, 2,
			   "heap=16777216K does not fit");
}

static void test_pool_errors(void **state)
{
	(void)state;
	static const char one[] = "program h hello.elf\ndomain d program=h\n";
	/* 64M: 7168 nodes, 13297 pages. */
	expect_build_error("program h hello.elf\ndomain d program=h\n  cap 3 range nodes 7160 9\n",
			   64 << 20, 0, 3, "range nodes 7160 9 is outside the volume's 7168 nodes");
	expect_build_error("program h hello.elf\ndomain d program=h\n  cap 3 range nodes 7169 0\n",
			   64 << 20, 0, 3, "outside the volume's 7168 nodes");
	expect_build_error("program h hello.elf\ndomain d program=h\n\n  cap 9 range pages 0 13298\n",
			   64 << 20, 0, 4,
			   "range pages 0 13298 is outside the volume's 13297 pages");
	expect_build_error("program h hello.elf\ndomain d program=h\n"
			   "  cap 3 range pages 18446744073709551615 2\n",
			   64 << 20, 0, 3, "outside the volume's 13297 pages");
	/* A domain of hello: 10 nodes with the boot node, 19 pages. */
	expect_build_error(one, 64 << 20, 7, 0,
			   "the image needs 10 nodes but the volume has only 7 (give more --nodes");
	assert_int_equal(build(one, 64 << 20, 10), FORMAT_EXIT_OK);
	image_free(&img);
	expect_build_error(one, 74 * 4096, 0, 0,
			   "the image needs 19 pages but the volume has only 1 (give a larger --size)");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s APPS_DIR\n", argv[0]);
		return 2;
	}
	apps_dir = argv[1];
	snprintf(desc_name, sizeof(desc_name), "%s/t.image", apps_dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oid_order),           cmocka_unit_test(test_plain_keys),
		cmocka_unit_test(test_sharing_and_keepers), cmocka_unit_test(test_boot_chain),
		cmocka_unit_test(test_no_domains),          cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_layout_errors),       cmocka_unit_test(test_pool_errors),
	};
	return cmocka_run_group_tests_name("image_build", tests, NULL, NULL);
}
