/* eth/ndisc.c — Neighbor Discovery (see ndisc.h): NS/NA, DAD, RS, RA and Redirect as a host.
 * The cache, its states and its pending queue are the neighbour subsystem's (eth/neigh.c). */
#include "eth/ndisc.h"

#include <string.h>

#include "eth/eth.h"
#include "eth/ndisc_router.h"
#include "eth/neigh.h"
#include "icmp/icmp6.h"
#include "ip/ip6.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/wire.h"

#define ND_HLIM 255
enum { ND_OPT_SLLAO = 1, ND_OPT_TLLAO = 2, ND_OPT_PREFIX = 3, ND_OPT_REDIRECTED = 4, ND_OPT_MTU = 5,
       ND_OPT_NONCE = 14 };
#define NA_F_ROUTER    0x80
#define NA_F_SOLICITED 0x40
#define NA_F_OVERRIDE  0x20
#define ND_PIO_MAX     16

/* The options of a received ND message (V6.1): the first of each kind; every prefix option. */
struct nd_opts {
	const uint8_t *sllao, *tllao, *mtu, *nonce, *redirected;
	const uint8_t *pio[ND_PIO_MAX];
	unsigned npio;
};

/* False when an option is malformed: length 0, past the end, a link-layer option not 8 bytes. */
static bool nd_opts_parse(const uint8_t *o, size_t len, struct nd_opts *out)
{
	memset(out, 0, sizeof(*out));
	while (len) {
		if (len < 2 || o[1] == 0 || (size_t)o[1] * 8 > len)
			return false;
		size_t olen = (size_t)o[1] * 8;
		switch (o[0]) {
		case ND_OPT_SLLAO:
		case ND_OPT_TLLAO:
			if (olen != 8)
				return false;
			if (o[0] == ND_OPT_SLLAO && !out->sllao)
				out->sllao = o;
			if (o[0] == ND_OPT_TLLAO && !out->tllao)
				out->tllao = o;
			break;
		case ND_OPT_MTU:
			if (!out->mtu && olen == 8)
				out->mtu = o;
			break;
		case ND_OPT_NONCE:
			if (!out->nonce)
				out->nonce = o;
			break;
		case ND_OPT_REDIRECTED:
			if (!out->redirected)
				out->redirected = o;
			break;
		case ND_OPT_PREFIX:
			if (olen == 32 && out->npio < ND_PIO_MAX)
				out->pio[out->npio++] = o;
			break;
		default:
			break; /* unknown options are ignored */
		}
		o += olen;
		len -= olen;
	}
	return true;
}

static uint32_t nd_random_ms(struct stack *st, uint32_t max)
{
	return max ? stack_random(st) % max : 0;
}

/* Sends an ND message of len bytes at m (checksum filled here) from src to dst on ifindex. */
static void nd_send(struct stack *st, unsigned ifindex, const uint8_t *src, const uint8_t *dst, const uint8_t *m,
		    size_t len)
{
	struct pkb *p = stack_alloc(st, len);
	if (!p)
		return;
	memcpy(p->data, m, len);
	p->len = (uint32_t)len;
	p->ifindex = (uint16_t)ifindex;
	struct ip6_tx tx = { .src = src, .dst = dst, .oif = (int)ifindex, .onlink = true,
			     .proto = IPPROTO_ICMPV6_, .hlim = ND_HLIM };
	icmp6_xmit(st, p, &tx);
}

static size_t nd_put_lla(uint8_t *o, uint8_t type, const uint8_t mac[6])
{
	o[0] = type;
	o[1] = 1;
	memcpy(o + 2, mac, 6);
	return 8;
}

/* An NS for target: src NULL is :: (DAD, no SLLAO, with nonce); dst NULL is target's
 * solicited-node group. */
static void nd_send_ns(struct stack *st, unsigned ifindex, const uint8_t *src, const uint8_t *dst,
		       const uint8_t *target, const uint8_t *nonce)
{
	uint8_t m[40] = { ND_NEIGHBOR_SOLICIT }, sn[16];
	size_t len = 24;
	memcpy(m + 8, target, 16);
	if (src)
		len += nd_put_lla(m + len, ND_OPT_SLLAO, st->ifs[ifindex].mac);
	if (nonce) {
		m[len] = ND_OPT_NONCE;
		m[len + 1] = 1;
		memcpy(m + len + 2, nonce, 6);
		len += 8;
	}
	if (!dst) {
		ip6_solicited_node(target, sn);
		dst = sn;
	}
	CNT(st, NdOutNS);
	nd_send(st, ifindex, src ? src : ip6_any, dst, m, len);
}

