// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite svm_core_range: range creation, residency accounting after
 * full and partial migrations, split and clone carrying the exact device
 * page count and offset, failure injection at every allocation site, and
 * the invariant checker itself.
 */

#include <kunit/test.h>
#include <linux/svm_core.h>

#include "svm_core_test.h"

#define MAX_RUNS 4

struct run_list {
	unsigned int nr;
	struct svm_core_run run[MAX_RUNS];
};

/* Set up a range with @runs on device @loc at allocation offset @offset. */
static void setup(struct kunit *test, struct svm_core_range *r,
		  unsigned long start, unsigned long last, u32 loc,
		  unsigned long offset, const struct run_list *runs)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(r, start, last, 9), 0);
	for (i = 0; i < runs->nr; i++)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(r, runs->run[i].start,
							    runs->run[i].last,
							    loc, offset,
							    GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_validate(r), 0);
}

static void expect_runs(struct kunit *test, const struct svm_core_range *r,
			const struct run_list *want)
{
	unsigned long pages = 0;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, r->nr_runs, want->nr);
	for (i = 0; i < want->nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, r->runs[i].start, want->run[i].start,
				    "run %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->runs[i].last, want->run[i].last,
				    "run %u", i);
		pages += want->run[i].last - want->run[i].start + 1;
	}
	KUNIT_EXPECT_EQ(test, r->vram_pages, pages);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(r), 0);
}

static void svm_core_range_init_rejects_bad_input(struct kunit *test)
{
	struct svm_core_range r, before;

	memset(&r, 0xa5, sizeof(r));
	before = r;
	KUNIT_EXPECT_EQ(test, svm_core_range_init(&r, 10, 9, 9), -EINVAL);
	KUNIT_EXPECT_EQ(test, svm_core_range_init(&r, 0, 9,
						  SVM_CORE_GRANULARITY_MAX + 1),
			-EINVAL);
	/* 2^64 pages: the count would wrap to 0 */
	KUNIT_EXPECT_EQ(test, svm_core_range_init(&r, 0, ULONG_MAX, 9), -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, &r, &before, sizeof(r));

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 1, ULONG_MAX,
						  SVM_CORE_GRANULARITY_MAX), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_npages(&r), ULONG_MAX);
	KUNIT_EXPECT_EQ(test, r.actual_loc, SVM_CORE_LOC_SYSTEM);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 0UL);
	KUNIT_EXPECT_FALSE(test, svm_core_range_in_set(&r));
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);

	KUNIT_EXPECT_EQ(test, svm_core_range_set_granularity(&r, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, r.granularity, SVM_CORE_GRANULARITY_MAX);
	KUNIT_EXPECT_EQ(test, svm_core_range_set_granularity(&r, 0), 0);
	KUNIT_EXPECT_EQ(test, r.granularity, 0);
}

struct record_case {
	const char *desc;
	struct run_list before;
	unsigned long start, last;
	u32 loc;
	unsigned long offset;
	int ret;
	struct run_list after;		/* ignored when ret < 0 */
};

/* Ranges are [0x100, 0x4ff] on device 1 at offset 0x10, unless stated. */
#define RUNS(n, ...)	{ n, { __VA_ARGS__ } }
#define RUN(s, l)	{ s, l }
#define NO_RUNS		RUNS(0)

