/* SPDX-License-Identifier: MIT */
/*
 * The one table of key types, invocation codes and result codes.
 *
 * Everything that names a key type or an invocation (the kernel's
 * dispatch, the domain runtime's stubs, cairn-format's image writer and
 * --inspect, the tests and docs/invocations.md) expands these X-macro
 * lists, so a new key type or invocation is added here and nowhere else
 * by hand. Codes are part of the persistent format (key types are stored
 * in node slots) and of the user ABI: never renumber, only append.
 *
 * CAIRN_KEY_TYPES(X):   X(NAME, code, "what it designates")
 * CAIRN_INVOCATIONS(X): X(TYPE, NAME, code, "arguments -> results")
 *   code = key type << 8 | n. The argument notation: w0..w3 are the data
 *   words (a2..a5), k0..k3 the keys sent, r0 the first receive slot,
 *   "str" the data string.
 * CAIRN_RESULTS(X):     X(NAME, code, "meaning"), the result code in a1.
 */
#ifndef CAIRN_KEYTAB_H
#define CAIRN_KEYTAB_H

#define CAIRN_KEY_TYPES(X)                                                                 \
	X(VOID, 0, "no authority; every invocation returns VOID")                          \
	X(NUMBER, 1, "no object: 14 bytes of data, returned by invoking it")               \
	X(PAGE, 2, "a 4 KiB page (rights: RO)")                                             \
	X(NODE, 3, "a node of 32 key slots (rights: RO, WEAK)")                             \
	X(SPACE, 4, "an address space: a node tree mapping pages (badge: height; "         \
		    "rights: RO, NX, WEAK, KEEPER)")                                         \
	X(DOMAIN, 5, "full authority over a domain: registers, slots, start keys")         \
	X(START, 6, "call a domain; the badge tells the server which client called")       \
	X(RESUME, 7, "one-shot reply to a waiting domain (rights: FAULT restarts it)")     \
	X(DISCRIM, 8, "tell a key's type and compare keys without invoking them")          \
	X(SLEEP, 9, "wait for a time and read the clock")                                  \
	X(CONSOLE, 10, "write text to the system console")                                 \
	X(CHECKPOINT, 11, "force checkpoints, set their period, read statistics")          \
	X(RANGE, 12, "create keys to and rescind the objects of a range of OIDs "          \
		     "(badge: 0 nodes, 1 pages)")                                             \
	X(DEVICE, 13, "reserved: device register access (network issue)")                 \
	X(DMA, 14, "reserved: DMA-pinnable pages (network issue)")

