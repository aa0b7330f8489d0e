// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-sim: replay page-access traces through lib/svm_core under four
 * migration policies and one cost model, and compare them with an oracle
 * that is a physical lower bound.
 *
 *   svm-sim [--trace FILE]... [--svg FILE] [--t-fault US] [--t-setup US]
 *           [--c-page US] [--bw GBPS] [--t-inval US]
 *
 * Without --trace it runs the eight built-in synthetic traces. A trace file
 * has one line per event, '#' comments, numbers decimal or 0x-hex, pages:
 *
 *   range <start> <last>     an SVM allocation (one range)
 *   g <page> [<count>]       the GPU touches pages page .. page+count-1
 *   c <page> [<count>]       the CPU touches them
 *
 * Policies: "whole range" migrates the whole range on a GPU fault and, as
 * amdkfd did before partial migration, splits the range at the 2 MiB block
 * of a CPU fault and migrates that block back; "window" migrates the
 * granularity-9 window (the seed patch); "page" migrates 4 KiB pages;
 * "oracle" knows every access, takes no fault, and covers the pages the GPU
 * will touch with the spans that minimise modelled time.
 *
 * Modelled time T = faults*t_fault + sum over migrations of (t_setup +
 * pages*c_page + bytes/BW) + invalidations*t_inval; every migration
 * invalidates the mappings of its span once.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"

#define PAGE_BYTES	4096.0
/* The largest range and touch count a trace may name: 2^30 pages, 4 TiB. */
#define MAX_PAGES	BIT(30)
#define MAX_TRACES	32
/* The least bandwidth accepted, GB/s: 4 KiB then takes 4 s. */
#define MIN_BW		0.000001

struct cost {
	double t_fault, t_setup, c_page, bw, t_inval;	/* us, us, us, GB/s, us */
};

struct event {
	unsigned long page;
	unsigned long count;
	char who;			/* 'g', 'c', or 'r' for a range */
	unsigned long last;		/* for 'r' */
};

struct trace {
	char name[32];
	struct event *ev;
	size_t n, cap;
};

struct result {
	unsigned long faults, migrations, pages, splits, invals;
	double t;			/* us */
};

enum policy { POL_WHOLE, POL_WINDOW, POL_PAGE, POL_ORACLE, NR_POL };

static const char *const pol_name[NR_POL] = {
	"whole range", "window (g=9)", "page (4 KiB)", "oracle",
};

/* ---- traces ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "svm-sim: out of memory\n");
		exit(1);
	}
	return p;
}

static void add(struct trace *t, char who, unsigned long page,
		unsigned long count, unsigned long last)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 4096;
		t->ev = xrealloc(t->ev, t->cap * sizeof(*t->ev));
	}
	t->ev[t->n++] = (struct event){ page, count, who, last };
}

static u64 rng_state;

static u64 rnd64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double rndf(void)
{
	return (rnd64() >> 11) * (1.0 / 9007199254740992.0);
}

/* Pages of a 64 MiB array, and where the synthetic allocations start. */
#define ARR	16384UL
#define BASE	0x100000UL

static void t_stream(struct trace *t)
{
	unsigned long a = BASE, b = a + ARR, c = b + ARR, i, it;

	add(t, 'r', a, 0, a + 3 * ARR - 1);
	add(t, 'c', a, 3 * ARR, 0);		/* the host initialises */
	for (it = 0; it < 4; it++)
		for (i = 0; i < ARR; i += 16) {
			add(t, 'g', b + i, 16, 0);
			add(t, 'g', c + i, 16, 0);
			add(t, 'g', a + i, 16, 0);
		}
	add(t, 'c', a, 1, 0);			/* check one result */
}

static void t_kernels_cpu(struct trace *t)
{
	unsigned long k, i;

	add(t, 'r', BASE, 0, BASE + 2 * ARR - 1);
	for (k = 0; k < 6; k++) {
		for (i = 0; i < 2 * ARR; i += 32)
			add(t, 'g', BASE + i, 32, 0);
		for (i = 0; i < 8; i++)		/* small CPU reads between kernels */
			add(t, 'c', BASE + rnd64() % (2 * ARR), 1, 0);
	}
}

static void t_strided(struct trace *t)
{
	unsigned long n = 16 * ARR, i, pass;

	add(t, 'r', BASE, 0, BASE + n - 1);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i += 64)
			add(t, 'g', BASE + i, 1, 0);
}

