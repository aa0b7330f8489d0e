// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-nomem: every allocation of a mutation fails in turn, and the state
 * must then be exactly as before, with nothing leaked.
 *
 * The core's mutations are swept one by one: record (punching a hole),
 * reserve, clone and split, on a range rebuilt for every attempt. For
 * k = 0, 1, 2, ... the allocator fails every allocation after k successes;
 * the call either succeeds (the sweep is over) or fails with -ENOMEM, and
 * then the range, the parts and the count of live allocations must be as
 * before.
 *
 * Plan application (svm_core_apply.h, through svm-replay's gran and unmap
 * lines) is swept the same way: set-up lines, then the line whose
 * allocations fail; a failed line must leave the dump and the live count
 * as they were. The cases include the review's reproducer (a
 * set-attributes over two ranges, the second holding three faulted
 * windows), and a random part sweeps plans over random sets.
 *
 *   svm-nomem [--seed S] [--plans N]
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

struct nomem_case {
	const char *name;
	const char *setup;
	const char *line;
	unsigned int min_allocs;	/* allocations the line must make */
};

static const struct nomem_case cases[] = {
	{ "plan over two ranges, the second with three windows (review)",
	  "range 0x1000 0x1fff\n"
	  "range 0x2000 0x2fff gran=4\n"
	  "gpu 0x2000 1\ngpu 0x2900 1\ngpu 0x2c00 1\n",
	  "gran 0x1800 0x27ff 3", 3 },
	{ "munmap in the middle of a fragmented range",
	  "range 0x1000 0x1fff gran=4\n"
	  "gpu 0x1000 1\ngpu 0x1400 1\ngpu 0x1800 1\ngpu 0x1c00 1\n",
	  "unmap 0x1300 0x1bff", 2 },
	{ "set-attributes filling gaps across three ranges",
	  "range 0x1000 0x10ff gran=2\nrange 0x1400 0x14ff gran=2\n"
	  "range 0x1800 0x18ff gran=2\n"
	  "gpu 0x1000 1\ngpu 0x1080 1\ngpu 0x1400 1\ngpu 0x1480 1\n",
	  "gran 0x1040 0x1820 5", 4 },
};

static const char usage[] = "usage: svm-nomem [--seed S] [--plans N]\n";

static void die(const char *msg)
{
	fprintf(stderr, "svm-nomem: %s\n", msg);
	exit(1);
}

static void run_lines(struct svm_replay *rp, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;

	if (!copy)
		die("out of memory");
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (svm_replay_line(rp, line, stdout))
			die(rp->err);
	free(copy);
}

/* The dump of @rp, as a string the caller frees. */
static char *dump(const struct svm_replay *rp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die("out of memory");
	svm_replay_dump(rp, f);
	fclose(f);
	return buf;
}

/*
 * Sweep the allocations of @line after @setup; the number of failures
 * seen, or -1 after reporting a state that changed or a leak.
 */
static int sweep(const char *name, const char *setup, const char *line)
{
	unsigned long k;

	for (k = 0; k < 1000; k++) {
		struct svm_replay rp;
		char *before, *after;
		long live;
		int ret, bad;

		svm_replay_init(&rp);
		run_lines(&rp, setup);
		before = dump(&rp);
		live = svm_shim_live;
		svm_shim_fail_after = k;
		ret = svm_replay_line(&rp, line, stdout);
		svm_shim_fail_after = ULONG_MAX;
		after = dump(&rp);
		bad = ret && (strcmp(before, after) || svm_shim_live != live);
		if (bad) {
			printf("FAIL %s: allocation %lu of '%s' failed and\n",
			       name, k + 1, line);
			printf("before:\n%safter (%ld live, was %ld):\n%s", before,
			       svm_shim_live, live, after);
		}
		free(before);
		free(after);
		svm_replay_destroy(&rp);
		if (svm_shim_live)
			die("leak after destroy");
		if (bad)
			return -1;
		if (!ret)
			return k;
	}
	printf("FAIL %s: '%s' never succeeds\n", name, line);
	return -1;
}

/* ---- the core's own mutations ---- */

enum api_op { API_RECORD, API_RESERVE, API_CLONE, API_SPLIT };

static const struct {
	const char *name;
	enum api_op op;
	unsigned int runs;		/* runs the range starts with */
} api_cases[] = {
	{ "record punching a hole in the only run", API_RECORD, 1 },
	{ "reserve room for four records", API_RESERVE, 1 },
	{ "clone of a range of 16 runs", API_CLONE, 16 },
	{ "three-way split of a range of 16 runs", API_SPLIT, 16 },
};

static void api_setup(struct svm_core_range *r, unsigned int runs)
{
	unsigned long p, step = 0x1000 / runs;

	svm_core_range_init(r, 0x1000, 0x1fff, 4);
	for (p = 0x1000; p < 0x2000; p += step)
		if (svm_core_range_record(r, p, p + step / 2, 1, 0x40,
					  GFP_KERNEL) < 0)
			die("set-up record failed");
}

static int api_call(enum api_op op, struct svm_core_range *r,
		    struct svm_core_range *parts)
{
	switch (op) {
	case API_RECORD:
		return svm_core_range_record(r, 0x1100, 0x110f, 0, 0,
					     GFP_KERNEL);
	case API_RESERVE:
		return svm_core_range_reserve(r, 4, GFP_KERNEL);
	case API_CLONE:
		return svm_core_range_clone(&parts[0], r, GFP_KERNEL);
	case API_SPLIT:
		return svm_core_range_split(r, 0x1400, 0x17ff, &parts[0],
					    &parts[1], GFP_KERNEL);
	}
	return -EINVAL;
}

