// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite svm_core_set: range sets, lookups, the set-attributes and
 * munmap plans, and splits applied to a set.
 */

#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/svm_core.h>

#include "svm_core_apply.h"
#include "svm_core_test.h"

#define MAX_LAYOUT 4
#define MAX_STEPS 8
#define FILL SVM_CORE_PLAN_FILL_GAPS

struct ival {
	unsigned long start, last;
};

/* A set of up to MAX_LAYOUT ranges, owned by the test. */
struct test_set {
	struct svm_core_set set;
	struct svm_core_range r[MAX_LAYOUT];
	unsigned int nr;
};

static void test_set_exit(void *data)
{
	struct test_set *ts = data;
	unsigned int i;

	for (i = 0; i < ts->nr; i++)
		svm_core_range_destroy(&ts->r[i]);
}

static struct test_set *make_set(struct kunit *test, const struct ival *l,
				 unsigned int nr)
{
	struct test_set *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ts);
	svm_core_set_init(&ts->set);
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_EQ(test, svm_core_range_init(&ts->r[i], l[i].start,
							  l[i].last, 9), 0);
		KUNIT_ASSERT_EQ(test, svm_core_set_insert(&ts->set, &ts->r[i]), 0);
		ts->nr++;
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_set_exit, ts),
			0);
	KUNIT_ASSERT_EQ(test, svm_core_set_validate(&ts->set), 0);
	return ts;
}

static const struct ival three[] = {
	{ 0x100, 0x1ff }, { 0x400, 0x4ff }, { 0x500, 0x7ff },
};

static void svm_core_set_lookup_pages(struct kunit *test)
{
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_set *set = &ts->set;

	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(set, 0));
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(set, 0xff));
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(set, 0x100), &ts->r[0]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(set, 0x1ff), &ts->r[0]);
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(set, 0x200));
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(set, 0x3ff));
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(set, 0x4ff), &ts->r[1]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(set, 0x500), &ts->r[2]);
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(set, 0x800));
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(set, ULONG_MAX));

	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_first(set, 0, ULONG_MAX), &ts->r[0]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_first(set, 0x200, 0x400), &ts->r[1]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_first(set, 0x1ff, 0x1ff), &ts->r[0]);
	KUNIT_EXPECT_NULL(test, svm_core_set_first(set, 0x200, 0x3ff));
	KUNIT_EXPECT_NULL(test, svm_core_set_first(set, 0x400, 0x3ff));
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_next(&ts->r[1], 0x500), &ts->r[2]);
	KUNIT_EXPECT_NULL(test, svm_core_set_next(&ts->r[1], 0x4ff));
	KUNIT_EXPECT_NULL(test, svm_core_set_next(&ts->r[2], ULONG_MAX));
}

/* floor: the range holding a page, else the one just before it. */
static void svm_core_set_floor_pages(struct kunit *test)
{
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_set *set = &ts->set;
	struct svm_core_set empty;

	KUNIT_EXPECT_NULL(test, svm_core_set_floor(set, 0));
	KUNIT_EXPECT_NULL(test, svm_core_set_floor(set, 0xff));
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, 0x100), &ts->r[0]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, 0x200), &ts->r[0]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, 0x3ff), &ts->r[0]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, 0x400), &ts->r[1]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, 0x4ff), &ts->r[1]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, 0x500), &ts->r[2]);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_floor(set, ULONG_MAX), &ts->r[2]);
	svm_core_set_init(&empty);
	KUNIT_EXPECT_NULL(test, svm_core_set_floor(&empty, ULONG_MAX));
}

