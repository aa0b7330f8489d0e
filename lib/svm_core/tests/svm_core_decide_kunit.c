// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite svm_core_decide, for decide.c: fault windows and the
 * decisions of GPU faults, CPU faults, prefetch, fallback and eviction,
 * including every case argued in the review of "drm/amdkfd: Use partial
 * migrations in GPU page faults" (v3).
 */

#include <kunit/test.h>
#include <linux/svm_core.h>

#include "svm_core_test.h"

#define TOP	ULONG_MAX
#define GMAX	SVM_CORE_GRANULARITY_MAX

struct window_case {
	const char *desc;
	unsigned long page;
	unsigned int gran;
	unsigned long lo, hi;
	int ret;
	unsigned long start, last;
};

static const struct window_case window_cases[] = {
	{ "middle of a large range", 0x1234, 9, 0, 0xfffff, 0, 0x1200, 0x13ff },
	{ "first page of a block", 0x1200, 9, 0, 0xfffff, 0, 0x1200, 0x13ff },
	{ "last page of a block", 0x13ff, 9, 0, 0xfffff, 0, 0x1200, 0x13ff },
	{ "range starts inside the block", 0x1010, 9, 0x1005, 0x2000, 0,
	  0x1005, 0x11ff },
	{ "range ends inside the block", 0x1ff0, 9, 0x1000, 0x1ff7, 0,
	  0x1e00, 0x1ff7 },
	{ "one-page range", 0x5000, 9, 0x5000, 0x5000, 0, 0x5000, 0x5000 },
	{ "granularity larger than the range", 0x105, 20, 0x100, 0x1ff, 0,
	  0x100, 0x1ff },
	{ "granularity 0 is one page", 0x77, 0, 0, 0xfff, 0, 0x77, 0x77 },
	{ "block at the top of the address space", TOP - 1, 9, TOP - 0x1000,
	  TOP, 0, TOP - 0x1ff, TOP },
	{ "last page of the address space", TOP, 9, 0, TOP, 0, TOP - 0x1ff,
	  TOP },
	{ "largest granularity", 5, GMAX, 0, TOP, 0, 0, (1UL << GMAX) - 1 },
	{ "largest granularity, top half", TOP, GMAX, 0, TOP, 0, 1UL << GMAX,
	  TOP },
	{ "page below the bounds", 0x0fff, 9, 0x1000, 0x1fff, -EINVAL },
	{ "page above the bounds", 0x2000, 9, 0x1000, 0x1fff, -EINVAL },
	{ "empty bounds", 0x1000, 9, 0x1001, 0x1000, -EINVAL },
	{ "granularity out of range", 0x1000, GMAX + 1, 0, TOP, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(window, window_cases, desc);

static void svm_core_decide_table(struct kunit *test)
{
	const struct window_case *c = test->param_value;
	unsigned long start = 0xdead, last = 0xbeef;
	int ret;

	ret = svm_core_window(c->page, c->gran, c->lo, c->hi, &start, &last);
	KUNIT_ASSERT_EQ_MSG(test, ret, c->ret, "page 0x%lx gran %u [0x%lx 0x%lx]",
			    c->page, c->gran, c->lo, c->hi);
	if (ret) {
		KUNIT_EXPECT_EQ(test, start, 0xdeadUL);
		KUNIT_EXPECT_EQ(test, last, 0xbeefUL);
		return;
	}
	KUNIT_EXPECT_EQ(test, start, c->start);
	KUNIT_EXPECT_EQ(test, last, c->last);
	KUNIT_EXPECT_LE(test, start, c->page);
	KUNIT_EXPECT_GE(test, last, c->page);
}

/* A range with its device pages, for the decision tables. */
struct layout {
	unsigned long start, last;
	unsigned int gran;
	u32 loc;			/* device of the runs below */
	unsigned long run_start, run_last;	/* run_start > run_last: none */
};

static struct svm_core_range *make_range(struct kunit *test,
					 const struct layout *l)
{
	struct svm_core_range *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_EQ(test, svm_core_range_init(r, l->start, l->last, l->gran), 0);
	if (l->run_start <= l->run_last)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(r, l->run_start,
							    l->run_last, l->loc,
							    0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_validate(r), 0);
	return r;
}

struct decision_case {
	const char *desc;
	struct layout l;
	unsigned long page;
	u32 best;
	int ret;
	struct svm_core_decision d;
};

#define NONE	{ SVM_CORE_OP_NONE }
#define TO_SYS(s, l)	{ SVM_CORE_OP_TO_SYSTEM, 0, s, l }
#define TO_DEV(d, s, l)	{ SVM_CORE_OP_TO_DEVICE, d, s, l }

/* One 4 MiB range [0x1000, 0x1fff]: two 2 MiB windows. */
#define R(loc, rs, rl)	{ 0x1000, 0x1fff, 9, loc, rs, rl }
#define SYS		R(0, 1, 0)

static const struct decision_case gpu_cases[] = {
	{ "system range, best system: nothing moves", SYS, 0x1234, 0, 0,
	  { false, NONE } },
	{ "system range, best device: only the window", SYS, 0x1234, 1, 0,
	  { false, TO_DEV(1, 0x1200, 0x13ff) } },
	{ "device pages, best system: window back to system",
	  R(1, 0x1200, 0x13ff), 0x1234, 0, 0,
	  { false, TO_SYS(0x1200, 0x13ff) } },
	{ "best equals actual: the mixed window still migrates",
	  R(1, 0x1200, 0x12ff), 0x1234, 1, 0,
	  { false, TO_DEV(1, 0x1200, 0x13ff) } },
	{ "window clamped at the range start",
	  { 0x1005, 0x1fff, 9, 0, 1, 0 }, 0x1010, 1, 0,
	  { false, TO_DEV(1, 0x1005, 0x11ff) } },
	{ "window clamped at the range last page",
	  { 0x1000, 0x1ff7, 9, 0, 1, 0 }, 0x1ff0, 1, 0,
	  { false, TO_DEV(1, 0x1e00, 0x1ff7) } },
	{ "pages of device A, fault for device B: A's pages go first",
	  R(1, 0x1800, 0x18ff), 0x1234, 2, 0,
	  { true, TO_DEV(2, 0x1200, 0x13ff) } },
	{ "best location undefined", SYS, 0x1234, SVM_CORE_LOC_UNDEFINED,
	  -EINVAL },
	{ "page outside the range", SYS, 0x2000, 1, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(gpu, gpu_cases, desc);

static void expect_migration(struct kunit *test,
			     const struct svm_core_migration *got,
			     const struct svm_core_migration *want)
{
	KUNIT_EXPECT_EQ(test, got->op, want->op);
	if (want->op == SVM_CORE_OP_NONE)
		return;
	KUNIT_EXPECT_EQ(test, got->loc, want->loc);
	KUNIT_EXPECT_EQ(test, got->start, want->start);
	KUNIT_EXPECT_EQ(test, got->last, want->last);
}

static void expect_decision(struct kunit *test, int ret,
			    const struct svm_core_decision *d,
			    const struct decision_case *c)
{
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, d->evict, c->d.evict);
	expect_migration(test, &d->migrate, &c->d.migrate);
}

static void svm_core_decide_gpu_fault(struct kunit *test)
{
	const struct decision_case *c = test->param_value;
	struct svm_core_range *r = make_range(test, &c->l);
	struct svm_core_decision d;

	expect_decision(test, svm_core_gpu_fault(r, c->page, c->best, &d), &d, c);
}

struct cpu_case {
	const char *desc;
	struct layout l;
	unsigned long page, vma_start, vma_last;
	int ret;
	struct svm_core_migration m;
};

static const struct cpu_case cpu_cases[] = {
	{ "device window goes back to system", R(1, 0x1000, 0x1fff), 0x1234,
	  0, TOP, 0, TO_SYS(0x1200, 0x13ff) },
	{ "clamped to the VMA start", R(1, 0x1000, 0x1fff), 0x1234, 0x1230,
	  TOP, 0, TO_SYS(0x1230, 0x13ff) },
	{ "clamped to the VMA end", R(1, 0x1000, 0x1fff), 0x1234, 0, 0x1240,
	  0, TO_SYS(0x1200, 0x1240) },
	{ "clamped to the range edge", { 0x1100, 0x1fff, 9, 1, 0x1100, 0x1fff },
	  0x1101, 0, TOP, 0, TO_SYS(0x1100, 0x11ff) },
	{ "system-only range: nothing to move", SYS, 0x1234, 0, TOP, 0, NONE },
	{ "page outside the VMA", R(1, 0x1000, 0x1fff), 0x1234, 0x1300, TOP,
	  -EINVAL },
	{ "empty VMA", R(1, 0x1000, 0x1fff), 0x1234, 0x1300, 0x1200, -EINVAL },
	{ "page outside the range", R(1, 0x1000, 0x1fff), 0xfff, 0, TOP,
	  -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(cpu, cpu_cases, desc);

static void svm_core_decide_cpu_fault(struct kunit *test)
{
	const struct cpu_case *c = test->param_value;
	struct svm_core_range *r = make_range(test, &c->l);
	struct svm_core_decision d;
	int ret;

	ret = svm_core_cpu_fault(r, c->page, c->vma_start, c->vma_last, &d);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_FALSE(test, d.evict);
	expect_migration(test, &d.migrate, &c->m);
}

static const struct decision_case prefetch_cases[] = {
	{ "best location undefined: nothing", R(1, 0x1000, 0x10ff), 0,
	  SVM_CORE_LOC_UNDEFINED, 0, { false, NONE } },
	{ "system range to system: nothing", SYS, 0, 0, 0, { false, NONE } },
	{ "mixed range, best equals actual: whole range migrates",
	  R(1, 0x1000, 0x10ff), 0, 1, 0,
	  { false, TO_DEV(1, 0x1000, 0x1fff) } },
	{ "mixed range to system", R(1, 0x1000, 0x10ff), 0, 0, 0,
	  { false, TO_SYS(0x1000, 0x1fff) } },
	{ "system range to a device", SYS, 0, 1, 0,
	  { false, TO_DEV(1, 0x1000, 0x1fff) } },
	{ "pages of device A, prefetch to B", R(1, 0x1000, 0x10ff), 0, 2, 0,
	  { true, TO_DEV(2, 0x1000, 0x1fff) } },
};

KUNIT_ARRAY_PARAM_DESC(prefetch, prefetch_cases, desc);

static void svm_core_decide_prefetch(struct kunit *test)
{
	const struct decision_case *c = test->param_value;
	struct svm_core_range *r = make_range(test, &c->l);
	struct svm_core_decision d;

	expect_decision(test, svm_core_prefetch(r, c->best, &d), &d, c);
}

/*
 * The review's fallback: when migration to the device fails, the GPU maps
 * system memory; pages of another device in the window go to system first,
 * pages of the target device stay where they are.
 */
static void svm_core_decide_fallback_on_device_failure(struct kunit *test)
{
	struct layout other = R(2, 0x1200, 0x12ff);
	struct layout same = R(1, 0x1200, 0x12ff);
	struct svm_core_decision d, fb;
	struct svm_core_range *r;

	r = make_range(test, &other);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(r, 0x1234, 1, &d), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault_fallback(r, &d, &fb), 0);
	KUNIT_EXPECT_FALSE(test, fb.evict);
	expect_migration(test, &fb.migrate,
			 &(struct svm_core_migration)TO_SYS(0x1200, 0x13ff));

	r = make_range(test, &same);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(r, 0x1234, 1, &d), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault_fallback(r, &d, &fb), 0);
	KUNIT_EXPECT_FALSE(test, fb.evict);
	KUNIT_EXPECT_EQ(test, fb.migrate.op, SVM_CORE_OP_NONE);

	/* Only a failed migration to a device has a fallback. */
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(r, 0x1234, 0, &d), 0);
	KUNIT_EXPECT_EQ(test, svm_core_gpu_fault_fallback(r, &d, &fb), -EINVAL);
}

/* The same, carried out: the fault still succeeds, from system memory. */
static void svm_core_decide_fault_migrate_falls_back(struct kunit *test)
{
	struct layout l = R(2, 0x1200, 0x12ff);
	struct svm_core_range *r = make_range(test, &l);
	struct svm_core_decision d;
	struct svm_core_fake fake;

	svm_core_fake_init(&fake, test);
	fake.fail_after = 1;	/* A's pages leave, then B's migration fails */
	KUNIT_EXPECT_EQ(test, svm_core_gpu_fault_migrate(r, 0x1234, 1,
							 &svm_core_fake_ops,
							 &fake, &d), 0);
	/* Nothing of another device is left: the GPU maps system memory. */
	KUNIT_EXPECT_EQ(test, fake.calls, 2U);
	KUNIT_EXPECT_EQ(test, fake.last.op, SVM_CORE_OP_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, SVM_CORE_LOC_SYSTEM);

	/* One of A's pages is pinned once: the eviction's retry moves it. */
	r = make_range(test, &l);
	svm_core_fake_init(&fake, test);
	fake.skip_start = 0x1250;
	fake.skip_last = 0x1250;
	fake.skip_calls = 1;
	KUNIT_EXPECT_EQ(test, svm_core_gpu_fault_migrate(r, 0x1234, 1,
							 &svm_core_fake_ops,
							 &fake, &d), 0);
	KUNIT_EXPECT_TRUE(test, d.evict);
	KUNIT_EXPECT_EQ(test, fake.calls, 3U);
	KUNIT_EXPECT_EQ(test, fake.last.op, SVM_CORE_OP_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0x200UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 1U);
	KUNIT_EXPECT_EQ(test, fake.released, 1U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(r), 0);

	/*
	 * Pinned through every eviction attempt: B's migration is refused
	 * (-EBUSY), and the fallback takes the window to system memory.
	 */
	r = make_range(test, &l);
	svm_core_fake_init(&fake, test);
	fake.skip_start = 0x1250;
	fake.skip_last = 0x1250;
	fake.skip_calls = SVM_CORE_EVICT_RETRIES;
	KUNIT_EXPECT_EQ(test, svm_core_gpu_fault_migrate(r, 0x1234, 1,
							 &svm_core_fake_ops,
							 &fake, &d), 0);
	KUNIT_EXPECT_EQ(test, fake.calls, (unsigned int)SVM_CORE_EVICT_RETRIES + 1);
	KUNIT_EXPECT_EQ(test, fake.last.op, SVM_CORE_OP_TO_SYSTEM);
	KUNIT_EXPECT_EQ(test, fake.last.start, 0x1200UL);
	KUNIT_EXPECT_EQ(test, fake.last.last, 0x13ffUL);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, SVM_CORE_LOC_SYSTEM);
	KUNIT_EXPECT_EQ(test, fake.released, 1U);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(r), 0);
}

