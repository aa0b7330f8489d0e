/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * svm-replay: execute the svm_core scenario language through the core with a
 * fake device. Shared by the svm-replay command and the differential fuzzer;
 * its rule for numbers is every tool's.
 */
#ifndef _SVM_REPLAY_H
#define _SVM_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/svm_core_shim.h>
#include <linux/svm_core.h>

/* New ranges made in gaps by prefetch and gran are cut at this many pages. */
#define SVM_REPLAY_MAX_PAGES	BIT(18)

struct svm_replay_stats {
	unsigned long faults;		/* GPU faults, and CPU faults on device pages */
	unsigned long migrations;	/* migrations that moved at least one page */
	unsigned long to_dev;		/* pages moved to a device */
	unsigned long to_sys;		/* pages moved to system memory */
	unsigned long splits;		/* range parts made by splitting */
};

struct svm_replay {
	struct svm_core_set set;
	struct svm_replay_stats stats;
	bool pinned;			/* the next migration skips [pin_start, pin_last] */
	unsigned long pin_start, pin_last;
	char err[160];			/* what was wrong with the last line */
};

void svm_replay_init(struct svm_replay *rp);
void svm_replay_destroy(struct svm_replay *rp);
/*
 * Parse @tok whole: decimal without a leading zero, or 0x-hex. Returns 0,
 * -EINVAL if @tok is not such a number, -ERANGE if it does not fit.
 */
int svm_replay_number(const char *tok, unsigned long *val);
/*
 * The same for a command-line value of @tool, in [@min, @max]: 0, or -1
 * after one error line on stderr naming @tool and @name.
 */
int svm_replay_arg(const char *tool, const char *name, const char *arg,
		   unsigned long min, unsigned long max, unsigned long *val);
/*
 * Every tool's --help: if @arg is "--help" or "-h", print @usage ("usage:
 * <tool> ...", continuation lines indented) on standard output and return
 * true; the tool then exits with status 0.
 */
bool svm_replay_help(const char *arg, const char *usage);
/* 0, or -1 with rp->err set and the state unchanged. @out receives dumps. */
int svm_replay_line(struct svm_replay *rp, const char *line, FILE *out);
void svm_replay_dump(const struct svm_replay *rp, FILE *out);
/* Record [start, last] as now at @loc; *moved: pages whose location changed. */
int svm_replay_move(struct svm_core_range *r, u32 loc, unsigned long start,
		    unsigned long last, unsigned long *moved);

#endif /* _SVM_REPLAY_H */
