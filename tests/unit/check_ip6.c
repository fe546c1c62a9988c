/* tests/unit/check_ip6.c — IPv6 input: validation, the extension-header walk, TLV options,
 * routing headers, unknown next headers, multicast and addresses not ours (ICMP6-SPEC.md §1). */
#include <string.h>

#include "ip/route6.h"
#include "stack/core.h"
#include "tests/unit/harness6.h"

/* An echo request of G_PEER's after the extension headers ext (the last names 58). */
static size_t echo_with_ext(struct frame *f, uint8_t nxt, const uint8_t *ext, size_t ext_len, const uint8_t *dst)
{
	struct ip6_spec s = { .nxt = nxt, .ext = ext, .ext_len = ext_len, .dst = dst };
	return build_icmp6(f, &s, 128, 0, 0x12340001, (const uint8_t *)"abcdefgh", 8);
}

/* Asserts the next frame is a Parameter Problem code/ptr quoting the offender (IPv6 header on). */
static void expect_pp(uint8_t code, uint32_t ptr, const struct frame *off)
{
	struct frame f;
	struct ip6_view v;
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], code);
	ck_assert_uint_eq(rd32(v.l4 + 4), ptr);
	size_t qlen = off->len - 14;
	ck_assert_uint_eq(v.l4len, 8 + qlen);
	ck_assert_mem_eq(v.l4 + 8, off->b + 14, qlen);
}

static void expect_echo_reply(void)
{
	struct frame f;
	struct ip6_view v;
	take_icmp6(&f, &v, 129);
}

