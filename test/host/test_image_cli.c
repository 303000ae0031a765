/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of `cairn-format --image` and of the domain listing of
 * `--inspect`, on the real binary (argv[1]) and the real descriptions and
 * programs of the build (argv[2], build/apps). Each volume is read back
 * here with nothing but the format headers: superblock, boot node, each
 * domain's root, registers, capabilities and address space, and the
 * bytes of its pages against the ELF file. Bad descriptions and programs
 * must fail with one line and leave no file behind; a damaged image must
 * make --inspect print one line and exit 1, never crash. The scratch
 * directories, the tool runner and the readers are image_volume.c's.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairn/abi.h"
#include "cairn/key.h"
#include "cairn/keytab.h"
#include "cairn/node.h"
#include "cairn/volume.h"
#include "image_volume.h"
#include "tool_run.h"

/* --- tests ----------------------------------------------------------- */

static void test_default_image(void **state)
{
	(void)state;
	char desc[4200];
	app_path(desc, sizeof(desc), "default.image");
	assert_int_equal(format_image(desc, "64M"), 0);
	assert_string_equal(err_text, "");
	assert_non_null(strstr(out_text, "cairn-format: wrote "));
	assert_non_null(strstr(out_text, " image: 21 domains, "));

	load_sb();
	assert_true(sb.boot_node_oid == 0);
	assert_true(sb.image_node_count > 0 && sb.image_page_count > 0);
	enum { N = 21 };
	struct domain_info d[N + 1];
	assert_int_equal(boot_domains(d, N + 1), N);
	static const char *const names[N] = { "hello",         "counter",     "ping",
					      "pong",          "mover",       "account1",
					      "account2",      "account3",    "bank",
					      "bankreaper",    "enet",        "enetirq",
					      "httpstack",     "httpstackrx", "httpstacktick",
					      "http",          "echostack",   "echostackrx",
					      "echostacktick", "udpecho",     "enetcommit" };
	static const char *const elves[N] = { "hello.elf",      "counter.elf", "pingpong.elf",
					      "pingpong.elf",   "ledger.elf",  "ledger.elf",
					      "ledger.elf",     "ledger.elf",  "bank.elf",
					      "bankreaper.elf", "enet.elf",    "enet.elf",
					      "stack.elf",      "stack.elf",   "stack.elf",
					      "http.elf",       "stack.elf",   "stack.elf",
					      "stack.elf",      "udpecho.elf", "enet.elf" };
	/* udpecho: 9 << 16 | 7, its sum port and its echo port. */
	static const uint64_t a0[N] = { 0, 0, 0, 1, 0,  1, 2, 3, 1,           0, 0,
					1, 0, 1, 2, 80, 0, 1, 2, 9 << 16 | 7, 2 };
	/* Console labels: the domain's name, but ping and the mover print
	 * the pingpong and ledger lines, enet's helper prints as enet, and a
	 * stack's helpers as their stack. */
	static const char *const labels[N] = { "hello",     "counter",    "pingpong",  "pong",
					       "ledger",    "account1",   "account2",  "account3",
					       "bank",      "bankreaper", "enet",      "enet",
					       "httpstack", "httpstack",  "httpstack", "http",
					       "echostack", "echostack",  "echostack", "udpecho",
					       "enet" };
	/* The badge of each demo's start key to its bank, register 6
	 * (bank/domain/boot_banks.c). */
	static const unsigned bank_badge[8] = { 3, 5, 7, 9, 11, 13, 15, 17 };
	for (int i = 0; i < N; i++) {
		assert_string_equal(d[i].name, names[i]);
		assert_true(d[i].run);
		struct node r = get_node(d[i].root);
		assert_int_equal(cairn_key_type(key(&r, CAIRN_DOM_SLOT_SPACE)), CAIRN_KEY_SPACE);
		assert_int_equal(cairn_key_badge(key(&r, CAIRN_DOM_SLOT_SPACE)), 3);
		assert_true(cairn_key_is_void(key(&r, CAIRN_DOM_SLOT_KEEPER)));
		node_key(&r, CAIRN_DOM_SLOT_FPRS);
		assert_true((num(&r, CAIRN_DOM_SLOT_STATE) & 0xff) == CAIRN_DOM_RUNNING);
		assert_true(cairn_key_is_void(key(&r, CAIRN_DOM_SLOT_FCSR)));
		struct node caps = get_node(node_key(&r, CAIRN_DOM_SLOT_CAPS));
		assert_true(cairn_key_is_void(key(&caps, 0)));
		assert_int_equal(cairn_key_type(key(&caps, 1)), CAIRN_KEY_CONSOLE);
		uint8_t console[16];
		memset(console, 0, sizeof(console));
		cairn_key_set_type(console, CAIRN_KEY_CONSOLE);
		memcpy(console + CAIRN_KEY_OFF_LABEL, labels[i], strlen(labels[i]));
		assert_memory_equal(key(&caps, 1), console, 16);
		assert_int_equal(cairn_key_type(key(&caps, 2)), CAIRN_KEY_SLEEP);
		check_text_page(d[i].root, elves[i]);
		/* The stack: NX, zero, never written. */
		uint8_t k[16], page[4096], zero[4096] = { 0 };
		page_key(d[i].root, 0x8000000 - 4096, k);
		assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_NX);
		read_block(cairn_page_block(&sb, cairn_key_oid(k)), page);
		assert_memory_equal(page, zero, 4096);
	}
	/* ping calls pong; pong's a0 is 1; they share their text. */
	struct node ping = get_node(d[2].root), pong = get_node(d[3].root);
	struct node caps = get_node(node_key(&ping, CAIRN_DOM_SLOT_CAPS));
	assert_int_equal(cairn_key_type(key(&caps, 3)), CAIRN_KEY_START);
	assert_true(cairn_key_oid(key(&caps, 3)) == d[3].root);
	assert_int_equal(cairn_key_badge(key(&caps, 3)), 0);
	struct node regs = get_node(node_key(&pong, CAIRN_DOM_SLOT_GPRS));
	assert_true(num(&regs, CAIRN_REG_X(10)) == 1);
	uint8_t a[16], b[16];
	page_key(d[2].root, 0x10000, a);
	page_key(d[3].root, 0x10000, b);
	assert_true(cairn_key_oid(a) == cairn_key_oid(b));
	/* The mover calls the three accounts, registers 3..5; the four ledger
	 * domains share their text. */
	struct node mover = get_node(d[4].root);
	caps = get_node(node_key(&mover, CAIRN_DOM_SLOT_CAPS));
	page_key(d[4].root, 0x10000, a);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cairn_key_type(key(&caps, 3 + i)), CAIRN_KEY_START);
		assert_true(cairn_key_oid(key(&caps, 3 + i)) == d[5 + i].root);
		struct node acct = get_node(d[5 + i].root);
		regs = get_node(node_key(&acct, CAIRN_DOM_SLOT_GPRS));
		assert_true(num(&regs, CAIRN_REG_X(10)) == (uint64_t)(i + 1));
		page_key(d[5 + i].root, 0x10000, b);
		assert_true(cairn_key_oid(a) == cairn_key_oid(b));
	}

	/* --inspect: geometry, then exactly these domain lines. */
	assert_int_equal(run("--inspect", vol, NULL), 0);
	assert_string_equal(err_text, "");
	char want[8192], line[256];
	want[0] = '\0';
	for (int i = 0; i < N; i++) {
		struct elf_file e = read_elf(elves[i]);
		char arg[32] = "";
		if (a0[i])
			snprintf(arg, sizeof(arg), " a0=%" PRIu64, a0[i]);
		snprintf(line, sizeof(line),
			 "domain      %s root=%" PRIu64 " run pc=0x%" PRIx64 " sp=0x7fffff0%s\n"
			 "  cap 1     console label=%s\n"
			 "  cap 2     sleep\n",
			 names[i], d[i].root, (uint64_t)((const Elf64_Ehdr *)e.b)->e_entry, arg,
			 labels[i]);
		strcat(want, line);
		if (i == 2) {
			snprintf(line, sizeof(line), "  cap 3     start pong badge=0\n");
			strcat(want, line);
		}
		if (i == 4) {
			for (int j = 0; j < 3; j++) {
				snprintf(line, sizeof(line),
					 "  cap %d     start account%d badge=0\n", 3 + j, 1 + j);
				strcat(want, line);
			}
		}
		if (i < 8) {
			snprintf(line, sizeof(line), "  cap 6     start bank badge=%u\n",
				 bank_badge[i]);
			strcat(want, line);
		}
		if (i == 8) {
			snprintf(line, sizeof(line),
				 "  cap 3     range nodes first=%" PRIu64 " count=%" PRIu64 "\n"
				 "  cap 4     range pages first=%" PRIu64 " count=%" PRIu64 "\n"
				 "  cap 5     domain bank\n"
				 "  cap 6     discrim\n",
				 sb.image_node_count, sb.node_count - sb.image_node_count,
				 sb.image_page_count, sb.page_count - sb.image_page_count);
			strcat(want, line);
		}
		if (i == 9)
			strcat(want, "  cap 3     start bank badge=0\n");
		if (i == 10) {
			snprintf(line, sizeof(line),
				 "  cap 3     domain enet\n"
				 "  cap 4     start bank badge=19\n"
				 "  cap 5     dma\n"
				 "  cap 6     device 1 0\n"
				 "  cap 12    discrim\n");
			strcat(want, line);
		}
		if (i == 11)
			strcat(want, "  cap 6     device 1 0\n"
				     "  cap 7     start enet badge=0\n");
		/* The services: a stack's three domains (server, pump, timer) on
		 * enet session 1 or 2, then its client with its bank (21, 23). */
		if (i == 20)
			strcat(want, "  cap 3     checkpoint\n"
				     "  cap 7     start enet badge=0\n");
		if (i >= 12 && i < 20) {
			int svc = (i - 12) / 4, role = (i - 12) % 4;
			const char *stack = svc ? "echostack" : "httpstack";
			unsigned bank = svc ? 23 : 21;
			if (role == 0)
				snprintf(line, sizeof(line),
					 "  cap 3     start enet badge=%d\n"
					 "  cap 4     start bank badge=%u\n"
					 "  cap 5     domain %s\n",
					 svc + 1, bank, stack);
			else if (role == 1)
				snprintf(line, sizeof(line),
					 "  cap 3     start enet badge=%d\n"
					 "  cap 4     start %s badge=0\n",
					 svc + 1, stack);
			else if (role == 2)
				snprintf(line, sizeof(line), "  cap 4     start %s badge=0\n",
					 stack);
			else
				snprintf(line, sizeof(line),
					 "  cap 3     start %s badge=1\n"
					 "  cap 4     start bank badge=%u\n",
					 stack, bank);
			strcat(want, line);
		}
		free(e.b);
	}
	char *listing = strstr(out_text, "superblock  primary\n");
	assert_non_null(listing);
	assert_string_equal(listing + strlen("superblock  primary\n"), want);
	snprintf(line, sizeof(line),
		 "image       boot node 0, %" PRIu64 " nodes, %" PRIu64 " pages\n",
		 sb.image_node_count, sb.image_page_count);
	assert_non_null(strstr(out_text, line));
}

