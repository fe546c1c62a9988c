/* ip/ip4.c — IPv4 input validation, local delivery, and output. */
#include "ip/ip4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmp4.h"
#include "icmp/icmp_ext.h"
#include "ip/ip4_int.h"
#include "ip/route.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

#define IP4_ALLHOSTS 0xe0000001u /* 224.0.0.1, joined by every host (RFC 1112) */

int ip4_init(struct stack *st)
{
	st->ip4 = calloc(1, sizeof(*st->ip4));
	return st->ip4 ? 0 : -ENOMEM;
}

void ip4_register_proto(struct stack *st, uint8_t proto, ip4_input_fn input, ip4_err_fn err)
{
	st->ip4->protos[proto].input = input;
	st->ip4->protos[proto].err = err;
}

void ip4_err_deliver(struct stack *st, const struct ip4_err *e)
{
	const struct ip4_proto *pr = &st->ip4->protos[e->inner[IP4_PROTO]];
	if (pr->err)
		pr->err(st, e);
}

bool ip4_is_local(const struct stack *st, uint32_t addr)
{
	for (unsigned i = 0; i < st->nifs; i++)
		for (unsigned j = 0; j < st->ifs[i].naddr; j++)
			if (st->ifs[i].addr[j].addr == addr)
				return true;
	return false;
}

static bool ip4_is_our_bcast(const struct stack *st, uint32_t addr)
{
	for (unsigned i = 0; i < st->nifs; i++)
		for (unsigned j = 0; j < st->ifs[i].naddr; j++)
			if (st->ifs[i].addr[j].plen <= 30 && st->ifs[i].addr[j].bcast == addr)
				return true;
	return false;
}

enum ip4_dst_kind ip4_dst_kind(const struct stack *st, uint32_t dst)
{
	if (dst == IP4_BCAST_ALL || ip4_is_our_bcast(st, dst))
		return IP4_DST_BCAST;
	if ((dst >> 28) == 0xe)
		return dst == IP4_ALLHOSTS ? IP4_DST_MCAST : IP4_DST_OTHER;
	return ip4_is_local(st, dst) ? IP4_DST_LOCAL : IP4_DST_OTHER;
}

bool ip4_is_valid_host_src(const struct stack *st, uint32_t a)
{
	uint8_t first = (uint8_t)(a >> 24);
	return first != 0 && first != 127 && first < 224 && !ip4_is_our_bcast(st, a);
}

/* A source no packet may carry (RFC 1812 5.3.7): 0/8, 127/8, 224/4, the limited or one of our
 * directed broadcasts, or one of our own addresses. Class E is accepted on input, as Linux does;
 * R5.6 keeps us from answering it with errors. */
static bool ip4_is_martian_src(const struct stack *st, uint32_t a)
{
	bool class_e = (a >> 28) == 0xf && a != IP4_BCAST_ALL;
	return (!class_e && !ip4_is_valid_host_src(st, a)) || ip4_is_local(st, a);
}

static bool ip4_srr_input(struct stack *st, struct pkb *p, struct ip4_rx *rx);

unsigned ip4_hdr_check(const uint8_t *h, size_t len, unsigned flags, size_t after)
{
	if (len < IP4_HDR_MIN || ((flags & IP4_CHK_VERSION) && (h[IP4_VHL] >> 4) != 4))
		return 0;
	unsigned hlen = ip4_hdr_len(h);
	if (hlen < IP4_HDR_MIN || len < hlen + after)
		return 0;
	if (flags & IP4_CHK_TOTAL) {
		unsigned tot = be16_get(h + IP4_LEN);
		if (tot < hlen || tot > len)
			return 0;
	}
	return hlen;
}

