// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm_core decisions: migration windows, what a GPU fault, a CPU fault, a
 * prefetch or an eviction migrates, and the loops that carry it out through
 * the driver's &struct svm_core_ops.
 */

#include "svm_core_internal.h"

/**
 * svm_core_window() - the granularity-aligned block around a page, clamped
 * @page: the faulting page
 * @granularity: log2 pages of the block (0..%SVM_CORE_GRANULARITY_MAX)
 * @lo: first page the window may cover (the range's start, or the VMA's)
 * @hi: last page the window may cover (inclusive)
 * @start: returns the first page of the window
 * @last: returns the last page of the window (inclusive)
 *
 * The block is ``[page & ~mask, page | mask]`` with mask =
 * ``(1 << granularity) - 1``; it is computed without adding to @page, so a
 * block that ends at the top of the address space does not overflow the
 * way ``ALIGN(page + 1, size)`` would.
 *
 * Context: any context.
 * Return: 0, or -EINVAL if @lo > @hi, @page is outside [@lo, @hi] or
 * @granularity is out of range.
 */
int svm_core_window(unsigned long page, unsigned int granularity,
		    unsigned long lo, unsigned long hi,
		    unsigned long *start, unsigned long *last)
{
	unsigned long mask;

	if (lo > hi || page < lo || page > hi ||
	    granularity > SVM_CORE_GRANULARITY_MAX)
		return -EINVAL;

	mask = (1UL << granularity) - 1;
	*start = max(page & ~mask, lo);
	*last = min(page | mask, hi);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_window);

static void svm_core_set_migration(struct svm_core_migration *m,
				   enum svm_core_op op, u32 loc,
				   unsigned long start, unsigned long last)
{
	m->op = op;
	m->loc = loc;
	m->start = start;
	m->last = last;
}

static void svm_core_decision_none(struct svm_core_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->evict = false;
	d->migrate.op = SVM_CORE_OP_NONE;
}

/*
 * Move [start, last] of @r to @loc. A device other than the one that holds
 * some of @r's pages first gets those pages sent to system memory, over the
 * whole range: a range holds pages of one device at a time.
 */
static void svm_core_decide_move(const struct svm_core_range *r, u32 loc,
				 unsigned long start, unsigned long last,
				 struct svm_core_decision *d)
{
	svm_core_decision_none(d);
	if (!svm_core_is_device(loc)) {
		svm_core_set_migration(&d->migrate, SVM_CORE_OP_TO_SYSTEM,
				       SVM_CORE_LOC_SYSTEM, start, last);
		return;
	}
	if (r->actual_loc != SVM_CORE_LOC_SYSTEM && r->actual_loc != loc)
		d->evict = true;
	svm_core_set_migration(&d->migrate, SVM_CORE_OP_TO_DEVICE, loc,
			       start, last);
}

/* The aligned block of 2^@order pages holding @page, clamped to @r. */
static void svm_core_block(const struct svm_core_range *r, unsigned long page,
			   unsigned int order, unsigned long *start,
			   unsigned long *last)
{
	unsigned long mask = (1UL << order) - 1;

	*start = max(page & ~mask, r->start);
	*last = min(page | mask, r->last);
}

/*
 * The adaptive window of a fault at @page, from the runs around it alone:
 * O(log runs), no state, no allocation.
 *
 * - Along a stream (a run ends right below @page, or starts right above
 *   it), the window is the aligned block of twice that run's length,
 *   rounded up to a power of two, up to %SVM_CORE_ADAPT_MAX_ORDER: the
 *   window doubles with each fault, as readahead's does.
 * - Once %SVM_CORE_ADAPT_FAULTS runs lie in the granularity block around
 *   @page, the whole block moves: the faults already taken there cost about
 *   what moving it does (ski rental), so at most about twice the best
 *   offline choice is paid. So does a block next to a whole block already
 *   on the device (spatial locality at block scale), found where the
 *   count's walks stop.
 * - Otherwise only @page moves: an isolated touch.
 *
 * The larger of the windows that apply is taken.
 */
