// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-sim: replay page-access traces through lib/svm_core under several
 * migration policies and one cost model, and compare them with an oracle
 * that is a lower bound on that model.
 *
 *   svm-sim [--trace FILE]... [--svg FILE] [--csv] [--thp] [--vram-mib N]
 *           [--t-fault US] [--t-setup US] [--c-page US] [--bw GBPS]
 *           [--t-inval US] [--c-folio US] [--bw-thp GBPS] [--t-split US]
 *
 * Without --trace it runs the built-in synthetic traces and their
 * oversubscribed variants. A trace file has one line per event, '#'
 * comments, numbers decimal or 0x-hex, pages:
 *
 *   range <start> <last>     an SVM allocation (one range)
 *   g <page> [<count>]       the GPU touches pages page .. page+count-1
 *   c <page> [<count>]       the CPU touches them
 *
 * A policy is one entry of policies[]: a name and the window (granularity)
 * a fault migrates. "whole" migrates the whole range on a GPU fault and,
 * as amdkfd did before partial migration, splits the range at the 2 MiB
 * block of a CPU fault and migrates that block back; "window" migrates the
 * granularity-9 window (the seed patch); "page" migrates 4 KiB pages;
 * "adaptive" is the core's SVM_CORE_WINDOW_ADAPTIVE around the
 * granularity-9 block. The oracle takes no fault and pays only the
 * migrations every policy must make (see run_oracle()).
 *
 * Modelled time T = faults * t_fault + splits * t_split + sum over
 * migrations of (t_setup + t_inval + page costs). A page costs c_page plus
 * 4 KiB at bw; with --thp, a whole aligned 2 MiB block that one migration
 * moves costs c_folio plus 2 MiB at bw_thp instead. With a VRAM capacity,
 * a migration to the device that overfills it is followed by evictions of
 * the least recently used 2 MiB blocks, each one migration to system
 * memory.
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
#define BLOCK_SHIFT	9
#define BLOCK_PAGES	BIT(BLOCK_SHIFT)
/* The largest range and touch count a trace may name: 2^30 pages, 4 TiB. */
#define MAX_PAGES	BIT(30)
/*
 * Memory grows with page touches (the counts of g and c lines): some 60 to
 * 100 bytes each, the events and the oracle's per-touch arrays. 2^26 page
 * touches in all traces together stay under 8 GB. Ranges: at most 2^16 in
 * a trace (the lists of them are kept sorted by insertion).
 */
#define MAX_TOUCHES	BIT(26)
#define MAX_RANGES	BIT(16)
#define MAX_TRACES	32
/* The least bandwidth accepted, GB/s: 4 KiB then takes 4 s. */
#define MIN_BW		0.000001
/* The largest time (us) or bandwidth (GB/s) an option takes. */
#define MAX_PARAM	1e9
/* --vram-mib: one 2 MiB block .. 2^30 MiB (1 PiB). */
#define MAX_VRAM_MIB	BIT(30)
/* generated traces of one --property run */
#define MAX_PROPERTY	1000000

struct cost {
	double t_fault, t_setup, c_page, bw, t_inval;	/* us, us, us, GB/s, us */
	double c_folio, bw_thp, t_split;		/* us, GB/s, us */
	bool thp;
	double oracle_scale;	/* 1; other values only to test the check */
	/*
	 * amdkfd drops every retry fault on a range for this long after the
	 * range was validated (us; 0: off), and without XNACK the GPU takes
	 * no fault at all: ranges move by prefetch and the restore worker.
	 */
	double retry_us;
	bool xnack_off;
	long fault_pages;	/* the core's fault cost; -1: from the model */
};

/* A range of the simulation: the core's, and when it was last validated. */
struct sim_range {
	struct svm_core_range core;
	double valid_t;		/* us, modelled time; -inf: never */
};

static struct sim_range *sim_range(struct svm_core_range *r)
{
	return (struct sim_range *)r;
}

static struct svm_core_range *sim_range_alloc(void)
{
	struct sim_range *sr = calloc(1, sizeof(*sr));

	if (!sr)
		return NULL;
	sr->valid_t = -INFINITY;
	return &sr->core;
}

struct event {
	unsigned long page;
	unsigned long count;
	char who;			/* 'g', 'c', or 'r' for a range */
	unsigned long last;		/* for 'r' */
};

struct trace {
	char name[40];
	struct event *ev;
	size_t n, cap;
	unsigned long vram;		/* pages, 0: unlimited */
};

struct result {
	unsigned long faults, migrations, pages, splits, invals, evictions;
	double t;			/* us */
};

/* ---- cost model ---- */

/* One 4 KiB page moved on its own, and one 2 MiB folio moved whole. */
static double page_cost(const struct cost *c)
{
	/* bytes / (GB/s) in us: bytes / (bw * 1e3) */
	return c->c_page + PAGE_BYTES / (c->bw * 1e3);
}

static double folio_cost(const struct cost *c)
{
	if (!c->thp)
		return BLOCK_PAGES * page_cost(c);
	return c->c_folio + BLOCK_PAGES * PAGE_BYTES / (c->bw_thp * 1e3);
}

/*
 * w: what a GPU fault costs beyond its pages (fault, set-up, invalidation)
 * in page moves, as the model prices them: the core's fault_pages.
 */
static double fault_pages(const struct cost *c)
{
	return (c->t_fault + c->t_setup + c->t_inval) / page_cost(c);
}

static unsigned int core_fault_pages(const struct cost *c)
{
	double w = floor(fault_pages(c) + 0.5);

	if (c->fault_pages >= 0)
		return c->fault_pages;
	return w > 65535 ? 65535 : (unsigned int)w;
}

/* Moving @moved pages of one block, whole (aligned, all 512) or not. */
static double block_move_cost(const struct cost *c, unsigned long moved,
			      bool whole)
{
	if (whole && moved == BLOCK_PAGES)
		return folio_cost(c);
	return moved * page_cost(c);
}

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

/*
 * Oversubscribed variants: a built-in trace run with a VRAM capacity of its
 * footprint (the pages of its ranges) divided by @factor.
 */
static const struct {
	unsigned int idx;	/* into builtin[] */
	double factor;
} oversub[] = {
	{ 0, 1.25 }, { 0, 2 },	/* stream-triad */
	{ 5, 1.25 }, { 5, 2 },	/* stencil */
	{ 6, 1.25 }, { 6, 2 },	/* gemm-tiled */
	{ 7, 1.25 }, { 7, 2 },	/* zipf-hot */
};

static unsigned long footprint(const struct trace *t)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->ev[i].who == 'r')
			n += t->ev[i].last - t->ev[i].page + 1;
	return n;
}

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

/*
 * Check one trace line and add its event; 0, or -1 with one error line.
 * @left: the page touches the traces may still name, MAX_TOUCHES at first.
 */
