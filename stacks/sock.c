/* SPDX-License-Identifier: MIT */
/*
 * The socket table over lwIP's raw API (sock.h has the invariants). lwIP
 * calls back into this file from tcp_input/udp_input (during RX) and from
 * its timers (during TICK); every callback finds its socket through the
 * pcb's arg, and the err callback is the one place a pcb can vanish under
 * us (lwIP's doc/rawapi.txt: "the pcb has already been freed").
 */
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include <cairn/keytab.h>

#include "sock.h"
#include "stack.h"

uint16_t sock_ephemeral_ports[STACK_EPHEMERAL_COUNT];
unsigned sock_ephemeral_count;

static struct sock socks[SOCK_HANDLES];
static uint32_t accept_seq;

/* Closes lwIP refused (ERR_MEM): retried at TICK (sock_tick). */
struct closing {
	struct tcp_pcb *pcb;
	uint32_t tries;
};
static struct closing closing[SOCK_CLOSING_MAX];

void sock_init(void)
{
	memset(socks, 0, sizeof socks);
	memset(closing, 0, sizeof closing);
	accept_seq = 0;
}

const struct sock *sock_get(unsigned handle)
{
	return handle < SOCK_HANDLES ? &socks[handle] : NULL;
}

static unsigned index_of(const struct sock *s)
{
	return (unsigned)(s - socks);
}

static struct sock *alloc_sock(enum sock_kind kind)
{
	for (unsigned h = 0; h < SOCK_HANDLES; h++)
		if (socks[h].kind == SOCK_FREE) {
			memset(&socks[h], 0, sizeof socks[h]);
			socks[h].kind = (uint8_t)kind;
			return &socks[h];
		}
	return NULL;
}

/* The client's socket of `kind` with this handle (never a pending one). */
static struct sock *client_sock(unsigned h, enum sock_kind kind)
{
	if (h >= SOCK_HANDLES || socks[h].kind != kind || socks[h].pending)
		return NULL;
	return &socks[h];
}

static void ip_from_word(ip_addr_t *a, uint32_t w)
{
	IP_ADDR4(a, w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, w >> 24);
}

static uint32_t word_from_ip(const ip_addr_t *a)
{
	const ip4_addr_t *v4 = ip_2_ip4(a);
	return (uint32_t)ip4_addr1(v4) | (uint32_t)ip4_addr2(v4) << 8 |
	       (uint32_t)ip4_addr3(v4) << 16 | (uint32_t)ip4_addr4(v4) << 24;
}

static uint64_t bind_result(err_t err)
{
	return err == ERR_USE   ? CAIRN_PORT_TAKEN
	       : err == ERR_MEM ? CAIRN_NET_NO_MEMORY
				: CAIRN_BAD_ARGUMENT;
}

static void free_rxq(struct sock *s)
{
	if (s->rxq)
		pbuf_free(s->rxq);
	s->rxq = NULL;
}

/* No callback of ours reaches the pcb any more. */
static void detach_tcp(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

/* A pending connection gone before the client accepted it. */
static void drop_pending(struct sock *s)
{
	struct sock *l = &socks[s->parent];
	if (l->kind == SOCK_LISTEN && l->npending > 0)
		l->npending--;
	free_rxq(s);
	memset(s, 0, sizeof *s);
}

/* lwIP freed the pcb (RST, retransmissions or keepalives exhausted, or
 * our own tcp_abort with the callbacks still set). */
static void on_err(void *arg, err_t err)
{
	(void)err;
	struct sock *s = arg;
	if (!s)
		return;
	STACK_COUNT(RESETS);
	s->pcb = NULL;
	if (s->pending) {
		drop_pending(s);
		return;
	}
	s->reset = true;
	free_rxq(s);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;
	if (!s) { /* not reached: detach_tcp clears recv too */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		s->fin = true; /* RFC 9293 §3.10.7.4: the peer's FIN */
		return ERR_OK;
	}
	if (err != ERR_OK) {
		pbuf_free(p);
		return ERR_OK;
	}
	if (s->rxq)
		pbuf_cat(s->rxq, p);
	else
		s->rxq = p;
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)pcb;
	struct sock *s = arg;
	if (s && err == ERR_OK)
		s->connected = true;
	return ERR_OK;
}

