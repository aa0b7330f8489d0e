// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-fuzz: differential fuzzing of lib/svm_core. Random scripts in the
 * svm-replay language run through the core (the same path as svm-replay)
 * and through a per-page reference model that knows nothing of runs,
 * window arithmetic or plans; their dumps are compared after every line.
 * On a divergence it prints the seed and the shortest failing script it
 * can find by deleting lines.
 *
 *   svm-fuzz [--ops N] [--seed S] [--script-len L]
 *
 * N >= 1, S >= 1 and 1 <= L <= MAX_SCRIPT_LEN, by svm_replay_number()'s
 * rule; anything else is one error line and exit status 2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "../../../lib/svm_core/tests/svm_core_model.h"

extern long svm_shim_live;

#define NP		SVM_MODEL_PAGES	/* pages a script works on */
#define MAXLINE		96
#define UNDEF		SVM_CORE_LOC_UNDEFINED
#define MAX_SCRIPT_LEN	1000000
#define USAGE		"svm-fuzz [--ops N] [--seed S] [--script-len L]"

/* ---- the reference model ---- */

struct model {
	struct svm_model pm;	/* the pages, shared with svm_core_random */
	bool pinned;
	unsigned long pin_start, pin_last;
	struct svm_replay_stats st;
};

static bool pinned(const struct model *m, unsigned int i)
{
	unsigned long p = m->pm.base + i;

	return m->pinned && p >= m->pin_start && p <= m->pin_last;
}

static void bounds(const struct model *m, unsigned int i, unsigned int *s,
		   unsigned int *l)
{
	svm_model_bounds(&m->pm, i, s, l);
}

static u32 range_loc(const struct model *m, unsigned int s, unsigned int l)
{
	return svm_model_loc(&m->pm, s, l);
}

/* One migration call of the fake device: pinned pages stay, once. */
static void migrate(struct model *m, unsigned int s, unsigned int l, u32 loc)
{
	unsigned long moved = 0;
	unsigned int i;

	for (i = s; i <= l; i++) {
		if (pinned(m, i) || m->pm.loc[i] == loc)
			continue;
		m->pm.loc[i] = loc;
		moved++;
	}
	m->pinned = false;
	if (moved)
		m->st.migrations++;
	if (loc)
		m->st.to_dev += moved;
	else
		m->st.to_sys += moved;
}

/* The window around page i of its range [lo, hi], at its granularity. */
static void window(const struct model *m, unsigned int i, unsigned int lo,
		   unsigned int hi, unsigned int *s, unsigned int *l)
{
	svm_model_window(&m->pm, i, m->pm.gran[i], lo, hi, s, l);
}

/* Move [s, l] of range [rs, rl] to best, another device's pages first. */
static bool move(struct model *m, unsigned int rs, unsigned int rl,
		 unsigned int s, unsigned int l, u32 best)
{
	u32 actual = range_loc(m, rs, rl);
	unsigned int k;

	if (best && actual && actual != best) {
		/* svm_core_execute() evicts with bounded retries */
		for (k = 0; k < SVM_CORE_EVICT_RETRIES && range_loc(m, rs, rl); k++)
			migrate(m, rs, rl, 0);
		if (range_loc(m, rs, rl))
			return false;	/* -EBUSY: pages of the other device stay */
	}
	migrate(m, s, l, best);
	return true;
}

static void m_gpu(struct model *m, unsigned int i, u32 best)
{
	unsigned int rs, rl, s, l;

	m->st.faults++;
	bounds(m, i, &rs, &rl);
	window(m, i, rs, rl, &s, &l);
	if (!best && !range_loc(m, rs, rl))
		return;
	if (!move(m, rs, rl, s, l, best) && range_loc(m, rs, rl) != best)
		migrate(m, s, l, 0);	/* fall back to system memory */
}

static void m_cpu(struct model *m, unsigned int i)
{
	unsigned int rs, rl, s, l;

	if (!m->pm.loc[i])
		return;
	m->st.faults++;
	bounds(m, i, &rs, &rl);
	window(m, i, rs, rl, &s, &l);
	migrate(m, s, l, 0);
}

/* Set-attributes over [s, l] (see svm_model_set_attr()). */
static void m_attr(struct model *m, unsigned int s, unsigned int l, bool is_pf,
		   u32 val, unsigned char *touched)
{
	svm_model_set_attr(&m->pm, s, l, is_pf ? SVM_MODEL_PF : SVM_MODEL_GRAN,
			   val, SVM_REPLAY_MAX_PAGES, SVM_CORE_GRANULARITY_DEFAULT,
			   touched, &m->st.splits);
}

