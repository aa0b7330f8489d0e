// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm_core ranges: creation, cloning and splitting.
 */

/**
 * DOC: svm_core overview
 *
 * svm_core holds the decisions a GPU shared virtual memory driver takes on
 * every fault, without any hardware or mm call, so that they can be tested
 * without a GPU.
 *
 * A range is an inclusive interval of pages ``[start, last]``. Its pages sit
 * in system memory or in the memory of one device; the core records which
 * as a sorted list of *runs* of device pages, so the cost is one pair of
 * page numbers per run and never one bit per page::
 *
 *     range  [start ........................................... last]
 *     window          [ aligned 2^granularity block ]
 *     pages   s s s s d d d d d d d d d d s s s s s s s s s s s s s
 *     runs            [run 0 .........]
 *
 *     vram_pages = pages in runs (here 10)
 *     actual_loc = device id while vram_pages > 0, else 0 (system)
 *
 * On a GPU fault at a page the core asks to migrate only the window: the
 * block of ``1 << granularity`` pages aligned to its size that holds the
 * page, clamped to the range. A CPU fault migrates back only such a window
 * (clamped to the VMA as well) and never splits the range. The driver
 * migrates, then reports the runs that actually moved with
 * svm_core_range_record_reserved(), into room svm_core_range_reserve() made
 * before the migration's point of no return; when the count of device pages
 * reaches zero the core says so, and the driver releases the device
 * allocation.
 *
 * Splits (set-attributes over part of a range, munmap) carry every run,
 * the exact count and the device-allocation offset to each part. All memory
 * a mutation needs is allocated before the first change, so a failed call
 * leaves everything as it was; svm_core_range_split_prepare() lets a caller
 * allocate every split of a plan before it makes the first one.
 *
 * The core takes no locks: each function states in its ``Context:`` what the
 * caller must hold. svm_core_set_validate() checks every invariant of a set
 * of ranges; the KUnit suites call it after every mutation.
 */

#include "svm_core_internal.h"

/**
 * svm_core_runs_alloc() - allocate an array of runs
 * @n: number of entries
 * @gfp: allocation flags
 *
 * The only allocation site of the core; tests replace it with a static stub
 * to inject failures.
 *
 * Return: the array, or %NULL.
 */
struct svm_core_run *svm_core_runs_alloc(unsigned int n, gfp_t gfp)
{
	KUNIT_STATIC_STUB_REDIRECT(svm_core_runs_alloc, n, gfp);
	return kvmalloc_array(n, sizeof(struct svm_core_run), gfp);
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_runs_alloc);

/**
 * svm_core_runs_free() - free an array from svm_core_runs_alloc()
 * @runs: the array, or %NULL
 */
void svm_core_runs_free(struct svm_core_run *runs)
{
	KUNIT_STATIC_STUB_REDIRECT(svm_core_runs_free, runs);
	kvfree(runs);
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_runs_free);

/* Drop any external run array and go back to the inline slot. */
void svm_core_runs_release(struct svm_core_range *r)
{
	if (r->runs != &r->run0)
		svm_core_runs_free(r->runs);
	r->runs = &r->run0;
	r->max_runs = 1;
}

/*
 * Go back to the inline slot once one run is enough, unless a reservation
 * (svm_core_range_reserve()) still needs the room.
 */
void svm_core_runs_shrink(struct svm_core_range *r)
{
	struct svm_core_run *old = r->runs;

	if (r->nr_runs > 1 || old == &r->run0 || r->reserved)
		return;
	if (r->nr_runs)
		r->run0 = old[0];
	svm_core_runs_adopt(r, NULL, 0);
	svm_core_runs_free(old);
}

/*
 * svm_core_runs_shrink(), and an array four times larger than its runs
 * goes back to twice their number (what a record's growth would make of
 * it), if that allocation succeeds without sleeping: what a reservation
 * for a large migration left unused is given back. Never from the
 * emergency reserves: the caller may hold a range lock under which the
 * driver set PF_MEMALLOC (amdkfd's svm_range_lock()), and this shrink is
 * optional.
 */