static void t_random(struct trace *t)
{
	unsigned long n = 4 * ARR, i;

	add(t, 'r', BASE, 0, BASE + n - 1);
	for (i = 0; i < 20000; i++)
		add(t, 'g', BASE + rnd64() % n, 1, 0);
}

static void t_bfs(struct trace *t)
{
	unsigned long offs = BASE, verts = BASE + ARR, nv = 8 * ARR, lvl, i;

	add(t, 'r', offs, 0, offs + ARR - 1);
	add(t, 'r', verts, 0, verts + nv - 1);
	for (lvl = 0; lvl < 6; lvl++) {
		for (i = 0; i < ARR; i += 64)	/* frontier offsets, in order */
			add(t, 'g', offs + i, 64, 0);
		for (i = 0; i < 3000; i++) {	/* neighbours: skewed to hubs */
			double x = pow(rndf(), 3.0);

			add(t, 'g', verts + (unsigned long)(x * nv), 1, 0);
		}
		add(t, 'c', offs, 1, 0);	/* host reads the frontier size */
	}
}

static void t_stencil(struct trace *t)
{
	unsigned long n = 4 * ARR, row = 512, it, i;

	add(t, 'r', BASE, 0, BASE + n - 1);
	for (it = 0; it < 10; it++) {
		for (i = 0; i < n; i += 64)
			add(t, 'g', BASE + i, 64, 0);
		add(t, 'c', BASE, row, 0);		/* halo exchange */
		add(t, 'c', BASE + n - row, row, 0);
	}
}

static void t_gemm(struct trace *t)
{
	unsigned long tiles = 8, tile = 1024, a = BASE, b, c, i, j, k;

	b = a + tiles * tiles * tile;
	c = b + tiles * tiles * tile;
	add(t, 'r', a, 0, c + tiles * tiles * tile - 1);
	for (i = 0; i < tiles; i++)
		for (j = 0; j < tiles; j++) {
			for (k = 0; k < tiles; k++) {
				add(t, 'g', a + (i * tiles + k) * tile, tile, 0);
				add(t, 'g', b + (k * tiles + j) * tile, tile, 0);
			}
			add(t, 'g', c + (i * tiles + j) * tile, tile, 0);
		}
}

static void t_zipf(struct trace *t)
{
	unsigned long n = 64 * ARR, i;	/* a 4 GiB allocation */

	add(t, 'r', BASE, 0, BASE + n - 1);
	for (i = 0; i < 50000; i++) {
		/* Zipf-like: rank ~ u^(-1/(s-1)), s = 1.2, hot pages scattered. */
		double r = pow(1.0 - rndf(), -5.0);
		unsigned long rank = r > n ? n - 1 : (unsigned long)r - 1;

		add(t, 'g', BASE + (rank * 2654435761UL) % n, 1, 0);
	}
}

static const struct {
	const char *name;
	void (*make)(struct trace *t);
} builtin[] = {
	{ "stream-triad", t_stream },
	{ "kernels+cpu", t_kernels_cpu },
	{ "strided", t_strided },
	{ "random", t_random },
	{ "bfs", t_bfs },
	{ "stencil", t_stencil },
	{ "gemm-tiled", t_gemm },
	{ "zipf-hot", t_zipf },
};

struct span {
	unsigned long start, last;
};

/* Index of the range of @v (sorted) holding @page, or -1. */
static long span_find(const struct span *v, size_t n, unsigned long page)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].last < page)
			lo = mid + 1;
		else if (v[mid].start > page)
			hi = mid;
		else
			return mid;
	}
	return -1;
}

/*
 * One number of a trace line, by the tools' one rule (svm_replay_number():
 * decimal without a leading 0, or 0x-hex, fitting an unsigned long).
 * NULL, or what is wrong.
 */
static const char *parse_num(const char *s, unsigned long *v)
{
	int ret = svm_replay_number(s, v);

	if (!ret)
		return NULL;
	if (ret == -ERANGE)
		return "a number that does not fit";
	if (s[0] == '-' || s[0] == '+')
		return "a signed number";
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return "a number with a leading 0 (octal is not read)";
	return "not a number (decimal or 0x-hex)";
}

static int trace_error(const char *path, unsigned long lineno, const char *what,
		       const char *word)
{
	fprintf(stderr, "svm-sim: %s:%lu: %s%s%s%s\n", path, lineno, what,
		word ? " '" : "", word ? word : "", word ? "'" : "");
	return -1;
}

