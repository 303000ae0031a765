/* SPDX-License-Identifier: MIT */
/*
 * lwIP 2.1.3's options for Cairn's stack domains (src/include/lwip/opt.h
 * documents each; what is not set here is lwIP's default). One stack
 * serves one client over one enet session (docs/network.md): a single
 * thread, the raw API, IPv4 over Ethernet, and enet in front of it, which
 * answers ARP requests and ICMP echo for the guest, drops IPv4 fragments
 * and delivers only TCP and UDP to the ports the session registered. The
 * same header builds the native host tests (STACK_NATIVE_TEST), where the
 * heap is lwIP's own static array instead of the mapped pages.
 */
#ifndef STACK_LWIPOPTS_H
#define STACK_LWIPOPTS_H

#include <stdint.h>

#include "stack_layout.h"

/* --- system: one thread, no OS ------------------------------------------ */
#define NO_SYS                  1 /* the server is one loop; no threads, no sys_arch */
#define LWIP_TIMERS             1 /* the server calls sys_check_timeouts() on STACK_TICK */
#define SYS_LIGHTWEIGHT_PROT    0 /* nothing preempts lwIP: no critical sections */
#define LWIP_TCPIP_CORE_LOCKING 0 /* no tcpip thread to lock against */
#define LWIP_SOCKET             0 /* the stack's orders are its API, over raw pcbs */
#define LWIP_NETCONN            0 /* likewise: needs threads */
#define LWIP_NETIF_API          0 /* likewise */

/* --- memory: one heap, bought from the client's bank -------------------- */
#define MEM_LIBC_MALLOC 0 /* lwIP's own heap: its memory is the stack's mapped pages */
#define MEMP_MEM_MALLOC 1 /* every pool from that heap: no fixed pool arrays, no counts */
#define MEM_ALIGNMENT   8 /* riscv64 and x86-64 want 8-byte aligned u64s and pointers */
/* The heap's size minus room for mem.c's two block headers and alignment
 * (mem.c uses MEM_SIZE_ALIGNED + 2 * SIZEOF_STRUCT_MEM, 32 bytes here). */
#define MEM_SIZE (STACK_HEAP_BYTES - 256u)
#ifndef STACK_NATIVE_TEST
/* The pages mapped at STACK_HEAP_VA (stack_layout.h); natively lwIP
 * declares its own static ram_heap of MEM_SIZE instead. */
#define LWIP_RAM_HEAP_POINTER ((void *)STACK_HEAP_VA)
#endif
/* With MEMP_MEM_MALLOC the pool counts below limit nothing (memp.c takes
 * every element from the heap); they document the intended bounds and size
 * lwIP's internal tables. The stack's socket table (64 handles) is the
 * real bound on pcbs. */
#define MEMP_NUM_TCP_PCB        64 /* one per socket handle */
#define MEMP_NUM_TCP_PCB_LISTEN 8  /* a few listening ports per client */
#define MEMP_NUM_UDP_PCB        8  /* a few bound UDP ports per client */
#define PBUF_POOL_SIZE          32 /* nominal; pool pbufs come from the heap too */
/* PBUF_POOL_BUFSIZE stays lwIP's default, TCP_MSS + 40 + PBUF_LINK_HLEN
 * rounded up: one pool pbuf holds a whole 1514-byte frame, so a copied
 * receive is one memcpy into one pbuf. */
#define PBUF_LINK_HLEN 14 /* Ethernet header, no VLAN tag */
#define ETH_PAD_SIZE   0  /* no 2-byte pad: frames sit at the buffer start in the view */

/* --- protocols ---------------------------------------------------------- */
#define LWIP_IPV4     1 /* enet speaks IPv4 only */
#define LWIP_IPV6     0 /* likewise */
#define LWIP_ARP      1 /* lwIP resolves the gateway (enet answers requests for us) */
#define LWIP_ETHERNET 1 /* the netif is Ethernet (enet's frames) */
/* Static entries let the port install what it learns from received frames'
 * source MACs (stack_netif.c): enet keeps ARP replies to itself. */
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define ARP_TABLE_SIZE                8 /* the gateway and a few on-link hosts */
#define ARP_QUEUEING                  1 /* hold packets while their ARP request is out */
#define LWIP_ICMP                     0 /* enet answers echo and refuses ICMP from sessions */
#define LWIP_RAW                      0 /* no raw pcbs: enet forwards only TCP and UDP */
#define LWIP_UDP                      1 /* the UDP orders */
#define LWIP_TCP                      1 /* the TCP orders */
#define LWIP_DHCP                     0 /* the address is fixed (10.0.2.15, given by enet) */
#define LWIP_AUTOIP                   0 /* likewise */
#define LWIP_IGMP                     0 /* no multicast */
#define LWIP_DNS                      0 /* no resolver in the stack */
#define IP_REASSEMBLY                 0 /* enet drops fragments: nothing to reassemble */
#define IP_FRAG                       0 /* and would refuse ours; TCP's MSS keeps segments whole */
#define IP_FORWARD                    0 /* a host, not a router */
#define LWIP_SINGLE_NETIF             1 /* one netif: the session; no routing table walk */
#define LWIP_NETIF_LOOPBACK           0 /* a client talks to itself through enet, if at all */
#define LWIP_HAVE_LOOPIF              0 /* likewise */
#define LWIP_NETIF_TX_SINGLE_PBUF     0 /* linkoutput copies a chain anyway (one copy per frame) */
/* Custom pbufs: UDP frames are passed up by reference to the receive buffer
 * in the view, whose free re-posts it (stacks/port/stack_netif.c). */