void svm_core_runs_trim(struct svm_core_range *r)
{
	struct svm_core_run *old = r->runs, *dst;
	unsigned int cap = 2 * r->nr_runs;

	svm_core_runs_shrink(r);
	if (r->runs == &r->run0 || r->reserved || r->max_runs / 4 < r->nr_runs)
		return;
	dst = svm_core_runs_alloc(cap, GFP_NOWAIT | __GFP_NOWARN |
					 __GFP_NOMEMALLOC);
	if (!dst)
		return;
	memcpy(dst, old, r->nr_runs * sizeof(*dst));
	svm_core_runs_adopt(r, dst, cap);
	svm_core_runs_free(old);
}

/* Make @runs (of capacity @max_runs, or %NULL for the inline slot) r's storage. */
void svm_core_runs_adopt(struct svm_core_range *r, struct svm_core_run *runs,
			 unsigned int max_runs)
{
	if (runs) {
		r->runs = runs;
		r->max_runs = max_runs;
	} else {
		r->runs = &r->run0;
		r->max_runs = 1;
	}
}

/*
 * A non-empty interval whose page count fits in an unsigned long: every
 * interval but the whole of [0, ULONG_MAX]. (User page numbers stay below
 * 2^52 on every architecture; the core takes any unsigned long.)
 */
static bool svm_core_interval_ok(unsigned long start, unsigned long last)
{
	return start <= last && last - start < ULONG_MAX;
}

/**
 * svm_core_range_init() - initialise a range with all pages in system memory
 * @r: the range, embedded in the driver's range object
 * @start: first page
 * @last: last page (inclusive)
 * @granularity: migration granularity, log2 pages
 *
 * Every page starts in system memory and the range in no set. Needs no
 * memory.
 *
 * Context: any context; @r is not yet visible to others.
 * Return: 0, or -EINVAL if @start > @last, if [@start, @last] is the whole
 * address space [0, ULONG_MAX] (2^BITS_PER_LONG pages: the count would not
 * fit), or if @granularity exceeds %SVM_CORE_GRANULARITY_MAX (the driver
 * clamps user values first, as KFD clamps its granularity attribute to
 * 0x3f).
 */
int svm_core_range_init(struct svm_core_range *r, unsigned long start,
			unsigned long last, unsigned int granularity)
{
	if (!svm_core_interval_ok(start, last) ||
	    granularity > SVM_CORE_GRANULARITY_MAX)
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	r->start = start;
	r->last = last;
	r->granularity = granularity;
	r->fault_pages = SVM_CORE_ADAPT_FAULT_PAGES;
	r->actual_loc = SVM_CORE_LOC_SYSTEM;
	RB_CLEAR_NODE(&r->node);
	svm_core_runs_adopt(r, NULL, 0);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_init);

/**
 * svm_core_range_destroy() - free what the core allocated for a range
 * @r: the range; must not be in a set
 *
 * Device pages still recorded are forgotten: the driver must have migrated
 * them (svm_core_evict()) or be tearing the whole address space down.
 *
 * Context: any context that may free memory.
 */
void svm_core_range_destroy(struct svm_core_range *r)
{
	svm_core_runs_release(r);
	r->nr_runs = 0;
	r->vram_pages = 0;
	r->actual_loc = SVM_CORE_LOC_SYSTEM;
	r->offset = 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_destroy);

/**
 * svm_core_range_set_granularity() - change the migration granularity
 * @r: the range
 * @granularity: log2 pages
 *
 * Context: caller holds the driver's range lock.
 * Return: 0, or -EINVAL if @granularity exceeds %SVM_CORE_GRANULARITY_MAX;
 * @r is then unchanged.
 */
int svm_core_range_set_granularity(struct svm_core_range *r,
				   unsigned int granularity)
{
	if (granularity > SVM_CORE_GRANULARITY_MAX)
		return -EINVAL;
	r->granularity = granularity;
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_set_granularity);

/**
 * svm_core_range_set_window_policy() - choose how GPU-fault windows are made
 * @r: the range
 * @policy: an &enum svm_core_window_policy
 *
 * A range starts with %SVM_CORE_WINDOW_FIXED; splits and clones keep the
 * policy of the range they come from.
 *
 * Context: caller holds the driver's range lock.
 * Return: 0, or -EINVAL for an unknown @policy; @r is then unchanged.
 */
