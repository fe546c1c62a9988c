/* tests/unit/check_rtcache.c — the route cache of both families (ip/rtcache.c): IPv4 and IPv6
 * exceptions in one table without meeting, each family's size and least-recently-learned eviction,
 * placement (the order `route cache` prints), and each family's ageing: IPv4's redirect 300 s from
 * learning and checked at lookup, IPv6's 60 s from its last use and ended by the timer; then the
 * same through the stack and `route cache`. Also the route text of both families (ctl/route_cmd.c):
 * every refusal's words. */
#include <stdio.h>
#include <string.h>

#include "ip/route.h"
#include "ip/route6.h"
#include "ip/rtcache.h"
#include "stack/core.h"
#include "tests/unit/harness.h"

static struct rtcache C;

static struct inet_addr a4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return inet_v4(IP(a, b, c, d));
}

/* 2001:db8:g::i */
static struct inet_addr a6(unsigned g, unsigned i)
{
	uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, (uint8_t)(g >> 8), (uint8_t)g, [14] = (uint8_t)(i >> 8), [15] = (uint8_t)i };
	return inet_v6(b);
}

/* The lookup filter counts each entry in use once, in its family's part of homes[]. */
static void homes_ok(void)
{
	unsigned sum[2] = { 0, 0 };
	for (unsigned i = 0; i < sizeof(C.homes) / sizeof(C.homes[0]); i++)
		sum[i >= 4 * RTCACHE_V4_SIZE] += C.homes[i];
	ck_assert_uint_eq(sum[0], C.n[0]);
	ck_assert_uint_eq(sum[1], C.n[1]);
}

static unsigned pmtu_of(const struct inet_addr *d, uint64_t now)
{
	return rtcache_pmtu(&C, d, now, NULL);
}

/* An IPv4 and an IPv6 destination whose first four bytes are the same memory: each keeps its own
 * exception, and each family counts only its own. */
START_TEST(test_families_coexist)
{
	memset(&C, 0, sizeof(C));
	struct inet_addr v4 = a4(192, 0, 2, 1), v6 = a6(0, 0);
	memcpy(v6.u.v6, &v4.u.v4, 4);
	rtcache_set_pmtu(&C, &v4, 1400, false, 5000, 1000);
	ck_assert(rtcache_empty(&C, INET_V6));
	rtcache_set_pmtu(&C, &v6, 1300, false, 5000, 1000);
	ck_assert_uint_eq(C.n[0], 1);
	ck_assert_uint_eq(C.n[1], 1);
	ck_assert_uint_eq(pmtu_of(&v4, 1000), 1400);
	ck_assert_uint_eq(pmtu_of(&v6, 1000), 1300);
	struct inet_addr g4 = a4(192, 0, 2, 7), g6 = a6(1, 7);
	rtcache_set_redirect(&C, &v6, &g6, 1, 1000);
	ck_assert_ptr_null(rtcache_redirect(&C, &v4, 1000));
	rtcache_set_redirect(&C, &v4, &g4, 0, 1000);
	const struct rtcache_entry *e4 = rtcache_redirect(&C, &v4, 1000), *e6 = rtcache_redirect(&C, &v6, 1000);
	ck_assert_ptr_nonnull(e4);
	ck_assert_ptr_nonnull(e6);
	ck_assert(e4 != e6);
	ck_assert(inet_eq(&e4->gw, &g4) && e4->gw_ifindex == 0);
	ck_assert(inet_eq(&e6->gw, &g6) && e6->gw_ifindex == 1);
	/* A walk of one family meets only its own. */
	ck_assert_ptr_eq(rtcache_next(&C, INET_V4, NULL, 1000), e4);
	ck_assert_ptr_null(rtcache_next(&C, INET_V4, e4, 1000));
	ck_assert_ptr_eq(rtcache_next(&C, INET_V6, NULL, 1000), e6);
	ck_assert_ptr_null(rtcache_next(&C, INET_V6, e6, 1000));
	homes_ok();
}
END_TEST

/* IPv4 holds 256 exceptions, IPv6 128; a full family gives its least recently learned one to a new
 * destination and leaves the other family alone. */