static void svm_core_set_insert_rejects_overlap(struct kunit *test)
{
	static const struct ival bad[] = {
		{ 0x1ff, 0x200 }, { 0x0, 0x100 }, { 0x450, 0x460 },
		{ 0x0, ULONG_MAX - 1 }, { 0x7ff, 0x800 },
	};
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_range r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, bad[i].start,
							  bad[i].last, 9), 0);
		KUNIT_EXPECT_EQ_MSG(test, svm_core_set_insert(&ts->set, &r),
				    -EINVAL, "[0x%lx 0x%lx]", bad[i].start,
				    bad[i].last);
		KUNIT_EXPECT_EQ(test, ts->set.nr, 3UL);
		KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
	}
	/* Already linked. */
	KUNIT_EXPECT_EQ(test, svm_core_set_insert(&ts->set, &ts->r[0]), -EINVAL);

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0x200, 0x3ff, 9), 0);
	KUNIT_EXPECT_EQ(test, svm_core_set_insert(&ts->set, &r), 0);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
	svm_core_set_remove(&ts->set, &r);
	KUNIT_EXPECT_EQ(test, ts->set.nr, 3UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
}

#define K SVM_CORE_STEP_KEEP
#define U SVM_CORE_STEP_UPDATE
#define N SVM_CORE_STEP_NEW

struct want_step {
	enum svm_core_step_kind kind;
	int range;			/* index into the layout, -1 for NEW */
	unsigned long start, last;
	bool head, tail;
};

struct plan_case {
	const char *desc;
	unsigned long start, last, max_pages;
	int keep;			/* index of an "unchanged" range, or -1 */
	int ret;
	struct want_step steps[MAX_STEPS];
};

/* Against the layout "three": [0x100 0x1ff] [0x400 0x4ff] [0x500 0x7ff]. */
static const struct plan_case plan_cases[] = {
	{ "gap only: new ranges cut at max_pages multiples", 0x810, 0x9ff,
	  0x100, -1, 2,
	  { { N, -1, 0x810, 0x8ff }, { N, -1, 0x900, 0x9ff } } },
	{ "inside one range: three-way split", 0x140, 0x17f, 0x100, -1, 1,
	  { { U, 0, 0x140, 0x17f, true, true } } },
	{ "exactly one range: update without split", 0x400, 0x4ff, 0x100, -1,
	  1, { { U, 1, 0x400, 0x4ff } } },
	{ "head overlap", 0x180, 0x2ff, 0x1000, -1, 2,
	  { { U, 0, 0x180, 0x1ff, true, false }, { N, -1, 0x200, 0x2ff } } },
	{ "tail overlap", 0x300, 0x45f, 0x1000, -1, 2,
	  { { N, -1, 0x300, 0x3ff }, { U, 1, 0x400, 0x45f, false, true } } },
	{ "across everything, gaps filled", 0x0, 0x8ff, 0x1000, -1, 6,
	  { { N, -1, 0x0, 0xff }, { U, 0, 0x100, 0x1ff },
	    { N, -1, 0x200, 0x3ff }, { U, 1, 0x400, 0x4ff },
	    { U, 2, 0x500, 0x7ff }, { N, -1, 0x800, 0x8ff } } },
	{ "an unchanged range is kept whole", 0x150, 0x450, 0x1000, 0, 3,
	  { { K, 0, 0x150, 0x1ff }, { N, -1, 0x200, 0x3ff },
	    { U, 1, 0x400, 0x450, false, true } } },
	{ "munmap: no new ranges in gaps", 0x150, 0x5ff, 0, -1, 3,
	  { { U, 0, 0x150, 0x1ff, true, false }, { U, 1, 0x400, 0x4ff },
	    { U, 2, 0x500, 0x5ff, false, true } } },
	{ "munmap of a gap: nothing", 0x200, 0x3ff, 0, -1, 0 },
	{ "up to the last page of the address space", ULONG_MAX - 0x1ff,
	  ULONG_MAX, 0x100, -1, 2,
	  { { N, -1, ULONG_MAX - 0x1ff, ULONG_MAX - 0x100 },
	    { N, -1, ULONG_MAX - 0xff, ULONG_MAX } } },
	{ "max_pages not a power of two", 0x0, 0xff, 0x300, -1, -EINVAL },
	{ "empty interval", 0x200, 0x1ff, 0x100, -1, -EINVAL },
	{ "too many steps to count", 0, ULONG_MAX, 1, -1, -EOVERFLOW },
};

