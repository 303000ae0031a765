/* SPDX-License-Identifier: MIT */
/*
 * The one table of key types, invocation codes, result codes and fault
 * codes.
 *
 * Everything that names a key type, an invocation or a code expands these
 * X-macro lists: the kernel's dispatch (kern/inv/invoke.c) and key rules
 * (kern/key/), the domain runtime's stubs and names (lib/), cairn-format's
 * description parser, image writer and --inspect (disk-format/image_*.c),
 * the tests and docs/invocations.md. Codes are part of the persistent
 * format (key types are stored in node slots) and of the user ABI: never
 * renumber, only append.
 *
 * CAIRN_KEY_TYPES(X):   X(NAME, code, object, weak, prepare, word, "what it designates")
 *   object   what the key's OID designates, and the count that keeps the
 *            key valid (CAIRN_OBJECT_*, below): NONE (no object: the key
 *            is its own authority, bytes 2..15 are the key's data), PAGE
 *            (a page; its tag's allocation count), NODE (a node; the node's
 *            allocation count), NODE_CALL (a domain root node; its call
 *            count, so that the key dies when the domain is resumed).
 *   weak     what the key becomes when it is fetched through a WEAK node or
 *            space key (the KeyKOS "sense" rule, CAIRN_WEAKENED_*): KEEP
 *            (data: unchanged), RO (read-only), RO_WEAK (read-only and weak
 *            itself), VOID (any other authority: void).
 *   prepare  the kernel's prepare function for an invocation of the key
 *            (kern/inv/invoke.h; one kobj_*.c per key type, invoke_* for
 *            the keys invoke.c answers itself).
 *   word     the key's word in an image description (`cap SLOT word ...`,
 *            docs/image-format.md), always the type's name in lower case;
 *            "" if no description can make such a key.
 * CAIRN_INVOCATIONS(X): X(TYPE, NAME, code, "arguments -> results")
 *   code = key type << 8 | n. The argument notation: w0..w3 are the data
 *   words (a2..a5), k0..k3 the keys sent, r0 the first receive slot,
 *   "str" the data string.
 * CAIRN_SERVICE_ORDERS(X): X(SERVICE, NAME, code, "arguments -> results")
 *   the order codes of the persistent services (user-level domains, called
 *   through their start keys): code = 0x8000 | service << 8 | n, so they
 *   never collide with a kernel key's orders. docs/bank.md for the bank
 *   (service 1), docs/network.md for enet (service 2).
 * CAIRN_RESULTS(X):     X(NAME, code, "meaning"), the result code in a1.
 * CAIRN_FAULTS(X):      X(NAME, code, "meaning"), the order code a keeper
 *   receives.
 *
 * Adding a key type (or giving a reserved one its columns): its row in
 * CAIRN_KEY_TYPES, with the next code, and its rows in CAIRN_INVOCATIONS;
 * kern/inv/kobj_TYPE.c defining the prepare function the row names,
 * listed in kern/inv/meson.build. Nothing else needs an edit to build and
 * work: the kernel's dispatch and prototypes (kern/inv/invoke.c,
 * invoke.h), validity and weakening (kern/key/), the runtime's
 * cairn_inv_TYPE_* stubs and names (lib/) and cairn-format (the word on a
 * cap line, the key it writes, its --inspect line) all expand the row.
 * Two tests then fail, on purpose, until they are told what the type is:
 * docs_keytab prints the rows to add to docs/invocations.md (and, for a
 * type with a word, docs/image-format.md), key_rules wants the
 * type's line in test/unit/test_key_rules.c (expected_types). Only a type
 * that needs more than its columns say takes code of its own: a word with
 * arguments (cap_syntax[] and cap_key() in disk-format/image_desc.c,
 * build_cap() in image_build.c), an --inspect line other than its name
 * (no object) or "name OID" (describe_key() in image_inspect.c), validity
 * beyond its counts, as RANGE's pool bounds (key_check() in
 * kern/key/key.c), or an object the object column has no value for.
 */
#ifndef CAIRN_KEYTAB_H
#define CAIRN_KEYTAB_H

#include <stdint.h>

