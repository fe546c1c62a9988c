/* tests/unit/check_icmp6.c — ICMPv6: the receive path (§2), echo (§3), the error builder (§4) and
 * rate limiting with the global bucket shared with ICMPv4 (§5) (ICMP6-SPEC.md). */
#include <string.h>

#include "icmp/icmp6.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "tests/unit/harness6.h"

static const uint8_t junk8[8] = { 'z', 'z', 'z', 'z', 'z', 'z', 'z', 'z' };

/* An offender: G_PEER (or src) to G_US0 (or dst) with an unknown next header and len bytes. */
static size_t offender(struct frame *f, const uint8_t *src, const uint8_t *dst, size_t len)
{
	static uint8_t pl[2000];
	for (size_t i = 0; i < len; i++)
		pl[i] = (uint8_t)i;
	struct ip6_spec s = { .nxt = 253, .src = src, .dst = dst };
	return build_ip6(f, &s, pl, len);
}

/* ---------------- §2 receive path ---------------- */

/* V2.1, V2.2: every message counts in; a bad checksum counts twice more and is dropped. */
START_TEST(v2_2_checksum)
{
	struct frame f;
	size_t n = build_echo6(&f, 1, 1, 8);
	f.b[n - 1] ^= 1;
	feed(0, f.b, n);
	ck_assert_uint_eq(dctr("Icmp6InMsgs"), 1);
	ck_assert_uint_eq(dctr("Icmp6InCsumErrors"), 1);
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 1);
	ck_assert_uint_eq(icmp6_in(128), 0);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V2.2: the pseudo-header's length is the upper layer's, without the extension headers: a
 * message behind a Destination Options header checks out. A checksum over the whole payload does
 * not. */
START_TEST(v2_2_pseudo_header_length)
{
	struct frame f;
	struct ip6_view v;
	static const uint8_t d[8] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	struct ip6_spec s = { .nxt = 60, .ext = d, .ext_len = 8 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00010001, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(dctr("Icmp6InCsumErrors"), 0);
}
END_TEST

/* V2.3: under 8 bytes with a good checksum: an error, no type counter. */
START_TEST(v2_3_short)
{
	struct frame f;
	uint8_t m[6] = { 128, 0, 0, 0, 0, 1 };
	uint16_t c = csum6(G_PEER, G_US0, 58, m, 6);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	struct ip6_spec s = { .nxt = 58 };
	feed(0, f.b, build_ip6(&f, &s, m, 6));
	ck_assert_uint_eq(dctr("Icmp6InMsgs"), 1);
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 1);
	ck_assert_uint_eq(dctr("Icmp6InCsumErrors"), 0);
	ck_assert_uint_eq(icmp6_in(128), 0);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V2.4, V2.8: the type is counted before its checks; an ND failure is silent (no Icmp6InErrors). */
START_TEST(v2_4_type_counted_first)
{
	struct frame f;
	uint8_t sn[16];
	a6("ff02::1:ff00:2", sn);
	build_ns(&f, G_PEER, sn, G_US0, PEERMAC, NULL);
	f.b[14 + 7] = 254;
	feed(0, f.b, f.len);
	ck_assert_uint_eq(icmp6_in(135), 1);
	ck_assert_uint_eq(dctr("NdInInvalid"), 1);
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 0);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V2.5, V2.6: an unsolicited echo reply, 132, 139, 160 and unknown informational types are dropped
 * silently; an unknown error type goes the error path (a quote too short is an error). */
START_TEST(v2_5_dispatch)
{
	struct frame f;
	struct ip6_spec s = { .nxt = 58 };
	static const uint8_t types[] = { 129, 132, 139, 144, 160, 200, 255 };
	for (unsigned i = 0; i < sizeof(types); i++)
		feed(0, f.b, build_icmp6(&f, &s, types[i], 0, 0x99990001, junk8, 8));
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 0);
	ck_assert_uint_eq(tx_count(), 0);
	for (unsigned i = 0; i < sizeof(types); i++)
		ck_assert_uint_eq(icmp6_in(types[i]), 1);
	feed(0, f.b, build_icmp6(&f, &s, 100, 0, 0, junk8, 8)); /* error type 100, 8 quoted bytes */
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 1);
}
END_TEST

