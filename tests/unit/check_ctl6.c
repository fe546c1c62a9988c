/* tests/unit/check_ctl6.c — the control commands' IPv6 printouts (issue 14 items 1, 6, 7): `addr`
 * (inet6 scope global|link, tentative until DAD, dadfailed, SLAAC lifetimes), `neigh` (IPv6
 * entries, router), `route` and `route cache` (the IPv6 tables), `route add|del` with IPv6 specs,
 * `stats` (nstat's Icmp6 named columns and Icmp6In/OutType<t>, stack_counter_get of zero types)
 * and `drops` (Icmp6ErrNotSent* under "errors not sent"). Frames are built here byte by byte. */
#include <errno.h>
#include <string.h>

#include "eth/neigh.h"
#include "tests/unit/harness.h"

static const uint8_t G2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };   /* 2001:db8:1::2 */
static const uint8_t G1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };   /* 2001:db8:1::1 */
static const uint8_t G3[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 3 };   /* 2001:db8:1::3 */
static const uint8_t RTR[16] = { 0xfe, 0x80, [15] = 1 };                       /* fe80::1 */
static const uint8_t ALLNODES[16] = { 0xff, 0x02, [15] = 1 };                  /* ff02::1 */
static const uint8_t ALLNODES_MAC[6] = { 0x33, 0x33, 0, 0, 0, 1 };

static void fx6_setup(void)
{
	FX_IPV6 = true;
	fx_setup();
	FX_IPV6 = false;
}

static int run(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

static bool has(const struct sbuf *out, const char *s) { return strstr(sbuf_str(out), s) != NULL; }

/* a and b both in s, a first. */
static bool before(const char *s, const char *a, const char *b)
{
	const char *x = strstr(s, a), *y = strstr(s, b);
	return x && y && x < y;
}

/* An IPv6 frame from PEERMAC (to dstmac) with an upper-layer payload; for ICMPv6 (nh 58) the
 * checksum at payload offset 2 is filled in over the pseudo-header (RFC 8200 8.1). */
static size_t build_ip6(struct frame *f, const uint8_t *dstmac, const uint8_t *src, const uint8_t *dst, uint8_t nh,
			uint8_t hlim, const uint8_t *payload, size_t len)
{
	uint8_t *e = f->b, *h = f->b + 14, *l4 = h + 40;
	memcpy(e, dstmac, 6);
	memcpy(e + 6, PEERMAC, 6);
	e[12] = 0x86;
	e[13] = 0xdd;
	memset(h, 0, 40);
	h[0] = 0x60;
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = nh;
	h[7] = hlim;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	memcpy(l4, payload, len);
	if (nh == 58) {
		uint8_t ph[40 + 2048];
		ck_assert_uint_le(len, 2048);
		memset(ph, 0, 40);
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = 58;
		l4[2] = l4[3] = 0;
		memcpy(ph + 40, l4, len);
		uint16_t c = cksum(ph, 40 + len);
		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	}
	f->len = 14 + 40 + len;
	return f->len;
}

/* An unsolicited NA for target (R=0 S=0 O=1) with our peer's MAC, to all nodes: ours, or
 * in DAD, it says the address is taken. */
static size_t build_na(struct frame *f, const uint8_t *target)
{
	uint8_t m[32] = { 136, 0, 0, 0, 0x20 };
	memcpy(m + 8, target, 16);
	m[24] = 2;                  /* Target Link-Layer Address option */
	m[25] = 1;
	memcpy(m + 26, PEERMAC, 6);
	return build_ip6(f, ALLNODES_MAC, RTR, ALLNODES, 58, 255, m, sizeof(m));
}

/* An RA from fe80::1 (router lifetime 1800 s, SLLA PEERMAC) with a PIO 2001:db8:5::/64, L and A,
 * valid 7200 s, preferred 3600 s. */
static size_t build_ra(struct frame *f)
{
	uint8_t m[16 + 8 + 32] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 };
	uint8_t *o = m + 16;
	o[0] = 1;                   /* Source Link-Layer Address */
	o[1] = 1;
	memcpy(o + 2, PEERMAC, 6);
	o += 8;
	o[0] = 3;                   /* Prefix Information */
	o[1] = 4;
	o[2] = 64;
	o[3] = 0xc0;                /* L, A */
	o[4] = 0; o[5] = 0; o[6] = 0x1c; o[7] = 0x20;   /* valid 7200 */
	o[8] = 0; o[9] = 0; o[10] = 0x0e; o[11] = 0x10; /* preferred 3600 */
	static const uint8_t pfx[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 5 };
	memcpy(o + 16, pfx, 16);
	return build_ip6(f, ALLNODES_MAC, RTR, ALLNODES, 58, 255, m, sizeof(m));
}