/* The range key of a domain's cap slot covers what the image left. */
static void check_range(uint64_t root, unsigned s)
{
	struct node r = get_node(root);
	struct node caps = get_node(node_key(&r, CAIRN_DOM_SLOT_CAPS));
	const uint8_t *k = key(&caps, s);
	assert_int_equal(cairn_key_type(k), CAIRN_KEY_RANGE);
	assert_int_equal(cairn_key_badge(k), CAIRN_RANGE_NODES);
	assert_true(cairn_key_oid(k) == sb.image_node_count);
	assert_true(cairn_key_alloc_count(k) == sb.node_count - sb.image_node_count);
	char line[128];
	snprintf(line, sizeof(line), "  cap %-5u range nodes first=%" PRIu64 " count=%" PRIu64 "\n",
		 s, sb.image_node_count, sb.node_count - sb.image_node_count);
	assert_non_null(strstr(out_text, line));
}

static void test_other_images(void **state)
{
	(void)state;
	char desc[4200];
	struct domain_info d[8];

	app_path(desc, sizeof(desc), "hostile.image");
	assert_int_equal(format_image(desc, "64M"), 0);
	assert_int_equal(run("--inspect", vol, NULL), 0);
	load_sb();
	assert_int_equal(boot_domains(d, 8), 5);
	check_range(d[0].root, 4);
	assert_non_null(strstr(out_text, "domain      hostile root=1 run pc=0x10000 sp=0x7fffff0 "
					 "keeper=hostkeeper\n"));
	assert_non_null(strstr(out_text, " a0=3 space-keeper=selfkeep\n"));
	struct node self = get_node(d[3].root);
	const uint8_t *space = key(&self, CAIRN_DOM_SLOT_SPACE);
	assert_int_equal(cairn_key_rights(space), CAIRN_RIGHT_KEEPER);
	struct node wrapper = get_node(cairn_key_oid(space));
	assert_int_equal(cairn_key_type(key(&wrapper, 1)), CAIRN_KEY_START);
	assert_true(cairn_key_oid(key(&wrapper, 1)) == d[3].root);
	check_text_page(d[3].root, "hostile.elf"); /* through the wrapper */

	app_path(desc, sizeof(desc), "nodetouch.image");
	assert_int_equal(run("--force", "--size", "64M", "--image", desc, vol, NULL), 0);
	assert_int_equal(run("--inspect", vol, NULL), 0);
	load_sb();
	assert_int_equal(boot_domains(d, 8), 1);
	check_range(d[0].root, 3);

	app_path(desc, sizeof(desc), "bench.image");
	assert_int_equal(run("--force", "--size", "64M", "--image", desc, vol, NULL), 0);
	assert_int_equal(run("--inspect", vol, NULL), 0);
	assert_non_null(strstr(out_text, "  cap 3     number 42\n  cap 5     domain bench\n"));
	load_sb();
	assert_int_equal(boot_domains(d, 8), 4); /* bench, ping, pong, echo */
	/* bench's 2M heap, from the page after its program. */
	struct elf_file e = read_elf("bench.elf");
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e.b;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(e.b + eh->e_phoff);
	uint64_t end = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	end = (end + 4095) & ~4095ull;
	uint8_t k[16];
	page_key(d[0].root, end, k);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_NX);
	page_key(d[0].root, end + (2 << 20) - 4096, k);
	free(e.b);
}