KUNIT_ARRAY_PARAM_DESC(plan, plan_cases, desc);

static bool keep_range(const struct svm_core_range *r, void *priv)
{
	return r == priv;
}

static void svm_core_set_plan_table(struct kunit *test)
{
	const struct plan_case *c = test->param_value;
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_step steps[MAX_STEPS];
	void *keep = c->keep >= 0 ? &ts->r[c->keep] : NULL;
	int i, n;

	n = svm_core_set_plan(&ts->set, c->start, c->last,
			      c->max_pages ? SVM_CORE_PLAN_FILL_GAPS : 0,
			      c->max_pages, keep_range, keep, steps, MAX_STEPS);
	KUNIT_ASSERT_EQ(test, n, c->ret);
	for (i = 0; i < n; i++) {
		const struct want_step *w = &c->steps[i];

		KUNIT_EXPECT_EQ_MSG(test, steps[i].kind, w->kind, "step %d", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, steps[i].range,
					w->range < 0 ? NULL : &ts->r[w->range],
					"step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, steps[i].start, w->start, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, steps[i].last, w->last, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, steps[i].split_head, w->head, "step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, steps[i].split_tail, w->tail, "step %d", i);
	}
	/* A plan is pure: the set did not move. */
	KUNIT_EXPECT_EQ(test, ts->set.nr, 3UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
}

/* Like snprintf(): the count is right whatever the room. */
static void svm_core_set_plan_sizing(struct kunit *test)
{
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_step steps[3];

	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, FILL, 0x1000, NULL,
						NULL, NULL, 0), 6);
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, FILL, 0x1000, NULL,
						NULL, steps, 3), 6);
	KUNIT_EXPECT_EQ(test, steps[2].start, 0x200UL);
	KUNIT_EXPECT_EQ(test, steps[2].last, 0x3ffUL);
	/* A long gap is counted without being walked. */
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0x800, 0x800 + 0x10000 - 1,
						FILL, 0x10, NULL, NULL, steps, 3),
			0x1000);
	KUNIT_EXPECT_EQ(test, steps[2].start, 0x820UL);
}

/* Apply a set-attributes plan to a set the way a driver would. */
static void svm_core_set_apply_three_way(struct kunit *test)
{
	static const struct ival one[] = { { 0x1000, 0x1fff } };
	struct test_set *ts = make_set(test, one, 1);
	struct svm_core_range *r = &ts->r[0], *head, *tail;
	struct svm_core_step step;
	unsigned long before;

	head = kunit_kzalloc(test, sizeof(*head), GFP_KERNEL);
	tail = kunit_kzalloc(test, sizeof(*tail), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, head);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(r, 0x1100, 0x1eff, 1, 0x200,
						    GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(r, 0x1400, 0x14ff, 0, 0,
						    GFP_KERNEL), 0);
	before = r->vram_pages;

	KUNIT_ASSERT_EQ(test, svm_core_set_plan(&ts->set, 0x1300, 0x17ff, FILL,
						0x200, NULL, NULL, &step, 1), 1);
	KUNIT_ASSERT_EQ(test, step.kind, SVM_CORE_STEP_UPDATE);
	KUNIT_ASSERT_TRUE(test, step.split_head && step.split_tail);
	KUNIT_ASSERT_EQ(test, svm_core_set_split(&ts->set, step.range, step.start,
						 step.last, head, tail,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ts->set.nr, 3UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(&ts->set, 0x12ff), head);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(&ts->set, 0x1300), r);
	KUNIT_EXPECT_PTR_EQ(test, svm_core_set_lookup(&ts->set, 0x1800), tail);
	KUNIT_EXPECT_EQ(test, head->vram_pages, 0x200UL);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0x400UL);
	KUNIT_EXPECT_EQ(test, tail->vram_pages, 0x700UL);
	KUNIT_EXPECT_EQ(test, head->vram_pages + r->vram_pages + tail->vram_pages,
			before);
	KUNIT_EXPECT_EQ(test, head->offset, 0x200UL);
	KUNIT_EXPECT_EQ(test, r->offset, 0x200UL + 0x300);
	KUNIT_EXPECT_EQ(test, tail->offset, 0x200UL + 0x800);

	svm_core_set_remove(&ts->set, head);
	svm_core_set_remove(&ts->set, tail);
	svm_core_range_destroy(head);
	svm_core_range_destroy(tail);
}