/* A GPU fault migrates one window and leaves the rest in system memory. */
static void svm_core_decide_partial_migration(struct kunit *test)
{
	struct layout l = SYS;
	struct svm_core_range *r = make_range(test, &l);
	struct svm_core_decision d;
	struct svm_core_fake fake;

	svm_core_fake_init(&fake, test);
	fake.offset = 0x40;
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault_migrate(r, 0x1a00, 1,
							 &svm_core_fake_ops,
							 &fake, &d), 0);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 512UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 1U);
	KUNIT_EXPECT_EQ(test, r->offset, 0x40UL);
	KUNIT_EXPECT_EQ(test, svm_core_range_page_loc(r, 0x19ff), 0U);
	KUNIT_EXPECT_EQ(test, svm_core_range_page_loc(r, 0x1a00), 1U);
	KUNIT_EXPECT_EQ(test, svm_core_range_page_loc(r, 0x1bff), 1U);
	KUNIT_EXPECT_EQ(test, svm_core_range_page_loc(r, 0x1c00), 0U);
	KUNIT_EXPECT_EQ(test, r->start, 0x1000UL);
	KUNIT_EXPECT_EQ(test, r->last, 0x1fffUL);
}

/*
 * A CPU fault moves back one window of a range that is fully in device
 * memory: the range is not split, the count drops by the window, and
 * actual_loc stays the device because device pages remain.
 */
