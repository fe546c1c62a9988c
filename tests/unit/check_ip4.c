/* tests/unit/check_ip4.c — a table of malformed and unwanted frames: each is dropped with its
 * counter, nothing is sent, nothing leaks. */
#include <string.h>

#include "ip/ip4.h"
#include "tests/unit/harness.h"

static const uint8_t ZERO[6];
static const uint8_t OTHERMAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };

/* Builders: each writes one frame into f. */
static void echo_with(struct frame *f, const struct ip_spec *s)
{
	uint8_t icmp[64];
	build_ip(f, s, icmp, build_icmp(icmp, 8, 0, 0x00010001, (const uint8_t *)"abcdefgh", 8));
}

static void b_eth_short(struct frame *f) { memcpy(f->b, US0, 6); f->len = 10; }
static void b_eth_other_mac(struct frame *f) { build_echo(f, 1, 1, 8); memcpy(f->b, OTHERMAC, 6); }
static void b_eth_mcast_unjoined(struct frame *f)
{
	build_echo(f, 1, 1, 8);
	memcpy(f->b, (const uint8_t[]){ 0x01, 0x00, 0x5e, 0, 0, 2 }, 6);
}
static void b_eth_ipv6(struct frame *f) { build_echo(f, 1, 1, 8); f->b[12] = 0x86; f->b[13] = 0xdd; }
static void b_eth_lldp(struct frame *f) { build_echo(f, 1, 1, 8); f->b[12] = 0x88; f->b[13] = 0xcc; }
static void b_arp_short(struct frame *f) { build_arp(f, BCASTMAC, 1, OTHERMAC, IP(192, 0, 2, 9), ZERO, US_IP); f->len = 14 + 27; }
static void b_arp_htype(struct frame *f) { build_arp(f, BCASTMAC, 1, OTHERMAC, IP(192, 0, 2, 9), ZERO, US_IP); f->b[15] = 6; }
static void b_arp_op3(struct frame *f) { build_arp(f, BCASTMAC, 3, OTHERMAC, IP(192, 0, 2, 9), ZERO, US_IP); }
static void b_arp_plen(struct frame *f) { build_arp(f, BCASTMAC, 1, OTHERMAC, IP(192, 0, 2, 9), ZERO, US_IP); f->b[19] = 16; }
static void b_arp_bcast_sender(struct frame *f) { build_arp(f, BCASTMAC, 1, BCASTMAC, IP(192, 0, 2, 9), ZERO, US_IP); }
static void b_arp_other_target(struct frame *f) { build_arp(f, BCASTMAC, 1, OTHERMAC, IP(192, 0, 2, 9), ZERO, IP(192, 0, 2, 10)); }
static void b_arp_conflict(struct frame *f) { build_arp(f, BCASTMAC, 1, OTHERMAC, US_IP, ZERO, US_IP); }
static void b_arp_loopback_sender(struct frame *f) { build_arp(f, BCASTMAC, 1, OTHERMAC, IP(127, 0, 0, 1), ZERO, US_IP); }
static void b_ip_short(struct frame *f) { build_echo(f, 1, 1, 8); f->len = 14 + 19; }
static void b_ip_version6(struct frame *f)
{
	build_echo(f, 1, 1, 8);
	f->b[14] = 0x65; /* checksum no longer matters: the version is checked first */
}
static void b_ip_ihl4(struct frame *f) { build_echo(f, 1, 1, 8); f->b[14] = 0x44; }
static void b_ip_ihl_past_buffer(struct frame *f) { build_echo(f, 1, 1, 0); f->b[14] = 0x4f; f->len = 14 + 28; }
static void b_ip_bad_csum(struct frame *f) { build_echo(f, 1, 1, 8); f->b[14 + 10] ^= 0x55; }
static void fix_ip_csum(struct frame *f)
{
	uint8_t *h = f->b + 14;
	unsigned hl = (h[0] & 15u) * 4;
	h[10] = h[11] = 0;
	uint16_t c = cksum(h, hl);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
}
static void b_ip_total_below_ihl(struct frame *f) { build_echo(f, 1, 1, 8); f->b[16] = 0; f->b[17] = 19; fix_ip_csum(f); }
static void b_ip_total_past_frame(struct frame *f) { build_echo(f, 1, 1, 8); f->b[16] = 0x05; f->b[17] = 0xdc; fix_ip_csum(f); }
#define SRC_CASE(fn, a)                                                  \
	static void fn(struct frame *f)                                  \
	{                                                                \
		struct ip_spec s = { .src = (a), .dst = US_IP, .proto = 1 }; \
		echo_with(f, &s);                                        \
	}
