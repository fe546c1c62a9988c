/* ip/route6.h — the IPv6 routing table: connected prefixes, static routes, routes learned from
 * Router Advertisements (default routers, on-link prefixes, with lifetimes), longest prefix
 * match; and the calls that put IPv6 exceptions in the route cache of both families (ip/rtcache.h):
 * path MTU from Packet Too Big, V10.4; redirects, V6.15. */
#ifndef TAPSTACK_ROUTE6_H
#define TAPSTACK_ROUTE6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/route_spec.h"
#include "ip/rtcache.h"

struct stack;

#define ROUTE6_MAX    64
#define RT6_RA_ROUTERS_MAX 16 /* default routers learned per interface (an RA flood cannot grow memory) */

/* The kinds of route6_table are those of route_table (ip/route_spec.h). */
enum route6_type {
	RT6_CONNECTED = RT_CONNECTED,
	RT6_GATEWAY = RT_GATEWAY,
	RT6_PROHIBIT = RT_PROHIBIT,
	RT6_BLACKHOLE = RT_BLACKHOLE,
};
enum { RT6_F_RA = 1u /* learned from an RA: expires */ };

struct route6 {
	uint8_t prefix[16];     /* masked */
	uint8_t plen;
	uint8_t type;           /* enum route6_type */
	uint8_t flags;          /* RT6_F_* */
	uint16_t ifindex;
	struct inet_addr gw;    /* RT6_GATEWAY: a link-local or global neighbour on ifindex */
	uint64_t expires;       /* RT6_F_RA: ms; UINT64_MAX forever */
};

struct route6_res {
	const struct route6 *rt;
	unsigned ifindex;
	uint8_t nexthop[16];    /* the gateway, or the destination itself when on-link */
	bool redirected;
};

/* Allocates the IPv6 table: 0 or -ENOMEM. */
int route6_init(struct stack *st);
/* Calls fn for every route, in table order. */
void route6_foreach(const struct stack *st, void (*fn)(const struct route6 *r, void *arg), void *arg);
/* V6.12's bounds: the on-link prefixes learned from RAs on ifindex; the default routers learned
 * there, and in *known whether gw is one of them. */
unsigned route6_ra_prefixes(const struct stack *st, unsigned ifindex);
unsigned route6_ra_routers(const struct stack *st, unsigned ifindex, const uint8_t *gw, bool *known);
/* V4.8: a is the Subnet-Router anycast of a connected prefix (its bits past the prefix all 0). */
bool route6_is_subnet_anycast(const struct stack *st, const uint8_t *a);
/* Adds a route (prefix masked here); 0, -EEXIST, -ENOSPC, -EINVAL. */
int route6_add(struct stack *st, const struct route6 *r);
/* Removes the route for prefix/plen of the given type (0: any static): 0, -ESRCH, or (type 0)
 * -EPERM when only a connected route has that prefix (as route_del). */
int route6_del(struct stack *st, const uint8_t *prefix, unsigned plen, unsigned ifindex, int type);
/* Removes every route through gw on ifindex (a router that stopped being one, V6.7). */
void route6_del_gw(struct stack *st, unsigned ifindex, const uint8_t *gw);
/* Best route to dst. oif >= 0 binds the lookup to that interface (link-local and multicast
 * destinations need it: they are on-link there). 0 or -ENETUNREACH. */
int route6_lookup(struct stack *st, const uint8_t *dst, int oif, struct route6_res *res);
/* Where a global gateway gw can be: the interface of the first connected prefix holding it, or -1. */
int route6_gw_ifindex(const struct stack *st, const uint8_t *gw);
/* Expires RA-learned routes and old IPv6 exceptions. */
void route6_poll(struct stack *st);
uint64_t route6_deadline(const struct stack *st);
/* Path MTU toward dst leaving by ifindex: the interface's IPv6 MTU, lowered by a report. */
unsigned route6_pmtu(struct stack *st, const uint8_t *dst, unsigned ifindex);
/* V10.4: a Packet Too Big of mtu about dst; below 1280 or not lower: no change. */
void rt6cache_learn_pmtu(struct stack *st, const uint8_t *dst, unsigned mtu);
/* V6.15: dst via target on ifindex. */
void rt6cache_learn_redirect(struct stack *st, const uint8_t *dst, const uint8_t *target, unsigned ifindex);

#endif
