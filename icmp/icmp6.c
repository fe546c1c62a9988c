/* icmp/icmp6.c — ICMPv6 receive path (§2), echo (§3), the error builder (§4) and received errors
 * (§10). Table-driven like icmp4.c; everything ICMPv6 sends leaves through icmp6_xmit. */
#include "icmp/icmp6.h"

#include <errno.h>
#include <string.h>

#include "icmp/icmp_ext.h"
#include "icmp/ping.h"
#include "icmp/probe.h"
#include "ip/ip6.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

static void icmp6_echo(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
static void icmp6_reply_ready(struct stack *st, struct pkb *p, const struct ip6_rx *rx, bool csum_ready);
static void icmp6_error_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);

typedef void (*icmp6_handler)(struct stack *st, struct pkb *p, const struct ip6_rx *rx);

/* V2.5: who takes each type; NULL is dropped silently (unknown errors go to §10, V2.6). */
static icmp6_handler icmp6_handler_of(uint8_t type)
{
	switch (type) {
	case ICMP6_DEST_UNREACH:
	case ICMP6_PACKET_TOO_BIG:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROB:
		return icmp6_error_input;
	case ICMP6_ECHO_REQUEST:
		return icmp6_echo;
	case ICMP6_ECHO_REPLY:
		return ping6_input;
	case ICMP6_MLD_QUERY:
	case ICMP6_MLD_REPORT:
		return mld_input;
	case ND_ROUTER_SOLICIT:
	case ND_ROUTER_ADVERT:
	case ND_NEIGHBOR_SOLICIT:
	case ND_NEIGHBOR_ADVERT:
	case ND_REDIRECT:
		return ndisc_input;
	case ICMP6_EXT_ECHO:
		return probe6_input;
	case ICMP6_EXT_ECHOREPLY:
		return probe6_reply_input;
	default:
		return type < 128 ? icmp6_error_input : NULL;
	}
}

void icmp6_init(struct stack *st)
{
	ip6_register_proto(st, IPPROTO_ICMPV6_, icmp6_input, ping6_err);
}

void icmp6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	const uint8_t *m = p->data;

	CNT(st, Icmp6InMsgs);                                                  /* V2.1 */
	if (ip6_csum(rx->src, rx->dst, IPPROTO_ICMPV6_, m, p->len) != 0) {    /* V2.2 */
		CNT(st, Icmp6InCsumErrors);
		stack_drop(st, p, C_Icmp6InErrors);
		return;
	}
	if (p->len < ICMP6_HDR_LEN) {                                          /* V2.3 */
		stack_drop(st, p, C_Icmp6InErrors);
		return;
	}
	uint8_t type = m[0];
	st->icmp6_in_type[type]++;                                             /* V2.4 */
	icmp6_handler h = icmp6_handler_of(type);
	if (!h) {
		stack_drop(st, p, C_Icmp6InIgnored);                           /* V2.5, V2.6 */
		return;
	}
	h(st, p, rx);
}

int icmp6_xmit(struct stack *st, struct pkb *p, const struct ip6_tx *tx)
{
	uint8_t src[16];
	uint8_t *m = p->data;
	uint8_t type = m[0];
	int oif = tx->oif;
	/* The checksum covers the source: settle it before IPv6 would. */
	if (tx->src)
		memcpy(src, tx->src, 16);
	else if (ip6_select_src(st, tx->dst, oif, src) != 0) {
		CNT(st, Icmp6OutErrors);
		stack_drop(st, p, C_Ip6OutNoRoutes);
		return -EADDRNOTAVAIL;
	}
	if (!tx->csum_ready) {
		be16_put(m + 2, 0);
		be16_put(m + 2, ip6_csum(src, tx->dst, IPPROTO_ICMPV6_, m, p->len));
	}
	struct ip6_tx t = *tx;
	t.src = src;
	t.proto = IPPROTO_ICMPV6_;
	CNT(st, Icmp6OutMsgs);                                                 /* V4.15 */
	st->icmp6_out_type[type]++;
	int rc = ip6_output(st, p, &t);
	if (rc != 0)
		CNT(st, Icmp6OutErrors);
	return rc;
}

/* --- echo (§3) --- */

