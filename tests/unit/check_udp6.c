/* tests/unit/check_udp6.c — the upper layers over IPv6 (issue 14 item 6): UDP input and output,
 * the built-in services on both families, received ICMPv6 errors on the UDP stubs (V10.2-V10.4),
 * the TCP reset stub, and ping over IPv6 with iputils' lines. Frames are built by hand. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eth/neigh.h"
#include "ip/ip6.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/udp.h"
#include "tests/unit/harness.h"

/* tap0 gets 2001:db8:1::2/64; the peer 2001:db8:1::1 (PEERMAC) is in the neighbour cache;
 * RTR6 is some router on the link that reports errors. */
static const uint8_t US6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t PEER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t RTR6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
static const uint8_t LL_PEER[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t ALLNODES[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t MC_ALLNODES_MAC[6] = { 0x33, 0x33, 0, 0, 0, 1 };

#define ETH 14
#define IP6H 40

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* The upper-layer checksum over the IPv6 pseudo-header (RFC 8200 8.1). */
static uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *data, size_t len)
{
	static uint8_t ph[70000];
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	put32(ph + 32, (uint32_t)len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	memcpy(ph + 40, data, len);
	return cksum(ph, 40 + len);
}

/* Ethernet (to dstmac, NULL: US0, from PEERMAC) + IPv6 header + payload. */
static size_t build6(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t nxt, uint8_t hlim, uint8_t tclass,
		     const uint8_t *pl, size_t len, const uint8_t *dstmac)
{
	uint8_t *e = f->b, *h = f->b + ETH;
	memcpy(e, dstmac ? dstmac : US0, 6);
	memcpy(e + 6, PEERMAC, 6);
	put16(e + 12, 0x86dd);
	put32(h, 6u << 28 | (uint32_t)tclass << 20);
	put16(h + 4, (uint16_t)len);
	h[6] = nxt;
	h[7] = hlim;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	memcpy(h + IP6H, pl, len);
	f->len = ETH + IP6H + len;
	return f->len;
}

enum { CS_OK, CS_ZERO, CS_BAD };

/* A UDP datagram from src:sport to dst:dport carrying text, its checksum as asked. */
static size_t build_udp6(struct frame *f, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
			 const char *text, int cs, const uint8_t *dstmac)
{
	uint8_t u[1500];
	size_t n = strlen(text);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + n));
	put16(u + 6, 0);
	memcpy(u + 8, text, n);
	uint16_t c = csum6(src, dst, 17, u, 8 + n);
	put16(u + 6, cs == CS_ZERO ? 0 : cs == CS_BAD ? (uint16_t)(c ^ 0x0101) : c ? c : 0xffff);
	return build6(f, src, dst, 17, 64, 0, u, 8 + n, dstmac);
}

static void send_udp6(uint16_t sport, uint16_t dport, const char *text, int cs)
{
	struct frame f;
	feed(0, f.b, build_udp6(&f, PEER6, US6, sport, dport, text, cs, NULL));
}

/* An ICMPv6 message from src to dst: type, code, the second word, then data; checksum set. */
static size_t build_icmp6(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code,
			  uint32_t word2, const uint8_t *data, size_t dlen, uint8_t hlim)
{
	static uint8_t m[2000];
	m[0] = type;
	m[1] = code;
	put16(m + 2, 0);
	put32(m + 4, word2);
	memcpy(m + 8, data, dlen);
	put16(m + 2, csum6(src, dst, 58, m, 8 + dlen));
	return build6(f, src, dst, 58, hlim, 0, m, 8 + dlen, NULL);
}

/* Pops frames until an IPv6 one with next header nxt (and, for ICMPv6, the given type); skips the
 * stack's own Neighbor Discovery and MLD chatter. Asserts there is one. */
static void take6(struct frame *f, uint8_t nxt, int icmp_type)
{
	while (tx_count()) {
		tx_take(f);
		if (rd16(f->b + 12) == 0x86dd && f->b[ETH + 6] == nxt && (icmp_type < 0 || f->b[ETH + IP6H] == icmp_type))
			return;
	}
	ck_abort_msg("no IPv6 frame with next header %u (type %d) was sent", nxt, icmp_type);
}

/* True when a frame like that is waiting (the queue is emptied). */
static bool sent6(uint8_t nxt, int icmp_type)
{
	struct frame f;
	bool found = false;
	while (tx_count()) {
		tx_take(&f);
		if (rd16(f.b + 12) == 0x86dd && f.b[ETH + 6] == nxt && (icmp_type < 0 || f.b[ETH + IP6H] == icmp_type))
			found = true;
	}
	return found;
}

