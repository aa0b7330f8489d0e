/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Applying a set-attributes or munmap plan, allocation first: the one
 * implementation the KUnit suites and the user-space tools share
 * (tools/testing/svm_core includes this file, as tools/testing/radix-tree
 * includes lib/test_maple_tree.c). Every new range and every part of a split
 * is allocated, and every split prepared with svm_core_range_split_prepare(),
 * before the set changes, so a failed allocation leaves the set as it was.
 * (amdkfd reaches the same end another way: it splits clones, off the set.)
 *
 * The includer provides the kernel API (kmalloc_array(), kfree(),
 * WARN_ON_ONCE(), memset()) before including it.
 */
#ifndef _SVM_CORE_APPLY_H
#define _SVM_CORE_APPLY_H

#include <linux/svm_core.h>

/**
 * struct svm_core_apply - one set-attributes or munmap request
 * @start: first page of the interval
 * @last: last page of the interval (inclusive)
 * @unmap: an munmap: the ranges' pages in [@start, @last] go away
 * @max_pages: set-attributes: largest new range, a power of two
 * @granularity: set-attributes: granularity of new ranges
 * @unchanged: set-attributes, optional: the range would not change
 * @update: set-attributes: apply the attributes to a range the request
 *	covers (updated or new); cannot fail
 * @inherit: optional: a part split off @from keeps @from's attributes (the
 *	core copies only its own members)
 * @alloc: a zeroed range object of the includer's type, or %NULL
 * @free: free an object @alloc returned (after svm_core_range_destroy())
 * @priv: passed to the callbacks
 * @splits: returns the number of parts split off
 */
struct svm_core_apply {
	unsigned long start;
	unsigned long last;
	bool unmap;
	unsigned long max_pages;
	unsigned int granularity;
	bool (*unchanged)(const struct svm_core_range *r, void *priv);
	void (*update)(struct svm_core_range *r, void *priv);
	void (*inherit)(struct svm_core_range *part,
			const struct svm_core_range *from, void *priv);
	struct svm_core_range *(*alloc)(void *priv);
	void (*free)(struct svm_core_range *r, void *priv);
	void *priv;
	unsigned long splits;
};

/* Plan into a new array of steps; the count, or a negative errno. */
static int svm_core_apply_steps(const struct svm_core_set *set,
				const struct svm_core_apply *a,
				struct svm_core_step **stepsp)
{
	unsigned int flags = a->unmap ? 0 : SVM_CORE_PLAN_FILL_GAPS;
	unsigned long max_pages = a->unmap ? 0 : a->max_pages;
	bool (*unchanged)(const struct svm_core_range *r, void *priv) =
		a->unmap ? NULL : a->unchanged;
	int n;

	*stepsp = NULL;
	n = svm_core_set_plan(set, a->start, a->last, flags, max_pages,
			      unchanged, a->priv, NULL, 0);
	if (n < 0)
		return n;
	*stepsp = kmalloc_array((size_t)n + 1, sizeof(**stepsp), GFP_KERNEL);
	if (!*stepsp)
		return -ENOMEM;
	if (WARN_ON_ONCE(svm_core_set_plan(set, a->start, a->last, flags,
					   max_pages, unchanged, a->priv,
					   *stepsp, n) != n))
		return -EINVAL;
	return n;
}

/* Allocate a step's new objects and prepare its split. */
static int svm_core_apply_prepare(const struct svm_core_apply *a,
				  const struct svm_core_step *s,
				  struct svm_core_range **head,
				  struct svm_core_range **tail)
{
	if (s->kind == SVM_CORE_STEP_KEEP)
		return 0;
	if (s->kind == SVM_CORE_STEP_NEW || s->split_head) {
		*head = a->alloc(a->priv);
		if (!*head)
			return -ENOMEM;
	}
	if (s->split_tail) {
		*tail = a->alloc(a->priv);
		if (!*tail)
			return -ENOMEM;
	}
	if (s->kind == SVM_CORE_STEP_NEW)
		return svm_core_range_init(*head, s->start, s->last,
					   a->granularity);
	return svm_core_range_split_prepare(s->range, s->start, s->last,
					    *head, *tail, GFP_KERNEL);
}

/* Carry out one prepared step; allocates nothing. */
static int svm_core_apply_step(struct svm_core_set *set,
			       struct svm_core_apply *a,
			       const struct svm_core_step *s,
			       struct svm_core_range **head,
			       struct svm_core_range **tail)
{
	int ret;

	switch (s->kind) {
	case SVM_CORE_STEP_KEEP:
		break;
	case SVM_CORE_STEP_NEW:
		ret = svm_core_set_insert(set, *head);
		if (WARN_ON_ONCE(ret))
			return ret;
		a->update(*head, a->priv);
		*head = NULL;
		break;
	case SVM_CORE_STEP_UPDATE:
		/* GFP_NOWAIT: a prepared split that still allocated is a bug */
		ret = svm_core_set_split(set, s->range, s->start, s->last,
					 *head, *tail, GFP_NOWAIT);
		if (WARN_ON_ONCE(ret))
			return ret;
		a->splits += s->split_head + s->split_tail;
		if (s->split_head) {
			if (a->inherit)
				a->inherit(*head, s->range, a->priv);
			*head = NULL;
		}
		if (s->split_tail) {
			if (a->inherit)
				a->inherit(*tail, s->range, a->priv);
			*tail = NULL;
		}
		if (a->unmap) {
			svm_core_set_remove(set, s->range);
			svm_core_range_destroy(s->range);
			a->free(s->range, a->priv);
		} else {
			a->update(s->range, a->priv);
		}
		break;
	}
	return 0;
}

/**
 * svm_core_apply_plan() - plan a request over a set and carry it out
 * @set: the set
 * @a: the request
 *
 * @update and @inherit must not change a range's runs: the splits after
 * them were prepared against those runs.
 *
 * Return: 0; a negative errno of the plan or an allocation, with @set and
 * every range in it unchanged and nothing leaked.
 */
static int __maybe_unused svm_core_apply_plan(struct svm_core_set *set,
					      struct svm_core_apply *a)
{
	struct svm_core_range **parts = NULL;
	struct svm_core_step *steps;
	int n, k, ret;

	a->splits = 0;
	n = svm_core_apply_steps(set, a, &steps);
	ret = n;
	if (n < 0)
		goto out;
	ret = -ENOMEM;
	parts = kmalloc_array(2 * ((size_t)n + 1), sizeof(*parts), GFP_KERNEL);
	if (!parts)
		goto out;
	memset(parts, 0, 2 * ((size_t)n + 1) * sizeof(*parts));

	/* Allocate and prepare everything: the set does not change. */
	for (k = 0; k < n; k++) {
		ret = svm_core_apply_prepare(a, &steps[k], &parts[2 * k],
					     &parts[2 * k + 1]);
		if (ret)
			goto out;
	}
	/* Apply: nothing can fail from here on. */
	for (k = 0; k < n; k++) {
		ret = svm_core_apply_step(set, a, &steps[k], &parts[2 * k],
					  &parts[2 * k + 1]);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	for (k = 0; parts && k < 2 * n; k++) {
		if (!parts[k])
			continue;
		svm_core_range_destroy(parts[k]);
		a->free(parts[k], a->priv);
	}
	kfree(parts);
	kfree(steps);
	return ret;
}

#endif /* _SVM_CORE_APPLY_H */