static void test_empty_description(void **state)
{
	(void)state;
	char desc[4200];
	snprintf(desc, sizeof(desc), "%s/empty.image", dir);
	FILE *f = fopen(desc, "w");
	fputs("# nothing\n", f);
	fclose(f);
	assert_int_equal(format_image(desc, "1M"), 0);
	assert_non_null(strstr(out_text, " image: 0 domains, 0 nodes, 0 pages"));
	load_sb();
	assert_true(sb.boot_node_oid == CAIRN_OID_NONE);
	assert_true(sb.image_node_count == 0 && sb.image_page_count == 0);
	assert_int_equal(run("--inspect", vol, NULL), 0);
	assert_non_null(strstr(out_text, "image       none\nsuperblock  primary\n"));
	assert_null(strstr(out_text, "domain"));
}

/* Only the given names (a NULL-terminated list) may be in the test
 * directory: no volume, no temporary file. */
static void expect_dir(const char *first, ...)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		bool listed = false;
		va_list ap;
		va_start(ap, first);
		for (const char *n = first; n && !listed; n = va_arg(ap, const char *))
			listed = strcmp(de->d_name, n) == 0;
		va_end(ap);
		if (!listed)
			fail_msg("unexpected file %s", de->d_name);
	}
	closedir(dp);
}