int svm_core_range_set_window_policy(struct svm_core_range *r,
				     unsigned int policy)
{
	if (policy > SVM_CORE_WINDOW_ADAPTIVE)
		return -EINVAL;
	r->window_policy = policy;
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_set_window_policy);

/**
 * svm_core_range_set_fault_pages() - tell the adaptive window what a fault costs
 * @r: the range
 * @pages: what one GPU fault that migrates costs beyond the pages it moves
 *	(fault handling, migration set-up, invalidation), in units of moving
 *	one page; 0 makes faults free, so the adaptive window moves pages only
 *
 * Only %SVM_CORE_WINDOW_ADAPTIVE reads it: its worst-case bound holds for
 * the costs this value describes. A range starts with
 * %SVM_CORE_ADAPT_FAULT_PAGES; splits and clones keep the value of the
 * range they come from.
 *
 * Context: caller holds the driver's range lock.
 * Return: 0, or -EINVAL if @pages exceeds U16_MAX; @r is then unchanged.
 */
int svm_core_range_set_fault_pages(struct svm_core_range *r,
				   unsigned int pages)
{
	if (pages > U16_MAX)
		return -EINVAL;
	r->fault_pages = pages;
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_set_fault_pages);

/* Storage for @n runs: the inline slot (%NULL) or a new array. */
static int svm_core_runs_prepare(unsigned int n, gfp_t gfp,
				 struct svm_core_run **out)
{
	*out = NULL;
	if (n <= 1)
		return 0;
	*out = svm_core_runs_alloc(n, gfp);
	return *out ? 0 : -ENOMEM;
}

/**
 * svm_core_range_clone() - make @dst an exact copy of @src
 * @dst: uninitialised range
 * @src: the range to copy
 * @gfp: allocation flags for the run array
 *
 * Copies the interval, the attributes, the runs, the device-page count and
 * the device-allocation offset. @dst is not linked into any set.
 *
 * Context: caller holds @src's range lock.
 * Return: 0, or -ENOMEM with @dst untouched.
 */
int svm_core_range_clone(struct svm_core_range *dst,
			 const struct svm_core_range *src, gfp_t gfp)
{
	struct svm_core_run *runs;
	int ret;

	ret = svm_core_runs_prepare(src->nr_runs, gfp, &runs);
	if (ret)
		return ret;

	*dst = *src;
	RB_CLEAR_NODE(&dst->node);
	dst->reserved = 0;
	svm_core_runs_adopt(dst, runs, src->nr_runs);
	memcpy(dst->runs, src->runs, src->nr_runs * sizeof(*runs));
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_clone);

/* Number of runs of @r that intersect [start, last]. */
static unsigned int svm_core_runs_in(const struct svm_core_range *r,
				     unsigned long start, unsigned long last)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->nr_runs; i++)
		if (r->runs[i].start <= last && r->runs[i].last >= start)
			n++;
	return n;
}

/*
 * Make @part's runs, count, actual_loc and offset those of the pages of @src
 * in [start, last], where @src's runs and offset describe the interval from
 * @src_start. @part->runs may be @src: entries are read before written.
 */
static void svm_core_runs_clip(struct svm_core_range *part,
			       const struct svm_core_run *src, unsigned int n,
			       unsigned long src_start, unsigned long start,
			       unsigned long last)
{
	unsigned long pages = 0;
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		struct svm_core_run run = src[i];

		if (run.last < start || run.start > last)
			continue;
		run.start = max(run.start, start);
		run.last = min(run.last, last);
		part->runs[k++] = run;
		pages += run.last - run.start + 1;
	}
	/* The set's keys: lookups read them under the set's lock only */
	WRITE_ONCE(part->start, start);
	WRITE_ONCE(part->last, last);
	part->nr_runs = k;
	part->vram_pages = pages;
	if (pages) {
		part->offset += start - src_start;
	} else {
		part->actual_loc = SVM_CORE_LOC_SYSTEM;
		part->offset = 0;
	}
}