static void svm_core_decide_cpu_fault_no_split(struct kunit *test)
{
	struct layout l = R(1, 0x1000, 0x1fff);
	struct svm_core_range *r = make_range(test, &l);
	struct svm_core_decision d;
	struct svm_core_fake fake;

	svm_core_fake_init(&fake, test);
	KUNIT_ASSERT_EQ(test, svm_core_cpu_fault(r, 0x1e10, 0, TOP, &d), 0);
	KUNIT_ASSERT_EQ(test, svm_core_execute(r, &d, &svm_core_fake_ops,
					       &fake), 0);
	KUNIT_EXPECT_EQ(test, r->start, 0x1000UL);
	KUNIT_EXPECT_EQ(test, r->last, 0x1fffUL);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0x1000UL - 0x200UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 1U);
	KUNIT_EXPECT_EQ(test, fake.released, 0U);

	/* The other windows follow; the last one releases the allocation. */
	for (unsigned long p = 0x1000; p < 0x1e00; p += 0x200) {
		KUNIT_ASSERT_EQ(test, svm_core_cpu_fault(r, p, 0, TOP, &d), 0);
		KUNIT_ASSERT_EQ(test, svm_core_execute(r, &d, &svm_core_fake_ops,
						       &fake), 0);
		KUNIT_ASSERT_EQ(test, svm_core_range_validate(r), 0);
	}
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, SVM_CORE_LOC_SYSTEM);
	KUNIT_EXPECT_EQ(test, fake.released, 1U);
}