/*
 * munmap in the middle of a range with device pages: the survivors keep
 * exactly their own device pages; the middle leaves the set.
 */
static void svm_core_set_munmap_middle(struct kunit *test)
{
	static const struct ival one[] = { { 0x1000, 0x1fff } };
	struct test_set *ts = make_set(test, one, 1);
	struct svm_core_range *r = &ts->r[0], *head, *tail;
	struct svm_core_step step;

	head = kunit_kzalloc(test, sizeof(*head), GFP_KERNEL);
	tail = kunit_kzalloc(test, sizeof(*tail), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, head);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(r, 0x1000, 0x1fff, 1, 0,
						    GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_set_plan(&ts->set, 0x1400, 0x1bff, 0, 0,
						NULL, NULL, &step, 1), 1);
	KUNIT_ASSERT_EQ(test, svm_core_set_split(&ts->set, step.range, step.start,
						 step.last, head, tail,
						 GFP_KERNEL), 0);
	svm_core_set_remove(&ts->set, r);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
	KUNIT_EXPECT_EQ(test, ts->set.nr, 2UL);
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(&ts->set, 0x1400));
	KUNIT_EXPECT_NULL(test, svm_core_set_lookup(&ts->set, 0x1bff));
	KUNIT_EXPECT_EQ(test, head->vram_pages, 0x400UL);
	KUNIT_EXPECT_EQ(test, tail->vram_pages, 0x400UL);
	KUNIT_EXPECT_EQ(test, tail->offset, 0xc00UL);
	KUNIT_EXPECT_EQ(test, head->actual_loc, 1U);
	KUNIT_EXPECT_EQ(test, tail->actual_loc, 1U);

	/* Failing the split leaves the set as it was. */
	KUNIT_EXPECT_EQ(test, svm_core_set_split(&ts->set, head, 0x1100, 0x1000,
						 head, NULL, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ts->set.nr, 2UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);

	svm_core_set_remove(&ts->set, head);
	svm_core_set_remove(&ts->set, tail);
	svm_core_range_destroy(head);
	svm_core_range_destroy(tail);
}

/* The flags and max_pages must agree; nothing else is accepted. */
static void svm_core_set_plan_bad_flags(struct kunit *test)
{
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_step steps[MAX_STEPS];

	/* max_pages without filling gaps: the caller confused the two */
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, 0, 0x100,
						NULL, NULL, steps, MAX_STEPS),
			-EINVAL);
	/* filling gaps with no size for the new ranges */
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, FILL, 0,
						NULL, NULL, steps, MAX_STEPS),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, BIT(1),
						0, NULL, NULL, steps, MAX_STEPS),
			-EINVAL);
	/* The same interval as an munmap: the gaps stay gaps. */
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, 0, 0, NULL,
						NULL, steps, MAX_STEPS), 3);
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, FILL, 0x1000,
						NULL, NULL, steps, MAX_STEPS), 6);
}

