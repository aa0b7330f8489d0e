// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite amdkfd_svm_sim: a short trace of svm-sim
 * (tools/testing/svm_core) replayed through amdkfd's real GPU- and
 * CPU-fault paths on the forged GPU, with the fixed 2 MiB granularity
 * window, with one-page windows (granularity 0) and with svm_core's
 * adaptive window (amdgpu.svm_adaptive_window), and the driver's counts
 * checked against svm-sim's (policies window, page, adaptive) for the
 * same trace: what svm-sim counts is then what the driver's code does,
 * not an assumption.
 *
 * Included at the end of kfd_svm.c after tests/kfd_svm_gpu_test.c, whose
 * forged GPU, stubs and helpers (tg_*()) it uses; what is forged there is
 * said there. The replay forges, or fixes, three more things:
 *
 * - the GPU's accesses: a GPU touch of a page faults when, and only when,
 *   the forged GPU holds no mapping of it (the address amdkfd's map left
 *   in map_addr[], which amdkfd's unmap clears), as a GPU with XNACK on
 *   does; the retry fault is raised as the IH reports it (tg_gpu_fault()).
 *   One that svm_range_restore_pages() drops, the range having been
 *   validated less than AMDGPU_SVM_RANGE_RETRY_FAULT_PENDING ago, is
 *   raised again once the range is aged (tg_age()), as the GPU retries
 *   after that time; svm-sim makes the fault wait the same way
 *   (--t-retry) and counts it once. Dropped retries depend on the
 *   machine's speed: they are logged, not counted;
 * - the CPU's accesses: a read by the test thread (kfd_test_gpu_cpu_touch()), which
 *   faults through amdkfd's svm_migrate_to_ram() on a VRAM page;
 * - the test mapping is made of 4 KiB pages (VM_NOHUGEPAGE), as svm-sim
 *   models system memory without --thp.
 *
 * The driver's counts, each taken from the driver, none from svm_core:
 *
 * - faults: GPU faults svm_range_restore_pages() handled (it reached
 *   kfd_smi_event_page_fault_start(): past the retry filter and the
 *   checks before the migration) plus CPU faults on VRAM pages
 *   (svm_migrate_to_ram() entered), counted by kprobes;
 * - migrations: migrate_vma operations that collected pages to move
 *   (kfd_smi_event_migration_end(), a kprobe); every one started
 *   (kfd_smi_event_migration_start()) must have collected some;
 * - pages moved: the pages the forged SDMA copied, to VRAM and to system
 *   memory (pages_to_vram + pages_to_ram);
 * - splits: the ranges the process holds after the trace less the ranges
 *   the trace made;
 * - invalidations: the MMU_NOTIFY_MIGRATE invalidations that an interval
 *   notifier of the test's own over the whole test mapping receives, one
 *   per migrate_vma_setup(), as amdkfd's range notifiers receive them.
 *   No invalidation of any other kind may happen during the replay.
 *
 * Copyright 2026 The svm_core authors
 */

struct tsim_event {
	char who;		/* 'r': a range; 'g', 'c': GPU, CPU touches */
	unsigned long page;	/* first page */
	unsigned long last;	/* a range's last page */
	unsigned long n;	/* pages touched */
};

#define TSIM_RANGE(start, end)	{ .who = 'r', .page = (start), .last = (end) }
#define TSIM_GPU(first, count)	{ .who = 'g', .page = (first), .n = (count) }
#define TSIM_CPU(first, count)	{ .who = 'c', .page = (first), .n = (count) }

/* The pages of a range event, or the pages an event touches. */
static unsigned long tsim_pages(const struct tsim_event *e)
{
	return e->who == 'r' ? e->last - e->page + 1 : e->n;
}

/*
 * The trace, tools/testing/svm_core/examples/kfd-replay.trace event by
 * event, in pages of the test mapping, which is 2 MiB aligned: svm-sim's
 * 2 MiB blocks are the driver's granularity-9 windows. sim-check.sh
 * (make userspace) fails if the two differ.
 */
static const struct tsim_event tsim_trace[] = {
	TSIM_RANGE(0, 1023),
	TSIM_RANGE(1024, 1279),
	TSIM_RANGE(1280, 2047),
	TSIM_GPU(0, 4),
	TSIM_GPU(600, 1),
	TSIM_GPU(1024, 16),
	TSIM_CPU(2, 1),
	TSIM_CPU(1030, 1),
	TSIM_GPU(0, 8),
	TSIM_GPU(1536, 24),
	TSIM_CPU(1540, 1),
	TSIM_CPU(1300, 1),
	TSIM_GPU(1300, 3),
	TSIM_GPU(1040, 4),
	TSIM_CPU(600, 1),
	TSIM_GPU(601, 2),
};

struct tsim_counts {
	const char *policy;	/* svm-sim's name of the policy */
	unsigned long faults, migrations, pages, splits, invals;
};

#define TSIM_COUNTS(pol, f, m, p, s, i) \
	{ .policy = (pol), .faults = (f), .migrations = (m), .pages = (p), \
	  .splits = (s), .invals = (i) }

/*
 * What svm-sim gives for the trace, its default cost model making the
 * adaptive window's fault cost w = 25 pages, as SVM_CORE_ADAPT_FAULT_PAGES
 * is for amdkfd's ranges (columns: faults, migrations, pages_moved,
 * amplification, splits, invalidations, evictions, time_us, ratio):
 *
 *   $ cd tools/testing/svm_core
 *   $ ./svm-sim --csv --trace examples/kfd-replay.trace
 *   kfd-replay.trace,window,12,12,5120,88.2759,0,12,0,12849.7,35.2939
 *   kfd-replay.trace,page,63,63,63,1.0862,0,63,0,108902.3,299.1188
 *   kfd-replay.trace,adaptive,55,55,1557,26.8448,0,55,0,94322.2,259.0723
 *
 * sim-check.sh runs svm-sim again and fails if a number below differs.
 */
static const struct tsim_counts tsim_expect[] = {
	/* policy, faults, migrations, pages moved, splits, invalidations */
	TSIM_COUNTS("window", 12, 12, 5120, 0, 12),
	TSIM_COUNTS("page", 63, 63, 63, 0, 63),
	TSIM_COUNTS("adaptive", 55, 55, 1557, 0, 55),
};

static void tsim_desc(const struct tsim_counts *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->policy);
}