static const struct record_case record_cases[] = {
	{ "first run sets actual_loc and offset", NO_RUNS, 0x200, 0x2ff, 1,
	  0x10, 0, RUNS(1, RUN(0x200, 0x2ff)) },
	{ "touching runs merge", RUNS(1, RUN(0x200, 0x2ff)), 0x300, 0x3ff, 1,
	  0x10, 0, RUNS(1, RUN(0x200, 0x3ff)) },
	{ "touching on the left merges", RUNS(1, RUN(0x200, 0x2ff)), 0x100,
	  0x1ff, 1, 0x10, 0, RUNS(1, RUN(0x100, 0x2ff)) },
	{ "a run bridging two runs merges all three",
	  RUNS(2, RUN(0x100, 0x1ff), RUN(0x300, 0x3ff)), 0x200, 0x2ff, 1,
	  0x10, 0, RUNS(1, RUN(0x100, 0x3ff)) },
	{ "disjoint runs stay apart", RUNS(1, RUN(0x100, 0x1ff)), 0x300,
	  0x3ff, 1, 0x10, 0, RUNS(2, RUN(0x100, 0x1ff), RUN(0x300, 0x3ff)) },
	{ "pages already on the device count once", RUNS(1, RUN(0x100, 0x2ff)),
	  0x180, 0x37f, 1, 0x10, 0, RUNS(1, RUN(0x100, 0x37f)) },
	{ "partial migration back splits a run, actual_loc stays",
	  RUNS(1, RUN(0x100, 0x4ff)), 0x200, 0x2ff, 0, 0, 0,
	  RUNS(2, RUN(0x100, 0x1ff), RUN(0x300, 0x4ff)) },
	{ "migration back over several runs",
	  RUNS(3, RUN(0x100, 0x17f), RUN(0x200, 0x27f), RUN(0x300, 0x37f)),
	  0x140, 0x33f, 0, 0, 0,
	  RUNS(2, RUN(0x100, 0x13f), RUN(0x340, 0x37f)) },
	{ "back over system pages only: nothing changes",
	  RUNS(1, RUN(0x100, 0x1ff)), 0x300, 0x3ff, 0, 0, 0,
	  RUNS(1, RUN(0x100, 0x1ff)) },
	{ "last device pages leave: release, actual_loc 0",
	  RUNS(2, RUN(0x100, 0x1ff), RUN(0x400, 0x4ff)), 0x100, 0x4ff, 0, 0,
	  1, NO_RUNS },
	{ "system range back to system: no release", NO_RUNS, 0x100, 0x4ff,
	  0, 0, 0, NO_RUNS },
	{ "pages outside the range", NO_RUNS, 0x80, 0x1ff, 1, 0x10, -EINVAL },
	{ "empty interval", NO_RUNS, 0x200, 0x1ff, 1, 0x10, -EINVAL },
	{ "undefined location", NO_RUNS, 0x200, 0x2ff, SVM_CORE_LOC_UNDEFINED,
	  0x10, -EINVAL },
	{ "another device while holding pages of device 1",
	  RUNS(1, RUN(0x100, 0x1ff)), 0x200, 0x2ff, 2, 0x10, -EINVAL },
	{ "a different allocation offset", RUNS(1, RUN(0x100, 0x1ff)), 0x200,
	  0x2ff, 1, 0x20, -EINVAL },
	{ "an offset that wraps over the range", NO_RUNS, 0x200, 0x2ff, 1,
	  ULONG_MAX - 0x100, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(record, record_cases, desc);

static void svm_core_range_record_table(struct kunit *test)
{
	const struct record_case *c = test->param_value;
	struct svm_core_range r, snap;
	struct svm_core_run runs[MAX_RUNS];
	int ret;

	setup(test, &r, 0x100, 0x4ff, 1, 0x10, &c->before);
	snap = r;
	memcpy(runs, r.runs, r.nr_runs * sizeof(*runs));

	ret = svm_core_range_record(&r, c->start, c->last, c->loc, c->offset,
				    GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret < 0) {
		/* Nothing changed: same members, same runs. */
		KUNIT_EXPECT_EQ(test, r.vram_pages, snap.vram_pages);
		KUNIT_EXPECT_EQ(test, r.actual_loc, snap.actual_loc);
		KUNIT_EXPECT_EQ(test, r.offset, snap.offset);
		KUNIT_EXPECT_EQ(test, r.nr_runs, snap.nr_runs);
		KUNIT_EXPECT_MEMEQ(test, r.runs, runs,
				   r.nr_runs * sizeof(*runs));
	} else {
		expect_runs(test, &r, &c->after);
		KUNIT_EXPECT_EQ(test, r.actual_loc, c->after.nr ? 1U : 0U);
		KUNIT_EXPECT_EQ(test, r.offset, c->after.nr ? 0x10UL : 0UL);
	}
	svm_core_range_destroy(&r);
}

/* Pages at both ends of the address space: no wrap in merging or cutting. */
static void svm_core_range_record_address_space_edges(struct kunit *test)
{
	struct svm_core_range r;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 1, ULONG_MAX, 9), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, 1, 5, 1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, 3, 10, 1, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 1U);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 10UL);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, ULONG_MAX - 3, ULONG_MAX,
						    1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, ULONG_MAX - 9,
						    ULONG_MAX - 4, 1, 0,
						    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 2U);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 20UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_page_loc(&r, ULONG_MAX), 1U);
	KUNIT_EXPECT_EQ(test, svm_core_range_page_loc(&r, ULONG_MAX - 10), 0U);
	KUNIT_EXPECT_EQ(test, svm_core_range_count_device(&r, 0, ULONG_MAX), 20UL);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, 1, 1, 0, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, ULONG_MAX, ULONG_MAX, 0,
						    0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 18UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_record(&r, 1, ULONG_MAX, 0, 0,
						    GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	svm_core_range_destroy(&r);
}

struct split_case {
	const char *desc;
	struct run_list runs;		/* of [0x100, 0x4ff], offset 0x10 */
	unsigned long start, last;	/* what the range keeps */
	int ret;
	unsigned long vram[3];		/* head, middle, tail */
};