/* for_each visits exactly the overlapping ranges; in_set follows the set. */
static void svm_core_set_iterate_in_set(struct kunit *test)
{
	struct test_set *ts = make_set(test, three, ARRAY_SIZE(three));
	struct svm_core_range *r, *seen[4];
	unsigned int n = 0;

	svm_core_set_for_each(r, &ts->set, 0x1ff, 0x4ff) {
		KUNIT_ASSERT_LT(test, n, 4U);
		seen[n++] = r;
	}
	KUNIT_ASSERT_EQ(test, n, 2U);
	KUNIT_EXPECT_PTR_EQ(test, seen[0], &ts->r[0]);
	KUNIT_EXPECT_PTR_EQ(test, seen[1], &ts->r[1]);
	n = 0;
	svm_core_set_for_each(r, &ts->set, 0x200, 0x3ff)
		n++;
	KUNIT_EXPECT_EQ(test, n, 0U);
	svm_core_set_for_each(r, &ts->set, 0, ULONG_MAX)
		n++;
	KUNIT_EXPECT_EQ(test, n, 3U);

	KUNIT_EXPECT_TRUE(test, svm_core_range_in_set(&ts->r[1]));
	svm_core_set_remove(&ts->set, &ts->r[1]);
	KUNIT_EXPECT_FALSE(test, svm_core_range_in_set(&ts->r[1]));
	KUNIT_EXPECT_EQ(test, svm_core_set_insert(&ts->set, &ts->r[1]), 0);
	KUNIT_EXPECT_TRUE(test, svm_core_range_in_set(&ts->r[1]));

	/* The body may take the current range out of the set. */
	n = 0;
	svm_core_set_for_each(r, &ts->set, 0, ULONG_MAX) {
		svm_core_set_remove(&ts->set, r);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, ts->set.nr, 0UL);
	for (n = 0; n < 3; n++)
		KUNIT_EXPECT_FALSE(test, svm_core_range_in_set(&ts->r[n]));
}

/* ---- plan application, allocation first (svm_core_apply.h) ---- */

#define SNAP_RANGES 8
#define SNAP_RUNS 4

/* What a set holds, to compare before and after a failed application. */
struct set_snap {
	unsigned int nr;
	struct {
		struct svm_core_range *r;
		unsigned long start, last, vram, offset;
		u32 loc;
		unsigned int nr_runs;
		struct svm_core_run runs[SNAP_RUNS];
	} e[SNAP_RANGES];
};

static void snap_set(struct kunit *test, const struct svm_core_set *set,
		     struct set_snap *s)
{
	struct svm_core_range *r;

	memset(s, 0, sizeof(*s));
	svm_core_set_for_each(r, set, 0, ULONG_MAX) {
		KUNIT_ASSERT_LT(test, s->nr, SNAP_RANGES);
		KUNIT_ASSERT_LE(test, r->nr_runs, SNAP_RUNS);
		s->e[s->nr].r = r;
		s->e[s->nr].start = r->start;
		s->e[s->nr].last = r->last;
		s->e[s->nr].vram = r->vram_pages;
		s->e[s->nr].offset = r->offset;
		s->e[s->nr].loc = r->actual_loc;
		s->e[s->nr].nr_runs = r->nr_runs;
		memcpy(s->e[s->nr].runs, r->runs, r->nr_runs * sizeof(*r->runs));
		s->nr++;
	}
}

struct apply_ctx {
	struct svm_core_alloc_ctl *ctl;
	unsigned int objects;		/* range objects live */
	unsigned int g;
};

/* Range objects come from the same failure counter as the core's runs. */
static struct svm_core_range *apply_alloc(void *priv)
{
	struct apply_ctx *ac = priv;
	struct svm_core_range *r;

	if (++ac->ctl->calls == ac->ctl->fail_at)
		return NULL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (r)
		ac->objects++;
	return r;
}

static void apply_free(struct svm_core_range *r, void *priv)
{
	struct apply_ctx *ac = priv;

	ac->objects--;
	kfree(r);
}

static void apply_gran(struct svm_core_range *r, void *priv)
{
	svm_core_range_set_granularity(r, ((struct apply_ctx *)priv)->g);
}

static void free_set_extras(struct test_set *ts, struct apply_ctx *ac)
{
	struct svm_core_range *r, *next;
	unsigned int i;

	for (r = svm_core_set_first(&ts->set, 0, ULONG_MAX); r; r = next) {
		next = svm_core_set_next(r, ULONG_MAX);
		for (i = 0; i < ts->nr; i++)
			if (r == &ts->r[i])
				break;
		if (i < ts->nr)
			continue;
		svm_core_set_remove(&ts->set, r);
		svm_core_range_destroy(r);
		apply_free(r, ac);
	}
}