static void m_prefetch(struct model *m, unsigned int s, unsigned int l, u32 loc)
{
	unsigned char touched[NP];
	unsigned int i, rs, rl;

	m_attr(m, s, l, true, loc, touched);
	for (i = s; i <= l; i++) {
		if (!touched[i])
			continue;
		bounds(m, i, &rs, &rl);
		if (!loc && !range_loc(m, rs, rl))
			continue;
		move(m, rs, rl, rs, rl, loc);
	}
}

static void m_unmap(struct model *m, unsigned int s, unsigned int l)
{
	svm_model_unmap(&m->pm, s, l, &m->st.splits);
}

static void m_evict(struct model *m, u32 loc)
{
	unsigned int i, rs, rl, k;

	for (i = 0; i < NP; i = rl + 1) {
		if (!m->pm.mapped[i]) {
			rl = i;
			continue;
		}
		bounds(m, i, &rs, &rl);
		if (range_loc(m, rs, rl) != loc)
			continue;
		for (k = 0; k < SVM_CORE_EVICT_RETRIES && range_loc(m, rs, rl); k++)
			migrate(m, rs, rl, 0);
	}
}

static void m_dump(const struct model *m, FILE *out)
{
	unsigned int i, s, l, n;

	for (i = 0; i < NP; i++) {
		if (!m->pm.mapped[i] || !m->pm.head[i])
			continue;
		bounds(m, i, &s, &l);
		n = 0;
		for (unsigned int k = s; k <= l; k++)
			n += !!m->pm.loc[k];
		fprintf(out, "range 0x%lx 0x%lx gran=%u loc=%u vram=%u\n",
			m->pm.base + s, m->pm.base + l, m->pm.gran[s], range_loc(m, s, l),
			n);
	}
	fprintf(out, "stats faults=%lu migrations=%lu to_dev=%lu to_sys=%lu",
		m->st.faults, m->st.migrations, m->st.to_dev, m->st.to_sys);
	fprintf(out, " splits=%lu\n", m->st.splits);
}

struct gen_line {
	char text[MAXLINE];
};

/* ---- the generator ---- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32) % n;
}

/* A random line, chosen with the model's state in mind; mostly valid. */
static void gen(const struct model *m, struct gen_line *g)
{
	static const char *const bad[] = {
		"range 5 4", "gpu", "gpu 0x10 4294967295", "frobnicate 1",
		"gran 0 10 64", "fail 1 0", "range 0x 1", "prefetch 1 2",
		"unmap 010 20", "evict 0", "dump extra", "range 1 2 gran=64",
		"evict 0X1", "gpu 0x10000000000000000 1",
	};
	unsigned int w = rnd(100), i = rnd(NP), l, len;
	unsigned long p = m->pm.base + i;

	len = 1 + rnd(w < 50 ? 64 : 300);
	l = i + len - 1 < NP ? i + len - 1 : NP - 1;
	if (w < 8) {
		snprintf(g->text, MAXLINE, "range 0x%lx 0x%lx gran=%u", p,
			 m->pm.base + l, rnd(10));
	} else if (w < 40) {
		snprintf(g->text, MAXLINE, "gpu 0x%lx %u", p, rnd(3));
	} else if (w < 55) {
		/* Prefer device pages: the CPU faults only on those. */
		for (unsigned int t = 0; t < 8 && !m->pm.loc[i]; t++)
			i = rnd(NP);
		snprintf(g->text, MAXLINE, "cpu 0x%lx", m->pm.base + i);
	} else if (w < 63) {
		snprintf(g->text, MAXLINE, "prefetch 0x%lx 0x%lx %u", p,
			 m->pm.base + l, rnd(3));
	} else if (w < 75) {
		snprintf(g->text, MAXLINE, "gran 0x%lx 0x%lx %u", p, m->pm.base + l,
			 rnd(10));
	} else if (w < 85) {
		snprintf(g->text, MAXLINE, "unmap 0x%lx 0x%lx", p, m->pm.base + l);
	} else if (w < 90) {
		snprintf(g->text, MAXLINE, "evict %u", 1 + rnd(2));
	} else if (w < 95) {
		snprintf(g->text, MAXLINE, "fail 0x%lx %u", p,
			 1 + rnd(i + 8 <= NP ? 8 : NP - i));
	} else if (w < 98) {
		snprintf(g->text, MAXLINE, "fail 0x%lx", p);
	} else {
		/* Lines the replay must reject, leaving everything as it was. */
		snprintf(g->text, MAXLINE, "%s", bad[rnd(ARRAY_SIZE(bad))]);
	}
}