static const struct split_case split_cases[] = {
	{ "head split, run crossing the cut", RUNS(1, RUN(0x180, 0x27f)),
	  0x200, 0x4ff, 0, { 0x80, 0x80, 0 } },
	{ "tail split, run crossing the cut", RUNS(1, RUN(0x380, 0x47f)),
	  0x100, 0x3ff, 0, { 0, 0x80, 0x80 } },
	{ "three-way split, runs in every part",
	  RUNS(3, RUN(0x100, 0x10f), RUN(0x200, 0x3ff), RUN(0x4f0, 0x4ff)),
	  0x300, 0x3ff, 0, { 0x110, 0x100, 0x10 } },
	{ "three-way split inside one run", RUNS(1, RUN(0x100, 0x4ff)),
	  0x280, 0x28f, 0, { 0x180, 0x10, 0x270 } },
	{ "a part without device pages", RUNS(1, RUN(0x100, 0x1ff)), 0x200,
	  0x2ff, 0, { 0x100, 0, 0 } },
	{ "system-only range", NO_RUNS, 0x200, 0x2ff, 0, { 0, 0, 0 } },
	{ "keep the whole range", RUNS(1, RUN(0x100, 0x1ff)), 0x100, 0x4ff, 0,
	  { 0, 0x100, 0 } },
	{ "one page at each end", RUNS(1, RUN(0x100, 0x4ff)), 0x101, 0x4fe, 0,
	  { 1, 0x3fe, 1 } },
	{ "keep below the range", RUNS(1, RUN(0x100, 0x1ff)), 0xff, 0x1ff,
	  -EINVAL },
	{ "keep above the range", RUNS(1, RUN(0x100, 0x1ff)), 0x100, 0x500,
	  -EINVAL },
	{ "keep nothing", RUNS(1, RUN(0x100, 0x1ff)), 0x201, 0x200, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(split, split_cases, desc);

/* Every page of @parts is where it was in @orig, and counts add up. */
static void expect_exact_parts(struct kunit *test,
			       const struct svm_core_range *orig,
			       struct svm_core_range *const parts[3])
{
	unsigned long total = 0, p;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const struct svm_core_range *part = parts[i];

		if (!part)
			continue;
		KUNIT_EXPECT_EQ(test, svm_core_range_validate(part), 0);
		total += part->vram_pages;
		KUNIT_EXPECT_EQ(test, part->vram_pages,
				svm_core_range_count_device(orig, part->start,
							    part->last));
		for (p = part->start; p <= part->last; p++)
			KUNIT_ASSERT_EQ_MSG(test, !!svm_core_range_page_loc(part, p),
					    !!svm_core_range_page_loc(orig, p),
					    "page 0x%lx", p);
		if (part->vram_pages) {
			KUNIT_EXPECT_EQ(test, part->actual_loc, orig->actual_loc);
			KUNIT_EXPECT_EQ(test, part->offset,
					orig->offset + part->start - orig->start);
		} else {
			KUNIT_EXPECT_EQ(test, part->actual_loc, SVM_CORE_LOC_SYSTEM);
			KUNIT_EXPECT_EQ(test, part->offset, 0UL);
		}
		KUNIT_EXPECT_EQ(test, part->granularity, orig->granularity);
	}
	KUNIT_EXPECT_EQ(test, total, orig->vram_pages);
}

static void svm_core_range_split_table(struct kunit *test)
{
	const struct split_case *c = test->param_value;
	struct svm_core_range r, orig, head = {}, tail = {};
	struct svm_core_range *parts[3] = { NULL, &r, NULL };
	int ret;

	setup(test, &r, 0x100, 0x4ff, 1, 0x10, &c->runs);
	KUNIT_ASSERT_EQ(test, svm_core_range_clone(&orig, &r, GFP_KERNEL), 0);

	ret = svm_core_range_split(&r, c->start, c->last, &head, &tail,
				   GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_EQ(test, r.start, orig.start);
		KUNIT_EXPECT_EQ(test, r.last, orig.last);
		KUNIT_EXPECT_EQ(test, r.vram_pages, orig.vram_pages);
		KUNIT_EXPECT_EQ(test, r.nr_runs, orig.nr_runs);
		svm_core_range_destroy(&r);
		svm_core_range_destroy(&orig);
		return;
	}
	if (c->start > orig.start)
		parts[0] = &head;
	if (c->last < orig.last)
		parts[2] = &tail;
	KUNIT_EXPECT_EQ(test, r.start, c->start);
	KUNIT_EXPECT_EQ(test, r.last, c->last);
	KUNIT_EXPECT_EQ(test, parts[0] ? head.vram_pages : 0, c->vram[0]);
	KUNIT_EXPECT_EQ(test, r.vram_pages, c->vram[1]);
	KUNIT_EXPECT_EQ(test, parts[2] ? tail.vram_pages : 0, c->vram[2]);
	if (parts[0])
		KUNIT_EXPECT_EQ(test, head.last + 1, r.start);
	if (parts[2])
		KUNIT_EXPECT_EQ(test, tail.start, r.last + 1);
	expect_exact_parts(test, &orig, parts);

	svm_core_range_destroy(&r);
	svm_core_range_destroy(&orig);
	if (parts[0])
		svm_core_range_destroy(&head);
	if (parts[2])
		svm_core_range_destroy(&tail);
}

/* A needed part with no storage is bad input: nothing is touched. */
static void svm_core_range_split_needs_parts(struct kunit *test)
{
	struct run_list runs = RUNS(1, RUN(0x100, 0x4ff));
	struct svm_core_range r, head = {};

	setup(test, &r, 0x100, 0x4ff, 1, 0x10, &runs);
	KUNIT_EXPECT_EQ(test, svm_core_range_split(&r, 0x200, 0x2ff, &head,
						   NULL, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, svm_core_range_split(&r, 0x200, 0x4ff, NULL,
						   NULL, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, svm_core_range_split(&r, 0x200, 0x2ff, &head,
						   &head, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, r.start, 0x100UL);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 0x400UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	/* One spare object for both is fine when only one part is needed */
	KUNIT_ASSERT_EQ(test, svm_core_range_split(&r, 0x200, 0x4ff, &head,
						   &head, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, head.start, 0x100UL);
	KUNIT_EXPECT_EQ(test, head.last, 0x1ffUL);
	KUNIT_EXPECT_EQ(test, head.vram_pages, 0x100UL);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 0x300UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&head), 0);
	svm_core_range_destroy(&head);
	svm_core_range_destroy(&r);
}

/* A clone carries the count, the runs and the offset, and is independent. */
static void svm_core_range_clone_carries_count(struct kunit *test)
{
	struct run_list runs = RUNS(3, RUN(0x100, 0x10f), RUN(0x200, 0x2ff),
				    RUN(0x400, 0x4ff));
	struct svm_core_range r, c;

	setup(test, &r, 0x100, 0x4ff, 1, 0x10, &runs);
	KUNIT_ASSERT_EQ(test, svm_core_range_clone(&c, &r, GFP_KERNEL), 0);
	expect_runs(test, &c, &runs);
	KUNIT_EXPECT_EQ(test, c.actual_loc, 1U);
	KUNIT_EXPECT_EQ(test, c.offset, 0x10UL);
	KUNIT_EXPECT_PTR_NE(test, c.runs, r.runs);

	KUNIT_ASSERT_EQ(test, svm_core_range_record(&c, 0x100, 0x4ff, 0, 0,
						    GFP_KERNEL), 1);
	expect_runs(test, &r, &runs);
	svm_core_range_destroy(&r);
	svm_core_range_destroy(&c);
}

/*
 * Memory follows runs, not pages: a thousand scattered pages cost a
 * thousand runs, whole windows next to each other cost one, and the array
 * goes away with the last device page.
 */
static void svm_core_range_memory_follows_runs(struct kunit *test)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_range r;
	unsigned long p;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0, 0xfffff, 9), 0);
	for (p = 0; p < 0x10000; p += 0x200)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, p, p + 0x1ff, 1,
							    0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 1U);
	KUNIT_EXPECT_EQ(test, ctl->calls, 0U);

	for (p = 0x20000; p < 0x20000 + 2000; p += 2)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, p, p, 1, 0,
							    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 1001U);
	KUNIT_EXPECT_LE(test, r.max_runs, 2 * 1001U);
	KUNIT_EXPECT_LE(test, ctl->calls, 12U);
	KUNIT_EXPECT_EQ(test, ctl->live, 1);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);

	KUNIT_EXPECT_EQ(test, svm_core_range_record(&r, 0, 0xfffff, 0, 0,
						    GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, r.max_runs, 1U);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
	svm_core_range_destroy(&r);
}