/*
 * The review's reproducer: [0x1000 0x1fff] and [0x2000 0x2fff] (granularity
 * 4) with three faulted windows in the second, then a set-attributes over
 * [0x1800 0x27ff], which splits both. Every allocation of the application
 * (the new range objects and the split parts' runs) is failed in turn:
 * each failure leaves the set, every range in it and every count as it
 * was, and leaks nothing; then the application succeeds. Applying a split
 * as it is planned, allocating on the way, fails this at the tail's run
 * array: the first range is already split.
 */
static void svm_core_set_apply_fails_whole(struct kunit *test)
{
	static const struct ival two[] = {
		{ 0x1000, 0x1fff }, { 0x2000, 0x2fff },
	};
	struct test_set *ts = make_set(test, two, ARRAY_SIZE(two));
	struct apply_ctx ac = { .g = 3 };
	struct svm_core_apply a = {
		.start = 0x1800, .last = 0x27ff, .max_pages = 0x1000,
		.granularity = 3, .update = apply_gran, .alloc = apply_alloc,
		.free = apply_free, .priv = &ac,
	};
	struct set_snap *before, *after;
	unsigned int fail_at;
	int ret;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);
	ac.ctl = svm_core_alloc_stub(test, 0);
	svm_core_range_set_granularity(&ts->r[1], 4);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&ts->r[1], 0x2000, 0x200f, 1,
						    0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&ts->r[1], 0x2900, 0x290f, 1,
						    0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&ts->r[1], 0x2c00, 0x2c0f, 1,
						    0, GFP_KERNEL), 0);
	snap_set(test, &ts->set, before);

	for (fail_at = 1; ; fail_at++) {
		int live = ac.ctl->live;

		KUNIT_ASSERT_LE(test, fail_at, 8U);
		ac.ctl->calls = 0;
		ac.ctl->fail_at = fail_at;
		ret = svm_core_apply_plan(&ts->set, &a);
		if (!ret)
			break;
		KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
		snap_set(test, &ts->set, after);
		KUNIT_EXPECT_MEMEQ_MSG(test, after, before, sizeof(*after),
				       "allocation %u failed", fail_at);
		KUNIT_EXPECT_EQ(test, ac.ctl->live, live);
		KUNIT_EXPECT_EQ(test, ac.objects, 0U);
		KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
	}
	/* Two range objects and the tail's two runs: three allocations. */
	KUNIT_EXPECT_EQ(test, fail_at, 4U);
	KUNIT_EXPECT_EQ(test, a.splits, 2UL);
	KUNIT_EXPECT_EQ(test, ts->set.nr, 4UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);
	KUNIT_EXPECT_EQ(test, ts->r[0].start, 0x1800UL);
	KUNIT_EXPECT_EQ(test, ts->r[0].granularity, 3);
	KUNIT_EXPECT_EQ(test, ts->r[1].start, 0x2000UL);
	KUNIT_EXPECT_EQ(test, ts->r[1].last, 0x27ffUL);
	KUNIT_EXPECT_EQ(test, ts->r[1].vram_pages, 0x10UL);
	KUNIT_EXPECT_EQ(test, ts->r[1].granularity, 3);
	KUNIT_EXPECT_EQ(test, svm_core_set_lookup(&ts->set, 0x2800)->vram_pages,
			0x20UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_lookup(&ts->set, 0x17ff)->granularity,
			9);
	free_set_extras(ts, &ac);
	KUNIT_EXPECT_EQ(test, ac.objects, 0U);
}

/*
 * A prepared split allocates nothing, even when every allocation would
 * fail; preparing for a part that is then not used leaks nothing.
 */