void ip4_input(struct stack *st, struct pkb *p)
{
	const uint8_t *h = p->data;
	unsigned hlen, tot;

	CNT(st, IpInReceives);
	/* Every length check of DESIGN.md: buffer >= 20, IHL >= 5, buffer >= IHL*4, IHL*4 <= total,
	 * buffer >= total. */
	hlen = ip4_hdr_check(h, p->len, IP4_CHK_VERSION, 0);
	if (!hlen) {
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	if (csum_buf(h, hlen) != 0) {
		CNT(st, IpInCsumErrors);
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	tot = be16_get(h + IP4_LEN);
	if (tot < hlen) {
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	if (p->len < tot) {
		stack_drop(st, p, C_IpInTruncatedPkts);
		return;
	}
	pkb_trim(p, tot); /* Ethernet pads short frames to 60 bytes */

	struct ip4_rx rx = {
		.hdr = h, .hlen = (uint16_t)hlen, .tot_len = (uint16_t)tot,
		.src = be32_get(h + IP4_SRC), .dst = be32_get(h + IP4_DST),
		.proto = h[IP4_PROTO], .tos = h[IP4_TOS], .ttl = h[IP4_TTL],
		.ifindex = p->ifindex, .l2flags = p->flags & (PKB_L2_BCAST | PKB_L2_MCAST),
	};
	if (ip4_is_martian_src(st, rx.src)) {
		stack_drop(st, p, C_IpInMartianSrc);
		return;
	}
	rx.dst_kind = (uint8_t)ip4_dst_kind(st, rx.dst);
	if (rx.dst_kind == IP4_DST_BCAST)
		CNT(st, IpInBcastPkts);
	else if (rx.dst_kind == IP4_DST_MCAST)
		CNT(st, IpInMcastPkts);
	if (hlen > IP4_HDR_MIN) {
		/* RR records the address the datagram reached us at (RFC 1122 3.2.1.8: the specific
		 * destination); otherwise our address toward the sender (forwarding rewrites it with the
		 * outgoing interface's). */
		uint32_t spec = rx.dst;
		if (rx.dst_kind != IP4_DST_LOCAL) {
			const struct iface *ifp = &st->ifs[p->ifindex];
			const struct ifaddr *a = iface_addr_for(ifp, rx.src);
			spec = a ? a->addr : ifp->addr[0].addr;
		}
		int ptr = ip4_opts_compile(st, p->data, ip4cb(p), spec);
		if (ptr) {
			/* ip4cb(p) keeps the options compiled before the fault: the error echoes them
			 * (R5.17, as Linux's icmp_send with the partly filled IPCB). */
			if (rx.dst_kind != IP4_DST_OTHER || st->knobs.ip_forward)
				icmp4_send_error(st, p, ICMP4_PARAMETERPROB, 0, (uint32_t)ptr << 24);
			stack_drop(st, p, C_IpInHdrErrors);
			return;
		}
		if (ip4cb(p)->srr && !ip4_srr_input(st, p, &rx))
			return;
	}
	if (rx.dst_kind == IP4_DST_OTHER || (ip4cb(p)->flags & IP4_OPT_SRR_HIT)) {
		ip4_forward(st, p, &rx);
		return;
	}
	if (be16_get(h + IP4_FRAG) & (IP4_MF | IP4_OFFMASK)) {
		p = ip4_reasm(st, p);
		if (!p)
			return;
		/* The whole datagram carries the first fragment's header, which may be longer than the
		 * last fragment's (options without the copy bit): describe it afresh. */
		h = p->data;
		hlen = ip4_hdr_len(h);
		rx.hdr = h;
		rx.hlen = (uint16_t)hlen;
		rx.tot_len = be16_get(h + IP4_LEN);
		rx.tos = h[IP4_TOS];
		rx.ttl = h[IP4_TTL];
		rx.l2flags = p->flags & (PKB_L2_BCAST | PKB_L2_MCAST);
	}
	const struct ip4_proto *pr = &st->ip4->protos[rx.proto];
	if (!pr->input) {
		if (rx.dst_kind == IP4_DST_LOCAL)
			icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 2, 0);
		stack_drop(st, p, C_IpInUnknownProtos);
		return;
	}
	pkb_pull(p, hlen);
	CNT(st, IpInDelivers);
	pr->input(st, p, &rx);
}

/* Redirect backoff per source (R9.3, Linux ip_rt_send_redirect): after a first redirect, the next
 * waits 20 ms << n; nine unheeded ones and we stop until 20.48 s of silence. */
#define REDIRECT_LOAD_MS    20
#define REDIRECT_NUMBER     9
#define REDIRECT_SILENCE_MS (REDIRECT_LOAD_MS << (REDIRECT_NUMBER + 1))

static bool ip4_redirect_allow(struct stack *st, uint32_t src)
{
	struct redirect_peer *r = &st->ip4->redirects[(src * 0x9e3779b1u) >> 24];
	if (!r->used || r->addr != src) {
		r->used = true;
		r->addr = src;
		r->n = 0;
		r->last = 0;
	} else if (st->now > r->last + REDIRECT_SILENCE_MS) {
		r->n = 0;
	}
	if (r->n >= REDIRECT_NUMBER)
		return false;
	if (r->n == 0 || st->now > r->last + ((uint64_t)REDIRECT_LOAD_MS << r->n)) {
		r->last = st->now;
		r->n++;
		return true;
	}
	return false;
}

/* RFC 1812 5.2.4.1: a datagram forwarded with RR records the outgoing interface's address; on a
 * source route we are a hop of, the next address becomes the destination and ours takes its place
 * in the route (RFC 791), and only then does a TS address slot get the outgoing address too. A TS
 * flag-1 slot of a datagram simply passing through keeps the inbound address input wrote (Linux
 * ip_forward_options; ICMP-SPEC §6 after the pointer rules). */
static void ip4_forward_options(uint8_t *h, const struct ip4_opts *o, uint32_t out_addr)
{
	if (o->flags & IP4_OPT_SRR_HIT) {
		uint8_t *s = h + o->srr;
		for (unsigned ptr = s[2]; ptr + 3 <= s[1]; ptr += 4)
			if (be32_get(s + ptr - 1) == o->srr_addr) {
				be32_put(h + IP4_DST, o->srr_addr);
				be32_put(s + ptr - 1, out_addr);
				s[2] = (uint8_t)(ptr + 4);
				break;
			}
		if (o->flags & IP4_OPT_TS_NEEDADDR)
			be32_put(h + o->ts + h[o->ts + 2] - 9, out_addr);
	}
	/* The slot written on input is the one before the pointer: it gets the outgoing address. */
	if (o->flags & IP4_OPT_RR_NEEDADDR)
		be32_put(h + o->rr + h[o->rr + 2] - 5, out_addr);
}

void ip4_forward(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *h = p->data;
	struct route_res rr;
	/* Where it goes: its destination, or the next hop of the source route we are on. */
	uint32_t target = (ip4cb(p)->flags & IP4_OPT_SRR_HIT) ? ip4cb(p)->srr_addr : rx->dst;

	if (!st->knobs.ip_forward) {
		stack_drop(st, p, C_IpInAddrErrors); /* not ours, and we do not forward */
		return;
	}
	/* R9.1: only what was sent to our MAC; never to 0/8 or loopback (RFC 1812 5.3.7). */
	if (p->flags & (PKB_L2_BCAST | PKB_L2_MCAST) || (target >> 24) == 0 || (target >> 24) == 127 ||
	    (target >> 28) == 0xe) {
		stack_drop(st, p, C_IpInAddrErrors);
		return;
	}
	/* As Linux: the route is looked up on input, before the TTL is examined. */
	if (route_lookup(st, target, &rr) != 0) {
		if (icmp4_route_error_allow(st, rx->src))
			icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 0, 0); /* R9.2: 3/0 */
		stack_drop(st, p, C_IpInNoRoutes);
		return;
	}
	if (rr.rt->type == RT_BLACKHOLE) {
		stack_drop(st, p, C_IpForwBlackholed);
		return;
	}
	if (rr.rt->type == RT_PROHIBIT) {
		if (icmp4_route_error_allow(st, rx->src))
			icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 13, 0); /* 3/13 */
		stack_drop(st, p, C_IpForwProhibited);
		return;
	}
	struct icmp_ext_fwd fwd = { rr.ifindex, rr.nexthop };          /* X3.5: OUT and NXT */
	if (rx->ttl <= 1) {                                             /* 11/0, before any decrement */
		icmp4_send_error_fwd(st, p, ICMP4_TIME_EXCEEDED, 0, 0, &fwd);
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	/* A strict source route must reach its next hop directly (R9.1: 3/5). */
	if ((ip4cb(p)->flags & (IP4_OPT_SRR_HIT | IP4_OPT_SSRR)) == (IP4_OPT_SRR_HIT | IP4_OPT_SSRR) &&
	    rr.nexthop != target) {
		icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 5, 0);
		stack_drop(st, p, C_IpForwSrcRouteFailed);
		return;
	}
	CNT(st, IpForwDatagrams);
	unsigned mtu = st->ifs[rr.ifindex].mtu;
	if ((be16_get(h + IP4_FRAG) & IP4_DF) && rx->tot_len > mtu) {
		/* 3/4 with the next-hop MTU, quoting the datagram as it came (TTL not yet decremented). */
		icmp4_send_error_fwd(st, p, ICMP4_DEST_UNREACH, 4, mtu, &fwd);
		stack_drop(st, p, C_IpFragFails);
		return;
	}
	/* TTL - 1, checksum updated incrementally (RFC 1624; R9.1's formula). */
	h[IP4_TTL]--;
	uint32_t c = be16_get(h + IP4_CSUM) + 0x0100u;
	be16_put(h + IP4_CSUM, (uint16_t)(c + (c >= 0xffff)));
	if (rx->hlen > IP4_HDR_MIN && (ip4cb(p)->flags & (IP4_OPT_CHANGED | IP4_OPT_RR_NEEDADDR | IP4_OPT_SRR_HIT))) {
		ip4_forward_options(h, ip4cb(p), rr.src);
		be16_put(h + IP4_CSUM, 0);
		be16_put(h + IP4_CSUM, csum_buf(h, rx->hlen));
	}
	/* R9.3: out the way it came, from a neighbour on that link: tell it of the better first hop. */
	if (rr.ifindex == p->iif && st->knobs.send_redirects && !ip4cb(p)->srr &&
	    iface_addr_for(&st->ifs[rr.ifindex], rx->src) && ip4_redirect_allow(st, rx->src))
		icmp4_send_error(st, p, ICMP4_REDIRECT, 1, rr.nexthop);
	stack_rx_outcome(st, p, C_RxForwarded);
	ip4_output_finish(st, p, rr.ifindex, rr.nexthop);
}

