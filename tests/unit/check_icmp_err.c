/* tests/unit/check_icmp_err.c — the error builder (ICMP-SPEC §5), the rows 3/2, 3/3 and 12/0 of §6,
 * options echoed in replies (R2.5), and the rate limits (§7). */
#include <string.h>

#include "icmp/icmp4.h"
#include "ip/ip4.h"
#include "ip/route.h"
#include "stack/core.h"
#include "tests/unit/harness.h"


/* A UDP datagram with a correct checksum (or the one given when csum_override is set). */
static size_t build_udp(struct frame *f, const struct ip_spec *s, uint16_t sport, uint16_t dport,
			size_t dlen, int csum_override)
{
	static uint8_t u[70000];
	size_t len = 8 + dlen;
	u[0] = (uint8_t)(sport >> 8); u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8); u[3] = (uint8_t)dport;
	u[4] = (uint8_t)(len >> 8); u[5] = (uint8_t)len;
	u[6] = u[7] = 0;
	for (size_t i = 0; i < dlen; i++)
		u[8 + i] = (uint8_t)(i + 1);
	/* pseudo header + datagram */
	static uint8_t ph[70012];
	ph[0] = (uint8_t)(s->src >> 24); ph[1] = (uint8_t)(s->src >> 16); ph[2] = (uint8_t)(s->src >> 8); ph[3] = (uint8_t)s->src;
	ph[4] = (uint8_t)(s->dst >> 24); ph[5] = (uint8_t)(s->dst >> 16); ph[6] = (uint8_t)(s->dst >> 8); ph[7] = (uint8_t)s->dst;
	ph[8] = 0; ph[9] = 17; ph[10] = (uint8_t)(len >> 8); ph[11] = (uint8_t)len;
	memcpy(ph + 12, u, len);
	uint16_t c = cksum(ph, 12 + len);
	if (csum_override >= 0)
		c = (uint16_t)csum_override;
	else if (c == 0)
		c = 0xffff;
	u[6] = (uint8_t)(c >> 8); u[7] = (uint8_t)c;
	struct ip_spec t = *s;
	t.proto = 17;
	return build_ip(f, &t, u, len);
}

static void udp_probe(uint32_t src, uint32_t dst, uint16_t dport, size_t dlen, uint8_t tos)
{
	struct frame f;
	struct ip_spec s = { .src = src, .dst = dst, .tos = tos };
	feed(0, f.b, build_udp(&f, &s, 33000, dport, dlen, -1));
}

/* Runs the builder directly on an offender datagram (IPv4 header first) as if it arrived on ifx. */
static void send_error_about(const uint8_t *dgram, size_t len, unsigned ifx, uint8_t l2flags,
			     uint8_t type, uint8_t code, uint32_t word2)
{
	struct pkb *p = stack_rx_buf(T);
	ck_assert_ptr_nonnull(p);
	memcpy(p->data, dgram, len);
	p->len = (uint32_t)len;
	p->ifindex = (uint16_t)ifx;
	p->iif = (uint16_t)ifx;
	p->flags = l2flags;
	icmp4_send_error(T, p, type, code, word2);
	stack_pkb_free(T, p);
}

/* An offender: IPv4 header + 8 bytes of UDP-looking payload, header checksum set. */
static size_t offender(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag, uint8_t tos)
{
	struct frame f;
	struct ip_spec s = { .src = src, .dst = dst, .proto = proto, .frag = frag, .tos = tos };
	uint8_t pl[8] = { 0x80, 0x00, 0x12, 0x34, 0, 0, 0, 0 };
	build_ip(&f, &s, pl, 8);
	memcpy(b, f.b + 14, f.len - 14);
	return f.len - 14;
}