/* Check one trace line and add its event; 0, or -1 with one error line. */
static int trace_line(struct trace *t, struct span **spans, size_t *nspans,
		      char *line, const char *path, unsigned long lineno)
{
	char *word[4], *p, *save = NULL;
	unsigned long num[2] = { 0, 1 };
	const char *err;
	int n = 0, i;
	long k;

	p = strchr(line, '#');
	if (p)
		*p = '\0';
	for (p = strtok_r(line, " \t\r\n", &save); p;
	     p = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 3)
			return trace_error(path, lineno, "trailing word", p);
		word[n++] = p;
	}
	if (!n)
		return 0;
	if (strcmp(word[0], "range") && strcmp(word[0], "g") &&
	    strcmp(word[0], "c"))
		return trace_error(path, lineno, "unknown event", word[0]);
	if (n < 2 || (!strcmp(word[0], "range") && n < 3))
		return trace_error(path, lineno, "missing number after", word[0]);
	for (i = 1; i < n; i++) {
		err = parse_num(word[i], &num[i - 1]);
		if (err)
			return trace_error(path, lineno, err, word[i]);
	}
	if (!strcmp(word[0], "range")) {
		struct span *v;
		size_t at;

		if (num[1] < num[0])
			return trace_error(path, lineno, "range ends before it starts",
					   NULL);
		if (num[1] - num[0] >= MAX_PAGES)
			return trace_error(path, lineno,
					   "range larger than 2^30 pages", NULL);
		v = *spans;
		for (at = 0; at < *nspans && v[at].start < num[0]; at++)
			;
		if ((at < *nspans && v[at].start <= num[1]) ||
		    (at && v[at - 1].last >= num[0]))
			return trace_error(path, lineno,
					   "range overlaps an earlier range", NULL);
		v = xrealloc(v, (*nspans + 1) * sizeof(*v));
		memmove(v + at + 1, v + at, (*nspans - at) * sizeof(*v));
		v[at] = (struct span){ num[0], num[1] };
		*spans = v;
		(*nspans)++;
		add(t, 'r', num[0], 0, num[1]);
		return 0;
	}
	if (!num[1])
		return trace_error(path, lineno, "count of 0", NULL);
	if (num[1] > MAX_PAGES)
		return trace_error(path, lineno, "count larger than 2^30", NULL);
	if (num[0] + (num[1] - 1) < num[0])
		return trace_error(path, lineno,
				   "touch past the end of the address space", NULL);
	if (word[0][0] == 'g') {
		/* Every page the GPU touches must be in a range declared so far. */
		unsigned long pg = num[0], last = num[0] + (num[1] - 1);

		for (;;) {
			k = span_find(*spans, *nspans, pg);
			if (k < 0)
				return trace_error(path, lineno,
						   "GPU touch outside every range", NULL);
			if ((*spans)[k].last >= last)
				break;
			pg = (*spans)[k].last + 1;
		}
	}
	add(t, word[0][0], num[0], num[1], 0);
	return 0;
}

static int read_trace(const char *path, struct trace *t)
{
	FILE *f = fopen(path, "r");
	struct span *spans = NULL;
	unsigned long lineno = 0;
	size_t cap = 0, nspans = 0;
	char *line = NULL;
	struct stat st;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "svm-sim: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "svm-sim: %s: not a regular file\n", path);
		fclose(f);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", strrchr(path, '/') ?
		 strrchr(path, '/') + 1 : path);
	while (!ret && getline(&line, &cap, f) >= 0)
		ret = trace_line(t, &spans, &nspans, line, path, ++lineno);
	if (!ret && ferror(f)) {
		fprintf(stderr, "svm-sim: %s: read error\n", path);
		ret = -1;
	}
	free(spans);
	free(line);
	fclose(f);
	return ret;
}

/* ---- simulation through the core ---- */

struct sim {
	struct svm_core_set set;
	const struct cost *cost;
	struct result res;
};

static double mig_cost(const struct cost *c, unsigned long pages)
{
	/* bytes / (GB/s) in us: bytes / (bw * 1e3) */
	return c->t_setup + pages * c->c_page + pages * PAGE_BYTES / (c->bw * 1e3);
}

static int sim_migrate(struct svm_core_range *r, u32 loc, unsigned long start,
		       unsigned long last, void *priv)
{
	struct sim *s = priv;
	unsigned long moved;
	int ret;

	ret = svm_replay_move(r, loc, start, last, &moved);
	if (ret)
		return ret;
	if (moved) {
		s->res.migrations++;
		s->res.invals++;
		s->res.pages += moved;
		s->res.t += mig_cost(s->cost, moved) + s->cost->t_inval;
	}
	return 0;
}

