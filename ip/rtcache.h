/* ip/rtcache.h — the route cache of both families: per-destination exceptions learned from ICMP
 * (Linux's fib_nh_exception), a path MTU (R8.4, V10.4) and a redirected first hop (R8.5, V6.15),
 * keyed by a struct inet_addr. One table; each family has a region of its own size, and the ways the
 * two families age their exceptions are data in rtcache.c, not two copies of the code:
 *   IPv4: 256 entries placed by the address's low bits; a redirect lives 300 s from when it was
 *         learned; expired parts are dropped when a lookup, a new exception or the listing
 *         (rtcache_foreach) meets them (no timer), and a lookup checks the expiry itself.
 *   IPv6: 128 entries from the first slot; a redirect lives 60 s from its last use (route/gc_timeout);
 *         expired parts are dropped by rtcache_expire from the stack's timer.
 * A full region gives its least recently learned entry to a new destination.
 * The cache knows no struct stack: the caller passes the time (ms). */
#ifndef TAPSTACK_RTCACHE_H
#define TAPSTACK_RTCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/addr.h"

#define RTCACHE_V4_SIZE          256
#define RTCACHE_V6_SIZE          128
#define RTCACHE_REDIRECT_MS      300000 /* IPv4: from learning */
#define RTCACHE_REDIRECT6_IDLE_MS 60000 /* IPv6: from the last use */

struct rtcache_entry {
	bool used;              /* first, beside dst: what a lookup reads of each entry */
	bool has_gw;
	bool locked;            /* IPv4: a report below min_pmtu: pmtu = min_pmtu, DF off */
	uint16_t pmtu;          /* 0: none */
	uint16_t gw_ifindex;
	struct inet_addr dst;
	struct inet_addr gw;    /* the redirected first hop, when has_gw */
	uint64_t pmtu_expires, gw_expires, last_use;
};

struct rtcache {
	struct rtcache_entry e[RTCACHE_V4_SIZE + RTCACHE_V6_SIZE]; /* IPv4's region, then IPv6's */
	/* Per family, entries in use by a hash of their destination, four counters an entry: a lookup
	 * whose count is 0 misses without looking further (the forwarding path's usual case while
	 * some exception exists, even with a full region). */
	uint16_t homes[4 * (RTCACHE_V4_SIZE + RTCACHE_V6_SIZE)];
	unsigned n[2];          /* entries in use, per family: lookups skip an empty region */
};

/* The index of a family's counters: 0 IPv4, 1 IPv6. */
static inline unsigned rtcache_fam(enum inet_family f)
{
	return f == INET_V6;
}

/* No exception of that family: the forwarding path tests this before anything else. */
static inline bool rtcache_empty(const struct rtcache *c, enum inet_family f)
{
	return c->n[rtcache_fam(f)] == 0;
}

/* The live path MTU toward dst (0: none); *locked (may be NULL) its lock. */
unsigned rtcache_pmtu(struct rtcache *c, const struct inet_addr *dst, uint64_t now, bool *locked);
/* Records a path MTU for dst until expires. */
void rtcache_set_pmtu(struct rtcache *c, const struct inet_addr *dst, unsigned mtu, bool locked, uint64_t expires,
		      uint64_t now);
/* Records that dst goes via gw on ifindex. */
void rtcache_set_redirect(struct rtcache *c, const struct inet_addr *dst, const struct inet_addr *gw,
			  unsigned ifindex, uint64_t now);
/* The exception holding a live redirect for dst, or NULL; touches nothing (lookups are const). */
const struct rtcache_entry *rtcache_redirect(const struct rtcache *c, const struct inet_addr *dst, uint64_t now);
/* A lookup took e's redirect: a family whose redirects live from their last use restarts it. */
void rtcache_redirect_used(struct rtcache *c, const struct rtcache_entry *e, uint64_t now);
/* Drops the expired parts of a family's exceptions, and the exceptions left empty. */
void rtcache_expire(struct rtcache *c, enum inet_family f, uint64_t now);
/* The earliest expiry among a family's exceptions; UINT64_MAX when none. */
uint64_t rtcache_deadline(const struct rtcache *c, enum inet_family f);
/* The family's exceptions in table order: prev NULL for the first; NULL after the last. A family
 * aged by its lookups is aged by this walk too, so it yields only live exceptions. */
const struct rtcache_entry *rtcache_next(struct rtcache *c, enum inet_family f, const struct rtcache_entry *prev,
					 uint64_t now);

/* One exception as the `route cache` listing gives it (ctl/route_cmd.c says it in words): what is
 * left of each part's life at the time of the walk. */
struct rtcache_info {
	struct inet_addr dst;
	bool has_gw;            /* a redirect: gw on gw_ifindex, for gw_left_ms more */
	struct inet_addr gw;
	unsigned gw_ifindex;
	uint64_t gw_left_ms;    /* 0 when past its expiry (IPv6: until the timer drops it) */
	unsigned pmtu;          /* a live path MTU, 0 none (an expired one the timer has yet to drop: 0) */
	bool locked;
	uint64_t pmtu_left_ms;
};
/* Calls fn for each of a family's exceptions in table order, as rtcache_next walks them (a family
 * aged by its lookups drops its expired parts first). */
void rtcache_foreach(struct rtcache *c, enum inet_family f, uint64_t now,
		     void (*fn)(const struct rtcache_info *x, void *arg), void *arg);

#endif