static void svm_core_set_split_prepared(struct kunit *test)
{
	static const struct ival one[] = { { 0x1000, 0x1fff } };
	struct test_set *ts = make_set(test, one, 1);
	struct svm_core_alloc_ctl *ctl = svm_core_alloc_stub(test, 0);
	struct svm_core_range *r = &ts->r[0];
	struct svm_core_range head = {}, tail = {}, spare = {};
	unsigned int calls;
	unsigned long p;

	for (p = 0x1000; p < 0x2000; p += 0x100)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(r, p, p + 0xf, 1,
							    0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, r->nr_runs, 16U);
	calls = ctl->calls;
	KUNIT_ASSERT_EQ(test, svm_core_range_split_prepare(r, 0x1400, 0x17ff,
							   &head, &tail,
							   GFP_KERNEL), 0);
	/* twice is harmless: the storage is big enough already */
	KUNIT_ASSERT_EQ(test, svm_core_range_split_prepare(r, 0x1400, 0x17ff,
							   &head, &tail,
							   GFP_KERNEL), 0);
	/* one array for the head's four runs, one for the tail's eight */
	KUNIT_EXPECT_EQ(test, ctl->calls, calls + 2);
	KUNIT_EXPECT_EQ(test, r->nr_runs, 16U);
	KUNIT_EXPECT_EQ(test, r->start, 0x1000UL);

	ctl->fail_at = ctl->calls + 1;
	KUNIT_ASSERT_EQ(test, svm_core_set_split(&ts->set, r, 0x1400, 0x17ff,
						 &head, &tail, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ctl->calls, calls + 2);
	KUNIT_EXPECT_EQ(test, head.vram_pages, 0x40UL);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0x40UL);
	KUNIT_EXPECT_EQ(test, tail.vram_pages, 0x80UL);
	KUNIT_EXPECT_EQ(test, tail.offset, 0x800UL);
	KUNIT_EXPECT_EQ(test, svm_core_set_validate(&ts->set), 0);

	/* bad arguments are refused before any allocation */
	KUNIT_EXPECT_EQ(test, svm_core_range_split_prepare(r, 0x1300, 0x17ff,
							   &spare, NULL,
							   GFP_KERNEL),
			-EINVAL);
	/* failing, a prepare leaves the part freeable; unused, it is freed */
	ctl->fail_at = ctl->calls + 1;
	KUNIT_EXPECT_EQ(test, svm_core_range_split_prepare(&tail, 0x1a00,
							   0x1fff, &spare,
							   NULL, GFP_KERNEL),
			-ENOMEM);
	ctl->fail_at = 0;
	KUNIT_EXPECT_EQ(test, svm_core_range_split_prepare(&tail, 0x1a00,
							   0x1fff, &spare,
							   NULL, GFP_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, tail.start, 0x1800UL);
	svm_core_range_destroy(&spare);

	svm_core_set_remove(&ts->set, &head);
	svm_core_set_remove(&ts->set, &tail);
	svm_core_range_destroy(&head);
	svm_core_range_destroy(&tail);
	svm_core_range_destroy(r);
	KUNIT_EXPECT_EQ(test, ctl->live, 0);
}

static struct kunit_case svm_core_set_cases[] = {
	KUNIT_CASE(svm_core_set_lookup_pages),
	KUNIT_CASE(svm_core_set_floor_pages),
	KUNIT_CASE(svm_core_set_insert_rejects_overlap),
	KUNIT_CASE_PARAM(svm_core_set_plan_table, plan_gen_params),
	KUNIT_CASE(svm_core_set_plan_sizing),
	KUNIT_CASE(svm_core_set_apply_three_way),
	KUNIT_CASE(svm_core_set_munmap_middle),
	KUNIT_CASE(svm_core_set_plan_bad_flags),
	KUNIT_CASE(svm_core_set_iterate_in_set),
	KUNIT_CASE(svm_core_set_apply_fails_whole),
	KUNIT_CASE(svm_core_set_split_prepared),
	{}
};

static struct kunit_suite svm_core_set_suite = {
	.name = "svm_core_set",
	.test_cases = svm_core_set_cases,
};

kunit_test_suite(svm_core_set_suite);