static void nd_send_na(struct stack *st, unsigned ifindex, const uint8_t *target, const uint8_t *dst, uint8_t flags,
		       bool tllao)
{
	uint8_t m[32] = { ND_NEIGHBOR_ADVERT }, src[16];
	size_t len = 24;
	m[4] = flags;
	memcpy(m + 8, target, 16);
	if (tllao)
		len += nd_put_lla(m + len, ND_OPT_TLLAO, st->ifs[ifindex].mac);
	/* From the target when it is one of our addresses; an anycast target is never a source: one of
	 * ours chosen toward the asker [ndisc.c:ndisc_send_na]. */
	if (ip6_addr_find(st, target, NULL))
		memcpy(src, target, 16);
	else if (ip6_select_src(st, dst, (int)ifindex, src) != 0)
		return;
	CNT(st, NdOutNA);
	nd_send(st, ifindex, src, dst, m, len);
}

#define ND_PROXY_DELAY_MS 800 /* neigh/default/proxy_delay: an anycast NA waits up to this */

/* V6.3: an NS for our subnet-router anycast address (forwarding): NA with O=0; to a multicast NS
 * only after a random delay, so that the anycast's other owners answer too. */
static void nd_anycast_ns(struct stack *st, unsigned ifindex, const uint8_t *target, const uint8_t *src, bool mcast)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	if (!mcast) {
		nd_send_na(st, ifindex, target, src, NA_F_SOLICITED | NA_F_ROUTER, false);
		return;
	}
	if (in6->ndelayed >= sizeof(in6->delayed) / sizeof(in6->delayed[0]))
		return; /* bounded, as Linux's proxy_qlen */
	struct nd_delayed_na *d = &in6->delayed[in6->ndelayed++];
	memcpy(d->target, target, 16);
	memcpy(d->dst, src, 16);
	d->at = st->now + nd_random_ms(st, ND_PROXY_DELAY_MS);
}

static void nd_delayed_poll(struct stack *st, unsigned ifindex)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned i = 0; i < in6->ndelayed;) {
		struct nd_delayed_na d = in6->delayed[i];
		if (st->now < d.at) {
			i++;
			continue;
		}
		in6->delayed[i] = in6->delayed[--in6->ndelayed];
		nd_send_na(st, ifindex, d.target, d.dst, NA_F_SOLICITED | NA_F_ROUTER, true);
	}
}

/* neigh_ops.solicit (V6.8): the source is the waiting packet's when it is ours, else our link-local. */
static void nd_solicit(struct stack *st, const struct neigh_entry *e, const uint8_t *mac)
{
	const uint8_t *src = NULL;
	if (e->q.head && e->q.head->len >= IP6_HLEN && ip6_is_local(st, e->q.head->data + IP6_SRC))
		src = e->q.head->data + IP6_SRC;
	if (!src) {
		const struct ifaddr6 *ll = ip6_linklocal(st, e->ifindex);
		if (!ll)
			return; /* nothing to speak from yet */
		src = ll->addr;
	}
	uint8_t from[16];
	memcpy(from, src, 16);
	nd_send_ns(st, e->ifindex, from, mac ? e->addr : NULL, e->addr, NULL);
}

/* V6.8, V6.12: the interface's times: retrans and base reachable time from the last RA, else the
 * neigh knobs; REACHABLE lasts a random [0.5, 1.5) x base [neighbour.c:neigh_rand_reach_time]. */
static uint32_t nd_time_ms(struct stack *st, const struct neigh_entry *e, int which)
{
	const struct iface6 *in6 = st->ifs[e->ifindex].in6;
	switch (which) {
	case NEIGH_T_REACHABLE: {
		uint32_t base = in6->base_reachable_ms ? in6->base_reachable_ms : (uint32_t)st->knobs.ip6_base_reachable_time_ms;
		return base / 2 + nd_random_ms(st, base);
	}
	case NEIGH_T_STALE:
		return (uint32_t)st->knobs.ip6_gc_stale_time * 1000;
	case NEIGH_T_DELAY:
		return (uint32_t)st->knobs.ip6_delay_first_probe_time * 1000;
	default:
		return in6->retrans_ms ? in6->retrans_ms : (uint32_t)st->knobs.ip6_retrans_time_ms;
	}
}