KUNIT_ARRAY_PARAM(tsim_policy, tsim_expect, tsim_desc);

/* Every range of the trace is written with this pattern seed. */
#define TSIM_SEED	0x51a

/* ------------------------------------------------- driver counts ---- */

#if IS_ENABLED(CONFIG_KPROBES)
enum {
	TSIM_GPU_FAULTS,
	TSIM_CPU_FAULTS,
	TSIM_MIGRATIONS_STARTED,
	TSIM_MIGRATIONS,
	TSIM_NR_PROBES,
};

static const char * const tsim_probed[TSIM_NR_PROBES] = {
	[TSIM_GPU_FAULTS] = "kfd_smi_event_page_fault_start",
	[TSIM_CPU_FAULTS] = "svm_migrate_to_ram",
	[TSIM_MIGRATIONS_STARTED] = "kfd_smi_event_migration_start",
	[TSIM_MIGRATIONS] = "kfd_smi_event_migration_end",
};

static struct tg_probe tsim_probes[TSIM_NR_PROBES];

static void tsim_probes_on(void)
{
	unsigned int i;

	for (i = 0; i < TSIM_NR_PROBES; i++) {
		memset(&tsim_probes[i], 0, sizeof(tsim_probes[i]));
		tsim_probes[i].kp.symbol_name = tsim_probed[i];
		tsim_probes[i].kp.pre_handler = tg_probe_hit;
		tsim_probes[i].on = !register_kprobe(&tsim_probes[i].kp);
	}
}

static void tsim_probes_off(void)
{
	unsigned int i;

	for (i = 0; i < TSIM_NR_PROBES; i++)
		if (tsim_probes[i].on)
			unregister_kprobe(&tsim_probes[i].kp);
}

/* Skip the case unless every probe is on; then count from 0. */
static void tsim_probes_start(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < TSIM_NR_PROBES; i++) {
		if (!tsim_probes[i].on)
			kunit_skip(test, "no kprobe on %s", tsim_probed[i]);
		atomic_set(&tsim_probes[i].hits, 0);
	}
}