static int trace_line(struct trace *t, struct span **spans, size_t *nspans,
		      unsigned long *left, char *line, const char *path,
		      unsigned long lineno)
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
		size_t at, hi;

		if (num[1] < num[0])
			return trace_error(path, lineno, "range ends before it starts",
					   NULL);
		if (num[1] - num[0] >= MAX_PAGES)
			return trace_error(path, lineno,
					   "range larger than 2^30 pages", NULL);
		if (*nspans == MAX_RANGES)
			return trace_error(path, lineno, "more than 65536 ranges",
					   NULL);
		v = *spans;
		/* The first range starting at or after num[0]. */
		for (at = 0, hi = *nspans; at < hi;) {
			size_t mid = at + (hi - at) / 2;

			if (v[mid].start < num[0])
				at = mid + 1;
			else
				hi = mid;
		}
		if ((at < *nspans && v[at].start <= num[1]) ||
		    (at && v[at - 1].last >= num[0]))
			return trace_error(path, lineno,
					   "range overlaps an earlier range", NULL);
		/* Room for a power of two of them: full at 0, 1, 2, 4, ... */
		if (!(*nspans & (*nspans - 1)))
			v = xrealloc(v, (*nspans ? 2 * *nspans : 1) * sizeof(*v));
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
	if (num[1] > *left)
		return trace_error(path, lineno,
				   "more than 67108864 page touches (g and c counts) in all traces",
				   NULL);
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
	*left -= num[1];
	add(t, word[0][0], num[0], num[1], 0);
	return 0;
}

/* Whether @t has a GPU touch: without one there is nothing to simulate. */
static bool has_gpu_touch(const struct trace *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->ev[i].who == 'g')
			return true;
	return false;
}

/* Read @path into @t; @left as for trace_line(). */
static int read_trace(const char *path, struct trace *t, unsigned long *left)
{
	FILE *f = fopen(path, "r");
	struct span *spans = NULL;
	unsigned long lineno = 0;
	size_t cap = 0, nspans = 0;
	char *line = NULL, *nul;
	struct stat st;
	ssize_t len;
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
	while (!ret && (len = getline(&line, &cap, f)) >= 0) {
		/* A C string would end there and drop the rest of the line. */
		nul = memchr(line, '\0', len);
		if (nul) {
			fprintf(stderr, "svm-sim: %s:%lu: NUL byte at column %td\n",
				path, ++lineno, nul - line + 1);
			ret = -1;
			break;
		}
		ret = trace_line(t, &spans, &nspans, left, line, path,
				 ++lineno);
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "svm-sim: %s: read error\n", path);
		ret = -1;
	}
	if (!ret && !has_gpu_touch(t)) {
		fprintf(stderr, "svm-sim: %s: no GPU touch (g line): nothing to simulate\n",
			path);
		ret = -1;
	}
	free(spans);
	free(line);
	fclose(f);
	return ret;
}

/* ---- 2 MiB blocks: residency and LRU order ---- */

struct block {
	unsigned long key;		/* page >> BLOCK_SHIFT */
	unsigned long resident;		/* pages of the block in device memory */
	long prev, next;		/* LRU list of blocks with resident pages */
	bool listed;
};

struct blocks {
	struct block *b;
	size_t n, cap;
	long *slot;			/* open addressing: index into b, or -1 */
	size_t nslot;
	long head, tail;		/* head: least recently used */
};

static size_t block_hash(unsigned long key, size_t nslot)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & (nslot - 1);
}

static void blocks_rehash(struct blocks *bs)
{
	size_t i, h;

	free(bs->slot);
	bs->nslot = bs->nslot ? 2 * bs->nslot : 1024;
	bs->slot = xrealloc(NULL, bs->nslot * sizeof(*bs->slot));
	for (i = 0; i < bs->nslot; i++)
		bs->slot[i] = -1;
	for (i = 0; i < bs->n; i++) {
		for (h = block_hash(bs->b[i].key, bs->nslot); bs->slot[h] >= 0;
		     h = (h + 1) & (bs->nslot - 1))
			;
		bs->slot[h] = i;
	}
}

static long block_get(struct blocks *bs, unsigned long key)
{
	size_t h;

	if (2 * (bs->n + 1) > bs->nslot)
		blocks_rehash(bs);
	for (h = block_hash(key, bs->nslot); bs->slot[h] >= 0;
	     h = (h + 1) & (bs->nslot - 1))
		if (bs->b[bs->slot[h]].key == key)
			return bs->slot[h];
	if (bs->n == bs->cap) {
		bs->cap = bs->cap ? 2 * bs->cap : 1024;
		bs->b = xrealloc(bs->b, bs->cap * sizeof(*bs->b));
	}
	bs->b[bs->n] = (struct block){ .key = key, .prev = -1, .next = -1 };
	bs->slot[h] = bs->n;
	return bs->n++;
}

static void lru_unlink(struct blocks *bs, long i)
{
	struct block *b = &bs->b[i];

	if (!b->listed)
		return;
	if (b->prev >= 0)
		bs->b[b->prev].next = b->next;
	else
		bs->head = b->next;
	if (b->next >= 0)
		bs->b[b->next].prev = b->prev;
	else
		bs->tail = b->prev;
	b->prev = -1;
	b->next = -1;
	b->listed = false;
}

/* Make block @i the most recently used. */
static void lru_touch(struct blocks *bs, long i)
{
	struct block *b;

	lru_unlink(bs, i);
	b = &bs->b[i];
	b->prev = bs->tail;
	b->next = -1;
	if (bs->tail >= 0)
		bs->b[bs->tail].next = i;
	else
		bs->head = i;
	bs->tail = i;
	b->listed = true;
}

/* ---- simulation through the core ---- */

struct sim {
	struct svm_core_set set;
	const struct cost *cost;
	unsigned long vram;		/* pages, 0: unlimited */
	unsigned long resident;		/* pages in device memory */
	struct blocks blocks;
	struct result res;
};

struct policy {
	const char *name;		/* CSV */
	const char *label;		/* table and chart */
	/* Granularity of the window a fault at @page of @r migrates. */
	unsigned int (*window)(struct sim *s, const struct svm_core_range *r,
			       unsigned long page, bool gpu);
	/* A CPU fault splits the range at its 2 MiB block first. */
	bool split_on_cpu;
	/* The core's &enum svm_core_window_policy for the ranges. */
	unsigned int window_policy;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "svm-sim: %s failed: %d\n", what, err);
	exit(1);
}

/*
 * The driver's migrate callback: move [start, last] of @r to @loc, charge
 * the migration block by block, and keep the residency of each block.
 */
static int sim_migrate(struct svm_core_range *r, u32 loc, unsigned long start,
		       unsigned long last, void *priv)
{
	struct sim *s = priv;
	unsigned long p = start, total = 0, moved, pl, dev;
	int ret;

	for (;;) {
		pl = (p | (BLOCK_PAGES - 1)) < last ? p | (BLOCK_PAGES - 1) : last;
		dev = svm_core_range_count_device(r, p, pl);
		moved = loc ? pl - p + 1 - dev : dev;
		if (moved) {
			long i = block_get(&s->blocks, p >> BLOCK_SHIFT);
			struct block *b = &s->blocks.b[i];

			s->res.t += block_move_cost(s->cost, moved,
						    pl - p + 1 == BLOCK_PAGES);
			total += moved;
			if (loc) {
				b->resident += moved;
				s->resident += moved;
				if (s->vram)
					lru_touch(&s->blocks, i);
			} else {
				b->resident -= moved;
				s->resident -= moved;
				if (!b->resident)
					lru_unlink(&s->blocks, i);
			}
		}
		if (pl == last)
			break;
		p = pl + 1;
	}
	ret = svm_replay_move(r, loc, start, last, &moved);
	if (ret)
		return ret;
	if (moved != total)
		die("page accounting", (int)(moved - total));
	if (total) {
		s->res.migrations++;
		s->res.invals++;
		s->res.pages += total;
		s->res.t += s->cost->t_setup + s->cost->t_inval;
	}
	return 0;
}