static void icmp6_echo(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	uint8_t *m = p->data;

	if (st->knobs.ip6_echo_ignore_all ||                                   /* V3.1 */
	    (rx->dst_kind == IP6_DST_MCAST && st->knobs.ip6_echo_ignore_multicast) ||  /* V3.3 */
	    (rx->dst_kind == IP6_DST_ANYCAST && st->knobs.ip6_echo_ignore_anycast)) { /* V3.4 */
		stack_drop(st, p, C_Icmp6InEchoIgnored);
		return;
	}
	if (ip6_is_any(rx->src)) {                                             /* V3.8 */
		CNT(st, Ip6OutNoRoutes);
		stack_drop(st, p, C_Icmp6InEchoIgnored);
		return;
	}
	/* V3.2: the same message with type 129, code and everything else unchanged. When the reply
	 * goes from the request's destination to its source, the pseudo-header sums the same: the
	 * checksum follows the type byte (RFC 1624) instead of being summed afresh. */
	uint16_t old = be16_get(m);
	m[0] = ICMP6_ECHO_REPLY;
	bool same_pair = rx->dst_kind == IP6_DST_LOCAL;
	if (same_pair)
		be16_put(m + 2, csum_update16(be16_get(m + 2), old, be16_get(m)));
	icmp6_reply_ready(st, p, rx, same_pair);
}

void icmp6_reply(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	icmp6_reply_ready(st, p, rx, false);
}

static void icmp6_reply_ready(struct stack *st, struct pkb *p, const struct ip6_rx *rx, bool csum_ready)
{
	uint8_t src[16], dst[16];
	uint8_t type = p->data[0];

	memcpy(dst, rx->src, 16);
	/* V3.5: a unicast destination of ours is the source; V3.3/V3.4: else source selection. */
	const uint8_t *s = NULL;
	if (rx->dst_kind == IP6_DST_LOCAL ||
	    (rx->dst_kind == IP6_DST_ANYCAST && st->knobs.ip6_anycast_src_echo_reply)) {
		memcpy(src, rx->dst, 16);
		s = src;
	}
	if (icmp6_rate_limited_type(st, type) && !icmp6_rate_allow(st, type, dst)) { /* V3.7 */
		stack_drop(st, p, C_Icmp6InReplyRateLimited);
		return;
	}
	struct ip6_tx tx = {
		.src = s,
		.dst = dst,
		/* The reply leaves by the arrival interface (V3.5); a link-local peer is only there. */
		.oif = ip6_is_linklocal(dst) || rx->dst_kind != IP6_DST_LOCAL ? (int)rx->ifindex : -1,
		.proto = IPPROTO_ICMPV6_,
		.tclass = rx->tclass,                                          /* V3.6 */
		.flow = (st->knobs.ip6_flowlabel_reflect & 4) ? rx->flow : 0, /* 0: ip6_output labels it */
		.csum_ready = csum_ready && s,
	};
	p->flags &= PKB_HEAP | PKB_RX;
	icmp6_xmit(st, p, &tx);
}

/* --- received errors (§10) --- */

/* V10.3 */
static void icmp6_errno(uint8_t type, uint8_t code, int *err, bool *fatal)
{
	*fatal = false;
	switch (type) {
	case ICMP6_DEST_UNREACH:
		switch (code) {
		case 0:
			*err = ENETUNREACH;
			return;
		case 1:
		case 5:
		case 6:
			*err = EACCES;
			*fatal = true;
			return;
		case 2:
		case 3:
			*err = EHOSTUNREACH;
			return;
		case 4:
			*err = ECONNREFUSED;
			*fatal = true;
			return;
		default:
			*err = EPROTO;
			*fatal = true;
			return;
		}
	case ICMP6_PACKET_TOO_BIG:
		*err = EMSGSIZE;
		*fatal = true;
		return;
	case ICMP6_TIME_EXCEEDED:
		*err = EHOSTUNREACH;
		return;
	case ICMP6_PARAM_PROB:
		*err = EPROTO;
		*fatal = true;
		return;
	default:
		*err = EPROTO;
		return;
	}
}

/* The upper layer of a quoted datagram: walks its extension headers. Returns the offset of the
 * upper-layer header (and its protocol in *proto), or 0 when the chain does not fit len. */
static unsigned icmp6_inner_l4(const uint8_t *in, size_t len, uint8_t *proto)
{
	uint8_t nxt = in[IP6_NXT];
	unsigned off = IP6_HLEN;
	for (;;) {
		if (nxt == IPPROTO_HOPOPTS_ || nxt == IPPROTO_ROUTING_ || nxt == IPPROTO_DSTOPTS_) {
			if (off + 8 > len)
				return 0;
			nxt = in[off];
			off += ((unsigned)in[off + 1] + 1) * 8;
		} else if (nxt == IPPROTO_FRAGMENT_) {
			if (off + 8 > len)
				return 0;
			nxt = in[off];
			off += 8;
		} else {
			*proto = nxt;
			return off;
		}
	}
}