/*
 * Run storage of a part that is to receive @n runs: the array it already
 * owns when that is large enough (prepared), else a new one (%NULL: the
 * inline slot). *@old returns an array of the part's to free once the split
 * can no longer fail.
 */
static int svm_core_part_storage(struct svm_core_range *part, unsigned int n,
				 gfp_t gfp, struct svm_core_run **runs,
				 unsigned int *max_runs,
				 struct svm_core_run **old)
{
	bool owns = part->runs && part->runs != &part->run0;

	*old = owns ? part->runs : NULL;
	*runs = NULL;
	*max_runs = 1;
	if (n <= 1)
		return 0;
	if (owns && part->max_runs >= n) {
		*old = NULL;
		*runs = part->runs;
		*max_runs = part->max_runs;
		return 0;
	}
	*runs = svm_core_runs_alloc(n, gfp);
	*max_runs = n;
	return *runs ? 0 : -ENOMEM;
}

/* Give [start, last] of @r, with @r's attributes, to the new range @part. */
static void svm_core_range_carve(struct svm_core_range *part,
				 const struct svm_core_range *r,
				 unsigned long start, unsigned long last,
				 struct svm_core_run *runs, unsigned int max_runs)
{
	*part = *r;
	RB_CLEAR_NODE(&part->node);
	/*
	 * A migration that reserved records for @r may record pages of the
	 * part too (the part split off while the pages moved): the part gets
	 * room for as many of them as it can hold (svm_core_split_storage()).
	 */
	part->reserved = min(r->reserved, svm_core_runs_limit(start, last));
	svm_core_runs_adopt(part, runs, max_runs);
	svm_core_runs_clip(part, r->runs, r->nr_runs, r->start, start, last);
}

/* The arguments of a split, checked; which parts it needs. */
static int svm_core_split_check(const struct svm_core_range *r,
				unsigned long start, unsigned long last,
				const struct svm_core_range *head,
				const struct svm_core_range *tail,
				bool *need_head, bool *need_tail)
{
	*need_head = start > r->start;
	*need_tail = last < r->last;
	if (!svm_core_interval_ok(start, last) || start < r->start ||
	    last > r->last || (*need_head && !head) || (*need_tail && !tail) ||
	    head == r || tail == r ||
	    (*need_head && *need_tail && head == tail))
		return -EINVAL;
	return 0;
}

/* Storage of one part of a split: see svm_core_part_storage(). */
struct svm_core_part_st {
	bool need;
	struct svm_core_run *runs;
	struct svm_core_run *old;
	unsigned int max_runs;
};

/*
 * Check a split and find, or allocate, the storage of each part it needs
 * (@st[0] the head, @st[1] the tail). On error nothing is left allocated.
 */
static int svm_core_split_storage(const struct svm_core_range *r,
				  unsigned long start, unsigned long last,
				  struct svm_core_range *head,
				  struct svm_core_range *tail, gfp_t gfp,
				  struct svm_core_part_st st[2])
{
	struct svm_core_range *parts[2] = { head, tail };
	int i, ret;

	memset(st, 0, 2 * sizeof(*st));
	ret = svm_core_split_check(r, start, last, head, tail, &st[0].need,
				   &st[1].need);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		unsigned long ps, pl;
		unsigned int n;

		if (!st[i].need)
			continue;
		ps = i ? last + 1 : r->start;
		pl = i ? r->last : start - 1;
		n = svm_core_reserve_want(svm_core_runs_in(r, ps, pl),
					  r->reserved,
					  svm_core_runs_limit(ps, pl));
		ret = svm_core_part_storage(parts[i], n, gfp, &st[i].runs,
					    &st[i].max_runs, &st[i].old);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	/* a new array of the head's, not the prepared one it owns */
	if (i == 1 && st[0].need && st[0].runs != head->runs)
		svm_core_runs_free(st[0].runs);
	return ret;
}

