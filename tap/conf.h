/* tap/conf.h — the daemon's configuration file, read as its own long options.
 *
 * One directive per line: the first word is a long option's name, the rest of the line (trimmed)
 * its argument; an option that takes none (`forward`) must have nothing after it. '#' at the
 * start of a line or after a blank starts a comment. Blank lines are fine. The file becomes a
 * list of "--NAME=ARG" (or "--NAME") words that the daemon's own getopt_long parses, so every
 * long option, present or added later, is a directive with no change here.
 *
 * Merging: the file's words come first, then the command line's; an option given on the command
 * line replaces all of the file's lines for it, except the options named in `accumulate` (such
 * as "set"), whose lines stay and are applied before the command line's.
 */
#ifndef TAPSTACK_CONF_H
#define TAPSTACK_CONF_H

#include <getopt.h>
#include <stddef.h>

#define CONF_LINE_MAX 4096

/* An argument vector with, for each word, where it came from: "FILE:LINE" or NULL (command line). */
struct conf_argv {
	int argc;
	char **argv;          /* argv[argc] == NULL */
	const char **origin;  /* per word */
	int nfile;            /* words from the file: argv[1 .. nfile] */
	int owned;            /* conf_load's: the words and origins are ours to free */
};

/* Reads `path` into *out (argv[0] = "tapstackd"), checking each line's directive against
 * longopts; the names in `refused` (comma separated, e.g. "config,help,version") are not
 * directives. 0, or -1 with "FILE:LINE: what is wrong" (or "FILE: error") in err; *out is then
 * empty. */
int conf_load(const char *path, const struct option *longopts, const char *refused,
	      struct conf_argv *out, char *err, size_t errlen);

/* Builds in *out the file's words (minus the ones the command line overrides) followed by the
 * command line's argv[1..argc-1]. The command line is scanned with getopt_long(optstring,
 * longopts); it must already be known to parse. Pointers into file and argv are kept (not
 * copied): both must outlive *out. 0, or -1 when out of memory. */
int conf_merge(const struct conf_argv *file, int argc, char **argv, const char *optstring,
	       const struct option *longopts, const char *accumulate, struct conf_argv *out);

/* Where word `i` of a merged vector came from, or NULL. */
const char *conf_origin(const struct conf_argv *ca, int i);

/* Frees what conf_load or conf_merge allocated; *ca becomes empty. */
void conf_free(struct conf_argv *ca);

#endif