void icmp6_deliver_error(struct stack *st, uint8_t type, uint8_t code, uint32_t info, const uint8_t *from,
			 const uint8_t *inner, size_t inner_len, const uint8_t *msg, size_t msg_len)
{
	uint8_t proto = 0;
	unsigned l4 = inner_len >= IP6_HLEN ? icmp6_inner_l4(inner, inner_len, &proto) : 0;
	if (!l4 || l4 + 8 > inner_len)
		return;
	struct ip6_err e = {
		.type = type, .code = code, .info = info, .local = from == NULL,
		.inner = inner, .inner_len = inner_len,
		.isrc = inner + IP6_SRC, .idst = inner + IP6_DST, .iproto = proto,
		.l4 = inner + l4, .msg = msg, .msg_len = msg_len,
	};
	if (from)
		memcpy(e.from, from, 16);
	icmp6_errno(type, code, &e.err, &e.fatal);
	if (!ip6_err_deliver(st, proto, &e) && from)
		CNT(st, Icmp6InErrors);
}

static void icmp6_error_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	const uint8_t *m = p->data, *in = m + ICMP6_HDR_LEN;
	size_t inlen = p->len - ICMP6_HDR_LEN;
	uint8_t proto = 0;

	/* V10.1: the inner header, its extension headers and 8 more bytes; next header not 255. */
	unsigned l4 = inlen >= IP6_HLEN ? icmp6_inner_l4(in, inlen, &proto) : 0;
	if (!l4 || l4 + 8 > inlen || proto == 255) {
		stack_drop(st, p, C_Icmp6InErrors);
		return;
	}
	uint32_t info = be32_get(m + 4);
	if (m[0] == ICMP6_PACKET_TOO_BIG)
		rt6cache_learn_pmtu(st, in + IP6_DST, info);                    /* V10.4 */
	icmp6_deliver_error(st, m[0], m[1], info, rx->src, in, inlen, m, p->len);
	stack_consume(st, p);
}

/* --- the error builder (§4) --- */

/* V4.4: an ICMPv6 error, or ICMPv6 whose type is cut off, never gets an error; nor (POLICY) a
 * Redirect. */
static bool icmp6_offender_is_error(const uint8_t *h, size_t len)
{
	uint8_t nxt = h[IP6_NXT];
	unsigned off = IP6_HLEN;
	uint16_t frag_field = 0;
	/* The walk of Linux's ipv6_skip_exthdr: it stops at a Fragment header with an offset (the
	 * fragment's first byte is then taken as the type: the quirk V4.4 keeps), and an unreadable
	 * header makes the offender eligible. */
	while (nxt == IPPROTO_HOPOPTS_ || nxt == IPPROTO_ROUTING_ || nxt == IPPROTO_DSTOPTS_ || nxt == IPPROTO_FRAGMENT_) {
		if (nxt == IPPROTO_FRAGMENT_) {
			if (off + 8 > len)
				return false;
			frag_field = be16_get(h + off + 2);
			nxt = h[off];
			off += 8;
			if (frag_field & ~7u)
				break;
			continue;
		}
		if (off + 2 > len)
			return false;
		unsigned hl = ((unsigned)h[off + 1] + 1) * 8;
		nxt = h[off];
		off += hl;
	}
	if (nxt != IPPROTO_ICMPV6_)
		return false;
	/* The type cut off: ineligible, unless a Fragment header's offset-and-M field was not zero
	 * (Linux tests the raw field: a first fragment with M=1 gets its 4/3, V9.3). */
	if (off + 1 > len)
		return frag_field == 0;
	return h[off] < 128 || h[off] == ND_REDIRECT;
}

/* V4.8: is a the anycast address Linux sees (ours, or the all-zero suffix of a connected prefix)? */
static bool icmp6_is_anycast(const struct stack *st, const uint8_t *a)
{
	const struct ifaddr6 *x = ip6_addr_find(st, a, NULL);
	if (x)
		return x->flags & IFA6_F_ANYCAST;
	return route6_is_subnet_anycast(st, a);
}

void icmp6_send_error(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t info)
{
	icmp6_send_error_fwd(st, off, type, code, info, NULL, NULL);
}

