/* ip/route.c — a small routing table with longest-prefix match. Connected routes come from the
 * interface addresses; static ones from the command line and the control socket. */
#include "ip/route.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ip4.h"
#include "stack/core.h"
#include "stack/wire.h"

/* The IPv4 routes: this file's own state. */
struct route_table {
	struct route r[ROUTE_MAX];
	unsigned n;
};

int route_init(struct stack *st)
{
	st->routes = calloc(1, sizeof(*st->routes));
	st->rtcache = calloc(1, sizeof(*st->rtcache));
	return st->routes && st->rtcache ? 0 : -ENOMEM;
}

int route_add(struct stack *st, const struct route *r)
{
	struct route_table *t = st->routes;
	struct route nr = *r;

	if (nr.plen > 32)
		return -EINVAL;
	nr.prefix &= ip4_mask(nr.plen);
	for (unsigned i = 0; i < t->n; i++)
		if (t->r[i].prefix == nr.prefix && t->r[i].plen == nr.plen)
			return -EEXIST;
	if (t->n >= ROUTE_MAX)
		return -ENOSPC;
	t->r[t->n++] = nr;
	return 0;
}

/* A redirect exception (R8.5) overrides the first hop, while its link is up. Out of line, so that
 * route_lookup's own frame stays as small as the usual case needs. */
static __attribute__((noinline)) void route_redirected(const struct stack *st, uint32_t dst, struct route_res *res)
{
	struct inet_addr d = inet_v4(dst);
	const struct rtcache_entry *x = rtcache_redirect(st->rtcache, &d, st->now);
	if (x && st->ifs[x->gw_ifindex].up) {
		res->ifindex = x->gw_ifindex;
		res->nexthop = x->gw.u.v4;
		res->redirected = true;
	}
}

int route_lookup(const struct stack *st, uint32_t dst, struct route_res *res)
{
	const struct route_table *t = st->routes;
	const struct route *best = NULL;

	for (unsigned i = 0; i < t->n; i++) {
		const struct route *r = &t->r[i];
		if (((dst ^ r->prefix) & ip4_mask(r->plen)) != 0 || (best && best->plen >= r->plen))
			continue;
		if ((r->type == RT_CONNECTED || r->type == RT_GATEWAY) && !st->ifs[r->ifindex].up)
			continue; /* a link that is down carries no routes */
		best = r;
	}
	if (!best)
		return -ENETUNREACH;
	res->rt = best;
	res->ifindex = best->ifindex;
	res->nexthop = best->type == RT_GATEWAY ? best->gw.u.v4 : dst;
	res->redirected = false;
	/* The forwarding path pays one test while the cache holds no IPv4 exception. */
	if (!rtcache_empty(st->rtcache, INET_V4) && (best->type == RT_GATEWAY || best->type == RT_CONNECTED))
		route_redirected(st, dst, res);
	const struct iface *ifp = &st->ifs[best->ifindex];
	const struct ifaddr *a = iface_addr_for(ifp, res->nexthop);
	res->src = a ? a->addr : ifp->naddr ? ifp->addr[0].addr : 0;
	return 0;
}

int route_del(struct stack *st, uint32_t prefix, unsigned plen)
{
	struct route_table *t = st->routes;
	for (unsigned i = 0; i < t->n; i++) {
		if (t->r[i].prefix != prefix || t->r[i].plen != plen)
			continue;
		if (t->r[i].type == RT_CONNECTED)
			return -EPERM;
		t->r[i] = t->r[--t->n];
		return 0;
	}
	return -ESRCH;
}

int route_gw_ifindex(const struct stack *st, uint32_t gw)
{
	const struct route *on = NULL;
	for (unsigned i = 0; i < st->routes->n; i++) {
		const struct route *c = &st->routes->r[i];
		if (c->type == RT_CONNECTED && ((gw ^ c->prefix) & ip4_mask(c->plen)) == 0 && (!on || c->plen > on->plen))
			on = c;
	}
	return on && !ip4_is_local(st, gw) ? on->ifindex : -1;
}

void route_foreach(const struct stack *st, void (*fn)(const struct route *r, void *arg), void *arg)
{
	for (unsigned i = 0; i < st->routes->n; i++)
		fn(&st->routes->r[i], arg);
}

/* ---- IPv4's exceptions in the route cache (ip/rtcache.c) ---- */

unsigned route_pmtu(struct stack *st, uint32_t dst, bool *locked)
{
	struct route_res rr;
	*locked = false;
	if (route_lookup(st, dst, &rr) != 0)
		return 0;
	unsigned mtu = st->ifs[rr.ifindex].mtu;
	struct inet_addr d = inet_v4(dst);
	bool lk;
	unsigned pmtu = rtcache_pmtu(st->rtcache, &d, st->now, &lk);
	if (pmtu && pmtu < mtu) {
		mtu = pmtu;
		*locked = lk;
	}
	return mtu;
}

void rtcache_learn_pmtu(struct stack *st, uint32_t dst, unsigned mtu)
{
	bool locked;
	unsigned old = route_pmtu(st, dst, &locked);
	if (old == 0 || mtu >= old)
		return; /* RFC 1191: a report never raises the path MTU */
	bool lock = false;
	if (mtu < (unsigned)st->knobs.min_pmtu) {
		/* Too small to believe: settle at the floor and stop setting DF (Linux __ip_rt_update_pmtu). */
		lock = true;
		mtu = old < (unsigned)st->knobs.min_pmtu ? old : (unsigned)st->knobs.min_pmtu;
	}
	struct inet_addr d = inet_v4(dst);
	rtcache_set_pmtu(st->rtcache, &d, mtu, lock, st->now + (uint64_t)st->knobs.mtu_expires * 1000, st->now);
}

void rtcache_learn_redirect(struct stack *st, uint32_t dst, uint32_t gw, unsigned ifindex)
{
	struct inet_addr d = inet_v4(dst), g = inet_v4(gw);
	rtcache_set_redirect(st->rtcache, &d, &g, ifindex, st->now);
}