static int ctl(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

/* The peer (PEERMAC) at fe80::1 on ifindex asks for our link-local address there: we learn it. */
static void learn_ll_peer(unsigned ifindex, const uint8_t *ourmac)
{
	struct frame f;
	uint8_t ns[32] = { 135 }, target[16];
	ip6_linklocal_from_mac(ourmac, target);
	memcpy(ns + 8, target, 16);
	ns[24] = 1; /* source link-layer address option */
	ns[25] = 1;
	memcpy(ns + 26, PEERMAC, 6);
	put16(ns + 2, csum6(LL_PEER, target, 58, ns, 32));
	feed(ifindex, f.b, build6(&f, LL_PEER, target, 58, 255, 0, ns, 32, ourmac));
	ck_assert_ptr_nonnull(neigh_lookup(T, NEIGH_INET6, ifindex, LL_PEER, 16));
}

static void setup6(void)
{
	struct frame f;
	uint8_t ns[32];
	FX_IPV6 = true;
	fx_setup();
	set_knob("net.ipv6.conf.all.router_solicitations", "0");
	ck_assert_int_eq(stack_addr6_add(T, 0, US6, 64), 0);
	advance(3000); /* DAD of the link-local and the global address */
	ck_assert(ip6_is_local(T, US6));
	/* The peer asks for us (its global and its link-local address): we learn both. */
	memset(ns, 0, sizeof(ns));
	ns[0] = 135;
	memcpy(ns + 8, US6, 16);
	ns[24] = 1; /* source link-layer address option */
	ns[25] = 1;
	memcpy(ns + 26, PEERMAC, 6);
	put16(ns + 2, csum6(PEER6, US6, 58, ns, 32));
	feed(0, f.b, build6(&f, PEER6, US6, 58, 255, 0, ns, 32, NULL));
	ck_assert_ptr_nonnull(neigh_lookup(T, NEIGH_INET6, 0, PEER6, 16));
	learn_ll_peer(0, US0);
	tx_clear();
}

static void teardown6(void)
{
	fx_teardown();
	FX_IPV6 = false;
}

/* --- UDP input (ICMP6-SPEC §4's 1/4 row) --- */

/* 1/4 only once the checksum verifies; a bad checksum is silent (Udp6InCsumErrors + Udp6InErrors). */
START_TEST(test_udp6_port_unreachable_after_checksum)
{
	struct frame f;
	send_udp6(1234, 4444, "bad sum", CS_BAD);
	ck_assert(!sent6(58, 1));
	ck_assert_uint_eq(ctr("Udp6InCsumErrors"), 1);
	ck_assert_uint_eq(ctr("Udp6InErrors"), 1);
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 0);

	struct frame q;
	build_udp6(&q, PEER6, US6, 1234, 4444, "closed", CS_OK, NULL);
	feed(0, q.b, q.len);
	take6(&f, 58, 1);
	const uint8_t *h = f.b + ETH, *m = h + IP6H;
	ck_assert_uint_eq(m[1], 4);                                /* port unreachable */
	ck_assert_mem_eq(h + 8, US6, 16);                          /* from the offender's destination */
	ck_assert_mem_eq(h + 24, PEER6, 16);
	ck_assert_uint_eq(rd16(h + 4), 8 + q.len - ETH);           /* the whole offender quoted */
	ck_assert_mem_eq(m + 8, q.b + ETH, q.len - ETH);
	ck_assert_uint_eq(csum6(h + 8, h + 24, 58, m, rd16(h + 4)), 0);
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 1);
	ck_assert_uint_eq(ctr("Udp6InErrors"), 1);
	ck_assert_uint_eq(ctr("UdpNoPorts"), 0);                   /* the IPv4 counters stay apart */
}
END_TEST

/* RFC 8200 8.1: a zero UDP checksum over IPv6 is invalid: silent, counted as a checksum error. */
START_TEST(test_udp6_zero_checksum_invalid)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind [2001:db8:1::2]:5000", &out), 0);
	send_udp6(1234, 5000, "no sum", CS_ZERO);
	send_udp6(1234, 4444, "no sum", CS_ZERO);
	ck_assert(!sent6(58, 1));
	ck_assert_uint_eq(ctr("Udp6InCsumErrors"), 2);
	ck_assert_uint_eq(ctr("Udp6InErrors"), 2);
	ck_assert_uint_eq(ctr("Udp6InDatagrams"), 0);
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 0);
	sbuf_free(&out);
}
END_TEST

/* UDP length past the payload or below 8: Udp6InErrors, no error sent. */
START_TEST(test_udp6_bad_lengths)
{
	struct frame f;
	for (unsigned i = 0; i < 2; i++) {
		build_udp6(&f, PEER6, US6, 1234, 4444, "length", CS_OK, NULL);
		put16(f.b + ETH + IP6H + 4, i == 0 ? 15 : 7); /* one past the 14 bytes; below the header */
		feed(0, f.b, f.len);
	}
	ck_assert(!sent6(58, 1));
	ck_assert_uint_eq(ctr("Udp6InErrors"), 2);
	ck_assert_uint_eq(ctr("Udp6InCsumErrors"), 0);
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 0);
}
END_TEST