/* Eviction retries while pinned pages stay behind, then succeeds. */
static void svm_core_decide_evict_retries(struct kunit *test)
{
	struct layout l = R(1, 0x1000, 0x1fff);
	struct svm_core_range *r = make_range(test, &l);
	struct svm_core_fake fake;

	svm_core_fake_init(&fake, test);
	fake.skip_start = 0x1800;
	fake.skip_last = 0x1801;
	fake.skip_calls = 2;
	KUNIT_EXPECT_EQ(test, svm_core_evict(r, SVM_CORE_EVICT_RETRIES,
					     &svm_core_fake_ops, &fake), 0);
	KUNIT_EXPECT_EQ(test, fake.calls, 3U);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, SVM_CORE_LOC_SYSTEM);
	KUNIT_EXPECT_EQ(test, fake.released, 1U);

	/* Nothing to evict: no migration at all. */
	KUNIT_EXPECT_EQ(test, svm_core_evict(r, 1, &svm_core_fake_ops, &fake), 0);
	KUNIT_EXPECT_EQ(test, fake.calls, 3U);
}

/* Pages pinned for good: the loop gives up after the bound and says so. */
static void svm_core_decide_evict_gives_up(struct kunit *test)
{
	struct layout l = R(1, 0x1000, 0x1fff);
	struct svm_core_range *r = make_range(test, &l);
	struct svm_core_fake fake;

	svm_core_fake_init(&fake, test);
	fake.skip_start = 0x1800;
	fake.skip_last = 0x1801;
	KUNIT_EXPECT_EQ(test, svm_core_evict(r, 4, &svm_core_fake_ops, &fake),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, fake.calls, 4U);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 2UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 1U);
	KUNIT_EXPECT_EQ(test, fake.released, 0U);

	/* A migration error stops the loop at once and is returned. */
	svm_core_fake_init(&fake, test);
	fake.fail_after = 0;
	fake.fail_err = -EIO;
	KUNIT_EXPECT_EQ(test, svm_core_evict(r, 4, &svm_core_fake_ops, &fake),
			-EIO);
	KUNIT_EXPECT_EQ(test, fake.calls, 1U);
	KUNIT_EXPECT_EQ(test, svm_core_evict(r, 0, &svm_core_fake_ops, &fake),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(r), 0);
}

