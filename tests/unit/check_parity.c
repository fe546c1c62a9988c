/* tests/unit/check_parity.c — issue 12: the parity gaps the side-by-side run with Linux 6.18 found
 * (rows 1-8), checked byte for byte through stack_input, and the rules mutation testing showed
 * untested (R3.2 code, R10.3 second end, R10.1 hysteresis, R9.3 off-link source, R8.4 ageing). */
#include <stdio.h>
#include <string.h>

#include "stack/core.h"
#include "tests/unit/harness.h"

static const uint8_t ZERO[6];


static int ctl(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

static void p16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void p32(uint8_t *p, uint32_t v) { p16(p, v >> 16); p16(p + 2, v); }

/* Ethernet header of a frame we send to mac from ours. */
static uint8_t *exp_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	p16(b + 12, type);
	return b + 14;
}

/* An IPv4 header with options and a correct checksum; returns its length. */
static size_t exp_ip(uint8_t *h, uint8_t tos, size_t tot, uint16_t id, uint16_t frag, uint8_t ttl, uint8_t proto,
		     uint32_t src, uint32_t dst, const uint8_t *opt, size_t optlen)
{
	h[0] = (uint8_t)(0x40 | (20 + optlen) / 4);
	h[1] = tos;
	p16(h + 2, (uint32_t)tot);
	p16(h + 4, id);
	p16(h + 6, frag);
	h[8] = ttl;
	h[9] = proto;
	p16(h + 10, 0);
	p32(h + 12, src);
	p32(h + 16, dst);
	if (optlen)
		memcpy(h + 20, opt, optlen);
	p16(h + 10, cksum(h, 20 + optlen));
	return 20 + optlen;
}

/* Transport checksum over the pseudo header. */
static uint16_t l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	static uint8_t ph[2100];
	p32(ph, src);
	p32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	p16(ph + 10, (uint32_t)len);
	memcpy(ph + 12, l4, len);
	return cksum(ph, 12 + len);
}

static void assert_frame(const struct frame *got, const uint8_t *want, size_t len)
{
	ck_assert_uint_eq(got->len, len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got->b[i] == want[i], "byte %zu: got 0x%02x, want 0x%02x", i, got->b[i], want[i]);
}

/* ---- rows 1-3: the TCP reset ---- */

/* A SYN from PEER port 40000 to our port 80, seq 1000, with IP options. */
static void syn(uint8_t tos, const uint8_t *opt, size_t optlen)
{
	struct frame f;
	uint8_t t[20] = { 0x9c, 0x40, 0, 80, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff };
	p16(t + 16, l4_csum(PEER_IP, US_IP, 6, t, 20));
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 6, .tos = tos, .opt = opt, .optlen = optlen };
	feed(0, f.b, build_ip(&f, &s, t, 20));
}

/* The reset we expect for syn(): RST|ACK, seq 0, ack 1001, with reply options ropt. */
static size_t exp_rst(uint8_t *b, uint8_t tos, const uint8_t *ropt, size_t roptlen)
{
	uint8_t *h = exp_eth(b, PEERMAC, US0, 0x0800);
	size_t hl = exp_ip(h, tos, 20 + roptlen + 20, 0, 0x4000, 64, 6, US_IP, PEER_IP, ropt, roptlen);
	uint8_t *t = h + hl;
	memset(t, 0, 20);
	p16(t, 80);
	p16(t + 2, 40000);
	p32(t + 8, 1001);
	t[12] = 0x50;
	t[13] = 0x14;
	p16(t + 16, l4_csum(US_IP, PEER_IP, 6, t, 20));
	return 14 + hl + 20;
}

/* Rows 1 and 3: TOS 0xbb comes back as 0xb8 (ECN cleared, Linux ip_send_unicast_reply), DF and
 * IP ID 0 (ip_select_ident: DF from a socket that is not connected). Two resets: the ID stays 0. */