START_TEST(test_port_unreachable_fields)
{
	struct frame q, r;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .tos = 0x10 };
	build_udp(&q, &s, 33000, 9999, 20, -1);
	feed(0, q.b, q.len);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	const uint8_t *h = r.b + 14, *m = h + 20;
	ck_assert_mem_eq(r.b, PEERMAC, 6);
	ck_assert_uint_eq(h[0], 0x45);
	ck_assert_uint_eq(h[1], 0xd0);                       /* R5.10: 0x10 -> 0xD0 */
	ck_assert_uint_eq(rd16(h + 2), 20 + 8 + 48);         /* the whole 48-byte offender quoted */
	ck_assert_uint_eq(rd16(h + 6), 0);                   /* DF clear */
	ck_assert_uint_eq(h[8], 64);
	ck_assert_uint_eq(h[9], 1);
	ck_assert_uint_eq(cksum(h, 20), 0);
	ck_assert_uint_eq(rd32(h + 12), US_IP);              /* R5.8: the offender's destination */
	ck_assert_uint_eq(rd32(h + 16), PEER_IP);            /* R5.9 */
	ck_assert_uint_eq(m[0], 3);
	ck_assert_uint_eq(m[1], 3);
	ck_assert_uint_eq(rd32(m + 4), 0);                   /* R5.12 */
	ck_assert_uint_eq(cksum(m, 8 + 48), 0);
	ck_assert_mem_eq(m + 8, q.b + 14, 48);               /* R5.14: as received */
	ck_assert_uint_eq(ctr("UdpNoPorts"), 1);
	ck_assert_uint_eq(ctr("IcmpOutMsgs"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgOutType3"), 1);
	ck_assert_uint_eq(ctr("IcmpOutDestUnreachs"), 1);
}
END_TEST

START_TEST(test_r511_error_echoes_options)
{
	/* R5.11: the error's options are the offender's, rebuilt as for a reply: RR holds the address
	 * we received it at, and our source again in the next slot. */
	struct frame q, r;
	const uint8_t rr[12] = { 7, 11, 4 };
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .opt = rr, .optlen = 12 };
	build_udp(&q, &s, 33000, 9999, 4, -1);
	feed(0, q.b, q.len);
	tx_take(&r);
	const uint8_t *h = r.b + 14;
	ck_assert_uint_eq(h[0], 0x48);
	ck_assert_uint_eq(cksum(h, 32), 0);
	ck_assert_uint_eq(h[20], 7);
	ck_assert_uint_eq(h[21], 11);
	ck_assert_uint_eq(h[22], 12);
	ck_assert_uint_eq(rd32(h + 23), US_IP);
	ck_assert_uint_eq(rd32(h + 27), US_IP);
	ck_assert_uint_eq(h[32], 3);                         /* then the 3/3 itself */
	ck_assert_uint_eq(h[33], 3);
}
END_TEST

START_TEST(test_tos_b9)
{
	struct frame r;
	udp_probe(PEER_IP, US_IP, 9999, 0, 0xb9);
	tx_take(&r);
	ck_assert_uint_eq(r.b[15], 0xd8);                    /* (0xB9 & 0x1E) | 0xC0 */
}
END_TEST

START_TEST(test_quote_576)
{
	struct frame r;
	/* 1028-byte offender: 548 bytes quoted, 576 in all (R5.13). */
	udp_probe(PEER_IP, US_IP, 9999, 1028 - 28, 0);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 2), 576);
	ck_assert_uint_eq(r.len, 14 + 576);
	ck_assert_uint_eq(rd16(r.b + 34 + 8 + 2), 1028);     /* the quoted header keeps its length */
	ck_assert_uint_eq(cksum(r.b + 34, 556), 0);
}
END_TEST

START_TEST(test_protocol_unreachable)
{
	struct frame q, r;
	uint8_t pl[40] = { 1, 2, 3 };
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 253 };
	build_ip(&q, &s, pl, sizeof(pl));
	feed(0, q.b, q.len);
	ck_assert_uint_eq(ctr("IpInUnknownProtos"), 1);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	ck_assert_uint_eq(r.b[34], 3);
	ck_assert_uint_eq(r.b[35], 2);
	ck_assert_mem_eq(r.b + 42, q.b + 14, 60);
	/* ... but not for a broadcast (R5.3) */
	build_ip(&q, &(struct ip_spec){ .src = PEER_IP, .dst = IP(192, 0, 2, 255), .proto = 253, .dstmac = BCASTMAC }, pl, 8);
	feed(0, q.b, q.len);
	ck_assert_uint_eq(ctr("IpInUnknownProtos"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_no_error_for_bad_udp_checksum)
{
	struct frame q;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP };
	build_udp(&q, &s, 1, 9999, 10, 0x1234);
	feed(0, q.b, q.len);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("UdpInCsumErrors"), 1);
	ck_assert_uint_eq(ctr("UdpInErrors"), 1);
	ck_assert_uint_eq(ctr("UdpNoPorts"), 0);
	/* Checksum 0 means none: accepted, so the closed port is reported. */
	build_udp(&q, &s, 1, 9999, 10, 0);
	feed(0, q.b, q.len);
	ck_assert_uint_eq(tx_count(), 1);
}
END_TEST