/* A group destination without a socket: Udp6IgnoredMulti, never an error; a unicast datagram
 * that came in an L2 multicast frame: Udp6NoPorts but no error (V4.2). */
START_TEST(test_udp6_multicast_no_error)
{
	struct frame f;
	feed(0, f.b, build_udp6(&f, PEER6, ALLNODES, 1234, 4444, "group", CS_OK, MC_ALLNODES_MAC));
	ck_assert_uint_eq(ctr("Udp6IgnoredMulti"), 1);
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 0);
	ck_assert(!sent6(58, 1));
	feed(0, f.b, build_udp6(&f, PEER6, US6, 1234, 4444, "l2 group", CS_OK, MC_ALLNODES_MAC));
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 1);
	ck_assert(!sent6(58, 1));
	/* A :: socket on the port takes the group's datagram. */
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind [::]:4444", &out), 0);
	feed(0, f.b, build_udp6(&f, PEER6, ALLNODES, 1234, 4444, "group", CS_OK, MC_ALLNODES_MAC));
	ck_assert_uint_eq(ctr("Udp6IgnoredMulti"), 1);
	ck_assert_uint_eq(ctr("Udp6InDatagrams"), 1);
	ck_assert_int_eq(ctl("udp recv 4444", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "from [2001:db8:1::1]:1234 5 bytes: group\n");
	sbuf_free(&out);
}
END_TEST

/* Delivery to an IPv6 socket; each wildcard serves its own family only (a :: socket is
 * IPV6_V6ONLY, 0.0.0.0 is IPv4's). */
START_TEST(test_udp6_delivery_and_families)
{
	struct sbuf out = { 0 };
	struct frame f;
	ck_assert_int_eq(ctl("udp bind [2001:db8:1::2]:5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "bound udp [2001:db8:1::2]:5000\n");
	ck_assert_int_eq(ctl("udp bind [2001:db8:1::77]:5000", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "udp bind: [2001:db8:1::77]:5000: not our address\n");
	send_udp6(1234, 5000, "hello", CS_OK);
	ck_assert_uint_eq(ctr("Udp6InDatagrams"), 1);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), 0);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "udp [2001:db8:1::2]:5000 rx 1 tx 0 queued 1 dropped 0\n");
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "from [2001:db8:1::1]:1234 5 bytes: hello\n");

	/* 0.0.0.0:5001 is IPv4's: an IPv6 datagram to 5001 finds nobody (1/4). */
	ck_assert_int_eq(ctl("udp bind 5001", &out), 0);
	ck_assert_int_eq(ctl("udp bind [::]:5001", &out), 0);        /* the other family: no conflict */
	ck_assert_int_eq(ctl("udp bind [::]:5001", &out), 1);        /* the same one: in use */
	ck_assert_int_eq(ctl("udp close 5001", &out), 0);            /* closes the first, the IPv4 one */
	send_udp6(1234, 5001, "v6", CS_OK);
	ck_assert_uint_eq(ctr("Udp6InDatagrams"), 2);
	ck_assert_int_eq(ctl("udp close 5001", &out), 0);
	ck_assert_int_eq(ctl("udp bind 5001", &out), 0);
	send_udp6(1234, 5001, "v6", CS_OK);
	ck_assert_uint_eq(ctr("Udp6NoPorts"), 1);
	ck_assert(sent6(58, 1));
	/* And :: does not take IPv4. */
	ck_assert_int_eq(ctl("udp bind [::]:5002", &out), 0);
	struct ip_spec is = { .src = PEER_IP, .dst = US_IP, .proto = 17 };
	uint8_t u[8] = { 0x04, 0xd2, 0x13, 0x8a, 0, 8, 0, 0 };    /* 1234 -> 5002, no checksum */
	feed(0, f.b, build_ip(&f, &is, u, 8));
	ck_assert_uint_eq(ctr("UdpNoPorts"), 1);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), 0);
	tx_clear();
	sbuf_free(&out);
}
END_TEST

/* A full receive queue: Udp6RcvbufErrors and Udp6InErrors, as the IPv4 ones. */
START_TEST(test_udp6_rcvbuf_errors)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind [::]:5000", &out), 0);
	for (unsigned i = 0; i < UDP_RXQ_MAX + 2; i++)
		send_udp6(1234, 5000, "fill", CS_OK);
	ck_assert_uint_eq(ctr("Udp6InDatagrams"), UDP_RXQ_MAX);
	ck_assert_uint_eq(ctr("Udp6RcvbufErrors"), 2);
	ck_assert_uint_eq(ctr("Udp6InErrors"), 2);
	ck_assert_uint_eq(ctr("UdpRcvbufErrors"), 0);
	ck_assert_int_eq(ctl("udp close 5000", &out), 0);
	sbuf_free(&out);
}
END_TEST