START_TEST(test_rst_tos_ecn_cleared_and_id_zero)
{
	struct frame r;
	uint8_t want[100];
	size_t n = exp_rst(want, 0xb8, NULL, 0);
	for (int i = 0; i < 2; i++) {
		syn(0xbb, NULL, 0);
		ck_assert_uint_eq(tx_count(), 1);
		tx_take(&r);
		assert_frame(&r, want, n);
	}
	ck_assert_uint_eq(ctr("TcpOutRsts"), 2);
}
END_TEST

/* Row 2: a SYN with Record Route gets a 52-byte reset echoing it with our address appended; one
 * with a 40-byte Timestamp an 80-byte reset stamped on receive and again on send. */
START_TEST(test_rst_echoes_options)
{
	struct frame r;
	uint8_t want[200];
	const uint8_t rr[12] = { 7, 11, 4 };
	const uint8_t rr_back[12] = { 7, 11, 12, 192, 0, 2, 2, 192, 0, 2, 2, 0 };
	syn(0, rr, sizeof(rr));
	tx_take(&r);
	size_t n = exp_rst(want, 0, rr_back, sizeof(rr_back));
	ck_assert_uint_eq(n, 14 + 52);
	assert_frame(&r, want, n);

	stack_set_wall_offset(T, 5000 - (int64_t)NOW);        /* 00:00:05.000 UTC */
	uint8_t ts[40] = { 68, 40, 5, 0 };
	uint8_t ts_back[40] = { 68, 40, 13, 0, 0, 0, 0x13, 0x88, 0, 0, 0x13, 0x88 };
	syn(0, ts, sizeof(ts));
	tx_take(&r);
	n = exp_rst(want, 0, ts_back, sizeof(ts_back));
	ck_assert_uint_eq(n, 14 + 80);
	assert_frame(&r, want, n);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* Row 3 in general (Linux ip_select_ident, measured on 6.18): whatever we originate with DF from a
 * socket that is not connected has IP ID 0; a connected one counts up; without DF, the counter. */
START_TEST(test_df_id_zero_unless_connected)
{
	struct sbuf out = { 0 };
	struct frame r;
	ck_assert_int_eq(ctl("udp send --df 192.0.2.1:9 a", &out), 0);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 6), 0x4000);
	ck_assert_uint_eq(rd16(r.b + 14 + 4), 0);
	ck_assert_int_eq(ctl("udp send 192.0.2.1:9 b", &out), 0);      /* DF clear: the counter */
	tx_take(&r);
	uint16_t id = rd16(r.b + 14 + 4);
	ck_assert_uint_ne(id, 0);
	ck_assert_int_eq(ctl("udp send --from 6000 --connect --df 192.0.2.1:9 c", &out), 0);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 6), 0x4000);
	ck_assert_uint_eq(rd16(r.b + 14 + 4), (uint16_t)(id + 1));
	ck_assert_int_eq(ctl("udp send --from 6000 --df 192.0.2.1:9 d", &out), 0);  /* still connected */
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 4), (uint16_t)(id + 2));
	sbuf_free(&out);
}
END_TEST

/* ---- row 4 (R5.17): the options before a fault come back in the parameter problem ---- */

/* UDP from PEER port 33000 to dport with 4 payload bytes, IP options opt. Returns the datagram
 * (IPv4 header first) as sent, in dg. */
static size_t udp_with_opts(uint32_t dst, uint16_t dport, const uint8_t *opt, size_t optlen, uint8_t *dg)
{
	struct frame f;
	uint8_t u[12] = { 0x80, 0xe8, 0, 0, 0, 12, 0, 0, 'a', 'b', 'c', 'd' };
	p16(u + 2, dport);
	p16(u + 6, l4_csum(PEER_IP, dst, 17, u, 12));
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 17, .id = 0x5151, .opt = opt, .optlen = optlen };
	size_t n = build_ip(&f, &s, u, 12);
	memcpy(dg, f.b + 14, n - 14);
	feed(0, f.b, n);
	return n - 14;
}

/* An ICMP error from US to PEER: header (ID taken from got, the counter's), options, message and
 * quote. */
