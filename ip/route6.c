/* ip/route6.c — IPv6 routes and their per-destination exceptions (see route6.h). */
#include "ip/route6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ip6.h"
#include "stack/addr.h"
#include "stack/core.h"

#define RT6_PMTU_MIN 1280

/* The IPv6 routes: this file's own state. */
struct route6_table {
	struct route6 r[ROUTE6_MAX];
	unsigned n;
};

int route6_init(struct stack *st)
{
	st->rt6 = calloc(1, sizeof(*st->rt6));
	return st->rt6 ? 0 : -ENOMEM;
}

void route6_foreach(const struct stack *st, void (*fn)(const struct route6 *r, void *arg), void *arg)
{
	for (unsigned i = 0; i < st->rt6->n; i++)
		fn(&st->rt6->r[i], arg);
}

unsigned route6_ra_prefixes(const struct stack *st, unsigned ifindex)
{
	unsigned n = 0;
	for (unsigned i = 0; i < st->rt6->n; i++) {
		const struct route6 *x = &st->rt6->r[i];
		n += (x->flags & RT6_F_RA) && x->type == RT6_CONNECTED && x->ifindex == ifindex;
	}
	return n;
}

unsigned route6_ra_routers(const struct stack *st, unsigned ifindex, const uint8_t *gw, bool *known)
{
	unsigned n = 0;
	*known = false;
	for (unsigned i = 0; i < st->rt6->n; i++) {
		const struct route6 *x = &st->rt6->r[i];
		if ((x->flags & RT6_F_RA) && x->type == RT6_GATEWAY && x->plen == 0 && x->ifindex == ifindex) {
			n++;
			*known |= memcmp(x->gw.u.v6, gw, 16) == 0;
		}
	}
	return n;
}

bool route6_is_subnet_anycast(const struct stack *st, const uint8_t *a)
{
	for (unsigned i = 0; i < st->rt6->n; i++) {
		const struct route6 *r = &st->rt6->r[i];
		if (r->type != RT6_CONNECTED || r->plen >= 127 || !ip6_prefix_eq(a, r->prefix, r->plen))
			continue;
		bool zero = true;
		for (unsigned b = r->plen; b < 128 && zero; b++)
			zero = !(a[b / 8] & (0x80u >> (b % 8)));
		if (zero)
			return true;
	}
	return false;
}