/* `--service echo` answers on both families. */
START_TEST(test_udp6_echo_service_both_families)
{
	struct frame f;
	ck_assert_int_eq(stack_service_enable(T, "echo"), 0);
	send_udp6(5555, 7, "ping six", CS_OK);
	take6(&f, 17, -1);
	const uint8_t *h = f.b + ETH, *u = h + IP6H;
	ck_assert_mem_eq(h + 8, US6, 16);
	ck_assert_mem_eq(h + 24, PEER6, 16);
	ck_assert_uint_eq(h[7], 64);
	ck_assert_uint_eq(rd16(u), 7);
	ck_assert_uint_eq(rd16(u + 2), 5555);
	ck_assert_uint_eq(rd16(u + 4), 16);
	ck_assert_mem_eq(u + 8, "ping six", 8);
	ck_assert_uint_eq(csum6(h + 8, h + 24, 17, u, 16), 0);
	ck_assert_uint_eq(ctr("Udp6InDatagrams"), 1);
	ck_assert_uint_eq(ctr("Udp6OutDatagrams"), 1);
	/* IPv4 still answered by its own socket. */
	struct ip_spec is = { .src = PEER_IP, .dst = US_IP, .proto = 17 };
	uint8_t u4[12] = { 0x15, 0xb3, 0, 7, 0, 12, 0, 0, 'f', 'o', 'u', 'r' };
	tx_clear();
	feed(0, f.b, build_ip(&f, &is, u4, 12));
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(ctr("UdpOutDatagrams"), 1);
	tx_clear();
}
END_TEST

/* A link-local peer on tap1 (the same fe80::1 lives on tap0 too): the echo service and the TCP
 * reset answer it on the interface the datagram came in by, from our link-local address there. */
START_TEST(test_link_local_peer_answered_on_arrival_link)
{
	struct frame f;
	uint8_t ll1[16];
	ip6_linklocal_from_mac(US1, ll1);
	learn_ll_peer(1, US1);
	tx_clear();
	ck_assert_int_eq(stack_service_enable(T, "echo"), 0);
	build_udp6(&f, LL_PEER, ll1, 5555, 7, "on tap1", CS_OK, US1);
	feed(1, f.b, f.len);
	while (tx_count()) {
		unsigned ifx = tx_take(&f);
		if (rd16(f.b + 12) == 0x86dd && f.b[ETH + 6] == 17) {
			ck_assert_uint_eq(ifx, 1);
			ck_assert_mem_eq(f.b + ETH + 8, ll1, 16);
			ck_assert_uint_eq(ctr("Udp6OutDatagrams"), 1);
			break;
		}
	}
	ck_assert_uint_eq(ctr("Udp6OutDatagrams"), 1);
	tx_clear();
	uint8_t t[20] = { 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02 };
	put16(t + 16, csum6(LL_PEER, ll1, 6, t, 20));
	feed(1, f.b, build6(&f, LL_PEER, ll1, 6, 64, 0, t, 20, US1));
	ck_assert_uint_eq(ctr("TcpOutRsts"), 1);
	bool seen = false;
	while (tx_count()) {
		unsigned ifx = tx_take(&f);
		if (rd16(f.b + 12) == 0x86dd && f.b[ETH + 6] == 6) {
			ck_assert_uint_eq(ifx, 1);
			seen = true;
		}
	}
	ck_assert(seen);
}
END_TEST

/* `udp send [v6]:port`: the checksum covers the selected source; above the MTU fragments, with
 * --df EMSGSIZE. */