static size_t exp_error(uint8_t *b, const struct frame *got, const uint8_t *ropt, size_t roptlen, uint8_t type,
			uint8_t code, uint32_t word2, const uint8_t *quote, size_t qlen)
{
	uint8_t *h = exp_eth(b, PEERMAC, US0, 0x0800);
	size_t tot = 20 + roptlen + 8 + qlen;
	size_t hl = exp_ip(h, 0xc0, tot, rd16(got->b + 14 + 4), 0, 64, 1, US_IP, PEER_IP, ropt, roptlen);
	uint8_t *m = h + hl;
	m[0] = type;
	m[1] = code;
	p16(m + 2, 0);
	p32(m + 4, word2);
	memcpy(m + 8, quote, qlen);
	p16(m + 2, cksum(m, 8 + qlen));
	return 14 + tot;
}

START_TEST(test_param_problem_echoes_earlier_rr)
{
	struct frame r;
	uint8_t dg[100], want[300];
	/* RR with two slots, then a Timestamp whose pointer is 4 (below 5: the fault). */
	const uint8_t opt[20] = { 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 68, 8, 4, 0, 0, 0, 0, 0, 0 };
	size_t n = udp_with_opts(US_IP, 9, opt, sizeof(opt), dg);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	/* The quote is the datagram as input left it: our address in the RR's first slot, pointer 8
	 * (its header checksum is the sender's, as in Linux). */
	dg[20 + 2] = 8;
	p32(dg + 20 + 3, US_IP);
	/* The error carries that RR with the error's source added in the second slot; the pointer
	 * names the TS pointer byte: 20 + 11 + 2 = 33. */
	const uint8_t rr_back[12] = { 7, 11, 12, 192, 0, 2, 2, 192, 0, 2, 2, 0 };
	size_t wn = exp_error(want, &r, rr_back, sizeof(rr_back), 12, 0, 33u << 24, dg, n);
	assert_frame(&r, want, wn);
	ck_assert_uint_eq(ctr("IpInHdrErrors"), 1);
	ck_assert_uint_eq(ctr("UdpNoPorts"), 0);
}
END_TEST

/* ---- row 5 (R5.16): bytes after End of Option List become zeros ---- */

START_TEST(test_bytes_after_eol_zeroed_in_quote)
{
	struct frame r;
	uint8_t dg[100], want[300];
	const uint8_t opt[4] = { 0, 0xaa, 0xbb, 0xcc };
	size_t n = udp_with_opts(US_IP, 9, opt, sizeof(opt), dg);
	tx_take(&r);
	memset(dg + 21, 0, 3);                               /* zeros; the checksum stays the sender's */
	size_t wn = exp_error(want, &r, NULL, 0, 3, 3, 0, dg, n);
	assert_frame(&r, want, wn);
}
END_TEST

/* The datagram dg forwarded out of tap1 to B: TTL - 1, header checksum computed afresh. */
static size_t exp_forwarded(uint8_t *b, const uint8_t *dg, size_t n)
{
	uint8_t *h = exp_eth(b, BMAC, US1, 0x0800);
	memcpy(h, dg, n);
	h[8]--;
	size_t hl = (h[0] & 15u) * 4;
	p16(h + 10, 0);
	p16(h + 10, cksum(h, hl));
	return 14 + n;
}

START_TEST(test_bytes_after_eol_zeroed_when_forwarded)
{
	struct frame r;
	uint8_t dg[100], want[300];
	const uint8_t opt[4] = { 0, 0xaa, 0xbb, 0xcc };
	size_t n = udp_with_opts(B_IP, 9, opt, sizeof(opt), dg);
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&r), 1);
	memset(dg + 21, 0, 3);
	assert_frame(&r, want, exp_forwarded(want, dg, n));
}
END_TEST

/* ---- row 6: a forwarded TS flag 1 keeps the inbound address; RR gets the outgoing one ---- */

