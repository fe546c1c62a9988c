/* stack/knobs.c — the knob table and its bounded setter. */
#include "stack/knobs.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const struct knob_desc knob_table[] = {
#define X(n, d, lo, hi, text) { #n, offsetof(struct knobs, n), d, lo, hi, text },
	STACK_KNOBS(X)
#undef X
};
const unsigned knob_count = sizeof(knob_table) / sizeof(knob_table[0]);

void knobs_init(struct knobs *k)
{
	for (unsigned i = 0; i < knob_count; i++)
		*knob_ptr(k, &knob_table[i]) = knob_table[i].def;
}

const struct knob_desc *knob_find(const char *name)
{
	for (unsigned i = 0; i < knob_count; i++)
		if (strcmp(knob_table[i].name, name) == 0)
			return &knob_table[i];
	return NULL;
}

bool knob_is_bitmask(const struct knob_desc *d)
{
	return strcmp(d->name, "icmp_errors_extension_mask") == 0;
}

int knob_parse_set(struct knobs *k, const struct knob_desc *d, const char *text)
{
	char *end;
	long v;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 0);
	if (*end)
		return -EINVAL;
	if (knob_is_bitmask(d) && errno != ERANGE && (v < 0 || (v & ~d->max)))
		return -EINVAL;
	if (errno == ERANGE || v < d->min || v > d->max)
		return -ERANGE;
	*knob_ptr(k, d) = v;
	return 0;
}
