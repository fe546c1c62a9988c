/* tests/unit/check_addr.c — addresses of either family (stack/addr.c), and the control commands
 * taking them. */
#include <string.h>

#include "stack/addr.h"
#include "tests/unit/harness.h"

/* Text in, text out: RFC 5952's canonical form for IPv6, the dotted quad for IPv4. */
static const struct { const char *in, *out; } addr_ok[] = {
	{ "192.0.2.1", "192.0.2.1" },
	{ "0.0.0.0", "0.0.0.0" },
	{ "2001:db8::1", "2001:db8::1" },
	{ "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
	{ "::", "::" },
	{ "::1", "::1" },
	{ "fe80::", "fe80::" },
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },        /* the first of two equal runs */
	{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },     /* one zero group stays */
	{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6" },
	{ "ff02::1:ff00:2", "ff02::1:ff00:2" },
};
static const char *const addr_bad[] = {
	"", "192.0.2", "192.0.2.256", "1.2.3.4.5", ":", ":::", "1::2::3", "2001:db8::1:", ":2001:db8::1",
	"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "2001:db8::g", "1:2:3:4:5:6:7::8:9",
};

START_TEST(test_addr_text_round_trip)
{
	struct inet_addr a;
	char buf[INET_STRLEN];
	ck_assert_int_eq(inet_parse(addr_ok[_i].in, &a), 0);
	ck_assert_str_eq(inet_ntop_buf(&a, buf), addr_ok[_i].out);
	ck_assert_int_eq(a.family, strchr(addr_ok[_i].in, ':') ? INET_V6 : INET_V4);
}
END_TEST

START_TEST(test_addr_text_refused)
{
	struct inet_addr a;
	ck_assert_msg(inet_parse(addr_bad[_i], &a) != 0, "\"%s\" accepted", addr_bad[_i]);
}
END_TEST

START_TEST(test_addr_compare)
{
	struct inet_addr a, b, z4 = inet_v4(0), z6;
	ck_assert_int_eq(inet_parse("2001:db8::1", &a), 0);
	ck_assert_int_eq(inet_parse("2001:db8:0::1", &b), 0);
	ck_assert_int_eq(inet_parse("::", &z6), 0);
	ck_assert(inet_eq(&a, &b));
	ck_assert(!inet_eq(&a, &z6));
	ck_assert(inet_is_any(&z4) && inet_is_any(&z6) && !inet_is_any(&a));
	struct inet_addr v4 = inet_v4(0xc0000201);
	ck_assert(!inet_eq(&v4, &a));
}
END_TEST

static int run(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

/* The UDP commands take either family's address (here with IPv6 off: no route, not ours). */
START_TEST(test_udp_commands_ipv6_form)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(run("udp send [2001:db8::1]:9 hello", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "udp send: Network is unreachable\n");
	ck_assert_int_eq(run("udp bind [2001:db8::1]:5000", &out), 1);
	ck_assert_str_eq(sbuf_str(&out), "udp bind: [2001:db8::1]:5000: not our address\n");
	ck_assert_int_eq(run("udp send 2001:db8::1:9 x", &out), 2);       /* IPv6 wants brackets */
	ck_assert_int_eq(run("udp send [192.0.2.1]:9 x", &out), 2);       /* IPv4 wants none */
	ck_assert_int_eq(run("udp send [2001:db8::1:9 x", &out), 2);
	ck_assert_int_eq(run("udp sockets", &out), 2);
	ck_assert_int_eq(run("sockets", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");                              /* nothing left open */
	ck_assert_int_eq(run("udp send 192.0.2.1:9 x", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "sent 1 bytes from udp 0.0.0.0:40001 to 192.0.2.1:9\n");
	sbuf_free(&out);
}
END_TEST

Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");
	tcase_add_loop_test(tc, test_addr_text_round_trip, 0, (int)(sizeof(addr_ok) / sizeof(addr_ok[0])));
	tcase_add_loop_test(tc, test_addr_text_refused, 0, (int)(sizeof(addr_bad) / sizeof(addr_bad[0])));
	tcase_add_test(tc, test_addr_compare);
	suite_add_tcase(s, tc);
	TCase *c = tcase_create("ctl");
	tcase_add_checked_fixture(c, fx_setup, fx_teardown);
	tcase_add_test(c, test_udp_commands_ipv6_form);
	suite_add_tcase(s, c);
	return s;
}