START_TEST(test_forwarded_tsandaddr_keeps_inbound_address)
{
	struct frame r;
	uint8_t dg[100], want[300];
	stack_set_wall_offset(T, 5000 - (int64_t)NOW);
	const uint8_t opt[20] = { 7, 7, 4, 0, 0, 0, 0, 68, 12, 5, 1 };
	size_t n = udp_with_opts(B_IP, 9, opt, sizeof(opt), dg);
	ck_assert_uint_eq(tx_take(&r), 1);
	dg[20 + 2] = 8;
	p32(dg + 20 + 3, US1_IP);                            /* RR: the way out */
	dg[27 + 2] = 13;
	p32(dg + 27 + 4, US_IP);                             /* TS: the way in (Linux) ... */
	p32(dg + 27 + 8, 5000);                              /* ... and the time */
	assert_frame(&r, want, exp_forwarded(want, dg, n));
}
END_TEST

/* ---- row 7: route.c ip_error's limiter on 3/0 ---- */

static unsigned unrouted_probes(unsigned count)
{
	uint8_t dg[100];
	unsigned got = 0;
	for (unsigned i = 0; i < count; i++) {
		udp_with_opts(IP(203, 0, 113, 200), 9, NULL, 0, dg);
		got += tx_count();
		tx_clear();
	}
	return got;
}

/* icmp_ratelimit 0 leaves only the routing limiter: 5 s of burst at 1 s per error, so 10 probes
 * get 5 errors; the next waits for a full second of tokens. */
START_TEST(test_no_route_limiter_burst_five)
{
	set_knob("icmp_ratelimit", "0");
	ck_assert_uint_eq(unrouted_probes(10), 5);
	ck_assert_uint_eq(ctr("IcmpOutRateLimitRoute"), 5);
	ck_assert_uint_eq(ctr("IpInNoRoutes"), 10);
	NOW += 999;
	ck_assert_uint_eq(unrouted_probes(1), 0);
	NOW += 1;                                            /* a refusal keeps what time gave */
	ck_assert_uint_eq(unrouted_probes(1), 1);
	NOW += 5000;
	ck_assert_uint_eq(unrouted_probes(10), 5);           /* never more than 5 s saved */
	/* A prohibit route is gated the same way. */
	ck_assert_int_eq(stack_ctl(T, "route add 203.0.113.192/26,prohibit", &(struct sbuf){ 0 }, NOW), 0);
	NOW += 60000;
	ck_assert_uint_eq(unrouted_probes(10), 5);
	ck_assert_uint_eq(ctr("IpForwProhibited"), 10);
}
END_TEST

/* With the default icmp_ratelimit (1000 ms), §7's per-destination limiter spends the same tokens:
 * back to back, only two errors. */
START_TEST(test_no_route_limiter_shares_tokens)
{
	ck_assert_uint_eq(unrouted_probes(10), 2);
	ck_assert_uint_eq(ctr("IcmpOutRateLimitHost"), 1);
	ck_assert_uint_eq(ctr("IcmpOutRateLimitRoute"), 7);
}
END_TEST

/* ---- row 8: ARP from a multicast sender MAC: answered, not learned ---- */

START_TEST(test_arp_multicast_sender_answered_not_learned)
{
	static const uint8_t MC[6] = { 0x33, 0x33, 0x33, 0x33, 0x33, 0x33 };
	static const uint8_t H9[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	struct frame f, r;
	struct sbuf out = { 0 };
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, MC, IP(192, 0, 2, 77), ZERO, US_IP));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	uint8_t want[42];
	uint8_t *a = exp_eth(want, MC, US0, 0x0806);
	const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };
	memcpy(a, hdr, 8);
	memcpy(a + 8, US0, 6);
	p32(a + 14, US_IP);
	memcpy(a + 18, MC, 6);
	p32(a + 24, IP(192, 0, 2, 77));
	assert_frame(&r, want, 42);
	ck_assert_int_eq(ctl("neigh", &out), 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "192.0.2.77"));
	ck_assert_uint_eq(ctr("ArpInBadSender"), 0);
	/* An entry we have is not updated by it either. */
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, H9, IP(192, 0, 2, 99), ZERO, US_IP));
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, MC, IP(192, 0, 2, 99), ZERO, US_IP));
	ck_assert_uint_eq(tx_count(), 2);
	tx_clear();
	ck_assert_int_eq(ctl("neigh", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "192.0.2.99 dev tap0 lladdr 02:00:00:00:00:99"));
	/* A broadcast sender MAC stays refused. */
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, BCASTMAC, IP(192, 0, 2, 78), ZERO, US_IP));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("ArpInBadSender"), 1);
	sbuf_free(&out);
}
END_TEST