static void write_file(const char *name, const char *text)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Fails with exactly "cairn-format: <prefix>...<needle>..." and one line. */
static void expect_failure(const char *desc, const char *size, const char *prefix,
			   const char *needle)
{
	assert_int_equal(format_image(desc, size), 1);
	if (strncmp(err_text, prefix, strlen(prefix)) != 0 || !strstr(err_text, needle))
		print_error("stderr '%s' (wanted '%s' ... '%s')\n", err_text, prefix, needle);
	assert_memory_equal(err_text, prefix, strlen(prefix));
	assert_non_null(strstr(err_text, needle));
	assert_int_equal(strchr(err_text, '\n') - err_text, strlen(err_text) - 1);
	assert_string_equal(out_text, "");
}

static void test_errors_write_nothing(void **state)
{
	(void)state;
	char desc[4200], prefix[4400], elf[4200];
	snprintf(desc, sizeof(desc), "%s/t.image", dir);

	write_file("t.image", "program h hello.elf\ndomain d program=h\n  cap 1 consol\n");
	snprintf(prefix, sizeof(prefix), "cairn-format: %s:3: ", desc);
	expect_failure(desc, "64M", prefix, "unknown key 'consol'");
	expect_dir("t.image", NULL);

	snprintf(elf, sizeof(elf), "%s/hello.elf", apps);
	char text[8400];
	snprintf(text, sizeof(text), "program h %s\ndomain d program=h stack=200M\n", elf);
	write_file("t.image", text);
	snprintf(prefix, sizeof(prefix), "cairn-format: %s:2: ", desc);
	expect_failure(desc, "64M", prefix, "stack=204800K does not fit");
	expect_dir("t.image", NULL);

	/* Programs: missing, not an ELF, not RISC-V. */
	write_file("t.image", "program h nope.elf\n");
	snprintf(prefix, sizeof(prefix), "cairn-format: %s/nope.elf: ", dir);
	expect_failure(desc, "64M", prefix, "No such file or directory");
	expect_dir("t.image", NULL);
	write_file("t.image", "program h t.image\n");
	snprintf(prefix, sizeof(prefix), "cairn-format: %s/t.image: ", dir);
	expect_failure(desc, "64M", prefix, "not an ELF file");
	struct elf_file e = read_elf("hello.elf");
	((Elf64_Ehdr *)e.b)->e_machine = EM_AARCH64;
	char x86[4200];
	snprintf(x86, sizeof(x86), "%s/arm.elf", dir);
	FILE *f = fopen(x86, "wb");
	fwrite(e.b, 1, e.len, f);
	fclose(f);
	free(e.b);
	write_file("t.image", "program h arm.elf\ndomain d program=h\n");
	snprintf(prefix, sizeof(prefix), "cairn-format: %s: ", x86);
	expect_failure(desc, "64M", prefix, "not a RISC-V program");
	expect_dir("t.image", "arm.elf", NULL);

	/* The description itself missing. */
	snprintf(desc, sizeof(desc), "%s/none.image", dir);
	snprintf(prefix, sizeof(prefix), "cairn-format: %s: ", desc);
	expect_failure(desc, "64M", prefix, "No such file or directory");

	/* Too big for the volume: no volume. */
	app_path(desc, sizeof(desc), "default.image");
	snprintf(prefix, sizeof(prefix), "cairn-format: %s: the image needs ", desc);
	assert_int_equal(run("--size", "64M", "--nodes", "7", "--image", desc, vol, NULL), 1);
	assert_memory_equal(err_text, prefix, strlen(prefix));
	assert_non_null(strstr(err_text, "nodes but the volume has only 7"));
	expect_dir("t.image", "arm.elf", NULL);
	/* 300K: 28 nodes, 2 pages; one hello domain needs 10 nodes, 19 pages. */
	snprintf(text, sizeof(text), "program h %s\ndomain d program=h\n", elf);
	write_file("t.image", text);
	snprintf(desc, sizeof(desc), "%s/t.image", dir);
	snprintf(prefix, sizeof(prefix), "cairn-format: %s: the image needs 19 pages", desc);
	expect_failure(desc, "300K", prefix, "but the volume has only 2 (give a larger --size)");
	expect_dir("t.image", "arm.elf", NULL);

	/* An existing volume is left alone, even with --force. */
	write_file("vol.img", "precious");
	write_file("t.image", "domain x program=nothing\n");
	snprintf(desc, sizeof(desc), "%s/t.image", dir);
	assert_int_equal(run("--force", "--size", "64M", "--image", desc, vol, NULL), 1);
	assert_non_null(strstr(err_text, ":1: unknown program 'nothing'"));
	char buf[64];
	slurp_text(vol, buf, sizeof(buf));
	assert_string_equal(buf, "precious");
	expect_dir("t.image", "arm.elf", "vol.img", NULL);
}

