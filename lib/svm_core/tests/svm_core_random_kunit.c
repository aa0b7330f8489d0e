// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite svm_core_random: random sequences of GPU faults, CPU faults,
 * prefetches, evictions, set-attributes and unmaps, run through the core and
 * checked after every step against a per-page reference model that knows
 * nothing of runs, windows arithmetic or split plans.
 *
 * The seed is drawn once per boot and logged; replay a failure with the
 * kernel argument svm_core_kunit.seed=<seed> (kunit.py --kernel_args).
 */

#include <kunit/test.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/svm_core.h>

#include "svm_core_apply.h"
#include "svm_core_model.h"
#include "svm_core_test.h"

static unsigned int seed;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "svm_core_random seed (0: draw one)");

#define NPAGES		SVM_MODEL_PAGES	/* pages the model covers */
#define NDEV		2	/* devices 1..NDEV */
#define NEW_MAX		128	/* largest new range (max_pages) */

struct rnd_ctx {
	struct kunit *test;
	struct rnd_state rnd;
	struct svm_model *m;	/* the per-page model svm-fuzz uses too */
	struct svm_model *saved;	/* the model before a plan that may fail */
	struct svm_core_set set;
	struct svm_core_fake fake;
	struct svm_core_alloc_ctl *ctl;
	unsigned long op;
};

struct random_case {
	const char *desc;
	unsigned long base;
	unsigned long ops;
};

static const struct random_case random_cases[] = {
	{ "low pages", 0x40000, 100000 },
	{ "top of the address space", ULONG_MAX - NPAGES + 1, 100000 },
};

KUNIT_ARRAY_PARAM_DESC(random, random_cases, desc);

static u32 rnd(struct rnd_ctx *c, u32 n)
{
	return prandom_u32_state(&c->rnd) % n;
}