/* Every TCP connection of ours: its arg and callbacks, and keepalives so
 * that a dead peer (a resumed machine's old connections) is noticed
 * even when nothing is being sent. */
static void attach_tcp(struct sock *s, struct tcp_pcb *pcb)
{
	s->pcb = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = SOCK_KEEPIDLE_MS;
#if LWIP_TCP_KEEPALIVE
	pcb->keep_intvl = SOCK_KEEPINTVL_MS;
	pcb->keep_cnt = SOCK_KEEPCNT;
#endif
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct sock *l = arg;
	if (err != ERR_OK || !newpcb || !l)
		return ERR_VAL;
	struct sock *c = l->npending < l->backlog ? alloc_sock(SOCK_TCP) : NULL;
	if (!c) {
		STACK_COUNT(ACCEPT_OVERFLOW);
		detach_tcp(newpcb);
		tcp_abort(newpcb);
		return ERR_ABRT; /* lwIP's rule after aborting in a callback */
	}
	c->pending = true;
	c->connected = true;
	c->parent = (uint8_t)index_of(l);
	c->seq = ++accept_seq;
	l->npending++;
	attach_tcp(c, newpcb);
	return ERR_OK;
}

uint64_t sock_tcp_listen(uint16_t port, unsigned backlog, unsigned *handle)
{
	if (port == 0 || backlog > SOCK_BACKLOG_MAX)
		return CAIRN_BAD_ARGUMENT;
	struct sock *s = alloc_sock(SOCK_LISTEN);
	if (!s)
		return CAIRN_NET_NO_MEMORY;
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb) {
		s->kind = SOCK_FREE;
		return CAIRN_NET_NO_MEMORY;
	}
	err_t err = tcp_bind(pcb, IP4_ADDR_ANY, port);
	struct tcp_pcb *lpcb = NULL;
	if (err == ERR_OK)
		lpcb = tcp_listen_with_backlog_and_err(pcb, SOCK_BACKLOG_MAX, &err);
	if (!lpcb) {
		tcp_abort(pcb); /* never connected: frees it without a segment */
		s->kind = SOCK_FREE;
		return bind_result(err);
	}
	s->pcb = lpcb;
	s->backlog = (uint8_t)(backlog ? backlog : SOCK_BACKLOG_DFLT);
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, on_accept);
	*handle = index_of(s);
	return CAIRN_OK;
}

uint64_t sock_tcp_accept(unsigned listener, unsigned *handle, uint32_t *ip, uint16_t *port)
{
	struct sock *l = client_sock(listener, SOCK_LISTEN);
	if (!l)
		return CAIRN_NET_BAD_HANDLE;
	struct sock *best = NULL;
	for (unsigned h = 0; h < SOCK_HANDLES; h++) {
		struct sock *c = &socks[h];
		if (c->kind == SOCK_TCP && c->pending && c->parent == listener &&
		    (!best || c->seq < best->seq))
			best = c;
	}
	if (!best) {
		STACK_COUNT(WOULD_BLOCK);
		return CAIRN_NET_WOULD_BLOCK;
	}
	best->pending = false;
	l->npending--;
	struct tcp_pcb *pcb = best->pcb;
	*handle = index_of(best);
	*ip = word_from_ip(&pcb->remote_ip);
	*port = pcb->remote_port;
	return CAIRN_OK;
}

