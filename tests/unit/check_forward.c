/* tests/unit/check_forward.c — router mode (ICMP-SPEC §9), fragmentation, reassembly (§10), routes. */
#include <string.h>

#include "eth/neigh.h"
#include "eth/neigh_int.h"
#include "ip/route.h"
#include "stack/core.h"
#include "tests/unit/harness.h"

static const uint8_t ZERO[6];


static int ctl(const char *cmd)
{
	struct sbuf out = { 0 };
	int rc = stack_ctl(T, cmd, &out, NOW);
	sbuf_free(&out);
	return rc;
}

/* Router fixture: forwarding on, B known on tap1, GW0 known on tap0, 203.0.113.0/25 via B. */
static void rt_setup(void)
{
	fx_router_setup();
	ck_assert_int_eq(ctl("route add 203.0.113.0/25,via=198.51.100.2"), 0);
}

/* A datagram from PEER through us: proto 17 with dlen payload bytes (not a valid UDP header: IP only). */
static void fwd(uint32_t dst, int ttl, uint16_t frag, size_t dlen, const uint8_t *opt, size_t optlen)
{
	static struct frame f;
	static uint8_t pl[2000];
	for (size_t i = 0; i < dlen; i++)
		pl[i] = (uint8_t)(i * 13);
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 17, .ttl = (uint8_t)ttl, .ttl0 = ttl == 0,
			     .frag = frag, .id = 0x4242, .opt = opt, .optlen = optlen };
	feed(0, f.b, build_ip(&f, &s, pl, dlen));
}

static void expect_icmp_to_peer(struct frame *r, uint8_t type, uint8_t code)
{
	ck_assert_msg(tx_count() >= 1, "no ICMP %u/%u", type, code);
	ck_assert_uint_eq(tx_take(r), 0);
	ck_assert_mem_eq(r->b, PEERMAC, 6);
	ck_assert_uint_eq(r->b[14 + 9], 1);
	ck_assert_uint_eq(rd32(r->b + 14 + 16), PEER_IP);
	ck_assert_msg(r->b[34] == type && r->b[35] == code, "got ICMP %u/%u, want %u/%u", r->b[34], r->b[35], type, code);
	ck_assert_uint_eq(cksum(r->b + 34, rd16(r->b + 16) - 20), 0);
}

START_TEST(test_forward_basic)
{
	struct frame r;
	fwd(IP(203, 0, 113, 2), 64, 0, 100, NULL, 0);
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&r), 1);
	ck_assert_mem_eq(r.b, BMAC, 6);
	ck_assert_mem_eq(r.b + 6, US1, 6);
	const uint8_t *h = r.b + 14;
	ck_assert_uint_eq(h[8], 63);
	ck_assert_uint_eq(cksum(h, 20), 0);                  /* incremental update verified */
	ck_assert_uint_eq(rd32(h + 12), PEER_IP);
	ck_assert_uint_eq(rd32(h + 16), IP(203, 0, 113, 2));
	ck_assert_uint_eq(rd16(h + 4), 0x4242);
	ck_assert_uint_eq(ctr("IpForwDatagrams"), 1);
	ck_assert_uint_eq(ctr("IpInDelivers"), 0);
	/* on-link destination on the other side */
	fwd(B_IP, 2, 0, 10, NULL, 0);
	ck_assert_uint_eq(tx_take(&r), 1);
	ck_assert_uint_eq(r.b[14 + 8], 1);
}
END_TEST

START_TEST(test_forward_checksum_carry)
{
	/* A header whose checksum field is 0xfeff before the TTL moves: the carry must wrap. */
	struct frame r;
	for (unsigned id = 0; id < 3000; id++) {
		static struct frame f;
		uint8_t pl[4] = { 0 };
		struct ip_spec s = { .src = PEER_IP, .dst = B_IP, .proto = 17, .ttl = (uint8_t)(2 + id % 250), .id = (uint16_t)(id * 37) };
		feed(0, f.b, build_ip(&f, &s, pl, 4));
		tx_take(&r);
		ck_assert_uint_eq(cksum(r.b + 14, 20), 0);
	}
}
END_TEST

START_TEST(test_forwarding_off)
{
	set_knob("ip_forward", "0");
	fwd(IP(203, 0, 113, 2), 64, 0, 10, NULL, 0);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IpInAddrErrors"), 1);
	ck_assert_uint_eq(ctr("IcmpOutMsgs"), 0);
}
END_TEST

