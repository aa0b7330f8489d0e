/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * svm_core: hardware-independent core of GPU shared virtual memory.
 *
 * The core decides which pages a GPU or CPU fault migrates, keeps an exact
 * account of the device pages each range holds, and plans range splits. It
 * takes no locks and touches no page tables; the driver supplies both.
 */
#ifndef _LINUX_SVM_CORE_H
#define _LINUX_SVM_CORE_H

#include <linux/bitops.h>
#include <linux/rbtree.h>
#include <linux/types.h>

/**
 * define SVM_CORE_LOC_SYSTEM - location id of system memory
 */
#define SVM_CORE_LOC_SYSTEM		0U

/**
 * define SVM_CORE_LOC_UNDEFINED - no location chosen
 *
 * amdkfd's KFD_IOCTL_SVM_LOCATION_UNDEFINED.
 */
#define SVM_CORE_LOC_UNDEFINED		U32_MAX

/**
 * define SVM_CORE_GRANULARITY_DEFAULT - default migration granularity
 *
 * log2 pages of a migration window: 9 is 2 MiB with 4 KiB pages.
 */
#define SVM_CORE_GRANULARITY_DEFAULT	9

/**
 * define SVM_CORE_GRANULARITY_MAX - largest granularity accepted, log2 pages
 */
#define SVM_CORE_GRANULARITY_MAX	(BITS_PER_LONG - 1)

/**
 * define SVM_CORE_EVICT_RETRIES - bound of the eviction attempts
 *
 * How many times svm_core_execute() tries to move the pages of another
 * device to system memory before it gives up with -EBUSY.
 */
#define SVM_CORE_EVICT_RETRIES		3

/**
 * define SVM_CORE_ADAPT_FAULT_PAGES - default cost of a GPU fault, in pages
 *
 * What one GPU fault that migrates costs beyond the pages it moves (fault
 * handling, migration set-up, invalidation), in units of moving one 4 KiB
 * page: %SVM_CORE_WINDOW_ADAPTIVE buys a block once the faults taken in it
 * cost what moving the block does. 25 is svm-sim's calibrated cost model
 * (tools/testing/svm_core/README.md): (20 + 15 + 10) us over 1.81 us per
 * page. A driver that knows its own costs sets them with
 * svm_core_range_set_fault_pages().
 */
#define SVM_CORE_ADAPT_FAULT_PAGES	25

/**
 * define SVM_CORE_PLAN_FILL_GAPS - svm_core_set_plan() flag
 *
 * The gaps between existing ranges become new ranges (set-attributes).
 * Without it gaps stay gaps (munmap).
 */
#define SVM_CORE_PLAN_FILL_GAPS		BIT(0)

/**
 * struct svm_core_run - pages of a range that sit in device memory
 * @start: first page of the run
 * @last: last page of the run (inclusive)
 */
struct svm_core_run {
	unsigned long start;
	unsigned long last;
};

/**
 * struct svm_core_spare - run storage allocated before a reservation
 * @runs: the array, or %NULL
 * @max_runs: its size in runs
 *
 * See svm_core_spare_alloc() and svm_core_range_reserve_spare().
 */
struct svm_core_spare {
	struct svm_core_run *runs;
	unsigned int max_runs;
};

/**
 * enum svm_core_window_policy - how a GPU fault's window is chosen
 * @SVM_CORE_WINDOW_FIXED: the granularity block around the fault
 * @SVM_CORE_WINDOW_ADAPTIVE: ski rental per granularity block: a GPU fault
 *	moves the faulting page until the faults taken in the block cost what
 *	moving the whole block does, then the block; a CPU fault moves the
 *	block back only when all of it is on the device, else the page.
 *	Within 2x of the better of the page and the block on every trace;
 *	see svm_core_gpu_fault()
 */
enum svm_core_window_policy {
	SVM_CORE_WINDOW_FIXED,
	SVM_CORE_WINDOW_ADAPTIVE,
};