static const struct svm_core_ops sim_ops = { .migrate = sim_migrate };

/* Evict block @i: one migration of its device pages to system memory. */
static void evict_block(struct sim *s, long i)
{
	unsigned long bs = s->blocks.b[i].key << BLOCK_SHIFT;
	unsigned long bl = bs + BLOCK_PAGES - 1, before = s->res.migrations;
	unsigned long before_pages = s->res.pages, moved;
	struct svm_core_range *r;
	int ret;

	for (r = svm_core_set_first(&s->set, bs, bl); r;
	     r = svm_core_set_next(r, bl)) {
		unsigned long ps = r->start > bs ? r->start : bs;
		unsigned long pl = r->last < bl ? r->last : bl;

		if (!svm_core_range_count_device(r, ps, pl))
			continue;
		ret = sim_migrate(r, SVM_CORE_LOC_SYSTEM, ps, pl, s);
		if (ret)
			die("eviction", ret);
	}
	moved = s->res.pages - before_pages;
	/* One eviction of the block, however many ranges it spans. */
	if (s->res.migrations - before > 1) {
		s->res.t -= (s->res.migrations - before - 1) *
			    (s->cost->t_setup + s->cost->t_inval);
		s->res.invals -= s->res.migrations - before - 1;
		s->res.migrations = before + 1;
	}
	if (moved)
		s->res.evictions++;
}

/* After a GPU fault at @page: evict LRU blocks until the device fits. */
static void make_room(struct sim *s, unsigned long page)
{
	long mine = block_get(&s->blocks, page >> BLOCK_SHIFT);

	if (!s->vram)
		return;
	lru_touch(&s->blocks, mine);
	while (s->resident > s->vram && s->blocks.head >= 0 &&
	       s->blocks.head != mine) {
		long victim = s->blocks.head;

		evict_block(s, victim);
		if (s->blocks.b[victim].listed)
			die("eviction accounting", -EINVAL);
	}
}