START_TEST(test_udp6_send)
{
	struct sbuf out = { 0 };
	struct frame f;
	ck_assert_int_eq(ctl("udp send [2001:db8:1::1]:9 text", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "sent 4 bytes from udp [::]:40000 to [2001:db8:1::1]:9\n");
	take6(&f, 17, -1);
	const uint8_t *h = f.b + ETH, *u = h + IP6H;
	ck_assert_mem_eq(f.b, PEERMAC, 6);
	ck_assert_mem_eq(h + 8, US6, 16);
	ck_assert_mem_eq(h + 24, PEER6, 16);
	ck_assert_uint_eq(rd16(u + 2), 9);
	ck_assert_uint_eq(rd16(u + 4), 12);
	ck_assert_uint_ne(rd16(u + 6), 0);
	ck_assert_uint_eq(csum6(h + 8, h + 24, 17, u, 12), 0);
	ck_assert_uint_eq(ctr("Udp6OutDatagrams"), 1);
	ck_assert_uint_eq(ctr("UdpOutDatagrams"), 0);

	char cmd[2100];
	int n = snprintf(cmd, sizeof(cmd), "udp send [2001:db8:1::1]:9 ");
	memset(cmd + n, 'x', 1600);
	cmd[n + 1600] = '\0';
	ck_assert_int_eq(ctl(cmd, &out), 0);
	take6(&f, 44, -1); /* a Fragment header: V9.10 */
	ck_assert_uint_le(f.len - ETH, 1500);
	tx_clear();
	memcpy(cmd, "udp send --df", 13);
	n = snprintf(cmd, sizeof(cmd), "udp send --df [2001:db8:1::1]:9 ");
	memset(cmd + n, 'x', 1600);
	cmd[n + 1600] = '\0';
	ck_assert_int_eq(ctl(cmd, &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "udp send: Message too long\n");
	ck_assert_int_eq(ctl("udp send [2001:db8:9::1]:9 x", &out), 1); /* no route */
	ck_assert_str_eq(sbuf_str(&out), "udp send: Network is unreachable\n");
	/* A link-local destination needs its scope (RFC 6874's zone), as Linux's sendto. */
	ck_assert_int_eq(ctl("udp send [fe80::1]:9 x", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "udp send: Invalid argument\n");
	ck_assert_int_eq(ctl("udp send [fe80::1%tap9]:9 x", &out), 2);
	ck_assert_int_eq(ctl("udp bind [fe80::1%tap0]:9", &out), 2);
	learn_ll_peer(1, US1);
	tx_clear();
	ck_assert_int_eq(ctl("udp send [fe80::1%tap1]:9 x", &out), 0);
	struct frame g;
	unsigned ifx = 0;
	bool found = false;
	while (tx_count() && !found) {
		ifx = tx_take(&g);
		found = rd16(g.b + 12) == 0x86dd && g.b[ETH + 6] == 17;
	}
	ck_assert(found);
	ck_assert_uint_eq(ifx, 1);
	uint8_t ll1[16];
	ip6_linklocal_from_mac(US1, ll1);
	ck_assert_mem_eq(g.b + ETH + 8, ll1, 16);
	tx_clear();
	sbuf_free(&out);
}
END_TEST

/* --- received errors (§10) --- */

struct err_row {
	uint8_t type, code;
	uint32_t info;
	int err;
	bool fatal;
	const char *text;
};
/* V10.3 */
static const struct err_row err_rows[] = {
	{ 1, 0, 0, ENETUNREACH, false, "ENETUNREACH (1/0) from 2001:db8:1::9" },
	{ 1, 1, 0, EACCES, true, "EACCES (1/1) from 2001:db8:1::9" },
	{ 1, 3, 0, EHOSTUNREACH, false, "EHOSTUNREACH (1/3) from 2001:db8:1::9" },
	{ 1, 4, 0, ECONNREFUSED, true, "ECONNREFUSED (1/4) from 2001:db8:1::9" },
	{ 1, 7, 0, EPROTO, true, "EPROTO (1/7) from 2001:db8:1::9" },
	{ 2, 0, 1400, EMSGSIZE, true, "EMSGSIZE (2/0) from 2001:db8:1::9 mtu 1400" },
	{ 3, 0, 0, EHOSTUNREACH, false, "EHOSTUNREACH (3/0) from 2001:db8:1::9" },
	{ 4, 0, 42, EPROTO, true, "EPROTO (4/0) from 2001:db8:1::9 pointer 42" },
	{ 4, 2, 7, EPROTO, true, "EPROTO (4/2) from 2001:db8:1::9 pointer 7" },
};

/* The datagram a connected socket on 5000 sent to the peer's port 9, as it left. */
static size_t sent_datagram(struct frame *q)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind [2001:db8:1::2]:5000", &out), 0);
	ck_assert_int_eq(ctl("udp send --from 5000 --connect [2001:db8:1::1]:9 quoted", &out), 0);
	take6(q, 17, -1);
	tx_clear();
	sbuf_free(&out);
	return q->len - ETH;
}

START_TEST(test_udp6_error_queue_rows)
{
	const struct err_row *r = &err_rows[_i];
	struct frame q, f;
	struct sbuf out = { 0 };
	size_t qlen = sent_datagram(&q);
	uint64_t inerr = ctr("Icmp6InErrors");
	feed(0, f.b, build_icmp6(&f, RTR6, US6, r->type, r->code, r->info, q.b + ETH, qlen, 64));
	ck_assert_uint_eq(ctr("Icmp6InErrors"), inerr);
	struct udp_sock *s = udp_find_bound(T, 5000, INET_V6);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->errq_len, 1);
	const struct udp_err_entry *e = &s->errq[s->errq_head];
	ck_assert_uint_eq(e->origin, UDP_EE_ICMP6);
	ck_assert(!e->local);
	ck_assert_uint_eq(e->type, r->type);
	ck_assert_uint_eq(e->code, r->code);
	ck_assert_uint_eq(e->info, r->info);
	ck_assert_int_eq(e->err, r->err);
	ck_assert_mem_eq(e->from.u.v6, RTR6, 16);
	ck_assert_mem_eq(e->qdst.u.v6, PEER6, 16);
	ck_assert_uint_eq(e->qdport, 9);
	ck_assert_int_eq(s->pending, r->fatal ? r->err : 0);         /* a connected socket */
	if (r->type == 2) /* V10.4: the path MTU is learned */
		ck_assert_uint_eq(route6_pmtu(T, PEER6, 0), 1400);
	else
		ck_assert_uint_eq(route6_pmtu(T, PEER6, 0), 1500);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	char want[200];
	snprintf(want, sizeof(want), "udp [2001:db8:1::2]:5000 -> [2001:db8:1::1]:9  %s\n", r->text);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), want));
	sbuf_free(&out);
}
END_TEST

