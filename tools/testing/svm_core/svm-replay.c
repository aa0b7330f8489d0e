// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * svm-replay: run a scenario script through lib/svm_core.
 *
 *   svm-replay [script]      (standard input without one)
 *   svm-replay --help        (or -h: the usage on standard output)
 *
 * Output (the "dump" lines) is printed only when the whole script ran; an
 * invalid line prints one error naming its line number and exits 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

static const char usage[] = "usage: svm-replay [script]\n";

int main(int argc, char **argv)
{
	const char *name = "standard input";
	FILE *in = stdin, *out;
	struct svm_replay rp;
	char *line = NULL, *buf = NULL;
	size_t cap = 0, len = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int ret = 0;

	if (argc == 2 && svm_replay_help(argv[1], usage))
		return 0;
	if (argc > 2) {
		fprintf(stderr, "svm-replay: %s", usage);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "-")) {
		name = argv[1];
		in = fopen(name, "r");
		if (!in) {
			fprintf(stderr, "svm-replay: cannot open %s: %s\n", name,
				strerror(errno));
			return 2;
		}
	}
	out = open_memstream(&buf, &len);
	if (!out) {
		fprintf(stderr, "svm-replay: out of memory\n");
		return 1;
	}
	svm_replay_init(&rp);
	while ((n = getline(&line, &cap, in)) >= 0) {
		const char *nul = memchr(line, '\0', n);

		lineno++;
		/* A C string would end there and drop the rest of the line. */
		if (nul) {
			fprintf(stderr, "svm-replay: line %lu: NUL byte at column %td\n",
				lineno, nul - line + 1);
			ret = 2;
			break;
		}
		if (svm_replay_line(&rp, line, out)) {
			fprintf(stderr, "svm-replay: line %lu: %s\n", lineno,
				rp.err);
			ret = 2;
			break;
		}
	}
	/* A directory opens; reading it fails. */
	if (!ret && ferror(in)) {
		fprintf(stderr, "svm-replay: cannot read %s: %s\n", name,
			strerror(errno));
		ret = 2;
	}
	fclose(out);
	if (!ret)
		fwrite(buf, 1, len, stdout);
	/* The dumps are the result: losing them is an error (/dev/full). */
	if (!ret && (fflush(stdout) || ferror(stdout))) {
		fprintf(stderr, "svm-replay: cannot write standard output: %s\n",
			strerror(errno));
		ret = 2;
	}
	svm_replay_destroy(&rp);
	free(buf);
	free(line);
	if (in != stdin)
		fclose(in);
	return ret;
}