/* IPv6's timing (§0: retrans 1 s, 3 multicast and 3 unicast solicitations, REACHABLE ~30 s,
 * DELAY 5 s, an unused STALE entry kept 60 s; nd_time_ms follows the knobs and RAs). */
static const struct neigh_ops nd_ops = {
	.reachable_ms = 30000,
	.stale_ms = 60000,
	.delay_ms = 5000,
	.retrans_ms = 1000,
	.mcast_solicit = 3,
	.ucast_probes = 3,
	.ethertype = ETH_P_IPV6,
	.c_resolve_failed = C_NdResolveFailed,
	.c_evictions = C_NdCacheEvictions,
	.c_queue_drops = C_NdQueueDrops,
	.solicit = nd_solicit,
	.failed = ip6_neigh_failed,
	.probe_fails = true,
	.time_ms = nd_time_ms,
};

void ndisc_init(struct stack *st)
{
	neigh_register(st, NEIGH_INET6, &nd_ops);
}

void ndisc_output(struct stack *st, struct pkb *p, const uint8_t *nh)
{
	neigh_output(st, NEIGH_INET6, p, nh, 16);
}

/* --- DAD (V6.9) --- */

void ndisc_dad_start(struct stack *st, unsigned ifindex, struct ifaddr6 *a)
{
	uint8_t sn[16];
	ip6_solicited_node(a->addr, sn);
	ip6_mc_join(st, ifindex, sn);
	if (!st->knobs.ip6_accept_dad || !st->knobs.ip6_dad_transmits) {
		a->state = IFA6_VALID;
		a->dad_timer = UINT64_MAX;
		return;
	}
	a->state = IFA6_TENTATIVE;
	a->dad_left = (uint8_t)st->knobs.ip6_dad_transmits;
	for (unsigned i = 0; i < 6; i++)
		a->nonce[i] = (uint8_t)stack_random(st);
	a->dad_timer = st->now + nd_random_ms(st, 1000);
}

static void nd_dad_failed(struct stack *st, unsigned ifindex, struct ifaddr6 *a)
{
	uint8_t sn[16];
	CNT(st, NdDadFailures);
	a->state = IFA6_DADFAILED;
	a->dad_timer = UINT64_MAX;
	ip6_solicited_node(a->addr, sn);
	ip6_mc_leave(st, ifindex, sn);
}

/* An address became valid: a link-local one starts router solicitation (V6.11). */
static void nd_addr_valid(struct stack *st, unsigned ifindex, struct ifaddr6 *a)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	a->state = IFA6_VALID;
	a->dad_timer = UINT64_MAX;
	if ((a->flags & IFA6_F_LINKLOCAL) && !st->knobs.ip6_forwarding && st->knobs.ip6_accept_ra &&
	    st->knobs.ip6_router_solicitations != 0 && !in6->ra_seen && in6->rs_sent == 0) {
		in6->rs_next = st->now + nd_random_ms(st, (uint32_t)st->knobs.ip6_rs_delay * 1000 + 1);
		in6->rs_wait_ms = 0;
	}
}

void ndisc_iface_up(struct stack *st, unsigned ifindex)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	in6->rs_sent = 0;
	in6->ra_seen = false;
	in6->rs_next = UINT64_MAX;
}

static void nd_send_rs(struct stack *st, unsigned ifindex)
{
	const struct ifaddr6 *ll = ip6_linklocal(st, ifindex);
	uint8_t m[16] = { ND_ROUTER_SOLICIT }, src[16];
	if (!ll)
		return;
	memcpy(src, ll->addr, 16);
	nd_put_lla(m + 8, ND_OPT_SLLAO, st->ifs[ifindex].mac);
	CNT(st, NdOutRS);
	nd_send(st, ifindex, src, ip6_allrouters, m, sizeof(m));
}

