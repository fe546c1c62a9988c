/* eth/ndisc_router.c — Redirects (V6.14) and Router Advertisements (V6.16) as a router. */
#include "eth/ndisc_router.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eth/neigh.h"
#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "ip/ip6.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/wire.h"

#define ND_REDIRECT_PEERS 64

/* V6.16: one interface's advertising. */
struct nd_ra_state {
	bool on;                /* the `ra` option */
	bool final_due;         /* turned off: one RA with Router Lifetime 0 to send */
	uint8_t initial_left;   /* of the first 3, at most 16 s apart */
	uint64_t next;          /* the next unsolicited RA; UINT64_MAX none */
	uint64_t last;          /* the last RA sent (multicast), for the 3 s spacing */
	uint64_t solicited_at;  /* an RA answering an RS is due then; UINT64_MAX none */
};

struct nd_router {
	struct icmp_peer peers[ND_REDIRECT_PEERS]; /* V6.14's buckets: per destination and per source */
	struct nd_ra_state ra[8];
};

int ndisc_router_init(struct stack *st)
{
	st->ndr = calloc(1, sizeof(*st->ndr));
	return st->ndr ? 0 : -ENOMEM;
}

#define RA_MIN_INTERVAL_MS   198000 /* MinRtrAdvInterval: 0.33 x MaxRtrAdvInterval */
#define RA_MAX_INTERVAL_MS   600000 /* MaxRtrAdvInterval, RFC 4861 6.2.1's default */
#define RA_INITIAL_MAX_MS    16000  /* MAX_INITIAL_RTR_ADVERT_INTERVAL */
#define RA_INITIAL_COUNT     3      /* MAX_INITIAL_RTR_ADVERTISEMENTS */
#define RA_MIN_DELAY_MS      3000   /* MIN_DELAY_BETWEEN_RAS */
#define RA_RS_DELAY_MS       500    /* MAX_RA_DELAY_TIME */
#define RA_LIFETIME_S        1800
#define RA_PIO_VALID_S       86400
#define RA_PIO_PREF_S        14400
#define REDIRECT_T_MS        1000
#define ND_HLIM              255

static const uint8_t allnodes[16] = { 0xff, 0x02, [15] = 1 };

/* Sends an ND message (checksum filled by icmp6_xmit) from our link-local on ifindex. */
static void ndr_send(struct stack *st, unsigned ifindex, const uint8_t *dst, const uint8_t *m, size_t len)
{
	const struct ifaddr6 *ll = ip6_linklocal(st, ifindex);
	uint8_t src[16], to[16];
	if (!ll)
		return;
	memcpy(src, ll->addr, 16);
	memcpy(to, dst, 16);
	struct pkb *p = stack_alloc(st, len);
	if (!p)
		return;
	memcpy(p->data, m, len);
	p->len = (uint32_t)len;
	struct ip6_tx tx = { .src = src, .dst = to, .oif = (int)ifindex, .onlink = true, .proto = IPPROTO_ICMPV6_,
			     .hlim = ND_HLIM };
	icmp6_xmit(st, p, &tx);
}

/* --- Redirects (V6.14) --- */

static bool ndr_peer_allow(struct stack *st, const uint8_t *addr)
{
	struct icmp_peer *e = icmp_peer_get(st, st->ndr->peers, ND_REDIRECT_PEERS, addr, 16);
	return icmp_peer_take(st, &e->tokens, &e->last, REDIRECT_T_MS);
}