/* The object column: what a key's OID designates (see above). */
enum cairn_key_object {
	CAIRN_OBJECT_NONE,
	CAIRN_OBJECT_PAGE,
	CAIRN_OBJECT_NODE,
	CAIRN_OBJECT_NODE_CALL,
};

/* The weak column: the rights a key fetched through a WEAK key gains, or
 * CAIRN_WEAKENED_VOID: it becomes void. */
#define CAIRN_WEAKENED_KEEP    0x00u
#define CAIRN_WEAKENED_RO      CAIRN_RIGHT_RO
#define CAIRN_WEAKENED_RO_WEAK (CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK)
#define CAIRN_WEAKENED_VOID    0xffu

/* The columns stay aligned, so that the table reads down a column too. */
/* clang-format off */
/*	type        code object     weak     prepare              word */
#define CAIRN_KEY_TYPES(X)                                                                 \
	X(VOID,        0, NONE,      KEEP,    invoke_void,         "",                         \
	  "no authority; every invocation returns VOID")                                   \
	X(NUMBER,      1, NONE,      KEEP,    kobj_number,         "number",                   \
	  "no object: 14 bytes of data, returned by invoking it")                          \
	X(PAGE,        2, PAGE,      RO,      kobj_page,           "page",                     \
	  "a 4 KiB page (rights: RO)")                                                     \
	X(NODE,        3, NODE,      RO_WEAK, kobj_node,           "node",                     \
	  "a node of 32 key slots (rights: RO, WEAK)")                                     \
	X(SPACE,       4, NODE,      RO_WEAK, kobj_node,           "",                         \
	  "an address space: a node tree mapping pages (badge: height; "                   \
	  "rights: RO, NX, WEAK, KEEPER)")                                                 \
	X(DOMAIN,      5, NODE,      VOID,    kobj_domain,         "domain",                   \
	  "full authority over a domain: registers, slots, start keys")                    \
	X(START,       6, NODE,      VOID,    invoke_domain_key,   "start",                    \
	  "call a domain; the badge tells the server which client called")                 \
	X(RESUME,      7, NODE_CALL, VOID,    invoke_domain_key,   "",                         \
	  "one-shot reply to a waiting domain (rights: FAULT restarts it)")                \
	X(DISCRIM,     8, NONE,      VOID,    kobj_discrim,        "discrim",                  \
	  "tell a key's type and compare keys without invoking them")                      \
	X(SLEEP,       9, NONE,      VOID,    kobj_sleep,          "sleep",                    \
	  "wait for a time and read the clock")                                            \
	X(CONSOLE,    10, NONE,      VOID,    kobj_console,        "console",                  \
	  "write text to the system console")                                              \
	X(CHECKPOINT, 11, NONE,      VOID,    kobj_checkpoint,     "checkpoint",               \
	  "force checkpoints, set their period, read statistics")                          \
	X(RANGE,      12, NONE,      VOID,    kobj_range,          "range",                    \
	  "create keys to and rescind the objects of a range of OIDs "                     \
	  "(badge: 0 nodes, 1 pages)")                                                     \
	X(DEVICE,     13, NONE,      VOID,    kobj_device,         "device",                   \
	  "one virtio-mmio device for a user-level driver: its registers as a page of an "  \
	  "address space, its interrupt (badge: virtio device ID; bytes 4..7: instance)")  \
	X(DMA,        14, NONE,      VOID,    kobj_dma,            "dma",                      \
	  "the kernel's DMA pins for a trusted driver: a pinned page's frame and physical "  \
	  "address stay the device's until unpinned, even if the page is rescinded")
/* clang-format on */

