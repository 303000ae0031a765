/* SPDX-License-Identifier: MIT */
/*
 * What main.c and attach.c, the two files of the stack domain that invoke
 * keys, offer each other (stacks/stack.h has the map).
 */
#ifndef STACK_MAIN_H
#define STACK_MAIN_H

#include <stdint.h>

#include "client.h"

/* ATTACH's work (attach.c): serve_ops.attach. */
uint64_t stack_attach(uint64_t rx_mode, uint32_t *ip, uint64_t *mac);

/* ENET BIND (main.c): serve_ops.bind. */
uint64_t stack_enet_bind(unsigned proto, uint16_t port);

/* lwIP and the netif over the view mapped at `view` (main.c, over the
 * port); once, at the end of the first successful ATTACH. */
void stack_lwip_start(uint8_t *view, uint64_t mac, uint32_t ip, enum enet_rx_mode rx_mode);

#endif /* STACK_MAIN_H */
