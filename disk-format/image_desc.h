/* SPDX-License-Identifier: MIT */
/*
 * Image descriptions (host only): the text file that `cairn-format --image`
 * reads, parsed into programs, domains and the keys of their capability
 * registers (docs/image-format.md, "Description files"). The parser only
 * reads text: it opens no ELF and knows nothing of the volume, so every
 * check here is about the description alone. Names of programs and
 * domains are resolved after the whole file is read, so a line may name a
 * domain defined further down. What needs the programs (stack and heap
 * against the program's end) or the volume (ranges against the pools) is
 * checked by the builder, which still names the line (image_build.h).
 *
 * Errors are one line, "FILE:LINE: message" (FILE as given), in err.
 */
#ifndef CAIRN_IMAGE_DESC_H
#define CAIRN_IMAGE_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/abi.h"
#include "cairn/key.h"
#include "cairn/keytab.h"

#define IMAGE_NAME_MAX      14u          /* bytes: what a number key holds */
#define IMAGE_SPACE_TOP     0x8000000ull /* 128 MiB: a height-3 space */
#define IMAGE_DEFAULT_STACK (64ull * 1024)
#define IMAGE_NO_INDEX      ((size_t)-1)

/* One `cap SLOT KEY` line. KEY opens with a key type's word in the key
 * table (cairn/keytab.h, CAIRN_KEY_TYPES) or `self`, a start key to the
 * domain itself; what may follow the word is image_desc.c's cap_syntax[].
 * A type not named below uses no field but `type` and `line`. */
struct image_cap {
	uint8_t type; /* CAIRN_KEY_*; VOID: no line, the slot stays void */
	unsigned line;
	uint64_t value;      /* NUMBER: the value; RANGE (explicit): FIRST; DEVICE: ID */
	uint64_t count;      /* RANGE (explicit): COUNT, < 2^32; DEVICE: instance */
	bool range_pages;    /* RANGE: pages, else nodes */
	bool range_explicit; /* RANGE: FIRST COUNT given */
	uint16_t badge;      /* START */
	char target_name[IMAGE_NAME_MAX + 1]; /* START, DOMAIN */
	char label[CAIRN_KEY_LABEL_MAX + 1];  /* CONSOLE: label= or the domain's name */
	size_t target;                        /* START, DOMAIN: domain index, once resolved */
};

struct image_domain {
	char name[IMAGE_NAME_MAX + 1];
	unsigned line;
	char program_name[IMAGE_NAME_MAX + 1];
	size_t program; /* index into image_desc.programs, once resolved */
	bool run;
	uint64_t stack;                             /* bytes, a multiple of 4 KiB, at least 4 KiB */
	uint64_t heap;                              /* bytes, a multiple of 4 KiB */
	uint64_t arg;                               /* a0 */
	char keeper_name[IMAGE_NAME_MAX + 1];       /* "" for none */
	char space_keeper_name[IMAGE_NAME_MAX + 1]; /* "" for none */
	size_t keeper;                              /* IMAGE_NO_INDEX for none */
	size_t space_keeper;                        /* IMAGE_NO_INDEX for none */
	struct image_cap caps[CAIRN_CAP_REGS];      /* by slot; slot 0 always VOID */
};

struct image_program {
	char name[IMAGE_NAME_MAX + 1];
	unsigned line;
	char *path; /* resolved against the description's directory */
};

struct image_desc {
	char *file; /* the description's path as given, for messages */
	struct image_program *programs;
	size_t nprograms;
	struct image_domain *domains;
	size_t ndomains;
};

/*
 * Parse text[0..len) as the description `file` (used for messages and to
 * resolve program paths: relative to dirname(file)). Returns
 * FORMAT_EXIT_OK with *d filled (free it with image_desc_free), or
 * FORMAT_EXIT_FAILURE with "FILE:LINE: message" in err and *d empty.
 */
int image_desc_parse(const char *file, const char *text, size_t len, struct image_desc *d,
		     char *err, size_t errlen);

/* Read the file, then image_desc_parse(); "FILE: reason" if unreadable. */
int image_desc_load(const char *file, struct image_desc *d, char *err, size_t errlen);

void image_desc_free(struct image_desc *d);

/* Letters, digits, '-' and '_', 1..IMAGE_NAME_MAX bytes. */
bool image_name_ok(const char *s, size_t len);

#endif /* CAIRN_IMAGE_DESC_H */