START_TEST(test_ttl_exceeded)
{
	struct frame r;
	fwd(IP(203, 0, 113, 2), 1, 0, 20, NULL, 0);
	expect_icmp_to_peer(&r, 11, 0);
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP);        /* the interface toward the source */
	ck_assert_uint_eq(r.b[42 + 8], 1);                   /* quoted before any decrement */
	ck_assert_uint_eq(ctr("IpInHdrErrors"), 1);
	ck_assert_uint_eq(ctr("IpForwDatagrams"), 0);
	fwd(IP(203, 0, 113, 2), 0, 0, 20, NULL, 0);
	expect_icmp_to_peer(&r, 11, 0);
	/* ICMP probes too (traceroute -I): an echo request with TTL 1. */
	struct frame q;
	uint8_t m[16];
	struct ip_spec s = { .src = PEER_IP, .dst = IP(203, 0, 113, 2), .proto = 1, .ttl = 1 };
	feed(0, q.b, build_ip(&q, &s, m, build_icmp(m, 8, 0, 1, NULL, 0)));
	expect_icmp_to_peer(&r, 11, 0);
	/* Local delivery accepts TTL 1 and 0. */
	s.dst = US_IP;
	s.ttl0 = true;
	feed(0, q.b, build_ip(&q, &s, m, build_icmp(m, 8, 0, 1, NULL, 0)));
	tx_take(&r);
	ck_assert_uint_eq(r.b[34], 0);
}
END_TEST

START_TEST(test_no_route_prohibit_blackhole)
{
	struct frame r;
	fwd(IP(203, 0, 113, 200), 64, 0, 10, NULL, 0);
	expect_icmp_to_peer(&r, 3, 0);
	ck_assert_uint_eq(ctr("IpInNoRoutes"), 1);
	/* No route beats TTL: Linux looks the route up on input. */
	fwd(IP(203, 0, 113, 200), 1, 0, 10, NULL, 0);
	expect_icmp_to_peer(&r, 3, 0);
	/* The routing error limiter and §7 share the peer's tokens: two errors emptied them. */
	advance(3000);
	ck_assert_int_eq(ctl("route add 203.0.113.192/26,prohibit"), 0);
	fwd(IP(203, 0, 113, 200), 64, 0, 10, NULL, 0);
	expect_icmp_to_peer(&r, 3, 13);
	ck_assert_uint_eq(ctr("IpForwProhibited"), 1);
	ck_assert_int_eq(ctl("route add 203.0.113.128/26,blackhole"), 0);
	fwd(IP(203, 0, 113, 130), 64, 0, 10, NULL, 0);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IpForwBlackholed"), 1);
	ck_assert_int_eq(ctl("route del 203.0.113.128/26"), 0);
	advance(3000);
	fwd(IP(203, 0, 113, 130), 64, 0, 10, NULL, 0);
	expect_icmp_to_peer(&r, 3, 0);
}
END_TEST

START_TEST(test_not_forwarded)
{
	/* L2 broadcast, loopback and multicast destinations never cross the router. */
	static struct frame f;
	uint8_t pl[8] = { 0 };
	struct ip_spec s = { .src = PEER_IP, .dst = IP(203, 0, 113, 2), .proto = 17, .dstmac = BCASTMAC };
	feed(0, f.b, build_ip(&f, &s, pl, 8));
	s.dstmac = NULL;
	s.dst = IP(127, 0, 0, 1);
	feed(0, f.b, build_ip(&f, &s, pl, 8));
	s.dst = IP(0, 1, 2, 3);
	feed(0, f.b, build_ip(&f, &s, pl, 8));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IpInAddrErrors"), 3);
}
END_TEST

/* A router whose tap1 has MTU 1400. */
static void rt1400_setup(void)
{
	struct stack_config cfg = { .pkb_count = 256, .seed = 7 };
	struct frame f;
	NOW = T0;
	T = stack_new(&cfg);
	stack_iface_add(T, "tap0", US0, 1500);
	stack_addr_add(T, 0, US_IP, 24);
	stack_iface_add(T, "tap1", US1, 1400);
	stack_addr_add(T, 1, US1_IP, 24);
	stack_knob_set(T, "net.ipv6.conf.all.disable_ipv6", "1");
	stack_iface_up(T, 0, NOW);
	stack_iface_up(T, 1, NOW);
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, PEERMAC, PEER_IP, ZERO, US_IP));
	feed(1, f.b, build_arp(&f, BCASTMAC, 1, BMAC, B_IP, ZERO, US1_IP));
	tx_clear();
	set_knob("ip_forward", "1");
}

START_TEST(test_frag_needed)
{
	struct frame r;
	fwd(B_IP, 64, 0x4000, 1480, NULL, 0);                /* 1500 bytes, DF, toward MTU 1400 */
	expect_icmp_to_peer(&r, 3, 4);
	ck_assert_uint_eq(rd16(r.b + 34 + 4), 0);
	ck_assert_uint_eq(rd16(r.b + 34 + 6), 1400);         /* the next-hop MTU, never 0 */
	ck_assert_uint_eq(r.b[42 + 8], 64);                  /* original TTL quoted */
	ck_assert_uint_eq(rd16(r.b + 16), 576);              /* quote capped at 576 in all */
	ck_assert_uint_eq(ctr("IpFragFails"), 1);
	ck_assert_uint_eq(ctr("IpForwDatagrams"), 1);
	/* DF-oversized with TTL 1: time exceeded first. */
	fwd(B_IP, 1, 0x4000, 1480, NULL, 0);
	expect_icmp_to_peer(&r, 11, 0);
	/* Exempt from rate limiting: 50 in a row all answered. */
	for (int i = 0; i < 50; i++)
		fwd(B_IP, 64, 0x4000, 1480, NULL, 0);
	ck_assert_uint_eq(tx_count(), 50);
}
END_TEST

