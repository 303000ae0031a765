/* SPDX-License-Identifier: MIT */
/*
 * devtest: the DEVICE key from a driver's side (docs/invocations.md
 * "Device"), under QEMU with a virtio-net device (test/qemu/test_device.py).
 * It prints one line per case, "devtest: <case>: ok" or "FAIL <what>",
 * then "devtest: ready" and, after every boot that follows, the answer of
 * its first DEVICE_INFO: "devtest: after the restart: DEVICE_RESET".
 *
 * Capability registers (apps/devtest.image): 1 console, 2 sleep, 3 its
 * own domain key, 4 a node range, 5 device net, 6 device block (the
 * kernel's disk), 7 device entropy (none on the test machine), 8 the
 * checkpoint key; 9..15 scratch.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cairn.h"

enum {
	CAP_SLEEP = 2,
	CAP_SELF = 3,
	CAP_NODES = 4,
	CAP_NET = 5,
	CAP_BLOCK = 6,
	CAP_ENTROPY = 7,
	CAP_CKPT = 8,
	CAP_SPACE = 9,
	CAP_LEAF = 10,
	CAP_LEAF_SPACE = 11,
};

/* Slot 20 of the height-3 top node: the 4 MiB at 0x5000000. */
#define DEV_SLOT 20
#define DEV_VA   (DEV_SLOT * (4ull << 20))

static bool failed;

static void fail(const char *name, const char *what, uint64_t got)
{
	printf("%s: FAIL %s (got %#" PRIx64 ")\n", name, what, got);
	failed = true;
}

static uint64_t info(cap_t dev, struct cairn_io *io)
{
	*io = (struct cairn_io){ 0 };
	return cairn_inv_DEVICE_INFO(dev, io);
}

static void case_reset_then_info(void)
{
	const char *name = "first use answers DEVICE_RESET, then INFO";
	struct cairn_io io;
	uint64_t rc = info(CAP_NET, &io);
	if (rc != CAIRN_DEVICE_RESET)
		return fail(name, "first INFO is not DEVICE_RESET", rc);
	rc = info(CAP_NET, &io);
	if (rc != CAIRN_OK)
		return fail(name, "second INFO", rc);
	if (io.w[0] != 1 || io.w[1] != 0 || io.w[2] == 0)
		return fail(name, "INFO's device ID, instance or interrupt", io.w[0]);
	printf("%s: ok\n", name);
}

static void case_no_device(void)
{
	const char *name = "the kernel's disk and absent devices are NO_DEVICE";
	struct cairn_io io;
	uint64_t rc = info(CAP_BLOCK, &io);
	if (rc != CAIRN_NO_DEVICE)
		return fail(name, "device block", rc);
	rc = info(CAP_ENTROPY, &io);
	if (rc != CAIRN_NO_DEVICE)
		return fail(name, "device entropy", rc);
	printf("%s: ok\n", name);
}

/* The net device's key as the only key of a height-1 leaf, in slot 20 of
 * the domain's own top node. */
static uint64_t map_device(void)
{
	uint64_t rc;
	struct cairn_io io = { .w = { 0 }, .rkeys = { CAP_LEAF } };
	if ((rc = cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    (rc = cairn_inv_RANGE_MAKE_KEY(CAP_NODES, &io)) ||
	    (rc = cairn_node_swap(CAP_LEAF, 0, CAP_NET, 0)))
		return rc;
	io = (struct cairn_io){ .w = { 1, 0 }, .rkeys = { CAP_LEAF_SPACE } };
	if ((rc = cairn_inv_NODE_MAKE_SPACE(CAP_LEAF, &io)))
		return rc;
	return cairn_node_swap(CAP_SPACE, DEV_SLOT, CAP_LEAF_SPACE, 0);
}

static void case_registers(void)
{
	const char *name = "the key in a space maps the registers";
	uint64_t rc = map_device();
	if (rc)
		return fail(name, "mapping", rc);
	volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)DEV_VA;
	/* virtio 1.2 §4.2.2: MagicValue, Version, DeviceID. */
	if (regs[0] != 0x74726976)
		return fail(name, "MagicValue", regs[0]);
	if (regs[1] != 2)
		return fail(name, "Version", regs[1]);
	if (regs[2] != 1)
		return fail(name, "DeviceID", regs[2]);
	regs[0x70 / 4] = 0; /* Status: reset the device, a write that must land */
	if (regs[0x70 / 4] != 0)
		return fail(name, "Status after reset", regs[0x70 / 4]);
	printf("%s: ok\n", name);
}

static void case_not_a_string(void)
{
	const char *name = "device registers are never a string";
	const struct cairn_msg m = { .order = CAIRN_OC_CONSOLE_WRITE,
				     .str = (const void *)(uintptr_t)DEV_VA,
				     .len = 8 };
	uint64_t rc = cairn_call(1, &m, NULL, NULL);
	if (rc != CAIRN_BAD_STRING)
		return fail(name, "CONSOLE WRITE from the register page", rc);
	printf("%s: ok\n", name);
}

/* A checkpoint that holds this domain after the cases, so the restart's
 * first INFO is the one that must answer DEVICE_RESET. */
static void checkpoint(void)
{
	uint64_t gen = cairn_checkpoint_and_wait(CAP_CKPT, CAP_SLEEP, 20000);
	if (gen)
		printf("ready: checkpoint %" PRIu64 " committed\n", gen);
	else
		printf("FAIL the checkpoint never committed\n");
}

int main(uint64_t arg)
{
	(void)arg;
	case_reset_then_info();
	case_no_device();
	case_registers();
	case_not_a_string();
	printf("cases done%s\n", failed ? ", with failures" : "");
	checkpoint();
	/* From here on, every loop: after a restart, the first INFO says
	 * DEVICE_RESET (and the mapping, in the checkpointed space, still
	 * reads the device). */
	for (;;) {
		struct cairn_io io;
		uint64_t rc = info(CAP_NET, &io);
		if (rc == CAIRN_DEVICE_RESET) {
			volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)DEV_VA;
			printf("after the restart: DEVICE_RESET, magic %#" PRIx32 "\n", regs[0]);
		} else if (rc != CAIRN_OK) {
			printf("FAIL INFO after the cases: %" PRIu64 "\n", rc);
		}
		cairn_sleep_for(CAP_SLEEP, 50);
	}
}
