/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The fixtures amdkfd's SVM suites share. The process fixture is defined in
 * tests/kfd_svm_test.c and the forged GPU in tests/kfd_svm_gpu_test.c, both
 * included by kfd_svm.c, whose static functions (and static stubs) they
 * reach; the suites that test kfd_migrate.c and kfd_queue.c are included by
 * those files (tests/kfd_migrate_test.c, tests/kfd_queue_test.c) and call
 * the fixture through what is declared here. Functions named kfd_test_*()
 * are global for that; the small accessors are inline.
 *
 * Copyright 2026 The svm_core authors
 */

#ifndef KFD_SVM_TEST_H_
#define KFD_SVM_TEST_H_

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/gpu_buddy.h>
#include <linux/migrate.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include "amdgpu_object.h"
#include "amdgpu_reset.h"
#include "amdgpu_vram_mgr.h"
#include "kfd_priv.h"
#include "kfd_migrate.h"
#include "kfd_svm.h"

/* The test mapping: 8 MiB of anonymous memory, 2 MiB aligned. */
#define T_PAGES		2048UL
#define T_GRAN		9

struct kfd_svm_test {
	struct kfd_process *p;
	struct amdkfd_process_info *info;
	/* first page number of the test mapping */
	unsigned long base;
	/* forged VRAM BO, see kfd_test_forge_vram() */
	struct svm_range_bo *svm_bo;
	/* forged GPU, see t_forge_gpu() */
	struct kfd_process_device *pdd;
	/* the deferred list work is held back, see t_hold_work() */
	bool work_held;
	bool torn_down;
};

#define T_GPU_ID	0x1234

/* Range fields, read through one place so that a rename touches only these. */
static inline unsigned long t_start(struct svm_range *prange)
{
	return prange->core.start;
}

static inline unsigned long t_last(struct svm_range *prange)
{
	return prange->core.last;
}

static inline u64 t_vram_pages(struct svm_range *prange)
{
	return prange->core.vram_pages;
}

static inline u32 t_actual_loc(struct svm_range *prange)
{
	return prange->core.actual_loc;
}

static inline u8 t_granularity(struct svm_range *prange)
{
	return prange->core.granularity;
}

static inline void t_flush(struct kfd_svm_test *t)
{
	flush_work(&t->p->svms.deferred_list_work);
}

/* Hold the deferred list work back: munmap splits stay pending. */
static inline void t_hold_work(struct kfd_svm_test *t)
{
	disable_work_sync(&t->p->svms.deferred_list_work);
	t->work_held = true;
}

/* Number of ranges registered in the process (children not counted). */
static inline unsigned int t_nranges(struct kfd_svm_test *t)
{
	struct svm_range *prange;
	unsigned int n = 0;

	mutex_lock(&t->p->svms.lock);
	list_for_each_entry(prange, &t->p->svms.list, list)
		n++;
	mutex_unlock(&t->p->svms.lock);
	return n;
}

/* The range holding a page of the test mapping, through svm_range_from_addr(). */
static inline struct svm_range *t_range(struct kfd_svm_test *t,
					unsigned long page)
{
	struct svm_range *prange;

	mutex_lock(&t->p->svms.lock);
	prange = svm_range_from_addr(&t->p->svms, t->base + page, NULL);
	mutex_unlock(&t->p->svms.lock);
	return prange;
}

struct kfd_svm_test *kfd_test_setup(struct kunit *test, bool xnack);

void kfd_test_done(struct kunit *test, struct kfd_svm_test *t);

int kfd_test_set_attr(struct kfd_svm_test *t, unsigned long first,
		      unsigned long npages, u32 gran, u32 flags);

void kfd_test_munmap(struct kunit *test, struct kfd_svm_test *t,
		     unsigned long first, unsigned long npages);

void kfd_test_release_work(struct kfd_svm_test *t);

void kfd_test_forge_vram(struct kunit *test, struct kfd_svm_test *t,
			 struct svm_range *prange, unsigned long first,
			 unsigned long last);