/**
 * struct svm_core_range - one SVM range, as the core sees it
 * @start: first page of the range
 * @last: last page of the range (inclusive)
 * @granularity: migration granularity, log2 pages (0..%SVM_CORE_GRANULARITY_MAX)
 * @window_policy: &enum svm_core_window_policy of GPU faults
 * @fault_pages: what a GPU fault costs beyond its pages, in page moves
 *	(%SVM_CORE_WINDOW_ADAPTIVE only; see %SVM_CORE_ADAPT_FAULT_PAGES)
 * @actual_loc: %SVM_CORE_LOC_SYSTEM when every page is in system memory;
 *	otherwise the id of the one device that holds some of its pages
 * @vram_pages: exact number of pages in device memory
 * @offset: page offset of @start inside the device allocation; meaningful
 *	only while @actual_loc is a device, 0 otherwise
 * @node: link in a &struct svm_core_set (see svm_core_range_in_set())
 *
 * A driver embeds this structure in its own range object and keeps its
 * attributes (preferred location, access) itself: where pages should go is
 * its policy, the core is told the answer. Members under "public" may be
 * read under the driver's range lock. None is written by the driver: the
 * bounds, @actual_loc, @vram_pages and @offset change through
 * svm_core_range_init(), svm_core_range_split(), the records and
 * svm_core_range_destroy(), which keep them exact; @granularity through
 * svm_core_range_set_granularity(), @window_policy through
 * svm_core_range_set_window_policy(), @fault_pages through
 * svm_core_range_set_fault_pages(); @node through the set functions.
 *
 * One lock of the driver, its range lock (amdkfd: prange->lock), protects
 * all of it: records and splits of a range must not run concurrently.
 */
struct svm_core_range {
	/* public: */
	unsigned long start;
	unsigned long last;
	u8 granularity;
	u8 window_policy;
	u16 fault_pages;
	u32 actual_loc;
	unsigned long vram_pages;
	unsigned long offset;
	struct rb_node node;
	/* private: */
	/* sorted, disjoint, non-adjacent runs of device pages */
	struct svm_core_run *runs;
	unsigned int nr_runs;
	unsigned int max_runs;
	/* records svm_core_range_reserve() made room for, not made yet */
	unsigned int reserved;
	/* storage of @runs while one run is enough: no allocation */
	struct svm_core_run run0;
};

/**
 * enum svm_core_op - what a decision asks the driver to do
 * @SVM_CORE_OP_NONE: nothing to migrate
 * @SVM_CORE_OP_TO_SYSTEM: migrate the device pages of the window to system memory
 * @SVM_CORE_OP_TO_DEVICE: migrate the system pages of the window to a device
 */
enum svm_core_op {
	SVM_CORE_OP_NONE,
	SVM_CORE_OP_TO_SYSTEM,
	SVM_CORE_OP_TO_DEVICE,
};

/**
 * struct svm_core_migration - one migration the core asks for
 * @op: direction, or %SVM_CORE_OP_NONE
 * @loc: destination location (a device id, or %SVM_CORE_LOC_SYSTEM)
 * @start: first page of the window
 * @last: last page of the window (inclusive)
 */
struct svm_core_migration {
	enum svm_core_op op;
	u32 loc;
	unsigned long start;
	unsigned long last;
};

/**
 * struct svm_core_decision - the migrations one event needs, in order
 * @evict: first move every page of the device the range holds to system
 *	memory (a range holds pages of one device only: @migrate goes to
 *	another); svm_core_execute() does it, with bounded retries
 * @migrate: the migration the event itself asks for
 */
struct svm_core_decision {
	bool evict;
	struct svm_core_migration migrate;
};

/**
 * struct svm_core_ops - how the core asks a driver to move pages
 * @migrate: move the pages of @r in [@start, @last] that are not already at
 *	@loc there (@loc is a device id, or %SVM_CORE_LOC_SYSTEM). Reserve
 *	with svm_core_range_reserve() before the point of no return, report
 *	every run of pages that actually moved with
 *	svm_core_range_record_reserved(), and release the device allocation
 *	when it returns 1. Moving fewer pages than asked is not an error.
 *	Return 0 or a negative errno.
 *
 * Context: called from svm_core_execute() and svm_core_evict() with the
 * locks the caller of those holds.
 */
struct svm_core_ops {
	int (*migrate)(struct svm_core_range *r, u32 loc, unsigned long start,
		       unsigned long last, void *priv);
};

/**
 * struct svm_core_set - the ranges of one address space, ordered by page
 * @root: ranges by @start
 * @nr: number of ranges in the set
 */
struct svm_core_set {
	struct rb_root root;
	unsigned long nr;
};

/**
 * enum svm_core_step_kind - one step of a set-attributes or unmap plan
 * @SVM_CORE_STEP_KEEP: the range is left as it is (its attributes would not
 *	change)
 * @SVM_CORE_STEP_UPDATE: the part [start, last] of an existing range is
 *	affected; split it off first when @split_head or @split_tail is set
 * @SVM_CORE_STEP_NEW: [start, last] is a gap that becomes a new range
 */
