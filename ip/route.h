/* ip/route.h — the routing table: connected prefixes (one per interface address) and static routes,
 * longest prefix match. */
#ifndef TAPSTACK_ROUTE_H
#define TAPSTACK_ROUTE_H

#include <stdbool.h>
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

/* Per-destination exceptions learned from ICMP (Linux's fib_nh_exception): a path MTU (R8.4) and
 * a redirected gateway (R8.5), each with its own expiry. Fixed size; the least recently used
 * entry gives way. */
#define RTCACHE_SIZE        256
#define RTCACHE_REDIRECT_MS 300000

struct rtcache_entry {
	uint32_t dst;
	bool used;
	bool locked;            /* a report below min_pmtu: pmtu = min_pmtu, DF off */
	uint16_t pmtu;          /* 0: none */
	uint16_t gw_ifindex;
	uint32_t gw;            /* 0: none */
	uint64_t pmtu_expires, gw_expires, last_use;
};

struct rtcache {
	struct rtcache_entry e[RTCACHE_SIZE];
	unsigned n;             /* entries in use: lookups skip the table while it is empty */
};

struct route_res {
	const struct route *rt;
	unsigned ifindex;
	uint32_t nexthop;  /* the gateway, or the destination itself when on-link */
	uint32_t src;      /* preferred source: our address on the egress interface */
	bool redirected;   /* nexthop comes from a redirect exception */
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
/* The path MTU toward dst: the egress MTU, lowered by a cached report; 0 without a route.
 * *locked says whether DF must be left off (a report below min_pmtu). */
unsigned route_pmtu(struct stack *st, uint32_t dst, bool *locked);
/* R8.4: a frag-needed report of mtu for dst (0 counts as below min_pmtu). Never raises. */
void rtcache_learn_pmtu(struct stack *st, uint32_t dst, unsigned mtu);
/* R8.5: a host exception for dst via gw on ifindex for 300 s. */
void rtcache_learn_redirect(struct stack *st, uint32_t dst, uint32_t gw, unsigned ifindex);
/* Appends the live exceptions with their remaining lifetime. */
void rtcache_show(struct stack *st, struct sbuf *out);
/* Finds the best route to dst: 0, or -ENETUNREACH. */
int route_lookup(const struct stack *st, uint32_t dst, struct route_res *res);

#endif
