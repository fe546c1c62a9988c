/* ip/route_spec.c — prefixes and route text of either family (see route_spec.h). */
#include "ip/route_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/wire.h"

#define RT6_BAD_OPTION_TAIL "\" (want via=IPV6[%IFACE], prohibit or blackhole)"

/* What differs between the families' route text, as data. A bad gateway and an unknown route kind
 * are told as head "quoted" tail, the quoted part being the option from skip on. */
struct route_spec_msg {
	const char *head, *tail;
	unsigned skip;
};

static const struct route_spec_family {
	size_t prefix_max;      /* a prefix's text is shorter than this */
	unsigned max_plen;
	const char *want;       /* what a bad prefix should have looked like */
	bool zones;             /* a gateway may name its link after '%' */
	struct route_spec_msg bad_gw, bad_kind;
} route_spec_families[2] = {
	{ 32, 32, "A.B.C.D/LEN or default", false, { "bad gateway \"", "\"", 4 },
	  { "unknown route kind \"", "\" (via=GW, prohibit, blackhole)", 0 } },
	{ 64, 128, "IPV6/LEN", true, { "bad route option \"", RT6_BAD_OPTION_TAIL, 0 },
	  { "bad route option \"", RT6_BAD_OPTION_TAIL, 0 } },
};

void route_mask6(uint8_t out[16], const uint8_t *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;
		out[i] = (uint8_t)(a[i] & (uint8_t)(0xff00u >> bits));
	}
}

static struct inet_addr route_masked(const struct inet_addr *a, unsigned plen)
{
	struct inet_addr m = *a;
	if (a->family == INET_V4)
		m.u.v4 &= ip4_mask(plen);
	else
		route_mask6(m.u.v6, a->u.v6, plen);
	return m;
}

/* "ADDR/LEN" or "default" (the n bytes at s): 0, -1 (not a prefix) or -2 (host bits set). */
static int route_spec_prefix(const char *s, size_t n, enum inet_family fam, struct inet_addr *prefix, unsigned *plen)
{
	const struct route_spec_family *f = &route_spec_families[fam == INET_V6];
	char buf[64];
	if (n >= f->prefix_max)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "default") == 0) {
		memset(prefix, 0, sizeof(*prefix));
		prefix->family = (uint8_t)fam;
		*plen = 0;
		return 0;
	}
	char *slash = strchr(buf, '/'), *end;
	if (!slash)
		return -1;
	*slash = '\0';
	long l = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || l < 0 || l > (long)f->max_plen || inet_parse(buf, prefix) != 0 || prefix->family != fam)
		return -1;
	*plen = (unsigned)l;
	struct inet_addr m = route_masked(prefix, *plen);
	return inet_eq(&m, prefix) ? 0 : -2;
}

static int route_spec_bad(const struct route_spec_msg *m, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s%s%s", m->head, what + m->skip, m->tail);
	return -1;
}

int route_spec_parse(const char *spec, enum inet_family fam, struct route_spec *rs, char *err, size_t errlen)
{
	const struct route_spec_family *f = &route_spec_families[fam == INET_V6];
	const char *comma = strchr(spec, ',');
	int n = (int)(comma ? comma - spec : (long)strlen(spec));

	memset(rs, 0, sizeof(*rs));
	int rc = route_spec_prefix(spec, (size_t)n, fam, &rs->prefix, &rs->plen);
	if (rc == -2) {
		snprintf(err, errlen, "host bits set in \"%.*s\"", n, spec);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad prefix \"%.*s\" (want %s)", n, spec, f->want);
		return -1;
	}
	if (!comma) {
		snprintf(err, errlen, "\"%s\" needs via=GW, prohibit or blackhole", spec);
		return -1;
	}
	const char *what = comma + 1;
	if (strcmp(what, "prohibit") == 0 || strcmp(what, "blackhole") == 0) {
		rs->type = what[0] == 'p' ? RT_PROHIBIT : RT_BLACKHOLE;
		return 0;
	}
	if (strncmp(what, "via=", 4) != 0)
		return route_spec_bad(&f->bad_kind, what, err, errlen);
	if (strlen(what + 4) >= sizeof(rs->text))
		return route_spec_bad(&f->bad_gw, what, err, errlen);
	strcpy(rs->text, what + 4);
	char *pct = f->zones ? strchr(rs->text, '%') : NULL;
	if (pct) {
		*pct = '\0';
		rs->zone = pct + 1;
	}
	if (inet_parse(rs->text, &rs->gw) != 0 || rs->gw.family != fam)
		return route_spec_bad(&f->bad_gw, what, err, errlen);
	rs->type = RT_GATEWAY;
	return 0;
}