/* A source-routed datagram (Linux ip_options_rcv_srr). Returns false when p was dropped. When the
 * datagram is addressed to us and its route goes on, marks it SRR_HIT with the next address;
 * addresses of our own on the route are passed over here; an exhausted route means it is ours. */
static bool ip4_srr_input(struct stack *st, struct pkb *p, struct ip4_rx *rx)
{
	uint8_t *h = p->data, *o = h + ip4cb(p)->srr;

	if (!st->knobs.accept_source_route) { /* RFC 1122 3.3.5 lets a host refuse; Linux's default */
		stack_drop(st, p, C_IpInSrcRouteDrops);
		return false;
	}
	if (p->flags & (PKB_L2_BCAST | PKB_L2_MCAST) || rx->dst_kind == IP4_DST_BCAST || rx->dst_kind == IP4_DST_MCAST) {
		stack_drop(st, p, C_IpInSrcRouteDrops);
		return false;
	}
	if (rx->dst_kind == IP4_DST_OTHER) {
		/* Not at a hop of its route: a loose route travels on; a strict one went wrong
		 * (the destination field, pointer 16). */
		if (!(ip4cb(p)->flags & IP4_OPT_SSRR))
			return true;
		icmp4_send_error(st, p, ICMP4_PARAMETERPROB, 0, (uint32_t)16 << 24);
		stack_drop(st, p, C_IpInHdrErrors);
		return false;
	}
	unsigned ptr = o[2], len = o[1];
	for (; ptr <= len; ptr += 4) {
		if (ptr + 3 > len) {
			icmp4_send_error(st, p, ICMP4_PARAMETERPROB, 0, (uint32_t)(ip4cb(p)->srr + 2) << 24);
			stack_drop(st, p, C_IpInHdrErrors);
			return false;
		}
		uint32_t nh = be32_get(o + ptr - 1);
		if (!ip4_is_local(st, nh)) {
			ip4cb(p)->flags |= IP4_OPT_SRR_HIT;
			ip4cb(p)->srr_addr = nh;
			return true;
		}
		/* One of ours: it is as if we had forwarded to ourselves. */
		be32_put(h + IP4_DST, nh);
		rx->dst = nh;
	}
	return true; /* the route is done: the datagram is for us */
}