/* An error about a datagram no socket of ours sent: Icmp6InErrors; an unconnected socket keeps
 * the entry but no pending error. */
START_TEST(test_udp6_error_no_socket_and_unconnected)
{
	struct frame q, f;
	struct sbuf out = { 0 };
	size_t qlen = sent_datagram(&q);
	put16(q.b + ETH + IP6H, 5999); /* another source port */
	feed(0, f.b, build_icmp6(&f, RTR6, US6, 1, 4, 0, q.b + ETH, qlen, 64));
	ck_assert_uint_eq(ctr("Icmp6InErrors"), 1);
	put16(q.b + ETH + IP6H, 5000);
	struct udp_sock *s = udp_find_bound(T, 5000, INET_V6);
	s->raddr = (struct inet_addr){ .family = INET_V6 }; /* not connected */
	feed(0, f.b, build_icmp6(&f, RTR6, US6, 1, 4, 0, q.b + ETH, qlen, 64));
	ck_assert_uint_eq(ctr("Icmp6InErrors"), 1);
	ck_assert_uint_eq(s->errq_len, 1);
	ck_assert_int_eq(s->pending, 0);
	sbuf_free(&out);
}
END_TEST

/* Neighbor Discovery gives up on an on-link destination: the sender's socket hears a local 1/3
 * (EHOSTUNREACH), not counted as a received error. */
START_TEST(test_udp6_local_address_unreachable)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind [2001:db8:1::2]:5000", &out), 0);
	ck_assert_int_eq(ctl("udp send --from 5000 [2001:db8:1::99]:9 lost", &out), 0);
	advance(5000); /* three solicitations, a second apart */
	tx_clear();
	struct udp_sock *s = udp_find_bound(T, 5000, INET_V6);
	ck_assert_uint_eq(s->errq_len, 1);
	const struct udp_err_entry *e = &s->errq[s->errq_head];
	ck_assert(e->local);
	ck_assert_uint_eq(e->origin, UDP_EE_LOCAL);
	ck_assert_uint_eq(e->type, 1);
	ck_assert_uint_eq(e->code, 3);
	ck_assert_int_eq(e->err, EHOSTUNREACH);
	ck_assert_uint_eq(ctr("Icmp6InErrors"), 0);
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "error EHOSTUNREACH (1/3) local\n");
	sbuf_free(&out);
}
END_TEST

/* --- TCP reset stub --- */

static size_t build_tcp6(struct frame *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
			 size_t dlen, const uint8_t *dst, const uint8_t *dstmac, uint8_t tclass)
{
	uint8_t t[100] = { 0 };
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	put16(t + 16, csum6(PEER6, dst, 6, t, 20 + dlen));
	return build6(f, PEER6, dst, 6, 64, tclass, t, 20 + dlen, dstmac);
}

START_TEST(test_tcp6_syn_gets_rst_ack)
{
	struct frame f;
	feed(0, f.b, build_tcp6(&f, 40000, 80, 1000, 0, 0x02, 0, US6, NULL, 0xbb));
	take6(&f, 6, -1);
	const uint8_t *h = f.b + ETH, *t = h + IP6H;
	/* As Linux: version 6, traffic class 0xb8 (ECN bits off), a per-flow label (auto_flowlabels,
	 * V4.11), 20 bytes, hop limit 64. */
	static const uint8_t want_ip[8] = { 0x6b, 0x80, 0, 0, 0, 20, 6, 64 };
	ck_assert_mem_eq(h, want_ip, 1);
	ck_assert_uint_eq(h[1] & 0xf0, 0x80);
	ck_assert_uint_ne((h[1] & 0x0fu) << 16 | (unsigned)h[2] << 8 | h[3], 0);
	ck_assert_mem_eq(h + 4, want_ip + 4, 4);
	ck_assert_mem_eq(h + 8, US6, 16);
	ck_assert_mem_eq(h + 24, PEER6, 16);
	uint8_t want_tcp[20] = { 0, 80, 0x9c, 0x40, 0, 0, 0, 0, 0, 0, 0x03, 0xe9, 0x50, 0x14, 0, 0, 0, 0, 0, 0 };
	put16(want_tcp + 16, csum6(US6, PEER6, 6, want_tcp, 20));
	ck_assert_mem_eq(t, want_tcp, 20);
	ck_assert_uint_eq(csum6(h + 8, h + 24, 6, t, 20), 0);
	ck_assert_uint_eq(ctr("TcpOutRsts"), 1);
	ck_assert_uint_eq(ctr("TcpInSegs"), 1);
	/* An ACK gets <SEQ=SEG.ACK><CTL=RST>. */
	feed(0, f.b, build_tcp6(&f, 40000, 80, 5, 0x11223344, 0x10, 3, US6, NULL, 0));
	take6(&f, 6, -1);
	t = f.b + ETH + IP6H;
	ck_assert_uint_eq(rd32(t + 4), 0x11223344);
	ck_assert_uint_eq(rd32(t + 8), 0);
	ck_assert_uint_eq(t[13], 0x04);
}
END_TEST

