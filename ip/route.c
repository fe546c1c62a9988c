/* ip/route.c — a small routing table with longest-prefix match. Connected routes come from the
 * interface addresses; static ones from the command line and the control socket. */
#include "ip/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ip4.h"
#include "stack/core.h"
#include "stack/wire.h"

int route_add(struct stack *st, const struct route *r)
{
	struct route_table *t = &st->routes;
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

/* A live redirect exception for dst, without touching the cache (lookups are const). */
static const struct rtcache_entry *rtcache_peek(const struct stack *st, uint32_t dst)
{
	if (!st->rtcache.n)
		return NULL;
	for (unsigned i = 0; i < RTCACHE_SIZE; i++) {
		const struct rtcache_entry *e = &st->rtcache.e[(dst + i) % RTCACHE_SIZE];
		if (e->used && e->dst == dst)
			return e->gw && st->now < e->gw_expires ? e : NULL;
	}
	return NULL;
}

int route_lookup(const struct stack *st, uint32_t dst, struct route_res *res)
{
	const struct route_table *t = &st->routes;
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
	res->nexthop = best->type == RT_GATEWAY ? best->gw : dst;
	res->redirected = false;
	/* A redirect exception (R8.5) overrides the first hop, while its link is up. */
	const struct rtcache_entry *x = rtcache_peek(st, dst);
	if (x && (best->type == RT_GATEWAY || best->type == RT_CONNECTED) && st->ifs[x->gw_ifindex].up) {
		res->ifindex = x->gw_ifindex;
		res->nexthop = x->gw;
		res->redirected = true;
	}
	const struct iface *ifp = &st->ifs[best->ifindex];
	const struct ifaddr *a = iface_addr_for(ifp, res->nexthop);
	res->src = a ? a->addr : ifp->naddr ? ifp->addr[0].addr : 0;
	return 0;
}

int route_del(struct stack *st, uint32_t prefix, unsigned plen)
{
	struct route_table *t = &st->routes;
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

/* "a.b.c.d/len" or "default"; the host bits must be zero. */
static int route_parse_prefix(const char *s, size_t n, uint32_t *prefix, unsigned *plen)
{
	char buf[32];
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "default") == 0) {
		*prefix = 0;
		*plen = 0;
		return 0;
	}
	char *slash = strchr(buf, '/'), *end;
	if (!slash)
		return -1;
	*slash = '\0';
	long l = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || l < 0 || l > 32 || ip4_aton(buf, prefix) != 0)
		return -1;
	*plen = (unsigned)l;
	return (*prefix & ~ip4_mask(*plen)) ? -2 : 0;
}

int route_parse(const struct stack *st, const char *spec, struct route *r, char *err, size_t errlen)
{
	const char *comma = strchr(spec, ',');
	uint32_t prefix;
	unsigned plen;
	int rc = route_parse_prefix(spec, comma ? (size_t)(comma - spec) : strlen(spec), &prefix, &plen);

	if (rc == -2) {
		snprintf(err, errlen, "host bits set in \"%.*s\"", (int)(comma ? comma - spec : (long)strlen(spec)), spec);
		return -EINVAL;
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad prefix \"%.*s\" (want A.B.C.D/LEN or default)",
			 (int)(comma ? comma - spec : (long)strlen(spec)), spec);
		return -EINVAL;
	}
	if (!comma) {
		snprintf(err, errlen, "\"%s\" needs via=GW, prohibit or blackhole", spec);
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	r->prefix = prefix;
	r->plen = (uint8_t)plen;
	const char *what = comma + 1;
	if (strcmp(what, "prohibit") == 0) {
		r->type = RT_PROHIBIT;
		return 0;
	}
	if (strcmp(what, "blackhole") == 0) {
		r->type = RT_BLACKHOLE;
		return 0;
	}
	if (strncmp(what, "via=", 4) == 0) {
		uint32_t gw;
		if (ip4_aton(what + 4, &gw) != 0) {
			snprintf(err, errlen, "bad gateway \"%s\"", what + 4);
			return -EINVAL;
		}
		/* The gateway must be a neighbour: on one of our connected subnets (up or not yet), and
		 * not one of us. */
		const struct route *on = NULL;
		for (unsigned i = 0; i < st->routes.n; i++) {
			const struct route *c = &st->routes.r[i];
			if (c->type == RT_CONNECTED && ((gw ^ c->prefix) & ip4_mask(c->plen)) == 0 && (!on || c->plen > on->plen))
				on = c;
		}
		if (!on || ip4_is_local(st, gw)) {
			snprintf(err, errlen, "gateway %s is not on a connected subnet", what + 4);
			return -EINVAL;
		}
		r->type = RT_GATEWAY;
		r->gw = gw;
		r->ifindex = on->ifindex;
		return 0;
	}
	snprintf(err, errlen, "unknown route kind \"%s\" (via=GW, prohibit, blackhole)", what);
	return -EINVAL;
}