START_TEST(test_fragmentation)
{
	struct frame a, b;
	/* RR (no copy bit) and router alert (copy bit) in a 1500-byte datagram toward MTU 1400. */
	const uint8_t opt[12] = { 7, 7, 4, 0, 0, 0, 0, 148, 4, 0, 0, 0 };
	fwd(B_IP, 64, 0, 1468, opt, 12);
	ck_assert_uint_eq(tx_count(), 2);
	tx_take(&a);
	tx_take(&b);
	const uint8_t *ha = a.b + 14, *hb = b.b + 14;
	ck_assert_uint_eq(ha[0], 0x48);
	ck_assert_uint_eq(hb[0], 0x48);                      /* same header length, NOPs in place */
	unsigned da = rd16(ha + 2) - 32, db = rd16(hb + 2) - 32;
	ck_assert_uint_eq(da % 8, 0);
	ck_assert_uint_le(rd16(ha + 2), 1400);
	ck_assert_uint_eq(da + db, 1468);
	ck_assert_uint_eq(rd16(ha + 6), 0x2000);             /* MF, offset 0 */
	ck_assert_uint_eq(rd16(hb + 6), da / 8);             /* last: no MF */
	ck_assert_uint_eq(cksum(ha, 32), 0);
	ck_assert_uint_eq(cksum(hb, 32), 0);
	ck_assert_uint_eq(ha[20], 7);                        /* RR in the first ... */
	ck_assert_uint_eq(rd32(ha + 23), US1_IP);            /* ... recording the outgoing address */
	ck_assert_mem_eq(hb + 20, ((const uint8_t[]){ 1, 1, 1, 1, 1, 1, 1 }), 7); /* ... NOPs after */
	ck_assert_uint_eq(hb[27], 148);                      /* router alert copied */
	for (unsigned i = 0; i < da; i++)
		ck_assert_uint_eq(ha[32 + i], (uint8_t)(i * 13));
	for (unsigned i = 0; i < db; i++)
		ck_assert_uint_eq(hb[32 + i], (uint8_t)((da + i) * 13));
	ck_assert_uint_eq(ctr("IpFragOKs"), 1);
	ck_assert_uint_eq(ctr("IpFragCreates"), 2);
}
END_TEST

START_TEST(test_host_unreachable_after_arp)
{
	struct frame r;
	ck_assert_int_eq(ctl("route add 203.0.113.0/26,via=198.51.100.77"), 0);
	for (int i = 0; i < 3; i++)
		fwd(IP(203, 0, 113, 9), 64, 0, 10, NULL, 0);
	tx_clear();                                          /* the ARP request */
	advance(2000);
	tx_clear();                                          /* retries */
	advance(1000);
	for (int i = 0; i < 3; i++) {                        /* one per queued datagram */
		expect_icmp_to_peer(&r, 3, 1);
		ck_assert_uint_eq(r.b[42 + 8], 63);              /* quoted after the decrement */
	}
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_redirect)
{
	struct frame r;
	ck_assert_int_eq(ctl("route add 203.0.113.64/26,via=192.0.2.9"), 0);
	fwd(IP(203, 0, 113, 70), 64, 0, 10, NULL, 0);
	ck_assert_uint_eq(tx_count(), 2);
	expect_icmp_to_peer(&r, 5, 1);
	ck_assert_uint_eq(rd32(r.b + 34 + 4), GW0);          /* the better first hop */
	ck_assert_uint_eq(r.b[42 + 8], 63);                  /* quoted after the decrement */
	tx_take(&r);                                         /* and the datagram still goes */
	ck_assert_mem_eq(r.b, GW0MAC, 6);
	/* Backoff: the next waits 40 ms, then 80 ms, ... */
	fwd(IP(203, 0, 113, 70), 64, 0, 10, NULL, 0);
	ck_assert_uint_eq(tx_count(), 1);
	tx_clear();
	/* Under steady traffic: 9 redirects (at 0, 40, 120, ... 10200 ms), then none until 20.48 s
	 * after the last one sent. */
	unsigned sent = 1;
	for (int ms = 0; ms < 30600; ms += 2) {
		stack_poll(T, NOW += 2);
		fwd(IP(203, 0, 113, 70), 64, 0, 10, NULL, 0);
		sent += tx_count() - 1;
		tx_clear();
	}
	ck_assert_uint_eq(sent, 9);
	for (int ms = 0; ms < 200; ms += 2) {
		stack_poll(T, NOW += 2);
		fwd(IP(203, 0, 113, 70), 64, 0, 10, NULL, 0);
		sent += tx_count() - 1;
		tx_clear();
	}
	ck_assert_uint_eq(sent, 11);                         /* silence over: 0 ms and +40 ms again */
	/* Leaving by another interface than it came in on: no redirect, even from a source that is
	 * on-link on the way out. */
	static struct frame f;
	uint8_t pl[8] = { 0 };
	struct ip_spec s = { .src = IP(192, 0, 2, 50), .dst = IP(192, 0, 2, 9), .proto = 17, .dstmac = US1, .srcmac = BMAC };
	feed(1, f.b, build_ip(&f, &s, pl, 8));
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_uint_eq(r.b[14 + 9], 17);
	set_knob("send_redirects", "0");
	advance(30000);
	fwd(IP(203, 0, 113, 70), 64, 0, 10, NULL, 0);
	ck_assert_uint_eq(tx_count(), 1);
}
END_TEST

