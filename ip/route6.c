/* ip/route6.c — IPv6 routes and their per-destination exceptions (see route6.h). */
#include "ip/route6.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ip6.h"
#include "stack/addr.h"
#include "stack/core.h"
#include "stack/sbuf.h"

#define RT6_PMTU_MIN 1280

static void ip6_mask_copy(uint8_t out[16], const uint8_t *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;
		out[i] = (uint8_t)(a[i] & (uint8_t)(0xff00u >> bits));
	}
}

int route6_add(struct stack *st, const struct route6 *r)
{
	struct route6_table *t = &st->rt6;
	struct route6 nr = *r;

	if (nr.plen > 128 || nr.ifindex >= st->nifs)
		return -EINVAL;
	ip6_mask_copy(nr.prefix, r->prefix, nr.plen);
	if (!nr.expires)
		nr.expires = UINT64_MAX;
	for (unsigned i = 0; i < t->n; i++) {
		struct route6 *x = &t->r[i];
		if (x->plen != nr.plen || memcmp(x->prefix, nr.prefix, 16) != 0)
			continue;
		/* Several default routers (one per RA source), and a connected prefix per interface. */
		if (nr.type == RT6_GATEWAY && x->type == RT6_GATEWAY && (nr.flags & RT6_F_RA) &&
		    (memcmp(x->gw, nr.gw, 16) != 0 || x->ifindex != nr.ifindex))
			continue;
		if (nr.type == RT6_CONNECTED && x->type == RT6_CONNECTED && x->ifindex != nr.ifindex)
			continue;
		if ((nr.flags & RT6_F_RA) && (x->flags & RT6_F_RA)) {
			x->expires = nr.expires; /* refreshed by a later RA */
			return 0;
		}
		return -EEXIST;
	}
	if (t->n >= ROUTE6_MAX)
		return -ENOSPC;
	t->r[t->n++] = nr;
	return 0;
}

int route6_del(struct stack *st, const uint8_t *prefix, unsigned plen, unsigned ifindex, int type)
{
	struct route6_table *t = &st->rt6;
	uint8_t m[16];
	ip6_mask_copy(m, prefix, plen > 128 ? 128 : plen);
	for (unsigned i = 0; i < t->n; i++) {
		struct route6 *x = &t->r[i];
		if (x->plen != plen || memcmp(x->prefix, m, 16) != 0)
			continue;
		if (type ? x->type != type || x->ifindex != ifindex : x->type == RT6_CONNECTED)
			continue;
		t->r[i] = t->r[--t->n];
		return 0;
	}
	return -ESRCH;
}

void route6_del_gw(struct stack *st, unsigned ifindex, const uint8_t *gw)
{
	struct route6_table *t = &st->rt6;
	for (unsigned i = 0; i < t->n;) {
		struct route6 *x = &t->r[i];
		if (x->type == RT6_GATEWAY && x->ifindex == ifindex && memcmp(x->gw, gw, 16) == 0 && (x->flags & RT6_F_RA))
			t->r[i] = t->r[--t->n];
		else
			i++;
	}
}

static struct rt6cache_entry *rt6cache_find(struct stack *st, const uint8_t *dst)
{
	if (!st->rt6.nc)
		return NULL;
	for (unsigned i = 0; i < RT6CACHE_SIZE; i++) {
		struct rt6cache_entry *e = &st->rt6.c[i];
		if (e->used && memcmp(e->dst, dst, 16) == 0)
			return e;
	}
	return NULL;
}

static struct rt6cache_entry *rt6cache_get(struct stack *st, const uint8_t *dst)
{
	struct rt6cache_entry *e = rt6cache_find(st, dst), *victim = NULL;
	if (e)
		return e;
	for (unsigned i = 0; i < RT6CACHE_SIZE; i++) {
		struct rt6cache_entry *x = &st->rt6.c[i];
		if (!x->used) {
			victim = x;
			break;
		}
		if (!victim || x->last_use < victim->last_use)
			victim = x;
	}
	if (!victim->used)
		st->rt6.nc++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	memcpy(victim->dst, dst, 16);
	victim->last_use = st->now;
	return victim;
}