SRC_CASE(b_src_loopback, IP(127, 0, 0, 1))
SRC_CASE(b_src_zero, 0)
SRC_CASE(b_src_zeronet, IP(0, 1, 2, 3))
SRC_CASE(b_src_mcast, IP(224, 0, 0, 5))
SRC_CASE(b_src_lbcast, 0xffffffffu)
SRC_CASE(b_src_our_bcast, IP(192, 0, 2, 255))
SRC_CASE(b_src_ours, US_IP)
static void b_dst_other(struct frame *f)
{
	struct ip_spec s = { .src = PEER_IP, .dst = IP(203, 0, 113, 9), .proto = 1 };
	echo_with(f, &s);
}
static void b_dst_mcast_unjoined(struct frame *f)
{
	struct ip_spec s = { .src = PEER_IP, .dst = IP(224, 0, 0, 2), .proto = 1 };
	echo_with(f, &s);
}
static void icmp_raw(struct frame *f, const uint8_t *m, size_t n, uint32_t dst)
{
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 1 };
	build_ip(f, &s, m, n);
}
static void b_icmp_bad_csum(struct frame *f)
{
	uint8_t m[16];
	build_icmp(m, 8, 0, 1, (const uint8_t *)"12345678", 8);
	m[3] ^= 1;
	icmp_raw(f, m, 16, US_IP);
}
static void b_icmp_empty(struct frame *f) { icmp_raw(f, NULL, 0, US_IP); }
static void b_icmp_short(struct frame *f)
{
	/* Four bytes whose checksum is right: too short for a header. */
	uint8_t m[4] = { 8, 0, 0, 0 };
	uint16_t c = cksum(m, 4);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	icmp_raw(f, m, 4, US_IP);
}
static void b_icmp_type50(struct frame *f) { uint8_t m[8]; icmp_raw(f, m, build_icmp(m, 50, 0, 0, NULL, 0), US_IP); }
static void b_icmp_echo_bcast(struct frame *f)
{
	uint8_t m[8];
	icmp_raw(f, m, build_icmp(m, 8, 0, 1, NULL, 0), IP(192, 0, 2, 255));
	memcpy(f->b, BCASTMAC, 6);
}
static void b_icmp_ts_lbcast(struct frame *f)
{
	uint8_t m[20] = { 0 };
	icmp_raw(f, m, build_icmp(m, 13, 0, 1, m + 8, 12), 0xffffffffu);
	memcpy(f->b, BCASTMAC, 6);
}
static void b_icmp_unreach_bcast(struct frame *f)
{
	uint8_t m[36] = { 0 }, q[28] = { 0x45 };
	icmp_raw(f, m, build_icmp(m, 3, 3, 0, q, 28), IP(192, 0, 2, 255));
	memcpy(f->b, BCASTMAC, 6);
}
static void b_icmp_ts_short(struct frame *f)
{
	uint8_t m[10], body[2] = { 1, 2 };
	icmp_raw(f, m, build_icmp(m, 13, 0, 1, body, 2), US_IP);
}
static void b_icmp_unreach_short_quote(struct frame *f)
{
	uint8_t m[40], q[24] = { 0x45 }; /* IP header + 4 bytes: R8.1 wants 8 */
	icmp_raw(f, m, build_icmp(m, 3, 3, 0, q, 24), US_IP);
}
static void b_icmp_unreach_bad_ihl(struct frame *f)
{
	uint8_t m[40], q[28] = { 0x44 };
	icmp_raw(f, m, build_icmp(m, 3, 3, 0, q, 28), US_IP);
}
static void b_echo_class_e_src(struct frame *f)
{
	struct ip_spec s = { .src = IP(240, 0, 0, 1), .dst = US_IP, .proto = 1 };
	echo_with(f, &s);
}