/* ---- source routes (accept_source_route=1) ---- */

static void srr_probe(uint8_t type, uint32_t dst, const uint8_t *route, size_t naddr, uint8_t ptr, uint8_t icmp_type)
{
	static struct frame f;
	uint8_t opt[40] = { 1, type, (uint8_t)(3 + 4 * naddr), ptr };
	memcpy(opt + 4, route, 4 * naddr);
	size_t optlen = (4 + 4 * naddr + 3) & ~3u;
	uint8_t m[16];
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 1, .opt = opt, .optlen = optlen, .id = 99 };
	feed(0, f.b, build_ip(&f, &s, m, build_icmp(m, icmp_type, 0, 0x00010001, NULL, 0)));
}

START_TEST(test_source_route_hop)
{
	struct frame r;
	set_knob("accept_source_route", "1");
	const uint8_t route[4] = { 203, 0, 113, 2 };
	srr_probe(131, US_IP, route, 1, 4, 8);                /* LSRR: we are the first hop */
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&r), 1);
	const uint8_t *h = r.b + 14;
	ck_assert_uint_eq(rd32(h + 16), IP(203, 0, 113, 2));  /* the next address is the destination */
	ck_assert_uint_eq(h[21], 131);
	ck_assert_uint_eq(h[23], 8);                          /* pointer moved on */
	ck_assert_uint_eq(rd32(h + 24), US1_IP);              /* our outgoing address recorded */
	ck_assert_uint_eq(h[8], 63);
	ck_assert_uint_eq(cksum(h, 28), 0);
	/* Strict, but the next hop is behind a gateway: 3/5. */
	srr_probe(137, US_IP, route, 1, 4, 8);
	expect_icmp_to_peer(&r, 3, 5);
	ck_assert_uint_eq(ctr("IpForwSrcRouteFailed"), 1);
	/* Strict with an on-link next hop: forwarded. */
	const uint8_t onlink[4] = { 198, 51, 100, 2 };
	srr_probe(137, US_IP, onlink, 1, 4, 8);
	ck_assert_uint_eq(tx_take(&r), 1);
	ck_assert_uint_eq(rd32(r.b + 14 + 16), B_IP);
	/* Strict, addressed to someone else: parameter problem at the destination field. */
	srr_probe(137, IP(203, 0, 113, 9), route, 1, 4, 8);
	expect_icmp_to_peer(&r, 12, 0);
	ck_assert_uint_eq(r.b[34 + 4], 16);
	/* Loose, addressed to someone else: travels on untouched. */
	srr_probe(131, IP(203, 0, 113, 9), route, 1, 4, 8);
	ck_assert_uint_eq(tx_take(&r), 1);
	ck_assert_uint_eq(rd32(r.b + 14 + 16), IP(203, 0, 113, 9));
	ck_assert_uint_eq(r.b[14 + 23], 4);
	/* Our own other address on the route is passed over. */
	const uint8_t twice[8] = { 198, 51, 100, 1, 203, 0, 113, 2 };
	srr_probe(131, US_IP, twice, 2, 4, 8);
	ck_assert_uint_eq(tx_take(&r), 1);
	ck_assert_uint_eq(rd32(r.b + 14 + 16), IP(203, 0, 113, 2));
	ck_assert_uint_eq(r.b[14 + 23], 12);
	ck_assert_uint_eq(rd32(r.b + 14 + 28), US1_IP);
}
END_TEST

START_TEST(test_source_route_reply_reversed)
{
	struct frame f, r;
	const uint8_t H8[6] = { 0x02, 0, 0, 0, 8, 8 };
	set_knob("accept_source_route", "1");
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, H8, IP(192, 0, 2, 8), ZERO, US_IP));
	tx_clear();
	/* It came by 192.0.2.9 then 192.0.2.8 (both recorded), and the route is done: ours. */
	const uint8_t route[8] = { 192, 0, 2, 9, 192, 0, 2, 8 };
	srr_probe(131, US_IP, route, 2, 12, 8);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	const uint8_t *h = r.b + 14;
	ck_assert_mem_eq(r.b, H8, 6);                          /* to the last hop ... */
	ck_assert_uint_eq(rd32(h + 16), IP(192, 0, 2, 8));
	ck_assert_uint_eq(h[20], 131);                        /* ... back along the route ... */
	ck_assert_uint_eq(h[21], 11);
	ck_assert_uint_eq(h[22], 4);
	ck_assert_uint_eq(rd32(h + 23), IP(192, 0, 2, 9));
	ck_assert_uint_eq(rd32(h + 27), PEER_IP);             /* ... to the sender */
	ck_assert_uint_eq(cksum(h, (h[0] & 15u) * 4), 0);
	ck_assert_uint_eq(h[(h[0] & 15u) * 4], 0);            /* an echo reply */
}
END_TEST