/* ---- item 3: rules a one-line mutation broke without a failing test ---- */

/* R3.2: a timestamp request with a non-zero code gets a reply with code 0. */
START_TEST(test_timestamp_reply_code_zero)
{
	struct frame f, r;
	uint8_t m[32], body[12] = { 0, 0, 0x12, 0x34 };
	stack_set_wall_offset(T, 5000 - (int64_t)NOW);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, m, build_icmp(m, 13, 7, 0x00010002, body, sizeof(body))));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	uint8_t want[200];
	uint8_t *h = exp_eth(want, PEERMAC, US0, 0x0800);
	size_t hl = exp_ip(h, 0, 40, rd16(r.b + 14 + 4), 0, 64, 1, US_IP, PEER_IP, NULL, 0);
	uint8_t *e = h + hl;
	const uint8_t body_back[12] = { 0, 0, 0x12, 0x34, 0, 0, 0x13, 0x88, 0, 0, 0x13, 0x88 };
	ck_assert_uint_eq(build_icmp(e, 14, 0, 0x00010002, body_back, sizeof(body_back)), 20);
	assert_frame(&r, want, 14 + 40);
}
END_TEST

/* A fragment of datagram 0x777 from PEER: payload bytes [off, off + len), MF as given. */
static void frag(unsigned off, unsigned len, int mf)
{
	static struct frame f;
	static uint8_t pl[1500];
	memset(pl, 0x5a, len);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 0x777,
			     .frag = (uint16_t)((mf ? 0x2000 : 0) | off / 8) };
	feed(0, f.b, build_ip(&f, &s, pl, len));
}

/* R10.3: last fragments at 24..32, then 40..48: they do not overlap, but the second end differs
 * from the first: the queue goes, a failure and not an overlap. */
START_TEST(test_reasm_second_different_end)
{
	frag(24, 8, 0);
	frag(40, 8, 0);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);
	ck_assert_uint_eq(ctr("IpReasmOverlaps"), 0);
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);           /* nothing held */
	/* The queue is gone: the head and the first end make a fresh datagram of 32 bytes only
	 * after both arrive again. */
	frag(0, 24, 1);
	ck_assert_uint_eq(tx_count(), 0);
	frag(24, 8, 0);
	ck_assert_uint_eq(ctr("IpReasmOKs"), 1);
	tx_clear();
}
END_TEST

/* R10.1: past ipfrag_high_thresh fragments are refused until memory is back under
 * ipfrag_low_thresh — also while it sits between the two marks. */
START_TEST(test_reasm_hysteresis)
{
	static struct frame f;
	uint8_t pl[64] = { 0 };
	/* Each held fragment costs one pool buffer (PKB_SIZE bytes). */
	set_knob("ipfrag_high_thresh", "9000");              /* crossed by the 5th */
	set_knob("ipfrag_low_thresh", "5000");               /* back under with 2 held */
	for (uint16_t id = 1; id <= 5; id++) {
		struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = id, .frag = 0x2000 };
		feed(0, f.b, build_ip(&f, &s, pl, 64));
		NOW += 1000;                                 /* queue k expires at k s + 30 s */
	}
	ck_assert_uint_eq(stack_pkb_in_use(T), 5);
	struct ip_spec s6 = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 6, .frag = 0x2000 };
	feed(0, f.b, build_ip(&f, &s6, pl, 64));
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);           /* over the high mark */
	/* Two queues time out: 3 held, between the marks: still refused. */
	advance(T0 + 31500 - NOW);
	tx_clear();
	ck_assert_uint_eq(stack_pkb_in_use(T), 3);
	feed(0, f.b, build_ip(&f, &s6, pl, 64));
	ck_assert_uint_eq(stack_pkb_in_use(T), 3);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1 + 2 + 1);   /* two timeouts, one refusal */
	/* One more times out: 2 held, under the low mark: accepted again. */
	advance(1000);
	tx_clear();
	feed(0, f.b, build_ip(&f, &s6, pl, 64));
	ck_assert_uint_eq(stack_pkb_in_use(T), 3);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1 + 3 + 1);
	advance(40000);
	tx_clear();
}
END_TEST