/* Deciding a fault allocates nothing, even with every allocation failing. */
static void svm_core_range_decision_allocates_nothing(struct kunit *test)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 1);
	struct run_list runs = RUNS(2, RUN(0x100, 0x1ff), RUN(0x300, 0x3ff));
	struct svm_core_decision d;
	struct svm_core_range r;

	ctl->fail_at = 0;
	setup(test, &r, 0x100, 0x4ff, 1, 0x10, &runs);
	ctl->calls = 0;
	ctl->fail_at = 1;
	KUNIT_EXPECT_EQ(test, svm_core_gpu_fault(&r, 0x234, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, svm_core_cpu_fault(&r, 0x334, 0, ULONG_MAX, &d), 0);
	KUNIT_EXPECT_EQ(test, svm_core_prefetch(&r, 0, &d), 0);
	/* Recording pages inside a tracked window needs no memory either. */
	KUNIT_EXPECT_EQ(test, svm_core_range_record(&r, 0x120, 0x1ff, 1, 0x10,
						    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ctl->calls, 0U);
	svm_core_range_destroy(&r);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

/*
 * Failure injected at each allocation of an operation in turn: every
 * failing attempt returns -ENOMEM, leaves the range as it was and leaks
 * nothing; the attempt after the last allocation succeeds.
 */
enum alloc_site { SITE_RECORD, SITE_SPLIT, SITE_CLONE, SITE_RESERVE };

struct alloc_case {
	const char *desc;
	enum alloc_site site;
	struct run_list runs;
	unsigned long start, last;	/* record: the pages; split: kept */
	u32 loc;			/* record: where they go */
	unsigned int nr;		/* reserve: records to make room for */
};

static const struct alloc_case alloc_cases[] = {
	{ "record: growing the run array", SITE_RECORD,
	  RUNS(2, RUN(0x100, 0x10f), RUN(0x200, 0x20f)), 0x300, 0x30f, 1 },
	{ "record: leaving the inline slot", SITE_RECORD,
	  RUNS(1, RUN(0x100, 0x10f)), 0x300, 0x30f, 1 },
	{ "record: cutting a hole in the only run", SITE_RECORD,
	  RUNS(1, RUN(0x100, 0x4ff)), 0x300, 0x30f, 0 },
	{ "split: head array", SITE_SPLIT,
	  RUNS(3, RUN(0x100, 0x10f), RUN(0x200, 0x20f), RUN(0x300, 0x30f)),
	  0x280, 0x4ff },
	{ "split: tail array", SITE_SPLIT,
	  RUNS(3, RUN(0x100, 0x10f), RUN(0x200, 0x20f), RUN(0x300, 0x30f)),
	  0x100, 0x1ff },
	{ "split: head and tail arrays", SITE_SPLIT,
	  RUNS(4, RUN(0x100, 0x10f), RUN(0x180, 0x18f), RUN(0x300, 0x30f),
	       RUN(0x400, 0x40f)), 0x200, 0x2ff },
	{ "clone: run array", SITE_CLONE,
	  RUNS(2, RUN(0x100, 0x10f), RUN(0x200, 0x20f)), 0, 0 },
	{ "reserve: leaving the inline slot", SITE_RESERVE,
	  RUNS(1, RUN(0x100, 0x10f)), 0, 0, 0, 1 },
	{ "reserve: growing the run array", SITE_RESERVE,
	  RUNS(2, RUN(0x100, 0x10f), RUN(0x200, 0x20f)), 0, 0, 0, 64 },
};

KUNIT_ARRAY_PARAM_DESC(alloc, alloc_cases, desc);

static int alloc_site_run(const struct alloc_case *c, struct svm_core_range *r,
			  struct svm_core_range *head,
			  struct svm_core_range *tail)
{
	switch (c->site) {
	case SITE_RECORD:
		return svm_core_range_record(r, c->start, c->last, c->loc,
					     0x10, GFP_KERNEL);
	case SITE_SPLIT:
		return svm_core_range_split(r, c->start, c->last, head, tail,
					    GFP_KERNEL);
	case SITE_CLONE:
		return svm_core_range_clone(head, r, GFP_KERNEL);
	case SITE_RESERVE:
		return svm_core_range_reserve(r, c->nr, GFP_KERNEL);
	}
	return -EINVAL;
}

static void svm_core_range_alloc_failure(struct kunit *test)
{
	const struct alloc_case *c = test->param_value;
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_range r, head, tail, snap, pattern, zero = {};
	const struct svm_core_range *fresh = &zero;
	struct svm_core_run runs[MAX_RUNS];
	unsigned int fail_at;
	int live, ret;

	/* A clone's destination may be garbage; a split's parts are zeroed. */
	memset(&pattern, 0x5a, sizeof(pattern));
	if (c->site == SITE_CLONE)
		fresh = &pattern;
	for (fail_at = 1; ; fail_at++) {
		KUNIT_ASSERT_LE(test, fail_at, 4U);
		ctl->fail_at = 0;
		setup(test, &r, 0x100, 0x4ff, 1, 0x10, &c->runs);
		snap = r;
		memcpy(runs, r.runs, r.nr_runs * sizeof(*runs));
		head = *fresh;
		tail = zero;
		live = ctl->live;
		ctl->calls = 0;
		ctl->fail_at = fail_at;

		ret = alloc_site_run(c, &r, &head, &tail);
		if (!ret)
			break;
		KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
		KUNIT_EXPECT_EQ(test, ctl->live, live);
		KUNIT_EXPECT_EQ(test, r.start, snap.start);
		KUNIT_EXPECT_EQ(test, r.last, snap.last);
		KUNIT_EXPECT_EQ(test, r.vram_pages, snap.vram_pages);
		KUNIT_EXPECT_EQ(test, r.actual_loc, snap.actual_loc);
		KUNIT_EXPECT_EQ(test, r.offset, snap.offset);
		KUNIT_EXPECT_PTR_EQ(test, r.runs, snap.runs);
		KUNIT_ASSERT_EQ(test, r.nr_runs, snap.nr_runs);
		KUNIT_EXPECT_MEMEQ(test, r.runs, runs, r.nr_runs * sizeof(*runs));
		KUNIT_EXPECT_MEMEQ(test, &head, fresh, sizeof(head));
		KUNIT_EXPECT_MEMEQ(test, &tail, &zero, sizeof(tail));
		KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
		svm_core_range_destroy(&r);
		KUNIT_EXPECT_EQ(test, ctl->live, 0);
	}
	/* Some attempt failed: every row has at least one allocation. */
	KUNIT_EXPECT_GT(test, fail_at, 1U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	svm_core_range_destroy(&r);
	if (c->site == SITE_CLONE || (c->site == SITE_SPLIT && c->start > 0x100))
		svm_core_range_destroy(&head);
	if (c->site == SITE_SPLIT && c->last < 0x4ff)
		svm_core_range_destroy(&tail);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

/* The checker is honest: each broken rule is caught. */
struct corrupt_case {
	const char *desc;
	void (*corrupt)(struct svm_core_range *r);
};

/*
 * Record @n single pages, @step apart from @first, to @loc with the
 * records a reservation made room for, while every allocation fails: none
 * may be asked for.
 */
static void record_reserved_spread(struct kunit *test,
				   struct svm_core_alloc_ctl *ctl,
				   struct svm_core_range *r, unsigned long first,
				   unsigned long step, unsigned int n, u32 loc)
{
	unsigned int i, calls = ctl->calls;

	ctl->fail_at = calls + 1;
	for (i = 0; i < n; i++) {
		unsigned long page = first + step * i;

		KUNIT_ASSERT_EQ(test, svm_core_range_record_reserved(r, page,
								     page, loc,
								     0), 0);
	}
	KUNIT_EXPECT_EQ(test, ctl->calls, calls);
	ctl->fail_at = 0;
}

/*
 * After svm_core_range_reserve(), the records it made room for allocate
 * nothing, so they cannot fail once the pages have moved: the worst a
 * 256-page window reports (every other page moved), then holes punched
 * into one run on the way back. A reservation beyond what a range can ever
 * hold is capped.
 */
static void svm_core_range_record_reserved_allocates_nothing(struct kunit *test)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_range r;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0x100, 0x4ff, 9), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_reserve(&r, 128, GFP_KERNEL), 0);
	record_reserved_spread(test, ctl, &r, 0x200, 2, 128, 1);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 128U);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 128UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	svm_core_range_unreserve(&r);

	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, 0x200, 0x2ff, 1, 0,
						    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 1U);
	KUNIT_ASSERT_EQ(test, svm_core_range_reserve(&r, 64, GFP_KERNEL), 0);
	record_reserved_spread(test, ctl, &r, 0x201, 4, 64, SVM_CORE_LOC_SYSTEM);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 65U);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 192UL);
	svm_core_range_unreserve(&r);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);

	KUNIT_EXPECT_EQ(test, svm_core_range_reserve(&r, UINT_MAX, GFP_KERNEL), 0);
	KUNIT_EXPECT_LE(test, r.max_runs, (0x4ffU - 0x100U) / 2 + 1);
	svm_core_range_unreserve(&r);
	svm_core_range_destroy(&r);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