/* ---- the model, driven by the text of a line ---- */

/*
 * The language's numbers, by the one rule svm-replay uses too: the model
 * checks what a line means, not how its digits are spelt.
 */
static bool num(const char *t, unsigned long *v)
{
	return !svm_replay_number(t, v);
}

/* Page interval inside the model's window, as indices. */
static bool idx(const struct model *m, unsigned long a, unsigned long b,
		unsigned int *s, unsigned int *l)
{
	if (a > b || a < m->pm.base || b - m->pm.base >= NP)
		return false;
	*s = a - m->pm.base;
	*l = b - m->pm.base;
	return true;
}

/* Apply a line to the model; false for a line the replay must reject. */
static bool model_line(struct model *m, const char *text)
{
	char buf[MAXLINE + 1], *tok[6], *save = NULL, *p;
	unsigned long v[4] = { 0 }, k;
	unsigned char touched[NP];
	unsigned int s, l, n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (p = strtok_r(buf, " ", &save); p && n < 6; p = strtok_r(NULL, " ", &save))
		tok[n++] = p;
	if (!n)
		return true;
	for (k = 1; k < n && k < 4; k++)
		if (strncmp(tok[k], "gran=", 5) && !num(tok[k], &v[k]))
			return false;
	if (!strcmp(tok[0], "range") && (n == 3 || n == 4)) {
		unsigned long g = SVM_CORE_GRANULARITY_DEFAULT;

		if (n == 4 && (strncmp(tok[3], "gran=", 5) || !num(tok[3] + 5, &g) ||
			       g > SVM_CORE_GRANULARITY_MAX))
			return false;
		if (!idx(m, v[1], v[2], &s, &l))
			return false;
		for (k = s; k <= l; k++)
			if (m->pm.mapped[k])
				return false;
		for (k = s; k <= l; k++) {
			m->pm.mapped[k] = 1;
			m->pm.head[k] = k == s;
			m->pm.gran[k] = g;
			m->pm.loc[k] = 0;
			m->pm.pf[k] = UNDEF;
		}
	} else if (!strcmp(tok[0], "gpu") && n == 3) {
		if (!idx(m, v[1], v[1], &s, &l) || !m->pm.mapped[s] || v[2] >= UNDEF)
			return false;
		m_gpu(m, s, v[2]);
	} else if (!strcmp(tok[0], "cpu") && n == 2) {
		if (!idx(m, v[1], v[1], &s, &l) || !m->pm.mapped[s])
			return false;
		m_cpu(m, s);
	} else if (!strcmp(tok[0], "prefetch") && n == 4) {
		if (!idx(m, v[1], v[2], &s, &l) || v[3] >= UNDEF)
			return false;
		m_prefetch(m, s, l, v[3]);
	} else if (!strcmp(tok[0], "gran") && n == 4) {
		if (!idx(m, v[1], v[2], &s, &l) || v[3] > SVM_CORE_GRANULARITY_MAX)
			return false;
		m_attr(m, s, l, false, v[3], touched);
	} else if (!strcmp(tok[0], "unmap") && n == 3) {
		if (!idx(m, v[1], v[2], &s, &l))
			return false;
		m_unmap(m, s, l);
	} else if (!strcmp(tok[0], "evict") && n == 2) {
		if (!v[1] || v[1] >= UNDEF)
			return false;
		m_evict(m, v[1]);
	} else if (!strcmp(tok[0], "fail") && (n == 2 || n == 3)) {
		k = n == 3 ? v[2] : 1;	/* fail <page> [<count>] */
		if (!k || !idx(m, v[1], v[1] + k - 1, &s, &l))
			return false;
		m->pinned = true;
		m->pin_start = v[1];
		m->pin_last = v[1] + k - 1;
	} else if (!strcmp(tok[0], "dump") && n == 1) {
		return true;
	} else {
		return false;
	}
	return true;
}

/* ---- running and comparing ---- */

/* Dumps go to fixed buffers: no allocation per compared line. */
static char dump_a[1 << 16], dump_b[1 << 16];

static const char *dump_core(struct svm_replay *rp)
{
	FILE *f = fmemopen(dump_a, sizeof(dump_a), "w");

	svm_replay_dump(rp, f);
	fclose(f);
	return dump_a;
}

static const char *dump_model(const struct model *m)
{
	FILE *f = fmemopen(dump_b, sizeof(dump_b), "w");

	m_dump(m, f);
	fclose(f);
	return dump_b;
}

/*
 * Run a script from scratch through the core (as svm-replay does) and the
 * model; after each line both must agree on its validity and on the dump,
 * and the core's set must pass its invariant checker. Returns the index of
 * the first diverging line, or -1.
 */