static const struct bad_case {
	const char *what;
	void (*build)(struct frame *f);
	const char *counter;   /* moves by exactly one */
	const char *counter2;  /* and this too, when set */
} bad[] = {
	{ "frame shorter than an Ethernet header", b_eth_short, "EthInTruncated", NULL },
	{ "unicast to another MAC", b_eth_other_mac, "EthInOtherHost", NULL },
	{ "multicast group not joined", b_eth_mcast_unjoined, "EthInOtherHost", NULL },
	{ "IPv6 on an interface with IPv6 off", b_eth_ipv6, "Ip6InDisabled", "Ip6InDiscards" },
	{ "LLDP EtherType", b_eth_lldp, "EthInUnknownType", NULL },
	{ "ARP 27 bytes", b_arp_short, "ArpInErrors", NULL },
	{ "ARP hardware type 6", b_arp_htype, "ArpInErrors", NULL },
	{ "ARP opcode 3", b_arp_op3, "ArpInErrors", NULL },
	{ "ARP protocol length 16", b_arp_plen, "ArpInErrors", NULL },
	{ "ARP broadcast sender MAC", b_arp_bcast_sender, "ArpInBadSender", NULL },
	{ "ARP loopback sender IP", b_arp_loopback_sender, "ArpInBadSender", NULL },
	{ "ARP request for a foreign address", b_arp_other_target, "ArpInOtherTarget", NULL },
	{ "ARP claiming our address", b_arp_conflict, "ArpInConflicts", NULL },
	{ "IPv4 shorter than 20 bytes", b_ip_short, "IpInHdrErrors", NULL },
	{ "IP version 6 in an IPv4 frame", b_ip_version6, "IpInHdrErrors", NULL },
	{ "IHL 4", b_ip_ihl4, "IpInHdrErrors", NULL },
	{ "IHL 15 past the buffer", b_ip_ihl_past_buffer, "IpInHdrErrors", NULL },
	{ "bad header checksum", b_ip_bad_csum, "IpInHdrErrors", "IpInCsumErrors" },
	{ "total length below IHL*4", b_ip_total_below_ihl, "IpInHdrErrors", NULL },
	{ "total length past the frame", b_ip_total_past_frame, "IpInTruncatedPkts", NULL },
	{ "source 127.0.0.1", b_src_loopback, "IpInMartianSrc", NULL },
	{ "source 0.0.0.0", b_src_zero, "IpInMartianSrc", NULL },
	{ "source 0.1.2.3", b_src_zeronet, "IpInMartianSrc", NULL },
	{ "source 224.0.0.5", b_src_mcast, "IpInMartianSrc", NULL },
	{ "source 255.255.255.255", b_src_lbcast, "IpInMartianSrc", NULL },
	{ "source our subnet broadcast", b_src_our_bcast, "IpInMartianSrc", NULL },
	{ "source our own address", b_src_ours, "IpInMartianSrc", NULL },
	{ "destination not ours, not forwarding", b_dst_other, "IpInAddrErrors", NULL },
	{ "multicast destination not joined", b_dst_mcast_unjoined, "IpInAddrErrors", NULL },
	{ "ICMP bad checksum", b_icmp_bad_csum, "IcmpInErrors", "IcmpInCsumErrors" },
	{ "ICMP empty message", b_icmp_empty, "IcmpInErrors", "IcmpInCsumErrors" },
	{ "ICMP 4 bytes", b_icmp_short, "IcmpInErrors", NULL },
	{ "ICMP type 50", b_icmp_type50, "IcmpInErrors", "IcmpMsgInType50" },
	{ "echo to subnet broadcast (ignored by default)", b_icmp_echo_bcast, "IcmpInErrors", "IcmpMsgInType8" },
	{ "timestamp to 255.255.255.255", b_icmp_ts_lbcast, "IcmpInErrors", "IcmpMsgInType13" },
	{ "unreachable to broadcast", b_icmp_unreach_bcast, "IcmpInErrors", "IcmpMsgInType3" },
	{ "timestamp with 2-byte body", b_icmp_ts_short, "IcmpInErrors", "IcmpMsgInType13" },
	{ "unreachable quoting IP header + 4", b_icmp_unreach_short_quote, "IcmpInErrors", NULL },
	{ "unreachable quoting IHL 4", b_icmp_unreach_bad_ihl, "IcmpInErrors", NULL },
	{ "echo from class E source", b_echo_class_e_src, "IcmpInInvalidSrc", NULL },
};