void ip4_neigh_failed(struct stack *st, struct pkb *p)
{
	/* A datagram we were forwarding: 3/1 to its source, one per queued datagram, quoting it as
	 * held (TTL already decremented; R5.14), rate limited (§7). */
	struct route_res rr;
	if (p->len >= IP4_HDR_MIN && !ip4_is_local(st, be32_get(p->data + IP4_SRC))) {
		/* X3.5: the interface it was to leave by and the next hop that did not answer. */
		struct icmp_ext_fwd fwd = { p->ifindex, 0 };
		if (route_lookup(st, be32_get(p->data + IP4_DST), &rr) == 0 && rr.ifindex == p->ifindex)
			fwd.nexthop = rr.nexthop;
		icmp4_send_error_fwd(st, p, ICMP4_DEST_UNREACH, 1, 0, &fwd);
	} else if (p->len >= IP4_HDR_MIN + 8u && (be16_get(p->data + IP4_FRAG) & IP4_OFFMASK) == 0)
		/* One of ours: its sender hears EHOSTUNREACH, as a local error (R6, 3/1). */
		icmp4_deliver_error(st, ICMP4_DEST_UNREACH, 1, 0, 0, p->data, p->len);
	stack_drop(st, p, C_IpOutDiscards);
}

int ip4_output(struct stack *st, struct pkb *p, const struct ip4_tx *tx)
{
	struct route_res rr;
	unsigned hlen = IP4_HDR_MIN + tx->optlen, tot = hlen + p->len;
	uint8_t *h;

	/* With a reversed source route, the first hop is where the datagram goes (ip4_opts_fill). */
	uint32_t route_dst = tx->optlen && tx->optinfo && tx->optinfo->srr ? tx->optinfo->srr_addr : tx->dst;
	if (route_lookup(st, route_dst, &rr) != 0 || rr.rt->type == RT_PROHIBIT || rr.rt->type == RT_BLACKHOLE) {
		stack_drop(st, p, C_IpOutNoRoutes);
		return -ENETUNREACH;
	}
	/* The path MTU (R8.4): the interface's, lowered by what frag-needed reports taught us. */
	bool locked = false;
	unsigned mtu = st->ifs[rr.ifindex].mtu;
	if (!rtcache_empty(st->rtcache, INET_V4)) {
		unsigned pmtu = route_pmtu(st, route_dst, &locked);
		if (pmtu && pmtu < mtu)
			mtu = pmtu;
	}
	bool df = tx->df == IP4_DF_DO || (tx->df == IP4_DF_WANT && tot <= mtu && !locked);
	if (tot > mtu && df) {
		stack_drop(st, p, C_IpFragFails);
		return -EMSGSIZE;
	}
	if (pkb_headroom(p) < hlen + ETH_HLEN) {
		stack_drop(st, p, C_IpOutDiscards);
		return -ENOBUFS;
	}
	h = pkb_push(p, hlen);
	h[IP4_VHL] = (uint8_t)(0x40 | hlen / 4);
	h[IP4_TOS] = tx->tos;
	be16_put(h + IP4_LEN, (uint16_t)tot);
	/* Linux's ip_select_ident: from a socket that is not connected, DF set means ID 0 (it can never
	 * be reassembled; the TCP reset: nmap's CI=Z); else, and from a connected one, a counter. */
	be16_put(h + IP4_ID, df && !tx->connected ? 0 : st->ip_id++);
	be16_put(h + IP4_FRAG, df ? IP4_DF : 0);
	h[IP4_TTL] = tx->ttl ? tx->ttl : (uint8_t)st->knobs.ip_default_ttl;
	h[IP4_PROTO] = tx->proto;
	be16_put(h + IP4_CSUM, 0);
	be32_put(h + IP4_SRC, tx->src ? tx->src : rr.src);
	be32_put(h + IP4_DST, tx->dst);
	if (tx->optlen) {
		memcpy(h + IP4_HDR_MIN, tx->opt, tx->optlen);
		if (tx->optinfo)
			ip4_opts_fill(st, h, tx->optinfo, be32_get(h + IP4_SRC));
	}
	be16_put(h + IP4_CSUM, csum_buf(h, hlen));
	CNT(st, IpOutRequests);
	ip4_output_finish_mtu(st, p, rr.ifindex, rr.nexthop, mtu);
	return 0;
}