/*
 * An munmap can split a range between the reservation and the records of
 * its migration (amdkfd: the MMU notifier runs while the fault migrates):
 * what the range keeps has the room still, and each part cut off gets room
 * for the records of the pages that moved into it, as many as it can hold
 * (a 3-page part at most two runs), so no record after the point of no
 * return allocates, in the range or in its parts.
 */
static void svm_core_range_split_keeps_reservation(struct kunit *test)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_range r, head = {}, tail = {};

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0x100, 0x4ff, 9), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_reserve(&r, 8, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_split(&r, 0x200, 0x4fc, &head,
						   &tail, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.reserved, 8U);
	KUNIT_EXPECT_EQ(test, head.reserved, 8U);
	KUNIT_EXPECT_EQ(test, head.max_runs, 8U);
	KUNIT_EXPECT_EQ(test, tail.reserved, 2U);
	KUNIT_EXPECT_EQ(test, tail.max_runs, 2U);

	record_reserved_spread(test, ctl, &r, 0x200, 4, 8, 1);
	record_reserved_spread(test, ctl, &head, 0x100, 4, 8, 1);
	record_reserved_spread(test, ctl, &tail, 0x4fd, 2, 2, 1);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 8U);
	KUNIT_EXPECT_EQ(test, head.nr_runs, 8U);
	KUNIT_EXPECT_EQ(test, head.vram_pages, 8UL);
	KUNIT_EXPECT_EQ(test, tail.vram_pages, 2UL);
	KUNIT_EXPECT_EQ(test, tail.actual_loc, 1U);

	svm_core_range_unreserve(&r);
	svm_core_range_unreserve(&head);
	svm_core_range_unreserve(&tail);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&head), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&tail), 0);
	svm_core_range_destroy(&r);
	svm_core_range_destroy(&head);
	svm_core_range_destroy(&tail);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

