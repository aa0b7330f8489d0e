// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-bench: instructions per svm_core operation for range sets of 1e3 to
 * 1e6 ranges, counted by callgrind (run it with bench.sh). Each measured
 * loop is bracketed by callgrind client requests, so set-up is not counted.
 *
 *   valgrind --tool=callgrind --collect-atstart=no ./svm-bench NRANGES
 *
 * NRANGES is 1 .. MAX_RANGES, decimal or 0x-hex (svm_replay_number());
 * anything else is one error line and exit status 2.
 *
 * Operations:
 *   fault   lookup of the faulting page, GPU-fault window and decision, in a
 *           window that is already tracked (must allocate nothing)
 *   adaptive  the same with SVM_CORE_WINDOW_ADAPTIVE, on system pages
 *           between the two tracked windows (next to a run, as on a
 *           stream): lookup, binary search of the runs, block count
 *   lookup  range lookup by page
 *   record  a window recorded to the device and back to system memory
 *   split   a three-way split of a range in the set, parts inserted
 */
#include <stdint.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>

#include "replay.h"

#define OPS		20000
#define RANGE_PAGES	2048UL
#define MAX_RANGES	10000000UL	/* 10x bench.sh's largest set */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned long rnd(unsigned long n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

static const char usage[] = "usage: svm-bench NRANGES\n";

static void die(const char *what)
{
	fprintf(stderr, "svm-bench: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct svm_core_range *ranges, *parts;
	unsigned long nr, nsplit, i, page, *pages, sink = 0;
	struct svm_core_decision d;
	struct svm_core_set set;
	long live;

	if (argc == 2 && svm_replay_help(argv[1], usage))
		return 0;
	if (argc != 2) {
		fprintf(stderr, "svm-bench: %s", usage);
		return 2;
	}
	if (svm_replay_arg("svm-bench", "NRANGES", argv[1], 1, MAX_RANGES, &nr))
		return 2;
	nsplit = nr < OPS / 4 ? nr : OPS / 4;
	ranges = calloc(nr, sizeof(*ranges));
	parts = calloc(2 * OPS, sizeof(*parts));
	pages = calloc(OPS, sizeof(*pages));
	if (!ranges || !parts || !pages)
		die("out of memory");

	/* Ranges of 8 MiB, each with two tracked device windows. */
	svm_core_set_init(&set);
	for (i = 0; i < nr; i++) {
		struct svm_core_range *r = &ranges[i];
		unsigned long s = 0x100000 + i * RANGE_PAGES;

		if (svm_core_range_init(r, s, s + RANGE_PAGES - 1, 9) ||
		    svm_core_set_insert(&set, r) ||
		    svm_core_range_record(r, s, s + 511, 1, 0, GFP_KERNEL) < 0 ||
		    svm_core_range_record(r, s + 1024, s + 1535, 1, 0,
					  GFP_KERNEL) < 0)
			die("set-up failed");
	}
	for (i = 0; i < OPS; i++)
		pages[i] = 0x100000 + rnd(nr) * RANGE_PAGES + rnd(512);

	/* fault: lookup + window + decision, in a tracked window. */
	live = svm_shim_live;
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < OPS; i++) {
		struct svm_core_range *r = svm_core_set_lookup(&set, pages[i]);

		svm_core_gpu_fault(r, pages[i], 1, &d);
		sink += d.migrate.last;
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("fault");
	if (svm_shim_live != live)
		die("a fault decision allocated memory");

	/* adaptive: the same, choosing the window from the runs around it */
	for (i = 0; i < nr; i++)
		svm_core_range_set_window_policy(&ranges[i],
						 SVM_CORE_WINDOW_ADAPTIVE);
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < OPS; i++) {
		unsigned long p = pages[i] + 512;
		struct svm_core_range *r = svm_core_set_lookup(&set, p);

		svm_core_gpu_fault(r, p, 1, &d);
		sink += d.migrate.last;
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("adaptive");
	if (svm_shim_live != live)
		die("an adaptive fault decision allocated memory");
	for (i = 0; i < nr; i++)
		svm_core_range_set_window_policy(&ranges[i],
						 SVM_CORE_WINDOW_FIXED);

	/* lookup alone */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < OPS; i++)
		sink += (uintptr_t)svm_core_set_lookup(&set, pages[i] + 700);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("lookup");

	/* record: a window to the device and back (inline runs, no growth). */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < OPS; i++) {
		struct svm_core_range *r = &ranges[i % nr];

		page = r->start + 512;
		svm_core_range_record(r, page, page + 511, 1, 0, GFP_KERNEL);
		svm_core_range_record(r, page, page + 511, 0, 0, GFP_KERNEL);
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("record");

	/* split: three-way, on distinct ranges, parts into the set. */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; i < nsplit; i++) {
		struct svm_core_range *r = &ranges[i * (nr / nsplit)];

		svm_core_set_split(&set, r, r->start + 256, r->start + 1279,
				   &parts[2 * i], &parts[2 * i + 1], GFP_KERNEL);
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("split");

	if (svm_core_set_validate(&set))
		die("set invalid after the benchmark");
	printf("svm-bench: %lu ranges, %d operations per kind, %lu splits (%lu)\n",
	       nr, OPS, nsplit, sink & 1);
	return 0;
}