int route6_lookup(struct stack *st, const uint8_t *dst, int oif, struct route6_res *res)
{
	const struct route6_table *t = &st->rt6;
	const struct route6 *best = NULL;

	memset(res, 0, sizeof(*res));
	/* A link-local or multicast destination is on the link the caller names (V8.3). */
	if (ip6_is_linklocal(dst) || ip6_is_mcast(dst)) {
		if (oif < 0 || (unsigned)oif >= st->nifs || !st->ifs[oif].up)
			return -ENETUNREACH;
		res->ifindex = (unsigned)oif;
		memcpy(res->nexthop, dst, 16);
		return 0;
	}
	for (unsigned i = 0; i < t->n; i++) {
		const struct route6 *r = &t->r[i];
		if (!ip6_prefix_eq(dst, r->prefix, r->plen) || (best && best->plen >= r->plen))
			continue;
		if ((r->type == RT6_CONNECTED || r->type == RT6_GATEWAY) && !st->ifs[r->ifindex].up)
			continue;
		if (oif >= 0 && (r->type == RT6_CONNECTED || r->type == RT6_GATEWAY) && r->ifindex != (unsigned)oif)
			continue;
		if ((r->flags & RT6_F_RA) && st->now >= r->expires)
			continue;
		best = r;
	}
	if (!best)
		return -ENETUNREACH;
	res->rt = best;
	res->ifindex = best->ifindex;
	memcpy(res->nexthop, best->type == RT6_GATEWAY ? best->gw : dst, 16);
	struct rt6cache_entry *x = rt6cache_find(st, dst);
	if (x && x->has_gw && (best->type == RT6_GATEWAY || best->type == RT6_CONNECTED) && st->ifs[x->gw_ifindex].up &&
	    (oif < 0 || x->gw_ifindex == (unsigned)oif)) {
		res->ifindex = x->gw_ifindex;
		memcpy(res->nexthop, x->gw, 16);
		res->redirected = true;
		x->gw_last_use = st->now;
	}
	return 0;
}

static int route6_parse_prefix(const char *s, size_t n, uint8_t prefix[16], unsigned *plen)
{
	char buf[64];
	struct inet_addr a;
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *slash = strchr(buf, '/'), *end;
	if (!slash)
		return -1;
	*slash = '\0';
	long l = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || l < 0 || l > 128 || inet_parse(buf, &a) != 0 || a.family != INET_V6)
		return -1;
	*plen = (unsigned)l;
	memcpy(prefix, a.u.v6, 16);
	uint8_t m[16];
	ip6_mask_copy(m, prefix, *plen);
	return memcmp(m, prefix, 16) ? -2 : 0;
}