/* V1.1: a frame for another MAC, or a multicast MAC we did not join, is gone before any counter. */
START_TEST(v1_1_other_mac)
{
	struct frame f;
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x77 }, grp[6] = { 0x33, 0x33, 0xff, 0x12, 0x34, 0x56 };
	struct ip6_spec s = { .nxt = 58, .dstmac = other };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	s.dstmac = grp;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InReceives"), 0);
	ck_assert_uint_eq(dctr("EthInOtherHost"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V1.2: Ip6InReceives for every frame; Ip6InMcastPkts for a multicast one. */
START_TEST(v1_2_counters)
{
	struct frame f;
	uint64_t r = dctr("Ip6InReceives");
	feed(0, f.b, build_echo6(&f, 1, 1, 8));
	struct ip6_spec s = { .nxt = 58, .dst = ALLNODES };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InReceives"), r + 2);
	ck_assert_uint_eq(dctr("Ip6InMcastPkts"), 1);
	ck_assert_uint_eq(dctr("Ip6InDelivers"), 2);
}
END_TEST

/* V1.3: shorter than 40 bytes or version not 6. */
START_TEST(v1_3_short_and_version)
{
	struct frame f;
	size_t n = build_echo6(&f, 1, 1, 8);
	feed(0, f.b, 14 + 39);
	f.b[14] = 0x40;
	feed(0, f.b, n);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 2);
	ck_assert_uint_eq(dctr("Ip6InReceives"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V1.4: loopback either way, multicast source, destination scope 0 or 1. */
START_TEST(v1_4_bad_addresses)
{
	struct frame f;
	uint8_t lo[16], ff01[16], ff00[16];
	a6("::1", lo);
	a6("ff01::1", ff01);
	a6("ff00::1", ff00);
	const uint8_t *srcs[] = { lo, G_PEER, ALLNODES, G_PEER, G_PEER };
	const uint8_t *dsts[] = { G_US0, lo, G_US0, ff01, ff00 };
	for (unsigned i = 0; i < 5; i++) {
		/* The Ethernet destination of ff01::1 and ff00::1 is 33:33:00:00:00:01, joined. */
		struct ip6_spec s = { .nxt = 58, .src = srcs[i], .dst = dsts[i] };
		feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	}
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 5);
	ck_assert_uint_eq(dctr("Icmp6InMsgs"), 0);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V1.5: payload length past the frame -> truncated; shorter -> trimmed (padding gone). */
START_TEST(v1_5_length)
{
	struct frame f;
	struct ip6_view v;
	size_t n = build_echo6(&f, 1, 1, 8);
	f.b[14 + 5] += 1; /* one byte more than there is */
	feed(0, f.b, n);
	ck_assert_uint_eq(dctr("Ip6InTruncatedPkts"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	n = build_echo6(&f, 1, 2, 8);
	memset(f.b + n, 0xee, 10); /* Ethernet padding after the datagram */
	feed(0, f.b, n + 10);
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(v.l4len, 16); /* the reply carries the 8 data bytes only */
	ck_assert_uint_eq(dctr("Icmp6InCsumErrors"), 0);
}
END_TEST

/* V1.5: payload length 0 with Next Header 0 (the jumbogram path) is not checked against the frame:
 * the Hop-by-Hop header is read, and its Jumbo option (value > 65535) ends it silently. */
START_TEST(v1_5_jumbo_path)
{
	struct frame f;
	/* HBH: PadN(0), Jumbo (0xC2, 4 bytes at offset 2 mod 4 -> 42) value 70000. */
	static const uint8_t hbh[8] = { 58, 0, 0xc2, 4, 0x00, 0x01, 0x11, 0x70 };
	struct ip6_spec s = { .nxt = 0, .ext = hbh, .ext_len = 8, .plen_set = true, .plen = 0 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InTruncatedPkts"), 0);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	/* without a Jumbo option the frame's length is the datagram's (Linux quirk, kept) */
	static const uint8_t pad[8] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	struct ip6_spec p = { .nxt = 0, .ext = pad, .ext_len = 8, .plen_set = true, .plen = 0 };
	feed(0, f.b, build_icmp6(&f, &p, 128, 0, 1, (const uint8_t *)"abcdefgh", 8));
	struct ip6_view v;
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(v.l4len, 16);
}
END_TEST

/* V1.6: hop limit 0 and a v4-mapped source are no reason to drop on local delivery. */
START_TEST(v1_6_not_rejected)
{
	struct frame f;
	struct ip6_spec s = { .nxt = 58, .hlim0 = true };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	expect_echo_reply();
	uint8_t mapped[16];
	a6("::ffff:192.0.2.77", mapped);
	struct ip6_spec m = { .nxt = 253, .src = mapped };
	feed(0, f.b, build_ip6(&f, &m, (const uint8_t *)"12345678", 8));
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 0);
	ck_assert_uint_eq(dctr("Ip6InUnknownProtos"), 1);
}
END_TEST

/* V1.7: weak host: tap1's address answers on tap0, from that address. */
START_TEST(v1_7_weak_host)
{
	struct frame f;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 58, .dst = G_US1 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 7, NULL, 0));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(v.ifindex, 0);
	ck_assert_ip6_eq(v.ip + 8, G_US1);
}
END_TEST

/* V1.8: Hop-by-Hop after a Destination Options header is an unknown next header: 4/1 ptr 40. */
START_TEST(v1_8_hbh_not_first)
{
	struct frame f;
	static const uint8_t ext[16] = { 0, 0, 1, 4, 0, 0, 0, 0, /* DestOpt -> HBH */ 58, 0, 1, 4, 0, 0, 0, 0 };
	feed(0, f.b, echo_with_ext(&f, 60, ext, 16, NULL));
	expect_pp(1, 40, &f);
	ck_assert_uint_eq(dctr("Ip6InUnknownProtos"), 1);
}
END_TEST

/* V1.8: a truncated Hop-by-Hop header is a header error. */
START_TEST(v1_8_hbh_truncated)
{
	struct frame f;
	static const uint8_t hbh[8] = { 58, 1, 1, 4, 0, 0, 0, 0 }; /* says 16 bytes */
	struct ip6_spec s = { .nxt = 0, .ext = hbh, .ext_len = 8 };
	feed(0, f.b, build_ip6(&f, &s, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* One HBH (first) or DestOpt header of 8 or 16 bytes; expects a silent drop counted as a header error. */
static void silent_drop(uint8_t nxt, const uint8_t *ext, size_t len)
{
	struct frame f;
	uint64_t h = dctr("Ip6InHdrErrors");
	feed(0, f.b, echo_with_ext(&f, nxt, ext, len, NULL));
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), h + 1);
	ck_assert_uint_eq(tx_count(), 0);
}

/* V1.9: padding over 7 bytes, PadN data not zero, an option past the header, more than 8 options. */
START_TEST(v1_9_tlv_malformed)
{
	static const uint8_t pad8[16] = { 58, 1, 1, 6, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0 }; /* 8 bytes of pad in a row */
	static const uint8_t padnz[8] = { 58, 0, 1, 4, 0, 0, 1, 0 };
	static const uint8_t past[8] = { 58, 0, 0x1e, 5, 0, 0, 0, 0 }; /* a 7-byte option in 6 */
	/* nine options of type 0x1e (skip), length 0 */
	static const uint8_t nine[24] = { 58, 2, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
					  0x1e, 0, 1, 2, 0, 0 };
	static const uint8_t eight[24] = { 58, 2, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e,
					   0, 1, 4, 0, 0, 0, 0 };
	/* exactly 8 bytes of padding, then an option */
	static const uint8_t pad8x[16] = { 58, 1, 1, 6, 0, 0, 0, 0, 0, 0, 0x1e, 4, 0, 0, 0, 0 };
	silent_drop(0, pad8x, 16);
	silent_drop(0, pad8, 16);
	silent_drop(60, pad8, 16);
	silent_drop(0, padnz, 8);
	silent_drop(0, past, 8);
	silent_drop(60, past, 8);
	silent_drop(0, nine, 24);
	silent_drop(60, nine, 24);
	ck_assert_uint_eq(dctr("Ip6InBadOptions"), 8);
	struct frame f;
	feed(0, f.b, echo_with_ext(&f, 0, eight, 24, NULL)); /* eight is still fine */
	expect_echo_reply();
}
END_TEST

/* V1.9: Router Alert length, Jumbo rules, CALIPSO dropped, IOAM skipped. */
START_TEST(v1_9_special_options)
{
	struct frame f;
	static const uint8_t ra3[8] = { 58, 0, 5, 3, 0, 0, 0, 1 };
	static const uint8_t jlen[8] = { 58, 0, 0xc2, 3, 0, 1, 0, 1 };            /* length 3 */
	/* Jumbo at offset 45 (PadN of 3 bytes first): not 2 mod 4, dropped before its value is judged. */
	static const uint8_t jalign[16] = { 58, 1, 1, 1, 0, 0xc2, 4, 0, 1, 0, 0, 1, 3, 0, 0, 0 };
	static const uint8_t calipso[8] = { 58, 0, 7, 4, 0, 0, 0, 0 };
	static const uint8_t ioam[8] = { 58, 0, 0x31, 4, 0, 0, 0, 0 };
	silent_drop(0, ra3, 8);
	silent_drop(0, jlen, 8);
	silent_drop(0, jalign, 16);
	silent_drop(0, calipso, 8);
	feed(0, f.b, echo_with_ext(&f, 0, ioam, 8, NULL));
	expect_echo_reply();
}
END_TEST

/* V1.9: Jumbo value <= 65535 -> 4/0 ptr option+2; payload length not 0 -> 4/0 ptr option. */
START_TEST(v1_9_jumbo_errors)
{
	struct frame f;
	static const uint8_t small[8] = { 58, 0, 0xc2, 4, 0, 0, 0xff, 0xff };
	static const uint8_t big[8] = { 58, 0, 0xc2, 4, 0, 1, 0, 0 };
	struct ip6_spec s = { .nxt = 0, .ext = small, .ext_len = 8, .plen_set = true, .plen = 0 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	/* The offender was taken as the frame (payload length 0): the quote is all of it. */
	expect_pp(0, 44, &f);
	feed(0, f.b, echo_with_ext(&f, 0, big, 8, NULL));
	expect_pp(0, 42, &f);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 2);
}
END_TEST

/* V1.10: unknown options by their top two bits; the spec's two examples byte for byte. */
START_TEST(v1_10_action_bits)
{
	struct frame f;
	static const uint8_t skip[8] = { 58, 0, 0x1e, 4, 0, 0, 0, 0 };
	static const uint8_t drop[8] = { 58, 0, 0x5e, 4, 0, 0, 0, 0 };
	static const uint8_t d80[8] = { 58, 0, 0x80, 4, 0, 0, 0, 0 };
	static const uint8_t hc0[8] = { 58, 0, 1, 2, 0, 0, 0xc0, 0 };
	feed(0, f.b, echo_with_ext(&f, 60, skip, 8, NULL));
	expect_echo_reply();
	silent_drop(60, drop, 8);
	silent_drop(0, drop, 8);
	feed(0, f.b, echo_with_ext(&f, 60, d80, 8, NULL));
	expect_pp(2, 42, &f);
	feed(0, f.b, echo_with_ext(&f, 0, hc0, 8, NULL));
	expect_pp(2, 46, &f);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 4);
}
END_TEST

/* V1.10: action 10 answers even a multicast destination; 11 does not. */
START_TEST(v1_10_multicast)
{
	struct frame f;
	struct ip6_view v;
	static const uint8_t d80[8] = { 58, 0, 0x80, 4, 0, 0, 0, 0 };
	static const uint8_t dc0[8] = { 58, 0, 0xc0, 4, 0, 0, 0, 0 };
	feed(0, f.b, echo_with_ext(&f, 60, dc0, 8, ALLNODES));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentMcast"), 0); /* not even asked for */
	feed(0, f.b, echo_with_ext(&f, 60, d80, 8, ALLNODES));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 2);
	ck_assert_uint_eq(rd32(v.l4 + 4), 42);
	ck_assert_ip6_eq(v.ip + 8, G_US0); /* a selected source (V4.9): G_PEER is global */
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 2);
}
END_TEST

static size_t rh(struct frame *f, uint8_t type, uint8_t sl, const uint8_t *dst, size_t hdrlen)
{
	uint8_t r[24] = { 58, (uint8_t)(hdrlen / 8 - 1), type, sl };
	return echo_with_ext(f, 43, r, hdrlen, dst);
}

/* V1.11: Segments Left 0 ignored (any type); SL > 0 -> 4/0 at the type byte, for 0, 2, 3, 4, 253. */
START_TEST(v1_11_routing)
{
	struct frame f;
	static const uint8_t types[] = { 0, 2, 3, 4, 253 };
	for (unsigned i = 0; i < 5; i++) {
		feed(0, f.b, rh(&f, types[i], 0, NULL, 24));
		expect_echo_reply();
	}
	for (unsigned i = 0; i < 5; i++) {
		feed(0, f.b, rh(&f, types[i], 1, NULL, 24));
		expect_pp(0, 42, &f);
	}
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 5);
}
END_TEST

/* V1.11: truncated -> header error; to a multicast address -> address error, silent. */
START_TEST(v1_11_truncated_mcast)
{
	struct frame f;
	/* 8 bytes of a header that says 24 */
	static const uint8_t r[8] = { 58, 2, 0, 1, 0, 0, 0, 0 };
	struct ip6_spec s = { .nxt = 43, .ext = r, .ext_len = 8 };
	feed(0, f.b, build_ip6(&f, &s, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 1);
	ck_assert_uint_eq(drain_icmp6(4), 0);
	feed(0, f.b, rh(&f, 0, 1, ALLNODES, 24));
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	/* to our unicast address, in a multicast frame */
	rh(&f, 0, 1, NULL, 24);
	static const uint8_t l2m[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	memcpy(f.b, l2m, 6);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V1.12: 59 consumed and delivered; no handler -> 4/1 at the naming byte (6, or in an ext header). */
START_TEST(v1_12_next_header)
{
	struct frame f;
	struct ip6_spec s = { .nxt = 59 };
	feed(0, f.b, build_ip6(&f, &s, (const uint8_t *)"zzzzzzzz", 8));
	ck_assert_uint_eq(dctr("Ip6InDelivers"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	static const uint8_t protos[] = { 253, 50, 51 };
	for (unsigned i = 0; i < 3; i++) {
		s.nxt = protos[i];
		feed(0, f.b, build_ip6(&f, &s, (const uint8_t *)"zzzzzzzz", 8));
		expect_pp(1, 6, &f);
	}
	static const uint8_t d[8] = { 253, 0, 1, 4, 0, 0, 0, 0 };
	struct ip6_spec e = { .nxt = 60, .ext = d, .ext_len = 8 };
	feed(0, f.b, build_ip6(&f, &e, (const uint8_t *)"zzzzzzzz", 8));
	expect_pp(1, 40, &f);
	ck_assert_uint_eq(dctr("Ip6InUnknownProtos"), 4);
}
END_TEST

/* V1.13: a group not joined is dropped (its Ethernet group is: ff05::1 is 33:33:00:00:00:01);
 * ff02::1 and our solicited-node group are joined. */
START_TEST(v1_13_multicast)
{
	struct frame f;
	uint8_t ff05[16], sn[16];
	a6("ff05::1", ff05);
	a6("ff02::1:ff00:2", sn); /* G_US0 and LL_US0 both end in 00:00:02 */
	struct ip6_spec s = { .nxt = 58, .dst = ff05 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InMcastPkts"), 1);
	ck_assert_uint_eq(dctr("Ip6InMcastNotJoined"), 1);
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 0); /* Ip6InMcastPkts only */
	ck_assert_uint_eq(dctr("Icmp6InMsgs"), 0);
	ck_assert_uint_eq(tx_count(), 0);
	s.dst = ALLNODES;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	expect_echo_reply();
	s.dst = sn;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	expect_echo_reply();
	ck_assert_uint_eq(dctr("Ip6InMcastPkts"), 3);
}
END_TEST

/* V1.14: not ours, forwarding off: a matching route -> address error, silent; none -> 1/0. */
START_TEST(v1_14_not_ours)
{
	struct frame f;
	struct ip6_view v;
	uint8_t onlink[16];
	a6("2001:db8:1::99", onlink);
	struct ip6_spec s = { .nxt = 58, .dst = onlink };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	s.dst = G_FAR;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InNoRoutes"), 1);
	take_icmp6(&f, &v, 1);
	ck_assert_uint_eq(v.l4[1], 0);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_ip6_eq(v.ip + 24, G_PEER);
}
END_TEST

/* V1.14: destination :: -> address error, and 1/0 only when no route matches. */
START_TEST(v1_14_unspecified_dst)
{
	struct frame f;
	uint8_t any[16] = { 0 };
	struct ip6_spec s = { .nxt = 58, .dst = any };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 1);
	ck_assert_uint_eq(drain_icmp6(1), 1);
	/* With a default route, :: matches it: no error. */
	struct route6 r = { .plen = 0, .type = RT6_GATEWAY, .ifindex = 0 };
	r.gw = inet_v6(LL_PEER);
	ck_assert_int_eq(route6_add(T, &r), 0);
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 2);
	ck_assert_uint_eq(drain_icmp6(1), 0);
}
END_TEST

/* V1.15: a datagram on an interface with IPv6 disabled is a discard. */
START_TEST(v1_15_disabled)
{
	struct frame f;
	set_knob("net.ipv6.conf.all.disable_ipv6", "1");
	stack_iface_down(T, 0);
	stack_iface_up(T, 0, NOW);
	tx_clear();
	feed(0, f.b, build_echo6(&f, 1, 1, 8));
	ck_assert_uint_eq(dctr("Ip6InDiscards"), 1);
	ck_assert_uint_eq(dctr("Ip6InDelivers"), 0);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

Suite *ip6_suite(void)
{
	Suite *s = suite_create("ip6");
	TCase *tc = tcase_create("input");
	tcase_add_checked_fixture(tc, fx6_setup, fx6_teardown);
	tcase_add_test(tc, v1_1_other_mac);
	tcase_add_test(tc, v1_2_counters);
	tcase_add_test(tc, v1_3_short_and_version);
	tcase_add_test(tc, v1_4_bad_addresses);
	tcase_add_test(tc, v1_5_length);
	tcase_add_test(tc, v1_5_jumbo_path);
	tcase_add_test(tc, v1_6_not_rejected);
	tcase_add_test(tc, v1_7_weak_host);
	tcase_add_test(tc, v1_8_hbh_not_first);
	tcase_add_test(tc, v1_8_hbh_truncated);
	tcase_add_test(tc, v1_9_tlv_malformed);
	tcase_add_test(tc, v1_9_special_options);
	tcase_add_test(tc, v1_9_jumbo_errors);
	tcase_add_test(tc, v1_10_action_bits);
	tcase_add_test(tc, v1_10_multicast);
	tcase_add_test(tc, v1_11_routing);
	tcase_add_test(tc, v1_11_truncated_mcast);
	tcase_add_test(tc, v1_12_next_header);
	tcase_add_test(tc, v1_13_multicast);
	tcase_add_test(tc, v1_14_not_ours);
	tcase_add_test(tc, v1_14_unspecified_dst);
	tcase_add_test(tc, v1_15_disabled);
	suite_add_tcase(s, tc);
	return s;
}