void ndisc_maybe_redirect(struct stack *st, const struct pkb *p, unsigned ifindex, const uint8_t *nexthop,
			  bool gateway)
{
	const uint8_t *h = p->data, *src = h + IP6_SRC, *dst = h + IP6_DST;
	struct route6_res rr;

	/* No routing header (after a Hop-by-Hop one, if any). */
	uint8_t nxt = h[IP6_NXT];
	if (nxt == IPPROTO_HOPOPTS_ && p->len >= IP6_HLEN + 8)
		nxt = h[IP6_HLEN];
	if (nxt == IPPROTO_ROUTING_)
		return;
	/* The source must be on-link there: a route without a gateway (or link-local). */
	if (!ip6_is_linklocal(src) &&
	    (route6_lookup(st, src, (int)ifindex, &rr) != 0 || !rr.rt || rr.rt->type != RT6_CONNECTED))
		return;
	/* Target: the gateway, which must be link-local (RFC 4861 8.2), or the destination itself. */
	const uint8_t *target = gateway ? nexthop : dst;
	if (gateway && !ip6_is_linklocal(nexthop))
		return;
	if (!ndr_peer_allow(st, dst) || !ndr_peer_allow(st, src))
		return;
	uint8_t m[ICMP6_ERR_MAX - IP6_HLEN] = { ND_REDIRECT };
	size_t len = 40;
	memcpy(m + 8, target, 16);
	memcpy(m + 24, dst, 16);
	const struct neigh_entry *e = neigh_lookup(st, NEIGH_INET6, ifindex, target, 16);
	if (e && e->state != NEIGH_INCOMPLETE) {
		m[len] = 2; /* TLLAO */
		m[len + 1] = 1;
		memcpy(m + len + 2, e->mac, 6);
		len += 8;
	}
	/* Redirected Header: as much of the packet as fits 1280 bytes, a multiple of 8. */
	size_t room = (sizeof(m) - len - 8) & ~(size_t)7;
	size_t q = p->len < room ? p->len : room;
	size_t qpad = (q + 7) & ~(size_t)7;
	m[len] = 4;
	m[len + 1] = (uint8_t)((qpad + 8) / 8);
	memset(m + len + 2, 0, 6);
	memcpy(m + len + 8, h, q);
	memset(m + len + 8 + q, 0, qpad - q);
	len += 8 + qpad;
	uint8_t to[16];
	memcpy(to, src, 16);
	ndr_send(st, ifindex, to, m, len);
}

/* --- Router Advertisements (V6.16) --- */

static void ndr_send_ra(struct stack *st, unsigned ifindex, uint16_t lifetime)
{
	const struct iface *ifp = &st->ifs[ifindex];
	uint8_t m[16 + 8 + 8 + 32 * STACK_MAX_ADDRS6] = { ND_ROUTER_ADVERT };
	size_t len = 16;
	m[4] = 64;                                  /* Cur Hop Limit; M = O = 0 */
	be16_put(m + 6, lifetime);                  /* Reachable, Retrans: 0 */
	m[len] = 1;                                 /* SLLAO */
	m[len + 1] = 1;
	memcpy(m + len + 2, ifp->mac, 6);
	len += 8;
	m[len] = 5;                                 /* MTU */
	m[len + 1] = 1;
	be32_put(m + len + 4, ifp->in6->mtu);
	len += 8;
	for (unsigned i = 0; i < ifp->in6->naddr; i++) {
		const struct ifaddr6 *a = &ifp->in6->addr[i];
		if ((a->flags & (IFA6_F_LINKLOCAL | IFA6_F_ANYCAST | IFA6_F_SLAAC)) || a->plen != 64)
			continue;
		bool dup = false;                   /* one PIO per /64 */
		for (unsigned j = 0; j < i; j++)
			dup |= ifp->in6->addr[j].plen == 64 && !(ifp->in6->addr[j].flags & (IFA6_F_LINKLOCAL | IFA6_F_SLAAC)) &&
			       ip6_prefix_eq(ifp->in6->addr[j].addr, a->addr, 64);
		if (dup)
			continue;
		uint8_t *o = m + len;
		o[0] = 3;
		o[1] = 4;
		o[2] = 64;
		o[3] = 0xc0;                        /* L, A */
		be32_put(o + 4, RA_PIO_VALID_S);
		be32_put(o + 8, RA_PIO_PREF_S);
		memcpy(o + 16, a->addr, 8);
		len += 32;
	}
	ndr_send(st, ifindex, allnodes, m, len);
	st->ndr->ra[ifindex].last = st->now;
}

