// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite svm_core_set: range sets, lookups, the set-attributes and
 * munmap plans, and splits applied to a set.
 */

#include <kunit/test.h>
#include <linux/svm_core.h>

#include "svm_core_test.h"

#define MAX_LAYOUT 4
#define MAX_STEPS 8

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

	n = svm_core_set_plan(&ts->set, c->start, c->last, c->max_pages,
			      keep_range, keep, steps, MAX_STEPS);
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

	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, 0x1000, NULL,
						NULL, NULL, 0), 6);
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0, 0x8ff, 0x1000, NULL,
						NULL, steps, 3), 6);
	KUNIT_EXPECT_EQ(test, steps[2].start, 0x200UL);
	KUNIT_EXPECT_EQ(test, steps[2].last, 0x3ffUL);
	/* A long gap is counted without being walked. */
	KUNIT_EXPECT_EQ(test, svm_core_set_plan(&ts->set, 0x800, 0x800 + 0x10000 - 1,
						0x10, NULL, NULL, steps, 3),
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

	KUNIT_ASSERT_EQ(test, svm_core_set_plan(&ts->set, 0x1300, 0x17ff, 0x200,
						NULL, NULL, &step, 1), 1);
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
	KUNIT_ASSERT_EQ(test, svm_core_set_plan(&ts->set, 0x1400, 0x1bff, 0,
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

static struct kunit_case svm_core_set_cases[] = {
	KUNIT_CASE(svm_core_set_lookup_pages),
	KUNIT_CASE(svm_core_set_floor_pages),
	KUNIT_CASE(svm_core_set_insert_rejects_overlap),
	KUNIT_CASE_PARAM(svm_core_set_plan_table, plan_gen_params),
	KUNIT_CASE(svm_core_set_plan_sizing),
	KUNIT_CASE(svm_core_set_apply_three_way),
	KUNIT_CASE(svm_core_set_munmap_middle),
	{}
};

static struct kunit_suite svm_core_set_suite = {
	.name = "svm_core_set",
	.test_cases = svm_core_set_cases,
};

kunit_test_suite(svm_core_set_suite);