/* ---- reassembly ---- */

static uint8_t echo_dgram[6000];
static size_t echo_len;

/* An echo request datagram (IP header + ICMP) of total length tot from PEER to US. */
static void make_echo(size_t tot)
{
	static struct frame f;
	static uint8_t m[6000], d[6000];
	for (size_t i = 0; i < tot; i++)
		d[i] = (uint8_t)(i ^ 0x5a);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 0x777 };
	build_ip(&f, &s, m, build_icmp(m, 8, 0, 0x00090001, d, tot - 28));
	memcpy(echo_dgram, f.b + 14, f.len - 14);
	echo_len = f.len - 14;
}

/* Feeds the bytes [off, off+len) of the echo datagram's payload as one fragment. */
static void frag(size_t off, size_t len, int more)
{
	static struct frame f;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 0x777,
			     .frag = (uint16_t)((more ? 0x2000 : 0) | off / 8) };
	feed(0, f.b, build_ip(&f, &s, echo_dgram + 20 + off, len));
}

/* Collects the reply's fragments and checks they carry the request's data back. */
static void expect_reply(size_t tot)
{
	static uint8_t whole[6000];
	struct frame r;
	size_t got = 0;
	unsigned n = tx_count();
	ck_assert_uint_ge(n, 1);
	while (tx_count()) {
		tx_take(&r);
		const uint8_t *h = r.b + 14;
		ck_assert_uint_eq(cksum(h, 20), 0);
		size_t off = (rd16(h + 6) & 0x1fff) * 8u, len = rd16(h + 2) - 20u;
		ck_assert_uint_le(rd16(h + 2), 1500);
		memcpy(whole + off, h + 20, len);
		got += len;
	}
	ck_assert_uint_eq(got, tot - 20);
	ck_assert_uint_eq(whole[0], 0);                      /* echo reply */
	ck_assert_uint_eq(cksum(whole, got), 0);
	ck_assert_mem_eq(whole + 8, echo_dgram + 28, tot - 28);
}

START_TEST(test_reasm_in_order_and_reply_fragmented)
{
	make_echo(4028);
	frag(0, 1480, 1);
	frag(1480, 1480, 1);
	ck_assert_uint_eq(tx_count(), 0);
	frag(2960, 4008 - 2960, 0);
	ck_assert_uint_eq(tx_count(), 3);                    /* 1500 + 1500 + 1068 */
	expect_reply(4028);
	ck_assert_uint_eq(ctr("IpReasmReqds"), 3);
	ck_assert_uint_eq(ctr("IpReasmOKs"), 1);
	ck_assert_uint_eq(ctr("IpFragCreates"), 3);
	ck_assert_uint_eq(ctr("IcmpMsgOutType0"), 1);
}
END_TEST

START_TEST(test_reasm_out_of_order_with_duplicate)
{
	make_echo(3080);
	frag(2960, 3060 - 2960, 0);
	frag(1480, 1480, 1);
	frag(1480, 1480, 1);                                 /* exact duplicate */
	frag(1488, 800, 1);                                  /* wholly inside: dropped, kept going */
	frag(0, 1480, 1);
	expect_reply(3080);
	ck_assert_uint_eq(ctr("IpReasmOverlaps"), 0);
}
END_TEST

START_TEST(test_reasm_dup_across_runs)
{
	make_echo(1028);
	frag(0, 504, 1);
	frag(504, 496, 1);
	frag(256, 512, 1);                                   /* spans two held pieces of one run */
	frag(1000, 8, 0);
	expect_reply(1028);
}
END_TEST

START_TEST(test_reasm_overlap_discards)
{
	make_echo(1028);
	frag(0, 512, 1);
	frag(504, 504, 0);                                   /* starts inside held data, goes past */
	ck_assert_uint_eq(ctr("IpReasmOverlaps"), 1);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);
	frag(512, 496, 0);                                   /* the real rest comes: too late */
	ck_assert_uint_eq(tx_count(), 0);
	advance(30000);
	tx_clear();
}
END_TEST

START_TEST(test_reasm_head_with_options_first)
{
	/* RFC 791: later fragments may drop options without the copy bit; the whole datagram has the
	 * first fragment's longer header, wherever the last fragment came in. */
	static struct frame f, r;
	make_echo(1028);
	const uint8_t rr[8] = { 7, 7, 4, 0, 0, 0, 0, 0 };
	struct ip_spec head = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 0x777, .frag = 0x2000, .opt = rr, .optlen = 8 };
	feed(0, f.b, build_ip(&f, &head, echo_dgram + 20, 504));
	frag(504, 504, 0);
	ck_assert_uint_ge(tx_count(), 1);
	tx_take(&r);
	ck_assert_uint_eq(r.b[14] & 15, 7);                  /* the reply echoes the RR ... */
	ck_assert_uint_eq(r.b[14 + 28], 0);                  /* ... and is an echo reply */
	tx_clear();
	ck_assert_uint_eq(ctr("IcmpInCsumErrors"), 0);
}
END_TEST

