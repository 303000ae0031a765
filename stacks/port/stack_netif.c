/* SPDX-License-Identifier: MIT */
/*
 * The netif over enet's session view (stack_netif.h says what it keeps).
 * Portable C: the rings and buffers are plain memory here, enet's side of
 * them is someone else's concern.
 */
#include "stack_netif.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h" /* tcp_txnow */
#include "netif/ethernet.h"

const char *const stack_port_stat_names[STACK_PORT_STAT_COUNT] = {
#define STACK_PORT_STAT_NAME(name, what) [STACK_PORT_STAT_##name] = #name,
	STACK_PORT_STATS(STACK_PORT_STAT_NAME)
#undef STACK_PORT_STAT_NAME
};

uint64_t stack_port_stat_get(const struct stack_port_stats *st, unsigned i)
{
	switch (i) {
#define STACK_PORT_STAT_CASE(name, what) \
	case STACK_PORT_STAT_##name:     \
		return st->name;
		STACK_PORT_STATS(STACK_PORT_STAT_CASE)
#undef STACK_PORT_STAT_CASE
	default:
		return 0;
	}
}

static struct stack_netif *of(struct netif *n)
{
	return (struct stack_netif *)n->state;
}

/* Give receive buffer `index` back to enet. The ring holds ENET_VIEW_RING_CAP
 * (32) descriptors and the region fewer buffers (client.h), so it is never
 * full unless enet itself misbehaves; then the buffer is lost to this
 * session. */
static void rx_repost(struct stack_netif *s, uint32_t index)
{
	if (!enet_client_put(s->view.ring[ENET_Q_RX_FREE], (uint64_t)index * s->rx_buf, 0))
		s->stats.rx_repost_full++;
}

/* The custom free of a by-reference pbuf: lwIP dropped its last reference,
 * so nothing points into the buffer any more and enet may fill it. */
static void rx_ref_free(struct pbuf *p)
{
	struct stack_rx_ref *r = (struct stack_rx_ref *)p;
	struct stack_netif *s = r->owner;
	r->held = false;
	s->rx_held--;
	rx_repost(s, r->index);
}

/* An Ethernet/IPv4 frame with at least an IPv4 header: its ethertype,
 * version and protocol bytes are in bounds. Checked again by lwIP. */
static bool is_ipv4(const uint8_t *f, uint32_t len)
{
	return len >= STACK_ETH_HDR + 20u && ((uint32_t)f[12] << 8 | f[13]) == ETHTYPE_IP &&
	       (f[STACK_ETH_HDR] >> 4) == 4u;
}

static bool is_udp(const uint8_t *f, uint32_t len)
{
	return is_ipv4(f, len) && f[STACK_ETH_HDR + 9] == IP_PROTO_UDP;
}

/* enet keeps ARP replies, so the neighbour's MAC is learned from its IPv4
 * frames (stack_netif.h): the sender itself when on the link, else the
 * gateway it came through. Installed when new or changed, within
 * STACK_ARP_LEARNED, always keeping a place for the gateway. */
static void learn(struct stack_netif *s, const uint8_t *f, uint32_t len)
{
	if (!is_ipv4(f, len))
		return;
	ip4_addr_t src;
	memcpy(&src.addr, f + STACK_ETH_HDR + 12, 4); /* network order, as lwIP keeps it */
	const struct netif *n = &s->netif;
	const ip4_addr_t *who = &src;
	if (!ip4_addr_netcmp(&src, netif_ip4_addr(n), netif_ip4_netmask(n)))
		who = netif_ip4_gw(n);
	/* nobody's address: ours, any, broadcast, multicast, or a group MAC */
	if (ip4_addr_isany(who) || ip4_addr_cmp(who, netif_ip4_addr(n)) ||
	    ip4_addr_isbroadcast(who, n) || ip4_addr_ismulticast(who) || (f[6] & 1u))
		return;
	const ip4_addr_t *gw = netif_ip4_gw(n);
	uint32_t i, others = 0;
	for (i = 0; i < s->nlearned; i++) {
		if (ip4_addr_cmp(&s->learned[i].ip, who))
			break;
		others += !ip4_addr_cmp(&s->learned[i].ip, gw);
	}
	if (i < s->nlearned) {
		if (memcmp(s->learned[i].mac, f + 6, 6) == 0)
			return; /* known, unchanged: the common case, no table search */
	} else if (i == STACK_ARP_LEARNED ||
		   (!ip4_addr_cmp(who, gw) && others >= STACK_ARP_LEARNED - 1)) {
		s->stats.arp_learn_full++; /* the gateway's place is kept */
		return;
	}
	struct eth_addr mac;
	memcpy(mac.addr, f + 6, 6);
	if (etharp_add_static_entry(who, &mac) != ERR_OK)
		return;
	ip4_addr_copy(s->learned[i].ip, *who);
	memcpy(s->learned[i].mac, f + 6, 6);
	if (i == s->nlearned)
		s->nlearned++;
	s->stats.arp_learned++;
}