#define LWIP_SUPPORT_CUSTOM_PBUF 1

/* --- checksums: no offload, lwIP computes and checks them all ----------- */
#define CHECKSUM_GEN_IP    1 /* enet's device offers no offload to sessions */
#define CHECKSUM_GEN_UDP   1
#define CHECKSUM_GEN_TCP   1
#define CHECKSUM_CHECK_IP  1 /* enet checks it too; 20 bytes, kept as a defence */
#define CHECKSUM_CHECK_UDP 1 /* enet does not check transport checksums */
#define CHECKSUM_CHECK_TCP 1
/* lwIP's 32-bit-at-a-time sum (inet_chksum.c algorithm 3) rather than its
 * default 16-bit one: the 64 MiB download 14.7 -> 13.8 instructions a byte
 * with one checkpoint in the window (docs/benchmarks.md "The stacks"). */
#define LWIP_CHKSUM_ALGORITHM 3

/* --- TCP ---------------------------------------------------------------- */
/* A multiple of 8 below Ethernet's 1,460 (1500 - 20 IPv4 - 20 TCP, RFC 879):
 * tcp_write copies the client's 8 KiB into segments of TCP_MSS bytes, and
 * with 1,460 every other one began 4 bytes off a word boundary, which
 * picolibc's memcpy copies a byte at a time. 4 bytes a frame less payload
 * (0.3%) for 15% fewer instructions a byte sent (docs/benchmarks.md). */
#define TCP_MSS 1456
/* The window and the send buffer were chosen by measurement
 * (docs/network.md "The lwIP port"; bench_stacks.py --no-raw, the 64 MiB
 * download under -icount shift=0): 8 segments 37.2 instructions a byte,
 * 16 35.5, 32 31.0, 44 29.6. Fewer segments in flight mean more rounds
 * of ACK and window update per byte through enet; 32 gets most of the
 * gain and stays under 65,535 (no window scaling), and it is what a
 * connection may cost the heap when its client reads slowly: 64 such
 * connections could ask more than the 1 MiB heap, and then pbuf
 * allocation fails and TCP retransmits (bounded, not stuck). */
#define TCP_WND (32 * TCP_MSS)
/* Sending (the http downloads) wants as many segments queued as the peer
 * takes; the send buffer is heap the client's bank paid for. */
#define TCP_SND_BUF         (32 * TCP_MSS)
#define TCP_SND_QUEUELEN    ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS) /* opt.h's rule */
#define TCP_QUEUE_OOSEQ     1 /* keep out-of-order segments: a lost frame costs one retransmit */
#define TCP_OOSEQ_MAX_PBUFS 8 /* bound per pcb, so a hostile peer cannot fill the heap */
#define TCP_OOSEQ_MAX_BYTES (8 * TCP_MSS) /* likewise, in bytes: half the window */
/* TIME_WAIT lasts 2 * TCP_MSL = 2 s instead of RFC 793's 4 min: every peer
 * is behind QEMU's user network on this host, where no segment lives for
 * seconds, and the many short connections of the tests (200 sequential)
 * must not keep pcbs and heap waiting for minutes. */
#define TCP_MSL            1000UL
#define TCP_LISTEN_BACKLOG 1 /* the stack may bound pending accepts per listener */
#define LWIP_TCP_KEEPALIVE 1 /* lets the stack find peers gone after a resume */
#define LWIP_WND_SCALE     0 /* the window fits 16 bits */

/* --- randomness: ISNs and ephemeral ports ------------------------------- */
uint32_t stack_clock_rand(void); /* stacks/port/stack_clock.c */
#define LWIP_RAND() stack_clock_rand()
/* RFC 6528 ISNs instead of lwIP's counter (tcp_next_iss), which an off-path
 * attacker could predict; addresses are const ip_addr_t *. */
uint32_t stack_clock_isn(const void *local_ip, uint16_t local_port, const void *remote_ip,
			 uint16_t remote_port);
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) stack_clock_isn(lip, lport, rip, rport)

/* --- statistics and debugging: off (the port counts what it needs) ------ */
#define LWIP_STATS                 0 /* stack_port_stats counts frames; lwIP's tables cost heap */
#define LWIP_STATS_DISPLAY         0
#define LWIP_NETIF_STATUS_CALLBACK 0 /* the address never changes */
#define LWIP_NETIF_LINK_CALLBACK   0 /* the link is always up */
/* LWIP_DEBUG is not defined: no LWIP_DEBUGF output (asserts stay, cc.h). */

#endif /* STACK_LWIPOPTS_H */