/* V6.11: 4 s x [0.9, 1.1] after the first, each wait then x [1.9, 2.1], capped near the maximum. */
static void nd_rs_timer(struct stack *st, unsigned ifindex)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	if (in6->ra_seen || st->knobs.ip6_forwarding ||
	    (st->knobs.ip6_router_solicitations >= 0 && in6->rs_sent >= st->knobs.ip6_router_solicitations)) {
		in6->rs_next = UINT64_MAX;
		return;
	}
	nd_send_rs(st, ifindex);
	if (in6->rs_sent < 255)
		in6->rs_sent++;
	uint64_t max = (uint64_t)st->knobs.ip6_rs_max_interval * 1000;
	uint64_t w;
	/* RFC 3315 14 as Linux's rfc3315_s14_backoff_update: the first wait is the interval +-10 %,
	 * each later one twice the last +-10 % of the last, so x [1.9, 2.1]. */
	if (!in6->rs_wait_ms)
		w = (uint64_t)st->knobs.ip6_rs_interval * 1000 * (900 + nd_random_ms(st, 201)) / 1000;
	else
		w = (uint64_t)in6->rs_wait_ms * (1900 + nd_random_ms(st, 201)) / 1000;
	if (w > max)
		w = max * (900 + nd_random_ms(st, 201)) / 1000;
	in6->rs_wait_ms = (uint32_t)w;
	in6->rs_next = st->now + w;
}

void ndisc_poll(struct stack *st)
{
	for (unsigned i = 0; i < st->nifs; i++) {
		struct iface6 *in6 = st->ifs[i].in6;
		if (!st->ifs[i].up || in6->disabled)
			continue;
		ip6_router_groups_sync(st, i);
		nd_delayed_poll(st, i);
		for (unsigned j = 0; j < in6->naddr; j++) {
			struct ifaddr6 *a = &in6->addr[j];
			/* SLAAC addresses end with their valid lifetime. */
			if ((a->flags & IFA6_F_SLAAC) && st->now >= a->valid_until) {
				ip6_addr_del(st, i, a->addr);
				j--;
				continue;
			}
			if (a->state != IFA6_TENTATIVE || st->now < a->dad_timer)
				continue;
			if (a->dad_left) {
				a->dad_left--;
				nd_send_ns(st, i, NULL, NULL, a->addr, a->nonce);
				a->dad_timer = st->now + (in6->retrans_ms ? in6->retrans_ms : (uint64_t)st->knobs.ip6_retrans_time_ms);
			} else {
				nd_addr_valid(st, i, a);
			}
		}
		if (st->now >= in6->rs_next)
			nd_rs_timer(st, i);
	}
}

uint64_t ndisc_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < st->nifs; i++) {
		const struct iface6 *in6 = st->ifs[i].in6;
		if (!st->ifs[i].up || in6->disabled)
			continue;
		for (unsigned j = 0; j < in6->naddr; j++) {
			const struct ifaddr6 *a = &in6->addr[j];
			if (a->state == IFA6_TENTATIVE && a->dad_timer < d)
				d = a->dad_timer;
			if ((a->flags & IFA6_F_SLAAC) && a->valid_until < d)
				d = a->valid_until;
		}
		if (in6->rs_next < d)
			d = in6->rs_next;
		for (unsigned j = 0; j < in6->ndelayed; j++)
			if (in6->delayed[j].at < d)
				d = in6->delayed[j].at;
	}
	return d;
}

/* --- input --- */

/* Our address target on ifindex (any state), or NULL. */
static struct ifaddr6 *nd_our_target(struct stack *st, unsigned ifindex, const uint8_t *target)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned j = 0; j < in6->naddr; j++)
		if (memcmp(in6->addr[j].addr, target, 16) == 0)
			return &in6->addr[j];
	return NULL;
}

