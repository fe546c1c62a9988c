/* ip/route.c — a small routing table with longest-prefix match. Connected routes come from the
 * interface addresses; static ones from the command line and the control socket. */
#include "ip/route.h"

#include <errno.h>

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
	const struct iface *ifp = &st->ifs[best->ifindex];
	const struct ifaddr *a = iface_addr_for(ifp, res->nexthop);
	res->src = a ? a->addr : ifp->naddr ? ifp->addr[0].addr : 0;
	return 0;
}