/* r's own members and runs equal @snap's and @runs. */
static bool same_range(const struct svm_core_range *r,
		       const struct svm_core_range *snap,
		       const struct svm_core_run *runs)
{
	return r->start == snap->start && r->last == snap->last &&
	       r->vram_pages == snap->vram_pages &&
	       r->actual_loc == snap->actual_loc &&
	       r->offset == snap->offset && r->nr_runs == snap->nr_runs &&
	       r->runs == snap->runs && r->reserved == snap->reserved &&
	       !memcmp(r->runs, runs, r->nr_runs * sizeof(*runs));
}

static int sweep_api(unsigned int c)
{
	unsigned long k;

	for (k = 0; k < 1000; k++) {
		struct svm_core_range r, snap, parts[2], zero[2];
		struct svm_core_run runs[32];
		long live;
		int ret;

		memset(parts, 0, sizeof(parts));
		memset(zero, 0, sizeof(zero));
		api_setup(&r, api_cases[c].runs);
		snap = r;
		memcpy(runs, r.runs, r.nr_runs * sizeof(*runs));
		live = svm_shim_live;
		svm_shim_fail_after = k;
		ret = api_call(api_cases[c].op, &r, parts);
		svm_shim_fail_after = ULONG_MAX;
		if (ret < 0 && (ret != -ENOMEM || !same_range(&r, &snap, runs) ||
				svm_shim_live != live ||
				memcmp(parts, zero, sizeof(parts)))) {
			printf("FAIL %s: allocation %lu failed (%d): state or live count changed\n",
			       api_cases[c].name, k + 1, ret);
			return -1;
		}
		if (svm_core_range_validate(&r))
			die("range invalid");
		svm_core_range_unreserve(&r);
		svm_core_range_destroy(&r);
		svm_core_range_destroy(&parts[0]);
		svm_core_range_destroy(&parts[1]);
		if (svm_shim_live)
			die("leak after destroy");
		if (ret >= 0)
			return k;
	}
	printf("FAIL %s: never succeeds\n", api_cases[c].name);
	return -1;
}

static u64 rnd_state;

static unsigned int rnd(unsigned int n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

/* A random set of ranges with faulted pages, and a random plan over it. */
static int random_plan(unsigned long i)
{
	char setup[2048], line[96], name[32];
	unsigned int base = 0x10000, p, n = 0;
	size_t len = 0;

	for (p = base; p < base + 0x800; p += 0x80 + rnd(0x100)) {
		unsigned int l = p + 0x20 + rnd(0x60), f;

		len += snprintf(setup + len, sizeof(setup) - len,
				"range 0x%x 0x%x gran=%u\n", p, l, rnd(6));
		for (f = 0; f < 3; f++)
			len += snprintf(setup + len, sizeof(setup) - len,
					"gpu 0x%x 1\n", p + rnd(l - p + 1));
		n++;
	}
	p = base + rnd(0x800);
	snprintf(line, sizeof(line), "%s 0x%x 0x%x %u",
		 rnd(2) ? "unmap" : "gran", p, p + rnd(0x400), rnd(8));
	if (!strncmp(line, "unmap", 5))
		*strrchr(line, ' ') = '\0';
	snprintf(name, sizeof(name), "random plan %lu", i);
	return sweep(name, setup, line);
}

/*
 * Count a sweep that failed @k allocations in turn: it must have had at
 * least @min_allocs to fail, or it proves nothing.
 */
static void report(const char *name, int k, unsigned int min_allocs,
		   unsigned int *passed, unsigned int *failed)
{
	if (k >= 0 && (unsigned int)k < min_allocs) {
		printf("FAIL %s: only %d allocations, expected %u\n", name, k,
		       min_allocs);
		k = -1;
	}
	if (k < 0)
		(*failed)++;
	else
		(*passed)++;
	printf("svm-nomem: %s: %d allocations failed in turn\n", name, k);
}

int main(int argc, char **argv)
{
	unsigned long seed = 1, plans = 2000, i;
	unsigned int c, passed = 0, failed = 0;
	int k;

	for (k = 1; k < argc; k++) {
		if (svm_replay_help(argv[k], usage))
			return 0;
		if (!strcmp(argv[k], "--seed") && k + 1 < argc) {
			if (svm_replay_arg("svm-nomem", "--seed", argv[++k], 1,
					   ULONG_MAX, &seed))
				return 2;
		} else if (!strcmp(argv[k], "--plans") && k + 1 < argc) {
			/* At least one: a sweep over nothing proves nothing. */
			if (svm_replay_arg("svm-nomem", "--plans", argv[++k], 1,
					   1000000, &plans))
				return 2;
		} else {
			fprintf(stderr, "svm-nomem: %s", usage);
			return 2;
		}
	}
	rnd_state = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (c = 0; c < ARRAY_SIZE(api_cases); c++)
		report(api_cases[c].name, sweep_api(c), 1, &passed, &failed);
	for (c = 0; c < ARRAY_SIZE(cases); c++)
		report(cases[c].name,
		       sweep(cases[c].name, cases[c].setup, cases[c].line),
		       cases[c].min_allocs, &passed, &failed);
	for (i = 0; i < plans; i++) {
		if (random_plan(i) < 0) {
			printf("svm-nomem: seed %lu\n", seed);
			failed++;
			break;
		}
	}
	if (i == plans)
		passed++;
	printf("svm-nomem: %lu random plans swept\n", i);
	printf("svm-nomem: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