uint64_t sock_tcp_connect(uint32_t ip, uint16_t port, unsigned *handle)
{
	if (port == 0 || ip == 0)
		return CAIRN_BAD_ARGUMENT;
	struct sock *s = alloc_sock(SOCK_TCP);
	if (!s)
		return CAIRN_NET_NO_MEMORY;
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb) {
		s->kind = SOCK_FREE;
		return CAIRN_NET_NO_MEMORY;
	}
	/* A local port enet delivers to us: one of the ephemeral pool. */
	err_t err = ERR_USE;
	for (unsigned i = 0; i < sock_ephemeral_count && err == ERR_USE; i++)
		err = tcp_bind(pcb, IP4_ADDR_ANY, sock_ephemeral_ports[i]);
	ip_addr_t dst;
	ip_from_word(&dst, ip);
	if (err == ERR_OK) {
		attach_tcp(s, pcb);
		err = tcp_connect(pcb, &dst, port, on_connected);
	}
	if (err != ERR_OK) {
		detach_tcp(pcb);
		tcp_abort(pcb);
		memset(s, 0, sizeof *s);
		return err == ERR_USE   ? CAIRN_PORTS_FULL
		       : err == ERR_MEM ? CAIRN_NET_NO_MEMORY
					: CAIRN_NET_RESET;
	}
	*handle = index_of(s);
	return CAIRN_OK;
}

static bool established(const struct sock *s)
{
	const struct tcp_pcb *pcb = s->pcb;
	return s->connected && pcb && (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT);
}

uint64_t sock_tcp_send(unsigned handle, const void *buf, size_t len, size_t *sent)
{
	struct sock *s = client_sock(handle, SOCK_TCP);
	*sent = 0;
	if (!s)
		return CAIRN_NET_BAD_HANDLE;
	if (s->reset || !s->pcb)
		return CAIRN_NET_RESET;
	struct tcp_pcb *pcb = s->pcb;
	size_t n = len < tcp_sndbuf(pcb) ? len : tcp_sndbuf(pcb);
	if (len == 0)
		return CAIRN_OK;
	if (!established(s) || n == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN) {
		STACK_COUNT(WOULD_BLOCK);
		return CAIRN_NET_WOULD_BLOCK;
	}
	/* TCP_WRITE_FLAG_COPY: the string buffer is reused for the next
	 * order. ERR_MEM with a big write may succeed with a smaller one. */
	err_t err;
	while ((err = tcp_write(pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY)) == ERR_MEM && n > 1)
		n /= 2;
	if (err == ERR_MEM) {
		STACK_COUNT(WOULD_BLOCK);
		return CAIRN_NET_WOULD_BLOCK;
	}
	if (err != ERR_OK)
		return CAIRN_NET_RESET;
	tcp_output(pcb);
	*sent = n;
	return CAIRN_OK;
}

uint64_t sock_tcp_recv(unsigned handle, void *buf, size_t max, size_t *got)
{
	struct sock *s = client_sock(handle, SOCK_TCP);
	*got = 0;
	if (!s)
		return CAIRN_NET_BAD_HANDLE;
	if (s->rxq && max > 0) {
		size_t n = s->rxq->tot_len < max ? s->rxq->tot_len : max;
		pbuf_copy_partial(s->rxq, buf, (u16_t)n, 0);
		s->rxq = pbuf_free_header(s->rxq, (u16_t)n);
		if (s->pcb)
			tcp_recved(s->pcb, (u16_t)n); /* the window opens as the client reads */
		*got = n;
		return CAIRN_OK;
	}
	if (s->reset)
		return CAIRN_NET_RESET;
	if (s->fin)
		return CAIRN_NET_CLOSED;
	STACK_COUNT(WOULD_BLOCK);
	return CAIRN_NET_WOULD_BLOCK;
}

static void on_closing_err(void *arg, err_t err)
{
	(void)err;
	struct closing *c = arg;
	if (c)
		c->pcb = NULL; /* lwIP freed it */
}