/* Assert in a function with a struct rnd_ctx *c, naming the op and seed. */
#define CHECK(cond, fmt, ...)						\
	KUNIT_ASSERT_TRUE_MSG(c->test, cond, "op %lu seed %u: " fmt,	\
			      c->op, seed, ##__VA_ARGS__)

/* ---- the reference model, page by page ---- */

static int pick_mapped(struct rnd_ctx *c, bool want_device)
{
	int tries, i, found = -1;

	for (tries = 0; tries < 16; tries++) {
		i = rnd(c, NPAGES);
		if (!c->m->mapped[i])
			continue;
		found = i;
		if (!want_device || c->m->loc[i])
			break;
	}
	return found;
}

static void check_migration(struct rnd_ctx *c, const char *what,
			    const struct svm_core_migration *got,
			    enum svm_core_op op, u32 loc, unsigned int s,
			    unsigned int l)
{
	CHECK(got->op == op, "%s: op %d, model %d", what, got->op, op);
	if (op == SVM_CORE_OP_NONE)
		return;
	CHECK(got->loc == loc, "%s: loc %u, model %u", what, got->loc, loc);
	CHECK(got->start == c->m->base + s && got->last == c->m->base + l,
	      "%s: [0x%lx 0x%lx], model [0x%lx 0x%lx]", what, got->start,
	      got->last, c->m->base + s, c->m->base + l);
}

/* Expected decision of a move of [s, l] in range [rs, rl] to @best. */
static void check_move(struct rnd_ctx *c, const struct svm_core_decision *d,
		       u32 actual, u32 best, unsigned int rs, unsigned int rl,
		       unsigned int s, unsigned int l)
{
	CHECK(d->evict == (best && actual && actual != best),
	      "evict %d: device %u holds [%u %u], best %u", d->evict, actual,
	      rs, rl, best);
	check_migration(c, "migrate", &d->migrate,
			best ? SVM_CORE_OP_TO_DEVICE : SVM_CORE_OP_TO_SYSTEM,
			best, s, l);
}

static struct svm_core_range *lookup(struct rnd_ctx *c, unsigned int i)
{
	struct svm_core_range *r = svm_core_set_lookup(&c->set, c->m->base + i);

	CHECK(r, "no range at page 0x%lx", c->m->base + i);
	return r;
}

/* A fresh fake device for one operation, sometimes pinning or failing. */
static void arm_fake(struct rnd_ctx *c, unsigned int s, unsigned int l)
{
	struct svm_core_fake *f = &c->fake;

	svm_core_fake_init(f, c->test);
	f->page_loc = c->m->loc;
	f->page_slot = c->m->slot;
	f->page_base = c->m->base;
	f->offset = rnd(c, 4096);
	if (!rnd(c, 4)) {
		unsigned int a = s + rnd(c, l - s + 1);

		f->skip_start = c->m->base + a;
		f->skip_last = c->m->base + a + rnd(c, l - a + 1);
		f->skip_calls = rnd(c, 3) - 1;
	}
	if (!rnd(c, 10)) {
		f->fail_after = rnd(c, 2);
		f->fail_err = -EIO;
	}
	if (!rnd(c, 20))
		c->ctl->fail_at = c->ctl->calls + 1 + rnd(c, 2);
}

static void check_ret(struct rnd_ctx *c, int ret)
{
	CHECK(!ret || ret == -EIO || ret == -ENOMEM || ret == -EBUSY,
	      "unexpected error %d", ret);
	c->ctl->fail_at = 0;
}

/* ---- operations ---- */

static void op_gpu_fault(struct rnd_ctx *c)
{
	struct svm_model *m = c->m;
	unsigned int rs, rl, s, l;
	struct svm_core_decision d, taken;
	struct svm_core_range *r;
	u32 best, actual;
	int i = pick_mapped(c, false);

	if (i < 0)
		return;
	best = rnd(c, NDEV + 1);
	r = lookup(c, i);
	svm_model_bounds(m, i, &rs, &rl);
	actual = svm_model_loc(m, rs, rl);
	svm_model_window(m, i, m->gran[i], rs, rl, &s, &l);

	CHECK(!svm_core_gpu_fault(r, m->base + i, best, &d), "gpu fault");
	if (!actual && !best) {
		CHECK(!d.evict, "evict without another device");
		check_migration(c, "migrate", &d.migrate, SVM_CORE_OP_NONE, 0, 0,
				0);
	} else {
		check_move(c, &d, actual, best, rs, rl, s, l);
	}
	arm_fake(c, s, l);
	check_ret(c, svm_core_gpu_fault_migrate(r, m->base + i, best,
						&svm_core_fake_ops, &c->fake,
						&taken));
	/* The decision it reports is the one svm_core_gpu_fault() made. */
	CHECK(taken.evict == d.evict && taken.migrate.op == d.migrate.op &&
	      taken.migrate.start == d.migrate.start &&
	      taken.migrate.last == d.migrate.last,
	      "gpu_fault_migrate reported another decision");
}

static void op_cpu_fault(struct rnd_ctx *c)
{
	struct svm_model *m = c->m;
	unsigned int rs, rl, vs, vl, s, l;
	struct svm_core_decision d;
	struct svm_core_range *r;
	int i = pick_mapped(c, true);

	if (i < 0)
		return;
	r = lookup(c, i);
	svm_model_bounds(m, i, &rs, &rl);
	vs = rnd(c, i + 1);
	vl = i + rnd(c, NPAGES - i);
	svm_model_window(m, i, m->gran[i], max(rs, vs), min(rl, vl), &s, &l);

	CHECK(!svm_core_cpu_fault(r, m->base + i, m->base + vs, m->base + vl,
				  &d), "cpu fault");
	CHECK(!d.evict, "evict without another device");
	check_migration(c, "migrate", &d.migrate,
			svm_model_loc(m, rs, rl) ? SVM_CORE_OP_TO_SYSTEM :
			SVM_CORE_OP_NONE, 0, s, l);
	arm_fake(c, s, l);
	check_ret(c, svm_core_execute(r, &d, &svm_core_fake_ops, &c->fake));
}

static void op_prefetch(struct rnd_ctx *c)
{
	struct svm_model *m = c->m;
	struct svm_core_decision d;
	struct svm_core_range *r;
	unsigned int rs, rl;
	u32 best, actual;
	int i = pick_mapped(c, false);

	if (i < 0)
		return;
	best = rnd(c, NDEV + 2);
	if (best > NDEV)
		best = SVM_CORE_LOC_UNDEFINED;
	r = lookup(c, i);
	svm_model_bounds(m, i, &rs, &rl);
	actual = svm_model_loc(m, rs, rl);

	CHECK(!svm_core_prefetch(r, best, &d), "prefetch");
	if (best == SVM_CORE_LOC_UNDEFINED || (!best && !actual)) {
		CHECK(!d.evict, "evict without another device");
		check_migration(c, "migrate", &d.migrate, SVM_CORE_OP_NONE, 0, 0,
				0);
	} else {
		check_move(c, &d, actual, best, rs, rl, rs, rl);
	}
	arm_fake(c, rs, rl);
	check_ret(c, svm_core_execute(r, &d, &svm_core_fake_ops, &c->fake));
}

static void op_evict(struct rnd_ctx *c)
{
	u32 dev = 1 + rnd(c, NDEV);
	struct svm_core_range *r;
	int ret;

	for (r = svm_core_set_first(&c->set, 0, ULONG_MAX); r;
	     r = svm_core_set_next(r, ULONG_MAX)) {
		if (r->actual_loc != dev)
			continue;
		arm_fake(c, r->start - c->m->base, r->last - c->m->base);
		ret = svm_core_evict(r, SVM_CORE_EVICT_RETRIES,
				     &svm_core_fake_ops, &c->fake);
		check_ret(c, ret);
		CHECK(!ret == !r->vram_pages, "evict %d with %lu pages", ret,
		      r->vram_pages);
	}
}

static struct svm_core_range *rnd_alloc(void *priv)
{
	return kzalloc(sizeof(struct svm_core_range), GFP_KERNEL);
}

static void rnd_free(struct svm_core_range *r, void *priv)
{
	kfree(r);
}

static bool same_gran(const struct svm_core_range *r, void *priv)
{
	return r->granularity == *(unsigned int *)priv;
}

static void set_gran(struct svm_core_range *r, void *priv)
{
	svm_core_range_set_granularity(r, *(unsigned int *)priv);
}

/*
 * Set-attributes or munmap through the plan application the tools share,
 * which allocates everything first. The core's run allocations may fail
 * here (the caller arms the stub): the set must then be unchanged, which
 * the check after every operation verifies against the model.
 */
static int apply_plan(struct rnd_ctx *c, unsigned long start,
		      unsigned long last, bool unmap, unsigned int g,
		      unsigned long splits)
{
	struct svm_core_apply a = {
		.start = start,
		.last = last,
		.unmap = unmap,
		.max_pages = NEW_MAX,
		.granularity = g,
		.unchanged = same_gran,
		.update = set_gran,
		.alloc = rnd_alloc,
		.free = rnd_free,
		.priv = &g,
	};
	int ret;

	/* Sometimes fail one of the core's allocations on the way. */
	if (!rnd(c, 8))
		c->ctl->fail_at = c->ctl->calls + 1 + rnd(c, 4);
	ret = svm_core_apply_plan(&c->set, &a);
	c->ctl->fail_at = 0;
	CHECK(!ret || ret == -ENOMEM, "apply returned %d", ret);
	/* A failed plan changed nothing: neither must the model. */
	if (ret)
		*c->m = *c->saved;
	else
		CHECK(a.splits == splits, "%lu parts split off, model %lu",
		      a.splits, splits);
	return ret;
}

static void op_set_gran(struct rnd_ctx *c)
{
	struct svm_model *m = c->m;
	unsigned int s = rnd(c, NPAGES), l, g = rnd(c, 9);
	unsigned long splits = 0;

	l = min(NPAGES - 1, s + rnd(c, 200));
	*c->saved = *m;
	svm_model_set_attr(m, s, l, SVM_MODEL_GRAN, g, NEW_MAX, g, NULL,
			   &splits);
	apply_plan(c, m->base + s, m->base + l, false, g, splits);
}

static void op_unmap(struct rnd_ctx *c)
{
	struct svm_model *m = c->m;
	unsigned int s = rnd(c, NPAGES), l;
	unsigned long splits = 0;

	l = min(NPAGES - 1, s + rnd(c, 100));
	*c->saved = *m;
	svm_model_unmap(m, s, l, &splits);
	apply_plan(c, m->base + s, m->base + l, true, 0, splits);
}

/* ---- the comparison ---- */

static void check_all(struct rnd_ctx *c)
{
	const struct svm_model *m = c->m;
	unsigned long pages = 0, dev, p;
	struct svm_core_range *r;
	unsigned int i, s, l, mapped = 0;

	CHECK(!svm_core_set_validate(&c->set), "set invalid");
	for (r = svm_core_set_first(&c->set, 0, ULONG_MAX); r;
	     r = svm_core_set_next(r, ULONG_MAX)) {
		CHECK(r->start >= m->base && r->last - m->base < NPAGES,
		      "range [0x%lx 0x%lx] outside the model", r->start, r->last);
		s = r->start - m->base;
		l = r->last - m->base;
		CHECK(m->mapped[s] && m->head[s], "range starts at %u", s);
		CHECK(l + 1 == NPAGES || !m->mapped[l + 1] || m->head[l + 1],
		      "range [%u %u] ends early", s, l);
		dev = 0;
		for (i = s; i <= l; i++) {
			p = m->base + i;
			CHECK(m->mapped[i] && (i == s || !m->head[i]),
			      "page %u in range [%u %u]", i, s, l);
			CHECK(m->gran[i] == r->granularity, "page %u gran %u/%u",
			      i, m->gran[i], r->granularity);
			CHECK(svm_core_range_page_loc(r, p) == m->loc[i],
			      "page %u loc %u, model %u", i,
			      svm_core_range_page_loc(r, p), m->loc[i]);
			if (m->loc[i]) {
				dev++;
				CHECK(r->offset + (p - r->start) == m->slot[i],
				      "page %u slot 0x%lx, model 0x%lx", i,
				      r->offset + (p - r->start), m->slot[i]);
			}
		}
		CHECK(dev == r->vram_pages, "range [%u %u] vram %lu, model %lu",
		      s, l, r->vram_pages, dev);
		pages += l - s + 1;
	}
	for (i = 0; i < NPAGES; i++)
		mapped += m->mapped[i];
	CHECK(pages == mapped, "ranges cover %lu pages, model %u", pages,
	      mapped);
}

static void rnd_teardown(void *data)
{
	struct rnd_ctx *c = data;
	struct svm_core_range *r;

	while ((r = svm_core_set_first(&c->set, 0, ULONG_MAX))) {
		svm_core_set_remove(&c->set, r);
		svm_core_range_destroy(r);
		kfree(r);
	}
}

static void svm_core_random_against_model(struct kunit *test)
{
	const struct random_case *rc = test->param_value;
	struct rnd_ctx *c;
	u32 what;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->m = kunit_kzalloc(test, sizeof(*c->m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->m);
	c->saved = kunit_kzalloc(test, sizeof(*c->saved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->saved);
	c->test = test;
	c->m->base = rc->base;
	c->ctl = svm_core_alloc_stub(test, 0);
	prandom_seed_state(&c->rnd, seed ^ rc->base);
	svm_core_set_init(&c->set);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rnd_teardown, c), 0);

	for (c->op = 0; c->op < rc->ops; c->op++) {
		what = rnd(c, 100);
		if (what < 30)
			op_gpu_fault(c);
		else if (what < 50)
			op_cpu_fault(c);
		else if (what < 60)
			op_prefetch(c);
		else if (what < 65)
			op_evict(c);
		else if (what < 88)
			op_set_gran(c);
		else
			op_unmap(c);
		check_all(c);
	}
	kunit_info(test, "%lu operations, seed %u, %lu ranges at the end",
		   rc->ops, seed, c->set.nr);
	rnd_teardown(c);
	KUNIT_EXPECT_EQ(test, c->ctl->live, 0);
}

static int svm_core_random_suite_init(struct kunit_suite *suite)
{
	if (!seed)
		seed = get_random_u32() | 1;
	pr_info("svm_core_random: seed %u (replay: svm_core_kunit.seed=%u)\n",
		seed, seed);
	return 0;
}

static struct kunit_case svm_core_random_cases[] = {
	KUNIT_CASE_PARAM(svm_core_random_against_model, random_gen_params),
	{}
};

static struct kunit_suite svm_core_random_suite = {
	.name = "svm_core_random",
	.suite_init = svm_core_random_suite_init,
	.test_cases = svm_core_random_cases,
};

kunit_test_suite(svm_core_random_suite);

MODULE_DESCRIPTION("KUnit suites for svm_core");
MODULE_LICENSE("Dual MIT/GPL");
