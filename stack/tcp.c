/* stack/tcp.c — the TCP stub: there are no listeners, so every segment gets the reset of RFC 793
 * section 3.4 ("reset generation", CLOSED state), over IPv4 and IPv6 alike. nc -z, nmap -sS and
 * traceroute -T then see a closed port instead of a protocol unreachable. */
#include "stack/tcp.h"

#include "ip/ip4.h"
#include "ip/ip6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

#define TCP_HDR_MIN 20
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };

/* Linux's order (tcp_v4_rcv, tcp_v6_rcv): not for our MAC, not counted; then every segment
 * counts, even a bad one; a short header or one past the data is discarded (our own counter), a
 * data offset below 5 is an error. True when the header may be read; else p was dropped. */
static bool tcp_hdr_ok(struct stack *st, struct pkb *p, uint8_t l2flags)
{
	if (l2flags) {
		stack_drop(st, p, C_TcpInNoReset);
		return false;
	}
	CNT(st, TcpInSegs);
	if (p->len < TCP_HDR_MIN) {
		stack_drop(st, p, C_TcpInTruncated);
		return false;
	}
	unsigned doff = (p->data[12] >> 4) * 4u;
	if (doff < TCP_HDR_MIN) {
		stack_drop(st, p, C_TcpInErrs);
		return false;
	}
	if (doff > p->len) {
		stack_drop(st, p, C_TcpInTruncated);
		return false;
	}
	return true;
}

/* The checksum did not verify (csum != 0): counted and dropped. */
static bool tcp_csum_ok(struct stack *st, struct pkb *p, uint16_t csum)
{
	if (csum == 0)
		return true;
	CNT(st, TcpInCsumErrors);
	stack_drop(st, p, C_TcpInErrs);
	return false;
}

/* No reset answers a reset. True when p may be answered; else dropped. */
static bool tcp_not_rst(struct stack *st, struct pkb *p)
{
	if (!(p->data[13] & TCP_RST))
		return true;
	stack_drop(st, p, C_TcpInRstIgnored);
	return false;
}

/* Turns the segment at p->data into its reset in place (RFC 793 3.4), without the checksum:
 * with ACK, <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
static void tcp_make_rst(struct pkb *p)
{
	uint8_t *t = p->data;
	uint8_t flags = t[13];
	unsigned doff = (t[12] >> 4) * 4u;
	uint32_t seq = be32_get(t + 4), ack = be32_get(t + 8);
	uint32_t seg_len = p->len - doff + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	uint16_t sport = be16_get(t), dport = be16_get(t + 2);

	be16_put(t, dport);
	be16_put(t + 2, sport);
	if (flags & TCP_ACK) {
		be32_put(t + 4, ack);
		be32_put(t + 8, 0);
		t[13] = TCP_RST;
	} else {
		be32_put(t + 4, 0);
		be32_put(t + 8, seq + seg_len);
		t[13] = TCP_RST | TCP_ACK;
	}
	t[12] = (TCP_HDR_MIN / 4) << 4;
	be16_put(t + 14, 0);   /* window */
	be16_put(t + 16, 0);   /* checksum */
	be16_put(t + 18, 0);   /* urgent pointer */
	p->len = TCP_HDR_MIN;
	p->flags &= PKB_HEAP | PKB_RX;
}

static void tcp_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	if (!tcp_hdr_ok(st, p, rx->l2flags) ||
	    !tcp_csum_ok(st, p, csum_fold(csum_pseudo(rx->src, rx->dst, IPPROTO_TCP_, (uint16_t)p->len) +
					  csum_add(0, p->data, p->len))) ||
	    !tcp_not_rst(st, p))
		return;
	/* None goes to a broadcast or to a source that is not a host. */
	if (rx->dst_kind != IP4_DST_LOCAL || !ip4_is_valid_host_src(st, rx->src)) {
		stack_drop(st, p, C_TcpInNoReset);
		return;
	}
	/* The segment's IP options come back as in any reply (RR with our address added, TS stamped;
	 * Linux ip_send_unicast_reply echoes them with __ip_options_echo). No room for our record:
	 * no reset, as there. */
	uint8_t opt[40];
	struct ip4_opts oinfo = { 0 };
	int optlen = 0;
	if (rx->hlen > IP4_HDR_MIN) {
		optlen = ip4_opts_echo(st, rx->hdr, ip4cb(p), opt, &oinfo);
		if (optlen < 0) {
			stack_drop(st, p, C_TcpInNoReset);
			return;
		}
	}
	tcp_make_rst(p);
	uint8_t *t = p->data;
	be16_put(t + 16, csum_fold(csum_pseudo(rx->dst, rx->src, IPPROTO_TCP_, TCP_HDR_MIN) + csum_add(0, t, TCP_HDR_MIN)));
	CNT(st, TcpOutRsts);
	/* As Linux's reply socket: the segment's TOS without its ECN bits (0xbb → 0xb8), DF set and
	 * so IP ID 0 (ip4_output). */
	struct ip4_tx tx = { .src = rx->dst, .dst = rx->src, .proto = IPPROTO_TCP_, .tos = (uint8_t)(rx->tos & ~3u),
			     .ttl = (uint8_t)st->knobs.ip_default_ttl, .df = IP4_DF_DO,
			     .optlen = (uint8_t)optlen, .opt = opt, .optinfo = &oinfo };
	ip4_output(st, p, &tx);
}

/* The same over IPv6 (Linux tcp_v6_send_reset): only to one of our unicast addresses, from it,
 * with the segment's traffic class less its ECN bits, the default hop limit, no extension
 * headers; a link-local peer is answered on the arrival interface. */
static void tcp6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	if (!tcp_hdr_ok(st, p, rx->l2flags) ||
	    !tcp_csum_ok(st, p, ip6_csum(rx->src, rx->dst, IPPROTO_TCP_, p->data, p->len)) || !tcp_not_rst(st, p))
		return;
	if (rx->dst_kind != IP6_DST_LOCAL || ip6_is_any(rx->src)) {
		stack_drop(st, p, C_TcpInNoReset);
		return;
	}
	tcp_make_rst(p);
	uint8_t *t = p->data;
	be16_put(t + 16, ip6_csum(rx->dst, rx->src, IPPROTO_TCP_, t, TCP_HDR_MIN));
	CNT(st, TcpOutRsts);
	struct ip6_tx tx = { .src = rx->dst, .dst = rx->src, .proto = IPPROTO_TCP_,
			     .oif = ip6_is_linklocal(rx->src) ? (int)rx->ifindex : -1,
			     .tclass = (uint8_t)(rx->tclass & ~3u) };
	ip6_output(st, p, &tx);
}

/* An error about a segment of ours: a reset stub has no connections to tell (Linux: InErrors). */
static void tcp_err(struct stack *st, const struct ip4_err *e)
{
	if (e->from)
		CNT(st, IcmpInErrors);
}

static void tcp6_err(struct stack *st, const struct ip6_err *e)
{
	if (!e->local)
		CNT(st, Icmp6InErrors);
}

void tcp_init(struct stack *st)
{
	ip4_register_proto(st, IPPROTO_TCP_, tcp_input, tcp_err);
	ip6_register_proto(st, IPPROTO_TCP_, tcp6_input, tcp6_err);
}