START_TEST(test_sizes_and_lru_per_family)
{
	memset(&C, 0, sizeof(C));
	uint64_t t = 1000, exp = 10000000;
	for (unsigned i = 0; i < RTCACHE_V4_SIZE; i++) {
		struct inet_addr d = a4(192, 0, 2, i);
		rtcache_set_pmtu(&C, &d, 1000 + i, false, exp, t++);
	}
	for (unsigned i = 0; i < RTCACHE_V6_SIZE; i++) {
		struct inet_addr d = a6(0, i);
		rtcache_set_pmtu(&C, &d, 1280 + i, false, exp, t++);
	}
	ck_assert_uint_eq(C.n[0], 256);
	ck_assert_uint_eq(C.n[1], 128);
	homes_ok();
	for (unsigned i = 0; i < RTCACHE_V4_SIZE; i++) {
		struct inet_addr d = a4(192, 0, 2, i);
		ck_assert_uint_eq(pmtu_of(&d, t), 1000 + i);
	}
	for (unsigned i = 0; i < RTCACHE_V6_SIZE; i++) {
		struct inet_addr d = a6(0, i);
		ck_assert_uint_eq(pmtu_of(&d, t), 1280 + i);
	}
	/* Learning again makes 192.0.2.0 recent: 192.0.2.1 is now the oldest IPv4 one. */
	struct inet_addr first4 = a4(192, 0, 2, 0), second4 = a4(192, 0, 2, 1), new4 = a4(198, 51, 100, 7);
	rtcache_set_pmtu(&C, &first4, 999, false, exp, t++);
	rtcache_set_pmtu(&C, &new4, 1111, false, exp, t++);
	ck_assert_uint_eq(C.n[0], 256);
	ck_assert_uint_eq(pmtu_of(&second4, t), 0);
	ck_assert_uint_eq(pmtu_of(&first4, t), 999);
	ck_assert_uint_eq(pmtu_of(&new4, t), 1111);
	ck_assert_uint_eq(C.n[1], 128);
	for (unsigned i = 0; i < RTCACHE_V6_SIZE; i++) {
		struct inet_addr d = a6(0, i);
		ck_assert_uint_eq(pmtu_of(&d, t), 1280 + i);
	}
	/* The 129th IPv6 destination takes the oldest IPv6 one's place, not an IPv4 one's. */
	struct inet_addr first6 = a6(0, 0), new6 = a6(1, 1);
	rtcache_set_pmtu(&C, &new6, 1500, false, exp, t++);
	ck_assert_uint_eq(C.n[1], 128);
	ck_assert_uint_eq(C.n[0], 256);
	ck_assert_uint_eq(pmtu_of(&first6, t), 0);
	ck_assert_uint_eq(pmtu_of(&new6, t), 1500);
	ck_assert_uint_eq(pmtu_of(&first4, t), 999);
	ck_assert_uint_eq(pmtu_of(&new4, t), 1111);
	homes_ok();
}
END_TEST

/* IPv4 exceptions sit by the address's low byte (the walk, and `route cache`, go in that order);
 * IPv6 ones in the order they were learned. */
START_TEST(test_placement)
{
	memset(&C, 0, sizeof(C));
	struct inet_addr x = a4(192, 0, 2, 200), y = a4(198, 51, 100, 5), p = a6(0, 0x200), q = a6(0, 5);
	rtcache_set_pmtu(&C, &x, 1400, false, 9000, 1000);
	rtcache_set_pmtu(&C, &y, 1400, false, 9000, 1000);
	rtcache_set_pmtu(&C, &p, 1400, false, 9000, 1000);
	rtcache_set_pmtu(&C, &q, 1400, false, 9000, 1000);
	const struct rtcache_entry *e = rtcache_next(&C, INET_V4, NULL, 1000);
	ck_assert(inet_eq(&e->dst, &y));
	ck_assert_ptr_eq(e, &C.e[5]);
	e = rtcache_next(&C, INET_V4, e, 1000);
	ck_assert(inet_eq(&e->dst, &x));
	ck_assert_ptr_eq(e, &C.e[200]);
	e = rtcache_next(&C, INET_V6, NULL, 1000);
	ck_assert(inet_eq(&e->dst, &p));
	e = rtcache_next(&C, INET_V6, e, 1000);
	ck_assert(inet_eq(&e->dst, &q));
	ck_assert_ptr_null(rtcache_next(&C, INET_V6, e, 1000));
	homes_ok();
}
END_TEST

