// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: amdkfd's SVM operations with every allocation failed in turn.
 *
 * Included by kfd_svm.c after kfd_svm_test.c, whose process without a GPU
 * (kfd_test_setup()) it uses. For n = 1, 2, ... a case builds the same state,
 * makes the n-th allocation of the test thread fail (current->fail_nth, what
 * /proc/self/fail-nth writes; failslab and fail_page_alloc are told through
 * their debugfs files not to spare sleeping or order-0 allocations), runs
 * one operation and checks the outcome, until the operation runs to its end
 * with no allocation failed. After every attempt:
 *
 *  - the operation failed and the ranges are exactly what they were before
 *    it (bounds, attributes, notifier intervals), or it succeeded and they
 *    are exactly what the same operation gives with no failure. One 6.12
 *    behaviour is kept: SET_ATTR commits the attributes, then maps the
 *    ranges to the GPUs, and returns the error of that mapping step (here
 *    the allocation of its context, made even with no GPU to map) with
 *    the attributes applied; a failed SET_ATTR may therefore also leave
 *    exactly the ranges of a success, never anything in between;
 *  - once the process is torn down, every svm_range the attempt allocated
 *    was freed (svm_range_new() and svm_range_free(), counted by kprobes).
 *
 * munmap cannot fail: the notifier and the deferred list work have to cope.
 * There the rule is that a page still mapped keeps its range and attributes
 * as without the failure; a page unmapped may stay covered by a range only
 * if an allocation failed (its part could not be split off).
 *
 * The deferred list work runs on the test thread here (held back, then
 * called), so that its allocations fail in turn too.
 *
 * Forged: nothing beyond kfd_svm_test.c's process. Needs
 * CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * CONFIG_FAULT_INJECTION_DEBUG_FS and CONFIG_KPROBES (see .kunitconfig);
 * without them the cases are skipped and say why.
 *
 * Copyright 2026 The svm_core authors
 */

#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/mount.h>
#include <linux/sort.h>

#define TN_RANGES	16
/* More allocations than any operation here makes: the sweep must end. */
#define TN_MAX_NTH	400

struct tn_range {
	unsigned long start, last;
	u32 gran, flags, preferred, prefetch;
	unsigned long nstart, nlast;
};

struct tn_state {
	unsigned int n;
	struct tn_range r[TN_RANGES];
};

/* Ranges of the process, in address order, relative to the test mapping. */
static void tn_snapshot(struct kunit *test, struct kfd_svm_test *t,
			struct tn_state *s)
{
	struct svm_range *prange;
	struct tn_range *r;

	memset(s, 0, sizeof(*s));
	mutex_lock(&t->p->svms.lock);
	list_for_each_entry(prange, &t->p->svms.list, list) {
		if (s->n == TN_RANGES)
			break;
		r = &s->r[s->n++];
		r->start = t_start(prange) - t->base;
		r->last = t_last(prange) - t->base;
		r->gran = t_granularity(prange);
		r->flags = prange->flags;
		r->preferred = prange->preferred_loc;
		r->prefetch = prange->prefetch_loc;
		r->nstart = (prange->notifier.interval_tree.start >> PAGE_SHIFT) -
			    t->base;
		r->nlast = (prange->notifier.interval_tree.last >> PAGE_SHIFT) -
			   t->base;
	}
	mutex_unlock(&t->p->svms.lock);
	KUNIT_EXPECT_LT_MSG(test, s->n, TN_RANGES, "too many ranges to compare");
}

static int tn_cmp(const void *a, const void *b)
{
	const struct tn_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool tn_equal(struct tn_state *a, struct tn_state *b)
{
	sort(a->r, a->n, sizeof(a->r[0]), tn_cmp, NULL);
	sort(b->r, b->n, sizeof(b->r[0]), tn_cmp, NULL);
	return a->n == b->n && !memcmp(a->r, b->r, a->n * sizeof(a->r[0]));
}

/* The range of @s holding @page, or NULL. */
static const struct tn_range *tn_at(const struct tn_state *s,
				    unsigned long page)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].start <= page && page <= s->r[i].last)
			return &s->r[i];
	return NULL;
}

static void tn_print(struct kunit *test, const char *what,
		     const struct tn_state *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		kunit_info(test, "%s: [%lu %lu] gran %u flags 0x%x notifier [%lu %lu]\n",
			   what, s->r[i].start, s->r[i].last, s->r[i].gran,
			   s->r[i].flags, s->r[i].nstart, s->r[i].nlast);
}

/* ------------------------------------------------- fault injection ---- */

#if IS_ENABLED(CONFIG_FAULT_INJECTION) && IS_ENABLED(CONFIG_FAILSLAB) && \
	IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) && \
	IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS) && IS_ENABLED(CONFIG_KPROBES)

