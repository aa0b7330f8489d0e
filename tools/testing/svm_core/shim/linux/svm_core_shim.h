/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The kernel facilities lib/svm_core uses that the kernel tree's
 * tools/include does not provide, for building the core in user space.
 */
#ifndef _SVM_CORE_SHIM_H
#define _SVM_CORE_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/kernel.h>

#ifndef U16_MAX
#define U16_MAX		((u16)~0U)
#endif
#ifndef U32_MAX
#define U32_MAX		((u32)~0U)
#endif

/* An internal invariant broke: in user space that ends the run. */
#define WARN_ON_ONCE(cond) ({						\
	bool __warn = !!(cond);						\
	if (__warn) {							\
		fprintf(stderr, "WARN_ON_ONCE(%s) at %s:%d\n", #cond,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__warn;								\
})

#define pr_err(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)

#define MODULE_DESCRIPTION(s)	static_assert(1, s)
#define MODULE_LICENSE(s)	static_assert(1, s)

#include <linux/gfp.h>

void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
void kfree(const void *p);
void *kvmalloc_array(size_t n, size_t size, gfp_t gfp);
void kvfree(const void *p);

/* Allocations not yet freed, and a hook to fail the next ones. */
extern long svm_shim_live;
extern unsigned long svm_shim_fail_after;

#endif /* _SVM_CORE_SHIM_H */
