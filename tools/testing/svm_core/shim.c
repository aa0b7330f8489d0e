// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The allocator behind the user-space build of svm_core: malloc with a
 * count of live blocks (a leak counter) and optional injected failures.
 */
#include <linux/svm_core_shim.h>

/* KMALLOC_MAX_SIZE of x86_64 with SLUB: 2^(MAX_PAGE_ORDER + PAGE_SHIFT) */
#define SVM_SHIM_MAX_ALLOC	(4UL << 20)

long svm_shim_live;
/* Fail every allocation after this many more succeed; ULONG_MAX: never. */
unsigned long svm_shim_fail_after = ULONG_MAX;

/* malloc() of n * size bytes, refused above @max, as the kernel refuses */
static void *shim_alloc(size_t n, size_t size, size_t max)
{
	void *p;

	if (svm_shim_fail_after != ULONG_MAX) {
		if (!svm_shim_fail_after)
			return NULL;
		svm_shim_fail_after--;
	}
	if (size && n > max / size)
		return NULL;
	p = malloc(n && size ? n * size : 1);
	if (p)
		svm_shim_live++;
	return p;
}

/* Like kmalloc, which refuses more than KMALLOC_MAX_SIZE */
void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return shim_alloc(n, size, SVM_SHIM_MAX_ALLOC);
}

void kfree(const void *p)
{
	if (p)
		svm_shim_live--;
	free((void *)p);
}

/* kmalloc_array(), falling back to vmalloc: no KMALLOC_MAX_SIZE limit */
void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return shim_alloc(n, size, INT_MAX);
}

void kvfree(const void *p)
{
	kfree(p);
}
