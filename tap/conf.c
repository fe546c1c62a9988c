/* tap/conf.c — the configuration file as long options (see conf.h). */
#include "tap/conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when `name` is one of the comma-separated words of `list`. */
static bool conf_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t w = strcspn(p, ",");
		if (w == n && strncmp(p, name, n) == 0)
			return true;
		p += w + (p[w] == ',');
	}
	return false;
}

static const struct option *conf_find(const struct option *longopts, const char *name, size_t n)
{
	for (const struct option *o = longopts; o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
			return o;
	return NULL;
}

/* Appends one word and its origin; -1 when out of memory. */
static int conf_push(struct conf_argv *ca, int *cap, char *word, const char *origin)
{
	if (ca->argc + 2 > *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		char **a = realloc(ca->argv, (size_t)ncap * sizeof(*a));
		if (!a)
			return -1;
		ca->argv = a;
		const char **o = realloc(ca->origin, (size_t)ncap * sizeof(*o));
		if (!o)
			return -1;
		ca->origin = o;
		*cap = ncap;
	}
	ca->argv[ca->argc] = word;
	ca->origin[ca->argc] = origin;
	ca->argc++;
	ca->argv[ca->argc] = NULL;
	ca->origin[ca->argc] = NULL;
	return 0;
}

static int conf_fail(struct conf_argv *ca, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int conf_fail(struct conf_argv *ca, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	conf_free(ca);
	return -1;
}

int conf_load(const char *path, const struct option *longopts, const char *refused,
	      struct conf_argv *out, char *err, size_t errlen)
{
	char line[CONF_LINE_MAX + 2];
	unsigned lineno = 0;
	int cap = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	out->owned = 1;
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (conf_push(out, &cap, (char *)"tapstackd", NULL) < 0)
		goto oom;
	while (fgets(line, sizeof(line), f)) {
		char where[512], *s = line, *end;
		size_t len = strlen(line), w;
		const struct option *o;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (len && line[len - 1] != '\n' && !feof(f)) {
			fclose(f);
			return conf_fail(out, err, errlen, "%s: line too long (at most %d bytes)", where,
					 CONF_LINE_MAX);
		}
		for (char *c = line; *c; c++) {
			if (*c == '#' && (c == line || *(c - 1) == ' ' || *(c - 1) == '\t')) {
				*c = '\0';
				break;
			}
			if (*c == '\0' || (*c != '\t' && *c != '\n' && *c != '\r' && (unsigned char)*c < 0x20)) {
				fclose(f);
				return conf_fail(out, err, errlen, "%s: control character in the line", where);
			}
		}
		s += strspn(s, " \t");
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		if (!*s)
			continue;
		w = strcspn(s, " \t");
		o = conf_find(longopts, s, w);
		if (!o || conf_in_list(refused, o->name)) {
			fclose(f);
			return conf_fail(out, err, errlen, "%s: unknown directive \"%.*s\"", where, (int)w, s);
		}
		const char *arg = s + w + strspn(s + w, " \t");
		if (o->has_arg == no_argument && *arg) {
			fclose(f);
			return conf_fail(out, err, errlen, "%s: \"%s\" takes no argument (got \"%s\")", where,
					 o->name, arg);
		}
		if (o->has_arg == required_argument && !*arg) {
			fclose(f);
			return conf_fail(out, err, errlen, "%s: \"%s\" needs an argument", where, o->name);
		}
		size_t need = strlen(o->name) + strlen(arg) + 4;
		char *word = malloc(need + strlen(where) + 1);
		if (!word)
			goto oom_f;
		if (*arg)
			snprintf(word, need, "--%s=%s", o->name, arg);
		else
			snprintf(word, need, "--%s", o->name);
		char *origin = word + need;
		memcpy(origin, where, strlen(where) + 1);
		if (conf_push(out, &cap, word, origin) < 0) {
			free(word);
			goto oom_f;
		}
		out->nfile++;
	}
	if (ferror(f)) {
		fclose(f);
		return conf_fail(out, err, errlen, "%s: read error", path);
	}
	fclose(f);
	return 0;
oom_f:
	fclose(f);
oom:
	return conf_fail(out, err, errlen, "%s: out of memory", path);
}

/* The long option a word of the file stands for ("--NAME=..." or "--NAME"). */
static const struct option *conf_word_option(const struct option *longopts, const char *word)
{
	const char *name = word + 2;
	return conf_find(longopts, name, strcspn(name, "="));
}

int conf_merge(const struct conf_argv *file, int argc, char **argv, const char *optstring,
	       const struct option *longopts, const char *accumulate, struct conf_argv *out)
{
	int given[512] = { 0 }; /* option values seen on the command line (short chars, enums) */
	int cap = 0, c, saved_opterr = opterr;

	memset(out, 0, sizeof(*out));
	opterr = 0;
	optind = 0; /* glibc: a full re-initialisation */
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		if (c >= 0 && c < (int)(sizeof(given) / sizeof(given[0])))
			given[c] = 1;
	optind = 0;
	opterr = saved_opterr;

	if (conf_push(out, &cap, argc ? argv[0] : (char *)"tapstackd", NULL) < 0)
		goto oom;
	for (int i = 1; file && i <= file->nfile; i++) {
		const struct option *o = conf_word_option(longopts, file->argv[i]);
		if (o && o->val >= 0 && o->val < (int)(sizeof(given) / sizeof(given[0])) && given[o->val] &&
		    !conf_in_list(accumulate, o->name))
			continue;
		if (conf_push(out, &cap, file->argv[i], file->origin[i]) < 0)
			goto oom;
		out->nfile++;
	}
	for (int i = 1; i < argc; i++)
		if (conf_push(out, &cap, argv[i], NULL) < 0)
			goto oom;
	return 0;
oom:
	conf_free(out);
	return -1;
}

const char *conf_origin(const struct conf_argv *ca, int i)
{
	return i > 0 && i <= ca->nfile ? ca->origin[i] : NULL;
}

void conf_free(struct conf_argv *ca)
{
	if (ca->owned)
		for (int i = 1; i < ca->argc; i++)
			free(ca->argv[i]);
	free(ca->argv);
	free(ca->origin);
	memset(ca, 0, sizeof(*ca));
}