/* Prefetch errors come back to the caller; 6.12 dropped them. */
static void svm_core_decide_prefetch_error_returned(struct kunit *test)
{
	struct layout l = R(1, 0x1000, 0x10ff);
	struct svm_core_range *r = make_range(test, &l);
	struct svm_core_decision d;
	struct svm_core_fake fake;

	svm_core_fake_init(&fake, test);
	fake.fail_after = 0;
	fake.fail_err = -EFAULT;
	KUNIT_ASSERT_EQ(test, svm_core_prefetch(r, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, svm_core_execute(r, &d, &svm_core_fake_ops, &fake),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0x100UL);

	/* Succeeding, the mixed range ends fully on the device. */
	svm_core_fake_init(&fake, test);
	KUNIT_EXPECT_EQ(test, svm_core_execute(r, &d, &svm_core_fake_ops, &fake),
			0);
	KUNIT_EXPECT_EQ(test, r->vram_pages, 0x1000UL);
	KUNIT_EXPECT_EQ(test, r->actual_loc, 1U);
}

/*
 * The adaptive window, pinned on access patterns: each case is a range, a
 * sequence of GPU faults and the window each must get. After each fault the
 * window is recorded as moved to device 1, as a driver whose migrations all
 * succeed would.
 */
#define ADAPT_MAX_FAULTS 12

struct adapt_case {
	const char *desc;
	unsigned long start, last;
	unsigned int gran;
	unsigned int n;
	struct {
		unsigned long page, start, last;
	} f[ADAPT_MAX_FAULTS];
};

#define A0 0x10000UL
#define AT (TOP - 0xfff)

/*
 * With the default fault cost (w = 25 pages), a block of n pages is bought
 * after j = (w + n) / (w + 1) one-page faults: 20 for 512 pages, 1 for 16.
 */
static const struct adapt_case adapt_cases[] = {
	{ "streaming up: twenty pages rented, then the block", A0, A0 + 0xffff,
	  9, 3,
	  { { A0, A0, A0 }, { A0 + 1, A0 + 1, A0 + 1 },
	    { A0 + 2, A0 + 2, A0 + 2 } } },
	{ "a range inside one block is one block", A0 + 0x10, A0 + 0x1f, 9, 2,
	  { { A0 + 0x13, A0 + 0x13, A0 + 0x13 },
	    { A0 + 0x17, A0 + 0x10, A0 + 0x1f } } },
	{ "sparse: one page per block, never more", A0, A0 + 0xffff, 9, 5,
	  { { A0 + 0x5, A0 + 0x5, A0 + 0x5 },
	    { A0 + 0x207, A0 + 0x207, A0 + 0x207 },
	    { A0 + 0x409, A0 + 0x409, A0 + 0x409 },
	    { A0 + 0x1003, A0 + 0x1003, A0 + 0x1003 },
	    { A0 + 0x8000, A0 + 0x8000, A0 + 0x8000 } } },
	{ "top of the address space: a 2-page block bought at the second",
	  AT, TOP, 1, 3,
	  { { TOP, TOP, TOP }, { TOP - 1, TOP - 1, TOP },
	    { TOP - 2, TOP - 2, TOP - 2 } } },
	{ "block clamped at the range's end", A0, A0 + 0x6, 9, 2,
	  { { A0 + 3, A0 + 3, A0 + 3 }, { A0 + 5, A0, A0 + 6 } } },
};

KUNIT_ARRAY_PARAM_DESC(adapt, adapt_cases, desc);

static void svm_core_decide_adaptive(struct kunit *test)
{
	const struct adapt_case *c = test->param_value;
	struct svm_core_decision d;
	struct svm_core_range r;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, c->start, c->last,
						  c->gran), 0);
	KUNIT_ASSERT_EQ(test,
			svm_core_range_set_window_policy(&r, SVM_CORE_WINDOW_ADAPTIVE),
			0);
	for (k = 0; k < c->n; k++) {
		KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, c->f[k].page, 1,
							 &d), 0);
		KUNIT_EXPECT_EQ_MSG(test, d.migrate.start, c->f[k].start,
				    "fault %u at 0x%lx", k, c->f[k].page);
		KUNIT_EXPECT_EQ_MSG(test, d.migrate.last, c->f[k].last,
				    "fault %u at 0x%lx", k, c->f[k].page);
		KUNIT_ASSERT_GE(test, svm_core_range_record(&r, d.migrate.start,
							    d.migrate.last, 1,
							    0, GFP_KERNEL), 0);
	}
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	svm_core_range_destroy(&r);
}