/* ---- suppression rules, each with a crafted offender through the builder itself ---- */

START_TEST(test_r51_unreadable_or_no_route)
{
	uint8_t b[64];
	size_t n = offender(b, PEER_IP, US_IP, 17, 0, 0);
	send_error_about(b, 19, 0, 0, 3, 3, 0);              /* shorter than a header */
	b[0] = 0x65;
	send_error_about(b, n, 0, 0, 3, 3, 0);               /* not IPv4 */
	b[0] = 0x4f;
	send_error_about(b, n, 0, 0, 3, 3, 0);               /* IHL past what is held */
	ck_assert_uint_eq(tx_count(), 0);
	n = offender(b, IP(203, 0, 113, 5), US_IP, 17, 0, 0); /* no route back to 203.0.113.0/24 */
	send_error_about(b, n, 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 0);
	n = offender(b, PEER_IP, US_IP, 17, 0, 0);           /* control: this one is answered */
	send_error_about(b, n, 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 1);
}
END_TEST

START_TEST(test_r52_l2_broadcast)
{
	uint8_t b[64];
	size_t n = offender(b, PEER_IP, US_IP, 17, 0, 0);
	send_error_about(b, n, 0, PKB_L2_BCAST, 3, 3, 0);
	send_error_about(b, n, 0, PKB_L2_MCAST, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 0);
	/* And on the wire: a closed-port probe inside an Ethernet broadcast. */
	struct frame q;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .dstmac = BCASTMAC };
	feed(0, q.b, build_udp(&q, &s, 1, 9999, 4, -1));
	ck_assert_uint_eq(ctr("UdpNoPorts"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_r53_broadcast_or_multicast_destination)
{
	uint8_t b[64];
	const uint32_t dsts[] = { IP(192, 0, 2, 255), 0xffffffffu, IP(224, 0, 0, 1), IP(239, 1, 2, 3), IP(198, 51, 100, 255) };
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++)
		send_error_about(b, offender(b, PEER_IP, dsts[i], 17, 0, 0), 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 0);
	struct frame q;
	struct ip_spec s = { .src = PEER_IP, .dst = IP(192, 0, 2, 255), .dstmac = BCASTMAC };
	feed(0, q.b, build_udp(&q, &s, 1, 9999, 4, -1));
	ck_assert_uint_eq(ctr("UdpIgnoredMulti"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_r54_non_first_fragment)
{
	uint8_t b[64];
	send_error_about(b, offender(b, PEER_IP, US_IP, 17, 0x2000 | 185, 0), 0, 0, 3, 3, 0);
	send_error_about(b, offender(b, PEER_IP, US_IP, 17, 1, 0), 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 0);
	send_error_about(b, offender(b, PEER_IP, US_IP, 17, 0x2000, 0), 0, 0, 3, 3, 0); /* offset 0, MF */
	ck_assert_uint_eq(tx_count(), 1);
}
END_TEST

START_TEST(test_r55_errors_about_errors)
{
	uint8_t b[64];
	size_t n;
	/* ICMP offenders of every error type, an unknown type, and an unreadable type: nothing. */
	const uint8_t err_types[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 19, 42, 255 };
	for (size_t i = 0; i < sizeof(err_types); i++) {
		n = offender(b, PEER_IP, US_IP, 1, 0, 0);
		b[20] = err_types[i];
		send_error_about(b, n, 0, 0, 3, 2, 0);
	}
	n = offender(b, PEER_IP, US_IP, 1, 0, 0);
	send_error_about(b, 20, 0, 0, 3, 2, 0);              /* the type byte is not held */
	ck_assert_uint_eq(tx_count(), 0);
	/* Echo, echo reply and timestamp offenders do get errors. */
	const uint8_t ok_types[] = { 0, 8, 13, 14 };
	for (size_t i = 0; i < sizeof(ok_types); i++) {
		n = offender(b, PEER_IP, US_IP, 1, 0, 0);
		b[20] = ok_types[i];
		send_error_about(b, n, 0, 0, 3, 2, 0);
	}
	ck_assert_uint_eq(tx_count(), 4);
}
END_TEST

START_TEST(test_r56_invalid_sources)
{
	uint8_t b[64];
	/* POLICY: no error to anything but a unicast host (RFC 1122 3.2.2, RFC 1812 4.3.2.7). */
	const uint32_t srcs[] = { 0, IP(0, 9, 9, 9), IP(127, 0, 0, 1), IP(224, 0, 0, 5), IP(240, 0, 0, 1),
				  IP(255, 255, 255, 254), 0xffffffffu, IP(192, 0, 2, 255), IP(198, 51, 100, 255), US_IP };
	struct route gw = { .prefix = 0, .plen = 0, .type = RT_GATEWAY, .ifindex = 0, .gw = inet_v4(PEER_IP) };
	ck_assert_int_eq(route_add(T, &gw), 0); /* so that a route back is never the reason */
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		send_error_about(b, offender(b, srcs[i], US_IP, 17, 0, 0), 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 0);
	/* On the wire: class E passes IP input but gets no port unreachable. */
	udp_probe(IP(240, 0, 0, 1), US_IP, 9999, 0, 0);
	ck_assert_uint_eq(ctr("UdpNoPorts"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_r58_source_choice)
{
	struct frame r;
	uint8_t b[64];
	/* Offender to our other interface's address: the error comes from that address. */
	udp_probe(PEER_IP, US1_IP, 9999, 0, 0);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US1_IP);
	/* Not ours, arrived on tap1, source behind tap0: outbound address by default ... */
	send_error_about(b, offender(b, PEER_IP, IP(203, 0, 113, 9), 17, 0, 0), 1, 0, 11, 0, 0);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP);
	/* ... the inbound interface's with icmp_errors_use_inbound_ifaddr=1. */
	set_knob("icmp_errors_use_inbound_ifaddr", "1");
	send_error_about(b, offender(b, PEER_IP, IP(203, 0, 113, 9), 17, 0, 0), 1, 0, 11, 0, 0);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US1_IP);
}
END_TEST

START_TEST(test_r512_second_word)
{
	struct frame r;
	uint8_t b[64];
	send_error_about(b, offender(b, PEER_IP, US_IP, 17, 0, 0), 0, 0, 3, 4, 1400);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 34 + 4), 0);            /* RFC 1191: high 16 bits zero */
	ck_assert_uint_eq(rd16(r.b + 34 + 6), 1400);
	send_error_about(b, offender(b, PEER_IP, US_IP, 17, 0, 0), 0, 0, 12, 0, 23u << 24);
	tx_take(&r);
	ck_assert_uint_eq(r.b[34 + 4], 23);
	ck_assert_uint_eq(rd32(r.b + 34 + 4) & 0xffffff, 0);
}
END_TEST