/* V2.6, V2.7 (and §10): an unknown error type about our datagram to a protocol without a
 * handler is an input error, like a known one; informational 200 with the same body is not. An
 * error sent to ff02::1 is processed like a unicast one: its PMTU is learned. */
START_TEST(v2_7_errors_any_destination)
{
	struct frame f, q;
	uint8_t inner[48];
	/* the quote: G_US0 -> G_PEER, next header 253, 8 bytes */
	struct ip6_spec o = { .nxt = 253, .src = G_US0, .dst = G_PEER };
	build_ip6(&q, &o, junk8, 8);
	memcpy(inner, q.b + 14, 48);
	struct ip6_spec s = { .nxt = 58 };
	feed(0, f.b, build_icmp6(&f, &s, 100, 0, 0, inner, 48));
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 1);
	feed(0, f.b, build_icmp6(&f, &s, 200, 0, 0, inner, 48));
	ck_assert_uint_eq(dctr("Icmp6InErrors"), 1);
	struct ip6_spec m = { .nxt = 58, .dst = ALLNODES };
	feed(0, f.b, build_icmp6(&f, &m, 2, 0, 1400, inner, 48));
	ck_assert_uint_eq(route6_pmtu(T, G_PEER, 0), 1400);
}
END_TEST

/* ---------------- §3 echo ---------------- */

/* V3.1 */
START_TEST(v3_1_ignore_all)
{
	struct frame f;
	set_knob("net.ipv6.icmp.echo_ignore_all", "1");
	feed(0, f.b, build_echo6(&f, 1, 1, 8));
	ck_assert_uint_eq(icmp6_in(128), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V3.2, V3.5, V3.6: byte for byte: type 129, code copied, identifier, sequence, data; source the
 * request's destination; hop limit 64; traffic class copied with its ECN bits; no extension headers. */
START_TEST(v3_2_reply_bytes)
{
	struct frame f, r;
	struct ip6_view v;
	static uint8_t data[100];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	struct ip6_spec s = { .nxt = 58, .tclass = 0xb9, .hlim = 3 };
	build_icmp6(&f, &s, 128, 5, 0xbeef0102, data, sizeof(data));
	feed(0, f.b, f.len);
	take_icmp6(&r, &v, 129);
	ck_assert_uint_eq(v.ifindex, 0);
	ck_assert_mem_eq(r.b, PEERMAC, 6);
	ck_assert_mem_eq(r.b + 6, US0, 6);
	ck_assert_uint_eq(v.l4off, 40);              /* no extension headers */
	ck_assert_uint_eq(v.ip[7], 64);
	ck_assert_uint_eq(rd32(v.ip) >> 20 & 0xff, 0xb9);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_ip6_eq(v.ip + 24, G_PEER);
	ck_assert_uint_eq(v.l4len, 8 + sizeof(data));
	ck_assert_uint_eq(v.l4[0], 129);
	ck_assert_uint_eq(v.l4[1], 5);
	ck_assert_mem_eq(v.l4 + 4, f.b + 14 + 40 + 4, 4 + sizeof(data));
	ck_assert_uint_eq(dctr("Icmp6OutMsgs"), 1);
	ck_assert_uint_eq(icmp6_out(129), 1);
	ck_assert_uint_eq(dctr("Ip6OutRequests"), 1);
}
END_TEST

/* V3.6: the flow label is the request's only with flowlabel_reflect bit 2. */
START_TEST(v3_6_flowlabel_reflect)
{
	struct frame f;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 58, .flow = 0xabcde };
	set_knob("net.ipv6.flowlabel_reflect", "4");
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(rd32(v.ip) & 0xfffff, 0xabcde);
}
END_TEST

/* V3.6, V4.11: without reflection the label is a per-flow hash: not the request's, not 0, the same
 * for every packet of the flow, another for another flow; errors get one too. */
START_TEST(v3_6_auto_flowlabel)
{
	struct frame f;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 58, .flow = 0xabcde };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
	uint32_t l1 = rd32(v.ip) & 0xfffff;
	ck_assert_uint_ne(l1, 0);
	ck_assert_uint_ne(l1, 0xabcde);
	s.flow = 0;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 2, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(rd32(v.ip) & 0xfffff, l1);
	s.src = LL_PEER;
	s.dst = LL_US0;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 3, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_ne(rd32(v.ip) & 0xfffff, l1);
	offender(&f, G_PEER, G_US0, 8);
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_ne(rd32(v.ip) & 0xfffff, 0);
}
END_TEST