/* R9.3: in and out the same interface, but from a source that is not on-link there: forwarded,
 * no redirect. */
START_TEST(test_no_redirect_to_offlink_source)
{
	struct frame f, r;
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("route add 203.0.113.64/26,via=192.0.2.9", &out), 0);
	ck_assert_int_eq(ctl("route add 203.0.113.128/26,via=192.0.2.9", &out), 0);
	uint8_t pl[8] = { 0 };
	struct ip_spec s = { .src = IP(203, 0, 113, 130), .dst = IP(203, 0, 113, 70), .proto = 17, .srcmac = GW0MAC };
	feed(0, f.b, build_ip(&f, &s, pl, 8));
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_mem_eq(r.b, GW0MAC, 6);
	ck_assert_uint_eq(r.b[14 + 9], 17);
	ck_assert_uint_eq(ctr("IcmpMsgOutType5"), 0);
	/* Control: the same from an on-link source gets one. */
	s.src = PEER_IP;
	s.srcmac = NULL;
	feed(0, f.b, build_ip(&f, &s, pl, 8));
	ck_assert_uint_eq(tx_count(), 2);
	ck_assert_uint_eq(ctr("IcmpMsgOutType5"), 1);
	tx_clear();
	sbuf_free(&out);
}
END_TEST

/* R8.4: a learned path MTU lives mtu_expires seconds, to the millisecond. */
START_TEST(test_pmtu_ages_out_after_mtu_expires)
{
	struct frame f, r;
	struct sbuf out = { 0 };
	set_knob("mtu_expires", "30");
	/* A datagram of ours to B, and B's router saying 1300 fits. */
	ck_assert_int_eq(ctl("udp send --from 5000 --df 198.51.100.2:9 hello", &out), 0);
	tx_take(&r);
	uint8_t m[100];
	size_t q = 28;
	struct ip_spec s = { .src = B_IP, .dst = US1_IP, .proto = 1, .dstmac = US1, .srcmac = BMAC };
	feed(1, f.b, build_ip(&f, &s, m, build_icmp(m, 3, 4, 1300, r.b + 14, q)));
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "198.51.100.2 pmtu 1300 expires 30s\n");
	char big[1400], cmd[1500];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(cmd, sizeof(cmd), "udp send --from 5000 --df 198.51.100.2:9 %.1350s", big);
	NOW += 29999;
	ck_assert_int_eq(ctl(cmd, &out), 1);                 /* still 1300: too big with DF */
	NOW += 1;
	ck_assert_int_eq(ctl(cmd, &out), 0);                 /* 30 s: back to the link's 1500 */
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 2), 20 + 8 + 1350);
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	sbuf_free(&out);
}
END_TEST

/* ---- item 4: tapstackctl ping speaks iputils ---- */

/* Answers the echo request at the head of the queue as the peer would. */
static void answer_echo(void)
{
	struct frame q, f;
	tx_take(&q);
	const uint8_t *m = q.b + 34;
	ck_assert_uint_eq(m[0], 8);
	size_t n = rd16(q.b + 16) - 20;
	static uint8_t reply[2000];
	memcpy(reply, m, n);
	reply[0] = 0;
	reply[2] = reply[3] = 0;
	p16(reply + 2, cksum(reply, n));
	struct ip_spec s = { .src = rd32(q.b + 30), .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, reply, n));
}

static const char PING_USAGE[] = "usage: ping [-46DnOq] [-c COUNT] [-s SIZE] [-t TTL] [-i SECONDS] [-M do|dont|want]\n"
				 "            [-W TIMEOUT] [-w DEADLINE] ADDR\n";