START_TEST(test_r513_small_mtu)
{
	/* A 68-byte MTU toward the source: 68 - 20 - 8 = 40 bytes of quote; with 40 bytes of echoed
	 * options nothing is left, and nothing is sent. */
	struct stack *keep = T;
	struct stack_config cfg = { .pkb_count = 16 };
	struct frame f;
	T = stack_new(&cfg);
	stack_iface_add(T, "t", US0, 68);
	stack_addr_add(T, 0, US_IP, 24);
	stack_iface_up(T, 0, NOW);
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, PEERMAC, PEER_IP, (const uint8_t[6]){ 0 }, US_IP));
	tx_clear();
	uint8_t b[200];
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 17 };
	uint8_t pl[100] = { 0 };
	build_ip(&f, &s, pl, sizeof(pl));
	send_error_about(f.b + 14, f.len - 14, 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&f);
	ck_assert_uint_eq(rd16(f.b + 14 + 2), 68);           /* 20 + 8 + 40 quoted */
	/* Now an offender whose Record Route would be echoed: 40 bytes of options. */
	uint8_t rr[40] = { 7, 39, 8, 192, 0, 2, 2 };
	struct ip_spec so = { .src = PEER_IP, .dst = US_IP, .proto = 17, .opt = rr, .optlen = 40 };
	build_ip(&f, &so, pl, 8);
	memcpy(b, f.b + 14, f.len - 14);
	struct pkb *p = stack_rx_buf(T);
	memcpy(p->data, b, f.len - 14);
	p->len = (uint32_t)(f.len - 14);
	ip4cb(p)->rr = 20;
	ip4cb(p)->flags = IP4_OPT_RR_NEEDADDR;
	icmp4_send_error(T, p, 3, 3, 0);
	stack_pkb_free(T, p);
	ck_assert_uint_eq(tx_count(), 0);
	fx_teardown();
	T = keep;
}
END_TEST