static int diverges(unsigned long base, struct gen_line *lines, int n)
{
	static FILE *sink;
	struct svm_replay rp;
	struct model m;
	int k, bad = -1;

	memset(&m, 0, sizeof(m));
	m.pm.base = base;
	if (!sink)
		sink = fopen("/dev/null", "w");
	svm_replay_init(&rp);
	for (k = 0; k < n && bad < 0; k++) {
		int ret = svm_replay_line(&rp, lines[k].text, sink);
		bool valid = model_line(&m, lines[k].text);

		if (!ret != valid ||
		    strcmp(dump_core(&rp), dump_model(&m)) ||
		    svm_core_set_validate(&rp.set))
			bad = k;
	}
	svm_replay_destroy(&rp);
	return bad;
}

/* Delete lines while the script still diverges. */
static int shrink(unsigned long base, struct gen_line *lines, int n)
{
	bool progress = true;
	int k;

	while (progress) {
		progress = false;
		for (k = n - 1; k >= 0; k--) {
			struct gen_line save = lines[k];

			memmove(lines + k, lines + k + 1, (n - k - 1) * sizeof(*lines));
			if (diverges(base, lines, n - 1) >= 0) {
				n--;
				progress = true;
			} else {
				memmove(lines + k + 1, lines + k,
					(n - k - 1) * sizeof(*lines));
				lines[k] = save;
			}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	unsigned long ops = 100000, done = 0, scripts = 0;
	uint64_t seed = 0;
	int len = 1000, i;
	struct gen_line *lines;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i];
		unsigned long v;

		if (svm_replay_help(opt, "usage: " USAGE "\n"))
			return 0;
		if (strcmp(opt, "--ops") && strcmp(opt, "--seed") &&
		    strcmp(opt, "--script-len")) {
			fprintf(stderr, "svm-fuzz: unknown argument '%s'; usage: %s\n",
				opt, USAGE);
			return 2;
		}
		if (++i == argc) {
			fprintf(stderr, "svm-fuzz: %s needs a value\n", opt);
			return 2;
		}
		if (!strcmp(opt, "--ops")) {
			if (svm_replay_arg("svm-fuzz", opt, argv[i], 1, ULONG_MAX,
					   &ops))
				return 2;
		} else if (!strcmp(opt, "--seed")) {
			/* Not 0: xorshift stays at 0; no --seed draws one. */
			if (svm_replay_arg("svm-fuzz", opt, argv[i], 1, ULONG_MAX,
					   &v))
				return 2;
			seed = v;
		} else {
			if (svm_replay_arg("svm-fuzz", opt, argv[i], 1,
					   MAX_SCRIPT_LEN, &v))
				return 2;
			len = v;
		}
	}
	if (!seed) {
		FILE *f = fopen("/dev/urandom", "r");

		if (!f || fread(&seed, sizeof(seed), 1, f) != 1)
			seed = 0x5eed;
		if (f)
			fclose(f);
		seed |= 1;
	}
	printf("svm-fuzz: seed %llu\n", (unsigned long long)seed);
	rng = seed;
	lines = calloc(len, sizeof(*lines));
	if (!lines) {
		fprintf(stderr, "svm-fuzz: out of memory\n");
		return 1;
	}

	while (done < ops) {
		unsigned long base = rnd(2) ? 0x3fe00 : ULONG_MAX - NP + 1;
		struct model m;
		int n = len, bad;

		if ((unsigned long)n > ops - done)
			n = ops - done;
		memset(&m, 0, sizeof(m));
		m.pm.base = base;
		for (i = 0; i < n; i++) {
			gen(&m, &lines[i]);
			model_line(&m, lines[i].text);
		}
		bad = diverges(base, lines, n);
		if (bad >= 0) {
			int k, m2 = shrink(base, lines, bad + 1);

			printf("svm-fuzz: divergence in script %lu (seed %llu)\n",
			       scripts, (unsigned long long)seed);
			printf("svm-fuzz: shortest failing script, %d lines:\n", m2);
			for (k = 0; k < m2; k++)
				printf("%s\n", lines[k].text);
			printf("0 passed, 1 failed\n");
			return 1;
		}
		done += n;
		scripts++;
	}
	free(lines);
	if (svm_shim_live) {
		printf("svm-fuzz: %ld allocations leaked\n", svm_shim_live);
		return 1;
	}
	printf("svm-fuzz: %lu operations in %lu scripts agree with the per-page model\n",
	       done, scripts);
	printf("svm-fuzz: 1 passed, 0 failed\n");
	return 0;
}