static void nd_ns_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx, const struct nd_opts *o)
{
	const uint8_t *m = p->data, *target = m + 8;
	unsigned ifindex = rx->ifindex;
	bool dad = ip6_is_any(rx->src);
	uint8_t sn[16];

	ip6_solicited_node(target, sn);
	/* V6.2 */
	if (rx->plen < 24 || ip6_is_mcast(target) ||
	    (dad && (memcmp(rx->dst, sn, 16) != 0 || o->sllao))) {
		stack_drop(st, p, C_NdInInvalid);
		return;
	}
	struct ifaddr6 *a = nd_our_target(st, ifindex, target);
	if (!a && !dad && ip6_dst_kind(st, ifindex, target) == IP6_DST_ANYCAST) {   /* V6.3 */
		bool mcast = ip6_is_mcast(rx->dst);
		if (o->sllao)
			neigh_update_nd(st, NEIGH_INET6, ifindex, rx->src, 16, o->sllao + 2,
					NEIGH_UPD_CREATE | NEIGH_UPD_OVERRIDE);
		if (mcast && !o->sllao && !neigh_lookup(st, NEIGH_INET6, ifindex, rx->src, 16)) {
			stack_drop(st, p, C_NdInIgnored);
			return;
		}
		uint8_t tgt[16], to[16];
		memcpy(tgt, target, 16);
		memcpy(to, rx->src, 16);
		nd_anycast_ns(st, ifindex, tgt, to, mcast);
		stack_consume(st, p);
		return;
	}
	if (!a || a->state == IFA6_DADFAILED) {                               /* V6.3 */
		stack_drop(st, p, C_NdInIgnored);
		return;
	}
	if (a->state == IFA6_TENTATIVE) {
		/* Someone else probing for it (not our own NS looped back): our DAD fails. */
		if (dad && !(o->nonce && o->nonce[1] == 1 && memcmp(o->nonce + 2, a->nonce, 6) == 0))
			nd_dad_failed(st, ifindex, a);
		stack_consume(st, p);
		return;
	}
	bool router = st->knobs.ip6_forwarding != 0;
	bool anycast = a->flags & IFA6_F_ANYCAST;
	if (dad) {                                                            /* V6.4 */
		uint8_t tgt[16];
		memcpy(tgt, target, 16);
		nd_send_na(st, ifindex, tgt, ip6_allnodes, (uint8_t)((router ? NA_F_ROUTER : 0) | (anycast ? 0 : NA_F_OVERRIDE)),
			   true);
		stack_consume(st, p);
		return;
	}
	bool mcast = ip6_is_mcast(rx->dst);
	/* V6.5: the asker's entry, STALE with its SLLAO (created only with one). */
	if (o->sllao)
		neigh_update_nd(st, NEIGH_INET6, ifindex, rx->src, 16, o->sllao + 2, NEIGH_UPD_CREATE | NEIGH_UPD_OVERRIDE);
	if (mcast && !o->sllao && !neigh_lookup(st, NEIGH_INET6, ifindex, rx->src, 16)) {
		stack_drop(st, p, C_NdInIgnored); /* nowhere to send the answer */
		return;
	}
	uint8_t tgt[16], to[16];
	memcpy(tgt, target, 16);
	memcpy(to, rx->src, 16);
	uint8_t flags = (uint8_t)(NA_F_SOLICITED | (router ? NA_F_ROUTER : 0) | (mcast && !anycast ? NA_F_OVERRIDE : 0));
	nd_send_na(st, ifindex, tgt, to, flags, mcast);
	stack_consume(st, p);
}

static void nd_na_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx, const struct nd_opts *o)
{
	const uint8_t *m = p->data, *target = m + 8;
	uint8_t fl = m[4];
	unsigned ifindex = rx->ifindex;

	/* V6.6 */
	if (rx->plen < 24 || ip6_is_mcast(target) || (ip6_is_mcast(rx->dst) && (fl & NA_F_SOLICITED))) {
		stack_drop(st, p, C_NdInInvalid);
		return;
	}
	struct ifaddr6 *a = nd_our_target(st, ifindex, target);
	if (a) {
		if (a->state == IFA6_TENTATIVE)
			nd_dad_failed(st, ifindex, a);
		stack_consume(st, p);
		return;
	}
	/* V6.7: only an entry we have changes; RFC 4861 7.2.5's table. */
	unsigned uf = (fl & NA_F_OVERRIDE ? NEIGH_UPD_OVERRIDE : 0) | (fl & NA_F_SOLICITED ? NEIGH_UPD_CONFIRM : 0) |
		      (fl & NA_F_ROUTER ? NEIGH_UPD_ROUTER : NEIGH_UPD_NOTROUTER);
	int old = neigh_update_nd(st, NEIGH_INET6, ifindex, target, 16, o->tllao ? o->tllao + 2 : NULL, uf);
	if (old < 0) {
		stack_drop(st, p, C_NdInIgnored);
		return;
	}
	if ((old & NEIGH_F_ROUTER) && !(fl & NA_F_ROUTER))
		route6_del_gw(st, ifindex, target); /* no longer a router */
	stack_consume(st, p);
}