static void svm_core_adaptive_window(const struct svm_core_range *r,
				     unsigned long page, unsigned long *start,
				     unsigned long *last)
{
	unsigned int i = svm_core_run_index(r, page), below, above, n = 0;
	unsigned int order = 0;
	unsigned long bs, bl, span, len = 0;

	*start = page;
	*last = page;
	if (i > 0 && r->runs[i - 1].last + 1 == page)
		len = r->runs[i - 1].last - r->runs[i - 1].start + 1;
	if (i < r->nr_runs && r->runs[i].start == page + 1)
		len = max(len, r->runs[i].last - r->runs[i].start + 1);
	if (len) {
		/* 2 * len rounded up to a power of two: order fls(len) */
		order = min_t(unsigned int, fls_long(len),
			      SVM_CORE_ADAPT_MAX_ORDER);
		svm_core_block(r, page, order, start, last);
	}
	if (order >= r->granularity)
		return;

	/*
	 * Runs in the granularity block, counted up to the threshold; where
	 * the walks stop short of it, they stand on the runs right outside
	 * the block: a whole block on the device next to this one moves this
	 * one too (spatial locality).
	 */
	svm_core_block(r, page, r->granularity, &bs, &bl);
	span = (1UL << r->granularity) - 1;
	for (below = i; below > 0 && n < SVM_CORE_ADAPT_FAULTS &&
	     r->runs[below - 1].last >= bs; below--)
		n++;
	for (above = i; above < r->nr_runs && n < SVM_CORE_ADAPT_FAULTS &&
	     r->runs[above].start <= bl; above++)
		n++;
	if (n < SVM_CORE_ADAPT_FAULTS && below > 0 && bs > r->start &&
	    r->runs[below - 1].last == bs - 1 &&
	    r->runs[below - 1].last - r->runs[below - 1].start >= span)
		n = SVM_CORE_ADAPT_FAULTS;
	if (n < SVM_CORE_ADAPT_FAULTS && above < r->nr_runs && bl < r->last &&
	    r->runs[above].start == bl + 1 &&
	    r->runs[above].last - r->runs[above].start >= span)
		n = SVM_CORE_ADAPT_FAULTS;
	if (n >= SVM_CORE_ADAPT_FAULTS) {
		*start = bs;
		*last = bl;
	}
}

/**
 * svm_core_gpu_fault() - what a GPU fault at @page migrates
 * @r: the range holding @page
 * @page: the faulting page
 * @best_loc: where the driver wants the page: a device id, or
 *	%SVM_CORE_LOC_SYSTEM
 * @d: returns the decision
 *
 * Migrates iff @r may hold device pages or @best_loc is a device, and then
 * only the window around @page, clamped to @r: the granularity block
 * (%SVM_CORE_WINDOW_FIXED), or for a migration into the device that holds
 * @r's device pages (or into a first one) a window chosen from the
 * device-page runs around @page (%SVM_CORE_WINDOW_ADAPTIVE: see
 * &enum svm_core_window_policy;
 * O(log runs), deterministic, never larger than 2^%SVM_CORE_ADAPT_MAX_ORDER
 * pages or the granularity block, whichever is larger). Even when
 * @best_loc equals r->actual_loc the window is migrated, since a range with
 * device pages may hold system pages too and the migration picks up only
 * those not already there. Allocates nothing.
 *
 * Context: caller holds @r's range lock.
 * Return: 0, or -EINVAL if @page is outside @r or @best_loc is
 * %SVM_CORE_LOC_UNDEFINED.
 */
int svm_core_gpu_fault(const struct svm_core_range *r, unsigned long page,
		       u32 best_loc, struct svm_core_decision *d)
{
	unsigned long start, last;
	int ret;

	if (best_loc == SVM_CORE_LOC_UNDEFINED)
		return -EINVAL;
	ret = svm_core_window(page, r->granularity, r->start, r->last,
			      &start, &last);
	if (ret)
		return ret;
	/*
	 * The adaptive window sizes migrations into the device that holds
	 * the range's device pages (or into the first one). A fault that
	 * moves nothing, moves pages to system memory or to another device
	 * keeps the fixed window, which is also what the GPU maps.
	 */
	if (r->window_policy == SVM_CORE_WINDOW_ADAPTIVE &&
	    svm_core_is_device(best_loc) &&
	    (r->actual_loc == SVM_CORE_LOC_SYSTEM || r->actual_loc == best_loc))
		svm_core_adaptive_window(r, page, &start, &last);

	if (r->actual_loc == SVM_CORE_LOC_SYSTEM &&
	    best_loc == SVM_CORE_LOC_SYSTEM) {
		/* Nothing moves; the window is still the one to map. */
		svm_core_decision_none(d);
		svm_core_set_migration(&d->migrate, SVM_CORE_OP_NONE,
				       SVM_CORE_LOC_SYSTEM, start, last);
		return 0;
	}
	svm_core_decide_move(r, best_loc, start, last, d);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_gpu_fault);