static atomic_t tn_news, tn_frees;

static int tn_new_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (regs_return_value(regs))
		atomic_inc(&tn_news);
	return 0;
}

static int tn_free_hit(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_inc(&tn_frees);
	return 0;
}

static struct kretprobe tn_new_probe = {
	.kp.symbol_name = "svm_range_new",
	.handler = tn_new_ret,
	.maxactive = 4,
};

static struct kprobe tn_free_probe = {
	.symbol_name = "svm_range_free",
	.pre_handler = tn_free_hit,
};

static int tn_error;
static const char *tn_why;

static const char * const tn_knobs[][3] = {
	/* file, value for the suite, the kernel's default */
	{ "failslab/ignore-gfp-wait", "N", "Y" },
	{ "failslab/verbose", "0", "2" },
	{ "fail_page_alloc/ignore-gfp-wait", "N", "Y" },
	{ "fail_page_alloc/min-order", "0", "1" },
	{ "fail_page_alloc/verbose", "0", "2" },
};

/*
 * Write column @col of tn_knobs to their debugfs files, as a user would:
 * debugfs is mounted for the purpose, and the files' write() (debugfs has
 * no write_iter, so kernel_write() cannot be used) reads the value from a
 * page of the test's mm.
 */
static int tn_knobs_write(struct kunit *test, unsigned int col)
{
	/* debugfs is built in: get_fs_type() took no module reference */
	struct file_system_type *type = get_fs_type("debugfs");
	unsigned long ubuf;
	struct vfsmount *mnt;
	struct file *f;
	unsigned int i;
	ssize_t n = 0;
	size_t len;

	if (!type)
		return -ENODEV;
	ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(ubuf) || !ubuf)
		return -ENOMEM;
	mnt = kern_mount(type);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	for (i = 0; i < ARRAY_SIZE(tn_knobs) && n >= 0; i++) {
		tn_why = tn_knobs[i][0];
		f = file_open_root_mnt(mnt, tn_knobs[i][0], O_WRONLY, 0);
		if (IS_ERR(f)) {
			n = PTR_ERR(f);
			break;
		}
		len = strlen(tn_knobs[i][col]);
		if (copy_to_user((char __user *)ubuf, tn_knobs[i][col], len))
			n = -EFAULT;
		else if (!f->f_op->write)
			n = -EINVAL;
		else
			n = f->f_op->write(f, (const char __user *)ubuf, len,
					   &f->f_pos);
		fput(f);
	}
	kern_unmount(mnt);
	return n < 0 ? n : 0;
}

static int amdkfd_svm_nomem_init(struct kunit_suite *suite)
{
	amdgpu_amdkfd_gpuvm_init_mem_limits();
	/* Registering fills in the address: each suite starts from the name */
	tn_new_probe.kp.addr = NULL;
	tn_new_probe.kp.flags = 0;
	tn_free_probe.addr = NULL;
	tn_free_probe.flags = 0;
	tn_why = "kretprobe on svm_range_new";
	tn_error = register_kretprobe(&tn_new_probe);
	if (tn_error)
		return 0;
	tn_why = "kprobe on svm_range_free";
	tn_error = register_kprobe(&tn_free_probe);
	if (tn_error)
		unregister_kretprobe(&tn_new_probe);
	return 0;
}

static void amdkfd_svm_nomem_exit(struct kunit_suite *suite)
{
	if (!tn_error) {
		unregister_kprobe(&tn_free_probe);
		unregister_kretprobe(&tn_new_probe);
	}
}

/*
 * Start a case: set the knobs. The kprobes must be in place (a function
 * the compiler inlined cannot be counted: that fails, not skips).
 */
static void tn_begin(struct kunit *test)
{
	int r;

	KUNIT_ASSERT_EQ_MSG(test, tn_error, 0, "%s", tn_why);
	r = tn_knobs_write(test, 1);
	KUNIT_ASSERT_EQ_MSG(test, r, 0, "debugfs %s", tn_why);
}

/* The kernel's defaults again: no other test fails allocations anyway. */
static void tn_end(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, tn_knobs_write(test, 2), 0, "debugfs %s",
			    tn_why);
}

static void tn_fail_nth(unsigned int n)
{
	WRITE_ONCE(current->fail_nth, n);
}

/* What is left of the count: 0 once the n-th allocation failed. */
static unsigned int tn_fail_left(void)
{
	unsigned int left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return left;
}

static int tn_live(void)
{
	return atomic_read(&tn_news) - atomic_read(&tn_frees);
}
#else
static int amdkfd_svm_nomem_init(struct kunit_suite *suite)
{
	return 0;
}

static void amdkfd_svm_nomem_exit(struct kunit_suite *suite)
{
}