static const struct svm_core_ops sim_ops = { .migrate = sim_migrate };

/* Split @r so that it holds only the 2 MiB block around @page. */
static struct svm_core_range *split_block(struct sim *s, struct svm_core_range *r,
					  unsigned long page)
{
	struct svm_core_range *head = calloc(1, sizeof(*head));
	struct svm_core_range *tail = calloc(1, sizeof(*tail));
	unsigned long bs, bl;

	svm_core_window(page, SVM_CORE_GRANULARITY_DEFAULT, r->start, r->last,
			&bs, &bl);
	if (!head || !tail ||
	    svm_core_set_split(&s->set, r, bs, bl, head, tail, GFP_KERNEL)) {
		fprintf(stderr, "svm-sim: out of memory\n");
		exit(1);
	}
	/* Parts the split did not need were never touched. */
	if (svm_core_set_lookup(&s->set, bs - 1) == head)
		s->res.splits++;
	else
		free(head);
	if (bl != ULONG_MAX && svm_core_set_lookup(&s->set, bl + 1) == tail)
		s->res.splits++;
	else
		free(tail);
	return r;
}

static void run_policy(const struct trace *t, enum policy pol,
		       const struct cost *c, struct result *out)
{
	unsigned int gran = pol == POL_PAGE ? 0 :
			    pol == POL_WHOLE ? SVM_CORE_GRANULARITY_MAX :
			    SVM_CORE_GRANULARITY_DEFAULT;
	struct svm_core_decision d;
	struct svm_core_range *r;
	struct sim s = { .cost = c };
	size_t i;

	svm_core_set_init(&s.set);
	for (i = 0; i < t->n; i++) {
		const struct event *e = &t->ev[i];
		unsigned long p;

		if (e->who == 'r') {
			r = calloc(1, sizeof(*r));
			if (!r || svm_core_range_init(r, e->page, e->last, gran) ||
			    svm_core_set_insert(&s.set, r)) {
				fprintf(stderr, "svm-sim: %s: bad or overlapping range\n",
					t->name);
				exit(2);
			}
			continue;
		}
		for (p = e->page; p - e->page < e->count; p++) {
			r = svm_core_set_lookup(&s.set, p);
			if (!r)
				continue;	/* not SVM memory: not our business */
			if (e->who == 'g') {
				if (svm_core_range_page_loc(r, p))
					continue;
				s.res.faults++;
				s.res.t += c->t_fault;
				svm_core_gpu_fault_migrate(r, p, 1, &sim_ops, &s,
							   &d);
			} else {
				if (!svm_core_range_page_loc(r, p))
					continue;
				s.res.faults++;
				s.res.t += c->t_fault;
				if (pol == POL_WHOLE)
					r = split_block(&s, r, p);
				svm_core_cpu_fault(r, p, r->start, r->last, &d);
				svm_core_execute(r, &d, &sim_ops, &s);
			}
		}
	}
	while ((r = svm_core_set_first(&s.set, 0, ULONG_MAX))) {
		svm_core_set_remove(&s.set, r);
		svm_core_range_destroy(r);
		free(r);
	}
	*out = s.res;
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Sorted distinct pages of the trace touched by @who ('g', or 0: any). */
static unsigned long *touched(const struct trace *t, char who, size_t *n)
{
	unsigned long *v = NULL, p;
	size_t cnt = 0, cap = 0, i, k;

	for (i = 0; i < t->n; i++) {
		if (t->ev[i].who == 'r' || (who && t->ev[i].who != who))
			continue;
		for (p = 0; p < t->ev[i].count; p++) {
			if (cnt == cap) {
				cap = cap ? 2 * cap : 4096;
				v = realloc(v, cap * sizeof(*v));
				if (!v)
					exit(1);
			}
			v[cnt++] = t->ev[i].page + p;
		}
	}
	if (!cnt) {
		*n = 0;
		return v;
	}
	qsort(v, cnt, sizeof(*v), cmp_ul);
	for (i = 1, k = 1; i < cnt; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	*n = k;
	return v;
}

/*
 * The oracle: every page the GPU touches is moved once, before it is
 * touched, with no fault. Touched runs are merged across a gap when moving
 * the gap costs less than another migration's setup and invalidation:
 * with a fixed cost per span and a cost per page, that choice is made per
 * gap independently, so the cover it yields is optimal.
 */
static void run_oracle(const struct trace *t, const struct cost *c,
		       struct result *out)
{
	double per_page = c->c_page + PAGE_BYTES / (c->bw * 1e3);
	double per_span = c->t_setup + c->t_inval;
	size_t n, i;
	unsigned long *v = touched(t, 'g', &n), span_pages = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (i && (v[i] - v[i - 1] - 1) * per_page < per_span) {
			span_pages += v[i] - v[i - 1];
			continue;
		}
		if (i) {
			out->migrations++;
			out->pages += span_pages;
		}
		span_pages = 1;
	}
	if (n) {
		out->migrations++;
		out->pages += span_pages;
	}
	out->invals = out->migrations;
	out->t = out->migrations * per_span + out->pages * per_page;
	free(v);
}

/* ---- output ---- */

static void write_chart(FILE *f, struct trace *tr, int nt, struct result (*res)[NR_POL])
{
	static const char *const color[NR_POL] = {
		"#d62728", "#1f77b4", "#2ca02c", "#7f7f7f",
	};
	int w = 110 * nt + 120, h = 360, i, p;
	double maxlog = 1.0;

	for (i = 0; i < nt; i++)
		for (p = 0; p < NR_POL; p++)
			if (res[i][POL_ORACLE].t > 0)
				maxlog = fmax(maxlog, log10(res[i][p].t /
							    res[i][POL_ORACLE].t));
	maxlog = ceil(maxlog);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	fprintf(f, " width=\"%d\" height=\"%d\"", w, h);
	fprintf(f, " font-family=\"sans-serif\" font-size=\"11\">\n");
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\"", w / 2);
	fprintf(f, " font-size=\"14\">%s</text>\n",
		"modelled time relative to the oracle (log scale)");
	for (i = 0; i <= maxlog; i++) {
		int y = 300 - (int)(250 * i / maxlog);

		fprintf(f, "<line x1=\"60\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n",
			w - 20, y, y);
		fprintf(f, "<text x=\"55\" y=\"%d\" text-anchor=\"end\">%gx</text>\n",
			y + 4, pow(10, i));
	}
	for (i = 0; i < nt; i++) {
		int x0 = 70 + 110 * i;

		for (p = 0; p < NR_POL; p++) {
			double ratio = res[i][POL_ORACLE].t > 0 ?
				       res[i][p].t / res[i][POL_ORACLE].t : 1;
			int bh = (int)(250 * log10(fmax(ratio, 1)) / maxlog) + 2;

			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"22\"",
				x0 + 24 * p, 300 - bh);
			fprintf(f, " height=\"%d\" fill=\"%s\">", bh, color[p]);
			fprintf(f, "<title>%s %s: %.2fx</title></rect>\n",
				tr[i].name, pol_name[p], ratio);
		}
		fprintf(f, "<text x=\"%d\" y=\"318\" text-anchor=\"middle\">%s</text>\n",
			x0 + 46, tr[i].name);
	}
	for (p = 0; p < NR_POL; p++) {
		fprintf(f, "<rect x=\"%d\" y=\"335\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			70 + 150 * p, color[p]);
		fprintf(f, "<text x=\"%d\" y=\"346\">%s</text>\n", 86 + 150 * p,
			pol_name[p]);
	}
	fputs("</svg>\n", f);
}