int route6_add(struct stack *st, const struct route6 *r)
{
	struct route6_table *t = st->rt6;
	struct route6 nr = *r;

	if (nr.plen > 128 || nr.ifindex >= st->nifs)
		return -EINVAL;
	route_mask6(nr.prefix, r->prefix, nr.plen);
	if (!nr.expires)
		nr.expires = UINT64_MAX;
	for (unsigned i = 0; i < t->n; i++) {
		struct route6 *x = &t->r[i];
		if (x->plen != nr.plen || memcmp(x->prefix, nr.prefix, 16) != 0)
			continue;
		/* Several default routers (one per RA source), and a connected prefix per interface. */
		if (nr.type == RT6_GATEWAY && x->type == RT6_GATEWAY && (nr.flags & RT6_F_RA) &&
		    (!inet_eq(&x->gw, &nr.gw) || x->ifindex != nr.ifindex))
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
	struct route6_table *t = st->rt6;
	uint8_t m[16];
	int rc = -ESRCH;
	route_mask6(m, prefix, plen > 128 ? 128 : plen);
	for (unsigned i = 0; i < t->n; i++) {
		struct route6 *x = &t->r[i];
		if (x->plen != plen || memcmp(x->prefix, m, 16) != 0)
			continue;
		if (!type && x->type == RT6_CONNECTED)
			rc = -EPERM;
		if (type ? x->type != type || x->ifindex != ifindex : x->type == RT6_CONNECTED)
			continue;
		t->r[i] = t->r[--t->n];
		return 0;
	}
	return rc;
}

void route6_del_gw(struct stack *st, unsigned ifindex, const uint8_t *gw)
{
	struct route6_table *t = st->rt6;
	for (unsigned i = 0; i < t->n;) {
		struct route6 *x = &t->r[i];
		if (x->type == RT6_GATEWAY && x->ifindex == ifindex && memcmp(x->gw.u.v6, gw, 16) == 0 && (x->flags & RT6_F_RA))
			t->r[i] = t->r[--t->n];
		else
			i++;
	}
}

int route6_lookup(struct stack *st, const uint8_t *dst, int oif, struct route6_res *res)
{
	const struct route6_table *t = st->rt6;
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
	memcpy(res->nexthop, best->type == RT6_GATEWAY ? best->gw.u.v6 : dst, 16);
	if (rtcache_empty(st->rtcache, INET_V6))
		return 0;
	/* A redirect exception (V6.15) overrides the first hop while its link is up; using it keeps it. */
	struct inet_addr d = inet_v6(dst);
	const struct rtcache_entry *x = rtcache_redirect(st->rtcache, &d, st->now);
	if (x && (best->type == RT6_GATEWAY || best->type == RT6_CONNECTED) && st->ifs[x->gw_ifindex].up &&
	    (oif < 0 || x->gw_ifindex == (unsigned)oif)) {
		res->ifindex = x->gw_ifindex;
		memcpy(res->nexthop, x->gw.u.v6, 16);
		res->redirected = true;
		rtcache_redirect_used(st->rtcache, x, st->now);
	}
	return 0;
}

int route6_gw_ifindex(const struct stack *st, const uint8_t *gw)
{
	for (unsigned i = 0; i < st->rt6->n; i++)
		if (st->rt6->r[i].type == RT6_CONNECTED && ip6_prefix_eq(gw, st->rt6->r[i].prefix, st->rt6->r[i].plen))
			return st->rt6->r[i].ifindex;
	return -1;
}

void route6_poll(struct stack *st)
{
	struct route6_table *t = st->rt6;
	for (unsigned i = 0; i < t->n;) {
		if ((t->r[i].flags & RT6_F_RA) && st->now >= t->r[i].expires)
			t->r[i] = t->r[--t->n];
		else
			i++;
	}
	rtcache_expire(st->rtcache, INET_V6, st->now); /* a redirect unused for route/gc_timeout (60 s) goes (V6.15) */
}

uint64_t route6_deadline(const struct stack *st)
{
	const struct route6_table *t = st->rt6;
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < t->n; i++)
		if ((t->r[i].flags & RT6_F_RA) && t->r[i].expires < d)
			d = t->r[i].expires;
	uint64_t c = rtcache_deadline(st->rtcache, INET_V6);
	return c < d ? c : d;
}

unsigned route6_pmtu(struct stack *st, const uint8_t *dst, unsigned ifindex)
{
	unsigned mtu = ip6_mtu(st, ifindex);
	if (rtcache_empty(st->rtcache, INET_V6)) /* the usual case: no Packet Too Big learned */
		return mtu;
	struct inet_addr d = inet_v6(dst);
	unsigned pmtu = rtcache_pmtu(st->rtcache, &d, st->now, NULL);
	return pmtu && pmtu < mtu ? pmtu : mtu;
}

void rt6cache_learn_pmtu(struct stack *st, const uint8_t *dst, unsigned mtu)
{
	struct route6_res rr;
	if (mtu < RT6_PMTU_MIN || route6_lookup(st, dst, -1, &rr) != 0)
		return; /* RFC 8201: not below 1280, not clamped either */
	struct inet_addr d = inet_v6(dst);
	unsigned now_mtu = rtcache_pmtu(st->rtcache, &d, st->now, NULL);
	if (mtu >= (now_mtu ? now_mtu : ip6_mtu(st, rr.ifindex)))
		return; /* never raised */
	rtcache_set_pmtu(st->rtcache, &d, mtu, false, st->now + (uint64_t)st->knobs.ip6_mtu_expires * 1000, st->now);
}

void rt6cache_learn_redirect(struct stack *st, const uint8_t *dst, const uint8_t *target, unsigned ifindex)
{
	struct inet_addr d = inet_v6(dst), g = inet_v6(target);
	rtcache_set_redirect(st->rtcache, &d, &g, ifindex, st->now);
}