static void tn_begin(struct kunit *test)
{
	kunit_skip(test, "needs fault injection and kprobes (see .kunitconfig)");
}

static void tn_end(struct kunit *test)
{
}

static void tn_fail_nth(unsigned int n)
{
}

static unsigned int tn_fail_left(void)
{
	return 0;
}

static int tn_live(void)
{
	return 0;
}
#endif

/* ------------------------------------------------------ operations ---- */

struct tn_op {
	const char *name;
	/* builds the state before the operation; may not fail */
	void (*prepare)(struct kunit *test, struct kfd_svm_test *t);
	/* the operation, run with the n-th allocation failing */
	int (*run)(struct kfd_svm_test *t, const struct tn_op *op);
	/* munmap: unmapped pages [first, first + npages) */
	unsigned long first, npages;
};

static void tn_one_range(struct kunit *test, struct kfd_svm_test *t)
{
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
}

static void tn_three_ranges(struct kunit *test, struct kfd_svm_test *t)
{
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 256, 6, 0), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 256, 256, 4,
						KFD_IOCTL_SVM_FLAG_GPU_RO), 0);
	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 512, 512, 2, 0), 0);
}

static void tn_nothing(struct kunit *test, struct kfd_svm_test *t)
{
}

static int tn_set_new(struct kfd_svm_test *t, const struct tn_op *op)
{
	return kfd_test_set_attr(t, 0, 1024, 5, KFD_IOCTL_SVM_FLAG_GPU_RO);
}

static int tn_set_head(struct kfd_svm_test *t, const struct tn_op *op)
{
	return kfd_test_set_attr(t, 0, 300, 5, KFD_IOCTL_SVM_FLAG_GPU_RO);
}

static int tn_set_tail(struct kfd_svm_test *t, const struct tn_op *op)
{
	return kfd_test_set_attr(t, 700, 324, 5, KFD_IOCTL_SVM_FLAG_GPU_RO);
}

static int tn_set_middle(struct kfd_svm_test *t, const struct tn_op *op)
{
	return kfd_test_set_attr(t, 300, 400, 5, KFD_IOCTL_SVM_FLAG_GPU_RO);
}

/* Over the first range's tail, the second, the third's head, and beyond */
static int tn_set_across(struct kfd_svm_test *t, const struct tn_op *op)
{
	return kfd_test_set_attr(t, 100, 1200, 5, KFD_IOCTL_SVM_FLAG_GPU_EXEC);
}

/* munmap through the real notifier, then the deferred list work, here. */
static int tn_munmap(struct kfd_svm_test *t, const struct tn_op *op)
{
	int r;

	r = vm_munmap((t->base + op->first) << PAGE_SHIFT,
		      op->npages << PAGE_SHIFT);
	svm_range_deferred_list_work(&t->p->svms.deferred_list_work);
	return r;
}

static const struct tn_op tn_ops[] = {
	{ "SET_ATTR on a new range", tn_nothing, tn_set_new },
	{ "SET_ATTR over the head of a range", tn_one_range, tn_set_head },
	{ "SET_ATTR over the tail of a range", tn_one_range, tn_set_tail },
	{ "SET_ATTR over the middle of a range", tn_one_range, tn_set_middle },
	{ "SET_ATTR across three ranges", tn_three_ranges, tn_set_across },
	{ "munmap of a range's head", tn_one_range, tn_munmap, 0, 256 },
	{ "munmap of a range's tail", tn_one_range, tn_munmap, 768, 256 },
	{ "munmap of a range's middle", tn_one_range, tn_munmap, 300, 400 },
	{ "munmap of a whole range", tn_one_range, tn_munmap, 0, 1024 },
	{ "munmap across three ranges", tn_three_ranges, tn_munmap, 200, 400 },
};

