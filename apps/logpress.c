/* SPDX-License-Identifier: MIT */
/*
 * logpress: log pressure and fetch faults (test/qemu/test_faults.py). One
 * program, two kinds of domain (apps/logpress.image):
 *
 *   arg=N > 0  the presser: writes every word of the N pages of its heap
 *              (heap= must be at least N x 4K), round after round, so that
 *              each round dirties N blocks, far more than a small log holds
 *              between two checkpoints: it must wait for checkpoints and
 *              migration to free log space, again and again;
 *   arg=0      its keeper: hears the presser's faults.
 *
 * The lines below are as the console shows them: the kernel puts the
 * console key's label before each (logpress.image labels the presser
 * "logpress"; the keeper is the domain presskeeper).
 *
 * Every word j of heap page i written in round r holds pattern(r, i, j);
 * word 0 is r itself and word 1 is i, so a wrong page says what it holds
 * (a page not yet written is all zeros: "round 0"). Round
 * r (from 1) goes over the pages in order and, before writing page i,
 * checks that it holds all of round r - 1 (zeros for r = 1); after the
 * last page it reads every page back, checks it is all of round r, and
 * prints
 *
 *   logpress: round <r> checksum <x>
 *   logpress: verify ok
 *
 * x (hex) is a hash of every word read back: a function of r and N only,
 * so a round repeated after a restart prints the same line. The first page
 * that is wrong instead prints, once,
 *
 *   logpress: CORRUPT page <i> round <held> want <r> word <j>
 *
 * and the presser stops (cairn_exit). The round and the page being written
 * are in the presser's memory, so after a restart from a checkpoint it goes
 * on from that point, and the checks hold across the restart exactly when
 * the checkpoint was a consistent cut of the pages and the registers.
 * At the very start it prints "logpress: pressing <N> pages".
 *
 * The keeper waits for fault calls. An IO fault (a block of the presser
 * could not be read from the volume) prints
 *
 *   presskeeper: IO fault at pc 0x<pc> addr 0x<addr>, restarting
 *
 * and restarts the presser where it stopped (the retry reads the block
 * again); after KEEPER_RETRIES IO faults in a row at the same address, or
 * on any other fault, it prints
 *
 *   presskeeper: <FAULT> fault at pc 0x<pc> addr 0x<addr>, left stopped
 *
 * and leaves the presser stopped. Anything that is not a fault is answered
 * BAD_ORDER.
 *
 * Capability registers: 1 console, 2 sleep; the keeper receives the
 * faulting domain's key in 5 and the fault-resume key in 31.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cairn.h"

#define PAGE_WORDS     (4096 / sizeof(uint64_t))
#define KEEPER_RETRIES 3

#define CAP_FAULTER      5
#define CAP_FAULT_RESUME 31

/* The presser's state: in its data page, so it is checkpointed with the
 * pages it describes. */
static uint64_t round_no;  /* the round being written, from 1 */
static uint64_t next_page; /* the next page of this round to write */

static uint64_t pattern(uint64_t r, uint64_t i, uint64_t j)
{
	if (r == 0)
		return 0; /* never written: a fresh zero page */
	if (j == 0)
		return r;
	if (j == 1)
		return i;
	uint64_t x = r << 40 ^ i << 16 ^ j;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ x >> 29;
}

static uint64_t *page(uint64_t i)
{
	return (uint64_t *)(__heap_start + i * 4096);
}

/* The first word of page i that is not of round r, or PAGE_WORDS. */
static uint64_t check_page(uint64_t i, uint64_t r)
{
	const volatile uint64_t *p = page(i);
	for (uint64_t j = 0; j < PAGE_WORDS; j++)
		if (p[j] != pattern(r, i, j))
			return j;
	return PAGE_WORDS;
}

static __attribute__((noreturn)) void corrupt(uint64_t i, uint64_t want, uint64_t j)
{
	printf("CORRUPT page %" PRIu64 " round %" PRIu64 " want %" PRIu64 " word %" PRIu64 "\n", i,
	       page(i)[0], want, j);
	cairn_exit();
}

static __attribute__((noreturn)) void presser(uint64_t pages)
{
	if (round_no == 0) {
		printf("pressing %" PRIu64 " pages\n", pages);
		round_no = 1;
	}
	for (;;) {
		for (; next_page < pages; next_page++) {
			uint64_t i = next_page, j = check_page(i, round_no - 1);
			if (j != PAGE_WORDS)
				corrupt(i, round_no - 1, j);
			uint64_t *p = page(i);
			for (j = 0; j < PAGE_WORDS; j++)
				p[j] = pattern(round_no, i, j);
		}
		uint64_t h = 0xcbf29ce484222325ull;
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t j = check_page(i, round_no);
			if (j != PAGE_WORDS)
				corrupt(i, round_no, j);
			const uint64_t *p = page(i);
			for (j = 0; j < PAGE_WORDS; j++)
				h = (h ^ p[j]) * 0x100000001b3ull;
		}
		printf("round %" PRIu64 " checksum %016" PRIx64 "\n", round_no, h);
		printf("verify ok\n");
		round_no++;
		next_page = 0;
	}
}

static __attribute__((noreturn)) void keeper(void)
{
	const struct cairn_rcv rcv = { .keys = { CAP_FAULTER }, .resume = CAP_FAULT_RESUME };
	struct cairn_reply in;
	uint64_t last_addr = 0, in_a_row = 0;

	cairn_wait(&rcv, &in);
	for (;;) {
		const char *fault = cairn_fault_name(in.code);
		if (fault[0] == '?') {
			const struct cairn_msg no = { .order = CAIRN_BAD_ORDER };
			cairn_return(CAP_FAULT_RESUME, &no, &rcv, &in);
			continue;
		}
		in_a_row = in.code == CAIRN_FAULT_IO && in.w[1] == last_addr ? in_a_row + 1 : 1;
		last_addr = in.w[1];
		if (in.code == CAIRN_FAULT_IO && in_a_row <= KEEPER_RETRIES) {
			printf("IO fault at pc 0x%" PRIx64 " addr 0x%" PRIx64 ", restarting\n",
			       in.w[2], in.w[1]);
			cairn_return(CAP_FAULT_RESUME, NULL, &rcv, &in);
		} else {
			printf("%s fault at pc 0x%" PRIx64 " addr 0x%" PRIx64 ", left stopped\n",
			       fault, in.w[2], in.w[1]);
			cairn_wait(&rcv, &in); /* the resume key is dropped */
		}
	}
}

int main(uint64_t arg)
{
	if (arg == 0)
		keeper();
	presser(arg);
}