#define CAIRN_INVOCATIONS(X)                                                                        \
	X(NUMBER, READ, 0x0101, "-> w0 = low 64 bits, w1 = high 48 bits")                           \
	X(PAGE, READ, 0x0201, "w0 = offset, w1 = length -> str")                                    \
	X(PAGE, WRITE, 0x0202, "w0 = offset, str -> (needs RW)")                                    \
	X(PAGE, ZERO, 0x0203, "-> the page is all zeros (needs RW)")                                \
	X(PAGE, WEAKEN, 0x0204, "-> r0 = read-only key to the same page")                           \
	X(NODE, GET, 0x0301, "w0 = slot -> r0 = the key (weakened if the node key is WEAK)")        \
	X(NODE, SWAP, 0x0302, "w0 = slot, k0 -> r0 = the old key (needs RW, not WEAK)")             \
	X(NODE, CLEAR, 0x0303, "w0 = first slot, w1 = count -> slots void (needs RW)")              \
	X(NODE, WRITE_NUMBER, 0x0304, "w0 = slot, w1 = low, w2 = high -> (needs RW)")               \
	X(NODE, READ_NUMBER, 0x0305, "w0 = slot -> w0 = low, w1 = high (BAD_KEY if not a number)")  \
	X(NODE, MAKE_SPACE, 0x0306, "w0 = height 1..6, w1 = rights -> r0 = space key (needs RW)")   \
	X(NODE, MAKE_DOMAIN, 0x0307, "-> r0 = domain key to the domain rooted here (needs RW)")     \
	X(NODE, WEAKEN, 0x0308, "w0 = rights to add (RO, WEAK) -> r0 = weaker key")                 \
	X(SPACE, INFO, 0x0401, "-> w0 = height, w1 = rights")                                       \
	X(DOMAIN, GET_REG, 0x0501,                                                                  \
	  "w0 = register (0 pc, 1-31 x1-x31, 32-63 f0-f31, 64 fcsr) -> w0")                         \
	X(DOMAIN, SET_REG, 0x0502, "w0 = register, w1 = value ->")                                  \
	X(DOMAIN, GET_SLOT, 0x0503, "w0 = root slot -> r0")                                         \
	X(DOMAIN, SWAP_SLOT, 0x0504, "w0 = root slot (SPACE or KEEPER), k0 -> r0 = old")            \
	X(DOMAIN, GET_CAP, 0x0505, "w0 = capability register -> r0")                                \
	X(DOMAIN, SWAP_CAP, 0x0506, "w0 = capability register, k0 -> r0 = old")                     \
	X(DOMAIN, MAKE_START, 0x0507, "w0 = badge (48 bits) -> r0 = start key")                     \
	X(DOMAIN, GET_STATE, 0x0508,                                                                \
	  "-> w0 = run state, w1 = fault code, w2 = fault address, w3 = pc")                        \
	X(DOMAIN, START, 0x0509, "w0 = pc (~0: unchanged) -> a halted domain runs")                 \
	X(DOMAIN, IDENTIFY, 0x050a,                                                                 \
	  "k0 -> w0 = 1 if k0 is a start key to the domain, w1 = its badge")                        \
	X(DISCRIM, CLASSIFY, 0x0801, "k0 -> w0 = key type (VOID if rescinded), w1 = rights")        \
	X(DISCRIM, COMPARE, 0x0802,                                                                 \
	  "k0, k1 -> w0 = 1 if both designate the same thing with the same rights")                 \
	X(SLEEP, FOR, 0x0901, "w0 = milliseconds -> (returns after them)")                          \
	X(SLEEP, NOW, 0x0902, "-> w0 = microseconds since this boot, w1 = timebase Hz")             \
	X(CONSOLE, WRITE, 0x0a01, "str -> (written to the console)")                                \
	X(CHECKPOINT, FORCE, 0x0b01, "-> w0 = generation of the snapshot taken")                    \
	X(CHECKPOINT, SET_INTERVAL, 0x0b02, "w0 = milliseconds (0: off) ->")                        \
	X(CHECKPOINT, STATS, 0x0b03,                                                                \
	  "-> w0 = last committed generation, w1 = interval ms, "                                   \
	  "w2 = log blocks in use, w3 = log blocks")                                                \
	X(CHECKPOINT, EPOCH, 0x0b04,                                                                \
	  "-> w0 = the generation the next demarcation will have (its snapshot holds every change " \
	  "made before this call), w1 = last committed, w2 = 1 if output commit is on")             \
	X(CHECKPOINT, DURABLE, 0x0b05,                                                              \
	  "w0 = generation (at most EPOCH's) -> returns once it has committed; asks for an early "  \
	  "checkpoint (docs/checkpoint.md \"Output commit\")")                                      \
	X(RANGE, MAKE_KEY, 0x0c01, "w0 = offset -> r0 = read-write key to that object")             \
	X(RANGE, RESCIND, 0x0c02, "w0 = offset -> every key to the object is void, it is zeroed")   \
	X(RANGE, INFO, 0x0c03, "-> w0 = first OID, w1 = count, w2 = 0 nodes / 1 pages")             \
	X(RANGE, SUB, 0x0c04, "w0 = offset, w1 = count -> r0 = key to the sub-range")               \
	X(RANGE, IDENTIFY, 0x0c05, "k0 -> w0 = offset of k0's object in this range")                \
	X(RANGE, IDENTIFY_KEYS, 0x0c06,                                                             \
	  "w0 = n 1..3, k0..k(n-1), k3 = a second range key or none -> w(i) = kind << 32 | offset") \
	X(RANGE, MAKE_KEYS, 0x0c07,                                                                 \
	  "w0 = n 1..3, w1..wn = kind << 32 | offset, k0 = a second range key or none -> "          \
	  "r0..r(n-1) = read-write keys")                                                           \
	X(RANGE, RESCIND_MANY, 0x0c08,                                                              \
	  "w0 = n 1..3, w1..wn = kind << 32 | offset, k0 = a second range key or none -> "          \
	  "each object as RESCIND, all or none")                                                    \
	X(RANGE, RESCIND_IF_KEY, 0x0c09,                                                            \
	  "w0 = offset, k0 = a key -> as RESCIND, only if k0 is a live key to that very object "    \
	  "(else WRONG_OBJECT, or VOID for a void k0, and nothing changes)")                        \
	X(RANGE, RESCIND_IF_KEYS, 0x0c0a,                                                           \
	  "w0 = n 1..3, w1..wn = kind << 32 | offset, k0..k(n-1) = keys, k3 = a second range key "  \
	  "or none -> each object as RESCIND_IF_KEY with its key, all or none (w0 = the refused)")  \
	X(DEVICE, INFO, 0x0d01,                                                                     \
	  "-> w0 = virtio device ID, w1 = instance, w2 = interrupt, w3 = interrupts so far")        \
	X(DEVICE, WAIT, 0x0d02,                                                                     \
	  "-> its interrupt line is enabled; returns when the device has interrupted (the line "    \
	  "is masked again until the next WAIT)")                                                   \
	X(DMA, PIN, 0x0e01,                                                                         \
	  "k0 = page key, w0 = 1 if the device may write it (needs RW) -> w0 = pin, "               \
	  "w1 = physical address")                                                                  \
	X(DMA, UNPIN, 0x0e02, "w0 = pin -> the pin is gone (a device-writable page is dirtied)")    \
	X(DMA, SYNC, 0x0e03,                                                                        \
	  "w0 = first pin, w1 = count -> each device-writable page is dirtied; w0 = pages "         \
	  "dirtied, w1 = pins whose page was rescinded")                                            \
	X(DMA, INFO, 0x0e04,                                                                        \
	  "-> w0 = pins in use, w1 = pins in all, w2 = pins whose page was rescinded")              \
	X(DMA, EXCHANGE, 0x0e05,                                                                    \
	  "w0 = a device-writable pin, k0 = RW key to another page -> the two pages' contents "     \
	  "are exchanged (their frames trade places); the pin follows its page: w0 = its new "      \
	  "physical address")