/* IPv4: a redirect lives 300 s from learning whatever its use, and a lookup past that refuses it;
 * expired exceptions leave as lookups pass them. A path MTU lives until its expiry, to the ms. */
START_TEST(test_ageing_ipv4)
{
	memset(&C, 0, sizeof(C));
	struct inet_addr d = a4(203, 0, 113, 9), g = a4(192, 0, 2, 7), m = a4(203, 0, 113, 10);
	uint64_t t = 1000;
	rtcache_set_redirect(&C, &d, &g, 0, t);
	rtcache_set_pmtu(&C, &m, 1300, true, t + 30000, t);
	ck_assert_uint_eq(rtcache_deadline(&C, INET_V4), t + 30000);
	bool locked = false;
	ck_assert_uint_eq(rtcache_pmtu(&C, &m, t + 29999, &locked), 1300);
	ck_assert(locked);
	ck_assert_uint_eq(rtcache_pmtu(&C, &m, t + 30000, &locked), 0);
	ck_assert(!locked);
	ck_assert_uint_eq(C.n[0], 1);                      /* that lookup let it go */
	const struct rtcache_entry *e = rtcache_redirect(&C, &d, t + 200000);
	ck_assert_ptr_nonnull(e);
	rtcache_redirect_used(&C, e, t + 200000);        /* no renewal for IPv4 */
	ck_assert_uint_eq(rtcache_deadline(&C, INET_V4), t + RTCACHE_REDIRECT_MS);
	ck_assert_ptr_nonnull(rtcache_redirect(&C, &d, t + 299999));
	ck_assert_ptr_null(rtcache_redirect(&C, &d, t + 300000));
	ck_assert_uint_eq(C.n[0], 1);                      /* a const lookup keeps it ... */
	ck_assert_ptr_null(rtcache_next(&C, INET_V4, NULL, t + 300000));
	ck_assert(rtcache_empty(&C, INET_V4));             /* ... the walk drops it */
	homes_ok();
}
END_TEST

/* IPv6: a redirect lives 60 s from its last use; the timer (rtcache_expire at rtcache_deadline)
 * ends it, a lookup does not. A path MTU stops counting at its expiry and leaves with the timer. */
START_TEST(test_ageing_ipv6)
{
	memset(&C, 0, sizeof(C));
	struct inet_addr d = a6(9, 1), g = a6(1, 7), m = a6(9, 2);
	uint64_t t = 1000;
	rtcache_set_redirect(&C, &d, &g, 0, t);
	ck_assert_uint_eq(rtcache_deadline(&C, INET_V6), t + 60000);
	const struct rtcache_entry *e = rtcache_redirect(&C, &d, t + 50000);
	ck_assert_ptr_nonnull(e);
	rtcache_redirect_used(&C, e, t + 50000);
	ck_assert_uint_eq(rtcache_deadline(&C, INET_V6), t + 110000);
	rtcache_expire(&C, INET_V6, t + 109999);
	ck_assert_ptr_nonnull(rtcache_redirect(&C, &d, t + 110000)); /* the timer has not run yet */
	rtcache_expire(&C, INET_V6, t + 110000);
	ck_assert_ptr_null(rtcache_redirect(&C, &d, t + 110000));
	ck_assert(rtcache_empty(&C, INET_V6));
	rtcache_set_pmtu(&C, &m, 1400, false, t + 600000, t);
	ck_assert_uint_eq(pmtu_of(&m, t + 599999), 1400);
	ck_assert_uint_eq(pmtu_of(&m, t + 600000), 0);
	ck_assert_uint_eq(C.n[1], 1);                      /* no lookup drops it ... */
	ck_assert_ptr_nonnull(rtcache_next(&C, INET_V6, NULL, t + 600000));
	rtcache_expire(&C, INET_V6, t + 600000);
	ck_assert(rtcache_empty(&C, INET_V6));             /* ... the timer does */
	ck_assert_uint_eq(rtcache_deadline(&C, INET_V6), UINT64_MAX);
	homes_ok();
}
END_TEST