static void other_datagram_fragments(unsigned n)
{
	static struct frame f;
	uint8_t pl[64] = { 0 };
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 0x999, .frag = 0x2000 | 100 };
	for (unsigned i = 0; i < n; i++)
		feed(0, f.b, build_ip(&f, &s, pl, 64));
}

START_TEST(test_reasm_max_dist)
{
	make_echo(1028);
	frag(0, 504, 1);
	other_datagram_fragments(63);                        /* 64 apart: still fine */
	frag(504, 504, 0);
	expect_reply(1028);
	frag(0, 504, 1);
	other_datagram_fragments(65);                        /* 66 apart: the queue starts again */
	frag(504, 504, 0);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);
	set_knob("ipfrag_max_dist", "0");                    /* off */
	frag(0, 504, 1);
	other_datagram_fragments(200);
	frag(504, 504, 0);
	ck_assert_uint_eq(tx_count(), 1);
	tx_clear();
	advance(30000);
	tx_clear();
}
END_TEST

START_TEST(test_reasm_timeout)
{
	struct frame r;
	make_echo(2028);
	frag(0, 1480, 1);
	advance(29999);
	ck_assert_uint_eq(tx_count(), 0);
	advance(1);
	expect_icmp_to_peer(&r, 11, 1);
	ck_assert_uint_eq(rd16(r.b + 42 + 4), 0x777);        /* quotes the first fragment */
	ck_assert_uint_eq(rd16(r.b + 42 + 6), 0x2000);
	ck_assert_uint_eq(rd16(r.b + 16), 576);
	ck_assert_uint_eq(ctr("IpReasmTimeout"), 1);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
	/* Without the first fragment: the queue times out silently. */
	frag(1480, 1480, 1);
	advance(30000);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IpReasmTimeout"), 2);
}
END_TEST

START_TEST(test_reasm_timer_not_extended)
{
	make_echo(3080);
	frag(0, 1480, 1);
	advance(20000);
	frag(1480, 1480, 1);                                 /* a later fragment does not extend it */
	advance(10000);
	ck_assert_uint_eq(ctr("IpReasmTimeout"), 1);
	tx_clear();
	ck_assert_uint_eq(stack_next_deadline(T) > NOW, 1);
}
END_TEST

START_TEST(test_reasm_knob_time)
{
	set_knob("ipfrag_time", "2");
	make_echo(2028);
	frag(0, 1480, 1);
	advance(2000);
	ck_assert_uint_eq(ctr("IpReasmTimeout"), 1);
	tx_clear();
}
END_TEST

/* Fragments of one datagram ending at 65544 bytes of payload: 20 + 65544 > 65535. */
static void ping_of_death(int reverse)
{
	static struct frame f;
	static uint8_t pl[1480];
	size_t offs[48], lens[48], n = 0;
	for (size_t off = 0; off <= 63640; off += 1480)
		offs[n] = off, lens[n++] = 1480;
	offs[n] = 65120, lens[n++] = 408;
	offs[n] = 65528, lens[n++] = 16;
	for (size_t k = 0; k < n; k++) {
		size_t i = reverse ? n - 1 - k : k;
		struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 9,
				     .frag = (uint16_t)((i + 1 < n ? 0x2000 : 0) | offs[i] / 8) };
		feed(0, f.b, build_ip(&f, &s, pl, lens[i]));
	}
}

START_TEST(test_reasm_ping_of_death)
{
	/* Discarded once, when complete (as Linux), in either order; nothing answered, no 11/1 later. */
	ping_of_death(0);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);
	ping_of_death(1);
	ck_assert_uint_eq(ctr("IpReasmFails"), 2);
	ck_assert_uint_eq(ctr("IpReasmOKs"), 0);
	advance(30000);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IpReasmTimeout"), 0);
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
}
END_TEST

START_TEST(test_reasm_odd_and_empty)
{
	make_echo(1028);
	frag(0, 500, 1);                                     /* not a multiple of 8: trimmed to 496 */
	frag(496, 1008 - 496, 0);
	expect_reply(1028);
	/* A zero-length fragment discards its queue. */
	frag(0, 0, 1);
	ck_assert_uint_eq(ctr("IpReasmFails"), 1);
	/* A second, different end discards the queue. */
	frag(0, 504, 1);
	frag(504, 504, 0);
	ck_assert_uint_eq(tx_count(), 1);
	tx_clear();
	frag(504, 496, 0);
	frag(512, 496, 0);
	ck_assert_uint_eq(ctr("IpReasmFails"), 2);
	frag(0, 504, 1);                                     /* starts a fresh queue ... */
	advance(30000);                                      /* ... that times out */
	tx_clear();
}
END_TEST