static void close_tcp(struct sock *s)
{
	struct tcp_pcb *pcb = s->pcb;
	if (!pcb)
		return;
	detach_tcp(pcb);
	/* What the client never read is acknowledged, so that tcp_close
	 * sends a FIN rather than the RST lwIP sends over unread data. */
	if (s->rxq)
		tcp_recved(pcb, s->rxq->tot_len);
	free_rxq(s);
	if (tcp_close(pcb) == ERR_OK)
		return;
	STACK_COUNT(CLOSE_RETRIES);
	for (unsigned i = 0; i < SOCK_CLOSING_MAX; i++)
		if (!closing[i].pcb) {
			closing[i] = (struct closing){ .pcb = pcb };
			tcp_arg(pcb, &closing[i]);
			tcp_err(pcb, on_closing_err);
			return;
		}
	STACK_COUNT(CLOSE_ABORTS);
	tcp_abort(pcb);
}

static void abort_tcp(struct sock *s)
{
	if (s->pcb) {
		detach_tcp(s->pcb);
		tcp_abort(s->pcb);
		s->pcb = NULL;
	}
}

uint64_t sock_close(unsigned h)
{
	if (h >= SOCK_HANDLES || socks[h].kind == SOCK_FREE || socks[h].pending)
		return CAIRN_NET_BAD_HANDLE;
	struct sock *s = &socks[h];
	switch (s->kind) {
	case SOCK_LISTEN:
		for (unsigned i = 0; i < SOCK_HANDLES; i++)
			if (socks[i].kind == SOCK_TCP && socks[i].pending && socks[i].parent == h) {
				abort_tcp(&socks[i]);
				drop_pending(&socks[i]);
			}
		tcp_arg(s->pcb, NULL);
		tcp_accept(s->pcb, NULL);
		tcp_close(s->pcb); /* a listener's close never fails */
		break;
	case SOCK_TCP:
		close_tcp(s);
		break;
	case SOCK_UDP:
		for (; s->ucount; s->ucount--, s->uhead = (s->uhead + 1) % SOCK_UDP_QUEUE)
			pbuf_free(s->uq[s->uhead].p);
		udp_remove(s->pcb);
		break;
	}
	memset(s, 0, sizeof *s);
	return CAIRN_OK;
}

void sock_tick(void)
{
	for (unsigned i = 0; i < SOCK_CLOSING_MAX; i++) {
		struct closing *c = &closing[i];
		if (!c->pcb)
			continue;
		struct tcp_pcb *pcb = c->pcb;
		tcp_arg(pcb, NULL);
		tcp_err(pcb, NULL);
		if (tcp_close(pcb) == ERR_OK) {
			c->pcb = NULL;
		} else if (++c->tries >= SOCK_CLOSE_TRIES) {
			STACK_COUNT(CLOSE_ABORTS);
			c->pcb = NULL;
			tcp_abort(pcb);
		} else {
			tcp_arg(pcb, c);
			tcp_err(pcb, on_closing_err);
		}
	}
}

/* An empty ACK now, at the pcb's own sequence numbers: all it tells the
 * peer is what the checkpoint says the stack has received. */
static void probe(struct tcp_pcb *pcb)
{
	STACK_COUNT(RESUME_PROBES);
	tcp_set_flags(pcb, TF_ACK_NOW); /* tcp_ack_now, which is lwIP-private */
	tcp_output(pcb);
}

void sock_probe_connections(void)
{
	for (unsigned h = 0; h < SOCK_HANDLES; h++)
		if (socks[h].kind == SOCK_TCP && socks[h].pcb)
			probe(socks[h].pcb);
	for (unsigned i = 0; i < SOCK_CLOSING_MAX; i++)
		if (closing[i].pcb)
			probe(closing[i].pcb);
}

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		   u16_t port)
{
	(void)pcb;
	struct sock *s = arg;
	if (!s || s->ucount >= SOCK_UDP_QUEUE) {
		STACK_COUNT(UDP_DROPS);
		pbuf_free(p);
		return;
	}
	struct sock_dgram *d = &s->uq[(s->uhead + s->ucount) % SOCK_UDP_QUEUE];
	*d = (struct sock_dgram){ .p = p, .ip = word_from_ip(addr), .port = port };
	s->ucount++;
}