unsigned int kfd_test_bo_refs(struct kfd_svm_test *t);

int kfd_test_suite_init(struct kunit_suite *suite);

/* The forged VRAM: what the BO allocator hands out and the pgmap covers. */
#define TG_VRAM_SIZE	SZ_64M
#define TG_GPU_ID	0x2345
#define TG_PASID	0x7e57
#define TG_MAX_GPUS	2

struct tg_bo {
	struct amdgpu_bo_user ubo;
	struct amdgpu_vram_mgr_resource vres;
	struct tg_gpu *gpu;
};

struct tg_gpu {
	struct pci_dev *pdev;
	struct amdgpu_device *adev;
	struct kfd_dev *kfd;
	struct kfd_node *node;
	struct amdgpu_reset_domain *reset_domain;
	/* the process's device, made with the GPU: freed after the process */
	struct kfd_process_device *pdd;
	struct gpu_buddy vram;
	struct mutex vram_lock;		/* protects vram */
	void *shadow;			/* VRAM contents, by VRAM address */
	/* BOs not yet freed; waited on with wait_var_event() */
	atomic_t live_bos;
	/* What the stubs were asked. */
	unsigned long pages_to_vram;
	unsigned long pages_to_ram;
	unsigned int copies;
	unsigned int fail_copy_at;	/* fail the n-th copy (1-based) */
	unsigned int bos_created;
	unsigned int maps;
	unsigned int unmaps;
	/* address mapped per page of the test mapping, 0: not mapped */
	u64 *map_addr;
	bool torn_down;
};

struct tg_test {
	struct kunit *test;
	struct kfd_svm_test *t;
	struct tg_gpu *gpu[TG_MAX_GPUS];
	unsigned int ngpus;
	struct task_struct *lead;
	u32 seed;
	/* the mapping order of the first page tg_where() saw */
	unsigned int first_order;
};

struct tg_evictor {
	struct kunit *test;
	struct svm_range_bo *svm_bo;
	struct completion done;
};

struct tg_test *kfd_test_gpu_setup(struct kunit *test, bool xnack,
				   unsigned int ngpus);

void kfd_test_gpu_done(struct kunit *test, struct tg_test *tg,
		       unsigned long first, unsigned long n);

struct svm_range *kfd_test_gpu_in_vram(struct kunit *test, struct tg_test *tg,
				       unsigned long first, unsigned long n,
				       u32 gran, u32 seed);

void kfd_test_gpu_cpu_touch(struct kunit *test, struct tg_test *tg,
			    unsigned long page, bool write);

unsigned long kfd_test_gpu_expect_where(struct kunit *test, struct tg_test *tg,
					unsigned int g, unsigned long first,
					unsigned long n, bool vram);

void kfd_test_gpu_read_back(struct kunit *test, struct tg_test *tg,
			    unsigned long first, unsigned long n);

void kfd_test_gpu_evict_arm(struct kunit *test, struct svm_range_bo *svm_bo);

int kfd_test_gpu_evict_thread(void *data);

struct svm_range *kfd_test_gpu_evictor_setup(struct kunit *test,
					     struct tg_test *tg,
					     struct tg_evictor *ev, u32 seed);

bool kfd_test_gpu_off_list(struct svm_range_bo *svm_bo,
			   struct svm_range *prange);

int kfd_test_gpu_suite_init(struct kunit_suite *suite);

void kfd_test_gpu_suite_exit(struct kunit_suite *suite);

/* svm_migrate_copy_memory_gart(), which kfd_test_stub_sdma_copy() stubs */
typedef int (*kfd_test_copy_fn)(struct amdgpu_device *adev, dma_addr_t *sys,
				u64 *vram, u64 npages,
				enum MIGRATION_COPY_DIR direction,
				struct dma_fence **mfence);

void kfd_test_stub_sdma_copy(struct kunit *test, kfd_test_copy_fn copy);

#endif /* KFD_SVM_TEST_H_ */