/* Split @r so that it holds only the 2 MiB block around @page. */
static struct svm_core_range *split_block(struct sim *s, struct svm_core_range *r,
					  unsigned long page)
{
	struct svm_core_range *head = sim_range_alloc();
	struct svm_core_range *tail = sim_range_alloc();
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

static unsigned int win_whole(struct sim *s, const struct svm_core_range *r,
			      unsigned long page, bool gpu)
{
	(void)s, (void)r, (void)page, (void)gpu;
	return SVM_CORE_GRANULARITY_MAX;
}

static unsigned int win_window(struct sim *s, const struct svm_core_range *r,
			       unsigned long page, bool gpu)
{
	(void)s, (void)r, (void)page, (void)gpu;
	return SVM_CORE_GRANULARITY_DEFAULT;
}

static unsigned int win_page(struct sim *s, const struct svm_core_range *r,
			     unsigned long page, bool gpu)
{
	(void)s, (void)r, (void)page, (void)gpu;
	return 0;
}

static const struct policy policies[] = {
	{ "whole", "whole range", win_whole, true, SVM_CORE_WINDOW_FIXED },
	{ "window", "window (g=9)", win_window, false, SVM_CORE_WINDOW_FIXED },
	{ "page", "page (4 KiB)", win_page, false, SVM_CORE_WINDOW_FIXED },
	{ "adaptive", "adaptive (core)", win_window, false,
	  SVM_CORE_WINDOW_ADAPTIVE },
};

#define NR_POL		(ARRAY_SIZE(policies) + 1)
#define POL_WINDOW	1
#define POL_ADAPTIVE	3
/* Relative slack of the floating-point comparisons with a bound. */
#define EPS		(1.0 / 1000000000)
#define POL_ORACLE	ARRAY_SIZE(policies)

static const char *pol_label(size_t p)
{
	return p == POL_ORACLE ? "oracle" : policies[p].label;
}

static const char *pol_name(size_t p)
{
	return p == POL_ORACLE ? "oracle" : policies[p].name;
}

static void set_window(struct sim *s, const struct policy *pol,
		       struct svm_core_range *r, unsigned long page, bool gpu)
{
	unsigned int g = pol->window(s, r, page, gpu);
	int ret;

	if (r->granularity != g) {
		ret = svm_core_range_set_granularity(r, g);
		if (ret)
			die("svm_core_range_set_granularity", ret);
	}
}

static void run_policy(const struct trace *t, const struct policy *pol,
		       const struct cost *c, unsigned long vram,
		       struct result *out)
{
	struct svm_core_decision d;
	struct svm_core_range *r;
	struct sim s = { .cost = c, .vram = vram,
			 .blocks = { .head = -1, .tail = -1 } };
	size_t i;
	int ret;

	svm_core_set_init(&s.set);
	for (i = 0; i < t->n; i++) {
		const struct event *e = &t->ev[i];
		unsigned long p;

		if (e->who == 'r') {
			r = sim_range_alloc();
			if (!r || svm_core_range_init(r, e->page, e->last,
						      SVM_CORE_GRANULARITY_DEFAULT) ||
			    svm_core_range_set_window_policy(r, pol->window_policy) ||
			    svm_core_range_set_fault_pages(r, core_fault_pages(c)) ||
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
				if (svm_core_range_page_loc(r, p)) {
					if (vram)
						lru_touch(&s.blocks,
							  block_get(&s.blocks,
								    p >> BLOCK_SHIFT));
					continue;
				}
				if (c->xnack_off) {
					/* No fault: the restore worker moves the range. */
					ret = svm_core_prefetch(r, 1, &d);
					if (!ret)
						ret = svm_core_execute(r, &d, &sim_ops,
								       &s);
					if (ret)
						die("restore", ret);
					make_room(&s, p);
					continue;
				}
				/*
				 * A retry fault within retry_us of the range's
				 * last validation is dropped: the GPU waits for
				 * the window to close and faults again.
				 */
				if (s.res.t < sim_range(r)->valid_t + c->retry_us)
					s.res.t = sim_range(r)->valid_t + c->retry_us;
				s.res.faults++;
				s.res.t += c->t_fault;
				set_window(&s, pol, r, p, true);
				ret = svm_core_gpu_fault_migrate(r, p, 1, &sim_ops,
								 &s, &d);
				if (ret)
					die("svm_core_gpu_fault_migrate", ret);
				sim_range(r)->valid_t = s.res.t;
				make_room(&s, p);
			} else {
				if (!svm_core_range_page_loc(r, p))
					continue;
				s.res.faults++;
				s.res.t += c->t_fault;
				if (pol->split_on_cpu)
					r = split_block(&s, r, p);
				else
					set_window(&s, pol, r, p, false);
				ret = svm_core_cpu_fault(r, p, r->start, r->last, &d);
				if (!ret)
					ret = svm_core_execute(r, &d, &sim_ops, &s);
				if (ret)
					die("CPU fault", ret);
			}
		}
	}
	while ((r = svm_core_set_first(&s.set, 0, ULONG_MAX))) {
		svm_core_set_remove(&s.set, r);
		svm_core_range_destroy(r);
		free(r);
	}
	free(s.blocks.b);
	free(s.blocks.slot);
	s.res.t += s.res.splits * c->t_split;
	*out = s.res;
}

/* ---- the oracle ---- */

/* One page touch: page, when (index in trace order), and who. */
struct touch {
	unsigned long page;
	size_t when;
	char who;
};

static int cmp_touch(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return x->when < y->when ? -1 : x->when > y->when;
}

/* Every page touch of @t in trace order; CPU touches outside ranges dropped. */
static struct touch *touches(const struct trace *t, size_t *n)
{
	struct span *spans = NULL;
	struct touch *v = NULL;
	size_t cnt = 0, cap = 0, ns = 0, i;
	unsigned long p;

	for (i = 0; i < t->n; i++) {
		const struct event *e = &t->ev[i];

		if (e->who == 'r') {
			size_t at;

			spans = xrealloc(spans, (ns + 1) * sizeof(*spans));
			for (at = ns; at && spans[at - 1].start > e->page; at--)
				spans[at] = spans[at - 1];
			spans[at] = (struct span){ e->page, e->last };
			ns++;
			continue;
		}
		for (p = e->page; p - e->page < e->count; p++) {
			if (span_find(spans, ns, p) < 0)
				continue;
			if (cnt == cap) {
				cap = cap ? 2 * cap : 4096;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[cnt] = (struct touch){ p, cnt, e->who };
			cnt++;
		}
	}
	free(spans);
	*n = cnt;
	return v;
}

/* A page and how many migrations (in one direction) it must make. */
struct need {
	unsigned long page;
	unsigned long count;
};

/* Cost, migrations and pages of a partial cover. */
struct part {
	double t;
	unsigned long spans, pages;
};

static struct part part_add(struct part a, struct part b)
{
	return (struct part){ a.t + b.t, a.spans + b.spans, a.pages + b.pages };
}

static struct part part_min(struct part a, struct part b)
{
	return b.t < a.t ? b : a;
}

/* Page costs of @x pages of one block covered by spans: a lower bound. */
static double block_pages_cost(const struct cost *c, unsigned long x)
{
	double lin = x * page_cost(c);

	return c->thp && folio_cost(c) < lin ? folio_cost(c) : lin;
}

/*
 * The cheapest cover of the pages at offsets @o[0..n-1] of one 2 MiB block,
 * given whether a span comes in at the block's first page (@in) and goes
 * on past its last (@out). A span costs F = t_setup + t_inval; the pages
 * of the block cost block_pages_cost() of how many are covered, linear, or
 * capped at one folio with --thp. That cost is concave, so the cheapest
 * cover is either the cheapest for linear page costs (each gap bridged when
 * its pages cost less than another span) or the one with fewest spans.
 */
static struct part block_cover(const struct cost *c, const unsigned long *o,
			       size_t n, bool in, bool out)
{
	double f = c->t_setup + c->t_inval, pc = page_cost(c);
	unsigned long k = in ? 0 : 1, cov = n, lo, hi;
	struct part a, b;
	size_t i;

	if (in)
		cov += o[0];
	if (out)
		cov += BLOCK_PAGES - 1 - o[n - 1];
	for (i = 1; i < n; i++) {
		unsigned long g = o[i] - o[i - 1] - 1;

		if (!g)
			continue;
		if (g * pc < f)
			cov += g;
		else
			k++;
	}
	a = (struct part){ k * f + block_pages_cost(c, cov), k, cov };
	lo = in ? 0 : o[0];
	hi = out ? BLOCK_PAGES - 1 : o[n - 1];
	k = in ? 0 : 1;
	b = (struct part){ k * f + block_pages_cost(c, hi - lo + 1), k,
			   hi - lo + 1 };
	return part_min(a, b);
}

/*
 * The cheapest cover of the sorted pages @v[0..n-1] by spans, block by
 * block: the state between blocks is whether a span goes on across the
 * boundary. Crossing m blocks with no page costs m whole blocks.
 */
static struct part level_cover(const struct cost *c, const struct need *v,
			       size_t n, unsigned long *off)
{
	const struct part none = { INFINITY, 0, 0 };
	double f = c->t_setup + c->t_inval;
	struct part open = none, closed = { 0, 0, 0 };
	unsigned long prev = 0;
	size_t i = 0, k;

	while (i < n) {
		unsigned long blk = v[i].page >> BLOCK_SHIFT;
		struct part oin, cin, step;

		for (k = 0; i + k < n && v[i + k].page >> BLOCK_SHIFT == blk; k++)
			off[k] = v[i + k].page & (BLOCK_PAGES - 1);
		if (i) {
			unsigned long gap = blk - prev - 1;

			step = (struct part){ gap * block_pages_cost(c, BLOCK_PAGES),
					      0, gap * BLOCK_PAGES };
			oin = part_add(open, step);
			cin = part_min(closed, open);
		} else {
			oin = none;
			cin = closed;
		}
		oin = part_min(oin, part_add(cin, (struct part){ f, 1, 0 }));
		open = part_min(part_add(oin, block_cover(c, off, k, true, true)),
				part_add(cin, block_cover(c, off, k, false, true)));
		closed = part_min(part_add(oin, block_cover(c, off, k, true, false)),
				  part_add(cin, block_cover(c, off, k, false, false)));
		prev = blk;
		i += k;
	}
	return part_min(open, closed);
}

/* Covers of every level: pages that must move at least 1, 2, ... times. */
static struct part cover_levels(const struct cost *c, struct need *v, size_t n)
{
	unsigned long *off = xrealloc(NULL, BLOCK_PAGES * sizeof(*off));
	struct part sum = { 0, 0, 0 };
	unsigned long lvl;
	size_t i, k;

	for (lvl = 1; n; lvl++) {
		sum = part_add(sum, level_cover(c, v, n, off));
		for (i = 0, k = 0; i < n; i++)
			if (v[i].count > lvl)
				v[k++] = v[i];
		n = k;
	}
	free(off);
	return sum;
}

struct heap_ent {
	size_t key;
	size_t id;
};

static void heap_push(struct heap_ent **h, size_t *n, size_t *cap,
		      struct heap_ent e)
{
	size_t i;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 4096;
		*h = xrealloc(*h, *cap * sizeof(**h));
	}
	for (i = (*n)++; i && (*h)[(i - 1) / 2].key < e.key; i = (i - 1) / 2)
		(*h)[i] = (*h)[(i - 1) / 2];
	(*h)[i] = e;
}

static struct heap_ent heap_pop(struct heap_ent *h, size_t *n)
{
	struct heap_ent top = h[0], e = h[--(*n)];
	size_t i = 0, ch;

	for (;;) {
		ch = 2 * i + 1;
		if (ch >= *n)
			break;
		if (ch + 1 < *n && h[ch + 1].key > h[ch].key)
			ch++;
		if (h[ch].key <= e.key)
			break;
		h[i] = h[ch];
		i = ch;
	}
	if (*n)
		h[i] = e;
	return top;
}

/*
 * Capacity misses of Belady's MIN at page granularity with @vram pages:
 * GPU touches load pages, CPU touches take them out of device memory. A
 * page whose next touch is the CPU's (or that is never touched again) is
 * evicted first and for free: it leaves anyway. @key[w] is the time of the
 * next GPU touch of the page touched at w, or SIZE_MAX; @first[w] marks
 * the first GPU touch after a CPU touch or ever (a load every schedule
 * makes).
 */
static unsigned long belady_misses(const struct touch *tv, size_t n,
				   const size_t *id, const size_t *key,
				   const bool *first, size_t nids,
				   unsigned long vram)
{
	size_t *cur = xrealloc(NULL, nids * sizeof(*cur)), hn = 0, hcap = 0, w;
	bool *in = calloc(nids ? nids : 1, sizeof(*in));
	unsigned long misses = 0, resident = 0;
	struct heap_ent *h = NULL;

	if (!in)
		die("calloc", -ENOMEM);
	for (w = 0; w < n; w++) {
		size_t i = id[w];

		if (tv[w].who == 'c') {
			if (in[i]) {
				in[i] = false;
				resident--;
			}
			continue;
		}
		if (!in[i]) {
			if (!first[w])
				misses++;
			while (resident >= vram) {
				struct heap_ent e = heap_pop(h, &hn);

				if (in[e.id] && cur[e.id] == e.key) {
					in[e.id] = false;
					resident--;
				}
			}
			in[i] = true;
			resident++;
		}
		cur[i] = key[w];
		heap_push(&h, &hn, &hcap, (struct heap_ent){ key[w], i });
	}
	free(h);
	free(in);
	free(cur);
	return misses;
}

/*
 * The oracle takes no fault and pays only the migrations every policy must
 * make. A page moves to the device before its first GPU touch, back to
 * system memory before a CPU touch that follows, and to the device again
 * before the next GPU touch. Those moves are covered, level by level (the
 * pages that must move to the device at least once, at least twice, ...,
 * and the same for system memory), by the spans that minimise modelled
 * time, ignoring when the moves happen: a policy's migrations are one
 * such cover. With a VRAM capacity, each capacity miss of Belady's MIN
 * adds two page moves (out and back in) at the cheapest page price. Two
 * steps are not proven (a bridged page is priced even if a policy would
 * find it in place; with THP an extra move can be free inside a folio), so
 * svm-sim checks the bound: it fails if any policy beats the oracle.
 */
static void run_oracle(const struct trace *t, const struct cost *c,
		       unsigned long vram, struct result *out)
{
	size_t n, i, j, nd = 0, ns = 0, nids = 0;
	struct touch *tv = touches(t, &n);
	struct need *dev = xrealloc(NULL, n * sizeof(*dev));
	struct need *sys = xrealloc(NULL, n * sizeof(*sys));
	size_t *id = xrealloc(NULL, n * sizeof(*id));
	size_t *key = xrealloc(NULL, n * sizeof(*key));
	bool *first = xrealloc(NULL, n * sizeof(*first));
	struct part d, s;
	char *who = xrealloc(NULL, n);

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		who[i] = tv[i].who;
	qsort(tv, n, sizeof(*tv), cmp_touch);
	for (i = 0; i < n; i = j) {
		unsigned long dm = 0, sm = 0;
		char state = 's';		/* 's': system memory, 'd': device */

		for (j = i; j < n && tv[j].page == tv[i].page; j++) {
			size_t w = tv[j].when;

			id[w] = nids;
			first[w] = false;
			key[w] = j + 1 < n && tv[j + 1].page == tv[j].page &&
				 tv[j + 1].who == 'g' ? tv[j + 1].when : SIZE_MAX;
			if (tv[j].who == 'g' && state == 's') {
				dm++;
				state = 'd';
				first[w] = true;
			} else if (tv[j].who == 'c' && state == 'd') {
				sm++;
				state = 's';
			}
		}
		nids++;
		if (dm)
			dev[nd++] = (struct need){ tv[i].page, dm };
		if (sm)
			sys[ns++] = (struct need){ tv[i].page, sm };
	}
	d = cover_levels(c, dev, nd);
	s = cover_levels(c, sys, ns);
	out->migrations = d.spans + s.spans;
	out->invals = out->migrations;
	out->pages = d.pages + s.pages;
	out->t = d.t + s.t;
	if (vram) {
		/* Back in trace order for MIN. */
		for (i = 0; i < n; i++)
			tv[i] = (struct touch){ 0, i, who[i] };
		out->evictions = belady_misses(tv, n, id, key, first, nids, vram);
		out->pages += 2 * out->evictions;
		out->t += 2 * out->evictions *
			  fmin(page_cost(c), folio_cost(c) / BLOCK_PAGES);
	}
	out->t *= c->oracle_scale;
	free(who);
	free(first);
	free(key);
	free(id);
	free(sys);
	free(dev);
	free(tv);
}

/* Distinct pages of the trace touched (by the GPU or the CPU). */
static unsigned long distinct_pages(const struct trace *t)
{
	size_t n, i;
	struct touch *tv = touches(t, &n);
	unsigned long k = 0;

	qsort(tv, n, sizeof(*tv), cmp_touch);
	for (i = 0; i < n; i++)
		if (!i || tv[i].page != tv[i - 1].page)
			k++;
	free(tv);
	return k;
}

/* ---- output ---- */

static void write_chart(FILE *f, struct trace *tr, int nt, struct result (*res)[NR_POL])
{
	static const char *const color[NR_POL] = {
		"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#7f7f7f",
	};
	int bw = 18, gw = bw * NR_POL + 16, w = gw * nt + 120, h = 380, i;
	double maxlog = 1.0;
	size_t p;

	for (i = 0; i < nt; i++)
		for (p = 0; p < NR_POL; p++)
			if (res[i][POL_ORACLE].t > 0)
				maxlog = fmax(maxlog, log10(res[i][p].t /
							    res[i][POL_ORACLE].t));
	maxlog = ceil(maxlog);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	fprintf(f, " width=\"%d\" height=\"%d\"", w, h);
	fprintf(f, " font-family=\"sans-serif\" font-size=\"10\">\n");
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
		int x0 = 70 + gw * i;

		for (p = 0; p < NR_POL; p++) {
			double ratio = res[i][POL_ORACLE].t > 0 ?
				       res[i][p].t / res[i][POL_ORACLE].t : 1;
			int bh = (int)(250 * log10(fmax(ratio, 1)) / maxlog) + 2;

			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\"",
				x0 + bw * (int)p, 300 - bh, bw - 2);
			fprintf(f, " height=\"%d\" fill=\"%s\">", bh, color[p]);
			fprintf(f, "<title>%s %s: %.2fx</title></rect>\n",
				tr[i].name, pol_label(p), ratio);
		}
		fprintf(f, "<text transform=\"translate(%d,312) rotate(30)\">%s</text>\n",
			x0 + 4, tr[i].name);
	}
	for (p = 0; p < NR_POL; p++) {
		fprintf(f, "<rect x=\"%d\" y=\"360\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			70 + 130 * (int)p, color[p]);
		fprintf(f, "<text x=\"%d\" y=\"370\">%s</text>\n", 86 + 130 * (int)p,
			pol_label(p));
	}
	fputs("</svg>\n", f);
}

