/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The per-page reference model of svm_core, shared by the KUnit suite
 * svm_core_random and the user-space fuzzer tools/testing/svm_core/svm-fuzz
 * (which includes this file, as tools/testing/radix-tree includes
 * lib/test_maple_tree.c).
 *
 * It knows nothing of runs, window arithmetic or plans: every page of a
 * window of SVM_MODEL_PAGES pages has a flag "mapped", a flag "first page
 * of its range", a granularity, a location, a prefetch attribute and the
 * device slot it occupies, and every rule is written page by page. Its
 * users drive it next to the core and compare.
 *
 * The includer provides the kernel types and memset() before including it.
 */
#ifndef _SVM_CORE_MODEL_H
#define _SVM_CORE_MODEL_H

#include <linux/svm_core.h>

#define SVM_MODEL_PAGES		512

/**
 * struct svm_model - the pages [base, base + SVM_MODEL_PAGES - 1]
 * @base: first page number
 * @mapped: the page belongs to a range
 * @head: the page is the first of its range
 * @gran: granularity of the page's range
 * @loc: where the page is: 0 system memory, else a device id
 * @pf: prefetch attribute of the page's range (svm-replay's, not the core's)
 * @slot: device slot of a page on a device (the KUnit fake device's)
 */
struct svm_model {
	unsigned long base;
	u8 mapped[SVM_MODEL_PAGES];
	u8 head[SVM_MODEL_PAGES];
	u8 gran[SVM_MODEL_PAGES];
	u32 loc[SVM_MODEL_PAGES];
	u32 pf[SVM_MODEL_PAGES];
	unsigned long slot[SVM_MODEL_PAGES];
};

/* The range holding mapped page @i: [*s, *l]. */
static inline void svm_model_bounds(const struct svm_model *m, unsigned int i,
				    unsigned int *s, unsigned int *l)
{
	for (*s = i; !m->head[*s]; (*s)--)
		;
	for (*l = i; *l + 1 < SVM_MODEL_PAGES && m->mapped[*l + 1] &&
	     !m->head[*l + 1]; (*l)++)
		;
}

/* The device holding pages of [s, l], or 0. */
static inline u32 svm_model_loc(const struct svm_model *m, unsigned int s,
				unsigned int l)
{
	for (; s <= l; s++)
		if (m->loc[s])
			return m->loc[s];
	return 0;
}

/* Device pages of [s, l]. */
static inline unsigned int svm_model_count(const struct svm_model *m,
					   unsigned int s, unsigned int l)
{
	unsigned int n = 0;

	for (; s <= l; s++)
		n += !!m->loc[s];
	return n;
}

/* Pages of [lo, hi] in the same 2^g block as page i, one page at a time. */
static inline void svm_model_window(const struct svm_model *m, unsigned int i,
				    unsigned int g, unsigned int lo,
				    unsigned int hi, unsigned int *s,
				    unsigned int *l)
{
	unsigned long block = (m->base + i) >> g;

	for (*s = i; *s > lo && ((m->base + *s - 1) >> g) == block; (*s)--)
		;
	for (*l = i; *l < hi && ((m->base + *l + 1) >> g) == block; (*l)++)
		;
}

/**
 * enum svm_model_attr - the attribute a set-attributes changes
 * @SVM_MODEL_GRAN: the granularity
 * @SVM_MODEL_PF: the prefetch location
 */
enum svm_model_attr {
	SVM_MODEL_GRAN,
	SVM_MODEL_PF,
};

/*
 * Set-attributes over [s, l]: a range whose attribute already has the
 * value stays whole; another is cut at s and after l; a gap becomes ranges
 * cut at multiples of @max_pages, with granularity @new_gran (or @val for
 * SVM_MODEL_GRAN). @touched (optional) returns a mask of the first pages of
 * the ranges that now hold the value; the number of parts split off is
 * added to *@splits.
 */
static inline void svm_model_set_attr(struct svm_model *m, unsigned int s,
				      unsigned int l, enum svm_model_attr attr,
				      u32 val, unsigned long max_pages,
				      unsigned int new_gran, u8 *touched,
				      unsigned long *splits)
{
	unsigned int i, a, b, rs, rl;
	bool pf = attr == SVM_MODEL_PF;

	if (touched)
		memset(touched, 0, SVM_MODEL_PAGES);
	for (i = s; i <= l; i = b + 1) {
		if (m->mapped[i]) {
			svm_model_bounds(m, i, &rs, &rl);
			b = min(rl, l);
			if (pf ? m->pf[rs] == val : m->gran[rs] == val)
				continue;
			*splits += (i > rs) + (b < rl);
			m->head[i] = 1;
			if (b < rl)
				m->head[b + 1] = 1;
			for (a = i; a <= b; a++) {
				if (pf)
					m->pf[a] = val;
				else
					m->gran[a] = val;
			}
			if (touched)
				touched[i] = 1;
		} else {
			for (b = i; b < l && !m->mapped[b + 1]; b++)
				;
			for (a = i; a <= b; a++) {
				m->mapped[a] = 1;
				m->loc[a] = 0;
				m->gran[a] = pf ? new_gran : val;
				m->pf[a] = pf ? val : SVM_CORE_LOC_UNDEFINED;
				m->head[a] = a == i ||
					     !((m->base + a) % max_pages);
				if (touched)
					touched[a] |= m->head[a];
			}
		}
	}
}

/*
 * munmap of [s, l]: its pages leave their ranges, whose parts outside
 * stay; the number of parts split off is added to *@splits.
 */
static inline void svm_model_unmap(struct svm_model *m, unsigned int s,
				   unsigned int l, unsigned long *splits)
{
	unsigned int i, rs, rl;

	for (i = s; i <= l; i++) {
		if (!m->mapped[i])
			continue;
		svm_model_bounds(m, i, &rs, &rl);
		*splits += (i > rs) + (rl > l);
		for (; i <= rl && i <= l; i++) {
			m->mapped[i] = 0;
			m->head[i] = 0;
			m->loc[i] = 0;
		}
		if (rl > l)
			m->head[l + 1] = 1;
		i--;
	}
}

#endif /* _SVM_CORE_MODEL_H */
