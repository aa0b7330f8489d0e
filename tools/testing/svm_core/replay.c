// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-replay: the scenario language, executed through lib/svm_core with a
 * fake device that moves every page it is asked to, except pages a "fail"
 * line pinned for the next migration. See README.md for the language.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "../../../lib/svm_core/tests/svm_core_apply.h"

#define MAX_TOKENS 8

static int fail(struct svm_replay *rp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rp->err, sizeof(rp->err), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The one rule for numbers, in scripts and on the tools' command lines:
 * decimal without a leading zero ("0" itself is fine), or "0x" and hex
 * digits of either case. No sign, no space, no "0X", no octal.
 */
int svm_replay_number(const char *tok, unsigned long *val)
{
	unsigned int base = 10, d;
	unsigned long v = 0;
	bool big = false;

	if (tok[0] == '0' && tok[1] == 'x') {
		base = 16;
		tok += 2;
	} else if (tok[0] == '0' && tok[1]) {
		return -EINVAL;
	}
	if (!*tok)
		return -EINVAL;
	for (; *tok; tok++) {
		if (isdigit((unsigned char)*tok))
			d = *tok - '0';
		else if (base == 16 && isxdigit((unsigned char)*tok))
			d = tolower((unsigned char)*tok) - 'a' + 10;
		else
			return -EINVAL;
		if (v > (ULONG_MAX - d) / base)
			big = true;
		else
			v = v * base + d;
	}
	if (big)
		return -ERANGE;
	*val = v;
	return 0;
}

int svm_replay_arg(const char *tool, const char *name, const char *arg,
		   unsigned long min, unsigned long max, unsigned long *val)
{
	unsigned long v;
	int ret = svm_replay_number(arg, &v);

	if (ret == -EINVAL) {
		fprintf(stderr, "%s: %s '%s' is not a number (decimal or 0x-hex)\n",
			tool, name, arg);
		return -1;
	}
	if (ret || v < min || v > max) {
		fprintf(stderr, "%s: %s %s is out of range: %lu .. %lu\n", tool,
			name, arg, min, max);
		return -1;
	}
	*val = v;
	return 0;
}

bool svm_replay_help(const char *arg, const char *usage)
{
	if (strcmp(arg, "--help") && strcmp(arg, "-h"))
		return false;
	fputs(usage, stdout);
	return true;
}

/* A page number or other count, by svm_replay_number()'s rule. */
static int parse_number(struct svm_replay *rp, const char *tok,
			const char *what, unsigned long max, unsigned long *val)
{
	int ret;

	if (!isdigit((unsigned char)tok[0]))
		return fail(rp, "%s '%s' is not a page, count or id", what, tok);
	ret = svm_replay_number(tok, val);
	if (ret == -ERANGE)
		return fail(rp, "%s %s does not fit in %zu bits", what, tok,
			    sizeof(*val) * 8);
	if (ret)
		return fail(rp, "%s '%s' must be decimal or 0x-hex", what, tok);
	if (*val > max)
		return fail(rp, "%s %s is larger than %lu", what, tok, max);
	return 0;
}

static int location(struct svm_replay *rp, const char *tok, u32 *loc)
{
	unsigned long v;

	if (parse_number(rp, tok, "location", U32_MAX - 1, &v))
		return -1;
	*loc = v;
	return 0;
}

static int interval(struct svm_replay *rp, char **tok, unsigned long *start,
		    unsigned long *last)
{
	if (parse_number(rp, tok[0], "start", ULONG_MAX, start) ||
	    parse_number(rp, tok[1], "last", ULONG_MAX, last))
		return -1;
	if (*start > *last)
		return fail(rp, "start 0x%lx is after last 0x%lx", *start, *last);
	return 0;
}

/* ---- the fake device ---- */

int svm_replay_move(struct svm_core_range *r, u32 loc, unsigned long start,
		    unsigned long last, unsigned long *moved)
{
	unsigned long dev = svm_core_range_count_device(r, start, last);
	int ret;

	ret = svm_core_range_record(r, start, last, loc,
				    r->vram_pages ? r->offset : 0, GFP_KERNEL);
	if (ret < 0)
		return ret;
	*moved = loc ? last - start + 1 - dev : dev;
	return 0;
}

static int fake_move(struct svm_replay *rp, struct svm_core_range *r, u32 loc,
		     unsigned long start, unsigned long last, unsigned long *moved)
{
	unsigned long n;
	int ret;

	ret = svm_replay_move(r, loc, start, last, &n);
	if (ret)
		return ret;
	*moved += n;
	if (loc)
		rp->stats.to_dev += n;
	else
		rp->stats.to_sys += n;
	return 0;
}

static int fake_migrate(struct svm_core_range *r, u32 loc, unsigned long start,
			unsigned long last, void *priv)
{
	struct svm_replay *rp = priv;
	unsigned long s = start, moved = 0;
	bool pinned = rp->pinned;
	int ret = 0;

	rp->pinned = false;
	if (pinned && rp->pin_start <= last && rp->pin_last >= start) {
		if (rp->pin_start > s)
			ret = fake_move(rp, r, loc, s, rp->pin_start - 1, &moved);
		if (ret || rp->pin_last >= last)
			goto out;
		s = rp->pin_last + 1;
	}
	ret = fake_move(rp, r, loc, s, last, &moved);
out:
	if (moved)
		rp->stats.migrations++;
	return ret;
}

static const struct svm_core_ops fake_ops = {
	.migrate = fake_migrate,
};

/* ---- set-attributes and unmap through a plan ---- */

/* A range as the replay's driver keeps it: the core's, and an attribute. */
struct replay_range {
	struct svm_core_range core;
	u32 prefetch_loc;
};

static struct replay_range *to_rr(const struct svm_core_range *r)
{
	return container_of(r, struct replay_range, core);
}

enum attr { ATTR_PREFETCH, ATTR_GRAN, ATTR_UNMAP };

struct attr_req {
	enum attr attr;
	u32 value;
	struct svm_core_range **hit;	/* ranges the request covers */
	int nr_hit;
};

static bool attr_unchanged(const struct svm_core_range *r, void *priv)
{
	const struct attr_req *req = priv;

	if (req->attr == ATTR_PREFETCH)
		return to_rr(r)->prefetch_loc == req->value;
	return r->granularity == req->value;
}

static void attr_update(struct svm_core_range *r, void *priv)
{
	struct attr_req *req = priv;

	if (req->attr == ATTR_PREFETCH)
		to_rr(r)->prefetch_loc = req->value;
	else
		svm_core_range_set_granularity(r, req->value);
	req->hit[req->nr_hit++] = r;
}

static void attr_inherit(struct svm_core_range *part,
			 const struct svm_core_range *from, void *priv)
{
	to_rr(part)->prefetch_loc = to_rr(from)->prefetch_loc;
}

/* Range objects come from the shim's allocator: counted, and may fail. */
static struct svm_core_range *range_alloc(void *priv)
{
	struct replay_range *rr = kmalloc_array(1, sizeof(*rr), GFP_KERNEL);

	if (!rr)
		return NULL;
	memset(rr, 0, sizeof(*rr));
	rr->prefetch_loc = SVM_CORE_LOC_UNDEFINED;
	return &rr->core;
}

static void range_free(struct svm_core_range *r, void *priv)
{
	kfree(to_rr(r));
}

/*
 * Plan, allocate every range and split the plan needs, then apply it
 * (svm_core_apply.h). req->hit returns the ranges the request covers
 * (updated or new) for a prefetch to migrate.
 */
static int apply_plan(struct svm_replay *rp, unsigned long start,
		      unsigned long last, struct attr_req *req)
{
	struct svm_core_apply a = {
		.start = start,
		.last = last,
		.unmap = req->attr == ATTR_UNMAP,
		.max_pages = SVM_REPLAY_MAX_PAGES,
		.granularity = SVM_CORE_GRANULARITY_DEFAULT,
		.unchanged = attr_unchanged,
		.update = attr_update,
		.inherit = attr_inherit,
		.alloc = range_alloc,
		.free = range_free,
		.priv = req,
	};
	int n, ret;

	/* At most one range per step: size the list from the plan's count. */
	n = svm_core_set_plan(&rp->set, start, last,
			      a.unmap ? 0 : SVM_CORE_PLAN_FILL_GAPS,
			      a.unmap ? 0 : a.max_pages, NULL, NULL, NULL, 0);
	if (n < 0)
		return fail(rp, "cannot plan [0x%lx 0x%lx]: %s", start, last,
			    strerror(-n));
	req->hit = kmalloc_array((size_t)n + 1, sizeof(*req->hit), GFP_KERNEL);
	if (!req->hit)
		return fail(rp, "out of memory");
	ret = svm_core_apply_plan(&rp->set, &a);
	if (ret) {
		kfree(req->hit);
		req->hit = NULL;
		return fail(rp, "cannot apply [0x%lx 0x%lx]: %s", start, last,
			    strerror(-ret));
	}
	rp->stats.splits += a.splits;
	return 0;
}

/* ---- the commands ---- */

static struct svm_core_range *range_at(struct svm_replay *rp, unsigned long page)
{
	struct svm_core_range *r = svm_core_set_lookup(&rp->set, page);

	if (!r)
		fail(rp, "no range holds page 0x%lx", page);
	return r;
}

static int cmd_range(struct svm_replay *rp, char **tok, int n)
{
	unsigned long start, last, g = SVM_CORE_GRANULARITY_DEFAULT;
	struct svm_core_range *r;
	int ret;

	if (n != 3 && n != 4)
		return fail(rp, "usage: range <start> <last> [gran=<g>]");
	if (interval(rp, tok + 1, &start, &last))
		return -1;
	if (n == 4) {
		if (strncmp(tok[3], "gran=", 5))
			return fail(rp, "expected gran=<g>, got '%s'", tok[3]);
		if (parse_number(rp, tok[3] + 5, "granularity",
				 SVM_CORE_GRANULARITY_MAX, &g))
			return -1;
	}
	/* 2^64 pages: svm_core_range_init() refuses a count that cannot fit. */
	if (!start && last == ULONG_MAX)
		return fail(rp, "range [0x0 0x%lx] is the whole address space (2^64 pages)",
			    last);
	if (svm_core_set_first(&rp->set, start, last))
		return fail(rp, "range [0x%lx 0x%lx] overlaps a range", start,
			    last);
	r = range_alloc(NULL);
	if (!r)
		return fail(rp, "out of memory");
	ret = svm_core_range_init(r, start, last, g);
	if (!ret)
		ret = svm_core_set_insert(&rp->set, r);
	if (ret) {
		range_free(r, NULL);
		return fail(rp, "cannot register range [0x%lx 0x%lx]: %s", start,
			    last, strerror(-ret));
	}
	return 0;
}

static int cmd_gpu(struct svm_replay *rp, char **tok, int n)
{
	struct svm_core_decision d;
	struct svm_core_range *r;
	unsigned long page;
	u32 loc;

	if (n != 3)
		return fail(rp, "usage: gpu <page> <loc>");
	if (parse_number(rp, tok[1], "page", ULONG_MAX, &page) ||
	    location(rp, tok[2], &loc))
		return -1;
	r = range_at(rp, page);
	if (!r)
		return -1;
	rp->stats.faults++;
	/* The outcome (0, -EBUSY ...) is the simulated driver's business. */
	svm_core_gpu_fault_migrate(r, page, loc, &fake_ops, rp, &d);
	return 0;
}

static int cmd_cpu(struct svm_replay *rp, char **tok, int n)
{
	struct svm_core_decision d;
	struct svm_core_range *r;
	unsigned long page;

	if (n != 2)
		return fail(rp, "usage: cpu <page>");
	if (parse_number(rp, tok[1], "page", ULONG_MAX, &page))
		return -1;
	r = range_at(rp, page);
	if (!r)
		return -1;
	/* The CPU faults only on pages in device memory. */
	if (svm_core_range_page_loc(r, page) == SVM_CORE_LOC_SYSTEM)
		return 0;
	rp->stats.faults++;
	svm_core_cpu_fault(r, page, r->start, r->last, &d);
	svm_core_execute(r, &d, &fake_ops, rp);
	return 0;
}

static int cmd_attr(struct svm_replay *rp, char **tok, int n, enum attr attr)
{
	struct attr_req req = { .attr = attr };
	unsigned long start, last, v;
	int k;

	if (attr == ATTR_UNMAP && n != 3)
		return fail(rp, "usage: unmap <start> <last>");
	if (attr == ATTR_PREFETCH && n != 4)
		return fail(rp, "usage: prefetch <start> <last> <loc>");
	if (attr == ATTR_GRAN && n != 4)
		return fail(rp, "usage: gran <start> <last> <g>");
	if (interval(rp, tok + 1, &start, &last))
		return -1;
	if (attr == ATTR_PREFETCH && location(rp, tok[3], &req.value))
		return -1;
	if (attr == ATTR_GRAN) {
		if (parse_number(rp, tok[3], "granularity",
				 SVM_CORE_GRANULARITY_MAX, &v))
			return -1;
		req.value = v;
	}
	if (apply_plan(rp, start, last, &req))
		return -1;
	for (k = 0; attr == ATTR_PREFETCH && k < req.nr_hit; k++) {
		struct svm_core_range *r = req.hit[k];
		struct svm_core_decision d;

		svm_core_prefetch(r, to_rr(r)->prefetch_loc, &d);
		svm_core_execute(r, &d, &fake_ops, rp);
	}
	kfree(req.hit);
	return 0;
}

static int cmd_evict(struct svm_replay *rp, char **tok, int n)
{
	struct svm_core_range *r;
	u32 loc;

	if (n != 2)
		return fail(rp, "usage: evict <loc>");
	if (location(rp, tok[1], &loc))
		return -1;
	if (!loc)
		return fail(rp, "evict needs a device, not system memory");
	for (r = svm_core_set_first(&rp->set, 0, ULONG_MAX); r;
	     r = svm_core_set_next(r, ULONG_MAX))
		if (r->actual_loc == loc)
			svm_core_evict(r, SVM_CORE_EVICT_RETRIES, &fake_ops, rp);
	return 0;
}

static int cmd_fail(struct svm_replay *rp, char **tok, int n)
{
	unsigned long page, count = 1;

	if (n != 2 && n != 3)
		return fail(rp, "usage: fail <page> [<count>]");
	if (parse_number(rp, tok[1], "page", ULONG_MAX, &page) ||
	    (n == 3 && parse_number(rp, tok[2], "count", ULONG_MAX, &count)))
		return -1;
	if (!count || count - 1 > ULONG_MAX - page)
		return fail(rp, "count %lu does not fit from page 0x%lx", count,
			    page);
	rp->pinned = true;
	rp->pin_start = page;
	rp->pin_last = page + (count - 1);
	return 0;
}

void svm_replay_dump(const struct svm_replay *rp, FILE *out)
{
	const struct svm_replay_stats *st = &rp->stats;
	struct svm_core_range *r;

	for (r = svm_core_set_first(&rp->set, 0, ULONG_MAX); r;
	     r = svm_core_set_next(r, ULONG_MAX))
		fprintf(out, "range 0x%lx 0x%lx gran=%u loc=%u vram=%lu\n",
			r->start, r->last, r->granularity, r->actual_loc,
			r->vram_pages);
	fprintf(out, "stats faults=%lu migrations=%lu to_dev=%lu to_sys=%lu",
		st->faults, st->migrations, st->to_dev, st->to_sys);
	fprintf(out, " splits=%lu\n", st->splits);
}

/* Split @buf (a copy of the line, which it changes) and run the command. */
static int run_line(struct svm_replay *rp, char *buf, FILE *out)
{
	char *tok[MAX_TOKENS], *p, *save = NULL;
	int n = 0;

	p = strchr(buf, '#');
	if (p)
		*p = '\0';
	for (p = strtok_r(buf, " \t\r\n", &save); p;
	     p = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_TOKENS)
			return fail(rp, "too many words");
		tok[n++] = p;
	}
	if (!n)
		return 0;
	if (!strcmp(tok[0], "range"))
		return cmd_range(rp, tok, n);
	if (!strcmp(tok[0], "gpu"))
		return cmd_gpu(rp, tok, n);
	if (!strcmp(tok[0], "cpu"))
		return cmd_cpu(rp, tok, n);
	if (!strcmp(tok[0], "prefetch"))
		return cmd_attr(rp, tok, n, ATTR_PREFETCH);
	if (!strcmp(tok[0], "gran"))
		return cmd_attr(rp, tok, n, ATTR_GRAN);
	if (!strcmp(tok[0], "unmap"))
		return cmd_attr(rp, tok, n, ATTR_UNMAP);
	if (!strcmp(tok[0], "evict"))
		return cmd_evict(rp, tok, n);
	if (!strcmp(tok[0], "fail"))
		return cmd_fail(rp, tok, n);
	if (!strcmp(tok[0], "dump")) {
		if (n != 1)
			return fail(rp, "usage: dump");
		svm_replay_dump(rp, out);
		return 0;
	}
	return fail(rp, "unknown command '%s'", tok[0]);
}

/* A line of any length: it is copied whole, never cut. */
int svm_replay_line(struct svm_replay *rp, const char *line, FILE *out)
{
	char *buf;
	int ret;

	rp->err[0] = '\0';
	buf = strdup(line);
	if (!buf)
		return fail(rp, "out of memory");
	ret = run_line(rp, buf, out);
	free(buf);
	return ret;
}

void svm_replay_init(struct svm_replay *rp)
{
	memset(rp, 0, sizeof(*rp));
	svm_core_set_init(&rp->set);
}

void svm_replay_destroy(struct svm_replay *rp)
{
	struct svm_core_range *r;

	while ((r = svm_core_set_first(&rp->set, 0, ULONG_MAX))) {
		svm_core_set_remove(&rp->set, r);
		svm_core_range_destroy(r);
		range_free(r, NULL);
	}
}