/* Damage one node pot of the volume and see --inspect report it. */
static void damage(uint64_t oid, unsigned s, uint8_t type, uint64_t target)
{
	uint8_t pot[4096];
	uint64_t block = cairn_node_pot_block(&sb, oid);
	read_block(block, pot);
	uint8_t *k = cairn_node_slot(pot + cairn_node_pot_offset(oid), s);
	cairn_key_clear(k);
	cairn_key_set_type(k, type);
	cairn_key_set_oid(k, target);
	write_block(block, pot);
}

static void expect_inspect_error(const char *needle)
{
	char prefix[4300];
	snprintf(prefix, sizeof(prefix), "cairn-format: %s: %s\n", vol, needle);
	assert_int_equal(run("--inspect", vol, NULL), 1);
	assert_string_equal(err_text, prefix);
	assert_non_null(strstr(out_text, "superblock  primary\n")); /* geometry still shown */
	assert_null(strstr(out_text, "domain "));
}

static void test_inspect_damaged(void **state)
{
	(void)state;
	char desc[4200];
	app_path(desc, sizeof(desc), "default.image");
	assert_int_equal(format_image(desc, "64M"), 0);
	load_sb();

	damage(0, 0, 99, 1);
	expect_inspect_error("boot node 0: slot 0 is not a domain key");
	damage(0, 0, CAIRN_KEY_DOMAIN, sb.node_count);
	expect_inspect_error("boot node 0: slot 0 is not a domain key");
	damage(0, 0, CAIRN_KEY_DOMAIN, 1);
	damage(0, 31, CAIRN_KEY_NODE, 0);
	expect_inspect_error("boot node chain loops back to node 0");
	damage(0, 31, CAIRN_KEY_NODE, 1000000000);
	expect_inspect_error("boot node 0: next boot node 1000000000 is outside the node pool");
	damage(0, 31, CAIRN_KEY_NODE, UINT32_MAX);
	expect_inspect_error("boot node 0: next boot node 4294967295 is outside the node pool");
	damage(0, 31, CAIRN_KEY_START, 1);
	expect_inspect_error("boot node 0: slot 31 is not a node key");
	damage(0, 31, CAIRN_KEY_VOID, 0);
	damage(0, 30, CAIRN_KEY_PAGE, 0);
	expect_inspect_error("boot node 0: slot 30 is not a number key");
	damage(0, 30, CAIRN_KEY_NUMBER, 0xf); /* the low word is where the OID goes */

	/* Inside a domain, odd keys are shown as `?` (or left out), and
	 * nothing is an error: a running system changes its domains. */
	struct domain_info d[21];
	assert_int_equal(boot_domains(d, 21), 21);
	damage(d[0].root, CAIRN_DOM_SLOT_GPRS, CAIRN_KEY_PAGE, 0);
	damage(d[0].root, CAIRN_DOM_SLOT_CAPS, CAIRN_KEY_NODE, UINT64_MAX);
	damage(d[0].root, CAIRN_DOM_SLOT_STATE, CAIRN_KEY_CONSOLE, 0);
	damage(d[1].root, CAIRN_DOM_SLOT_BRAND, CAIRN_KEY_VOID, 0);
	/* Console keys with no label, and with a malformed one (a byte
	 * after the first NUL): both write nothing. */
	struct node r2 = get_node(d[2].root), r3 = get_node(d[3].root);
	damage(node_key(&r2, CAIRN_DOM_SLOT_CAPS), 1, CAIRN_KEY_CONSOLE, 0);
	damage(node_key(&r3, CAIRN_DOM_SLOT_CAPS), 1, CAIRN_KEY_CONSOLE, 'a');
	/* Keys no image makes are listed by the key table's object column:
	 * a type with no object by its name alone, one with an object with
	 * its OID; a type the table does not have by its number. */
	struct node r4 = get_node(d[4].root);
	uint64_t caps4 = node_key(&r4, CAIRN_DOM_SLOT_CAPS);
	damage(caps4, 20, CAIRN_KEY_DMA, 5);
	damage(caps4, 21, CAIRN_KEY_RESUME, 7);
	damage(caps4, 22, 99, 7);
	assert_int_equal(run("--inspect", vol, NULL), 0);
	assert_non_null(strstr(out_text, "\n  cap 20    dma\n  cap 21    resume 7\n"
					 "  cap 22    type=99\n"));
	assert_non_null(strstr(out_text, "\n  cap 1     console\n  cap 2     sleep\n"));
	assert_non_null(strstr(out_text, "\n  cap 1     console label=?\n  cap 2     sleep\n"));
	char line[128];
	snprintf(line, sizeof(line),
		 "\ndomain      hello root=%" PRIu64 " state=? pc=? sp=?\ndomain", d[0].root);
	assert_non_null(strstr(out_text, line));
	snprintf(line, sizeof(line), "\ndomain      - root=%" PRIu64 " run ", d[1].root);
	assert_non_null(strstr(out_text, line));
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s CAIRN_FORMAT APPS_DIR\n", argv[0]);
		return 2;
	}
	/* Absolute, since the tests run in their own directories. */
	static char tool_abs[PATH_MAX], apps_abs[PATH_MAX];
	if (!realpath(argv[1], tool_abs) || !realpath(argv[2], apps_abs)) {
		perror("realpath");
		return 2;
	}
	tool = tool_abs;
	apps = apps_abs;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_image, image_setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_images, image_setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_description, image_setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_write_nothing, image_setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_damaged, image_setup, teardown),
	};
	return cmocka_run_group_tests_name("image_cli", tests, NULL, NULL);
}