static const char *const csv_columns[] = {
	"trace", "policy", "faults", "migrations", "pages_moved",
	"amplification", "splits", "invalidations", "evictions", "time_us",
	"ratio",
};

static const char *const usage =
	"usage: svm-sim [--trace FILE]... [--svg FILE] [--csv] [--thp] [--vram-mib N]\n"
	"               [--t-fault US] [--t-setup US] [--c-page US] [--bw GBPS]\n"
	"               [--t-inval US] [--c-folio US] [--bw-thp GBPS] [--t-split US]\n"
	"               [--t-retry US] [--xnack-off]\n"
	"       svm-sim --property N [--seed S] [--csv]\n";

/* @v as the options take it: "0.000001", "1000000000". */
static void print_param(double v)
{
	fprintf(stderr, v == floor(v) ? "%.0f" : "%.6f", v);
}

/*
 * A time or bandwidth option in [@min, @max]: a whole number by the
 * scripts' rule (svm_replay_number(): decimal without a leading zero, or
 * 0x-hex), or decimal digits by that rule, a point and at least one digit
 * ("1.375", "0.5"; not ".5", "5.", "1e3", "0x1.8", "+1", "inf"). 0, or -1
 * after one error line.
 */
static int param(const char *opt, const char *arg, double min, double max,
		 double *v)
{
	const char *dot = strchr(arg, '.');
	unsigned long whole;
	char buf[32];
	int ret;

	if (!dot) {
		ret = svm_replay_number(arg, &whole);
		*v = whole;
	} else if (dot - arg >= (long)sizeof(buf) || !dot[1] ||
		   strspn(dot + 1, "0123456789") != strlen(dot + 1)) {
		ret = -EINVAL;
	} else {
		/* The whole part, decimal: 0x-hex takes no fraction. */
		memcpy(buf, arg, dot - arg);
		buf[dot - arg] = '\0';
		ret = svm_replay_number(buf, &whole);
		if (!ret && buf[0] == '0' && buf[1] == 'x')
			ret = -EINVAL;
		/* Digits only now: strtod() reads them as written. */
		if (!ret)
			*v = strtod(arg, NULL);
	}
	if (ret == -EINVAL) {
		fprintf(stderr, "svm-sim: %s '%s' is not a number (decimal[.digits] or 0x-hex)\n",
			opt, arg);
		return -1;
	}
	if (ret || !(*v >= min) || !(*v <= max)) {
		fprintf(stderr, "svm-sim: %s %s is out of range: ", opt, arg);
		print_param(min);
		fputs(" .. ", stderr);
		print_param(max);
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

static void print_row(const struct trace *t, size_t p, const struct result *r,
		      double oracle_t, unsigned long ntouch, bool csv)
{
	double rel = oracle_t > 0 ? r->t / oracle_t : 1;
	double amp = ntouch ? (double)r->pages / ntouch : 0;

	if (csv) {
		printf("%s,%s,%lu,%lu,%lu,%.4f,%lu,%lu,%lu,%.1f,%.4f\n", t->name,
		       pol_name(p), r->faults, r->migrations, r->pages, amp,
		       r->splits, r->invals, r->evictions, r->t, rel);
		return;
	}
	printf("%-19s %-14s %8lu %8lu %10.1f %7.2f %6lu %8lu %7lu %10.2f %8.2f\n",
	       t->name, pol_label(p), r->faults, r->migrations,
	       r->pages * PAGE_BYTES / (1 << 20), amp, r->splits, r->invals,
	       r->evictions, r->t / 1000, rel);
}

/* Free the traces read so far, for an early exit with status 2. */
static int bail(struct trace *tr)
{
	int i;

	for (i = 0; i < MAX_TRACES; i++)
		free(tr[i].ev);
	return 2;
}

/* ---- the property check: generated traces against the stated bound ---- */

/*
 * The bound of the adaptive window against the better of pages and the
 * block, per block of n pages (1 .. 512), with the model's w and the
 * rule's j (the core told the model's w, rounded; --test-fault-pages,
 * which breaks the rule, leaves the bound as stated): see
 * svm_core_gpu_fault(). Rentals move one page each.
 */
static double block_bound(const struct cost *c)
{
	double w = fault_pages(c), worst = 1;
	unsigned long wc = (unsigned long)fmin(floor(w + 0.5), 65535), n, j;

	for (n = 1; n <= BLOCK_PAGES; n++) {
		double buy = w + n, a, b;

		j = n / (wc + 1) + (n % (wc + 1) + wc) / (wc + 1);
		/* m <= j faults: pages exactly, against min(pages, block) */
		a = j * (w + 1) / fmin(j * (w + 1), buy);
		/* m > j: j rentals and one buy, against min((j+1)(w+1), block) */
		b = j < n ? ((j + 1) * w + n) / fmin((j + 1) * (w + 1), buy) : 1;
		worst = fmax(worst, fmax(a, b));
	}
	return worst;
}

/*
 * rho: how far the block windows of the trace's ranges can cost more than
 * moving each range whole, 1 + (T - 1) w / (w + N) for a range of N pages
 * over T blocks.
 */
static double whole_factor(const struct trace *t, const struct cost *c)
{
	double w = fault_pages(c), rho = 1;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct event *e = &t->ev[i];
		double blocks, npages;

		if (e->who != 'r')
			continue;
		blocks = (e->last >> BLOCK_SHIFT) - (e->page >> BLOCK_SHIFT) + 1;
		npages = e->last - e->page + 1.0;
		rho = fmax(rho, 1 + (blocks - 1) * w / (w + npages));
	}
	return rho;
}

static unsigned long rnd_below(unsigned long n)
{
	return n ? rnd64() % n : 0;
}

/* A new range of @npages at a random page offset after *@next. */
static unsigned long gen_range(struct trace *t, unsigned long *next,
			       unsigned long npages)
{
	unsigned long start = *next + rnd_below(BLOCK_PAGES);

	add(t, 'r', start, 0, start + npages - 1);
	*next = start + npages + rnd_below(4) * BLOCK_PAGES;
	return start;
}

/* A random order of 0 .. n-1 in @v. */
static void shuffle(unsigned long *v, unsigned long n)
{
	unsigned long i, k, x;

	for (i = 0; i < n; i++)
		v[i] = i;
	for (i = n; i > 1; i--) {
		k = rnd_below(i);
		x = v[i - 1];
		v[i - 1] = v[k];
		v[k] = x;
	}
}

static const char *const families[] = {
	"stream-up", "stream-down", "strided", "random", "zipf", "clustered",
	"small-ranges", "phases", "cpu-between", "mixed-sizes",
};

/*
 * One generated trace of family @fam: a few ranges of up to 8192 pages and
 * at most some 6,000 page touches, so that 1,000 of them run in seconds.
 */
static void gen_trace(struct trace *t, unsigned int fam)
{
	unsigned long next = BASE, n = 512 + rnd_below(7681), a, i, k, pass;
	unsigned long nt = 500 + rnd_below(3500), *v;

	switch (fam) {
	case 0:	/* streams up, in chunks, one or more passes */
	case 1:	/* and down */
		a = gen_range(t, &next, n);
		k = 1 + rnd_below(32);
		for (pass = 0; pass < 1 + rnd_below(3); pass++)
			for (i = 0; i < n; i += k) {
				unsigned long cnt = k < n - i ? k : n - i;

				add(t, 'g', fam ? a + n - i - cnt : a + i, cnt, 0);
			}
		break;
	case 2:	/* strides */
		a = gen_range(t, &next, n);
		k = 2 + rnd_below(200);
		for (pass = 0; pass < 1 + rnd_below(3); pass++)
			for (i = rnd_below(k); i < n; i += k)
				add(t, 'g', a + i, 1, 0);
		break;
	case 3:	/* uniform random */
		a = gen_range(t, &next, n);
		for (i = 0; i < nt; i++)
			add(t, 'g', a + rnd_below(n), 1, 0);
		break;
	case 4:	/* zipf-like: few hot pages, scattered */
		a = gen_range(t, &next, n);
		for (i = 0; i < nt; i++) {
			double r = pow(1.0 - rndf(), -1.0 / (0.1 + rndf()));
			unsigned long rank = r >= n ? n - 1 : (unsigned long)r - 1;

			add(t, 'g', a + (rank * 2654435761UL) % n, 1, 0);
		}
		break;
	case 5:	/* clustered: dense touches in a few blocks of the range */
		a = gen_range(t, &next, n);
		for (k = 0; k < 1 + rnd_below(6); k++) {
			unsigned long c0 = rnd_below(n), span = 16 + rnd_below(600);
			unsigned long cnt = 1 + rnd_below(400);

			for (i = 0; i < cnt; i++)
				add(t, 'g', a + (c0 + rnd_below(span)) % n, 1, 0);
		}
		break;
	case 6:	/* many small ranges, each read whole, in a shuffled order */
		k = 2 + rnd_below(38);
		v = xrealloc(NULL, k * sizeof(*v));
		{
			unsigned long st[40], len[40];

			for (i = 0; i < k; i++) {
				len[i] = 1 + rnd_below(BLOCK_PAGES);
				st[i] = gen_range(t, &next, len[i]);
			}
			shuffle(v, k);
			for (i = 0; i < k; i++) {
				unsigned long *o = xrealloc(NULL, len[v[i]] * sizeof(*o));
				unsigned long p;

				shuffle(o, len[v[i]]);
				for (p = 0; p < len[v[i]]; p++)
					add(t, 'g', st[v[i]] + o[p], 1, 0);
				free(o);
			}
		}
		free(v);
		break;
	case 7:	/* phases: a stream, then random touches, then a stream */
		a = gen_range(t, &next, n);
		for (i = 0; i < n / 2; i += 8)
			add(t, 'g', a + i, 8 < n / 2 - i ? 8 : n / 2 - i, 0);
		for (i = 0; i < nt / 2; i++)
			add(t, 'g', a + rnd_below(n), 1, 0);
		for (i = n / 2; i < n; i += 8)
			add(t, 'g', a + i, 8 < n - i ? 8 : n - i, 0);
		break;
	case 8:	/* GPU passes with CPU touches between them */
		a = gen_range(t, &next, n);
		k = 1 + rnd_below(64);
		for (pass = 0; pass < 2 + rnd_below(4); pass++) {
			if (rnd_below(2))
				for (i = 0; i < n; i += 16)
					add(t, 'g', a + i, 16 < n - i ? 16 : n - i, 0);
			else
				for (i = 0; i < nt / 4; i++)
					add(t, 'g', a + rnd_below(n), 1, 0);
			for (i = 0; i < k; i++)
				add(t, 'c', a + rnd_below(n), 1 + rnd_below(8), 0);
		}
		break;
	default: /* ranges smaller and larger than a block, random touches */
		k = 2 + rnd_below(8);
		for (i = 0; i < k; i++) {
			unsigned long len = 1 + rnd_below(rnd_below(2) ? BLOCK_PAGES :
							  4 * BLOCK_PAGES);
			unsigned long st = gen_range(t, &next, len);
			unsigned long cnt = 1 + rnd_below(len < 300 ? len : 300);

			while (cnt--)
				add(t, 'g', st + rnd_below(len), 1, 0);
		}
		break;
	}
}

/*
 * --property N: N generated traces (trace i from seed S + i, family i mod
 * the number of families, a third of them with a VRAM capacity), each run
 * under every policy and the oracle. Checked on each: the adaptive window
 * is never below the oracle; within c rho of the best fixed policy (see
 * block_bound() and whole_factor()) on traces without CPU faults and
 * capacity, where the bound is proven; within c of the fixed window on
 * traces with CPU touches (proven there too, against the window only).
 * Prints one line over the traces the bound covers (no CPU touches, no
 * capacity), or with --csv one row per trace.
 */
static int run_property(struct cost *c, unsigned long n, u64 seed, bool csv)
{
	static const char *const fmt =
		"sim-property: %lu traces, worst adaptive/best fixed %.3f, bound %.3f\n";
	double cb, worst = 0, bound = 0;
	unsigned long i, bad = 0, covered = 0;
	size_t p;

	c->retry_us = 0;	/* the bound's model has no retry suppression */
	cb = block_bound(c);
	if (csv)
		printf("%s,%s\n", "trace,family,seed,vram,cpu,best_fixed",
		       "adaptive_over_best,bound,adaptive_ratio,window_ratio");
	for (i = 0; i < n; i++) {
		struct trace t = { 0 };
		struct result res[NR_POL];
		unsigned int fam = i % ARRAY_SIZE(families);
		double best = INFINITY, b, x;
		size_t bestp = 0;
		bool cpu = fam == 8;

		rng_state = (seed + i) * 0x9e3779b97f4a7c15ULL | 1;
		gen_trace(&t, fam);
		snprintf(t.name, sizeof(t.name), "%s#%llu", families[fam],
			 (unsigned long long)(seed + i));
		if (rnd_below(3) == 0)
			t.vram = BLOCK_PAGES + footprint(&t) / (1.25 + 2 * rndf());
		for (p = 0; p < ARRAY_SIZE(policies); p++)
			run_policy(&t, &policies[p], c, t.vram, &res[p]);
		run_oracle(&t, c, t.vram, &res[POL_ORACLE]);
		for (p = 0; p < ARRAY_SIZE(policies); p++)
			if (p != POL_ADAPTIVE && res[p].t < best) {
				best = res[p].t;
				bestp = p;
			}
		b = cb * whole_factor(&t, c);
		x = res[POL_ADAPTIVE].t / best;
		if (!t.vram && !cpu) {
			covered++;
			bound = fmax(bound, b);
			worst = fmax(worst, x);
		}
		if (res[POL_ADAPTIVE].t < res[POL_ORACLE].t * 0.999999999) {
			fprintf(stderr, "svm-sim: %s: adaptive below the oracle\n", t.name);
			bad++;
		}
		if (!t.vram && !cpu && x > b * (1 + EPS)) {
			fprintf(stderr,
				"svm-sim: %s: adaptive %.4fx the best fixed (%s), bound %.4f\n",
				t.name, x, policies[bestp].name, b);
			bad++;
		}
		if (!t.vram && cpu &&
		    res[POL_ADAPTIVE].t > cb * res[POL_WINDOW].t * (1 + EPS)) {
			fprintf(stderr, "svm-sim: %s: adaptive %.4fx the window, bound %.4f\n",
				t.name, res[POL_ADAPTIVE].t / res[POL_WINDOW].t, cb);
			bad++;
		}
		if (csv)
			printf("%s,%s,%llu,%lu,%d,%s,%.4f,%.4f,%.4f,%.4f\n", t.name,
			       families[fam], (unsigned long long)(seed + i), t.vram,
			       cpu, policies[bestp].name, x, b,
			       res[POL_ADAPTIVE].t / res[POL_ORACLE].t,
			       res[POL_WINDOW].t / res[POL_ORACLE].t);
		free(t.ev);
	}
	if (!csv)
		printf(fmt, covered, worst, bound);
	if (svm_shim_live) {
		fprintf(stderr, "svm-sim: %ld allocations leaked\n", svm_shim_live);
		bad++;
	}
	return bad ? 1 : 0;
}

/* Calibration: see the parameter table in README.md for each source. */
#define DEFAULT_COST { .t_fault = 20, .t_setup = 15, .c_page = 1.375,	\
		       .bw = 9.40, .t_inval = 10, .c_folio = 7,		\
		       .bw_thp = 19.8, .t_split = 10, .oracle_scale = 1,	\
		       .retry_us = 2000, .fault_pages = -1 }