static void nd_rs_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx, const struct nd_opts *o)
{
	/* V6.13: a host ignores RSs; a router learns the sender, and answers where it advertises (V6.16). */
	if (st->knobs.ip6_forwarding && !ip6_is_any(rx->src) && o->sllao)
		neigh_update_nd(st, NEIGH_INET6, rx->ifindex, rx->src, 16, o->sllao + 2, NEIGH_UPD_CREATE | NEIGH_UPD_OVERRIDE);
	if (st->knobs.ip6_forwarding)
		ndisc_ra_solicited(st, rx->ifindex);
	stack_consume(st, p);
}

/* V6.12: RFC 4862 5.5.3 for one Prefix Information option. */
static void nd_pio(struct stack *st, unsigned ifindex, const uint8_t *o)
{
	unsigned plen = o[2];
	uint8_t flags = o[3];
	uint32_t valid = be32_get(o + 4), pref = be32_get(o + 8);
	const uint8_t *prefix = o + 16;
	struct iface6 *in6 = st->ifs[ifindex].in6;

	if (ip6_is_linklocal(prefix) || ip6_is_mcast(prefix) || pref > valid || plen > 128)
		return;
	uint64_t valid_until = valid == 0xffffffffu ? UINT64_MAX : st->now + (uint64_t)valid * 1000;
	uint64_t pref_until = pref == 0xffffffffu ? UINT64_MAX : st->now + (uint64_t)pref * 1000;
	if ((flags & 0x80) && plen) { /* L: on-link */
		struct route6 r = { .plen = (uint8_t)plen, .type = RT6_CONNECTED, .flags = RT6_F_RA,
				    .ifindex = (uint16_t)ifindex, .expires = valid_until };
		memcpy(r.prefix, prefix, 16);
		if (valid == 0)
			route6_del(st, prefix, plen, ifindex, RT6_CONNECTED);
		else {
			if (route6_ra_prefixes(st, ifindex) >= ND_RA_PREFIXES_MAX)
				CNT(st, NdRaLimit);
			else
				route6_add(st, &r);
		}
	}
	if (!(flags & 0x40) || plen != 64 || !st->knobs.ip6_autoconf)
		return;
	uint8_t a[16];
	memcpy(a, prefix, 8);
	ip6_eui64(st->ifs[ifindex].mac, a + 8);
	for (unsigned j = 0; j < in6->naddr; j++) {
		struct ifaddr6 *x = &in6->addr[j];
		if (memcmp(x->addr, a, 16) != 0)
			continue;
		if (!(x->flags & IFA6_F_SLAAC))
			return;
		/* RFC 4862 5.5.3(e): the two-hour rule against a forged short lifetime. */
		uint64_t two_h = 7200000;
		uint64_t remaining = x->valid_until > st->now ? x->valid_until - st->now : 0;
		if (valid_until > st->now + two_h || valid_until > x->valid_until)
			x->valid_until = valid_until;
		else if (remaining > two_h)
			x->valid_until = st->now + two_h;
		x->pref_until = pref_until;
		return;
	}
	if (valid == 0)
		return;
	unsigned slaac = 0;
	for (unsigned j = 0; j < in6->naddr; j++)
		slaac += (in6->addr[j].flags & IFA6_F_SLAAC) != 0;
	if (slaac >= IP6_SLAAC_MAX) {
		CNT(st, NdRaLimit);
		return;
	}
	ip6_addr_add(st, ifindex, a, 64, IFA6_F_SLAAC, valid_until, pref_until);
}

