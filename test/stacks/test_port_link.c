/* SPDX-License-Identifier: MIT */
/*
 * Not run: a domain program that calls what a stack server calls of lwIP
 * and its port, so that the build links lwip_domain_lib and
 * stack_port_domain_lib against picolibc and the domain runtime and fails
 * when either needs something a domain lacks (picolibc's abort(), for one,
 * needs kill and getpid: hence cc.h's _exit).
 */
#include <stdint.h>

#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "stack_clock.h"
#include "stack_netif.h"

static struct stack_netif sn;

int main(uint64_t arg)
{
	static uint8_t view[ENET_VIEW_PAGES * 4096u];
	struct enet_view v;
	enet_view_init(&v, view);
	stack_clock_update(arg);
	lwip_init();
	ip4_addr_t ip, mask, gw;
	IP4_ADDR(&ip, 10, 0, 2, 15);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 2, 2);
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	if (!stack_netif_init(&sn, &v, ENET_RX_BUFFERS, mac, &ip, &mask, &gw))
		return 1;
	struct tcp_pcb *t = tcp_new();
	struct udp_pcb *u = udp_new();
	if (t == NULL || u == NULL || tcp_bind(t, IP_ADDR_ANY, 80) != ERR_OK ||
	    udp_bind(u, IP_ADDR_ANY, 7) != ERR_OK)
		return 1;
	t = tcp_listen(t);
	stack_netif_poll(&sn);
	sys_check_timeouts();
	return stack_netif_take_tx_pending(&sn) ? 0 : 1;
}