static const char *const usage =
	"usage: svm-sim [--trace FILE]... [--svg FILE] [--t-fault US]\n"
	"               [--t-setup US] [--c-page US] [--bw GBPS] [--t-inval US]\n";

/* A non-negative number no larger than @max, or one error line. */
static int param(const char *opt, const char *arg, double max, double *v)
{
	char *end;

	*v = strtod(arg, &end);
	if (end == arg || *end || !(*v >= 0) || !(*v <= max)) {
		fprintf(stderr, "svm-sim: %s '%s': not a number from 0 to %g\n",
			opt, arg, max);
		return -1;
	}
	return 0;
}

/* Free the traces read so far, for an early exit with status 2. */
static int bail(struct trace *tr)
{
	int i;

	for (i = 0; i < MAX_TRACES; i++)
		free(tr[i].ev);
	return 2;
}

int main(int argc, char **argv)
{
	struct cost c = { 20, 15, 1, 25, 10 };
	struct trace tr[MAX_TRACES] = { 0 };
	struct result res[MAX_TRACES][NR_POL];
	const char *svg_path = NULL;
	int nt = 0, i, p, bad = 0;
	FILE *svg = NULL;

	for (i = 1; i < argc; i++) {
		const struct {
			const char *opt;
			double *v;
		} num[] = {
			{ "--t-fault", &c.t_fault }, { "--t-setup", &c.t_setup },
			{ "--c-page", &c.c_page }, { "--bw", &c.bw },
			{ "--t-inval", &c.t_inval },
		};
		const char *opt = argv[i];
		double *v = NULL;

		if (!strcmp(opt, "--help")) {
			fputs(usage, stdout);
			bail(tr);
			return 0;
		}
		for (p = 0; p < (int)ARRAY_SIZE(num); p++)
			if (!strcmp(opt, num[p].opt))
				v = num[p].v;
		if (!v && strcmp(opt, "--svg") && strcmp(opt, "--trace")) {
			fprintf(stderr, "svm-sim: unknown option '%s' (--help lists them)\n",
				opt);
			return bail(tr);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "svm-sim: %s needs a value\n", opt);
			return bail(tr);
		}
		if (v) {
			if (param(opt, argv[++i], 1e9, v))
				return bail(tr);
			continue;
		}
		if (!strcmp(opt, "--svg")) {
			svg_path = argv[++i];
			continue;
		}
		if (nt == MAX_TRACES) {
			fprintf(stderr, "svm-sim: more than %d traces\n", MAX_TRACES);
			return bail(tr);
		}
		if (read_trace(argv[++i], &tr[nt]))
			return bail(tr);
		nt++;
	}
	/* 4 KiB at the slowest bandwidth must take a finite, sane time. */
	if (!(c.bw >= MIN_BW)) {
		fprintf(stderr, "svm-sim: --bw must be at least %g GB/s\n", MIN_BW);
		return bail(tr);
	}
	/* Found now, not after the whole run. */
	if (svg_path) {
		svg = fopen(svg_path, "w");
		if (!svg) {
			fprintf(stderr, "svm-sim: cannot write %s: %s\n", svg_path,
				strerror(errno));
			return bail(tr);
		}
	}
	if (!nt) {
		rng_state = 0x5eed5eed5eedULL;	/* the built-in traces are fixed */
		for (nt = 0; nt < (int)ARRAY_SIZE(builtin); nt++) {
			snprintf(tr[nt].name, sizeof(tr[nt].name), "%s",
				 builtin[nt].name);
			builtin[nt].make(&tr[nt]);
		}
	}

	printf("cost model: t_fault %g us, t_setup %g us, c_page %g us/page,",
	       c.t_fault, c.t_setup, c.c_page);
	printf(" BW %g GB/s, t_inval %g us\n\n", c.bw, c.t_inval);
	printf("%-13s %-13s %9s %9s %11s %8s %7s %9s %11s %8s\n", "trace", "policy",
	       "faults", "migr", "MiB moved", "amplif", "splits", "invals",
	       "T (ms)", "T/oracle");
	for (i = 0; i < nt; i++) {
		size_t ntouch;
		unsigned long *v = touched(&tr[i], 0, &ntouch);

		free(v);
		for (p = 0; p < POL_ORACLE; p++)
			run_policy(&tr[i], p, &c, &res[i][p]);
		run_oracle(&tr[i], &c, &res[i][POL_ORACLE]);
		for (p = 0; p < NR_POL; p++) {
			const struct result *r = &res[i][p];
			double rel = res[i][POL_ORACLE].t > 0 ?
				     r->t / res[i][POL_ORACLE].t : 1;

			printf("%-13s %-13s %9lu %9lu %11.1f %8.2f %7lu %9lu %11.2f %8.2f\n",
			       tr[i].name, pol_name[p], r->faults, r->migrations,
			       r->pages * PAGE_BYTES / (1 << 20),
			       ntouch ? (double)r->pages / ntouch : 0, r->splits,
			       r->invals, r->t / 1000, rel);
			/* The oracle is a lower bound: beating it means a bug. */
			if (r->t < res[i][POL_ORACLE].t * 0.999999999) {
				fprintf(stderr, "svm-sim: %s beats the oracle on %s:",
					pol_name[p], tr[i].name);
				fputs(" the model is wrong\n", stderr);
				bad = 1;
			}
		}
		free(tr[i].ev);
	}
	if (svg) {
		write_chart(svg, tr, nt, res);
		if (fclose(svg)) {
			fprintf(stderr, "svm-sim: cannot write %s\n", svg_path);
			bad = 1;
		} else {
			printf("\nchart: %s\n", svg_path);
		}
	}
	if (svm_shim_live) {
		fprintf(stderr, "svm-sim: %ld allocations leaked\n", svm_shim_live);
		bad = 1;
	}
	return bad;
}