/**
 * svm_core_range_split_prepare() - allocate what a split will need
 * @r: the range svm_core_range_split() will cut down to [@start, @last]
 * @start: first page @r will keep
 * @last: last page @r will keep (inclusive)
 * @head: the part before @start, as for svm_core_range_split()
 * @tail: the part after @last
 * @gfp: allocation flags
 *
 * Gives each part the split needs the run storage it will receive, so that
 * a plan that splits several ranges can allocate for all of them before it
 * changes the first: svm_core_range_split() with the same arguments then
 * allocates nothing, as long as @r's runs have not changed in between (its
 * range lock held across both, or the whole set's). @r is not changed. A
 * prepared part that is not used after all is freed with
 * svm_core_range_destroy(). Preparing twice is harmless.
 *
 * Context: caller holds @r's range lock.
 * Return: 0; -EINVAL as svm_core_range_split(); -ENOMEM. On error nothing
 * has changed.
 */
int svm_core_range_split_prepare(const struct svm_core_range *r,
				 unsigned long start, unsigned long last,
				 struct svm_core_range *head,
				 struct svm_core_range *tail, gfp_t gfp)
{
	struct svm_core_range *parts[2] = { head, tail };
	struct svm_core_part_st st[2];
	int i, ret;

	ret = svm_core_split_storage(r, start, last, head, tail, gfp, st);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		if (!st[i].need)
			continue;
		if (st[i].runs && st[i].runs != parts[i]->runs) {
			svm_core_runs_free(st[i].old);
			parts[i]->runs = st[i].runs;
			parts[i]->max_runs = st[i].max_runs;
		}
		parts[i]->nr_runs = 0;
		parts[i]->reserved = 0;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_range_split_prepare);

/**
 * svm_core_range_split() - cut a range down to [@start, @last]
 * @r: the range; keeps [@start, @last]
 * @start: first page @r keeps
 * @last: last page @r keeps (inclusive)
 * @head: receives [r->start, @start - 1]; needed only if @start > r->start
 * @tail: receives [@last + 1, r->last]; needed only if @last < r->last. A
 *	caller may pass one spare object as both when only one part is needed;
 *	a three-way split needs two distinct ones.
 * @gfp: allocation flags for the parts' run arrays
 *
 * One call makes the two-way split (head or tail) and the three-way split
 * a set-attributes or munmap in the middle of a range needs. Every part gets
 * exactly the device pages that lie in it, the count of them, and the
 * device-allocation offset of its first page; a part left without device
 * pages gets actual_loc %SVM_CORE_LOC_SYSTEM and offset 0. @head and @tail
 * inherit @r's granularity and are not linked into any set (see
 * svm_core_set_split()).
 *
 * A split while @r holds a reservation (svm_core_range_reserve(), a
 * migration between its point of no return and its records) gives each
 * part one too, for as many records as the part can take, at most @r's:
 * the pages that moved into a part are recorded there without allocating,
 * and the part is unreserved with @r.
 *
 * A part is zeroed memory, a range from svm_core_range_init() in no set and
 * without device pages, or one svm_core_range_split_prepare() prepared for
 * this split: then nothing is allocated.
 *
 * Context: caller holds @r's range lock.
 * Return: 0; -EINVAL if [@start, @last] is empty or not inside @r, a part
 * that is needed has no storage, or both parts are needed and share one
 * object; -ENOMEM. On error nothing has changed.
 */
int svm_core_range_split(struct svm_core_range *r, unsigned long start,
			 unsigned long last, struct svm_core_range *head,
			 struct svm_core_range *tail, gfp_t gfp)
{
	struct svm_core_part_st st[2];
	int ret;

	ret = svm_core_split_storage(r, start, last, head, tail, gfp, st);
	if (ret)
		return ret;

	/* Nothing can fail from here on. */
	svm_core_runs_free(st[0].old);
	svm_core_runs_free(st[1].old);
	if (st[0].need)
		svm_core_range_carve(head, r, r->start, start - 1, st[0].runs,
				     st[0].max_runs);
	if (st[1].need)
		svm_core_range_carve(tail, r, last + 1, r->last, st[1].runs,
				     st[1].max_runs);

	/* The middle keeps r's storage: it never holds more runs than r did. */
	svm_core_runs_clip(r, r->runs, r->nr_runs, r->start, start, last);
	svm_core_runs_shrink(r);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_split);

MODULE_DESCRIPTION("Hardware-independent core of GPU shared virtual memory");
MODULE_LICENSE("Dual MIT/GPL");