void icmp6_send_error_fwd(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t info,
			  const struct icmp_ext_fwd *fwd, const uint8_t *nexthop)
{
	const uint8_t *h = off->data;

	if (off->len < IP6_HLEN || (h[0] >> 4) != 6) {                         /* V4.1 */
		CNT(st, Icmp6ErrNotSentBadHeader);
		return;
	}
	const uint8_t *osrc = h + IP6_SRC, *odst = h + IP6_DST;
	/* V4.2: multicast or L2 broadcast/multicast — except 2/0 and 4/2 (action 10 options). */
	bool mcast = ip6_is_mcast(odst) || (off->flags & (PKB_L2_BCAST | PKB_L2_MCAST));
	bool allowed_mcast = type == ICMP6_PACKET_TOO_BIG ||
			     (type == ICMP6_PARAM_PROB && code == 2 && info < off->len && (h[info] >> 6) == 2);
	if (mcast && !allowed_mcast) {
		CNT(st, Icmp6ErrNotSentMcast);
		return;
	}
	if (ip6_is_any(osrc) || ip6_is_mcast(osrc)) {                          /* V4.3 */
		CNT(st, Icmp6ErrNotSentInvalidSrc);
		return;
	}
	if (icmp6_offender_is_error(h, off->len)) {                            /* V4.4 */
		CNT(st, Icmp6ErrNotSentAboutError);
		return;
	}
	uint8_t dst[16];
	memcpy(dst, osrc, 16);
	/* V4.10: a link-local destination is answered on the arrival interface. */
	int oif = ip6_is_linklocal(dst) ? (off->iif < st->nifs ? off->iif : -1) : -1;
	if (!ip6_is_linklocal(dst)) {
		struct route6_res rr;
		if (route6_lookup(st, dst, -1, &rr) != 0 && !icmp6_rate_limited_type(st, type)) {
			CNT(st, Icmp6ErrNotSentNoRoute);                       /* V4.6 (exempt types) */
			return;
		}
	} else if (oif < 0) {
		CNT(st, Icmp6ErrNotSentNoRoute);
		return;
	}
	if (!icmp6_rate_allow(st, type, dst))                                  /* V4.5-V4.7 */
		return;
	if (!st->knobs.ip6_error_anycast_as_unicast && icmp6_is_anycast(st, dst)) { /* V4.8 */
		CNT(st, Icmp6ErrNotSentAnycast);
		return;
	}
	/* V4.9: the offender's destination when it is our unicast address (and not a multicast
	 * case); otherwise source selection toward the destination, preferring the arrival link. */
	uint8_t src[16];
	const struct ifaddr6 *ours = ip6_addr_find(st, odst, NULL);
	if (!mcast && ours && ours->state == IFA6_VALID && !(ours->flags & IFA6_F_ANYCAST)) {
		memcpy(src, odst, 16);
	} else {
		int pref = off->iif < st->nifs ? off->iif : -1;
		if (ip6_select_src(st, dst, oif >= 0 ? oif : pref, src) != 0 && ip6_select_src(st, dst, -1, src) != 0) {
			CNT(st, Icmp6ErrNotSentNoRoute);
			return;
		}
	}
	/* V4.13: quote as much as fits 1280 bytes. */
	size_t qlen = off->len;
	if (qlen > ICMP6_ERR_MAX - IP6_HLEN - ICMP6_HDR_LEN)
		qlen = ICMP6_ERR_MAX - IP6_HLEN - ICMP6_HDR_LEN;
	/* X2 (ICMPv6 1 and 3): the RFC 4884 extension after every rule above, replacing the quote. */
	uint8_t ext[ICMP_EXT_ORIG_LEN + ICMP6_EXT_MAX];
	size_t elen = icmp6_ext_build(st, type, off, fwd, nexthop, ext);
	if (elen)
		qlen = elen;
	struct pkb *p = stack_alloc(st, ICMP6_HDR_LEN + qlen);
	if (!p) {
		CNT(st, Icmp6OutErrors);
		return;
	}
	uint8_t *m = p->data;
	p->len = (uint32_t)(ICMP6_HDR_LEN + qlen);
	m[0] = type;
	m[1] = code;
	be16_put(m + 2, 0);
	be32_put(m + 4, info);                                                 /* V4.12 */
	memcpy(m + ICMP6_HDR_LEN, elen ? ext : h, qlen);
	if (elen)
		m[4] = ICMP_EXT_ORIG_LEN / 8;                                  /* X1.2: 64-bit words */
	struct ip6_tx tx = { .src = src, .dst = dst, .oif = oif, .proto = IPPROTO_ICMPV6_ };  /* V4.11 */
	icmp6_xmit(st, p, &tx);
}