/*
 * A driver whose range lock forbids reclaim (amdkfd) allocates the
 * reservation's storage without the lock and reserves under it: the
 * reservation then allocates nothing, an old array goes back to the
 * caller, and a spare that is too small (the range changed meanwhile)
 * changes nothing.
 */
static void svm_core_range_reserve_spare_allocates_nothing(struct kunit *test)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_spare spare = {};
	struct svm_core_range r;
	unsigned int slots, i;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0x100, 0x4ff, 9), 0);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, 0x100 + 4 * i,
							    0x100 + 4 * i, 1, 0,
							    GFP_KERNEL), 0);
	slots = svm_core_range_reserve_slots(&r, 100);
	KUNIT_EXPECT_EQ(test, slots, 103U);
	KUNIT_EXPECT_EQ(test, svm_core_range_reserve_spare(&r, 100, &spare),
			-EAGAIN);
	KUNIT_ASSERT_EQ(test, svm_core_spare_alloc(&spare, 10, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, svm_core_range_reserve_spare(&r, 100, &spare),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, r.reserved, 0U);
	KUNIT_EXPECT_LT(test, r.max_runs, 103U);
	svm_core_spare_free(&spare);

	KUNIT_ASSERT_EQ(test, svm_core_spare_alloc(&spare, slots, GFP_KERNEL), 0);
	ctl->fail_at = ctl->calls + 1;
	KUNIT_EXPECT_EQ(test, svm_core_range_reserve_spare(&r, 100, &spare), 0);
	KUNIT_EXPECT_EQ(test, r.max_runs, 103U);
	KUNIT_EXPECT_EQ(test, r.reserved, 100U);
	/* The old array, to free without the lock */
	KUNIT_EXPECT_NOT_NULL(test, spare.runs);
	svm_core_spare_free(&spare);
	record_reserved_spread(test, ctl, &r, 0x200, 2, 100, 1);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 103U);
	svm_core_range_unreserve(&r);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	/* Room enough already: nothing to allocate */
	KUNIT_EXPECT_EQ(test, svm_core_range_reserve_slots(&r, 0), 0U);
	svm_core_range_destroy(&r);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