/* An echo request from 2001:db8:1::1 to dst. */
static size_t build_echo6(struct frame *f, const uint8_t *dst, uint16_t seq)
{
	uint8_t m[16] = { 128, 0, 0, 0, 0x12, 0x34, (uint8_t)(seq >> 8), (uint8_t)seq, 'a', 'b', 'c', 'd' };
	return build_ip6(f, US0, G1, dst, 58, 64, m, sizeof(m));
}

START_TEST(test_addr_inet6_tentative_then_valid)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(has(&out, "0: tap0 <UP> mtu 1500 lladdr 02:00:00:00:00:02\n"
			  "    inet 192.0.2.2/24 brd 192.0.2.255\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "    inet6 fe80::ff:fe00:2/64 scope link tentative\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "    inet6 2001:db8:1::2/64 scope global tentative\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "    inet6 fe80::ff:fe00:101/64 scope link tentative\n"), "%s", sbuf_str(&out));
	/* DAD: a random delay under a second, one NS, a second of silence (V6.9). */
	advance(2500);
	tx_clear();
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(!has(&out, "tentative"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "    inet6 2001:db8:1::2/64 scope global\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "    inet6 fe80::ff:fe00:2/64 scope link\n"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

START_TEST(test_addr_inet6_dadfailed)
{
	struct sbuf out = { 0 };
	struct frame f;
	ck_assert_int_eq(stack_addr6_add(T, 0, G3, 64), 0);
	feed(0, f.b, build_na(&f, G3));   /* someone has it already */
	tx_clear();
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(has(&out, "    inet6 2001:db8:1::3/64 scope global dadfailed\n"), "%s", sbuf_str(&out));
	advance(2500);
	tx_clear();
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(has(&out, "    inet6 2001:db8:1::3/64 scope global dadfailed\n"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

/* disable_ipv6 at interface up: no inet6 lines at all (Linux removes them). */
START_TEST(test_addr_ipv6_disabled_hidden)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(!has(&out, "inet6"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

START_TEST(test_ra_neigh_router_route_slaac)
{
	struct sbuf out = { 0 };
	struct frame f;
	advance(2500);              /* the link-local address is ours (an RA needs it as a host) */
	tx_clear();
	feed(0, f.b, build_ra(&f));
	tx_clear();
	ck_assert_int_eq(run("neigh", &out), 0);
	ck_assert_msg(has(&out, "192.0.2.1 dev tap0 lladdr 02:00:00:00:00:01 REACHABLE expires "), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "fe80::1 dev tap0 lladdr 02:00:00:00:00:01 router STALE expires "), "%s",
		      sbuf_str(&out));
	ck_assert_int_eq(run("route", &out), 0);
	/* IPv4 first, then the IPv6 table with the RA's default route and on-link prefix. */
	ck_assert_msg(before(sbuf_str(&out), "192.0.2.0/24 dev tap0", "default via fe80::1 dev tap0 proto ra expires 1800sec\n"),
		      "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "2001:db8:5::/64 dev tap0 proto kernel expires 7200sec\n"), "%s", sbuf_str(&out));
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(has(&out, "    inet6 2001:db8:5::ff:fe00:2/64 scope global dynamic tentative\n"
			  "       valid_lft 7200sec preferred_lft 3600sec\n"), "%s", sbuf_str(&out));
	advance(10000);
	tx_clear();
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(has(&out, "    inet6 2001:db8:5::ff:fe00:2/64 scope global dynamic\n"
			  "       valid_lft 7190sec preferred_lft 3590sec\n"), "%s", sbuf_str(&out));
	/* Past the preferred lifetime (no RA refreshed it): deprecated, still valid. */
	advance(3590 * 1000);
	tx_clear();
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_msg(has(&out, "    inet6 2001:db8:5::ff:fe00:2/64 scope global dynamic deprecated\n"
			  "       valid_lft 3600sec preferred_lft 0sec\n"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

START_TEST(test_route_add_del_ipv6)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	ck_assert_int_eq(run("route add 2001:db8:2::/64,via=2001:db8:1::1", &out), 0);
	ck_assert_int_eq(run("route add 2001:db8:3::/48,prohibit", &out), 0);
	ck_assert_int_eq(run("route add default,via=2001:db8:1::9", &out), 0);
	ck_assert_int_eq(run("route add default,via=192.0.2.9", &out), 0);   /* IPv4's, beside it */
	ck_assert_int_eq(run("route", &out), 0);
	ck_assert_msg(has(&out, "2001:db8:1::/64 dev tap0 proto kernel\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "2001:db8:2::/64 via 2001:db8:1::1 dev tap0\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "2001:db8:3::/48"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "default via 2001:db8:1::9 dev tap0\n"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "default via 192.0.2.9 dev tap0"), "%s", sbuf_str(&out));
	ck_assert_int_eq(run("route add 2001:db8:2::/64,via=2001:db8:1::1", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "route add: a route for that prefix exists\n");
	ck_assert_int_eq(run("route add 2001:db8:2::1/64,via=2001:db8:1::1", &out), 2);   /* host bits */
	ck_assert_int_eq(run("route add 2001:db8:4::/64,via=2001:db8:9::1", &out), 2);    /* not on-link */
	ck_assert_int_eq(run("route del 2001:db8:2::/64", &out), 0);
	ck_assert_int_eq(run("route del ::/0", &out), 0);
	ck_assert_int_eq(run("route", &out), 0);
	ck_assert_msg(!has(&out, "2001:db8:2::/64") && !has(&out, "via 2001:db8:1::9"), "%s", sbuf_str(&out));
	ck_assert_msg(has(&out, "default via 192.0.2.9"), "%s", sbuf_str(&out));
	ck_assert_int_eq(run("route del 2001:db8:2::/64", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "route del: no such route\n");
	ck_assert_int_eq(run("route del 2001:db8:1::/64", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "route del: a connected route goes with its address\n");
	ck_assert_int_eq(run("route del 2001:db8::zz/64", &out), 2);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_stats_icmp6_columns)
{
	struct sbuf out = { 0 };
	struct frame f;
	uint64_t v;
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	advance(2500);
	tx_clear();
	feed(0, f.b, build_echo6(&f, G2, 1));
	feed(0, f.b, build_echo6(&f, G2, 2));
	tx_clear();
	ck_assert_int_eq(run("stats", &out), 0);
	const char *s = sbuf_str(&out);
	ck_assert_msg(has(&out, "Icmp6InEchos                 2\n"), "%s", s);
	ck_assert_msg(has(&out, "Icmp6InType128               2\n"), "%s", s);
	ck_assert_msg(has(&out, "Icmp6InRedirects             0\n"), "%s", s);   /* named: listed at zero */
	ck_assert_msg(has(&out, "Icmp6OutMLDv2Reports "), "%s", s);
	ck_assert_msg(!has(&out, "Icmp6InType1 "), "%s", s);                      /* by number: only non-zero */
	/* /proc/net/snmp6's order: In by type, Out by type, then the numbered ones. */
	ck_assert(before(s, "Icmp6InDestUnreachs", "Icmp6InEchos"));
	ck_assert(before(s, "Icmp6InEchos", "Icmp6InMLDv2Reports"));
	ck_assert(before(s, "Icmp6InMLDv2Reports", "Icmp6OutDestUnreachs"));
	ck_assert(before(s, "Icmp6OutMLDv2Reports", "Icmp6InType128"));
	ck_assert(before(s, "Icmp6InType128", "Icmp6OutType129"));
	/* Each named column is its type's counter. */
	ck_assert_uint_gt(ctr("Icmp6OutNeighborSolicits"), 0);                  /* DAD */
	ck_assert_uint_eq(ctr("Icmp6OutNeighborSolicits"), ctr("Icmp6OutType135"));
	ck_assert_uint_eq(ctr("Icmp6OutMLDv2Reports"), ctr("Icmp6OutType143"));
	ck_assert_uint_eq(ctr("Icmp6OutRouterSolicits"), ctr("Icmp6OutType133"));
	ck_assert_uint_eq(ctr("Icmp6OutEchoReplies"), ctr("Icmp6OutType129"));
	ck_assert_int_eq(stack_counter_get(T, "Icmp6InType1", &v), 0);          /* zero, not listed, exists */
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(stack_counter_get(T, "Icmp6OutType255", &v), 0);
	ck_assert_int_eq(stack_counter_get(T, "Icmp6InType256", &v), -ENOENT);
	ck_assert_int_eq(stack_counter_get(T, "Icmp6InTypex", &v), -ENOENT);
	ck_assert_int_eq(stack_counter_get(T, "Icmp6InBogus", &v), -ENOENT);
	ck_assert_int_eq(run("stats --json", &out), 0);
	ck_assert_msg(has(&out, "\"Icmp6InEchos\": 2, "), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

/* A Packet Too Big (mtu 1400) from 2001:db8:1::1 about a datagram of ours to 2001:db8:9::1 puts
 * an exception in the IPv6 route cache (V10.4), which `route cache` prints after IPv4's. */
START_TEST(test_route_cache_ipv6_pmtu)
{
	struct sbuf out = { 0 };
	struct frame f;
	static const uint8_t far[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1 };
	uint8_t m[8 + 48] = { 2, 0, 0, 0, 0, 0, 0x05, 0x78 };   /* 2/0, mtu 1400 */
	uint8_t *q = m + 8;
	q[0] = 0x60;
	q[5] = 8;                   /* payload length: the UDP header */
	q[6] = 17;
	q[7] = 64;
	memcpy(q + 8, G2, 16);
	memcpy(q + 24, far, 16);
	q[40] = 0x9c; q[41] = 0x40; q[42] = 0; q[43] = 9; q[45] = 8;   /* 40000 -> 9, length 8 */
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	ck_assert_int_eq(run("route add default,via=2001:db8:1::1", &out), 0);
	advance(2500);
	tx_clear();
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	feed(0, f.b, build_ip6(&f, US0, G1, G2, 58, 64, m, sizeof(m)));
	tx_clear();
	ck_assert_uint_eq(ctr("Icmp6InPktTooBigs"), 1);
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_msg(has(&out, "2001:db8:9::1 mtu 1400 expires 600sec\n"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

/* An unknown next header to ff02::1 would earn 4/1 from a unicast: to multicast it is not sent
 * (V4.2), and `drops` says so. */
START_TEST(test_drops_icmp6_not_sent)
{
	struct sbuf out = { 0 };
	struct frame f;
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	advance(2500);
	tx_clear();
	feed(0, f.b, build_ip6(&f, ALLNODES_MAC, G1, ALLNODES, 253, 64, junk, sizeof(junk)));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("Icmp6ErrNotSentMcast"), 1);
	ck_assert_int_eq(run("drops", &out), 0);
	const char *s = sbuf_str(&out);
	ck_assert_msg(before(s, "errors not sent, by reason:\n", "  Icmp6ErrNotSentMcast       1\n"), "%s", s);
	ck_assert_int_eq(run("drops --json", &out), 0);
	ck_assert_msg(has(&out, "\"errors_not_sent\": {\"Icmp6ErrNotSentMcast\": 1}"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

Suite *ctl6_suite(void)
{
	Suite *s = suite_create("ctl6");
	TCase *tc = tcase_create("printouts");
	tcase_add_checked_fixture(tc, fx6_setup, fx_teardown);
	tcase_add_test(tc, test_addr_inet6_tentative_then_valid);
	tcase_add_test(tc, test_addr_inet6_dadfailed);
	tcase_add_test(tc, test_ra_neigh_router_route_slaac);
	tcase_add_test(tc, test_route_add_del_ipv6);
	tcase_add_test(tc, test_stats_icmp6_columns);
	tcase_add_test(tc, test_drops_icmp6_not_sent);
	tcase_add_test(tc, test_route_cache_ipv6_pmtu);
	suite_add_tcase(s, tc);
	TCase *off = tcase_create("ipv6 off");
	tcase_add_checked_fixture(off, fx_setup, fx_teardown);
	tcase_add_test(off, test_addr_ipv6_disabled_hidden);
	suite_add_tcase(s, off);
	return s;
}