static void tn_op_desc(const struct tn_op *op, char *desc)
{
	strscpy(desc, op->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tn_op, tn_ops, tn_op_desc);

/*
 * After an munmap whose @failed attempt may have left unmapped pages
 * covered: every mapped page as in @ok, every unmapped page uncovered
 * unless an allocation failed.
 */
static bool tn_munmap_ok(const struct tn_op *op, const struct tn_state *now,
			 const struct tn_state *ok)
{
	const struct tn_range *a, *b;
	unsigned long page;

	for (page = 0; page < T_PAGES; page++) {
		a = tn_at(now, page);
		b = tn_at(ok, page);
		if (page >= op->first && page < op->first + op->npages)
			continue;
		if (!a != !b)
			return false;
		if (a && (a->gran != b->gran || a->flags != b->flags ||
			  a->preferred != b->preferred ||
			  a->prefetch != b->prefetch ||
			  a->nstart > page || a->nlast < page))
			return false;
	}
	return true;
}

/* One attempt: 0 if the operation ran to its end with nothing failed. */
static int tn_attempt(struct kunit *test, const struct tn_op *op,
		      unsigned int nth, struct tn_state *ok)
{
	bool munmap = op->npages;
	struct kfd_svm_test *t;
	struct tn_state *before, *now;
	unsigned int left;
	int live, r;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	now = kunit_kzalloc(test, sizeof(*now), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, now);

	live = tn_live();
	t = kfd_test_setup(test, false);
	op->prepare(test, t);
	tn_snapshot(test, t, before);
	if (munmap)
		t_hold_work(t);

	tn_fail_nth(nth);
	r = op->run(t, op);
	left = nth ? tn_fail_left() : 1;

	if (munmap) {
		t->work_held = false;
		enable_work(&t->p->svms.deferred_list_work);
	}
	t_flush(t);
	tn_snapshot(test, t, now);

	if (!nth) {
		/* The reference: no allocation fails */
		KUNIT_EXPECT_EQ_MSG(test, r, 0, "%s failed with no failure injected",
				    op->name);
		*ok = *now;
	} else if (r) {
		/* SET_ATTR's mapping step may fail after the commit (above) */
		KUNIT_EXPECT_TRUE_MSG(test, tn_equal(now, before) ||
				      (!munmap && tn_equal(now, ok)),
				      "%s: allocation %u failed, returned %d and left the ranges half changed",
				      op->name, nth, r);
	} else if (munmap) {
		KUNIT_EXPECT_TRUE_MSG(test, left == 0 ? tn_munmap_ok(op, now, ok) :
				      tn_equal(now, ok),
				      "%s: allocation %u %s: a mapped page lost its range or attributes",
				      op->name, nth, left ? "not reached" : "failed");
	} else {
		KUNIT_EXPECT_TRUE_MSG(test, tn_equal(now, ok),
				      "%s: allocation %u %s, returned 0, ranges not those of a success",
				      op->name, nth, left ? "not reached" : "failed");
	}
	if (test->status == KUNIT_FAILURE) {
		tn_print(test, "before", before);
		tn_print(test, "now", now);
		tn_print(test, "success", ok);
	}
	kfd_test_done(test, t);
	KUNIT_EXPECT_EQ_MSG(test, tn_live(), live,
			    "%s: allocation %u: svm_range objects leaked", op->name, nth);
	return left ? 0 : -ENOMEM;
}

/*
 * The sweep: @attempt(@ctx, 0) with nothing failed (the reference), then
 * with allocation 1, 2, ... failed, until an attempt returns 0 (nothing
 * left to fail) or a check failed.
 */
static void tn_sweep(struct kunit *test, const char *name,
		     int (*attempt)(struct kunit *test, void *ctx, unsigned int nth),
		     void *ctx)
{
	unsigned int nth;

	attempt(test, ctx, 0);
	for (nth = 1; nth < TN_MAX_NTH; nth++) {
		if (!attempt(test, ctx, nth))
			break;
		if (test->status == KUNIT_FAILURE) {
			kunit_info(test, "nomem: %s: failed at allocation %u\n",
				   name, nth);
			break;
		}
	}
	KUNIT_EXPECT_LT_MSG(test, nth, TN_MAX_NTH, "%s never ran to its end",
			    name);
	/* Allocation 1 not reached means none: a sweep over nothing. */
	KUNIT_EXPECT_GT_MSG(test, nth, 1U, "%s made no allocation to fail",
			    name);
	kunit_info(test, "nomem: %s: %u allocations, each failed in turn\n",
		   name, nth - 1);
}

struct tn_sweep_ctx {
	const struct tn_op *op;
	struct tn_state *ok;
};

static int tn_sweep_attempt(struct kunit *test, void *ctx, unsigned int nth)
{
	struct tn_sweep_ctx *c = ctx;

	return tn_attempt(test, c->op, nth, c->ok);
}

static void nomem_each_allocation(struct kunit *test)
{
	struct tn_sweep_ctx c = { .op = test->param_value };

	tn_begin(test);
	c.ok = kunit_kzalloc(test, sizeof(*c.ok), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c.ok);
	tn_sweep(test, c.op->name, tn_sweep_attempt, &c);
	tn_end(test);
}

static struct kunit_case amdkfd_svm_nomem_cases[] = {
	KUNIT_CASE_PARAM(nomem_each_allocation, tn_op_gen_params),
	{}
};

static struct kunit_suite amdkfd_svm_nomem_suite = {
	.name = "amdkfd_svm_nomem",
	.suite_init = amdkfd_svm_nomem_init,
	.suite_exit = amdkfd_svm_nomem_exit,
	.test_cases = amdkfd_svm_nomem_cases,
};

kunit_test_suite(amdkfd_svm_nomem_suite);