START_TEST(test_ping_unknown_option_and_values)
{
	struct sbuf out = { 0 };
	unsigned h;
	char want[400];
	ck_assert_int_eq(stack_ctl_start(T, "ping -x 192.0.2.1", &out, NOW, &h), 2);
	snprintf(want, sizeof(want), "ping: invalid option -- 'x'\n%s", PING_USAGE);
	ck_assert_str_eq(sbuf_str(&out), want);
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "ping -qz 192.0.2.1", &out, NOW, &h), 2);   /* inside a group */
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "ping: invalid option -- 'z'\n"));
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "ping 192.0.2.1 -W", &out, NOW, &h), 2);
	snprintf(want, sizeof(want), "ping: option requires an argument -- 'W'\n%s", PING_USAGE);
	ck_assert_str_eq(sbuf_str(&out), want);
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "ping -W 0 192.0.2.1", &out, NOW, &h), 2);
	ck_assert_str_eq(sbuf_str(&out), "ping: bad linger time: 0\n");
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "ping -w x 192.0.2.1", &out, NOW, &h), 2);
	ck_assert_str_eq(sbuf_str(&out), "ping: invalid argument: 'x'\n");
	sbuf_free(&out);
	/* What used to be refused: -W 1 ("out of range"), -q ("bad number"); grouped and attached. */
	h = start_ping("ping -W 1 -q -n -c1 192.0.2.1", &out);
	stack_ctl_cancel(T, h);
	h = start_ping("ping -qnDOc 2 192.0.2.1", &out);
	stack_ctl_cancel(T, h);
	tx_clear();
	sbuf_free(&out);
}
END_TEST

/* -W: the wait after the last request when nothing answered (fractions of a second allowed). */
START_TEST(test_ping_linger_W)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -c 1 -W 0.3 192.0.2.1", &out);
	tx_clear();
	advance(299);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), STACK_CTL_PENDING);
	advance(1);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "1 packets transmitted, 0 received, 100% packet loss"));
	sbuf_free(&out);
}
END_TEST

/* -q: the PING line and the summary only, no line per reply or per error. */
START_TEST(test_ping_quiet)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -q -c 2 -i 0.2 192.0.2.1", &out);
	answer_echo();
	advance(200);
	answer_echo();
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "bytes from"));
	ck_assert_str_eq(sbuf_str(&out), "PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.\n"
					 "\n--- 192.0.2.1 ping statistics ---\n"
					 "2 packets transmitted, 2 received, 0% packet loss, time 200ms\n"
					 "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n");
	sbuf_free(&out);
	/* Errors are not shown either, only counted. */
	h = start_ping("ping -q -c 1 -M do -s 1600 192.0.2.1", &out);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "local error"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "1 packets transmitted, 0 received, +1 errors"));
	sbuf_free(&out);
}
END_TEST

/* -D: each line starts with the wall clock as [seconds.microseconds]. */
START_TEST(test_ping_timestamps_D)
{
	struct sbuf out = { 0 };
	stack_set_wall_offset(T, 1700000000000LL - (int64_t)NOW);
	unsigned h = start_ping("ping -D -c 1 192.0.2.1", &out);
	sbuf_free(&out);
	stack_set_clock_us(T, NOW * 1000 + 42);
	answer_echo();
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "[1700000000.000042] 64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=0.042 ms\n"));
	sbuf_free(&out);
}
END_TEST

/* -O: before each request, the previous one still unanswered is reported. */
START_TEST(test_ping_outstanding_O)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -O -c 3 -i 0.2 192.0.2.1", &out);
	sbuf_free(&out);
	answer_echo();                                       /* seq 1 answered */
	advance(200);
	tx_clear();                                          /* seq 2 lost */
	advance(200);
	tx_clear();
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), STACK_CTL_PENDING);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "no answer yet for icmp_seq=1\n"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "no answer yet for icmp_seq=2\n"));
	stack_ctl_cancel(T, h);
	sbuf_free(&out);
}
END_TEST