/**
 * svm_core_gpu_fault_fallback() - what to do when migration to a device failed
 * @r: the range, as it is after the failed attempt
 * @failed: the decision whose migration to a device failed
 * @d: returns the fallback decision
 *
 * The GPU falls back to system memory: if @r still holds pages of a device
 * other than the one the failed migration aimed at, the window goes to
 * system memory; otherwise nothing moves and the driver maps what is there.
 *
 * Context: caller holds @r's range lock.
 * Return: 0, or -EINVAL if @failed is not a migration to a device.
 */
int svm_core_gpu_fault_fallback(const struct svm_core_range *r,
				const struct svm_core_decision *failed,
				struct svm_core_decision *d)
{
	const struct svm_core_migration *m = &failed->migrate;

	if (m->op != SVM_CORE_OP_TO_DEVICE)
		return -EINVAL;
	svm_core_decision_none(d);
	if (r->actual_loc != SVM_CORE_LOC_SYSTEM && r->actual_loc != m->loc)
		svm_core_set_migration(&d->migrate, SVM_CORE_OP_TO_SYSTEM,
				       SVM_CORE_LOC_SYSTEM, m->start, m->last);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_gpu_fault_fallback);

/**
 * svm_core_cpu_fault() - what a CPU fault on a device page migrates back
 * @r: the range holding @page
 * @page: the faulting page
 * @vma_start: first page of the VMA holding @page
 * @vma_last: last page of the VMA (inclusive)
 * @d: returns the decision
 *
 * The granularity window around @page, clamped to @r and to the VMA, goes
 * to system memory. The range is never split for a CPU fault: it simply
 * holds fewer device pages afterwards.
 *
 * Context: caller holds @r's range lock.
 * Return: 0, or -EINVAL if @page is outside @r or the VMA.
 */
int svm_core_cpu_fault(const struct svm_core_range *r, unsigned long page,
		       unsigned long vma_start, unsigned long vma_last,
		       struct svm_core_decision *d)
{
	unsigned long start, last;
	int ret;

	if (vma_start > vma_last)
		return -EINVAL;
	ret = svm_core_window(page, r->granularity,
			      max(r->start, vma_start), min(r->last, vma_last),
			      &start, &last);
	if (ret)
		return ret;

	svm_core_decision_none(d);
	if (r->actual_loc != SVM_CORE_LOC_SYSTEM)
		svm_core_set_migration(&d->migrate, SVM_CORE_OP_TO_SYSTEM,
				       SVM_CORE_LOC_SYSTEM, start, last);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_cpu_fault);

/**
 * svm_core_prefetch() - what a prefetch of a whole range migrates
 * @r: the range
 * @best_loc: the best prefetch location: a device id,
 *	%SVM_CORE_LOC_SYSTEM, or %SVM_CORE_LOC_UNDEFINED
 * @d: returns the decision
 *
 * Nothing moves when @best_loc is undefined, or when it is system memory
 * and @r holds no device page. Otherwise the whole range migrates, also when
 * @best_loc equals r->actual_loc: such a range may hold system pages too.
 *
 * Context: caller holds @r's range lock.
 * Return: 0.
 */
int svm_core_prefetch(const struct svm_core_range *r, u32 best_loc,
		      struct svm_core_decision *d)
{
	if (best_loc == SVM_CORE_LOC_UNDEFINED ||
	    (best_loc == SVM_CORE_LOC_SYSTEM &&
	     r->actual_loc == SVM_CORE_LOC_SYSTEM)) {
		svm_core_decision_none(d);
		return 0;
	}
	svm_core_decide_move(r, best_loc, r->start, r->last, d);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_prefetch);

static int svm_core_run_migration(struct svm_core_range *r,
				  const struct svm_core_migration *m,
				  const struct svm_core_ops *ops, void *priv)
{
	if (m->op == SVM_CORE_OP_NONE)
		return 0;
	return ops->migrate(r, m->loc, m->start, m->last, priv);
}