/*
 * A reservation for a large migration of which little moved: the unused
 * room goes back at svm_core_range_unreserve(), down to twice the runs
 * the range holds; if that allocation fails the larger array stays, and
 * nothing else changes.
 */
static void svm_core_range_unreserve_gives_back(struct kunit *test)
{
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_range r;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0, 0xffff, 9), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_reserve(&r, 4096, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r.max_runs, 4096U);
	record_reserved_spread(test, ctl, &r, 0x10, 0x100, 3, 1);
	/* The allocation that would give the room back fails */
	ctl->fail_at = ctl->calls + 1;
	svm_core_range_unreserve(&r);
	/*
	 * It does not sleep, and does not dip into the emergency reserves
	 * (amdkfd unreserves under a lock that sets PF_MEMALLOC)
	 */
	KUNIT_EXPECT_EQ(test, ctl->calls, ctl->fail_at);
	KUNIT_EXPECT_FALSE(test, gfpflags_allow_blocking(ctl->last_gfp));
	KUNIT_EXPECT_TRUE(test, ctl->last_gfp & __GFP_NOMEMALLOC);
	KUNIT_EXPECT_EQ(test, r.max_runs, 4096U);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 3U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);

	KUNIT_ASSERT_EQ(test, svm_core_range_reserve(&r, 4096, GFP_KERNEL), 0);
	svm_core_range_unreserve(&r);
	KUNIT_EXPECT_EQ(test, r.max_runs, 6U);
	KUNIT_EXPECT_EQ(test, r.nr_runs, 3U);
	KUNIT_EXPECT_EQ(test, r.vram_pages, 3UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	KUNIT_EXPECT_EQ(test, ctl->live, 1);
	svm_core_range_destroy(&r);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

static void c_count(struct svm_core_range *r)
{
	r->vram_pages++;
}

static void c_loc_system(struct svm_core_range *r)
{
	r->actual_loc = SVM_CORE_LOC_SYSTEM;
}

static void c_loc_undef(struct svm_core_range *r)
{
	r->actual_loc = SVM_CORE_LOC_UNDEFINED;
}

static void c_adjacent(struct svm_core_range *r)
{
	/* Keep the count right so that only adjacency is broken. */
	r->vram_pages += r->runs[1].start - (r->runs[0].last + 1);
	r->runs[1].start = r->runs[0].last + 1;
}

static void c_outside(struct svm_core_range *r)
{
	r->runs[1].last = r->last + 1;
}

static void c_unsorted(struct svm_core_range *r)
{
	swap(r->runs[0], r->runs[1]);
}

static void c_empty(struct svm_core_range *r)
{
	r->last = r->start - 1;
}

static void c_gran(struct svm_core_range *r)
{
	r->granularity = SVM_CORE_GRANULARITY_MAX + 1;
}

static void c_cap(struct svm_core_range *r)
{
	r->nr_runs = r->max_runs + 1;
}

static void c_offset(struct svm_core_range *r)
{
	r->offset = ULONG_MAX - 2;
}

static const struct corrupt_case corrupt_cases[] = {
	{ "count off by one", c_count },
	{ "device pages with actual_loc 0", c_loc_system },
	{ "actual_loc undefined", c_loc_undef },
	{ "adjacent runs", c_adjacent },
	{ "run outside the range", c_outside },
	{ "runs out of order", c_unsorted },
	{ "empty interval", c_empty },
	{ "granularity out of range", c_gran },
	{ "more runs than room", c_cap },
	{ "offset wrapping over the range", c_offset },
};

KUNIT_ARRAY_PARAM_DESC(corrupt, corrupt_cases, desc);

static void svm_core_range_validate_catches(struct kunit *test)
{
	const struct corrupt_case *c = test->param_value;
	struct run_list runs = RUNS(2, RUN(0x100, 0x1ff), RUN(0x300, 0x3ff));
	struct svm_core_range r, bad;
	struct svm_core_run copy[4];

	setup(test, &r, 0x100, 0x4ff, 1, 0x10, &runs);
	bad = r;
	memcpy(copy, r.runs, sizeof(copy[0]) * r.nr_runs);
	bad.runs = copy;
	bad.max_runs = ARRAY_SIZE(copy);
	KUNIT_ASSERT_EQ(test, svm_core_range_validate(&bad), 0);
	c->corrupt(&bad);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&bad), -EINVAL);
	svm_core_range_destroy(&r);
}