/*
 * Ski rental in a 2 MiB block: nineteen rented pages leave the next fault
 * renting, twenty buy the block, however the pages lie (a prefetch's run
 * counts as much as faults); a lower fault cost buys sooner. A CPU fault
 * moves the page alone until the whole block is on the device.
 */
static void svm_core_decide_adaptive_rentals(struct kunit *test)
{
	struct svm_core_decision d;
	struct svm_core_range r;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, A0, A0 + 0xfff, 9), 0);
	KUNIT_EXPECT_EQ(test, r.fault_pages, SVM_CORE_ADAPT_FAULT_PAGES);
	KUNIT_ASSERT_EQ(test,
			svm_core_range_set_window_policy(&r, SVM_CORE_WINDOW_ADAPTIVE),
			0);
	for (k = 0; k < 19; k++)
		KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, A0 + 3 * k,
							    A0 + 3 * k, 1, 0,
							    GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, A0 + 0x100, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0 + 0x100);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x100);
	/* a CPU fault in a block not all on the device: the page */
	KUNIT_ASSERT_EQ(test, svm_core_cpu_fault(&r, A0 + 3, A0, A0 + 0xfff,
						 &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0 + 3);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 3);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, A0 + 0x100, A0 + 0x100,
						    1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, A0 + 0x101, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x1ff);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, A0, A0 + 0x1ff, 1, 0,
						    GFP_KERNEL), 0);
	/* the whole block on the device: a CPU fault moves it back */
	KUNIT_ASSERT_EQ(test, svm_core_cpu_fault(&r, A0 + 3, A0, A0 + 0xfff,
						 &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x1ff);
	/* a prefetched run of 20 pages buys the next block too */
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, A0 + 0x200, A0 + 0x213,
						    1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, A0 + 0x300, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0 + 0x200);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x3ff);
	/* free faults: never buy; dear ones: buy after one page */
	KUNIT_EXPECT_EQ(test, svm_core_range_set_fault_pages(&r, 0x10000),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, r.fault_pages, SVM_CORE_ADAPT_FAULT_PAGES);
	KUNIT_ASSERT_EQ(test, svm_core_range_set_fault_pages(&r, 0), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, A0 + 0x301, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0 + 0x301);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x301);
	KUNIT_ASSERT_EQ(test, svm_core_range_set_fault_pages(&r, 1000), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, A0 + 0x401, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0 + 0x401);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x401);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&r, A0 + 0x401, A0 + 0x401,
						    1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, A0 + 0x402, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, A0 + 0x400);
	KUNIT_EXPECT_EQ(test, d.migrate.last, A0 + 0x5ff);
	KUNIT_EXPECT_EQ(test, svm_core_range_validate(&r), 0);
	svm_core_range_destroy(&r);
}