static uint64_t ndr_next_interval(struct stack *st, struct nd_ra_state *r)
{
	uint64_t iv = RA_MIN_INTERVAL_MS + stack_random(st) % (RA_MAX_INTERVAL_MS - RA_MIN_INTERVAL_MS);
	if (r->initial_left) {
		r->initial_left--;
		if (iv > RA_INITIAL_MAX_MS)
			iv = RA_INITIAL_MAX_MS;
	}
	return iv;
}

bool ndisc_ra_enabled(const struct stack *st, unsigned ifindex)
{
	return ifindex < STACK_MAX_IFACES && st->ndr->ra[ifindex].on;
}

void ndisc_ra_set(struct stack *st, unsigned ifindex, bool on)
{
	if (ifindex >= st->nifs || ifindex >= STACK_MAX_IFACES)
		return;
	struct nd_ra_state *r = &st->ndr->ra[ifindex];
	if (on == r->on)
		return;
	r->on = on;
	r->solicited_at = UINT64_MAX;
	if (on) {
		ip6_mc_join(st, ifindex, ip6_allrouters);
		r->initial_left = RA_INITIAL_COUNT - 1; /* the gaps after the first and the second */
		r->final_due = false;
		r->next = st->now; /* the first goes once the link-local address is valid */
	} else {
		ip6_mc_leave(st, ifindex, ip6_allrouters);
		r->next = UINT64_MAX;
		r->final_due = true;
	}
}

void ndisc_ra_solicited(struct stack *st, unsigned ifindex)
{
	if (!ndisc_ra_enabled(st, ifindex) || !st->knobs.ip6_forwarding)
		return;
	struct nd_ra_state *r = &st->ndr->ra[ifindex];
	uint64_t at = st->now + stack_random(st) % RA_RS_DELAY_MS;
	if (r->last && at < r->last + RA_MIN_DELAY_MS)
		at = r->last + RA_MIN_DELAY_MS;
	if (at < r->solicited_at)
		r->solicited_at = at;
}

void ndisc_ra_shutdown(struct stack *st)
{
	for (unsigned i = 0; i < st->nifs && i < STACK_MAX_IFACES; i++)
		if (st->ndr->ra[i].on && st->knobs.ip6_forwarding && st->ifs[i].up)
			ndr_send_ra(st, i, 0);
}

void ndisc_router_poll(struct stack *st)
{
	for (unsigned i = 0; i < st->nifs && i < STACK_MAX_IFACES; i++) {
		struct nd_ra_state *r = &st->ndr->ra[i];
		if (r->final_due) {
			r->final_due = false;
			if (st->ifs[i].up && st->knobs.ip6_forwarding)
				ndr_send_ra(st, i, 0);
		}
		if (!r->on)
			continue;
		/* Advertising needs forwarding on, the link up and our link-local valid. */
		if (!st->knobs.ip6_forwarding || !st->ifs[i].up || st->ifs[i].in6->disabled || !ip6_linklocal(st, i)) {
			if (r->next < st->now + 1000)
				r->next = st->now + 1000;
			continue;
		}
		if (st->now >= r->solicited_at || st->now >= r->next) {
			bool unsolicited = st->now >= r->next;
			ndr_send_ra(st, i, RA_LIFETIME_S);
			r->solicited_at = UINT64_MAX;
			if (unsolicited)
				r->next = st->now + ndr_next_interval(st, r);
		}
	}
}

uint64_t ndisc_router_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < st->nifs && i < STACK_MAX_IFACES; i++) {
		const struct nd_ra_state *r = &st->ndr->ra[i];
		if (r->final_due)
			return st->now;
		if (!r->on)
			continue;
		if (r->next < d)
			d = r->next;
		if (r->solicited_at < d)
			d = r->solicited_at;
	}
	return d;
}