START_TEST(test_tcp6_no_rst_for_rst_bad_sum_or_group)
{
	struct frame f;
	feed(0, f.b, build_tcp6(&f, 40000, 80, 1, 0, 0x04, 0, US6, NULL, 0));     /* a reset */
	build_tcp6(&f, 40000, 80, 1, 0, 0x02, 0, US6, NULL, 0);
	f.b[ETH + IP6H + 17] ^= 1;                                                /* bad checksum */
	feed(0, f.b, f.len);
	feed(0, f.b, build_tcp6(&f, 40000, 80, 1, 0, 0x02, 0, ALLNODES, MC_ALLNODES_MAC, 0)); /* a group */
	ck_assert(!sent6(6, -1));
	ck_assert_uint_eq(ctr("TcpOutRsts"), 0);
	ck_assert_uint_eq(ctr("TcpInRstIgnored"), 1);
	ck_assert_uint_eq(ctr("TcpInCsumErrors"), 1);
	ck_assert_uint_eq(ctr("TcpInNoReset"), 1);
}
END_TEST

/* --- ping over IPv6 --- */

/* The echo request the session sent (asserting its form), and a reply to it from src. */
static void answer_ping(const uint8_t *src, uint8_t hlim, bool *ll)
{
	struct frame f, r;
	take6(&f, 58, 128);
	const uint8_t *h = f.b + ETH, *m = h + IP6H;
	size_t len = rd16(h + 4);
	ck_assert_uint_eq(len, 64);
	ck_assert_uint_eq(m[1], 0);
	ck_assert_uint_eq(rd16(m + 6), 1);                       /* icmp_seq=1 */
	ck_assert_uint_eq(csum6(h + 8, h + 24, 58, m, len), 0);
	ck_assert_mem_eq(h + 24, src, 16);
	if (ll)
		*ll = ip6_is_linklocal(h + 8);
	feed(0, r.b, build_icmp6(&r, src, h + 8, 129, 0, rd32(m + 4), m + 8, len - 8, hlim));
}

START_TEST(test_ping6_reply_lines)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -c 1 2001:db8:1::1", &out);
	ck_assert_str_eq(sbuf_str(&out), "PING 2001:db8:1::1 (2001:db8:1::1) 56 data bytes\n");
	ck_assert_uint_eq(T->icmp6_out_type[128], 1);
	NOW += 1;
	stack_poll(T, NOW);
	answer_ping(PEER6, 63, NULL);
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	const char *o = sbuf_str(&out);
	ck_assert_msg(strncmp(o, "64 bytes from 2001:db8:1::1: icmp_seq=1 ttl=63 time=1.00 ms\n", 60) == 0, "%s", o);
	ck_assert_ptr_nonnull(strstr(o, "--- 2001:db8:1::1 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss"));
	/* A reply nobody asked for (the session is gone) is dropped as unsolicited. */
	struct frame r;
	static const uint8_t data[8] = { 0 };
	feed(0, r.b, build_icmp6(&r, PEER6, US6, 129, 0, 0x12340001, data, 8, 64));
	ck_assert_uint_eq(ctr("Icmp6InUnsolicited"), 1);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_ping6_link_local_scope)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(stack_ctl_start(T, "ping -c 1 fe80::1", &out, NOW, &(unsigned){ 0 }), 1);
	ck_assert_str_eq(sbuf_str(&out), "ping: connect: Invalid argument\n");
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "ping -c 1 fe80::1%tap7", &out, NOW, &(unsigned){ 0 }), 2);
	ck_assert_str_eq(sbuf_str(&out), "ping: fe80::1%tap7: Name or service not known\n");
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "ping -4 -c 1 fe80::1%tap0", &out, NOW, &(unsigned){ 0 }), 2);
	unsigned h = start_ping("ping -6 -c 1 fe80::1%tap0", &out);
	ck_assert_str_eq(sbuf_str(&out), "PING fe80::1%tap0 (fe80::1%tap0) 56 data bytes\n");
	bool ll = false;
	answer_ping(LL_PEER, 64, &ll);
	ck_assert(ll); /* from our link-local address */
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "64 bytes from fe80::1%tap0: icmp_seq=1 ttl=64 time="));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "--- fe80::1%tap0 ping statistics ---\n"));
	sbuf_free(&out);
}
END_TEST