/* -w: requests go on past COUNT until COUNT answers or the deadline; exit 1 when short of COUNT. */
START_TEST(test_ping_deadline_w)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -c 2 -w 3 192.0.2.1", &out);
	tx_clear();                                          /* 1 lost */
	advance(1000);
	answer_echo();                                       /* 2 answered */
	advance(1000);
	tx_clear();                                          /* 3 goes although -c 2 */
	advance(999);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), STACK_CTL_PENDING);
	advance(1);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);     /* 1 of 2 by the deadline */
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "3 packets transmitted, 1 received, 66.6667% packet loss"));
	sbuf_free(&out);
	/* Without -c: until the deadline; everything answered is exit 0. */
	h = start_ping("ping -w 2 -i 0.5 192.0.2.1", &out);
	for (int i = 0; i < 4; i++) {
		answer_echo();
		advance(500);
	}
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "4 packets transmitted, 4 received, 0% packet loss"));
	tx_clear();
	sbuf_free(&out);
	/* With -c, COUNT answers end it early. */
	h = start_ping("ping -c 1 -w 10 192.0.2.1", &out);
	answer_echo();
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	sbuf_free(&out);
}
END_TEST

/* A datagram IP refused (EMSGSIZE above a learned path MTU) is not "tx" in `sockets`. */
START_TEST(test_udp_refused_not_counted_sent)
{
	struct sbuf out = { 0 };
	char big[1400], cmd[1500];
	ck_assert_int_eq(ctl("udp send --from 5000 --df 198.51.100.2:9 hello", &out), 0);
	struct frame r, f;
	tx_take(&r);
	uint8_t m[100];
	struct ip_spec s = { .src = B_IP, .dst = US1_IP, .proto = 1, .dstmac = US1, .srcmac = BMAC };
	feed(1, f.b, build_ip(&f, &s, m, build_icmp(m, 3, 4, 1300, r.b + 14, 28)));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(cmd, sizeof(cmd), "udp send --from 5000 --df 198.51.100.2:9 %.1350s", big);
	ck_assert_int_eq(ctl(cmd, &out), 1);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "udp 0.0.0.0:5000 rx 0 tx 1 "));
	ck_assert_uint_eq(ctr("UdpOutDatagrams"), 1);
	sbuf_free(&out);
}
END_TEST

Suite *parity_suite(void)
{
	Suite *s = suite_create("parity");
	TCase *tc = tcase_create("host");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_rst_tos_ecn_cleared_and_id_zero);
	tcase_add_test(tc, test_rst_echoes_options);
	tcase_add_test(tc, test_df_id_zero_unless_connected);
	tcase_add_test(tc, test_param_problem_echoes_earlier_rr);
	tcase_add_test(tc, test_bytes_after_eol_zeroed_in_quote);
	tcase_add_test(tc, test_arp_multicast_sender_answered_not_learned);
	tcase_add_test(tc, test_timestamp_reply_code_zero);
	tcase_add_test(tc, test_reasm_second_different_end);
	tcase_add_test(tc, test_reasm_hysteresis);
	suite_add_tcase(s, tc);
	TCase *rt = tcase_create("router");
	tcase_add_checked_fixture(rt, fx_router_setup, fx_teardown);
	tcase_add_test(rt, test_bytes_after_eol_zeroed_when_forwarded);
	tcase_add_test(rt, test_forwarded_tsandaddr_keeps_inbound_address);
	tcase_add_test(rt, test_no_route_limiter_burst_five);
	tcase_add_test(rt, test_no_route_limiter_shares_tokens);
	tcase_add_test(rt, test_no_redirect_to_offlink_source);
	tcase_add_test(rt, test_pmtu_ages_out_after_mtu_expires);
	tcase_add_test(rt, test_udp_refused_not_counted_sent);
	suite_add_tcase(s, rt);
	TCase *pg = tcase_create("ping");
	tcase_add_checked_fixture(pg, fx_setup, fx_teardown);
	tcase_add_test(pg, test_ping_unknown_option_and_values);
	tcase_add_test(pg, test_ping_linger_W);
	tcase_add_test(pg, test_ping_quiet);
	tcase_add_test(pg, test_ping_timestamps_D);
	tcase_add_test(pg, test_ping_outstanding_O);
	tcase_add_test(pg, test_ping_deadline_w);
	suite_add_tcase(s, pg);
	return s;
}
