// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The allocator behind the user-space build of svm_core: malloc with a
 * count of live blocks (a leak counter) and optional injected failures.
 */
#include <linux/svm_core_shim.h>

long svm_shim_live;
/* Fail every allocation after this many more succeed; ULONG_MAX: never. */
unsigned long svm_shim_fail_after = ULONG_MAX;

void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (svm_shim_fail_after != ULONG_MAX) {
		if (!svm_shim_fail_after)
			return NULL;
		svm_shim_fail_after--;
	}
	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(n && size ? n * size : 1);
	if (p)
		svm_shim_live++;
	return p;
}

void kfree(const void *p)
{
	if (p)
		svm_shim_live--;
	free((void *)p);
}