/* ---- parameter problem pointers (§6) ---- */

static const struct ptr_case {
	const char *what;
	uint8_t opt[40];
	uint8_t optlen;
	uint8_t ptr;
} ptr_cases[] = {
	{ "NOP then RR with pointer 3", { 1, 7, 7, 3, 0, 0, 0, 0 }, 8, 23 },
	{ "RR with length 1", { 7, 1, 0, 0 }, 4, 20 },
	{ "full TS with overflow 15", { 68, 8, 9, 0xf0, 0, 0, 0, 0 }, 8, 23 },
	{ "TS with length 3", { 68, 3, 5, 0 }, 4, 21 },
	{ "TS with pointer 4", { 68, 8, 4, 0, 0, 0, 0, 0 }, 8, 22 },
	{ "RR with length 2", { 7, 2, 0, 0 }, 4, 21 },
	{ "RR pointer leaves 2 bytes", { 7, 6, 4, 0, 0, 0, 0, 0 }, 8, 22 },
	{ "TS flag 1 with room for an address only", { 68, 8, 5, 1, 0, 0, 0, 0 }, 8, 22 },
	{ "a second RR", { 7, 7, 4, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0, 0 }, 16, 27 },
	{ "option length past the header", { 1, 1, 130, 11, 0, 0, 0, 0 }, 8, 22 },
	{ "router alert with length 2", { 148, 2, 0, 0 }, 4, 21 },
	{ "lone type byte at the end", { 1, 1, 1, 7 }, 4, 23 },
	{ "source route with pointer 3", { 131, 7, 3, 0, 0, 0, 0, 0 }, 8, 22 },
};

START_TEST(test_param_problem_pointer)
{
	const struct ptr_case *c = &ptr_cases[_i];
	struct frame q, r;
	uint8_t m[16];
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .opt = c->opt, .optlen = c->optlen };
	build_ip(&q, &s, m, build_icmp(m, 8, 0, 1, NULL, 0));
	feed(0, q.b, q.len);
	ck_assert_msg(tx_count() == 1, "%s: no error", c->what);
	tx_take(&r);
	const uint8_t *e = r.b + 14 + (r.b[14] & 15) * 4;   /* options compiled before the fault come back */
	ck_assert_uint_eq(e[0], 12);
	ck_assert_uint_eq(e[1], 0);
	ck_assert_msg(e[4] == c->ptr, "%s: pointer %u, want %u", c->what, e[4], c->ptr);
	ck_assert_uint_eq(ctr("IpInHdrErrors"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgOutType12"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgOutType0"), 0);
}
END_TEST

