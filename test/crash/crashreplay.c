/* SPDX-License-Identifier: MIT */
/*
 * crashreplay: check checkpoint recovery against every crash state of a
 * recorded run (replay.h has the states and the checks; README.md how to
 * record a run).
 *
 *   crashreplay [options] BASE LOG
 *
 * Prints `crashreplay: <n> states checked, <f> failures` and exits 0 only
 * when nothing failed, 2 on usage or set-up errors. With --planted NAME
 * (a recording of a writer with that planted bug, plant.h) it exits 0
 * only when some state failed and the plant explains every failure: each
 * failing state exposes it and fails for a reason it can cause.
 * Deterministic: the same files and seed give the same states.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"

static void usage(FILE *f)
{
	fputs("usage: crashreplay [options] BASE LOG\n"
	      "Replays the crash states of a dm-log-writes LOG recorded over the volume\n"
	      "image BASE and checks checkpoint recovery on each.\n\n"
	      "  -s, --seed N          PRNG seed (default 1)\n"
	      "  -n, --states N        random states per flush point (default 64; 4 fixed\n"
	      "                        states are always added)\n"
	      "      --counted-only    ignore entries past the log superblock's count\n"
	      "      --max-report N    failure lines printed (default 20)\n"
	      "  -v, --verbose         one line per flush point\n"
	      "      --dump            list the log's entries (headers marked) and exit\n"
	      "      --emit DIR        write sampled states to DIR as images, with DIR/manifest\n"
	      "      --sample N        how many (default 20)\n"
	      "      --min-states N    fail unless at least N states were checked\n"
	      "      --planted NAME    the log's writer has this planted bug (header-before-flush,\n"
	      "                        reuse-early, early-migrate): succeed only if some state\n"
	      "                        fails and the plant explains every failure\n"
	      "  -h, --help\n",
	      f);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *s == '\0' || *end != '\0' || *s == '-' ? -1 : 0;
}

/* A planted recording passes when the plant is caught, and is all that is. */
static int judge_planted(const struct replay_opts *o, const struct replay_result *r)
{
	printf("crashreplay: planted %s: %" PRIu64 " states expose it, %" PRIu64 " failed, %" PRIu64
	       " failures it does not explain; reasons:",
	       plant_name(o->plant), r->exposed, r->failed, r->unexplained);
	for (unsigned k = 0; k < FR_N; k++)
		if (r->reasons[k])
			printf(" %s %" PRIu64, fail_reason_name((enum fail_reason)k),
			       r->reasons[k]);
	printf("%s\n", r->failed ? "" : " none");
	if (r->failed == 0) {
		printf("crashreplay: FAIL: the planted bug was not caught (no state failed)\n");
		return 1;
	}
	if (r->unexplained) {
		printf("crashreplay: FAIL: %" PRIu64 " failures the planted bug does not explain"
		       " (is recovery, or the checker, broken?)\n",
		       r->unexplained);
		return 1;
	}
	return 0;
}

enum { OPT_COUNTED = 256, OPT_MAXREP, OPT_DUMP, OPT_EMIT, OPT_SAMPLE, OPT_MIN, OPT_PLANTED };

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "states", required_argument, NULL, 'n' },
		{ "counted-only", no_argument, NULL, OPT_COUNTED },
		{ "max-report", required_argument, NULL, OPT_MAXREP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dump", no_argument, NULL, OPT_DUMP },
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "min-states", required_argument, NULL, OPT_MIN },
		{ "planted", required_argument, NULL, OPT_PLANTED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o = {
		.states = 64, .seed = 1, .max_report = 20, .report = stdout, .sample = 20
	};
	struct replay_result r;
	uint64_t v, min_states = 0;
	char err[512];
	int c;

	while ((c = getopt_long(argc, argv, "s:n:vh", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_u64(optarg, &o.seed) != 0)
				goto bad;
			break;
		case 'n':
			if (parse_u64(optarg, &v) != 0 || v > 1000000)
				goto bad;
			o.states = (unsigned)v;
			break;
		case OPT_COUNTED:
			o.counted_only = true;
			break;
		case OPT_MAXREP:
			if (parse_u64(optarg, &v) != 0 || v > UINT32_MAX)
				goto bad;
			o.max_report = (unsigned)v;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_DUMP:
			o.dump = true;
			break;
		case OPT_EMIT:
			o.emit_dir = optarg;
			break;
		case OPT_SAMPLE:
			if (parse_u64(optarg, &v) != 0 || v > 100000)
				goto bad;
			o.sample = (unsigned)v;
			break;
		case OPT_MIN:
			if (parse_u64(optarg, &min_states) != 0)
				goto bad;
			break;
		case OPT_PLANTED:
			if (!plant_parse(optarg, &o.plant))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	if (o.emit_dir && mkdir(o.emit_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "crashreplay: %s: %s\n", o.emit_dir, strerror(errno));
		return 2;
	}
	if (replay_run(argv[optind], argv[optind + 1], &o, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "crashreplay: %s\n", err);
		return 2;
	}
	if (o.dump)
		return 0;
	printf("crashreplay: seed %" PRIu64 " (the same files and --seed give the same states)\n",
	       o.seed);
	printf("crashreplay: log: %" PRIu64 " entries, %" PRIu64 " writes, %" PRIu64
	       " flushes, %" PRIu64 " header writes; %" PRIu64 " flush points, %" PRIu64
	       " blocks checked per state\n",
	       r.entries, r.writes, r.flushes, r.headers, r.points, r.interest);
	printf("crashreplay: states: %" PRIu64 " with a torn write, %" PRIu64
	       " opened a header not yet durable, %" PRIu64
	       " first boots, newest checkpoint %" PRIu64 ", %" PRIu64
	       " repeated draws skipped, %" PRIu64 " without a content model\n",
	       r.torn, r.newer, r.first_boots, r.gen_max, r.repeats, r.unchecked);
	if (o.emit_dir)
		printf("crashreplay: %" PRIu64 " states written to %s\n", r.emitted, o.emit_dir);
	printf("crashreplay: %" PRIu64 " states checked, %" PRIu64 " failures\n", r.states,
	       r.failed);
	if (r.states < min_states) {
		printf("crashreplay: FAIL: fewer than %" PRIu64 " states\n", min_states);
		return 1;
	}
	if (o.plant != PLANT_NONE)
		return judge_planted(&o, &r);
	return r.failed ? 1 : 0;
bad:
	fprintf(stderr, "crashreplay: bad value for an option: %s\n", optarg);
	return 2;
}