int route6_parse(const struct stack *st, const char *spec, struct route6 *r, char *err, size_t errlen)
{
	const char *comma = strchr(spec, ',');
	int n = (int)(comma ? comma - spec : (long)strlen(spec));
	unsigned plen = 0;
	uint8_t prefix[16] = { 0 };
	int rc = n == 7 && strncmp(spec, "default", 7) == 0 ? 0 : route6_parse_prefix(spec, (size_t)n, prefix, &plen);

	if (rc == -2) {
		snprintf(err, errlen, "host bits set in \"%.*s\"", n, spec);
		return -EINVAL;
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad prefix \"%.*s\" (want IPV6/LEN)", n, spec);
		return -EINVAL;
	}
	if (!comma) {
		snprintf(err, errlen, "\"%s\" needs via=GW, prohibit or blackhole", spec);
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	memcpy(r->prefix, prefix, 16);
	r->plen = (uint8_t)plen;
	const char *what = comma + 1;
	if (strcmp(what, "prohibit") == 0 || strcmp(what, "blackhole") == 0) {
		r->type = what[0] == 'p' ? RT6_PROHIBIT : RT6_BLACKHOLE;
		return 0;
	}
	struct inet_addr gw;
	char gwtext[64];
	const char *zone = NULL;
	if (strncmp(what, "via=", 4) == 0 && strlen(what + 4) < sizeof(gwtext)) {
		/* A link-local gateway names its link: via=fe80::1%tap0 (RFC 6874's zone). */
		strcpy(gwtext, what + 4);
		char *pct = strchr(gwtext, '%');
		if (pct) {
			*pct = '\0';
			zone = pct + 1;
		}
	}
	if (strncmp(what, "via=", 4) != 0 || strlen(what + 4) >= sizeof(gwtext) || inet_parse(gwtext, &gw) != 0 ||
	    gw.family != INET_V6) {
		snprintf(err, errlen, "bad route option \"%s\" (want via=IPV6[%%IFACE], prohibit or blackhole)", what);
		return -EINVAL;
	}
	/* The gateway must be on a connected prefix, or link-local on the interface its zone names
	 * (or on the only interface). */
	int found = -1;
	if (ip6_is_linklocal(gw.u.v6)) {
		for (unsigned i = 0; zone && i < st->nifs; i++)
			if (strcmp(st->ifs[i].name, zone) == 0)
				found = (int)i;
		if (!zone && st->nifs == 1)
			found = 0;
		if (found < 0) {
			snprintf(err, errlen, "link-local gateway %s needs its interface: via=%s%%IFACE", gwtext, gwtext);
			return -EINVAL;
		}
	} else {
		for (unsigned i = 0; i < st->rt6.n && found < 0; i++)
			if (st->rt6.r[i].type == RT6_CONNECTED && ip6_prefix_eq(gw.u.v6, st->rt6.r[i].prefix, st->rt6.r[i].plen))
				found = st->rt6.r[i].ifindex;
	}
	if (found < 0) {
		snprintf(err, errlen, "gateway %s is not on a connected prefix", gwtext);
		return -EINVAL;
	}
	r->type = RT6_GATEWAY;
	r->ifindex = (uint16_t)found;
	memcpy(r->gw, gw.u.v6, 16);
	return 0;
}

void route6_poll(struct stack *st)
{
	struct route6_table *t = &st->rt6;
	for (unsigned i = 0; i < t->n;) {
		if ((t->r[i].flags & RT6_F_RA) && st->now >= t->r[i].expires)
			t->r[i] = t->r[--t->n];
		else
			i++;
	}
	for (unsigned i = 0; i < RT6CACHE_SIZE && t->nc; i++) {
		struct rt6cache_entry *e = &t->c[i];
		if (!e->used)
			continue;
		if (e->pmtu && st->now >= e->pmtu_expires)
			e->pmtu = 0;
		/* An unused redirect goes after route/gc_timeout (60 s) (V6.15). */
		if (e->has_gw && st->now >= e->gw_last_use + 60000)
			e->has_gw = false;
		if (!e->pmtu && !e->has_gw) {
			e->used = false;
			t->nc--;
		}
	}
}

uint64_t route6_deadline(const struct stack *st)
{
	const struct route6_table *t = &st->rt6;
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < t->n; i++)
		if ((t->r[i].flags & RT6_F_RA) && t->r[i].expires < d)
			d = t->r[i].expires;
	for (unsigned i = 0; i < RT6CACHE_SIZE && t->nc; i++) {
		const struct rt6cache_entry *e = &t->c[i];
		if (e->used && e->pmtu && e->pmtu_expires < d)
			d = e->pmtu_expires;
		if (e->used && e->has_gw && e->gw_last_use + 60000 < d)
			d = e->gw_last_use + 60000;
	}
	return d;
}

