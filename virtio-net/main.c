/* SPDX-License-Identifier: MIT */
/*
 * The enet domain (docs/network.md), two domains of one program:
 *
 *  - arg 0, enet: the virtio-net driver and the packet multiplexer, a
 *    server that only ever waits for calls. Its clients call it with their
 *    session's badge (1..VNET_SESSIONS, vnet_client.c); its interrupt
 *    helper calls it with badge 0 when the device interrupts, and every
 *    interrupt ends with transmit rounds for the sessions' backlogs.
 *  - arg 1, the interrupt helper: loops on DEVICE_WAIT and calls enet
 *    (ENET_IRQ, w0 = what the wait answered) after each interrupt, so enet
 *    never blocks in the kernel while a client could be calling it. The
 *    kernel waits for neither: the device's line stays masked until the
 *    helper waits again (docs/invocations.md "Device").
 *
 * Lines: "enet: up: mac ... ip 10.0.2.15, rx N tx N buffers, bring-up K"
 * at every bring-up; "enet: no network device: idle" when the machine
 * has none (the helper then stops, and every ATTACH answers NO_DEVICE);
 * "enet: device refused: ..." or "enet: device error: ..." when the
 * device does not do what virtio 1.2 says.
 *
 *  - arg 2, the commit helper (vnet_hold.c): holds nothing itself; waits
 *    for checkpoints to commit (CHECKPOINT DURABLE) and tells enet to let
 *    the output they hold go. Without it (apps/enet.image) nothing is held.
 *
 * Capability registers: vnet.h (enet); the interrupt helper's 1 console,
 * 2 sleep, 6 device net, 7 a start key to enet with badge 0; the commit
 * helper's 1 console, 2 sleep, 3 the checkpoint key, 7 a start key to
 * enet with badge 0.
 */
#include <inttypes.h>
#include <stdio.h>

#include "vnet.h"

struct vnet vnet;

/* The guest's address on QEMU's user network (slirp's 10.0.2.0/24, where
 * the guest is 10.0.2.15 and the host 10.0.2.2). */
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };

/* Before any order: a device that went away (a boot since, a reset) is
 * brought up again, its pages bought first if they never were; clients
 * see nothing of it. */
static void check_device(void)
{
	if (!vnet.up || vnet_device_lost())
		if (vnet_mem_buy() && vnet_bring_up() != CAIRN_OK)
			vnet.up = false;
}

/* Nothing is bought for a machine with no NIC. */
static void first_start(void)
{
	enet_ports_init(&vnet.ports);
	enet_txsched_init(&vnet.txsched, VNET_TX_BUDGET);
	for (unsigned i = 0; i < 4; i++)
		vnet.addr.ip[i] = guest_ip[i];
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_DEVICE_INFO(VNET_CAP_DEVICE, &io);
	if (rc == CAIRN_NO_DEVICE) {
		printf("no network device: idle\n");
		return;
	}
	check_device();
}

static uint64_t irq(void)
{
	check_device();
	vnet_serve_device();
	if (!vnet.up) /* a device error, or a boot found by the SYNC */
		check_device();
	vnet_tx_rounds(); /* the device has room again: backlogged sessions go on */
	return CAIRN_OK;
}

static __attribute__((noreturn)) void serve(void)
{
	const struct cairn_rcv rcv = { .keys = { VNET_CAP_TMP }, .resume = VNET_CAP_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		uint64_t badge = in.info & CAIRN_INFO_BADGE_MASK;
		struct cairn_msg out = { 0 };
		bool parked = false;
		if (badge == 0 && in.code == CAIRN_SO_ENET_IRQ) {
			out.order = irq();
		} else if (badge == 0 &&
			   (in.code == CAIRN_SO_ENET_HOLD || in.code == CAIRN_SO_ENET_RELEASE)) {
			/* After a resume RELEASE may be enet's first call: the
			 * rings are this boot's before any transmit round. */
			if (vnet.present)
				check_device();
			out.order = vnet_hold_order(in.code, &in, &out, &parked);
		} else if (badge >= 1 && badge <= VNET_SESSIONS && in.code != CAIRN_SO_ENET_IRQ) {
			if (vnet.present)
				check_device();
			out.order = vnet_client_order((uint32_t)badge, &in, &out, &parked);
		} else {
			out.order = CAIRN_RESTRICTED;
		}
		vnet_hold_poll(); /* frames sent are held: the commit helper may go on */
		if (parked)
			cairn_wait(&rcv, &in); /* answered when its frame comes */
		else
			cairn_return(VNET_CAP_RESUME, &out, &rcv, &in);
	}
}

/* The helper: every interrupt becomes a call to enet. */
static __attribute__((noreturn)) void helper(void)
{
	for (;;) {
		struct cairn_io io = { 0 };
		uint64_t rc = cairn_inv_DEVICE_WAIT(VNET_CAP_DEVICE, &io);
		if (rc == CAIRN_NO_DEVICE)
			cairn_exit(); /* nothing will ever interrupt */
		const struct cairn_msg m = { .order = CAIRN_SO_ENET_IRQ, .w = { rc } };
		cairn_call(VNET_CAP_ENET, &m, NULL, NULL);
	}
}

/* The commit helper (vnet_hold.c): the loop that lets held output go
 * once a checkpoint holding it has committed. */
static __attribute__((noreturn)) void commit_helper(void)
{
	for (;;) {
		struct cairn_io io = { 0 };
		uint64_t on = cairn_inv_CHECKPOINT_EPOCH(VNET_COMMIT_CAP_CKPT, &io) == CAIRN_OK &&
			      io.w[2] == 1;
		const struct cairn_msg hold = { .order = CAIRN_SO_ENET_HOLD, .w = { on } };
		struct cairn_reply r;
		if (cairn_call(VNET_CAP_ENET, &hold, NULL, &r) != CAIRN_OK || r.w[0] != 1)
			continue; /* a new boot, or holding off: ask again */
		struct cairn_io ep = { 0 };
		if (cairn_inv_CHECKPOINT_EPOCH(VNET_COMMIT_CAP_CKPT, &ep) != CAIRN_OK)
			continue;
		struct cairn_io d = { .w = { ep.w[0] } };
		while (cairn_inv_CHECKPOINT_DURABLE(VNET_COMMIT_CAP_CKPT, &d) != CAIRN_OK) {
			/* Checkpoints stopped: nothing becomes durable, nothing
			 * is released (a restart resumes from the last commit). */
			struct cairn_io z = { .w = { 1000 } };
			cairn_inv_SLEEP_FOR(VNET_COMMIT_CAP_SLEEP, &z);
		}
		const struct cairn_msg rel = { .order = CAIRN_SO_ENET_RELEASE };
		cairn_call(VNET_CAP_ENET, &rel, NULL, NULL);
	}
}

int main(uint64_t arg)
{
	if (arg == 1)
		helper();
	if (arg == 2)
		commit_helper();
	first_start(); /* main runs once in a domain's life: a resume goes on from the cut */
	serve();
}