int main(int argc, char **argv)
{
	struct cost c = DEFAULT_COST;
	struct trace tr[MAX_TRACES] = { 0 };
	struct result (*res)[NR_POL];
	const char *svg_path = NULL;
	unsigned long vram_mib = 0;		/* 0: unlimited */
	unsigned long touches_left = MAX_TOUCHES;
	unsigned long nprop = 0, seed = 1, test_fp = ULONG_MAX;
	int nt = 0, i, bad = 0;
	bool csv = false;
	FILE *svg = NULL;
	size_t p;

	for (i = 1; i < argc; i++) {
		const struct {
			const char *opt;
			double *v;
			double min;
		} num[] = {
			{ "--t-fault", &c.t_fault, 0 },
			{ "--t-setup", &c.t_setup, 0 },
			{ "--c-page", &c.c_page, 0 },
			{ "--bw", &c.bw, MIN_BW },
			{ "--t-inval", &c.t_inval, 0 },
			{ "--c-folio", &c.c_folio, 0 },
			{ "--bw-thp", &c.bw_thp, MIN_BW },
			{ "--t-split", &c.t_split, 0 },
			{ "--t-retry", &c.retry_us, 0 },
			{ "--test-oracle-scale", &c.oracle_scale, 0 },	/* tests only */
		};
		/* whole numbers, by the scripts' rule */
		const struct {
			const char *opt;
			unsigned long *v;
			unsigned long min, max;
		} whole[] = {
			{ "--vram-mib", &vram_mib, 2, MAX_VRAM_MIB },
			{ "--property", &nprop, 1, MAX_PROPERTY },
			{ "--seed", &seed, 1, ULONG_MAX },
			{ "--test-fault-pages", &test_fp, 0, 65535 },	/* tests only */
		};
		const char *opt = argv[i];
		double *v = NULL, min = 0;
		const typeof(whole[0]) *w = NULL;

		if (!strcmp(opt, "--csv")) {
			csv = true;
			continue;
		}
		if (!strcmp(opt, "--thp")) {
			c.thp = true;
			continue;
		}
		if (!strcmp(opt, "--xnack-off")) {
			c.xnack_off = true;
			continue;
		}
		if (svm_replay_help(opt, usage)) {
			bail(tr);
			return 0;
		}
		for (p = 0; p < ARRAY_SIZE(num); p++) {
			if (!strcmp(opt, num[p].opt)) {
				v = num[p].v;
				min = num[p].min;
			}
		}
		for (p = 0; p < ARRAY_SIZE(whole); p++)
			if (!strcmp(opt, whole[p].opt))
				w = &whole[p];
		if (!v && !w && strcmp(opt, "--svg") && strcmp(opt, "--trace")) {
			fprintf(stderr, "svm-sim: unknown option '%s' (--help lists them)\n",
				opt);
			return bail(tr);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "svm-sim: %s needs a value\n", opt);
			return bail(tr);
		}
		if (v) {
			if (param(opt, argv[++i], min, MAX_PARAM, v))
				return bail(tr);
			continue;
		}
		if (w) {
			if (svm_replay_arg("svm-sim", opt, argv[++i], w->min,
					   w->max, w->v))
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
		if (read_trace(argv[++i], &tr[nt], &touches_left))
			return bail(tr);
		nt++;
	}
	if (test_fp != ULONG_MAX)
		c.fault_pages = (long)test_fp;
	if (nprop) {
		if (nt || svg_path || c.thp || c.xnack_off || vram_mib) {
			fprintf(stderr,
				"svm-sim: --property takes no trace, --svg, --thp, --xnack-off or --vram-mib\n");
			return bail(tr);
		}
		return run_property(&c, nprop, seed, csv);
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
	for (i = 0; i < nt; i++)
		tr[i].vram = vram_mib * 256;
	if (!nt) {
		rng_state = 0x5eed5eed5eedULL;	/* the built-in traces are fixed */
		for (nt = 0; nt < (int)ARRAY_SIZE(builtin); nt++) {
			snprintf(tr[nt].name, sizeof(tr[nt].name), "%s",
				 builtin[nt].name);
			builtin[nt].make(&tr[nt]);
			tr[nt].vram = vram_mib * 256;
		}
		for (p = 0; p < ARRAY_SIZE(oversub); p++, nt++) {
			struct trace *src = &tr[oversub[p].idx];
			char name[sizeof(src->name)];

			memcpy(name, src->name, sizeof(name));
			snprintf(tr[nt].name, sizeof(tr[nt].name), "%.24s@%gx",
				 name, oversub[p].factor);
			tr[nt].ev = xrealloc(NULL, src->n * sizeof(*src->ev));
			memcpy(tr[nt].ev, src->ev, src->n * sizeof(*src->ev));
			tr[nt].n = src->n;
			tr[nt].cap = src->n;
			tr[nt].vram = (unsigned long)(footprint(src) /
						      oversub[p].factor);
		}
	}
	res = xrealloc(NULL, nt * sizeof(*res));

	if (csv) {
		for (p = 0; p < ARRAY_SIZE(csv_columns); p++)
			printf("%s%c", csv_columns[p],
			       p + 1 < ARRAY_SIZE(csv_columns) ? ',' : '\n');
	} else {
		printf("cost model: t_fault %g us, t_setup %g us, c_page %g us/page,",
		       c.t_fault, c.t_setup, c.c_page);
		printf(" BW %g GB/s, t_inval %g us, t_split %g us", c.bw,
		       c.t_inval, c.t_split);
		if (c.thp)
			printf(", THP: c_folio %g us, BW %g GB/s", c.c_folio,
			       c.bw_thp);
		printf("\n\n%-19s %-14s %8s %8s %10s %7s %6s %8s %7s %10s %8s\n",
		       "trace", "policy", "faults", "migr", "MiB moved",
		       "amplif", "splits", "invals", "evict", "T (ms)",
		       "T/oracle");
	}
	for (i = 0; i < nt; i++) {
		unsigned long ntouch = distinct_pages(&tr[i]);

		for (p = 0; p < ARRAY_SIZE(policies); p++)
			run_policy(&tr[i], &policies[p], &c, tr[i].vram,
				   &res[i][p]);
		run_oracle(&tr[i], &c, tr[i].vram, &res[i][POL_ORACLE]);
		for (p = 0; p < NR_POL; p++) {
			const struct result *r = &res[i][p];

			print_row(&tr[i], p, r, res[i][POL_ORACLE].t, ntouch, csv);
			if (!isfinite(r->t)) {
				fprintf(stderr, "svm-sim: %s on %s: time is not finite\n",
					pol_label(p), tr[i].name);
				bad = 1;
			}
			/* The oracle is a lower bound: beating it means a bug. */
			if (r->t < res[i][POL_ORACLE].t * 0.999999999) {
				fprintf(stderr,
					"svm-sim: %s beats the oracle on %s: the model is wrong\n",
					pol_label(p), tr[i].name);
				bad = 1;
			}
		}
	}
	if (svg) {
		write_chart(svg, tr, nt, res);
		if (fclose(svg)) {
			fprintf(stderr, "svm-sim: cannot write %s\n", svg_path);
			bad = 1;
		} else if (!csv) {
			printf("\nchart: %s\n", svg_path);
		}
	}
	for (i = 0; i < nt; i++)
		free(tr[i].ev);
	free(res);
	if (svm_shim_live) {
		fprintf(stderr, "svm-sim: %ld allocations leaked\n", svm_shim_live);
		bad = 1;
	}
	return bad;
}