/* clang-format off */
#define CAIRN_SERVICE_ORDERS(X)                                                            \
	X(BANK, BUY,         0x8101, "w0 = count 1..3, w1 = kinds (bit i: object i is a page, else a node) -> r0..r2 = keys, w0..w2 = their SELL hints") \
	X(BANK, SELL,        0x8102, "w0 = count 1..3, k0..k2 = keys bought from this bank, w1..w3 = their hints or 0 ->") \
	X(BANK, CREATE,      0x8103, "w0 = 0 transparent, 1 opaque -> r0 = bank key to the new sub-bank, r1 = the creator's key (inspect, or destroy-only)") \
	X(BANK, DESTROY,     0x8104, "-> the bank, its sub-banks and everything bought from them are rescinded (reclaimed in the background)") \
	X(BANK, REMOVE,      0x8105, "-> the bank's objects and sub-banks pass to its parent; the bank is gone") \
	X(BANK, SET_LIMIT,   0x8106, "w0 = 0 nodes / 1 pages, w1 = limit (~0: none) ->") \
	X(BANK, QUERY,       0x8107, "w0 = 0 nodes / 1 pages -> w0 = limit, w1 = usage, w2 = available (the tightest ancestor's), w3 = objects still being reclaimed") \
	X(BANK, REDUCE,      0x8108, "w0 = restriction bits to add -> r0 = a key that may do less") \
	X(BANK, VERIFY,      0x8109, "k0 -> w0 = 1 if k0 is a genuine key to a live bank of this domain, w1 = bank kind (0 transparent, 1 opaque), w2 = restrictions, w3 = key kind (0 bank, 1 inspect, 2 destroy-only)") \
	X(BANK, LIST,        0x810a, "inspect key: w0 = cursor (0: start) -> w0 = next cursor (0: done), w1 = count, w2, w3 = objects (pool << 32 | offset)") \
	X(BANK, RESCIND_OBJ, 0x810b, "inspect key: w0 = object (pool << 32 | offset) -> the object is sold (rescinded)") \
	X(BANK, READ_KEY,    0x810c, "inspect key: w0 = object (pool << 32 | offset) -> r0 = a read-only key to it (page RO, node RO and WEAK)") \
	X(BANK, AUDIT,       0x810d, "prime bank key: -> w0 = 0 or the books' first inconsistency, w1 = banks, w2 = nodes in use, w3 = pages in use") \
	X(BANK, STEP,        0x810e, "the bank's reaper only: -> reclaims a bounded slice of pending destroys; w0 = 1 if work remains") \
	X(ENET, ATTACH,      0x8201, "k0 = a bank key that may buy (the client's storage), w0 = receive mode (0: 30 buffers of 2 KiB; 1: 15 page buffers, large frames by page exchange; 2: page buffers, every frame copied) -> r0 = the session's view (a space key: rings, read-only receive buffers, transmit buffers), w0 = the guest's MAC, w1 = its IPv4 address (first byte lowest)") \
	X(ENET, BIND,        0x8202, "w0 = protocol (6 TCP, 17 UDP), w1 = port -> the port is the session's") \
	X(ENET, RECV,        0x8203, "-> returns when the session's RX_ACTIVE queue holds a frame the client has not taken") \
	X(ENET, SEND,        0x8204, "-> transmit rounds across the sessions (fair) send what TX_ACTIVE holds; w0 = the session's frames sent") \
	X(ENET, STATS,       0x8205, "w0 = counter index, w1 = 0 the session's / 1 enet's own -> w0..w3 = counters index..index+3 (frames in, bytes in, frames out, bytes out, then a drop counter per reason row)") \
	X(ENET, IRQ,         0x8206, "enet's interrupt helper only: w0 = what DEVICE_WAIT answered -> the device was served") \
	X(ENET, PRINT,       0x8207, "-> the session's counters and enet's own are printed on the console (the debug switch)") \
	X(ENET, HOLD,        0x8208, "enet's commit helper only: w0 = 1 output commit on, 0 off -> (on) every session's queued frames are marked; w0 = 1 if any waits, else returns when one does; w0 = 0 after a new boot (ask again)") \
	X(ENET, RELEASE,     0x8209, "enet's commit helper only: -> the frames marked at the last HOLD may go (a checkpoint taken after the marks has committed)") \
	X(ENET, RX_MODE,     0x820a, "w0 = receive mode 1 or 2 (a session attached with page buffers: page exchange on or off), w1 = the shortest frame exchanged (0: the default, ENET_EXCHANGE_MIN) -> the frames delivered from now on come so") \
	X(STACK, ATTACH,      0x8301, "client: k0 = a bank key that may buy (the client's storage: the stack's heap and its enet session), w0 = enet's receive mode (ENET ATTACH's w0) -> w0 = the guest's IPv4 address (first byte lowest), w1 = its MAC") \
	X(STACK, TCP_LISTEN,  0x8302, "w0 = local port, w1 = backlog (0: the default) -> w0 = the listener's handle") \
	X(STACK, TCP_ACCEPT,  0x8303, "w0 = a listener's handle -> w0 = the connection's handle, w1 = peer IPv4, w2 = peer port; NET_WOULD_BLOCK if none is waiting") \
	X(STACK, TCP_CONNECT, 0x8304, "w0 = IPv4 (first byte lowest), w1 = port -> w0 = the connection's handle (writable once established; NET_RESET if it fails)") \
	X(STACK, TCP_SEND,    0x8305, "w0 = handle, string = bytes -> w0 = bytes taken (a prefix); NET_WOULD_BLOCK if none fit") \
	X(STACK, TCP_RECV,    0x8306, "w0 = handle, w1 = the string buffer's size -> string = bytes, w0 = their count; NET_WOULD_BLOCK if none, NET_CLOSED at the end of the peer's data, NET_RESET") \
	X(STACK, CLOSE,       0x8307, "w0 = handle -> the handle is free (TCP: a graceful close; UDP: the port is unbound)") \
	X(STACK, UDP_BIND,    0x8308, "w0 = local port -> w0 = the socket's handle") \
	X(STACK, UDP_SENDTO,  0x8309, "w0 = handle, w1 = IPv4 (first byte lowest), w2 = port, string = the datagram ->") \
	X(STACK, UDP_RECVFROM,0x830a, "w0 = handle, w1 = the string buffer's size -> string = the datagram, w0 = bytes given, w1 = sender IPv4, w2 = sender port, w3 = the datagram's length (more: the rest was dropped); NET_WOULD_BLOCK if none") \
	X(STACK, WAIT,        0x830b, "w0 = handles whose writability is wanted (bit h), w1 = handles whose readability is not -> w0 = readable handles not in w1 (data, end, error, a connection to accept, a datagram), w1 = writable handles of w0; returns at once if either is non-empty, else when one is") \
	X(STACK, STATS,       0x830c, "w0 = counter index -> w0..w3 = the stack's counters index..index+3 (docs/network.md)") \
	X(STACK, RX,          0x830d, "the stack's receive helper only: -> the frames enet queued were taken in") \
	X(STACK, TICK,        0x830e, "the stack's timer helper only: -> lwIP's timers ran; w0 = milliseconds until the next is due") \
	X(STACK, RX_MODE,     0x830f, "w0 = enet's receive mode 1 or 2 (a stack attached with page buffers), w1 = the shortest frame exchanged (0: the default) -> ENET RX_MODE on the stack's session")