static void nd_ra_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx, const struct nd_opts *o)
{
	const uint8_t *m = p->data;
	unsigned ifindex = rx->ifindex;
	struct iface6 *in6 = st->ifs[ifindex].in6;

	if (!ip6_is_linklocal(rx->src) || rx->plen < 16) {                    /* V6.12 */
		stack_drop(st, p, C_NdInInvalid);
		return;
	}
	CNT(st, NdInRA);
	/* V6.13: the sender is a router, whatever we do with the rest. */
	neigh_update_nd(st, NEIGH_INET6, ifindex, rx->src, 16, o->sllao ? o->sllao + 2 : NULL,
			NEIGH_UPD_CREATE | NEIGH_UPD_OVERRIDE | NEIGH_UPD_ROUTER);
	if (!st->knobs.ip6_accept_ra || st->knobs.ip6_forwarding) {
		stack_consume(st, p);
		return;
	}
	in6->ra_seen = true;
	in6->rs_next = UINT64_MAX;
	uint16_t lifetime = be16_get(m + 6);
	if (st->knobs.ip6_accept_ra_defrtr && !ip6_is_local(st, rx->src)) {
		struct route6 r = { .plen = 0, .type = RT6_GATEWAY, .flags = RT6_F_RA, .ifindex = (uint16_t)ifindex,
				    .gw = inet_v6(rx->src), .expires = st->now + (uint64_t)lifetime * 1000 };
		if (lifetime == 0) {
			route6_del_gw(st, ifindex, rx->src);
		} else {
			bool known;
			unsigned routers = route6_ra_routers(st, ifindex, rx->src, &known);
			if (!known && routers >= RT6_RA_ROUTERS_MAX)
				CNT(st, NdRaLimit);
			else
				route6_add(st, &r);
		}
	}
	if (m[4])
		in6->hop_limit = m[4];
	uint32_t reach = be32_get(m + 8), retrans = be32_get(m + 12);
	if (retrans)
		in6->retrans_ms = retrans < 10 ? 10 : retrans;
	if (reach)
		in6->base_reachable_ms = reach < 100 ? 100 : reach;
	if (o->mtu && st->knobs.ip6_accept_ra_mtu) {
		uint32_t mtu = be32_get(o->mtu + 4);
		if (mtu >= IP6_MIN_MTU && mtu <= st->ifs[ifindex].mtu)
			in6->mtu = (uint16_t)mtu;
	}
	if (st->knobs.ip6_accept_ra_pinfo)
		for (unsigned i = 0; i < o->npio; i++)
			nd_pio(st, ifindex, o->pio[i]);
	stack_consume(st, p);
}

/* V6.15 */
static void nd_redirect_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx, const struct nd_opts *o)
{
	const uint8_t *m = p->data, *target = m + 8, *dst = m + 24;
	struct route6_res rr;

	if (!ip6_is_linklocal(rx->src) || rx->plen < 40 || ip6_is_mcast(dst) ||
	    !((ip6_is_linklocal(target) && !ip6_is_mcast(target)) || memcmp(target, dst, 16) == 0)) {
		stack_drop(st, p, C_NdInInvalid);
		return;
	}
	if (!st->knobs.ip6_accept_redirects || st->knobs.ip6_forwarding ||
	    route6_lookup(st, dst, -1, &rr) != 0 || rr.ifindex != rx->ifindex || memcmp(rr.nexthop, rx->src, 16) != 0) {
		stack_drop(st, p, C_Icmp6InRedirectsIgnored);
		return;
	}
	bool onlink = memcmp(target, dst, 16) == 0;
	if (o->tllao)
		neigh_update_nd(st, NEIGH_INET6, rx->ifindex, target, 16, o->tllao + 2,
				NEIGH_UPD_CREATE | NEIGH_UPD_OVERRIDE | (onlink ? 0 : NEIGH_UPD_ROUTER));
	rt6cache_learn_redirect(st, dst, target, rx->ifindex);
	stack_consume(st, p);
}

void ndisc_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	const uint8_t *m = p->data;
	uint8_t type = m[0];
	static const uint8_t fixed[] = { [ND_ROUTER_SOLICIT - 133] = 8, [ND_ROUTER_ADVERT - 133] = 16,
					 [ND_NEIGHBOR_SOLICIT - 133] = 24, [ND_NEIGHBOR_ADVERT - 133] = 24,
					 [ND_REDIRECT - 133] = 40 };
	struct nd_opts o;

	/* V6.1: hop limit 255, code 0, never reassembled, options well formed. */
	if (rx->hlim != ND_HLIM || m[1] != 0 || (rx->cbflags & IP6CB_REASM) || p->len < fixed[type - 133] ||
	    !nd_opts_parse(m + fixed[type - 133], p->len - fixed[type - 133], &o)) {
		stack_drop(st, p, C_NdInInvalid);
		return;
	}
	switch (type) {
	case ND_NEIGHBOR_SOLICIT:
		CNT(st, NdInNS);
		nd_ns_input(st, p, rx, &o);
		return;
	case ND_NEIGHBOR_ADVERT:
		CNT(st, NdInNA);
		nd_na_input(st, p, rx, &o);
		return;
	case ND_ROUTER_SOLICIT:
		CNT(st, NdInRS);
		nd_rs_input(st, p, rx, &o);
		return;
	case ND_ROUTER_ADVERT:
		nd_ra_input(st, p, rx, &o);
		return;
	default:
		nd_redirect_input(st, p, rx, &o);
		return;
	}
}