struct ping_err_row {
	uint8_t type, code;
	uint32_t info;
	const char *line;
};
static const struct ping_err_row ping_err_rows[] = {
	{ 1, 0, 0, "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: No route\n" },
	{ 1, 1, 0, "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: Administratively prohibited\n" },
	{ 1, 2, 0, "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: Beyond scope of source address\n" },
	{ 1, 3, 0, "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: Address unreachable\n" },
	{ 1, 4, 0, "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: Port unreachable\n" },
	{ 1, 9, 0, "From 2001:db8:1::9 icmp_seq=1 Destination unreachable: Unknown code 9\n" },
	{ 2, 0, 1400, "From 2001:db8:1::9 icmp_seq=1 Packet too big: mtu=1400\n" },
	{ 3, 0, 0, "From 2001:db8:1::9 icmp_seq=1 Time exceeded: Hop limit\n" },
	{ 3, 1, 0, "From 2001:db8:1::9 icmp_seq=1 Time exceeded: Defragmentation failure\n" },
	{ 4, 0, 40, "From 2001:db8:1::9 icmp_seq=1 Parameter problem: Wrong header field at 40\n" },
	{ 4, 1, 6, "From 2001:db8:1::9 icmp_seq=1 Parameter problem: Unknown header at 6\n" },
	{ 4, 2, 42, "From 2001:db8:1::9 icmp_seq=1 Parameter problem: Unknown option at 42\n" },
};

START_TEST(test_ping6_error_lines)
{
	const struct ping_err_row *r = &ping_err_rows[_i];
	struct sbuf out = { 0 };
	struct frame q, f;
	unsigned h = start_ping("ping -c 1 2001:db8:1::1", &out);
	take6(&q, 58, 128);
	feed(0, f.b, build_icmp6(&f, RTR6, US6, r->type, r->code, r->info, q.b + ETH, q.len - ETH, 64));
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);
	const char *o = sbuf_str(&out);
	ck_assert_msg(strncmp(o, r->line, strlen(r->line)) == 0, "got %s", o);
	ck_assert_ptr_nonnull(strstr(o, "1 packets transmitted, 0 received, +1 errors, 100% packet loss"));
	sbuf_free(&out);
}
END_TEST

/* Neighbor Discovery fails for the target: the 1/3 is reported from our own address. */
START_TEST(test_ping6_address_unreachable_local)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -c 1 -W 5 2001:db8:1::99", &out);
	advance(5000);
	tx_clear();
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);
	static const char want[] = "From 2001:db8:1::2 icmp_seq=1 Destination unreachable: Address unreachable\n";
	ck_assert_msg(strncmp(sbuf_str(&out), want, strlen(want)) == 0, "got %s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

Suite *udp6_suite(void)
{
	Suite *s = suite_create("udp6");
	TCase *tc = tcase_create("udp6");
	tcase_add_checked_fixture(tc, setup6, teardown6);
	tcase_add_test(tc, test_udp6_port_unreachable_after_checksum);
	tcase_add_test(tc, test_udp6_zero_checksum_invalid);
	tcase_add_test(tc, test_udp6_bad_lengths);
	tcase_add_test(tc, test_udp6_multicast_no_error);
	tcase_add_test(tc, test_udp6_delivery_and_families);
	tcase_add_test(tc, test_udp6_rcvbuf_errors);
	tcase_add_test(tc, test_udp6_echo_service_both_families);
	tcase_add_test(tc, test_udp6_send);
	tcase_add_test(tc, test_link_local_peer_answered_on_arrival_link);
	tcase_add_loop_test(tc, test_udp6_error_queue_rows, 0, (int)(sizeof(err_rows) / sizeof(err_rows[0])));
	tcase_add_test(tc, test_udp6_error_no_socket_and_unconnected);
	tcase_add_test(tc, test_udp6_local_address_unreachable);
	tcase_add_test(tc, test_tcp6_syn_gets_rst_ack);
	tcase_add_test(tc, test_tcp6_no_rst_for_rst_bad_sum_or_group);
	tcase_add_test(tc, test_ping6_reply_lines);
	tcase_add_test(tc, test_ping6_link_local_scope);
	tcase_add_loop_test(tc, test_ping6_error_lines, 0, (int)(sizeof(ping_err_rows) / sizeof(ping_err_rows[0])));
	tcase_add_test(tc, test_ping6_address_unreachable_local);
	suite_add_tcase(s, tc);
	return s;
}