static unsigned long tsim_hits(unsigned int i)
{
	return atomic_read(&tsim_probes[i].hits);
}
#else
enum {
	TSIM_GPU_FAULTS,
	TSIM_CPU_FAULTS,
	TSIM_MIGRATIONS_STARTED,
	TSIM_MIGRATIONS,
};

static void tsim_probes_on(void) { }
static void tsim_probes_off(void) { }

static void tsim_probes_start(struct kunit *test)
{
	kunit_skip(test, "the driver's counts need CONFIG_KPROBES");
}

static unsigned long tsim_hits(unsigned int i)
{
	return 0;
}
#endif

static int tsim_suite_init(struct kunit_suite *suite)
{
	tsim_probes_on();
	return kfd_test_gpu_suite_init(suite);
}

static void tsim_suite_exit(struct kunit_suite *suite)
{
	kfd_test_gpu_suite_exit(suite);
	tsim_probes_off();
}

/* An interval notifier over the test mapping that counts invalidations. */
struct tsim_notifier {
	struct mmu_interval_notifier mni;
	atomic_t migrate;		/* MMU_NOTIFY_MIGRATE */
	atomic_t other;			/* any other event */
};

static bool tsim_invalidate(struct mmu_interval_notifier *mni,
			    const struct mmu_notifier_range *range,
			    unsigned long cur_seq)
{
	struct tsim_notifier *n = container_of(mni, struct tsim_notifier, mni);

	mmu_interval_set_seq(mni, cur_seq);
	if (range->event == MMU_NOTIFY_MIGRATE)
		atomic_inc(&n->migrate);
	else
		atomic_inc(&n->other);
	return true;
}

static const struct mmu_interval_notifier_ops tsim_notifier_ops = {
	.invalidate = tsim_invalidate,
};

/* ------------------------------------------------------- replay ---- */

/*
 * The GPU touches @page: a fault unless the GPU maps it. A retry fault
 * dropped by the filter is raised again after the filter's time; either
 * way the fault must then be handled once and leave @page mapped.
 * Returns the number of retries dropped.
 */
static unsigned int tsim_gpu_touch(struct kunit *test, struct tg_test *tg,
				   unsigned long page)
{
	struct tg_gpu *gpu = tg->gpu[0];
	unsigned long handled = tsim_hits(TSIM_GPU_FAULTS);
	struct svm_range *prange;
	unsigned int dropped = 0;

	if (gpu->map_addr[page])
		return 0;
	KUNIT_ASSERT_EQ(test, tg_gpu_fault(tg, 0, page, false), 0);
	if (tsim_hits(TSIM_GPU_FAULTS) == handled) {
		dropped++;
		prange = t_range(tg->t, page);
		KUNIT_ASSERT_NOT_NULL(test, prange);
		tg_age(prange);
		KUNIT_ASSERT_EQ(test, tg_gpu_fault(tg, 0, page, false), 0);
	}
	KUNIT_ASSERT_EQ_MSG(test, tsim_hits(TSIM_GPU_FAULTS), handled + 1,
			    "GPU fault at page %lu not handled once", page);
	KUNIT_ASSERT_NE_MSG(test, gpu->map_addr[page], 0ULL,
			    "GPU fault at page %lu left it unmapped", page);
	return dropped;
}

/*
 * Replay tsim_trace[] on one forged GPU with XNACK on, with the policy of
 * the case's parameter, and expect svm-sim's counts for it. svm-sim's
 * "window" and "adaptive" are granularity 9 (2 MiB), fixed and adaptive;
 * its "page" is granularity 0.
 */
