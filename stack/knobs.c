/* stack/knobs.c — the knob table and its bounded setter. */
#include "stack/knobs.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct knob_desc knob_table[] = {
#define X(n, d, lo, hi, text) \
	{ .name = #n, .offset = offsetof(struct knobs, n), .def = (d), .min = (lo), .max = (hi), .desc = (text), .kind = KNOB_LONG },
	STACK_KNOBS(X)
#undef X
#define X(f, n, d, lo, hi, text) \
	{ .name = (n), .offset = offsetof(struct knobs, f), .def = (d), .min = (lo), .max = (hi), .desc = (text), .kind = KNOB_LONG },
	STACK_KNOBS6(X)
#undef X
	/* Every ICMPv6 error but Packet Too Big (V5.2); add 129 to limit echo replies. */
	{ .name = "net.ipv6.icmp.ratemask", .offset = offsetof(struct knobs, ip6_ratemask), .def = 0, .min = 0,
	  .max = 255, .desc = "ICMPv6 types rate limited, as a list of ranges (0-255)", .kind = KNOB_BITMAP256,
	  .def_text = "0-1,3-127" },
};
const unsigned knob_count = sizeof(knob_table) / sizeof(knob_table[0]);

static uint64_t *knob_bitmap(struct knobs *k, const struct knob_desc *d)
{
	return (uint64_t *)(void *)((char *)k + d->offset);
}

/* "0-1,3-127": ranges of 0..255, or "" for none; -EINVAL otherwise. */
static int bitmap_parse(const char *text, uint64_t out[4])
{
	uint64_t m[4] = { 0 };
	const char *s = text;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;
		if (end == s || a < 0 || a > 255)
			return -EINVAL;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a || b > 255)
				return -EINVAL;
			s = end;
		}
		for (long t = a; t <= b; t++)
			m[t / 64] |= 1ull << (t % 64);
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
	}
	memcpy(out, m, sizeof(m));
	return 0;
}

void knobs_init(struct knobs *k)
{
	for (unsigned i = 0; i < knob_count; i++) {
		const struct knob_desc *d = &knob_table[i];
		if (d->kind == KNOB_BITMAP256)
			bitmap_parse(d->def_text, knob_bitmap(k, d));
		else
			*knob_ptr(k, d) = d->def;
	}
}

const struct knob_desc *knob_find(const char *name)
{
	char alt[96];
	if (strncmp(name, "net.ipv4.", 9) == 0 && !strchr(name + 9, '.'))
		name += 9;
	if (strncmp(name, "net.ipv6.conf.default.", 22) == 0 && strlen(name) < sizeof(alt) - 1) {
		snprintf(alt, sizeof(alt), "net.ipv6.conf.all.%s", name + 22);
		name = alt;
	}
	for (unsigned i = 0; i < knob_count; i++)
		if (strcmp(knob_table[i].name, name) == 0)
			return &knob_table[i];
	return NULL;
}

bool knob_is_bitmask(const struct knob_desc *d)
{
	return strcmp(d->name, "icmp_errors_extension_mask") == 0 ||
	       strcmp(d->name, "net.ipv6.icmp.errors_extension_mask") == 0;
}

int knob_parse_set(struct knobs *k, const struct knob_desc *d, const char *text)
{
	char *end;
	long v;

	if (!text)
		return -EINVAL;
	if (d->kind == KNOB_BITMAP256)
		return bitmap_parse(text, knob_bitmap(k, d));
	if (!*text)
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

const char *knob_format(const struct knobs *k, const struct knob_desc *d, char *buf, size_t len)
{
	if (d->kind != KNOB_BITMAP256) {
		snprintf(buf, len, "%ld", *knob_ptr((struct knobs *)k, d));
		return buf;
	}
	const uint64_t *m = knob_bitmap((struct knobs *)k, d);
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned t = 0; t < 256;) {
		if (!(m[t / 64] >> (t % 64) & 1)) {
			t++;
			continue;
		}
		unsigned e = t;
		while (e + 1 < 256 && (m[(e + 1) / 64] >> ((e + 1) % 64) & 1))
			e++;
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, e > t ? "%s%u-%u" : "%s%u", n ? "," : "", t, e);
		t = e + 1;
	}
	return buf;
}
