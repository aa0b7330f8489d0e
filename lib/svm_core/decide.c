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

/*
 * Device pages of @r in [@start, @last], counted up to @cap at least: the
 * walk stops once it has @cap, so it visits at most @cap + 1 runs after
 * the binary search.
 */
static unsigned long svm_core_device_upto(const struct svm_core_range *r,
					  unsigned long start,
					  unsigned long last, unsigned long cap)
{
	unsigned int i = svm_core_run_index(r, start);
	unsigned long n = 0;

	for (; i < r->nr_runs && r->runs[i].start <= last && n < cap; i++)
		n += min(r->runs[i].last, last) - max(r->runs[i].start, start) + 1;
	return n;
}

/* Whether every page of [@start, @last] of @r is on the device: O(log runs). */
static bool svm_core_all_device(const struct svm_core_range *r,
				unsigned long start, unsigned long last)
{
	unsigned int i = svm_core_run_index(r, start);

	return i < r->nr_runs && r->runs[i].start <= start &&
	       r->runs[i].last >= last;
}

/*
 * How many one-page faults a block of @n pages takes before it is bought:
 * the most k with k * (w + 1) <= w + n, w = @r->fault_pages. Written so
 * that w + n cannot overflow.
 */
static unsigned long svm_core_adapt_rentals(const struct svm_core_range *r,
					    unsigned long n)
{
	unsigned long w = r->fault_pages;

	return n / (w + 1) + (n % (w + 1) + w) / (w + 1);
}

/*
 * The adaptive window of a GPU fault at @page whose block (the fixed
 * window) is [*@start, *@last]: ski rental. While the block holds fewer
 * device pages than svm_core_adapt_rentals() of its size, the fault
 * "rents": only @page moves. Otherwise it "buys": the whole block moves.
 * O(log runs + rentals), no state, no allocation; see svm_core_gpu_fault()
 * for the bound.
 */
static void svm_core_adaptive_window(const struct svm_core_range *r,
				     unsigned long page, unsigned long *start,
				     unsigned long *last)
{
	unsigned long j = svm_core_adapt_rentals(r, *last - *start + 1);

	if (svm_core_device_upto(r, *start, *last, j) >= j)
		return;
	*start = page;
	*last = page;
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
 * @r's device pages (or into a first one) the adaptive window
 * (%SVM_CORE_WINDOW_ADAPTIVE, below). Even when @best_loc equals
 * r->actual_loc the window is migrated, since a range with device pages
 * may hold system pages too and the migration picks up only those not
 * already there. Allocates nothing.
 *
 * The adaptive window is ski rental per block, the block being the fixed
 * window (so a range no larger than the block and inside one aligned block
 * is one block). Let w be @r->fault_pages, what a fault costs beyond its
 * pages in page moves, n the block's pages, and j the most k with
 * k * (w + 1) <= w + n. A fault in a block holding fewer than j device
 * pages moves @page alone ("rent", cost w + 1); otherwise the block
 * ("buy", cost w + the pages still to move). svm_core_cpu_fault() moves a
 * block back only when all of it is on the device.
 *
 * Bound: in a cost model where a fault costs w + the pages it moves, with
 * no capacity limit, take one block and the GPU faults in it between two
 * CPU faults that empty it. If m distinct pages fault there, fixed pages
 * pay P = m (w + 1) and the fixed block W = w + n. With m <= j the
 * adaptive window pays P exactly (P <= W, as m (w + 1) <= w + n). With
 * m > j it pays j rentals and one buy, moving at most n pages:
 * A <= (j + 1) w + n = W + j w, and j w <= w (w + n) / (w + 1), so
 * A <= (1 + w / (w + 1)) W; and P >= (j + 1) (w + 1) > W. Hence, with
 * c = 1 + w / (w + 1) < 2, A <= c * min(P, W) per block and so on every
 * trace without CPU faults on device pages; with them, A <= c * W still
 * holds (a CPU fault of the adaptive window moves back at most what the
 * fixed block's does). Against pages with CPU faults no such bound can
 * exist for a rule that sees only the runs (tools/testing/svm_core/README.md
 * gives the trace); with w = 25 and 2 MiB blocks, j = 20.
 *
 * Cost: O(log runs) for the fixed window; the adaptive one adds a walk
 * over at most j + 1 runs of the block.
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
EXPORT_SYMBOL_GPL(svm_core_gpu_fault);

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
EXPORT_SYMBOL_GPL(svm_core_gpu_fault_fallback);

/**
 * svm_core_cpu_fault() - what a CPU fault on a device page migrates back
 * @r: the range holding @page
 * @page: the faulting page
 * @vma_start: first page of the VMA holding @page
 * @vma_last: last page of the VMA (inclusive)
 * @d: returns the decision
 *
 * The granularity window around @page, clamped to @r and to the VMA, goes
 * to system memory; with %SVM_CORE_WINDOW_ADAPTIVE only when every page of
 * that window is on the device, else @page alone (see svm_core_gpu_fault()).
 * The range is never split for a CPU fault: it simply holds fewer device
 * pages afterwards. O(log runs); allocates nothing.
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
	/* Adaptive: the page alone unless the whole window is on the device. */
	if (r->window_policy == SVM_CORE_WINDOW_ADAPTIVE &&
	    !svm_core_all_device(r, start, last)) {
		start = page;
		last = page;
	}

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
 * Context: caller holds @r's range lock, which the decisions need, and
 * what @ops needs; @ops records under that same lock (a driver whose
 * records take the range lock themselves, as amdkfd's do, calls
 * svm_core_gpu_fault() under it and svm_core_execute() without it).
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
 * Context: as svm_core_execute(): @ops records under @r's range lock;
 * between attempts r->vram_pages is read without it, once per attempt, and
 * only to decide whether to try again.
 * Return: 0 once r->vram_pages is 0; the error of @ops->migrate; -EBUSY if
 * device pages remain after @retries attempts; -EINVAL if @retries is 0.
 */
int svm_core_evict(struct svm_core_range *r, unsigned int retries,
		   const struct svm_core_ops *ops, void *priv)
{
	int ret;

	if (!retries)
		return -EINVAL;
	while (READ_ONCE(r->vram_pages) && retries--) {
		ret = ops->migrate(r, SVM_CORE_LOC_SYSTEM, r->start, r->last,
				   priv);
		if (ret)
			return ret;
	}
	return READ_ONCE(r->vram_pages) ? -EBUSY : 0;
}
EXPORT_SYMBOL_GPL(svm_core_evict);