START_TEST(test_no_param_problem_about_an_error)
{
	struct frame q;
	uint8_t m[64], quote[28] = { 0x45 };
	const uint8_t opt[4] = { 7, 1, 0, 0 };
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .opt = opt, .optlen = 4 };
	build_ip(&q, &s, m, build_icmp(m, 3, 3, 0, quote, sizeof(quote)));
	feed(0, q.b, q.len);
	ck_assert_uint_eq(ctr("IpInHdrErrors"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_source_route_dropped)
{
	struct frame q;
	uint8_t m[16];
	const uint8_t lsrr[8] = { 131, 7, 4, 198, 51, 100, 7, 0 };
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .opt = lsrr, .optlen = 8 };
	build_ip(&q, &s, m, build_icmp(m, 8, 0, 1, NULL, 0));
	feed(0, q.b, q.len);
	ck_assert_uint_eq(ctr("IpInSrcRouteDrops"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* ---- options echoed into replies (R2.5) ---- */

static void echo_with_opts(const uint8_t *opt, uint8_t optlen, struct frame *r)
{
	struct frame q;
	uint8_t m[16];
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .opt = opt, .optlen = optlen };
	build_ip(&q, &s, m, build_icmp(m, 8, 0, 1, NULL, 0));
	feed(0, q.b, q.len);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(r);
	ck_assert_uint_eq(cksum(r->b + 14, (r->b[14] & 15u) * 4), 0);
	ck_assert_uint_eq(r->b[14 + (r->b[14] & 15u) * 4], 0); /* an echo reply */
}

START_TEST(test_echo_record_route)
{
	struct frame r;
	/* ping -R: RR with nine slots; the sender filled the first with its own address. */
	uint8_t opt[40] = { 1, 7, 39, 8, 192, 0, 2, 1 };
	echo_with_opts(opt, 40, &r);
	const uint8_t *o = r.b + 14 + 20;
	ck_assert_uint_eq((r.b[14] & 15u) * 4, 60);
	ck_assert_uint_eq(o[0], 7);                          /* RR first: the NOP is not echoed */
	ck_assert_uint_eq(o[1], 39);
	ck_assert_uint_eq(o[2], 16);                         /* two slots more were used */
	ck_assert_uint_eq(rd32(o + 3), PEER_IP);
	ck_assert_uint_eq(rd32(o + 7), US_IP);               /* recorded on receive */
	ck_assert_uint_eq(rd32(o + 11), US_IP);              /* and again on send */
	ck_assert_uint_eq(rd32(o + 15), 0);
	ck_assert_uint_eq(o[39], 0);                         /* padded with EOL */
}
END_TEST

START_TEST(test_echo_record_route_full)
{
	struct frame r;
	uint8_t opt[8] = { 7, 7, 8, 192, 0, 2, 1, 0 };       /* full already: copied unchanged */
	echo_with_opts(opt, 8, &r);
	ck_assert_mem_eq(r.b + 34, opt, 8);
}
END_TEST

START_TEST(test_echo_timestamp_options)
{
	struct frame r;
	stack_set_wall_offset(T, 5000 - (int64_t)NOW);        /* 00:00:05.000 UTC */
	uint8_t tsonly[12] = { 68, 12, 5, 0 };
	echo_with_opts(tsonly, 12, &r);
	ck_assert_uint_eq(r.b[34 + 2], 13);
	ck_assert_uint_eq(rd32(r.b + 34 + 4), 5000);         /* stamped on receive */
	ck_assert_uint_eq(rd32(r.b + 34 + 8), 5000);         /* and on send */
	uint8_t tsaddr[20] = { 68, 20, 5, 1 };
	echo_with_opts(tsaddr, 20, &r);
	ck_assert_uint_eq(r.b[34 + 2], 21);
	ck_assert_uint_eq(rd32(r.b + 34 + 4), US_IP);
	ck_assert_uint_eq(rd32(r.b + 34 + 8), 5000);
	ck_assert_uint_eq(rd32(r.b + 34 + 12), US_IP);
	ck_assert_uint_eq(rd32(r.b + 34 + 16), 5000);
	/* Prespecified: only our own address gets a time. */
	uint8_t pre[20] = { 68, 20, 5, 3, 192, 0, 2, 2, 0, 0, 0, 0, 192, 0, 2, 99, 0, 0, 0, 0 };
	echo_with_opts(pre, 20, &r);
	ck_assert_uint_eq(rd32(r.b + 34 + 8), 5000);
	ck_assert_uint_eq(r.b[34 + 2], 13);                  /* stopped at the foreign address */
	ck_assert_uint_eq(rd32(r.b + 34 + 16), 0);
	/* Full with room in the overflow count: counted, still answered. */
	uint8_t full[8] = { 68, 8, 9, 0x20, 0, 0, 0, 1 };
	echo_with_opts(full, 8, &r);
	ck_assert_uint_eq(r.b[34 + 3], 0x30);
}
END_TEST

/* ---- rate limiting (§7) ---- */

START_TEST(test_rate_per_destination)
{
	for (uint16_t i = 0; i < 10; i++)
		udp_probe(PEER_IP, US_IP, (uint16_t)(9000 + i), 0, 0);
	ck_assert_uint_eq(tx_count(), 6);                    /* a burst of six */
	ck_assert_uint_eq(ctr("IcmpOutRateLimitHost"), 4);
	tx_clear();
	advance(999);
	udp_probe(PEER_IP, US_IP, 9999, 0, 0);
	ck_assert_uint_eq(tx_count(), 0);
	advance(1);
	udp_probe(PEER_IP, US_IP, 9999, 0, 0);
	ck_assert_uint_eq(tx_count(), 1);                    /* then one per icmp_ratelimit */
	tx_clear();
	set_knob("icmp_ratelimit", "0");
	for (uint16_t i = 0; i < 10; i++)
		udp_probe(PEER_IP, US_IP, 9999, 0, 0);
	ck_assert_uint_eq(tx_count(), 10);
}
END_TEST

START_TEST(test_rate_global)
{
	uint8_t b[64];
	struct route gw = { .prefix = 0, .plen = 0, .type = RT_GATEWAY, .ifindex = 0, .gw = inet_v4(PEER_IP) };
	ck_assert_int_eq(route_add(T, &gw), 0);
	/* 200 distinct hosts at once: about icmp_msgs_burst (50) get through. */
	unsigned sent = 0;
	for (unsigned i = 0; i < 200; i++) {
		send_error_about(b, offender(b, IP(203, 0, 113, 0) + i % 250 + (i / 250) * 256, US_IP, 17, 0, 0), 0, 0, 3, 3, 0);
		sent += tx_count();
		tx_clear();
	}
	ck_assert_msg(sent >= 35 && sent <= 70, "burst of %u", sent);
	ck_assert_uint_eq(ctr("IcmpOutRateLimitGlobal"), 200 - sent);
	/* Spent: nothing is refilled before 20 ms have passed. */
	stack_poll(T, NOW + 19);
	send_error_about(b, offender(b, IP(203, 0, 113, 250), US_IP, 17, 0, 0), 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 0);
	stack_poll(T, NOW + 20);
	send_error_about(b, offender(b, IP(203, 0, 113, 251), US_IP, 17, 0, 0), 0, 0, 3, 3, 0);
	ck_assert_uint_eq(tx_count(), 1);
	tx_clear();
	NOW += 20;
	/* Then about 1000/s: one second of 5 attempts per ms, spread over 256 hosts so that their own
	 * buckets (6 each) are not what stops them. */
	sent = 0;
	for (unsigned ms = 0, h = 0; ms < 1000; ms++) {
		stack_poll(T, ++NOW);
		for (int k = 0; k < 5; k++, h++) {
			send_error_about(b, offender(b, IP(203, 0, 113, 0) + h % 256, US_IP, 17, 0, 0), 0, 0, 3, 3, 0);
			sent += tx_count();
			tx_clear();
		}
	}
	ck_assert_msg(sent >= 850 && sent <= 1150, "%u in one second", sent);
	ck_assert_uint_le(icmp4_peers_in_use(T), ICMP4_PEERS_SETS * ICMP4_PEERS_WAYS);
}
END_TEST

START_TEST(test_rate_peer_table_bounded)
{
	/* 100 000 distinct destinations (the limiter alone: no datagram is built) keep the table at
	 * its fixed size, and a new destination still gets its burst. */
	set_knob("icmp_msgs_per_sec", "2147483647");
	set_knob("icmp_msgs_burst", "2147483647");
	for (uint32_t i = 0; i < 100000; i++) {
		if (i % 64 == 0)
			stack_poll(T, ++NOW);
		icmp4_rate_allow(T, 3, 3, 0x01000000u + i * 7);
	}
	ck_assert_uint_le(icmp4_peers_in_use(T), ICMP4_PEERS_SETS * ICMP4_PEERS_WAYS);
	ck_assert_uint_ge(icmp4_peers_in_use(T), ICMP4_PEERS_SETS * ICMP4_PEERS_WAYS * 9 / 10);
	unsigned ok = 0;
	for (int k = 0; k < 10; k++)
		ok += icmp4_rate_allow(T, 3, 3, IP(203, 0, 113, 77));
	ck_assert_uint_eq(ok, 6);
}
END_TEST

START_TEST(test_rate_frag_needed_exempt)
{
	uint8_t b[64];
	for (int i = 0; i < 100; i++)
		send_error_about(b, offender(b, PEER_IP, US_IP, 17, 0, 0), 0, 0, 3, 4, 1400);
	ck_assert_uint_eq(tx_count(), 100);
	ck_assert_uint_eq(ctr("IcmpOutRateLimitHost") + ctr("IcmpOutRateLimitGlobal"), 0);
}
END_TEST

START_TEST(test_rate_echo_only_with_bit0)
{
	struct frame q;
	for (int i = 0; i < 100; i++)
		feed(0, q.b, build_echo(&q, 1, (uint16_t)i, 8));
	ck_assert_uint_eq(tx_count(), 100);                  /* R2.6: not limited by default */
	tx_clear();
	set_knob("icmp_ratemask", "0x1819");
	for (int i = 0; i < 100; i++)
		feed(0, q.b, build_echo(&q, 1, (uint16_t)i, 8));
	ck_assert_uint_eq(tx_count(), 6);
	ck_assert_uint_eq(ctr("IcmpOutRateLimitHost"), 94);
}
END_TEST

START_TEST(test_ratemask_clears_limit)
{
	set_knob("icmp_ratemask", "0");
	for (uint16_t i = 0; i < 30; i++)
		udp_probe(PEER_IP, US_IP, 9999, 0, 0);
	ck_assert_uint_eq(tx_count(), 30);
}
END_TEST

Suite *icmp_err_suite(void)
{
	Suite *s = suite_create("icmp_err");
	TCase *tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_port_unreachable_fields);
	tcase_add_test(tc, test_r511_error_echoes_options);
	tcase_add_test(tc, test_tos_b9);
	tcase_add_test(tc, test_quote_576);
	tcase_add_test(tc, test_protocol_unreachable);
	tcase_add_test(tc, test_no_error_for_bad_udp_checksum);
	tcase_add_test(tc, test_r51_unreadable_or_no_route);
	tcase_add_test(tc, test_r52_l2_broadcast);
	tcase_add_test(tc, test_r53_broadcast_or_multicast_destination);
	tcase_add_test(tc, test_r54_non_first_fragment);
	tcase_add_test(tc, test_r55_errors_about_errors);
	tcase_add_test(tc, test_r56_invalid_sources);
	tcase_add_test(tc, test_r58_source_choice);
	tcase_add_test(tc, test_r512_second_word);
	tcase_add_test(tc, test_r513_small_mtu);
	tcase_add_loop_test(tc, test_param_problem_pointer, 0, (int)(sizeof(ptr_cases) / sizeof(ptr_cases[0])));
	tcase_add_test(tc, test_no_param_problem_about_an_error);
	tcase_add_test(tc, test_source_route_dropped);
	tcase_add_test(tc, test_echo_record_route);
	tcase_add_test(tc, test_echo_record_route_full);
	tcase_add_test(tc, test_echo_timestamp_options);
	suite_add_tcase(s, tc);
	TCase *rl = tcase_create("ratelimit");
	tcase_add_checked_fixture(rl, fx_setup, fx_teardown);
	tcase_set_timeout(rl, 30);
	tcase_add_test(rl, test_rate_per_destination);
	tcase_add_test(rl, test_rate_global);
	tcase_add_test(rl, test_rate_peer_table_bounded);
	tcase_add_test(rl, test_rate_frag_needed_exempt);
	tcase_add_test(rl, test_rate_echo_only_with_bit0);
	tcase_add_test(rl, test_ratemask_clears_limit);
	suite_add_tcase(s, rl);
	return s;
}