START_TEST(test_reasm_memory_bound)
{
	static struct frame f;
	uint8_t pl[64] = { 0 };
	set_knob("ipfrag_high_thresh", "20000");
	set_knob("ipfrag_low_thresh", "10000");
	/* First fragments of distinct datagrams until refused. */
	unsigned held = 0;
	for (uint16_t id = 1; id <= 40; id++) {
		struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = id, .frag = 0x2000 };
		feed(0, f.b, build_ip(&f, &s, pl, 64));
	}
	held = stack_pkb_in_use(T);
	ck_assert_uint_lt(held, 40);
	ck_assert_uint_ge(ctr("IpReasmFails"), 40 - held);
	ck_assert_uint_ge(held * 2000, 20000);               /* it held up to the high mark */
	advance(30000);                                      /* all time out: memory is back */
	tx_clear();
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 999, .frag = 0x2000 };
	feed(0, f.b, build_ip(&f, &s, pl, 64));
	ck_assert_uint_eq(stack_pkb_in_use(T), 1);           /* accepted again */
	advance(30000);
	tx_clear();
}
END_TEST

START_TEST(test_large_echo_65507)
{
	/* The largest echo: 65535 bytes reassembled from 45 fragments, answered in 45. */
	static uint8_t dg[65535];
	static struct frame f;
	for (size_t i = 0; i < sizeof(dg); i++)
		dg[i] = (uint8_t)i;
	static uint8_t m[65535];
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .id = 5 };
	size_t n = build_icmp(m, 8, 0, 0x00010001, dg, 65507);
	for (size_t off = 0; off < n; off += 1480) {
		size_t len = n - off < 1480 ? n - off : 1480;
		s.frag = (uint16_t)((off + len < n ? 0x2000 : 0) | off / 8);
		feed(0, f.b, build_ip(&f, &s, m + off, len));
	}
	ck_assert_uint_eq(ctr("IpReasmOKs"), 1);
	ck_assert_uint_eq(tx_count(), 45);
	ck_assert_uint_eq(ctr("IpFragCreates"), 45);
	tx_clear();
}
END_TEST

START_TEST(test_route_commands)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(stack_ctl(T, "route", &out, NOW), 0);
	ck_assert_str_eq(sbuf_str(&out), "192.0.2.0/24 dev tap0 scope link src 192.0.2.2\n"
					 "198.51.100.0/24 dev tap1 scope link src 198.51.100.1\n"
					 "203.0.113.0/25 via 198.51.100.2 dev tap1\n");
	ck_assert_int_eq(ctl("route add default,via=192.0.2.1"), 0);
	ck_assert_int_eq(ctl("route add 203.0.113.0/25,via=198.51.100.2"), 1); /* exists */
	ck_assert_int_eq(ctl("route add 203.0.113.1/25,prohibit"), 2);         /* host bits */
	ck_assert_int_eq(ctl("route add 203.0.113.128/25,via=203.0.113.1"), 2); /* not on-link */
	ck_assert_int_eq(ctl("route add 203.0.113.128/25,via=192.0.2.2"), 2);  /* ourselves */
	ck_assert_int_eq(ctl("route add 203.0.113.128/33,blackhole"), 2);
	ck_assert_int_eq(ctl("route add 203.0.113.128/25,frob"), 2);
	ck_assert_int_eq(ctl("route del 192.0.2.0/24"), 1);                    /* connected */
	ck_assert_int_eq(ctl("route del 203.0.113.128/25"), 1);                /* none */
	ck_assert_int_eq(ctl("route del default"), 0);
	ck_assert_int_eq(ctl("route frob"), 2);
	sbuf_free(&out);
}
END_TEST

/* Security review (issue 11): evicting a neighbour whose queue holds forwarded datagrams sends 3/1
 * to their sources, which may need a new neighbour entry while the table is still full. The
 * eviction must not re-enter itself: afterwards the pending count, the table's used count and the
 * buffers held agree with the entries, and a new neighbour's first packet is queued. */
static void arp_tables_agree(void)
{
	unsigned used = 0, queued = 0;
	for (unsigned i = 0; i < NEIGH_SIZE; i++) {
		const struct neigh_entry *e = &T->neigh->e[i];
		if (e->state == NEIGH_FREE) {
			ck_assert_uint_eq(e->q.len, 0);
			continue;
		}
		used++;
		queued += e->q.len;
	}
	ck_assert_uint_eq(T->neigh->used, used);
	ck_assert_uint_eq(T->neigh->pending, queued);
	tx_clear();
	ck_assert_uint_eq(stack_pkb_in_use(T), queued);
}