/* V3.6: the hop limit an RA taught is the reply's. */
START_TEST(v3_6_hop_limit_from_ra)
{
	struct frame f;
	struct ip6_view v;
	T->ifs[0].in6->hop_limit = 77; /* what an RA's Cur Hop Limit sets (V6.12, tested in ndisc) */
	feed(0, f.b, build_echo6(&f, 1, 1, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(v.ip[7], 77);
}
END_TEST

/* V3.3: to a multicast group: a link-local requester hears our link-local, a global one our global;
 * echo_ignore_multicast silences both; a unicast address inside an L2 multicast frame is answered. */
START_TEST(v3_3_multicast)
{
	struct frame f;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 58, .src = LL_PEER, .dst = ALLNODES };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_ip6_eq(v.ip + 8, LL_US0);
	ck_assert_ip6_eq(v.ip + 24, LL_PEER);
	s.src = G_PEER;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	static const uint8_t l2m[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct ip6_spec u = { .nxt = 58, .dstmac = l2m };
	feed(0, f.b, build_icmp6(&f, &u, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	set_knob("net.ipv6.icmp.echo_ignore_multicast", "1");
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	ck_assert_uint_eq(tx_count(), 0);
	feed(0, f.b, build_icmp6(&f, &u, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
}
END_TEST

/* V3.4: the subnet-router anycast address (forwarding): answered from a unicast address;
 * echo_ignore_anycast silences it. */
START_TEST(v3_4_anycast)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16];
	a6("2001:db8:1::", any);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	struct ip6_spec s = { .nxt = 58, .dst = any };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	set_knob("net.ipv6.icmp.echo_ignore_anycast", "1");
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V3.7: with 129 in the ratemask, replies to one destination: a burst of 6, then 1 per 100 ms. */
START_TEST(v3_7_limited_with_mask)
{
	struct frame f;
	for (unsigned i = 0; i < 10; i++) {
		feed(0, f.b, build_echo6(&f, 1, (uint16_t)i, 8));
	}
	ck_assert_uint_eq(drain_icmp6(129), 10); /* by default not limited */
	NOW += 1000;
	set_knob("net.ipv6.icmp.ratemask", "0-1,3-127,129");
	for (unsigned i = 0; i < 10; i++)
		feed(0, f.b, build_echo6(&f, 1, (uint16_t)i, 8));
	ck_assert_uint_eq(drain_icmp6(129), 6);
	ck_assert_uint_eq(dctr("Icmp6OutRateLimitHost"), 4);
}
END_TEST

/* V3.8: a request from :: is counted, never answered. */
START_TEST(v3_8_unspecified_source)
{
	struct frame f;
	uint8_t any[16] = { 0 };
	struct ip6_spec s = { .nxt = 58, .src = any };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, junk8, 8));
	ck_assert_uint_eq(icmp6_in(128), 1);
	ck_assert_uint_eq(dctr("Ip6OutNoRoutes"), 1);
	ck_assert_uint_eq(dctr("Icmp6OutErrors"), 0); /* not even tried */
	ck_assert_uint_eq(dctr("Icmp6InEchoIgnored"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* ---------------- §4 errors ---------------- */

/* V4.1: an offender whose IPv6 header cannot be read gets nothing (called directly: input drops
 * such a frame before anything could answer it). */
START_TEST(v4_1_unreadable)
{
	struct pkb *p = stack_alloc(T, 64);
	ck_assert_ptr_nonnull(p);
	memset(p->data, 0, 64);
	p->data[0] = 0x60;
	p->len = 39;
	icmp6_send_error(T, p, 1, 0, 0);
	p->len = 64;
	p->data[0] = 0x40;
	icmp6_send_error(T, p, 1, 0, 0);
	stack_pkb_free(T, p);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentBadHeader"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V4.2: a multicast destination or an L2 multicast frame: no 4/1. */
START_TEST(v4_2_multicast_offender)
{
	struct frame f;
	offender(&f, G_PEER, ALLNODES, 8);
	feed(0, f.b, f.len);
	static const uint8_t l2m[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct ip6_spec s = { .nxt = 253, .dstmac = l2m };
	feed(0, f.b, build_ip6(&f, &s, junk8, 8));
	ck_assert_uint_eq(dctr("Ip6InUnknownProtos"), 2);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentMcast"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V4.3: from :: or a multicast source (the latter never passes V1.4): nothing. */
START_TEST(v4_3_unspecified_source)
{
	struct frame f;
	uint8_t any[16] = { 0 };
	offender(&f, any, G_US0, 8);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentInvalidSrc"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V4.4: an ICMPv6 error, a Redirect, or ICMPv6 with the type cut off gets no error; an echo
 * request and an NS do. */
START_TEST(v4_4_about_errors)
{
	struct frame f;
	static const uint8_t d80[8] = { 58, 0, 0x80, 4, 0, 0, 0, 0 };
	struct ip6_spec s = { .nxt = 60, .ext = d80, .ext_len = 8 };
	static const uint8_t types[] = { 1, 4, 100, 137 };
	for (unsigned i = 0; i < sizeof(types); i++)
		feed(0, f.b, build_icmp6(&f, &s, types[i], 0, 0, junk8, 8));
	feed(0, f.b, build_ip6(&f, &s, NULL, 0)); /* nothing after the header: no type */
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentAboutError"), 5);
	ck_assert_uint_eq(tx_count(), 0);
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0, junk8, 8));
	feed(0, f.b, build_icmp6(&f, &s, 135, 0, 0, junk8, 8));
	ck_assert_uint_eq(drain_icmp6(4), 2);
}
END_TEST

/* V4.6: no route back to the offender's source: nothing, counted as a host limit. */
START_TEST(v4_6_no_route_back)
{
	struct frame f;
	offender(&f, G_FAR, G_US0, 8);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("Ip6OutNoRoutes"), 1);
	ck_assert_uint_eq(dctr("Icmp6OutRateLimitHost"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V4.8: an offender from the all-zero-suffix address of a connected prefix gets nothing, unless
 * error_anycast_as_unicast. */
START_TEST(v4_8_anycast_destination)
{
	struct frame f;
	uint8_t any[16];
	a6("2001:db8:1::", any);
	offender(&f, any, G_US0, 8);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentAnycast"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	set_knob("net.ipv6.icmp.error_anycast_as_unicast", "1");
	feed(0, f.b, f.len);
	/* the error waits for the neighbour: its NS is what leaves */
	struct ip6_view v;
	take_icmp6(&f, &v, 135);
	ck_assert_ip6_eq(v.l4 + 8, any);
	ck_assert_uint_eq(icmp6_out(4), 1);
}
END_TEST

/* V4.9, V4.10: the source is the offender's destination when it is ours, on any interface; the
 * error leaves by the arrival interface for a link-local destination. */
START_TEST(v4_9_source)
{
	struct frame f;
	struct ip6_view v;
	offender(&f, G_PEER, G_US1, 8);
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 4);
	ck_assert_ip6_eq(v.ip + 8, G_US1);
	ck_assert_uint_eq(v.ifindex, 0);
	offender(&f, LL_PEER, G_US0, 8);
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 4);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_ip6_eq(v.ip + 24, LL_PEER);
	/* from a link-local on tap1: the error (first its NS) goes out on tap1 */
	uint8_t ll1[16];
	a6("fe80::1:1", ll1);
	struct ip6_spec s = { .nxt = 253, .src = ll1, .dst = G_US1, .dstmac = US1 };
	build_ip6(&f, &s, junk8, 8);
	feed(1, f.b, f.len);
	take_icmp6(&f, &v, 135);
	ck_assert_uint_eq(v.ifindex, 1);
	ck_assert_ip6_eq(v.l4 + 8, ll1);
}
END_TEST

/* V4.9 POLICY: an offender sent to our (subnet-router) anycast address gets its error from a
 * unicast address source selection picks, never from the anycast address. */
START_TEST(v4_9_anycast_offender)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16];
	a6("2001:db8:1::", any);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	stack_poll(T, NOW);
	tx_clear();
	offender(&f, G_PEER, any, 8);
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 1);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
}
END_TEST

/* V4.9: an offender not for us (1/0, no route): source selection toward the source. */
START_TEST(v4_9_selected_source)
{
	struct frame f;
	struct ip6_view v;
	offender(&f, LL_PEER, G_FAR, 8);
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 1);
	ck_assert_ip6_eq(v.ip + 8, LL_US0);
}
END_TEST

/* V4.11, V4.12, V4.13: hop limit 64, traffic class 0, no ext headers, pointer word; a 48-byte
 * offender makes a 96-byte error, a 1448-byte one a 1280-byte error quoting 1232 bytes. */
START_TEST(v4_13_quote_lengths)
{
	struct frame f, e;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 253, .tclass = 0xff };
	build_ip6(&f, &s, junk8, 8);
	feed(0, f.b, f.len);
	take_icmp6(&e, &v, 4);
	ck_assert_uint_eq(v.iplen, 96);
	ck_assert_uint_eq(v.ip[7], 64);
	ck_assert_uint_eq(rd32(v.ip) >> 20 & 0xff, 0);
	ck_assert_uint_eq(v.l4off, 40);
	ck_assert_uint_eq(rd32(v.l4 + 4), 6);
	ck_assert_mem_eq(v.l4 + 8, f.b + 14, 48);
	offender(&f, G_PEER, G_US0, 1408);
	ck_assert_uint_eq(f.len - 14, 1448);
	feed(0, f.b, f.len);
	take_icmp6(&e, &v, 4);
	ck_assert_uint_eq(v.iplen, 1280);
	ck_assert_uint_eq(v.l4len - 8, 1232);
	ck_assert_mem_eq(v.l4 + 8, f.b + 14, 1232);
	ck_assert_uint_eq(icmp6_out(4), 2);
	ck_assert_uint_eq(dctr("Icmp6OutMsgs"), 2);
	ck_assert_uint_eq(dctr("Ip6OutRequests"), 2);
}
END_TEST

/* V4.12: 1/x carries a zero second word. */
START_TEST(v4_12_second_word)
{
	struct frame f;
	struct ip6_view v;
	offender(&f, G_PEER, G_FAR, 8);
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 1);
	ck_assert_uint_eq(rd32(v.l4 + 4), 0);
}
END_TEST

/* ---------------- §5 rate limits ---------------- */

/* V5.1, V5.3: per destination a burst of 6, then one per 100 ms (not 250 ms on a /64); another
 * destination has its own bucket. */
START_TEST(v5_1_per_destination)
{
	struct frame f;
	offender(&f, G_PEER, G_US0, 8);
	for (unsigned i = 0; i < 10; i++)
		feed(0, f.b, f.len);
	ck_assert_uint_eq(drain_icmp6(4), 6);
	ck_assert_uint_eq(dctr("Icmp6OutRateLimitHost"), 4);
	NOW += 99;
	feed(0, f.b, f.len);
	ck_assert_uint_eq(drain_icmp6(4), 0);
	NOW += 1;
	feed(0, f.b, f.len);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(drain_icmp6(4), 1);
	offender(&f, LL_PEER, G_US0, 8);
	for (unsigned i = 0; i < 10; i++)
		feed(0, f.b, f.len);
	ck_assert_uint_eq(drain_icmp6(4), 6);
}
END_TEST

/* V5.1: the global bucket is IPv4's: ICMPv4 errors that empty it starve ICMPv6 errors. */
START_TEST(v5_1_global_shared)
{
	struct frame f;
	/* per-destination limits off for both families, so only the global bucket speaks */
	set_knob("icmp_ratelimit", "0");
	set_knob("net.ipv6.icmp.ratelimit", "0");
	struct ip_spec s4 = { .src = PEER_IP, .dst = US_IP, .proto = 253 };
	build_ip(&f, &s4, junk8, 8);
	for (unsigned i = 0; i < 200; i++)
		feed(0, f.b, f.len);
	uint64_t g = dctr("IcmpOutRateLimitGlobal");
	ck_assert_uint_gt(g, 100);
	tx_clear();
	offender(&f, G_PEER, G_US0, 8);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("IcmpOutRateLimitGlobal"), g + 1);
	ck_assert_uint_eq(drain_icmp6(4), 0);
	NOW += 1000;
	feed(0, f.b, f.len);
	ck_assert_uint_eq(drain_icmp6(4), 1);
}
END_TEST

/* V5.1: the IPv6 peer table is its own: the IPv4 bucket of the same host empty, IPv6 still has six. */
START_TEST(v5_1_separate_peer_tables)
{
	struct frame f;
	struct ip_spec s4 = { .src = PEER_IP, .dst = US_IP, .proto = 253 };
	build_ip(&f, &s4, junk8, 8);
	for (unsigned i = 0; i < 10; i++)
		feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("IcmpOutRateLimitHost"), 4);
	tx_clear();
	offender(&f, G_PEER, G_US0, 8);
	for (unsigned i = 0; i < 10; i++)
		feed(0, f.b, f.len);
	ck_assert_uint_eq(drain_icmp6(4), 6);
}
END_TEST

