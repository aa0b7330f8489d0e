// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for kfd_queue.c's references of queue buffers on SVM ranges,
 * included at its end so that it reaches kfd_queue_buffer_svm_put(). The
 * process fixture is kfd_svm.c's (tests/kfd_svm_test.h).
 *
 * Copyright 2026 The svm_core authors
 */

#include <kunit/test.h>
#include "kfd_svm_test.h"

/*
 * A queue buffer's reference on a range (forged: kfd_queue_buffer_svm_get()
 * needs a GPU the range is mapped to) is carried to both parts of a munmap
 * split, and dropped from both by kfd_queue_buffer_svm_put() over the whole
 * buffer while the split is still pending.
 */
static void queue_refcount_across_split(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct kfd_process_device pdd = { .process = t->p };
	struct svm_range *head, *tail;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	atomic_set(&t_range(t, 0)->queue_refcount, 1);
	t_hold_work(t);
	kfd_test_munmap(test, t, 300, 100);
	head = t_range(t, 0);
	tail = t_range(t, 500);
	KUNIT_ASSERT_NOT_NULL(test, head);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_EXPECT_EQ(test, atomic_read(&head->queue_refcount), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tail->queue_refcount), 1);
	kfd_queue_buffer_svm_put(&pdd, t->base << PAGE_SHIFT, 1024 << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, atomic_read(&head->queue_refcount), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tail->queue_refcount), 0);
	kfd_test_release_work(t);
	KUNIT_EXPECT_EQ(test, t_nranges(t), 2U);
	KUNIT_EXPECT_EQ(test, atomic_read(&t_range(t, 0)->queue_refcount), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t_range(t, 500)->queue_refcount), 0);
	kfd_test_done(test, t);
}

/*
 * A queue buffer over the tail of a range; an munmap in the range, before
 * the buffer, leaves the buffer's part as a pending child. Putting the
 * buffer back must reach that child.
 */
static void queue_put_pending_child(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct kfd_process_device pdd = { .process = t->p };
	struct svm_range *tail;

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	atomic_set(&t_range(t, 0)->queue_refcount, 1);
	t_hold_work(t);
	kfd_test_munmap(test, t, 300, 100);
	tail = t_range(t, 400);
	KUNIT_ASSERT_NOT_NULL(test, tail);
	KUNIT_EXPECT_EQ(test, atomic_read(&tail->queue_refcount), 1);
	kfd_queue_buffer_svm_put(&pdd, (t->base + 400) << PAGE_SHIFT,
				 624 << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, atomic_read(&tail->queue_refcount), 0);
	kfd_test_release_work(t);
	KUNIT_EXPECT_EQ(test, atomic_read(&t_range(t, 400)->queue_refcount), 0);
	kfd_test_done(test, t);
}

/* put never takes a range below zero. */
static void queue_put_without_get(struct kunit *test)
{
	struct kfd_svm_test *t = kfd_test_setup(test, false);
	struct kfd_process_device pdd = { .process = t->p };

	KUNIT_ASSERT_EQ(test, kfd_test_set_attr(t, 0, 1024, 6, 0), 0);
	kfd_queue_buffer_svm_put(&pdd, t->base << PAGE_SHIFT, 1024 << PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, atomic_read(&t_range(t, 0)->queue_refcount), 0);
	kfd_test_done(test, t);
}

static struct kunit_case amdkfd_svm_queue_cases[] = {
	KUNIT_CASE(queue_refcount_across_split),
	KUNIT_CASE(queue_put_pending_child),
	KUNIT_CASE(queue_put_without_get),
	{}
};

static struct kunit_suite amdkfd_svm_queue_suite = {
	.name = "amdkfd_svm_queue",
	.suite_init = kfd_test_suite_init,
	.test_cases = amdkfd_svm_queue_cases,
};

kunit_test_suite(amdkfd_svm_queue_suite);