/* clang-format on */

enum cairn_service_order {
#define CAIRN_X(service, name, code, desc) CAIRN_SO_##service##_##name = code,
	CAIRN_SERVICE_ORDERS(CAIRN_X)
#undef CAIRN_X
};

#define CAIRN_RESULTS(X)                                                                           \
	X(OK, 0, "success")                                                                        \
	X(VOID, 1, "the key is void: never valid, or its object was rescinded")                    \
	X(BAD_SLOT, 2, "a capability register or node slot number is out of range")                \
	X(BAD_ORDER, 3, "this key type has no such invocation")                                    \
	X(NO_RIGHTS, 4, "the key's rights do not allow this")                                      \
	X(BAD_ARGUMENT, 5, "an argument word is out of range")                                     \
	X(BAD_STRING, 6, "the string to send is not readable by the sender")                       \
	X(STRING_TOO_LONG, 7, "the string is longer than CAIRN_MAX_STRING")                        \
	X(BAD_KEY, 8, "a key argument has the wrong type")                                         \
	X(HALTED, 9, "the target domain is halted")                                                \
	X(BAD_SYSCALL, 10, "unknown system call operation in a7")                                  \
	X(IO, 11, "an object could not be read from the volume")                                   \
	X(SELF, 12, "a node key may not read or change the invoker's own root or register nodes")  \
	X(NOT_DOMAIN, 13,                                                                          \
	  "the node is not a domain root: its register, FP or capability slot "                    \
	  "holds a key that is not a full-rights node key")                                        \
	X(NO_ACTIVITY, 14, "no more domains can run at once: the checkpoint log cannot list them") \
	X(BANK_LIMIT, 15, "the purchase is over the limit of the bank or of an ancestor")          \
	X(BANK_EXHAUSTED, 16, "the pool has no free object left")                                  \
	X(NOT_OWNER, 17, "the object was not bought from this bank")                               \
	X(DUPLICATE, 18, "the same object twice in one sell")                                      \
	X(BANK_DEAD, 19, "the bank was destroyed or removed, or is being destroyed")               \
	X(RESTRICTED, 20, "the key's restrictions forbid the operation")                           \
	X(BANK_BOOKS, 21, "the bank has no storage left for its own books")                        \
	X(BANK_DEPTH, 22, "sub-banks nested too deep")                                             \
	X(BANK_FULL, 23, "the bank table is full: no more banks")                                  \
	X(BANK_PRIME, 24, "the prime bank cannot be destroyed or removed")                         \
	X(BANK_STALE, 25, "the listing's cursor is stale: start again")                            \
	X(NOT_BANK, 26, "the key is not a genuine key to a bank of this bank domain")              \
	X(NO_DEVICE, 27, "the machine has no such device, or the kernel drives it itself")         \
	X(DEVICE_RESET, 28,                                                                        \
	  "the device was reset (a boot since the driver last used it): set it up again")          \
	X(NOT_PINNED, 29, "the DMA key has no such pin")                                           \
	X(DMA_FULL, 30, "every pin of the DMA key is in use")                                      \
	X(PORT_TAKEN, 31, "another session of enet owns the port")                                 \
	X(PORTS_FULL, 32, "enet's port table, or the session's share of it, is full")              \
	X(NET_REFUSED, 33, "enet refused the frame: w0 = the reason (docs/network.md)")            \
	X(NET_WOULD_BLOCK, 34, "nothing to take, or no room, yet: STACK WAIT, then try again")     \
	X(NET_CLOSED, 35, "the peer closed the connection and everything it sent has been read")   \
	X(NET_RESET, 36, "the connection was reset or aborted (by the peer, a timeout, a resume)") \
	X(NET_NO_MEMORY, 37, "the stack's heap (its client's storage) is exhausted")               \
	X(NET_BAD_HANDLE, 38, "no socket of that kind has this handle")                            \
	X(WRONG_OBJECT, 39,                                                                        \
	  "the key is not a key to the object named (RESCIND_IF_KEY, a SELL's hint)")              \
	X(DMA_PINNED, 40, "the page has another DMA pin: its frame cannot change hands")