uint64_t sock_udp_bind(uint16_t port, unsigned *handle)
{
	if (port == 0)
		return CAIRN_BAD_ARGUMENT;
	struct sock *s = alloc_sock(SOCK_UDP);
	if (!s)
		return CAIRN_NET_NO_MEMORY;
	struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb) {
		s->kind = SOCK_FREE;
		return CAIRN_NET_NO_MEMORY;
	}
	err_t err = udp_bind(pcb, IP4_ADDR_ANY, port);
	if (err != ERR_OK) {
		udp_remove(pcb);
		s->kind = SOCK_FREE;
		return bind_result(err);
	}
	s->pcb = pcb;
	udp_recv(pcb, on_udp, s);
	*handle = index_of(s);
	return CAIRN_OK;
}

uint64_t sock_udp_sendto(unsigned handle, uint32_t ip, uint16_t port, const void *buf, size_t len)
{
	struct sock *s = client_sock(handle, SOCK_UDP);
	if (!s)
		return CAIRN_NET_BAD_HANDLE;
	/* One frame: IP_FRAG is off (enet drops fragments), so a datagram
	 * must fit the MTU with its IPv4 and UDP headers (RFC 768, 791). */
	if (port == 0 || ip == 0 || len > SOCK_UDP_MAX)
		return CAIRN_BAD_ARGUMENT;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return CAIRN_NET_NO_MEMORY;
	pbuf_take(p, buf, (u16_t)len);
	ip_addr_t dst;
	ip_from_word(&dst, ip);
	err_t err = udp_sendto(s->pcb, p, &dst, port);
	pbuf_free(p);
	return err == ERR_OK ? CAIRN_OK : err == ERR_MEM ? CAIRN_NET_NO_MEMORY : CAIRN_BAD_ARGUMENT;
}

uint64_t sock_udp_recvfrom(unsigned handle, void *buf, size_t max, size_t *got, size_t *full,
			   uint32_t *ip, uint16_t *port)
{
	struct sock *s = client_sock(handle, SOCK_UDP);
	*got = *full = 0;
	if (!s)
		return CAIRN_NET_BAD_HANDLE;
	if (s->ucount == 0) {
		STACK_COUNT(WOULD_BLOCK);
		return CAIRN_NET_WOULD_BLOCK;
	}
	struct sock_dgram *d = &s->uq[s->uhead];
	size_t n = d->p->tot_len < max ? d->p->tot_len : max;
	*full = d->p->tot_len;
	pbuf_copy_partial(d->p, buf, (u16_t)n, 0); /* the rest is dropped, as recvfrom(2) */
	pbuf_free(d->p);
	*got = n;
	*ip = d->ip;
	*port = d->port;
	*d = (struct sock_dgram){ 0 };
	s->uhead = (uint8_t)((s->uhead + 1) % SOCK_UDP_QUEUE);
	s->ucount--;
	return CAIRN_OK;
}

void sock_events(uint64_t want_write, uint64_t *readable, uint64_t *writable)
{
	uint64_t r = 0, w = 0;
	const unsigned room = SOCK_WRITABLE_BYTES < TCP_SND_BUF / 2 ? SOCK_WRITABLE_BYTES
								    : TCP_SND_BUF / 2;
	for (unsigned h = 0; h < SOCK_HANDLES; h++) {
		const struct sock *s = &socks[h];
		uint64_t bit = 1ull << h;
		switch (s->kind) {
		case SOCK_LISTEN:
			if (s->npending)
				r |= bit;
			break;
		case SOCK_TCP:
			if (s->pending)
				break;
			if (s->rxq || s->fin || s->reset)
				r |= bit;
			if ((want_write & bit) && established(s) &&
			    tcp_sndbuf((struct tcp_pcb *)s->pcb) >= room &&
			    tcp_sndqueuelen((struct tcp_pcb *)s->pcb) < TCP_SND_QUEUELEN / 2)
				w |= bit;
			break;
		case SOCK_UDP:
			if (s->ucount)
				r |= bit;
			if (want_write & bit)
				w |= bit; /* a datagram is sent or dropped at once */
			break;
		}
	}
	*readable = r;
	*writable = w;
}