void route_show(const struct stack *st, struct sbuf *out)
{
	const struct route_table *t = &st->routes;
	for (unsigned i = 0; i < t->n; i++) {
		const struct route *r = &t->r[i];
		char a[16], g[16];
		if (r->plen == 0)
			sbuf_printf(out, "default");
		else
			sbuf_printf(out, "%s/%u", ip4_ntoa(r->prefix, a), r->plen);
		switch (r->type) {
		case RT_CONNECTED: {
			const struct iface *ifp = &st->ifs[r->ifindex];
			const struct ifaddr *ad = iface_addr_for(ifp, r->prefix);
			sbuf_printf(out, " dev %s scope link src %s%s\n", ifp->name, ip4_ntoa(ad ? ad->addr : 0, g),
				    ifp->up ? "" : " linkdown");
			break;
		}
		case RT_GATEWAY:
			sbuf_printf(out, " via %s dev %s%s\n", ip4_ntoa(r->gw, g), st->ifs[r->ifindex].name,
				    st->ifs[r->ifindex].up ? "" : " linkdown");
			break;
		case RT_PROHIBIT:
			sbuf_printf(out, " prohibit\n");
			break;
		default:
			sbuf_printf(out, " blackhole\n");
			break;
		}
	}
}

/* ---- the route cache: path MTUs and redirects learned from ICMP ---- */

static struct rtcache_entry *rtcache_find(struct stack *st, uint32_t dst)
{
	if (!st->rtcache.n)
		return NULL;
	for (unsigned i = 0; i < RTCACHE_SIZE; i++) {
		struct rtcache_entry *e = &st->rtcache.e[(dst + i) % RTCACHE_SIZE];
		if (!e->used)
			continue;
		if (e->pmtu && st->now >= e->pmtu_expires)
			e->pmtu = 0, e->locked = false;
		if (e->gw && st->now >= e->gw_expires)
			e->gw = 0;
		if (!e->pmtu && !e->gw) {
			e->used = false;
			st->rtcache.n--;
			continue;
		}
		if (e->dst == dst)
			return e;
	}
	return NULL;
}

static struct rtcache_entry *rtcache_get(struct stack *st, uint32_t dst)
{
	struct rtcache_entry *e = rtcache_find(st, dst), *lru = NULL;
	if (e)
		return e;

	for (unsigned i = 0; i < RTCACHE_SIZE; i++) {
		struct rtcache_entry *x = &st->rtcache.e[(dst + i) % RTCACHE_SIZE];
		if (!x->used) {
			lru = x;
			break;
		}
		if (!lru || x->last_use < lru->last_use)
			lru = x;
	}
	if (!lru->used)
		st->rtcache.n++;
	memset(lru, 0, sizeof(*lru));
	lru->used = true;
	lru->dst = dst;
	lru->last_use = st->now;
	return lru;
}

unsigned route_pmtu(struct stack *st, uint32_t dst, bool *locked)
{
	struct route_res rr;
	*locked = false;
	if (route_lookup(st, dst, &rr) != 0)
		return 0;
	unsigned mtu = st->ifs[rr.ifindex].mtu;
	struct rtcache_entry *e = rtcache_find(st, dst);
	if (e && e->pmtu && e->pmtu < mtu) {
		mtu = e->pmtu;
		*locked = e->locked;
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
	struct rtcache_entry *e = rtcache_get(st, dst);
	e->pmtu = (uint16_t)mtu;
	e->locked = lock;
	e->pmtu_expires = st->now + (uint64_t)st->knobs.mtu_expires * 1000;
	e->last_use = st->now;
}

void rtcache_learn_redirect(struct stack *st, uint32_t dst, uint32_t gw, unsigned ifindex)
{
	struct rtcache_entry *e = rtcache_get(st, dst);
	e->gw = gw;
	e->gw_ifindex = (uint16_t)ifindex;
	e->gw_expires = st->now + RTCACHE_REDIRECT_MS;
	e->last_use = st->now;
}

void rtcache_show(struct stack *st, struct sbuf *out)
{
	for (unsigned i = 0; i < RTCACHE_SIZE; i++) {
		struct rtcache_entry *e = &st->rtcache.e[i];
		char a[16], g[16];
		if (!e->used || rtcache_find(st, e->dst) != e)
			continue;
		sbuf_printf(out, "%s", ip4_ntoa(e->dst, a));
		if (e->gw)
			sbuf_printf(out, " via %s dev %s redirected expires %llus", ip4_ntoa(e->gw, g),
				    st->ifs[e->gw_ifindex].name, (unsigned long long)((e->gw_expires - st->now + 999) / 1000));
		if (e->pmtu)
			sbuf_printf(out, " pmtu %u%s expires %llus", e->pmtu, e->locked ? " lock" : "",
				    (unsigned long long)((e->pmtu_expires - st->now + 999) / 1000));
		sbuf_printf(out, "\n");
	}
}