enum cairn_key_type {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) CAIRN_KEY_##name = code,
	CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
		CAIRN_KEY_TYPE_COUNT
};

/* Row n has code n, so that a column can be an array indexed by type (the
 * kernel's dispatch is one) and CAIRN_KEY_TYPE_COUNT counts the rows. */
enum cairn_key_type_row {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) CAIRN_KEY_ROW_##name,
	CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
};
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	_Static_assert(CAIRN_KEY_ROW_##name == code,           \
		       "CAIRN_KEY_TYPES: " #name " is not row " #code);
CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X

enum cairn_invocation {
#define CAIRN_X(type, name, code, desc) CAIRN_OC_##type##_##name = code,
	CAIRN_INVOCATIONS(CAIRN_X)
#undef CAIRN_X
};

enum cairn_result {
#define CAIRN_X(name, code, desc) CAIRN_##name = code,
	CAIRN_RESULTS(CAIRN_X)
#undef CAIRN_X
};

/* Key rights (byte 1 of a key slot). */
#define CAIRN_RIGHT_RO     0x01u /* page, node, space: no writes */
#define CAIRN_RIGHT_WEAK   0x02u /* node, space: keys fetched through it are weakened */
#define CAIRN_RIGHT_NX     0x04u /* space, page (as a mapping): no instruction fetch */
#define CAIRN_RIGHT_KEEPER 0x08u /* space: node slot 0 is the content, slot 1 the keeper */
#define CAIRN_RIGHT_FAULT  0x10u /* resume: restart the domain, deliver no message */

/* Range keys: badge values. */
#define CAIRN_RANGE_NODES 0u
#define CAIRN_RANGE_PAGES 1u
/* An object of a range as MAKE_KEY and MAKE_KEYS name it in their reply
 * words: CAIRN_RANGE_NAMED | kind << 32 | offset (kind a badge value
 * above). The top bit makes the word never 0, so 0 can mean "no object"
 * (the bank's SELL hint, docs/bank.md). */
#define CAIRN_RANGE_NAMED (1ull << 63)
#define CAIRN_RANGE_WORD(kind, offset) \
	(CAIRN_RANGE_NAMED | (uint64_t)(kind) << 32 | (uint32_t)(offset))

/* Fault codes, the order code a keeper receives (see cairn/abi.h). */
/* clang-format off */
#define CAIRN_FAULTS(X)                                                                    \
	X(MEMORY, 0xf001, "no page is mapped at the address")                              \
	X(ACCESS, 0xf002, "write to read-only memory or fetch from no-execute memory")    \
	X(ILLEGAL, 0xf003, "illegal instruction")                                          \
	X(MISALIGNED, 0xf004, "misaligned access")                                         \
	X(BREAKPOINT, 0xf005, "ebreak")                                                    \
	X(IO, 0xf006, "an object the domain needs could not be read from the volume")     \
	X(OTHER, 0xf00f, "another exception")
/* clang-format on */

enum cairn_fault {
#define CAIRN_X(name, code, desc) CAIRN_FAULT_##name = code,
	CAIRN_FAULTS(CAIRN_X)
#undef CAIRN_X
};

/*
 * The columns and the names, looked up by code: the one expansion every
 * user shares (kernel, runtime, cairn-format, tests). A code that no row
 * has gets NULL for a name, no object, VOID when weakened and no word.
 * Names are the rows' NAMEs: "NODE", "NO_RIGHTS", "MEMORY".
 */
static inline const char *cairn_keytab_type_name(uint64_t type)
{
	switch (type) {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	case code:                                             \
		return #name;
		CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
	}
	return (const char *)0;
}

static inline const char *cairn_keytab_result_name(uint64_t result)
{
	switch (result) {
#define CAIRN_X(name, code, desc) \
	case code:                \
		return #name;
		CAIRN_RESULTS(CAIRN_X)
#undef CAIRN_X
	}
	return (const char *)0;
}

static inline const char *cairn_keytab_fault_name(uint64_t fault)
{
	switch (fault) {
#define CAIRN_X(name, code, desc) \
	case code:                \
		return #name;
		CAIRN_FAULTS(CAIRN_X)
#undef CAIRN_X
	}
	return (const char *)0;
}

/* Bit t set: key type t's object is `want` (a constant for the compiler:
 * the kernel tests types against these masks on every invocation). */
static inline uint64_t cairn_keytab_object_mask(enum cairn_key_object want)
{
	return 0
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	| (uint64_t)(CAIRN_OBJECT_##object == want) << code
		CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
			;
}
_Static_assert(CAIRN_KEY_TYPE_COUNT <= 64, "cairn_keytab_object_mask holds every type");

static inline enum cairn_key_object cairn_keytab_object(uint64_t type)
{
	switch (type) {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	case code:                                             \
		return CAIRN_OBJECT_##object;
		CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
	}
	return CAIRN_OBJECT_NONE;
}

/* The rights a key of this type gains when fetched through a WEAK key, or
 * CAIRN_WEAKENED_VOID. */
static inline uint8_t cairn_keytab_weakened(uint64_t type)
{
	switch (type) {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	case code:                                             \
		return CAIRN_WEAKENED_##weak;
		CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
	}
	return CAIRN_WEAKENED_VOID;
}

/* The image description word, "" for none. */
static inline const char *cairn_keytab_word(uint64_t type)
{
	switch (type) {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) \
	case code:                                             \
		return word;
		CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
	}
	return "";
}

#endif /* CAIRN_KEYTAB_H */
