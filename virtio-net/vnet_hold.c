/* SPDX-License-Identifier: MIT */
/*
 * Output commit in enet (docs/network.md "Output commit"): no frame a
 * session sends leaves the machine before the checkpoint whose snapshot
 * holds the state that produced it has committed.
 *
 * Where the output waits: in the session's own TX_ACTIVE queue and
 * transmit buffers (virtio-net/proto/session.h: hold, tx_mark,
 * tx_release). They are the client's storage and persistent like all
 * storage, so a held frame is in every snapshot taken while it waits and
 * a resume finds it still queued; a stack that sends faster than
 * checkpoints commit runs out of its own buffers, no other session's.
 * Nothing is copied for holding, and enet's own memory holds no output.
 *
 * Who waits for the commit: enet's commit helper (arg 2, main.c), never
 * enet, which waits for nobody (seed 003). The helper loops:
 *   CHECKPOINT EPOCH            w2: is output commit on this boot?
 *   ENET HOLD  w0 = on          enet turns holding on or off for every
 *                               session; if on, it marks each session's
 *                               queued frames (their client's tail) and
 *                               answers w0 = 1 if any is beyond its
 *                               release point, else parks the helper until
 *                               one is (or a new boot: w0 = 0, ask again);
 *   CHECKPOINT EPOCH -> g       taken after the marks: snapshot g holds
 *                               every marked frame and its producer's state;
 *   CHECKPOINT DURABLE g        the kernel parks the helper until g commits
 *                               (and asks for an early checkpoint);
 *   ENET RELEASE                every mark becomes its session's release
 *                               point; transmit rounds send them, in order.
 * A kill anywhere in the loop resumes from a snapshot in which the helper
 * is in that loop; DURABLE for a recovered generation answers at once, so
 * frames marked before the snapshot go out after the resume (perhaps a
 * second time: duplicates are the network's to absorb, a loss would not be).
 *
 * Frames enet makes itself (ARP and ICMP echo replies, vnet_frames.c) are
 * not held: each is a function of the request and enet's fixed address,
 * and no crash takes back anything they reveal.
 */
#include <stdio.h>

#include "vnet.h"

static void answer_holder(uint64_t w0)
{
	vnet.holder_parked = false;
	const struct cairn_msg m = { .order = CAIRN_OK, .w = { w0 } };
	cairn_send(VNET_CAP_HOLDER, &m); /* a SEND on a resume key never waits */
}

/* Mark every attached session; true if any has frames to release. */
static bool mark_all(void)
{
	bool any = false;
	for (uint32_t s = 1; s <= VNET_SESSIONS; s++)
		if (vnet.session[s].attached && enet_session_tx_mark(&vnet.session[s].core))
			any = true;
	return any;
}

static void hold_all(bool on)
{
	vnet.hold = on;
	for (uint32_t s = 1; s <= VNET_SESSIONS; s++)
		enet_session_hold(&vnet.session[s].core, on);
}

static uint64_t hold(uint64_t on, struct cairn_msg *out, bool *parked)
{
	if (on > 1)
		return CAIRN_BAD_ARGUMENT;
	hold_all(on);
	if (!on) {
		vnet_tx_rounds(); /* what was held goes now */
	} else if (mark_all()) {
		out->w[0] = 1;
		return CAIRN_OK;
	}
	struct cairn_io io = { .w = { VNET_CAP_RESUME }, .rkeys = { VNET_CAP_HOLDER } };
	uint64_t rc = cairn_inv_DOMAIN_GET_CAP(VNET_CAP_SELF, &io);
	if (rc)
		return rc;
	vnet.holder_parked = *parked = true;
	return CAIRN_OK;
}

static uint64_t release(void)
{
	for (uint32_t s = 1; s <= VNET_SESSIONS; s++)
		enet_session_tx_release(&vnet.session[s].core);
	vnet.releases++;
	vnet_tx_rounds();
	return CAIRN_OK;
}

uint64_t vnet_hold_order(uint64_t code, const struct cairn_reply *in, struct cairn_msg *out,
			 bool *parked)
{
	*parked = false;
	if (vnet.holder_parked)
		return CAIRN_BAD_ARGUMENT; /* one helper, and it is waiting */
	if (code == CAIRN_SO_ENET_HOLD)
		return hold(in->w[0], out, parked);
	return release();
}

void vnet_hold_poll(void)
{
	if (vnet.holder_parked && vnet.hold && mark_all())
		answer_holder(1);
}

void vnet_hold_new_boot(void)
{
	if (vnet.holder_parked)
		answer_holder(0); /* the mode may have changed: the helper asks again */
}

void vnet_hold_session_started(uint32_t s)
{
	enet_session_hold(&vnet.session[s].core, vnet.hold);
}
