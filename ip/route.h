/* ip/route.h — the routing table: connected prefixes (one per interface address) and static routes,
 * longest prefix match. */
#ifndef TAPSTACK_ROUTE_H
#define TAPSTACK_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/route_spec.h"
#include "ip/rtcache.h"

struct stack;

#define ROUTE_MAX 64

struct route {
	uint32_t prefix;   /* host order, masked */
	uint8_t plen;
	uint8_t type;      /* enum route_type (ip/route_spec.h) */
	uint16_t ifindex;
	struct inet_addr gw; /* RT_GATEWAY */
};

struct route_res {
	const struct route *rt;
	unsigned ifindex;
	uint32_t nexthop;  /* the gateway, or the destination itself when on-link */
	uint32_t src;      /* preferred source: our address on the egress interface */
	bool redirected;   /* nexthop comes from a redirect exception */
};

/* Allocates the IPv4 table and the route cache of both families (ip/rtcache.h): 0 or -ENOMEM. */
int route_init(struct stack *st);
/* Adds a route; 0, -EEXIST, -ENOSPC, -EINVAL (gateway not on-link). */
int route_add(struct stack *st, const struct route *r);
/* Removes a static route: 0, -ESRCH (none), -EPERM (a connected route: remove the address). */
int route_del(struct stack *st, uint32_t prefix, unsigned plen);
/* Where a gateway gw can be: the interface of the most specific connected route holding it (up
 * or not yet), or -1 when none does or gw is one of ours (a gateway must be a neighbour). */
int route_gw_ifindex(const struct stack *st, uint32_t gw);
/* Calls fn for every route, in table order (the `route` printout, ctl/route_cmd.c). */
void route_foreach(const struct stack *st, void (*fn)(const struct route *r, void *arg), void *arg);
/* The path MTU toward dst: the egress MTU, lowered by a cached report; 0 without a route.
 * *locked says whether DF must be left off (a report below min_pmtu). */
unsigned route_pmtu(struct stack *st, uint32_t dst, bool *locked);
/* The cache of exceptions (ip/rtcache.h), IPv4's calls:
 * R8.4: a frag-needed report of mtu for dst (0 counts as below min_pmtu). Never raises. */
void rtcache_learn_pmtu(struct stack *st, uint32_t dst, unsigned mtu);
/* R8.5: a host exception for dst via gw on ifindex for 300 s (RTCACHE_REDIRECT_MS). */
void rtcache_learn_redirect(struct stack *st, uint32_t dst, uint32_t gw, unsigned ifindex);
/* Finds the best route to dst: 0, or -ENETUNREACH. */
int route_lookup(const struct stack *st, uint32_t dst, struct route_res *res);

#endif