START_TEST(test_arp_eviction_not_reentrant)
{
	static struct frame f;
	static const uint8_t pl[8] = { 0 };
	set_knob("icmp_ratemask", "0");
	/* 252 silent hosts on tap1, each with two datagrams from its own spoofed source on tap0 ... */
	for (unsigned i = 0; i < 252; i++) {
		for (int k = 0; k < 2; k++) {
			struct ip_spec s = { .src = IP(192, 0, 2, 3 + i % 250), .dst = IP(198, 51, 100, 3 + i), .proto = 17 };
			feed(0, f.b, build_ip(&f, &s, pl, sizeof(pl)));
		}
		NOW++;
		tx_clear();
	}
	arp_tables_agree();
	/* ... then more silent hosts on tap0 (from B): every one evicts an entry with a queue. */
	for (unsigned i = 0; i < 40; i++) {
		struct ip_spec s = { .src = B_IP, .dst = IP(192, 0, 2, 200 + i), .proto = 17, .srcmac = BMAC, .dstmac = US1 };
		feed(1, f.b, build_ip(&f, &s, pl, sizeof(pl)));
		NOW++;
		arp_tables_agree();
	}
	ck_assert_uint_gt(ctr("ArpCacheEvictions"), 0);
	ck_assert_uint_gt(ctr("IcmpOutDestUnreachs"), 0);
	/* A fresh neighbour's first packet waits for ARP instead of being dropped. */
	struct ip_spec s = { .src = PEER_IP, .dst = IP(198, 51, 100, 254), .proto = 17 };
	advance(5000); /* every resolution fails and is freed; their 3/1s to the spoofed sources ... */
	advance(5000); /* ... fail in turn */
	arp_tables_agree();
	ck_assert_uint_eq(T->neigh->pending, 0);
	uint64_t qdrops = ctr("ArpQueueDrops");
	feed(0, f.b, build_ip(&f, &s, pl, sizeof(pl)));
	ck_assert_uint_eq(ctr("ArpQueueDrops"), qdrops);
	ck_assert_uint_eq(T->neigh->pending, 1);
	arp_tables_agree();
}
END_TEST

/* Issue 13: an error the builder does not send is counted under its rule (tapstackctl drops). */
START_TEST(test_errors_not_sent_are_named)
{
	static struct frame f;
	uint8_t body[64];
	/* R5.4: TTL 1, not the first fragment: no 11/0. */
	fwd(IP(203, 0, 113, 2), 1, 0x0004, 16, NULL, 0);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IcmpErrNotSentFragment"), 1);
	/* R5.5: TTL 1, an ICMP error itself: no 11/0 about it. */
	uint8_t quote[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 203, 0, 113, 2, 192, 0, 2, 1 };
	size_t n = build_icmp(body, 3, 3, 0, quote, sizeof(quote));
	struct ip_spec s = { .src = PEER_IP, .dst = IP(203, 0, 113, 2), .proto = 1, .ttl = 1 };
	feed(0, f.b, build_ip(&f, &s, body, n));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IcmpErrNotSentAboutError"), 1);
	/* R5.2: to our unicast address inside a link-layer broadcast, unknown protocol: no 3/2. */
	struct ip_spec b = { .src = PEER_IP, .dst = US_IP, .proto = 99, .dstmac = BCASTMAC };
	feed(0, f.b, build_ip(&f, &b, body, 8));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IcmpErrNotSentL2Bcast"), 1);
	/* The same without the broadcast frame is answered: the counters name only what was held back. */
	b.dstmac = NULL;
	feed(0, f.b, build_ip(&f, &b, body, 8));
	ck_assert_uint_eq(tx_count(), 1);
	tx_clear();
	ck_assert_uint_eq(ctr("IcmpErrNotSentL2Bcast"), 1);
}
END_TEST

Suite *forward_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = tcase_create("forward");
	tcase_add_checked_fixture(tc, rt_setup, fx_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_forward_basic);
	tcase_add_test(tc, test_forward_checksum_carry);
	tcase_add_test(tc, test_forwarding_off);
	tcase_add_test(tc, test_ttl_exceeded);
	tcase_add_test(tc, test_no_route_prohibit_blackhole);
	tcase_add_test(tc, test_not_forwarded);
	tcase_add_test(tc, test_host_unreachable_after_arp);
	tcase_add_test(tc, test_redirect);
	tcase_add_test(tc, test_route_commands);
	tcase_add_test(tc, test_arp_eviction_not_reentrant);
	tcase_add_test(tc, test_errors_not_sent_are_named);
	tcase_add_test(tc, test_source_route_hop);
	tcase_add_test(tc, test_source_route_reply_reversed);
	suite_add_tcase(s, tc);
	TCase *mtu = tcase_create("mtu");
	tcase_add_checked_fixture(mtu, rt1400_setup, fx_teardown);
	tcase_add_test(mtu, test_frag_needed);
	tcase_add_test(mtu, test_fragmentation);
	suite_add_tcase(s, mtu);
	TCase *re = tcase_create("reassembly");
	tcase_add_checked_fixture(re, fx_setup, fx_teardown);
	tcase_set_timeout(re, 30);
	tcase_add_test(re, test_reasm_in_order_and_reply_fragmented);
	tcase_add_test(re, test_reasm_out_of_order_with_duplicate);
	tcase_add_test(re, test_reasm_dup_across_runs);
	tcase_add_test(re, test_reasm_overlap_discards);
	tcase_add_test(re, test_reasm_head_with_options_first);
	tcase_add_test(re, test_reasm_max_dist);
	tcase_add_test(re, test_reasm_timeout);
	tcase_add_test(re, test_reasm_timer_not_extended);
	tcase_add_test(re, test_reasm_knob_time);
	tcase_add_test(re, test_reasm_ping_of_death);
	tcase_add_test(re, test_reasm_odd_and_empty);
	tcase_add_test(re, test_reasm_memory_bound);
	tcase_add_test(re, test_large_echo_65507);
	suite_add_tcase(s, re);
	return s;
}