static void sim_trace_counts(struct kunit *test)
{
	const struct tsim_counts *want = test->param_value;
	struct tg_test *tg = kfd_test_gpu_setup(test, true, 1);
	struct tg_gpu *gpu = tg->gpu[0];
	struct tsim_notifier *n;
	struct tsim_counts got = { .policy = want->policy };
	unsigned long p, gpu_faults, cpu_faults, started;
	unsigned int i, ranges = 0, dropped = 0, unmaps, bos;
	u32 gran = strcmp(want->policy, "page") ? 9 : 0;
	int r;

	tsim_probes_start(test);
	/*
	 * 4 KiB pages, as svm-sim models them without --thp: no huge page
	 * for migrate_vma to split (each split is an invalidation of its own)
	 */
	mmap_write_lock(current->mm);
	vm_flags_set(vma_lookup(current->mm, tg->t->base << PAGE_SHIFT),
		     VM_NOHUGEPAGE);
	mmap_write_unlock(current->mm);
	/* svm_range_list_init() read the module parameter; new ranges use it */
	tg->t->p->svms.adaptive_window = !strcmp(want->policy, "adaptive");

	n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, n);
	r = mmu_interval_notifier_insert(&n->mni, current->mm,
					 tg->t->base << PAGE_SHIFT,
					 T_PAGES << PAGE_SHIFT, &tsim_notifier_ops);
	KUNIT_ASSERT_EQ(test, r, 0);

	for (i = 0; i < ARRAY_SIZE(tsim_trace); i++) {
		const struct tsim_event *e = &tsim_trace[i];

		KUNIT_ASSERT_LE(test, e->page + tsim_pages(e), T_PAGES);
		if (e->who == 'r') {
			tg_new_range(test, tg, e->page, tsim_pages(e), gran,
				     TSIM_SEED);
			KUNIT_ASSERT_EQ(test, t_nranges(tg->t), ++ranges);
			continue;
		}
		for (p = e->page; p < e->page + e->n; p++) {
			if (e->who == 'g')
				dropped += tsim_gpu_touch(test, tg, p);
			else
				kfd_test_gpu_cpu_touch(test, tg, p, false);
		}
	}

	gpu_faults = tsim_hits(TSIM_GPU_FAULTS);
	cpu_faults = tsim_hits(TSIM_CPU_FAULTS);
	started = tsim_hits(TSIM_MIGRATIONS_STARTED);
	got.faults = gpu_faults + cpu_faults;
	got.migrations = tsim_hits(TSIM_MIGRATIONS);
	got.pages = gpu->pages_to_vram + gpu->pages_to_ram;
	got.splits = t_nranges(tg->t) - ranges;
	got.invals = atomic_read(&n->migrate);
	unmaps = gpu->unmaps;
	bos = gpu->bos_created;
	mmu_interval_notifier_remove(&n->mni);

	kunit_info(test,
		   "driver: faults %lu (GPU %lu, CPU %lu), migrations %lu, pages %lu (to VRAM %lu), splits %lu, invalidations %lu; retries dropped %u, GPU unmaps %u, BOs %u\n",
		   got.faults, gpu_faults, cpu_faults, got.migrations,
		   got.pages, gpu->pages_to_vram, got.splits, got.invals,
		   dropped, unmaps, bos);
	KUNIT_EXPECT_EQ_MSG(test, got.faults, want->faults, "faults");
	KUNIT_EXPECT_EQ_MSG(test, got.migrations, want->migrations,
			    "migrations");
	KUNIT_EXPECT_EQ_MSG(test, got.pages, want->pages, "pages moved");
	KUNIT_EXPECT_EQ_MSG(test, got.splits, want->splits, "splits");
	KUNIT_EXPECT_EQ_MSG(test, got.invals, want->invals, "invalidations");
	KUNIT_EXPECT_EQ_MSG(test, started, got.migrations,
			    "migrations that collected no page");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&n->other), 0,
			    "invalidations other than migrations");
	/* The driver's own page counters agree with the forged SDMA's */
	KUNIT_EXPECT_EQ(test, tg_pdd(tg, 0)->page_in, (u64)gpu->pages_to_vram);
	KUNIT_EXPECT_EQ(test, tg_pdd(tg, 0)->page_out, (u64)gpu->pages_to_ram);

	for (i = 0; i < ARRAY_SIZE(tsim_trace); i++)
		if (tsim_trace[i].who == 'r')
			kfd_test_gpu_read_back(test, tg, tsim_trace[i].page,
					       tsim_pages(&tsim_trace[i]));
	kfd_test_gpu_done(test, tg, 0, 0);
}

static struct kunit_case amdkfd_svm_sim_cases[] = {
	KUNIT_CASE_PARAM(sim_trace_counts, tsim_policy_gen_params),
	{}
};

static struct kunit_suite amdkfd_svm_sim_suite = {
	.name = "amdkfd_svm_sim",
	.suite_init = tsim_suite_init,
	.suite_exit = tsim_suite_exit,
	.test_cases = amdkfd_svm_sim_cases,
};

kunit_test_suite(amdkfd_svm_sim_suite);
