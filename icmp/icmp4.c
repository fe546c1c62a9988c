/* icmp/icmp4.c — ICMPv4 receive path (ICMP-SPEC §1), echo (§2), timestamp (§3), address mask (§4).
 *
 * Table-driven, like Linux's icmp_pointers[]: one row per type with its handler and whether it is an
 * error type (R1.8). Handlers consume the buffer. Replies are built in place in the request's buffer
 * and leave through icmp4_xmit, the one place that counts what ICMP sends. */
#include "icmp/icmp4.h"

#include <errno.h>
#include <string.h>

#include "icmp/icmp_ext.h"
#include "icmp/ping.h"
#include "icmp/probe.h"
#include "ip/ip4.h"
#include "ip/route.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

typedef void (*icmp4_handler)(struct stack *st, struct pkb *p, const struct ip4_rx *rx);

static void icmp4_echo(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_timestamp(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_addrmask(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_error_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_redirect_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_consume(struct stack *st, struct pkb *p, const struct ip4_rx *rx);

static const struct icmp4_type_desc {
	icmp4_handler handler; /* NULL: discarded silently (R1.6) */
	bool error;            /* R1.8: an error message, never answered with an error */
} icmp4_types[ICMP4_MAX_TYPE + 1] = {
	[ICMP4_ECHOREPLY] = { ping_input, false },    /* R1.7: to our ping client, else dropped */
	[1] = { NULL, true },
	[2] = { NULL, true },
	[ICMP4_DEST_UNREACH] = { icmp4_error_input, true },
	[ICMP4_SOURCE_QUENCH] = { icmp4_consume, true }, /* R8.6: counted, ignored */
	[ICMP4_REDIRECT] = { icmp4_redirect_input, true },
	[6] = { NULL, true },
	[7] = { NULL, true },
	[ICMP4_ECHO] = { icmp4_echo, false },
	[9] = { NULL, true },
	[10] = { NULL, true },
	[ICMP4_TIME_EXCEEDED] = { icmp4_error_input, true },
	[ICMP4_PARAMETERPROB] = { icmp4_error_input, true },
	[ICMP4_TIMESTAMP] = { icmp4_timestamp, false },
	[ICMP4_TIMESTAMPREPLY] = { NULL, false },
	[15] = { NULL, false },
	[16] = { NULL, false },
	[ICMP4_ADDRESS] = { icmp4_addrmask, false },
	[ICMP4_ADDRESSREPLY] = { NULL, false },
};

int icmp4_init(struct stack *st)
{
	ip4_register_proto(st, IPPROTO_ICMP_, icmp4_input, ping_err);
	return icmp_ratelimit_init(st);
}

void icmp4_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	const uint8_t *m = p->data;

	CNT(st, IcmpInMsgs);                                 /* R1.1 */
	if (csum_buf(m, p->len) != 0) {                      /* R1.2: an empty message fails too */
		CNT(st, IcmpInCsumErrors);
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (p->len < ICMP4_HDR_LEN) {                        /* R1.3 */
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	uint8_t type = m[0];
	st->icmp_in_type[type]++;                            /* R1.4 */
	if (type > ICMP4_MAX_TYPE) {                         /* R1.6; 42/43 (RFC 8335) */
		if (type == ICMP4_EXT_ECHO)                  /* X5.4: before R1.5 */
			probe4_input(st, p, rx);
		else if (type == ICMP4_EXT_ECHOREPLY)        /* X5.11 */
			probe4_reply_input(st, p, rx);
		else
			stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (rx->dst_kind == IP4_DST_BCAST || rx->dst_kind == IP4_DST_MCAST) { /* R1.5 */
		bool query = type == ICMP4_ECHO || type == ICMP4_TIMESTAMP;
		if ((query && st->knobs.icmp_echo_ignore_broadcasts) ||
		    (!query && type != ICMP4_ADDRESS && type != ICMP4_ADDRESSREPLY)) {
			stack_drop(st, p, C_IcmpInErrors);
			return;
		}
	}
	const struct icmp4_type_desc *d = &icmp4_types[type];
	if (!d->handler) {
		stack_drop(st, p, C_IcmpInIgnored);          /* R1.6: obsolete or unsolicited, silently */
		return;
	}
	d->handler(st, p, rx);                               /* R1.7 */
}

static void icmp4_consume(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	(void)rx;
	stack_consume(st, p);
}

/* The one exit of everything ICMP sends: counts (R5.15), hands to IP. p->data at the ICMP header,
 * checksum already set. Consumes p. */
static void icmp4_xmit(struct stack *st, struct pkb *p, const struct ip4_tx *tx)
{
	uint8_t type = p->data[0];
	CNT(st, IcmpOutMsgs);
	st->icmp_out_type[type]++;
	if (ip4_output(st, p, tx) != 0)
		CNT(st, IcmpOutErrors);
}

/* Sends the reply built in p back to the requester (R2.3, R2.4, R2.5, R2.6, R3.3). */
void icmp4_reply(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t opt[40];
	struct ip4_opts oinfo;
	int optlen = 0;

	if (!icmp4_rate_allow(st, p->data[0], p->data[1], rx->src)) { /* R2.6: only if in icmp_ratemask */
		stack_drop(st, p, C_IcmpInReplyRateLimited);
		return;
	}
	if (rx->hlen > IP4_HDR_MIN) {
		optlen = ip4_opts_echo(st, rx->hdr, ip4cb(p), opt, &oinfo);
		if (optlen < 0) { /* no slot for our own record: Linux sends nothing either */
			stack_drop(st, p, C_IcmpOutErrors);
			return;
		}
	}
	struct ip4_tx tx = {
		/* The request's destination when it is ours; for a broadcast or multicast request, the
		 * address of the interface toward the requester (src 0 lets IP choose it). */
		.src = rx->dst_kind == IP4_DST_LOCAL ? rx->dst : 0,
		.dst = rx->src,
		.proto = IPPROTO_ICMP_,
		.tos = rx->tos,                              /* R2.4: copied verbatim, ECN too */
		.ttl = (uint8_t)st->knobs.ip_default_ttl,
		.df = IP4_DF_DONT,
		.optlen = (uint8_t)optlen,
		.opt = opt,
		.optinfo = &oinfo,
	};
	p->flags &= PKB_HEAP | PKB_RX;
	icmp4_xmit(st, p, &tx);
}

/* True when the requester may be answered at all (R2.7 POLICY: not an invalid source). */
bool icmp4_may_answer(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	if (!ip4_is_valid_host_src(st, rx->src)) {
		stack_drop(st, p, C_IcmpInInvalidSrc);
		return false;
	}
	return true;
}

static void icmp4_echo(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data;

	if (st->knobs.icmp_echo_ignore_all) {                /* R2.1 */
		stack_drop(st, p, C_IcmpInEchoIgnored);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	/* R2.2: same message with type 0; code, id, seq and data unchanged; RFC 1624 checksum update. */
	uint16_t old = be16_get(m);
	m[0] = ICMP4_ECHOREPLY;
	be16_put(m + 2, csum_update16(be16_get(m + 2), old, be16_get(m)));
	icmp4_reply(st, p, rx);
}

static void icmp4_timestamp(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data;

	if (p->len < ICMP4_HDR_LEN + 4) {                    /* R3.1 */
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	/* R3.2: exactly 20 bytes; originate kept; receive = transmit = one reading of the clock. */
	if (p->len < 20 && pkb_tailroom(p) < 20u - p->len) {
		stack_drop(st, p, C_PkbAllocFails);
		return;
	}
	uint32_t now = stack_ms_since_midnight(st);
	p->len = 20;
	m[0] = ICMP4_TIMESTAMPREPLY;
	m[1] = 0;
	be32_put(m + 12, now);
	be32_put(m + 16, now);
	be16_put(m + 2, 0);
	be16_put(m + 2, csum_buf(m, 20));
	icmp4_reply(st, p, rx);
}

static void icmp4_addrmask(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data;

	/* R4.1: silently, unless configured as an authority (R4.2, RFC 950; RFC 1122 3.2.2.9). */
	if (!st->knobs.icmp_addrmask_reply || p->len < ICMP4_HDR_LEN + 4) {
		stack_drop(st, p, C_IcmpInAddrMaskIgnored);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	const struct iface *ifp = &st->ifs[rx->ifindex];
	const struct ifaddr *a = iface_addr_for(ifp, rx->src);
	if (!a)
		a = &ifp->addr[0];
	p->len = ICMP4_HDR_LEN + 4;
	m[0] = ICMP4_ADDRESSREPLY;
	m[1] = 0;
	be32_put(m + 8, a->mask);
	be16_put(m + 2, 0);
	be16_put(m + 2, csum_buf(m, p->len));
	icmp4_reply(st, p, rx);
}

/* R8.1: the quote must hold an IP header and the 8 bytes after it. Returns its IHL*4, or 0. */
static unsigned icmp4_quote_ok(const struct pkb *p)
{
	const uint8_t *in = p->data + ICMP4_HDR_LEN;
	size_t inlen = p->len - ICMP4_HDR_LEN;
	return ip4_hdr_check(in, inlen, 0, 8);
}

/* R8.3: what a socket user sees for each error. */
static void icmp4_errno(uint8_t type, uint8_t code, int *err, bool *fatal)
{
	static const struct { int err; bool fatal; } unreach[16] = {
		{ ENETUNREACH, false }, { EHOSTUNREACH, false }, { ENOPROTOOPT, true }, { ECONNREFUSED, true },
		{ EMSGSIZE, true }, { EOPNOTSUPP, false }, { ENETUNREACH, true }, { EHOSTDOWN, true },
		{ ENONET, true }, { ENETUNREACH, true }, { EHOSTUNREACH, true }, { ENETUNREACH, false },
		{ EHOSTUNREACH, false }, { EHOSTUNREACH, true }, { EHOSTUNREACH, true }, { EHOSTUNREACH, true },
	};
	if (type == ICMP4_DEST_UNREACH) {
		*err = unreach[code & 15].err;
		*fatal = unreach[code & 15].fatal;
	} else if (type == ICMP4_PARAMETERPROB) {
		*err = EPROTO;
		*fatal = true;
	} else { /* time exceeded, both codes (R8.1 POLICY: 11/1 is delivered too) */
		*err = EHOSTUNREACH;
		*fatal = false;
	}
}

void icmp4_deliver_error(struct stack *st, uint8_t type, uint8_t code, uint32_t info, uint32_t from,
			 const uint8_t *inner, size_t inner_len)
{
	icmp4_deliver_error_msg(st, type, code, info, from, inner, inner_len, NULL, 0);
}

void icmp4_deliver_error_msg(struct stack *st, uint8_t type, uint8_t code, uint32_t info, uint32_t from,
			     const uint8_t *inner, size_t inner_len, const uint8_t *msg, size_t msg_len)
{
	unsigned ihl = ip4_hdr_len(inner);
	struct ip4_err e = {
		.type = type, .code = code, .info = info, .from = from,
		.inner = inner, .inner_len = inner_len,
		.isrc = be32_get(inner + IP4_SRC), .idst = be32_get(inner + IP4_DST),
		.l4 = inner + ihl,
		.msg = msg, .msg_len = msg_len,
	};
	icmp4_errno(type, code, &e.err, &e.fatal);
	ip4_err_deliver(st, &e);
}

/* Received errors (§8): 3, 11, 12. */
static void icmp4_error_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	const uint8_t *m = p->data, *in = m + ICMP4_HDR_LEN;
	uint8_t type = m[0], code = m[1];
	uint32_t info = 0;

	if (!icmp4_quote_ok(p)) {
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (type == ICMP4_DEST_UNREACH && code > 15) {
		stack_drop(st, p, C_IcmpInIgnored); /* no such code: ignored */
		return;
	}
	uint32_t idst = be32_get(in + IP4_DST);
	/* POLICY: an error about something sent to one of our broadcast addresses is someone's
	 * answer to a broadcast: not ours to act on (the knob's name says so; Linux's test is inverted). */
	if (st->knobs.icmp_ignore_bogus_error_responses && ip4_dst_kind(st, idst) == IP4_DST_BCAST) {
		stack_drop(st, p, C_IcmpInBogusErrors);
		return;
	}
	if (type == ICMP4_DEST_UNREACH && code == 4) {
		info = be16_get(m + 6);
		/* R8.4: only about datagrams we sent. */
		if (ip4_is_local(st, be32_get(in + IP4_SRC)))
			rtcache_learn_pmtu(st, idst, info);
	} else if (type == ICMP4_PARAMETERPROB) {
		info = m[4];
	}
	icmp4_deliver_error_msg(st, type, code, info, rx->src, in, p->len - ICMP4_HDR_LEN, m, p->len);
	stack_consume(st, p);
}

/* R8.5: a redirect from our current first hop toward the quoted destination installs a host
 * exception for 300 s — only while we are a host (not forwarding) and accept_redirects is on. */
static void icmp4_redirect_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	const uint8_t *m = p->data, *in = m + ICMP4_HDR_LEN;
	struct route_res rr;

	if (!icmp4_quote_ok(p)) {
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	uint32_t gw = be32_get(m + 4), dst = be32_get(in + IP4_DST);
	if (!st->knobs.accept_redirects || st->knobs.ip_forward || (m[1] & 7) > 3 ||
	    route_lookup(st, dst, &rr) != 0 || rr.nexthop != rx->src || rr.ifindex != rx->ifindex ||
	    gw == rr.nexthop || !iface_addr_for(&st->ifs[rr.ifindex], gw) || !ip4_is_valid_host_src(st, gw) ||
	    ip4_is_local(st, gw)) {
		stack_drop(st, p, C_IcmpInRedirectsIgnored);
		return;
	}
	rtcache_learn_redirect(st, dst, gw, rr.ifindex);
	/* Our ping client shows it, as iputils does; sockets are not told (Linux udp_err). */
	if (in[IP4_PROTO] == IPPROTO_ICMP_)
		icmp4_deliver_error(st, ICMP4_REDIRECT, m[1], gw, rx->src, in, p->len - ICMP4_HDR_LEN);
	stack_consume(st, p);
}

/* R5.5: is the offender an ICMP message we must not answer with an error? */
static bool icmp4_offender_is_error(const uint8_t *h, size_t len, unsigned hlen)
{
	if (h[IP4_PROTO] != IPPROTO_ICMP_)
		return false;
	if (len < hlen + 1)
		return true; /* type unreadable */
	uint8_t t = h[hlen];
	return t > ICMP4_MAX_TYPE || icmp4_types[t].error;
}

void icmp4_send_error(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t word2)
{
	icmp4_send_error_fwd(st, off, type, code, word2, NULL);
}

void icmp4_send_error_fwd(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t word2,
			  const struct icmp_ext_fwd *fwd)
{
	const uint8_t *h = off->data;
	struct route_res rr;

	/* Every error not sent is counted under its rule (IcmpErrNotSent*, IcmpOutRateLimit*). */
	/* R5.1: a readable header. */
	unsigned hlen = ip4_hdr_check(h, off->len, IP4_CHK_VERSION, 0);
	if (!hlen) {
		CNT(st, IcmpErrNotSentBadHeader);
		return;
	}
	uint32_t src = be32_get(h + IP4_SRC), dst = be32_get(h + IP4_DST);
	if (off->flags & (PKB_L2_BCAST | PKB_L2_MCAST)) {                      /* R5.2 */
		CNT(st, IcmpErrNotSentL2Bcast);
		return;
	}
	if (ip4_dst_kind(st, dst) == IP4_DST_BCAST || (dst >> 28) == 0xe) {   /* R5.3 */
		CNT(st, IcmpErrNotSentBcastDst);
		return;
	}
	if (be16_get(h + IP4_FRAG) & IP4_OFFMASK) {                            /* R5.4 */
		CNT(st, IcmpErrNotSentFragment);
		return;
	}
	if (icmp4_offender_is_error(h, off->len, hlen)) {                      /* R5.5 */
		CNT(st, IcmpErrNotSentAboutError);
		return;
	}
	/* R5.6 (POLICY): only to a unicast host; never to ourselves. */
	if (!ip4_is_valid_host_src(st, src) || ip4_is_local(st, src)) {
		CNT(st, IcmpErrNotSentInvalidSrc);
		return;
	}
	/* R5.1: a route back; R5.7: the rate limits. */
	if (route_lookup(st, src, &rr) != 0 || rr.rt->type == RT_PROHIBIT || rr.rt->type == RT_BLACKHOLE) {
		CNT(st, IcmpErrNotSentNoRoute);
		return;
	}
	if (!icmp4_rate_allow(st, type, code, src))
		return;

	/* R5.8: the offender's destination if ours; else the inbound or the outbound interface's. */
	uint32_t saddr = rr.src;
	if (ip4_is_local(st, dst)) {
		saddr = dst;
	} else if (st->knobs.icmp_errors_use_inbound_ifaddr && off->iif < st->nifs && st->ifs[off->iif].naddr) {
		const struct iface *in = &st->ifs[off->iif];
		const struct ifaddr *a = iface_addr_for(in, src);
		saddr = a ? a->addr : in->addr[0].addr;
	}
	/* R5.11: options echoed as for a reply. */
	uint8_t opt[40];
	struct ip4_opts oinfo = { 0 };
	int optlen = 0;
	if (hlen > IP4_HDR_MIN && (ip4cb_c(off)->rr || ip4cb_c(off)->ts || ip4cb_c(off)->srr)) {
		optlen = ip4_opts_echo(st, h, ip4cb_c(off), opt, &oinfo);
		if (optlen < 0) {
			CNT(st, IcmpErrNotSentOptions);
			return;
		}
	}
	/* R5.13: as much of the offender as fits in 576 bytes (or the path MTU, if smaller). */
	bool locked;
	unsigned mtu = route_pmtu(st, src, &locked);
	if (mtu > ICMP4_QUOTE_MAX)
		mtu = ICMP4_QUOTE_MAX;
	int room = (int)mtu - IP4_HDR_MIN - optlen - ICMP4_HDR_LEN;
	if (room <= IP4_HDR_MIN) {
		CNT(st, IcmpErrNotSentNoRoom);
		return;
	}
	size_t qlen = be16_get(h + IP4_LEN);
	if (qlen > off->len)
		qlen = off->len;
	if (qlen > (size_t)room)
		qlen = (size_t)room;
	/* X2: RFC 4884/5837 extension, after every rule above; replaces the quote when it fits. */
	uint8_t ext[ICMP_EXT_ORIG_LEN + ICMP_EXT_MAX];
	size_t elen = icmp4_ext_build(st, type, off, fwd, room, ext);
	if (elen)
		qlen = elen;

	struct pkb *p = stack_alloc(st, ICMP4_HDR_LEN + qlen);
	if (!p) {
		CNT(st, IcmpOutErrors);
		return;
	}
	uint8_t *m = p->data;
	p->len = (uint32_t)(ICMP4_HDR_LEN + qlen);
	m[0] = type;
	m[1] = code;
	be16_put(m + 2, 0);
	be32_put(m + 4, word2);                                                /* R5.12 */
	memcpy(m + ICMP4_HDR_LEN, elen ? ext : h, qlen);
	if (elen)
		m[5] = ICMP_EXT_ORIG_LEN / 4;                                  /* X1.2: length attribute */
	be16_put(m + 2, csum_buf(m, p->len));
	struct ip4_tx tx = {
		.src = saddr,
		.dst = src,                                                    /* R5.9 */
		.proto = IPPROTO_ICMP_,
		.tos = (uint8_t)((h[IP4_TOS] & 0x1e) | 0xc0),                  /* R5.10 */
		.ttl = (uint8_t)st->knobs.ip_default_ttl,
		.df = IP4_DF_DONT,
		.optlen = (uint8_t)optlen,
		.opt = opt,
		.optinfo = &oinfo,
	};
	icmp4_xmit(st, p, &tx);                                                /* R5.15 */
}
