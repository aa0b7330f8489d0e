// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm_core residency: which pages of a range are in device memory.
 *
 * The device pages of a range are kept as sorted, disjoint runs that never
 * touch (two runs always have a system page between them), so the list is
 * the shortest one that describes the range: memory grows with the number
 * of runs, never with the number of pages.
 */

#include "svm_core_internal.h"

/* Index of the first run whose last page is >= @page (nr_runs if none). */
unsigned int svm_core_run_index(const struct svm_core_range *r,
				unsigned long page)
{
	unsigned int lo = 0, hi = r->nr_runs;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (r->runs[mid].last < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace runs [i, j) of @r with the @k runs in @rep, in place (room made). */
static void svm_core_runs_splice(struct svm_core_range *r, unsigned int i,
				 unsigned int j, const struct svm_core_run *rep,
				 unsigned int k)
{
	unsigned int tail = r->nr_runs - j;

	memmove(r->runs + i + k, r->runs + j, tail * sizeof(*rep));
	memcpy(r->runs + i, rep, k * sizeof(*rep));
	r->nr_runs = i + k + tail;
}

/* Move @r's runs to a new array of @cap (> r->max_runs) slots. */
static int svm_core_runs_grow(struct svm_core_range *r, unsigned int cap,
			      gfp_t gfp)
{
	struct svm_core_run *dst = svm_core_runs_alloc(cap, gfp);

	if (!dst)
		return -ENOMEM;
	memcpy(dst, r->runs, r->nr_runs * sizeof(*dst));
	if (r->runs != &r->run0)
		svm_core_runs_free(r->runs);
	svm_core_runs_adopt(r, dst, cap);
	return 0;
}

/*
 * Work out how the runs change when [start, last] goes to a device
 * (@to_device) or to system memory: runs [*i, *j) are replaced by the
 * *k runs written to @rep (at most two).
 */
static void svm_core_runs_plan(const struct svm_core_range *r,
			       unsigned long start, unsigned long last,
			       bool to_device, unsigned int *i, unsigned int *j,
			       struct svm_core_run *rep, unsigned int *k)
{
	unsigned int a, b;

	*k = 0;
	if (to_device) {
		/* Absorb every run that overlaps or touches [start, last]. */
		a = svm_core_run_index(r, start ? start - 1 : 0);
		for (b = a; b < r->nr_runs; b++)
			if (r->runs[b].start > last &&
			    r->runs[b].start - last > 1)
				break;
		rep[0].start = start;
		rep[0].last = last;
		if (a < b) {
			rep[0].start = min(start, r->runs[a].start);
			rep[0].last = max(last, r->runs[b - 1].last);
		}
		*k = 1;
	} else {
		/* Cut [start, last] out of the runs that overlap it. */
		a = svm_core_run_index(r, start);
		for (b = a; b < r->nr_runs; b++)
			if (r->runs[b].start > last)
				break;
		if (a < b && r->runs[a].start < start) {
			rep[*k].start = r->runs[a].start;
			rep[*k].last = start - 1;
			(*k)++;
		}
		if (a < b && r->runs[b - 1].last > last) {
			rep[*k].start = last + 1;
			rep[*k].last = r->runs[b - 1].last;
			(*k)++;
		}
	}
	*i = a;
	*j = b;
}

/**
 * svm_core_range_reserve() - make room for the records of one migration
 * @r: the range
 * @nr_records: how many svm_core_range_record_reserved() calls will follow
 * @gfp: allocation flags
 *
 * One record changes the number of runs by at most one: a run that grows,
 * merges or shrinks changes nothing or frees slots, a new run or a hole
 * punched into a run takes one more. So @nr_records more slots are enough
 * for whatever the migration reports, and never more than @r can hold.
 * Call it before the point of no return (amdkfd: before
 * migrate_vma_pages()); the records after it cannot fail for memory. The
 * reservation lasts until svm_core_range_unreserve(); a part split off @r
 * meanwhile takes a reservation of its own (svm_core_range_split()).
 *
 * Context: caller holds @r's range lock (amdkfd: prange->lock); may sleep
 * if @gfp allows.
 * Return: 0, or -ENOMEM; on error nothing has changed.
 */
int svm_core_range_reserve(struct svm_core_range *r, unsigned int nr_records,
			   gfp_t gfp)
{
	unsigned int want, limit = svm_core_runs_limit(r->start, r->last);

	want = svm_core_reserve_want(r->nr_runs, nr_records, limit);
	if (want > r->max_runs && svm_core_runs_grow(r, want, gfp))
		return -ENOMEM;
	r->reserved = max(r->reserved, nr_records);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_reserve);

/**
 * svm_core_range_reserve_slots() - run slots a reservation needs
 * @r: the range
 * @nr_records: as for svm_core_range_reserve()
 *
 * Context: caller holds @r's range lock.
 * Return: 0 if @r's run storage has the room already, else the size of the
 * array svm_core_range_reserve_spare() needs: @r's runs plus @nr_records,
 * at most the runs @r can ever hold (every other page on the device).
 */
unsigned int svm_core_range_reserve_slots(const struct svm_core_range *r,
					  unsigned int nr_records)
{
	unsigned int limit = svm_core_runs_limit(r->start, r->last);
	unsigned int want = svm_core_reserve_want(r->nr_runs, nr_records, limit);

	return want > r->max_runs ? want : 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_reserve_slots);

/**
 * svm_core_spare_alloc() - allocate run storage for a reservation
 * @spare: receives the array; empty, or emptied with svm_core_spare_free()
 * @slots: its size, from svm_core_range_reserve_slots()
 * @gfp: allocation flags
 *
 * Takes no lock: a driver whose range lock forbids reclaim (amdkfd's, which
 * its MMU notifier takes) allocates here, where reclaim is allowed, and
 * reserves with svm_core_range_reserve_spare() under the lock.
 *
 * Context: may sleep if @gfp allows.
 * Return: 0, or -ENOMEM.
 */
int svm_core_spare_alloc(struct svm_core_spare *spare, unsigned int slots,
			 gfp_t gfp)
{
	spare->runs = slots ? svm_core_runs_alloc(slots, gfp) : NULL;
	spare->max_runs = spare->runs ? slots : 0;
	return slots && !spare->runs ? -ENOMEM : 0;
}
EXPORT_SYMBOL_GPL(svm_core_spare_alloc);

/**
 * svm_core_spare_free() - free what a spare holds
 * @spare: from svm_core_spare_alloc(), maybe given an old array by
 *	svm_core_range_reserve_spare(); empty afterwards
 */
void svm_core_spare_free(struct svm_core_spare *spare)
{
	if (spare->runs)
		svm_core_runs_free(spare->runs);
	spare->runs = NULL;
	spare->max_runs = 0;
}
EXPORT_SYMBOL_GPL(svm_core_spare_free);

/**
 * svm_core_range_reserve_spare() - reserve with storage allocated beforehand
 * @r: the range
 * @nr_records: as for svm_core_range_reserve()
 * @spare: storage from svm_core_spare_alloc(); when @r needs it, @r takes
 *	it and @spare receives @r's old array (or nothing), to be freed with
 *	svm_core_spare_free() once the range lock is dropped
 *
 * svm_core_range_reserve() without allocating. The bound: a migration of
 * n pages, c of them collected, reserves min(c, (n + 1) / 2) records
 * (amdkfd), so the array holds at most the range's runs plus that, and
 * never more than the range can hold; svm_core_range_unreserve() gives
 * the unused part back.
 *
 * Context: caller holds @r's range lock; does not sleep.
 * Return: 0; -EAGAIN if @spare is too small (@r changed since the size was
 * read, or it was never allocated): nothing has changed, allocate
 * svm_core_range_reserve_slots() slots and try again.
 */
int svm_core_range_reserve_spare(struct svm_core_range *r,
				 unsigned int nr_records,
				 struct svm_core_spare *spare)
{
	unsigned int want = svm_core_range_reserve_slots(r, nr_records);
	struct svm_core_run *old = r->runs;

	if (want) {
		if (!spare->runs || spare->max_runs < want)
			return -EAGAIN;
		memcpy(spare->runs, old, r->nr_runs * sizeof(*old));
		svm_core_runs_adopt(r, spare->runs, spare->max_runs);
		spare->runs = old == &r->run0 ? NULL : old;
		spare->max_runs = 0;
	}
	r->reserved = max(r->reserved, nr_records);
	return 0;
}
EXPORT_SYMBOL_GPL(svm_core_range_reserve_spare);

/**
 * svm_core_range_unreserve() - end a reservation
 * @r: the range
 *
 * Gives back what a reservation left unused: a range left with at most
 * one run goes back to its inline slot; an array at least four times
 * larger than its runs is replaced by one twice their number, if that
 * allocation succeeds without sleeping (else the larger one stays).
 * Cannot fail.
 *
 * Context: caller holds @r's range lock; does not sleep.
 */
void svm_core_range_unreserve(struct svm_core_range *r)
{
	r->reserved = 0;
	svm_core_runs_trim(r);
}
EXPORT_SYMBOL_GPL(svm_core_range_unreserve);

/*
 * Record [start, last] at @loc. With @may_alloc false the run storage must
 * already have room (a reservation); -ENOSPC says it had not.
 */
static int svm_core_record(struct svm_core_range *r, unsigned long start,
			   unsigned long last, u32 loc, unsigned long offset,
			   bool may_alloc, gfp_t gfp)
{
	bool to_device = svm_core_is_device(loc);
	unsigned long before = r->vram_pages;
	struct svm_core_run rep[2];
	unsigned int i, j, k, n;

	if (start > last || start < r->start || last > r->last ||
	    loc == SVM_CORE_LOC_UNDEFINED)
		return -EINVAL;
	if (to_device && before &&
	    (loc != r->actual_loc || offset != r->offset))
		return -EINVAL;
	if (to_device && offset > ULONG_MAX - (r->last - r->start))
		return -EINVAL;

	svm_core_runs_plan(r, start, last, to_device, &i, &j, rep, &k);
	n = r->nr_runs - (j - i) + k;
	if (n > r->max_runs) {
		unsigned int limit = svm_core_runs_limit(r->start, r->last);

		if (!may_alloc)
			return -ENOSPC;
		/* Grow geometrically so a stream of faults stays cheap. */
		if (svm_core_runs_grow(r, min(max(n, 2 * r->max_runs), limit),
				       gfp))
			return -ENOMEM;
	}

	/* Nothing can fail from here on. */
	{
		unsigned long gone = 0, added = 0;
		unsigned int m;

		for (m = i; m < j; m++)
			gone += r->runs[m].last - r->runs[m].start + 1;
		for (m = 0; m < k; m++)
			added += rep[m].last - rep[m].start + 1;
		r->vram_pages = before - gone + added;
	}
	svm_core_runs_splice(r, i, j, rep, k);
	if (r->reserved)
		r->reserved--;
	svm_core_runs_shrink(r);

	if (!before && r->vram_pages) {
		r->actual_loc = loc;
		r->offset = offset;
	} else if (before && !r->vram_pages) {
		r->actual_loc = SVM_CORE_LOC_SYSTEM;
		r->offset = 0;
		return 1;
	}
	return 0;
}

/**
 * svm_core_range_record() - record pages that a migration actually moved
 * @r: the range
 * @start: first page that moved
 * @last: last page that moved (inclusive)
 * @loc: where they are now: a device id, or %SVM_CORE_LOC_SYSTEM
 * @offset: when @loc is a device and @r holds no device page yet, the page
 *	offset of r->start in the device allocation the pages went to; while
 *	@r holds device pages it must equal r->offset. Ignored for system memory.
 * @gfp: allocation flags, used only when the run list must grow
 *
 * Called by the driver once per run of pages that a migration moved, which
 * may be fewer than it asked for. Pages already at @loc are fine. Keeps
 * r->vram_pages exact, sets r->actual_loc to @loc when the first device page
 * arrives and back to %SVM_CORE_LOC_SYSTEM when the last one leaves. Needs
 * memory when the record adds a run (pages disjoint from every recorded run
 * going to a device, or pages in the middle of a run leaving it) and the
 * run storage is full. After the point of no return of a migration use
 * svm_core_range_reserve() before it and svm_core_range_record_reserved()
 * after it instead: they cannot fail for memory.
 *
 * Context: caller holds @r's range lock (amdkfd: prange->lock).
 * Return: 1 when the last device page left: the caller must now release
 * the device allocation; 0 otherwise; -EINVAL if [@start, @last] is empty or
 * not inside @r, @loc is %SVM_CORE_LOC_UNDEFINED, @loc is a device other
 * than the one whose pages @r holds (move those to system memory first), or
 * @offset does not match or would wrap past the end of the address space
 * over the range; -ENOMEM. On error nothing has changed.
 */
int svm_core_range_record(struct svm_core_range *r, unsigned long start,
			  unsigned long last, u32 loc, unsigned long offset,
			  gfp_t gfp)
{
	return svm_core_record(r, start, last, loc, offset, true, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_range_record);

/**
 * svm_core_range_record_reserved() - record moved pages, without allocating
 * @r: the range, with a reservation from svm_core_range_reserve()
 * @start: first page that moved
 * @last: last page that moved (inclusive)
 * @loc: where they are now: a device id, or %SVM_CORE_LOC_SYSTEM
 * @offset: as for svm_core_range_record()
 *
 * svm_core_range_record() for the records a reservation covers: it never
 * allocates, so it cannot fail once the pages have moved, and the count
 * stays exact. Each call uses up one reserved record.
 *
 * Context: caller holds @r's range lock (amdkfd: prange->lock); does not
 * sleep.
 * Return: 1 when the last device page left, 0 otherwise; -EINVAL as for
 * svm_core_range_record() (bad input, nothing recorded); -ENOSPC, with a
 * warning, if the caller reserved fewer records than it made. On error
 * nothing has changed.
 */
int svm_core_range_record_reserved(struct svm_core_range *r,
				   unsigned long start, unsigned long last,
				   u32 loc, unsigned long offset)
{
	int ret = svm_core_record(r, start, last, loc, offset, false, 0);

	WARN_ON_ONCE(ret == -ENOSPC);
	return ret;
}
EXPORT_SYMBOL_GPL(svm_core_range_record_reserved);

/**
 * svm_core_range_page_loc() - where one page of a range is
 * @r: the range
 * @page: a page inside @r
 *
 * Context: caller holds @r's range lock.
 * Return: r->actual_loc if @page is in device memory, %SVM_CORE_LOC_SYSTEM if
 * it is in system memory, %SVM_CORE_LOC_UNDEFINED if @page is outside @r.
 */
u32 svm_core_range_page_loc(const struct svm_core_range *r, unsigned long page)
{
	unsigned int i;

	if (page < r->start || page > r->last)
		return SVM_CORE_LOC_UNDEFINED;
	i = svm_core_run_index(r, page);
	if (i < r->nr_runs && r->runs[i].start <= page)
		return r->actual_loc;
	return SVM_CORE_LOC_SYSTEM;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_range_page_loc);

/**
 * svm_core_range_count_device() - device pages of a range in an interval
 * @r: the range
 * @start: first page
 * @last: last page (inclusive)
 *
 * Context: caller holds @r's range lock.
 * Return: the number of pages of @r in [@start, @last] that are in device
 * memory; 0 when the interval is empty or outside @r.
 */
unsigned long svm_core_range_count_device(const struct svm_core_range *r,
					  unsigned long start,
					  unsigned long last)
{
	unsigned long n = 0;
	unsigned int i;

	if (start > last)
		return 0;
	for (i = svm_core_run_index(r, start);
	     i < r->nr_runs && r->runs[i].start <= last; i++)
		n += min(last, r->runs[i].last) -
		     max(start, r->runs[i].start) + 1;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(svm_core_range_count_device);