START_TEST(test_bad_frame)
{
	const struct bad_case *c = &bad[_i];
	struct frame f;
	uint64_t before = ctr(c->counter), before2 = c->counter2 ? ctr(c->counter2) : 0;
	c->build(&f);
	feed(0, f.b, f.len);
	ck_assert_msg(ctr(c->counter) == before + 1, "%s: %s did not move", c->what, c->counter);
	if (c->counter2)
		ck_assert_msg(ctr(c->counter2) == before2 + 1, "%s: %s did not move", c->what, c->counter2);
	ck_assert_msg(tx_count() == 0, "%s: something was sent", c->what);
	ck_assert_msg(stack_pkb_in_use(T) == 0, "%s: buffer leaked", c->what);
}
END_TEST

START_TEST(test_padding_trimmed)
{
	/* A 28-byte datagram in a 60-byte frame: the reply carries 28 bytes, not the padding. */
	struct frame f;
	build_echo(&f, 1, 1, 0);
	ck_assert_uint_eq(f.len, 42);
	memset(f.b + f.len, 0xee, 18);
	feed(0, f.b, 60);
	tx_take(&f);
	ck_assert_uint_eq(f.len, 42);
	ck_assert_uint_eq(rd16(f.b + 14 + 2), 28);
}
END_TEST

START_TEST(test_class_e_source_accepted_by_ip)
{
	/* Class E is not martian (Linux parity): IP delivers; only ICMP declines to answer (R2.7). */
	struct frame f;
	struct ip_spec s = { .src = IP(240, 0, 0, 1), .dst = US_IP, .proto = 1 };
	uint8_t m[8];
	build_ip(&f, &s, m, build_icmp(m, 8, 0, 1, NULL, 0));
	feed(0, f.b, f.len);
	ck_assert_uint_eq(ctr("IpInMartianSrc"), 0);
	ck_assert_uint_eq(ctr("IpInDelivers"), 1);
}
END_TEST

/* Issue 13: the one IPv4 header check, a table of headers and what it says of each. */
static const struct {
	uint8_t vhl;
	uint16_t tot;
	size_t len, after;
	unsigned flags, want;
} hdr_cases[] = {
	{ 0x45, 20, 20, 0, IP4_CHK_VERSION | IP4_CHK_TOTAL, 20 },
	{ 0x45, 20, 19, 0, 0, 0 },                              /* shorter than any header */
	{ 0x65, 20, 20, 0, IP4_CHK_VERSION, 0 },                /* version 6 */
	{ 0x65, 20, 20, 0, 0, 20 },                             /* ... read by IHL alone (a quote) */
	{ 0x44, 20, 20, 0, 0, 0 },                              /* IHL 4 */
	{ 0x46, 24, 23, 0, 0, 0 },                              /* options cut */
	{ 0x46, 24, 24, 0, IP4_CHK_TOTAL, 24 },
	{ 0x45, 28, 27, 8, 0, 0 },                              /* a quote without its 8 bytes */
	{ 0x45, 28, 28, 8, 0, 20 },
	{ 0x46, 20, 24, 0, IP4_CHK_TOTAL, 0 },                  /* total length < header length */
	{ 0x45, 40, 30, 0, IP4_CHK_TOTAL, 0 },                  /* total length > what arrived */
	{ 0x4f, 60, 60, 0, IP4_CHK_VERSION | IP4_CHK_TOTAL, 60 },
};

START_TEST(test_ip4_hdr_check_table)
{
	uint8_t h[64] = { 0 };
	h[0] = hdr_cases[_i].vhl;
	h[2] = (uint8_t)(hdr_cases[_i].tot >> 8);
	h[3] = (uint8_t)hdr_cases[_i].tot;
	ck_assert_uint_eq(ip4_hdr_check(h, hdr_cases[_i].len, hdr_cases[_i].flags, hdr_cases[_i].after),
			  hdr_cases[_i].want);
}
END_TEST

Suite *ip4_suite(void)
{
	Suite *s = suite_create("ip4");
	TCase *tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_bad_frame, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_padding_trimmed);
	tcase_add_loop_test(tc, test_ip4_hdr_check_table, 0, (int)(sizeof(hdr_cases) / sizeof(hdr_cases[0])));
	tcase_add_test(tc, test_class_e_source_accepted_by_ip);
	suite_add_tcase(s, tc);
	return s;
}