/* The policy: refused when unknown, kept by splits and clones, scoped. */
static void svm_core_decide_policy_kept(struct kunit *test)
{
	struct svm_core_range r, head = {}, clone;
	struct svm_core_decision d;

	KUNIT_ASSERT_EQ(test, svm_core_range_init(&r, 0x1000, 0x1fff, 9), 0);
	KUNIT_EXPECT_EQ(test, r.window_policy, SVM_CORE_WINDOW_FIXED);
	KUNIT_EXPECT_EQ(test, svm_core_range_set_window_policy(&r, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, r.window_policy, SVM_CORE_WINDOW_FIXED);
	/* fixed: the whole block, even for an isolated fault */
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&r, 0x1234, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, 0x1200UL);
	KUNIT_EXPECT_EQ(test, d.migrate.last, 0x13ffUL);

	KUNIT_ASSERT_EQ(test,
			svm_core_range_set_window_policy(&r, SVM_CORE_WINDOW_ADAPTIVE),
			0);
	KUNIT_ASSERT_EQ(test, svm_core_range_split(&r, 0x1800, 0x1fff, &head,
						   NULL, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_range_clone(&clone, &r, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, head.window_policy, SVM_CORE_WINDOW_ADAPTIVE);
	KUNIT_EXPECT_EQ(test, clone.window_policy, SVM_CORE_WINDOW_ADAPTIVE);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&head, 0x1234, 1, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.start, 0x1234UL);
	KUNIT_EXPECT_EQ(test, d.migrate.last, 0x1234UL);

	/*
	 * Adaptive sizes only migrations into the range's device: nothing to
	 * move, a move to system memory and one to another device keep the
	 * fixed block, which is also what the GPU maps.
	 */
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&head, 0x1234, 0, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.op, SVM_CORE_OP_NONE);
	KUNIT_EXPECT_EQ(test, d.migrate.start, 0x1200UL);
	KUNIT_EXPECT_EQ(test, d.migrate.last, 0x13ffUL);
	KUNIT_ASSERT_EQ(test, svm_core_range_record(&head, 0x1000, 0x17ff, 1, 0,
						    GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&head, 0x1234, 0, &d), 0);
	KUNIT_EXPECT_EQ(test, d.migrate.op, SVM_CORE_OP_TO_SYSTEM);
	KUNIT_EXPECT_EQ(test, d.migrate.start, 0x1200UL);
	KUNIT_EXPECT_EQ(test, d.migrate.last, 0x13ffUL);
	KUNIT_ASSERT_EQ(test, svm_core_gpu_fault(&head, 0x1234, 2, &d), 0);
	KUNIT_EXPECT_TRUE(test, d.evict);
	KUNIT_EXPECT_EQ(test, d.migrate.start, 0x1200UL);
	KUNIT_EXPECT_EQ(test, d.migrate.last, 0x13ffUL);
	svm_core_range_destroy(&r);
	svm_core_range_destroy(&head);
	svm_core_range_destroy(&clone);
}