enum svm_core_step_kind {
	SVM_CORE_STEP_KEEP,
	SVM_CORE_STEP_UPDATE,
	SVM_CORE_STEP_NEW,
};

/**
 * struct svm_core_step - one step of a plan
 * @kind: what to do
 * @range: the existing range, %NULL for %SVM_CORE_STEP_NEW
 * @start: first affected page
 * @last: last affected page (inclusive)
 * @split_head: @range starts before @start: split off [range->start, start - 1]
 * @split_tail: @range ends after @last: split off [last + 1, range->last]
 */
struct svm_core_step {
	enum svm_core_step_kind kind;
	struct svm_core_range *range;
	unsigned long start;
	unsigned long last;
	bool split_head;
	bool split_tail;
};

/* Ranges (lib/svm_core/range.c) */
int svm_core_range_init(struct svm_core_range *r, unsigned long start,
			unsigned long last, unsigned int granularity);
void svm_core_range_destroy(struct svm_core_range *r);
int svm_core_range_set_granularity(struct svm_core_range *r,
				   unsigned int granularity);
int svm_core_range_set_window_policy(struct svm_core_range *r,
				     unsigned int policy);
int svm_core_range_set_fault_pages(struct svm_core_range *r,
				   unsigned int pages);
int svm_core_range_clone(struct svm_core_range *dst,
			 const struct svm_core_range *src, gfp_t gfp);
int svm_core_range_split(struct svm_core_range *r, unsigned long start,
			 unsigned long last, struct svm_core_range *head,
			 struct svm_core_range *tail, gfp_t gfp);

/**
 * svm_core_range_npages() - number of pages of a range
 * @r: the range
 *
 * Return: r->last - r->start + 1, which always fits (see
 * svm_core_range_init()).
 */
static inline unsigned long svm_core_range_npages(const struct svm_core_range *r)
{
	return r->last - r->start + 1;
}

/**
 * svm_core_range_in_set() - whether a range is linked into a set
 * @r: a range from svm_core_range_init(), svm_core_range_clone() or a split
 *
 * Zeroed memory that svm_core_range_init() has not seen is not "out of a
 * set": its node is not marked empty.
 *
 * Context: caller holds the lock of the set @r may be in.
 * Return: true between svm_core_set_insert() and svm_core_set_remove().
 */
static inline bool svm_core_range_in_set(const struct svm_core_range *r)
{
	return !RB_EMPTY_NODE(&r->node);
}

/* Residency accounting (lib/svm_core/residency.c) */
int svm_core_range_reserve(struct svm_core_range *r, unsigned int nr_records,
			   gfp_t gfp);
int svm_core_range_record_reserved(struct svm_core_range *r,
				   unsigned long start, unsigned long last,
				   u32 loc, unsigned long offset);
void svm_core_range_unreserve(struct svm_core_range *r);
unsigned int svm_core_range_reserve_slots(const struct svm_core_range *r,
					  unsigned int nr_records);
int svm_core_range_reserve_spare(struct svm_core_range *r,
				 unsigned int nr_records,
				 struct svm_core_spare *spare);
int svm_core_spare_alloc(struct svm_core_spare *spare, unsigned int slots,
			 gfp_t gfp);
void svm_core_spare_free(struct svm_core_spare *spare);

/* Decisions (lib/svm_core/decide.c) */
int svm_core_gpu_fault(const struct svm_core_range *r, unsigned long page,
		       u32 best_loc, struct svm_core_decision *d);
int svm_core_gpu_fault_fallback(const struct svm_core_range *r,
				const struct svm_core_decision *failed,
				struct svm_core_decision *d);
int svm_core_cpu_fault(const struct svm_core_range *r, unsigned long page,
		       unsigned long vma_start, unsigned long vma_last,
		       struct svm_core_decision *d);
int svm_core_prefetch(const struct svm_core_range *r, u32 best_loc,
		      struct svm_core_decision *d);
int svm_core_execute(struct svm_core_range *r,
		     const struct svm_core_decision *d,
		     const struct svm_core_ops *ops, void *priv);
int svm_core_gpu_fault_migrate(struct svm_core_range *r, unsigned long page,
			       u32 best_loc, const struct svm_core_ops *ops,
			       void *priv, struct svm_core_decision *d);
int svm_core_evict(struct svm_core_range *r, unsigned int retries,
		   const struct svm_core_ops *ops, void *priv);

/* Range sets and plans (lib/svm_core/set.c) */
void svm_core_set_init(struct svm_core_set *set);
int svm_core_set_insert(struct svm_core_set *set, struct svm_core_range *r);
void svm_core_set_remove(struct svm_core_set *set, struct svm_core_range *r);
struct svm_core_range *svm_core_set_floor(const struct svm_core_set *set,
					  unsigned long page);