/* One frame from RX_ACTIVE into lwIP. */
static void rx_one(struct stack_netif *s, const struct enet_desc *d)
{
	uint64_t region = (uint64_t)s->rx_bufs * s->rx_buf;
	if (d->offset >= region || d->offset % s->rx_buf != 0) {
		s->stats.rx_bad_desc++; /* not a buffer of ours: nothing to re-post */
		return;
	}
	uint32_t index = (uint32_t)(d->offset / s->rx_buf);
	struct stack_rx_ref *r = &s->rx_ref[index];
	if (r->held) { /* still referenced by a pbuf: enet cannot have filled it */
		s->stats.rx_bad_desc++;
		return;
	}
	if (d->len < STACK_ETH_HDR || d->len > s->rx_frame_max) {
		s->stats.rx_bad_desc++;
		rx_repost(s, index);
		return;
	}
	const uint8_t *f = s->view.rx + d->offset + s->rx_frame_at;
	uint16_t len = (uint16_t)d->len;
	learn(s, f, len);
	struct pbuf *p;
	if (is_udp(f, len) && s->rx_held < s->rx_bufs / 2u) {
		r->pc.custom_free_function = rx_ref_free;
		r->owner = s;
		r->index = index;
		/* lwIP's pbuf_alloced_custom takes void *: it only reads through it
		 * for a PBUF_REF of a frame nobody writes (stack_netif.h). */
		p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &r->pc, (void *)(uintptr_t)f,
					(uint16_t)(s->rx_buf - s->rx_frame_at));
		if (p == NULL) { /* cannot fail for PBUF_RAW within the buffer; kept safe */
			s->stats.rx_no_pbuf++;
			rx_repost(s, index);
			return;
		}
		r->held = true;
		s->rx_held++;
		s->stats.rx_by_ref++;
	} else {
		p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
		if (p != NULL)
			pbuf_take(p, f, len);
		rx_repost(s, index); /* copied (or dropped): enet may fill it again */
		if (p == NULL) {
			s->stats.rx_no_pbuf++;
			return;
		}
		s->stats.rx_copied++;
	}
	s->stats.frames_in++;
	s->stats.bytes_in += len;
	if (s->netif.input(p, &s->netif) != ERR_OK) {
		s->stats.rx_dropped_by_lwip++;
		pbuf_free(p);
	}
}

void stack_netif_retry_tx(struct stack_netif *s)
{
	if (!s->tx_refused)
		return;
	stack_netif_reclaim_tx(s);
	if (s->tx_nfree == 0)
		return;
	s->tx_refused = false;
	/* tcp_output for every pcb whose output was refused (TF_NAGLEMEMERR):
	 * lwIP itself retries only when an ACK arrives or a timer fires. */
	tcp_txnow();
}

uint32_t stack_netif_poll(struct stack_netif *s)
{
	struct enet_desc d;
	uint32_t n = 0;
	while (enet_client_get(s->view.ring[ENET_Q_RX_ACTIVE], &d)) {
		rx_one(s, &d);
		n++;
	}
	stack_netif_retry_tx(s);
	return n;
}