static int run(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

static void fx6_setup(void)
{
	FX_IPV6 = true;
	fx_setup();
	FX_IPV6 = false;
}

/* Both families through the stack: `route cache` prints IPv4's (by low byte) then IPv6's (as
 * learned); 60 s on, IPv6's redirect that was used at 30 s is still there, 30 s later it has gone,
 * while IPv4's counts down from 300 s. */
START_TEST(test_route_cache_both_families)
{
	struct sbuf out = { 0 };
	static const uint8_t G2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	static const uint8_t D5[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 };
	static const uint8_t D9[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9 };
	static const uint8_t LL7[16] = { 0xfe, 0x80, [15] = 7 };
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	advance(2500);
	tx_clear();
	rtcache_learn_pmtu(T, IP(192, 0, 2, 77), 1300);
	rtcache_learn_redirect(T, IP(203, 0, 113, 5), IP(192, 0, 2, 7), 0);
	rt6cache_learn_redirect(T, D5, LL7, 0);
	rt6cache_learn_pmtu(T, D9, 1400);
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.5 via 192.0.2.7 dev tap0 redirected expires 300s\n"
					 "192.0.2.77 pmtu 1300 expires 600s\n"
					 "2001:db8:1::5 via fe80::7 dev tap0\n"
					 "2001:db8:1::9 mtu 1400 expires 600sec\n");
	advance(30000);
	struct route6_res rr;
	ck_assert_int_eq(route6_lookup(T, D5, -1, &rr), 0);
	ck_assert(rr.redirected);
	advance(30000);
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.5 via 192.0.2.7 dev tap0 redirected expires 240s\n"
					 "192.0.2.77 pmtu 1300 expires 540s\n"
					 "2001:db8:1::5 via fe80::7 dev tap0\n"
					 "2001:db8:1::9 mtu 1400 expires 540sec\n");
	advance(30000);
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.5 via 192.0.2.7 dev tap0 redirected expires 210s\n"
					 "192.0.2.77 pmtu 1300 expires 510s\n"
					 "2001:db8:1::9 mtu 1400 expires 510sec\n");
	ck_assert_int_eq(route6_lookup(T, D5, -1, &rr), 0);
	ck_assert(!rr.redirected);
	tx_clear();
	sbuf_free(&out);
}
END_TEST

/* Between whole seconds each family rounds as its `ip route` does: IPv4's lifetimes up, IPv6's
 * down. And IPv4's listing is one of the things that drop its expired parts (no timer does). */