/**
 * svm_core_execute() - carry out a decision through the driver's ops
 * @r: the range
 * @d: the decision, from svm_core_gpu_fault(), svm_core_cpu_fault(),
 *	svm_core_prefetch() or svm_core_gpu_fault_fallback()
 * @ops: the driver's migration callbacks
 * @priv: passed to @ops
 *
 * When @d->evict is set, first moves every page of the device @r holds to
 * system memory with svm_core_evict(), at most %SVM_CORE_EVICT_RETRIES
 * attempts; then the migration @d->migrate asks for. Errors are returned,
 * never swallowed.
 *
 * Context: caller holds what @ops needs (amdkfd: prange->migrate_mutex and
 * the mmap lock); @ops records under @r's range lock.
 * Return: 0; the first error of @ops->migrate; -EBUSY if pages of the other
 * device stayed in @r after the eviction attempts.
 */
int svm_core_execute(struct svm_core_range *r,
		     const struct svm_core_decision *d,
		     const struct svm_core_ops *ops, void *priv)
{
	int ret;

	if (d->evict) {
		ret = svm_core_evict(r, SVM_CORE_EVICT_RETRIES, ops, priv);
		if (ret)
			return ret;
	}
	return svm_core_run_migration(r, &d->migrate, ops, priv);
}
EXPORT_SYMBOL_GPL(svm_core_execute);

/**
 * svm_core_gpu_fault_migrate() - decide and migrate for a GPU fault
 * @r: the range holding @page
 * @page: the faulting page
 * @best_loc: where the driver wants the page (see svm_core_gpu_fault())
 * @ops: the driver's migration callbacks
 * @priv: passed to @ops
 * @d: returns the decision taken first; its @migrate window (set also when
 *	nothing moves) is the window the GPU maps, and its @migrate.op says
 *	whether a migration was tried
 *
 * svm_core_gpu_fault(), svm_core_execute(), and if migrating to the device
 * failed, the fallback to system memory of svm_core_gpu_fault_fallback():
 * the GPU then maps the pages where they are. The whole GPU-fault flow of a
 * driver in one call.
 *
 * Context: as svm_core_execute().
 * Return: 0 when the GPU can map the window (possibly from system memory);
 * -EINVAL for a bad @page or @best_loc (@d is then not set); otherwise the
 * error of the step that could not be done, including the fallback's.
 */
int svm_core_gpu_fault_migrate(struct svm_core_range *r, unsigned long page,
			       u32 best_loc, const struct svm_core_ops *ops,
			       void *priv, struct svm_core_decision *d)
{
	struct svm_core_decision fb;
	int ret;

	ret = svm_core_gpu_fault(r, page, best_loc, d);
	if (ret)
		return ret;
	ret = svm_core_execute(r, d, ops, priv);
	if (!ret || d->migrate.op != SVM_CORE_OP_TO_DEVICE)
		return ret;

	svm_core_gpu_fault_fallback(r, d, &fb);
	return svm_core_execute(r, &fb, ops, priv);
}
EXPORT_SYMBOL_GPL(svm_core_gpu_fault_migrate);

/**
 * svm_core_evict() - move every device page of a range to system memory
 * @r: the range
 * @retries: attempts before giving up (at least 1)
 * @ops: the driver's migration callbacks
 * @priv: passed to @ops
 *
 * Migrates the whole range to system memory until it holds no device page.
 * A page can stay behind when it is pinned or busy, so the attempt repeats,
 * at most @retries times.
 *
 * Context: caller holds @r's range lock and whatever @ops needs.
 * Return: 0 once r->vram_pages is 0; the error of @ops->migrate; -EBUSY if
 * device pages remain after @retries attempts; -EINVAL if @retries is 0.
 */
int svm_core_evict(struct svm_core_range *r, unsigned int retries,
		   const struct svm_core_ops *ops, void *priv)
{
	int ret;

	if (!retries)
		return -EINVAL;
	while (r->vram_pages && retries--) {
		ret = ops->migrate(r, SVM_CORE_LOC_SYSTEM, r->start, r->last,
				   priv);
		if (ret)
			return ret;
	}
	return r->vram_pages ? -EBUSY : 0;
}
EXPORT_SYMBOL_GPL(svm_core_evict);