void stack_netif_reclaim_tx(struct stack_netif *s)
{
	struct enet_desc d;
	uint64_t region = (uint64_t)ENET_VIEW_TX_BUFS * ENET_VIEW_BUF;
	while (s->tx_nfree < ENET_VIEW_TX_BUFS &&
	       enet_client_get(s->view.ring[ENET_Q_TX_FREE], &d)) {
		uint64_t within = d.offset % ENET_VIEW_BUF;
		if (d.offset >= region || (within != 0 && within != ENET_TX_HEADROOM)) {
			s->stats.tx_bad_free++;
			continue;
		}
		s->tx_free[s->tx_nfree++] = d.offset - within;
	}
}

bool stack_netif_take_tx_pending(struct stack_netif *s)
{
	bool pending = s->tx_pending;
	s->tx_pending = false;
	return pending;
}

/* lwIP's linkoutput: one whole frame (Ethernet header included) in p. */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	struct stack_netif *s = of(n);
	if (p->tot_len > ENET_VIEW_BUF - ENET_TX_HEADROOM) {
		s->stats.tx_too_long++;
		return ERR_IF;
	}
	stack_netif_reclaim_tx(s);
	if (s->tx_nfree == 0) {
		s->stats.tx_no_buffer++;
		s->tx_refused = true;
		return ERR_MEM;
	}
	/* ENET_TX_HEADROOM in: lwIP's frames start 2 bytes past an 8-byte
	 * boundary (its payloads are aligned), and so then does the copy. */
	uint64_t base = s->tx_free[--s->tx_nfree], off = base + ENET_TX_HEADROOM;
	uint8_t *buf = s->view.tx + off;
	uint32_t len = pbuf_copy_partial(p, buf, p->tot_len, 0);
	if (len < STACK_ETH_MIN) { /* zeros, never an older frame's bytes */
		memset(buf + len, 0, STACK_ETH_MIN - len);
		len = STACK_ETH_MIN;
	}
	if (!enet_client_put(s->view.ring[ENET_Q_TX_ACTIVE], off, len)) {
		/* fewer buffers than slots: full only if enet misbehaves */
		s->tx_free[s->tx_nfree++] = base;
		s->stats.tx_no_buffer++;
		s->tx_refused = true;
		return ERR_MEM;
	}
	s->tx_pending = true;
	s->stats.frames_out++;
	s->stats.bytes_out += len;
	return ERR_OK;
}

static err_t if_init(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->mtu = STACK_MTU;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, of(n)->mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = linkoutput;
	return ERR_OK;
}

bool stack_netif_init(struct stack_netif *s, const struct enet_view *view,
		      enum enet_rx_mode rx_mode, const uint8_t mac[6], const ip4_addr_t *ip,
		      const ip4_addr_t *netmask, const ip4_addr_t *gw)
{
	memset(s, 0, sizeof(*s));
	s->view = *view;
	s->rx_bufs = enet_view_rx_bufs(rx_mode);
	s->rx_buf = enet_view_rx_buf(rx_mode);
	s->rx_frame_at = enet_view_rx_frame_at(rx_mode);
	s->rx_frame_max = enet_view_rx_frame_max(rx_mode);
	for (uint32_t i = 0; i < s->rx_bufs; i++) {
		s->rx_ref[i].owner = s;
		s->rx_ref[i].index = i;
	}
	memcpy(s->mac, mac, sizeof(s->mac));
	if (netif_add(&s->netif, ip, netmask, gw, s, if_init, ethernet_input) == NULL)
		return false;
	for (uint32_t i = 0; i < s->rx_bufs; i++)
		rx_repost(s, i);
	for (uint32_t i = 0; i < ENET_VIEW_TX_BUFS; i++)
		s->tx_free[s->tx_nfree++] = (uint64_t)i * ENET_VIEW_BUF;
	netif_set_default(&s->netif);
	netif_set_link_up(&s->netif);
	netif_set_up(&s->netif);
	return true;
}
