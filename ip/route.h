/* ip/route.h — the routing table: connected prefixes (one per interface address) and static routes,
 * longest prefix match. */
#ifndef TAPSTACK_ROUTE_H
#define TAPSTACK_ROUTE_H

#include <stddef.h>
#include <stdint.h>

struct stack;
struct sbuf;

#define ROUTE_MAX 64

enum route_type { RT_CONNECTED = 1, RT_GATEWAY, RT_PROHIBIT, RT_BLACKHOLE };

struct route {
	uint32_t prefix;   /* host order, masked */
	uint8_t plen;
	uint8_t type;      /* enum route_type */
	uint16_t ifindex;
	uint32_t gw;       /* RT_GATEWAY */
};

struct route_table {
	struct route r[ROUTE_MAX];
	unsigned n;
};

struct route_res {
	const struct route *rt;
	unsigned ifindex;
	uint32_t nexthop;  /* the gateway, or the destination itself when on-link */
	uint32_t src;      /* preferred source: our address on the egress interface */
};

/* Adds a route; 0, -EEXIST, -ENOSPC, -EINVAL (gateway not on-link). */
int route_add(struct stack *st, const struct route *r);
/* Removes a static route: 0, -ESRCH (none), -EPERM (a connected route: remove the address). */
int route_del(struct stack *st, uint32_t prefix, unsigned plen);
/* Parses "PREFIX/LEN,via=GW", "default,via=GW", "PREFIX/LEN,prohibit", "PREFIX/LEN,blackhole":
 * 0, or -EINVAL with a one-line reason in err. The gateway must be on a connected subnet. */
int route_parse(const struct stack *st, const char *spec, struct route *r, char *err, size_t errlen);
/* Appends the table, `ip route` style. */
void route_show(const struct stack *st, struct sbuf *out);
/* Finds the best route to dst: 0, or -ENETUNREACH. */
int route_lookup(const struct stack *st, uint32_t dst, struct route_res *res);

#endif