/* V5.2: echo replies and ND answers are not limited. */
START_TEST(v5_2_exempt)
{
	struct frame f;
	uint8_t sn[16];
	a6("ff02::1:ff00:2", sn);
	for (unsigned i = 0; i < 20; i++) {
		feed(0, f.b, build_echo6(&f, 1, (uint16_t)i, 8));
		feed(0, f.b, build_ns(&f, G_PEER, sn, G_US0, PEERMAC, NULL));
	}
	ck_assert_uint_eq(dctr("Icmp6OutRateLimitHost"), 0);
	ck_assert_uint_eq(icmp6_out(129), 20);
	ck_assert_uint_eq(icmp6_out(136), 20);
	tx_clear();
}
END_TEST

Suite *icmp6_suite(void)
{
	Suite *s = suite_create("icmp6");
	TCase *tc = tcase_create("icmp6");
	tcase_add_checked_fixture(tc, fx6_setup, fx6_teardown);
	tcase_add_test(tc, v2_2_checksum);
	tcase_add_test(tc, v2_2_pseudo_header_length);
	tcase_add_test(tc, v2_3_short);
	tcase_add_test(tc, v2_4_type_counted_first);
	tcase_add_test(tc, v2_5_dispatch);
	tcase_add_test(tc, v2_7_errors_any_destination);
	tcase_add_test(tc, v3_1_ignore_all);
	tcase_add_test(tc, v3_2_reply_bytes);
	tcase_add_test(tc, v3_6_flowlabel_reflect);
	tcase_add_test(tc, v3_6_hop_limit_from_ra);
	tcase_add_test(tc, v3_6_auto_flowlabel);
	tcase_add_test(tc, v3_3_multicast);
	tcase_add_test(tc, v3_4_anycast);
	tcase_add_test(tc, v3_7_limited_with_mask);
	tcase_add_test(tc, v3_8_unspecified_source);
	tcase_add_test(tc, v4_1_unreadable);
	tcase_add_test(tc, v4_2_multicast_offender);
	tcase_add_test(tc, v4_3_unspecified_source);
	tcase_add_test(tc, v4_4_about_errors);
	tcase_add_test(tc, v4_6_no_route_back);
	tcase_add_test(tc, v4_8_anycast_destination);
	tcase_add_test(tc, v4_9_source);
	tcase_add_test(tc, v4_9_selected_source);
	tcase_add_test(tc, v4_9_anycast_offender);
	tcase_add_test(tc, v4_13_quote_lengths);
	tcase_add_test(tc, v4_12_second_word);
	tcase_add_test(tc, v5_1_per_destination);
	tcase_add_test(tc, v5_1_global_shared);
	tcase_add_test(tc, v5_2_exempt);
	tcase_add_test(tc, v5_1_separate_peer_tables);
	suite_add_tcase(s, tc);
	return s;
}