unsigned route6_pmtu(struct stack *st, const uint8_t *dst, unsigned ifindex)
{
	unsigned mtu = ip6_mtu(st, ifindex);
	const struct rt6cache_entry *e = rt6cache_find(st, dst);
	if (e && e->pmtu && st->now < e->pmtu_expires && e->pmtu < mtu)
		mtu = e->pmtu;
	return mtu;
}

void rt6cache_learn_pmtu(struct stack *st, const uint8_t *dst, unsigned mtu)
{
	struct route6_res rr;
	if (mtu < RT6_PMTU_MIN || route6_lookup(st, dst, -1, &rr) != 0)
		return; /* RFC 8201: not below 1280, not clamped either */
	struct rt6cache_entry *cur = rt6cache_find(st, dst);
	unsigned now_mtu = cur && cur->pmtu && st->now < cur->pmtu_expires ? cur->pmtu : ip6_mtu(st, rr.ifindex);
	if (mtu >= now_mtu)
		return; /* never raised */
	struct rt6cache_entry *e = rt6cache_get(st, dst);
	e->pmtu = (uint16_t)mtu;
	e->pmtu_expires = st->now + (uint64_t)st->knobs.ip6_mtu_expires * 1000;
	e->last_use = st->now;
}

void rt6cache_learn_redirect(struct stack *st, const uint8_t *dst, const uint8_t *target, unsigned ifindex)
{
	struct rt6cache_entry *e = rt6cache_get(st, dst);
	e->has_gw = true;
	memcpy(e->gw, target, 16);
	e->gw_ifindex = (uint16_t)ifindex;
	e->gw_last_use = st->now;
	e->last_use = st->now;
}

static const char *rt6_type_name(unsigned type)
{
	return type == RT6_PROHIBIT ? "prohibit " : type == RT6_BLACKHOLE ? "blackhole " : "";
}

void route6_show(const struct stack *st, struct sbuf *out)
{
	char a[48], g[48];
	for (unsigned i = 0; i < st->rt6.n; i++) {
		const struct route6 *r = &st->rt6.r[i];
		if (r->plen == 0)
			sbuf_printf(out, "%sdefault", rt6_type_name(r->type));
		else
			sbuf_printf(out, "%s%s/%u", rt6_type_name(r->type), ip6_ntoa(r->prefix, a), r->plen);
		if (r->type == RT6_GATEWAY)
			sbuf_printf(out, " via %s", ip6_ntoa(r->gw, g));
		if (r->type == RT6_CONNECTED || r->type == RT6_GATEWAY)
			sbuf_printf(out, " dev %s", st->ifs[r->ifindex].name);
		/* As `ip -6 route`: an RA's on-link prefix is "proto kernel" too, its routers "proto ra". */
		if (r->type == RT6_CONNECTED)
			sbuf_printf(out, " proto kernel");
		else if (r->flags & RT6_F_RA)
			sbuf_printf(out, " proto ra");
		if ((r->flags & RT6_F_RA) && r->expires != UINT64_MAX)
			sbuf_printf(out, " expires %llusec",
				    (unsigned long long)(r->expires > st->now ? (r->expires - st->now) / 1000 : 0));
		sbuf_printf(out, "\n");
	}
}

void rt6cache_show(struct stack *st, struct sbuf *out)
{
	char a[48], g[48];
	for (unsigned i = 0; i < RT6CACHE_SIZE && st->rt6.nc; i++) {
		const struct rt6cache_entry *e = &st->rt6.c[i];
		if (!e->used)
			continue;
		sbuf_printf(out, "%s", ip6_ntoa(e->dst, a));
		if (e->has_gw)
			sbuf_printf(out, " via %s dev %s", ip6_ntoa(e->gw, g), st->ifs[e->gw_ifindex].name);
		if (e->pmtu && st->now < e->pmtu_expires)
			sbuf_printf(out, " mtu %u expires %llusec", e->pmtu,
				    (unsigned long long)((e->pmtu_expires - st->now) / 1000));
		sbuf_printf(out, "\n");
	}
}