#define CAIRN_INVOCATIONS(X)                                                               \
	X(NUMBER, READ, 0x0101, "-> w0 = low 64 bits, w1 = high 48 bits")                  \
	X(PAGE, READ, 0x0201, "w0 = offset, w1 = length -> str")                           \
	X(PAGE, WRITE, 0x0202, "w0 = offset, str -> (needs RW)")                            \
	X(PAGE, ZERO, 0x0203, "-> the page is all zeros (needs RW)")                        \
	X(PAGE, WEAKEN, 0x0204, "-> r0 = read-only key to the same page")                  \
	X(NODE, GET, 0x0301, "w0 = slot -> r0 = the key (weakened if the node key is WEAK)") \
	X(NODE, SWAP, 0x0302, "w0 = slot, k0 -> r0 = the old key (needs RW, not WEAK)")    \
	X(NODE, CLEAR, 0x0303, "w0 = first slot, w1 = count -> slots void (needs RW)")    \
	X(NODE, WRITE_NUMBER, 0x0304, "w0 = slot, w1 = low, w2 = high -> (needs RW)")      \
	X(NODE, READ_NUMBER, 0x0305, "w0 = slot -> w0 = low, w1 = high (BAD_KEY if not a number)") \
	X(NODE, MAKE_SPACE, 0x0306, "w0 = height 1..6, w1 = rights -> r0 = space key (needs RW)") \
	X(NODE, MAKE_DOMAIN, 0x0307, "-> r0 = domain key to the domain rooted here (needs RW)") \
	X(NODE, WEAKEN, 0x0308, "w0 = rights to add (RO, WEAK) -> r0 = weaker key")        \
	X(SPACE, INFO, 0x0401, "-> w0 = height, w1 = rights")                               \
	X(DOMAIN, GET_REG, 0x0501, "w0 = register (0 pc, 1-31 x1-x31, 32-63 f0-f31, 64 fcsr) -> w0") \
	X(DOMAIN, SET_REG, 0x0502, "w0 = register, w1 = value ->")                          \
	X(DOMAIN, GET_SLOT, 0x0503, "w0 = root slot -> r0")                                \
	X(DOMAIN, SWAP_SLOT, 0x0504, "w0 = root slot (SPACE or KEEPER), k0 -> r0 = old")   \
	X(DOMAIN, GET_CAP, 0x0505, "w0 = capability register -> r0")                       \
	X(DOMAIN, SWAP_CAP, 0x0506, "w0 = capability register, k0 -> r0 = old")            \
	X(DOMAIN, MAKE_START, 0x0507, "w0 = badge -> r0 = start key")                      \
	X(DOMAIN, GET_STATE, 0x0508, "-> w0 = run state, w1 = fault code, w2 = fault address, w3 = pc") \
	X(DOMAIN, START, 0x0509, "w0 = pc (~0: unchanged) -> a halted domain runs")        \
	X(DISCRIM, CLASSIFY, 0x0801, "k0 -> w0 = key type (VOID if rescinded), w1 = rights") \
	X(DISCRIM, COMPARE, 0x0802, "k0, k1 -> w0 = 1 if both designate the same thing with the same rights") \
	X(SLEEP, FOR, 0x0901, "w0 = milliseconds -> (returns after them)")                 \
	X(SLEEP, NOW, 0x0902, "-> w0 = microseconds since this boot, w1 = timebase Hz")    \
	X(CONSOLE, WRITE, 0x0a01, "str -> (written to the console)")                       \
	X(CHECKPOINT, FORCE, 0x0b01, "-> w0 = generation of the snapshot taken")           \
	X(CHECKPOINT, SET_INTERVAL, 0x0b02, "w0 = milliseconds (0: off) ->")               \
	X(CHECKPOINT, STATS, 0x0b03, "-> w0 = last committed generation, w1 = interval ms, " \
				     "w2 = log blocks in use, w3 = log blocks")               \
	X(RANGE, MAKE_KEY, 0x0c01, "w0 = offset -> r0 = read-write key to that object")    \
	X(RANGE, RESCIND, 0x0c02, "w0 = offset -> every key to the object is void, it is zeroed") \
	X(RANGE, INFO, 0x0c03, "-> w0 = first OID, w1 = count, w2 = 0 nodes / 1 pages")    \
	X(RANGE, SUB, 0x0c04, "w0 = offset, w1 = count -> r0 = key to the sub-range")      \
	X(RANGE, IDENTIFY, 0x0c05, "k0 -> w0 = offset of k0's object in this range")

#define CAIRN_RESULTS(X)                                                                   \
	X(OK, 0, "success")                                                                \
	X(VOID, 1, "the key is void: never valid, or its object was rescinded")            \
	X(BAD_SLOT, 2, "a capability register or node slot number is out of range")        \
	X(BAD_ORDER, 3, "this key type has no such invocation")                            \
	X(NO_RIGHTS, 4, "the key's rights do not allow this")                              \
	X(BAD_ARGUMENT, 5, "an argument word is out of range")                             \
	X(BAD_STRING, 6, "the string to send is not readable by the sender")               \
	X(STRING_TOO_LONG, 7, "the string is longer than CAIRN_MAX_STRING")                \
	X(BAD_KEY, 8, "a key argument has the wrong type")                                 \
	X(HALTED, 9, "the target domain is halted")                                        \
	X(BAD_SYSCALL, 10, "unknown system call operation in a7")                          \
	X(IO, 11, "an object could not be read from the volume")                          \
	X(SELF, 12, "a node key may not read or change the invoker's own root or register nodes") \
	X(NOT_DOMAIN, 13, "the node is not a domain root: its register, FP or capability slot " \
			  "holds a key that is not a full-rights node key")                \
	X(NO_ACTIVITY, 14, "no more domains can run at once: the checkpoint log cannot list them")

enum cairn_key_type {
#define CAIRN_X(name, code, desc) CAIRN_KEY_##name = code,
	CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
	CAIRN_KEY_TYPE_COUNT
};

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

/* Fault codes, the order code a keeper receives (see cairn/abi.h). */
#define CAIRN_FAULTS(X)                                                                    \
	X(MEMORY, 0xf001, "no page is mapped at the address")                              \
	X(ACCESS, 0xf002, "write to read-only memory or fetch from no-execute memory")    \
	X(ILLEGAL, 0xf003, "illegal instruction")                                          \
	X(MISALIGNED, 0xf004, "misaligned access")                                         \
	X(BREAKPOINT, 0xf005, "ebreak")                                                    \
	X(IO, 0xf006, "an object the domain needs could not be read from the volume")     \
	X(OTHER, 0xf00f, "another exception")

enum cairn_fault {
#define CAIRN_X(name, code, desc) CAIRN_FAULT_##name = code,
	CAIRN_FAULTS(CAIRN_X)
#undef CAIRN_X
};

#endif /* CAIRN_KEYTAB_H */