START_TEST(test_route_cache_rounding_and_lazy_listing)
{
	struct sbuf out = { 0 };
	static const uint8_t G2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	static const uint8_t D9[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9 };
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	advance(2500);
	tx_clear();
	rtcache_learn_pmtu(T, IP(192, 0, 2, 77), 1300);
	rtcache_learn_redirect(T, IP(203, 0, 113, 5), IP(192, 0, 2, 7), 0);
	rt6cache_learn_pmtu(T, D9, 1400);
	advance(500);
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.5 via 192.0.2.7 dev tap0 redirected expires 300s\n"
					 "192.0.2.77 pmtu 1300 expires 600s\n"
					 "2001:db8:1::9 mtu 1400 expires 599sec\n");
	advance(599500);
	ck_assert(!rtcache_empty(T->rtcache, INET_V4));
	ck_assert_int_eq(run("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	ck_assert(rtcache_empty(T->rtcache, INET_V4));
	tx_clear();
	sbuf_free(&out);
}
END_TEST

/* The route text of both families, parsed by one parser: each refusal's words (`route add`). */
static const struct { const char *spec, *err; } route_refusals[] = {
	{ "203.0.113.1/25,prohibit", "route add: host bits set in \"203.0.113.1/25\"\n" },
	{ "203.0.113.0/33,blackhole", "route add: bad prefix \"203.0.113.0/33\" (want A.B.C.D/LEN or default)\n" },
	{ "203.0.113.0/25", "route add: \"203.0.113.0/25\" needs via=GW, prohibit or blackhole\n" },
	{ "203.0.113.0/25,via=192.0.2.300", "route add: bad gateway \"192.0.2.300\"\n" },
	{ "203.0.113.0/25,via=192.0.2.1%tap0", "route add: bad gateway \"192.0.2.1%tap0\"\n" },
	{ "203.0.113.0/25,frob", "route add: unknown route kind \"frob\" (via=GW, prohibit, blackhole)\n" },
	{ "203.0.113.0/25,via=203.0.113.1", "route add: gateway 203.0.113.1 is not on a connected subnet\n" },
	{ "203.0.113.0/25,via=192.0.2.2", "route add: gateway 192.0.2.2 is not on a connected subnet\n" },
	{ "2001:db8:2::1/64,prohibit", "route add: host bits set in \"2001:db8:2::1/64\"\n" },
	{ "2001:db8:2::/129,prohibit", "route add: bad prefix \"2001:db8:2::/129\" (want IPV6/LEN)\n" },
	{ "2001:db8:2::/64", "route add: \"2001:db8:2::/64\" needs via=GW, prohibit or blackhole\n" },
	{ "2001:db8:2::/64,frob", "route add: bad route option \"frob\" (want via=IPV6[%IFACE], prohibit or blackhole)\n" },
	{ "2001:db8:2::/64,via=192.0.2.1",
	  "route add: bad route option \"via=192.0.2.1\" (want via=IPV6[%IFACE], prohibit or blackhole)\n" },
	{ "2001:db8:2::/64,via=fe80::1%tap9", "route add: link-local gateway fe80::1 needs its interface: via=fe80::1%IFACE\n" },
	{ "2001:db8:2::/64,via=2001:db8:9::1", "route add: gateway 2001:db8:9::1 is not on a connected prefix\n" },
};

START_TEST(test_route_text_refused)
{
	struct sbuf out = { 0 };
	static const uint8_t G2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	char cmd[160];
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	snprintf(cmd, sizeof(cmd), "route add %s", route_refusals[_i].spec);
	ck_assert_int_eq(run(cmd, &out), 2);
	ck_assert_str_eq(sbuf_str(&out), route_refusals[_i].err);
	sbuf_free(&out);
}
END_TEST

/* And what both accept: a gateway, default, prohibit, blackhole, a link-local gateway with its link. */
START_TEST(test_route_text_taken)
{
	struct sbuf out = { 0 };
	static const uint8_t G2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	ck_assert_int_eq(stack_addr6_add(T, 0, G2, 64), 0);
	ck_assert_int_eq(run("route add 203.0.113.0/25,via=192.0.2.1", &out), 0);
	ck_assert_int_eq(run("route add default,via=192.0.2.1", &out), 0);
	ck_assert_int_eq(run("route add 203.0.113.128/26,prohibit", &out), 0);
	ck_assert_int_eq(run("route add 203.0.113.192/26,blackhole", &out), 0);
	ck_assert_int_eq(run("route add 2001:db8:2::/64,via=fe80::1%tap1", &out), 0);
	ck_assert_int_eq(run("route add 2001:db8:3::/64,via=2001:db8:1::1", &out), 0);
	ck_assert_int_eq(run("route add 2001:db8:4::/64,prohibit", &out), 0);
	ck_assert_int_eq(run("route add 2001:db8:5::/64,blackhole", &out), 0);
	ck_assert_int_eq(run("route", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "192.0.2.0/24 dev tap0 scope link src 192.0.2.2\n"
					 "198.51.100.0/24 dev tap1 scope link src 198.51.100.1\n"
					 "203.0.113.0/25 via 192.0.2.1 dev tap0\n"
					 "default via 192.0.2.1 dev tap0\n"
					 "203.0.113.128/26 prohibit\n"
					 "203.0.113.192/26 blackhole\n"
					 "2001:db8:1::/64 dev tap0 proto kernel\n"
					 "2001:db8:2::/64 via fe80::1 dev tap1\n"
					 "2001:db8:3::/64 via 2001:db8:1::1 dev tap0\n"
					 "prohibit 2001:db8:4::/64\n"
					 "blackhole 2001:db8:5::/64\n");
	sbuf_free(&out);
}
END_TEST

Suite *rtcache_suite(void)
{
	Suite *s = suite_create("rtcache");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, test_families_coexist);
	tcase_add_test(tc, test_sizes_and_lru_per_family);
	tcase_add_test(tc, test_placement);
	tcase_add_test(tc, test_ageing_ipv4);
	tcase_add_test(tc, test_ageing_ipv6);
	suite_add_tcase(s, tc);
	TCase *st = tcase_create("stack");
	tcase_add_checked_fixture(st, fx6_setup, fx_teardown);
	tcase_add_test(st, test_route_cache_both_families);
	tcase_add_test(st, test_route_cache_rounding_and_lazy_listing);
	tcase_add_loop_test(st, test_route_text_refused, 0, (int)(sizeof(route_refusals) / sizeof(route_refusals[0])));
	tcase_add_test(st, test_route_text_taken);
	suite_add_tcase(s, st);
	return s;
}