static struct kunit_case svm_core_decide_cases[] = {
	KUNIT_CASE_PARAM(svm_core_decide_table, window_gen_params),
	KUNIT_CASE_PARAM(svm_core_decide_gpu_fault, gpu_gen_params),
	KUNIT_CASE_PARAM(svm_core_decide_cpu_fault, cpu_gen_params),
	KUNIT_CASE_PARAM(svm_core_decide_prefetch, prefetch_gen_params),
	KUNIT_CASE(svm_core_decide_fallback_on_device_failure),
	KUNIT_CASE(svm_core_decide_fault_migrate_falls_back),
	KUNIT_CASE(svm_core_decide_partial_migration),
	KUNIT_CASE(svm_core_decide_cpu_fault_no_split),
	KUNIT_CASE(svm_core_decide_evict_retries),
	KUNIT_CASE(svm_core_decide_evict_gives_up),
	KUNIT_CASE(svm_core_decide_prefetch_error_returned),
	KUNIT_CASE_PARAM(svm_core_decide_adaptive, adapt_gen_params),
	KUNIT_CASE(svm_core_decide_adaptive_rentals),
	KUNIT_CASE(svm_core_decide_policy_kept),
	{}
};

static struct kunit_suite svm_core_decide_suite = {
	.name = "svm_core_decide",
	.test_cases = svm_core_decide_cases,
};

kunit_test_suite(svm_core_decide_suite);