struct svm_core_range *svm_core_set_first(const struct svm_core_set *set,
					  unsigned long start,
					  unsigned long last);
struct svm_core_range *svm_core_set_next(const struct svm_core_range *r,
					 unsigned long last);
int svm_core_set_plan(const struct svm_core_set *set, unsigned long start,
		      unsigned long last, unsigned int flags,
		      unsigned long max_pages,
		      bool (*unchanged)(const struct svm_core_range *r,
					void *priv),
		      void *priv, struct svm_core_step *steps,
		      unsigned int max_steps);

/**
 * struct svm_core_set_iter - state of svm_core_set_for_each()
 * @next: the range the next step returns, or %NULL
 * @last: last page of the interval (inclusive)
 */
struct svm_core_set_iter {
	struct svm_core_range *next;
	unsigned long last;
};

/**
 * svm_core_set_iter_init() - start of svm_core_set_for_each()
 * @set: the set
 * @lo: first page of the interval
 * @hi: last page of the interval (inclusive)
 *
 * Return: an iterator over the ranges of @set that overlap [@lo, @hi].
 */
static inline struct svm_core_set_iter
svm_core_set_iter_init(const struct svm_core_set *set, unsigned long lo,
		       unsigned long hi)
{
	struct svm_core_set_iter it = {
		.next = svm_core_set_first(set, lo, hi),
		.last = hi,
	};

	return it;
}

/**
 * svm_core_set_iter_step() - one step of svm_core_set_for_each()
 * @it: the iterator
 *
 * Return: the current range, having moved @it past it, or %NULL at the end.
 */
static inline struct svm_core_range *
svm_core_set_iter_step(struct svm_core_set_iter *it)
{
	struct svm_core_range *r = it->next;

	if (r)
		it->next = svm_core_set_next(r, it->last);
	return r;
}

/**
 * svm_core_set_for_each() - iterate over the ranges of a set that overlap
 *	an interval, in address order
 * @r: &struct svm_core_range cursor
 * @set: the set
 * @lo: first page of the interval
 * @hi: last page of the interval (inclusive)
 *
 * The iterator moves past @r before the body runs, so the body may remove
 * @r from @set (but not the ranges after it).
 *
 * Context: caller holds the set's lock.
 */
#define svm_core_set_for_each(r, set, lo, hi)				\
	for (struct svm_core_set_iter __svm_it =			\
		svm_core_set_iter_init(set, lo, hi);			\
	     ((r) = svm_core_set_iter_step(&__svm_it));)

/*
 * For KUnit suites and the user-space tools, not for drivers (yet): the
 * steps of the flows above, one page at a time, split preparation (amdkfd
 * applies its plans to clones instead), and the invariant checkers. Modules
 * get them only with CONFIG_KUNIT (EXPORT_SYMBOL_IF_KUNIT), in the
 * EXPORTED_FOR_KUNIT_TESTING namespace.
 */
int svm_core_range_record(struct svm_core_range *r, unsigned long start,
			  unsigned long last, u32 loc, unsigned long offset,
			  gfp_t gfp);
/* Every run array comes from, and goes back through, these two (stubs) */
struct svm_core_run *svm_core_runs_alloc(unsigned int n, gfp_t gfp);
void svm_core_runs_free(struct svm_core_run *runs);
int svm_core_range_split_prepare(const struct svm_core_range *r,
				 unsigned long start, unsigned long last,
				 struct svm_core_range *head,
				 struct svm_core_range *tail, gfp_t gfp);
u32 svm_core_range_page_loc(const struct svm_core_range *r, unsigned long page);
unsigned long svm_core_range_count_device(const struct svm_core_range *r,
					  unsigned long start,
					  unsigned long last);
int svm_core_window(unsigned long page, unsigned int granularity,
		    unsigned long lo, unsigned long hi,
		    unsigned long *start, unsigned long *last);
struct svm_core_range *svm_core_set_lookup(const struct svm_core_set *set,
					   unsigned long page);
int svm_core_set_split(struct svm_core_set *set, struct svm_core_range *r,
		       unsigned long start, unsigned long last,
		       struct svm_core_range *head, struct svm_core_range *tail,
		       gfp_t gfp);
int svm_core_range_validate(const struct svm_core_range *r);
int svm_core_set_validate(const struct svm_core_set *set);

#endif /* _LINUX_SVM_CORE_H */