/* A range with no device pages must not keep an offset. */
static void svm_core_range_validate_offset(struct kunit *test)
{
	struct svm_core_range r;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0x100, 0x4ff, 9), 0);
	r.offset = 4;
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), -EINVAL);
	r.offset = 0;
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
}

static struct kunit_case svm_core_range_cases[] = {
	KUNIT_CASE(svm_core_range_init_rejects_bad_input),
	KUNIT_CASE_PARAM(svm_core_range_record_table, record_gen_params),
	KUNIT_CASE(svm_core_range_record_address_space_edges),
	KUNIT_CASE_PARAM(svm_core_range_split_table, split_gen_params),
	KUNIT_CASE(svm_core_range_split_needs_parts),
	KUNIT_CASE(svm_core_range_clone_carries_count),
	KUNIT_CASE(svm_core_range_memory_follows_runs),
	KUNIT_CASE(svm_core_range_decision_allocates_nothing),
	KUNIT_CASE_PARAM(svm_core_range_alloc_failure, alloc_gen_params),
	KUNIT_CASE(svm_core_range_record_reserved_allocates_nothing),
	KUNIT_CASE(svm_core_range_split_keeps_reservation),
	KUNIT_CASE(svm_core_range_reserve_spare_allocates_nothing),
	KUNIT_CASE(svm_core_range_unreserve_gives_back),
	KUNIT_CASE_PARAM(svm_core_range_validate_catches, corrupt_gen_params),
	KUNIT_CASE(svm_core_range_validate_offset),
	{}
};

static struct kunit_suite svm_core_range_suite = {
	.name = "svm_core_range",
	.test_cases = svm_core_range_cases,
};

kunit_test_suite(svm_core_range_suite);
