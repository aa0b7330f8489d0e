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
#include <asm/bug.h>

#ifndef U32_MAX
#define U32_MAX		((u32)~0U)
#endif

#define pr_err(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)

#define MODULE_DESCRIPTION(s)
#define MODULE_LICENSE(s)

#include <linux/gfp.h>

void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
void kfree(const void *p);

/* Allocations not yet freed, and a hook to fail the next ones. */
extern long svm_shim_live;
extern unsigned long svm_shim_fail_after;

#endif /* _SVM_CORE_SHIM_H */
