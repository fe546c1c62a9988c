/* tests/unit/check_ctl.c — control commands and knobs. */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"

static int run(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

START_TEST(test_stats_text_and_json)
{
	struct sbuf out = { 0 };
	struct frame f;
	feed(0, f.b, build_echo(&f, 1, 1, 8));
	tx_clear();
	ck_assert_int_eq(run("stats", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "IcmpInMsgs"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "IcmpMsgInType8               1\n"));
	ck_assert_ptr_null(strstr(sbuf_str(&out), "IcmpMsgInType3"));   /* zero: not listed */
	ck_assert_int_eq(run("stats --json", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "\"IcmpMsgOutType0\": 1"));
	ck_assert_int_eq(sbuf_str(&out)[0], '{');
	ck_assert_int_eq(run("stats --bogus", &out), 2);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_sysctl)
{
	struct sbuf out = { 0 };
	long v;
	ck_assert_int_eq(run("sysctl icmp_echo_ignore_broadcasts", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "icmp_echo_ignore_broadcasts = 1\n");
	ck_assert_int_eq(run("sysctl icmp_echo_ignore_broadcasts=0", &out), 0);
	ck_assert_int_eq(stack_knob_get(T, "icmp_echo_ignore_broadcasts", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(run("sysctl ip_default_ttl=0", &out), 2);      /* out of range */
	ck_assert_int_eq(run("sysctl ip_default_ttl=abc", &out), 2);
	ck_assert_int_eq(run("sysctl nosuch", &out), 2);
	ck_assert_int_eq(run("sysctl", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "ip_default_ttl = 64\n"));
	ck_assert_int_eq(stack_knob_set(T, "ip_default_ttl", "0x20"), 0);
	ck_assert_int_eq(stack_knob_set(T, "ip_default_ttl", "256"), -ERANGE);
	ck_assert_int_eq(stack_knob_set(T, "nosuch", "1"), -ENOENT);
	ck_assert_int_eq(stack_knob_set(T, "ip_default_ttl", ""), -EINVAL);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_addr_neigh_unknown)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(run("addr", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "inet 192.0.2.2/24 brd 192.0.2.255"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "tap1 <UP> mtu 1500 lladdr 02:00:00:00:01:01"));
	ck_assert_int_eq(run("neigh", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "192.0.2.1 dev tap0 lladdr 02:00:00:00:00:01 REACHABLE"));
	ck_assert_int_eq(run("frobnicate", &out), 2);
	ck_assert_str_eq(sbuf_str(&out), "unknown command \"frobnicate\" (try: help)\n");
	ck_assert_int_eq(run("frobnicate \x01", &out), 2);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "control byte \\x01"));
	ck_assert_int_eq(run("", &out), 2);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_addr_validation)
{
	ck_assert_int_eq(stack_addr_add(T, 0, IP(192, 0, 2, 0), 24), -EINVAL);   /* network address */
	ck_assert_int_eq(stack_addr_add(T, 0, IP(192, 0, 2, 255), 24), -EINVAL); /* broadcast */
	ck_assert_int_eq(stack_addr_add(T, 0, IP(127, 0, 0, 1), 8), -EINVAL);
	ck_assert_int_eq(stack_addr_add(T, 0, IP(224, 0, 0, 1), 4), -EINVAL);
	ck_assert_int_eq(stack_addr_add(T, 0, IP(192, 0, 2, 9), 33), -EINVAL);
	ck_assert_int_eq(stack_addr_add(T, 0, US_IP, 24), -EEXIST);
	ck_assert_int_eq(stack_addr_add(T, 7, IP(192, 0, 2, 9), 24), -EINVAL);
	ck_assert_int_eq(stack_iface_add(T, "tap0", US0, 1500), -EEXIST);
	ck_assert_int_eq(stack_iface_add(T, "tapz", US0, 67), -EINVAL);
}
END_TEST

/* Issue 11: knob values are read as the kernel's proc_dointvec reads them (base 0). */
START_TEST(test_sysctl_base0)
{
	struct sbuf out = { 0 };
	long v;
	ck_assert_int_eq(run("sysctl icmp_ratemask=0x1819", &out), 0);
	ck_assert_int_eq(stack_knob_get(T, "icmp_ratemask", &v), 0);
	ck_assert_int_eq(v, 0x1819);
	ck_assert_int_eq(run("sysctl ip_default_ttl=010", &out), 0);
	ck_assert_int_eq(stack_knob_get(T, "ip_default_ttl", &v), 0);
	ck_assert_int_eq(v, 8);
	ck_assert_int_eq(run("sysctl ip_default_ttl=08", &out), 2); /* not octal */
	sbuf_free(&out);
}
END_TEST

/* Issue 11: a control byte is never echoed back raw: the line is refused, the byte escaped. */
START_TEST(test_ctl_control_bytes_refused)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(run("udp bind \x1b[2J5000", &out), 2);
	ck_assert_str_eq(sbuf_str(&out), "control byte \\x1b in the command line (at byte 10): refused\n");
	ck_assert_int_eq(run("route add 203.0.113.0/24,via=\x7f", &out), 2);
	ck_assert_str_eq(sbuf_str(&out), "control byte \\x7f in the command line (at byte 30): refused\n");
	ck_assert_int_eq(run("sysctl\rip_default_ttl", &out), 2);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "\\x0d"));
	ck_assert_int_eq(run("sysctl\tip_default_ttl", &out), 0); /* a tab separates words */
	sbuf_free(&out);
}
END_TEST

/* Issue 11: the interpreter takes every line the control socket takes (STACK_CTL_LINE_MAX). */
START_TEST(test_ctl_line_limit)
{
	struct sbuf out = { 0 };
	static char line[STACK_CTL_LINE_MAX + 2];
	memset(line, ' ', sizeof(line) - 1);
	memcpy(line, "stats", 5);
	line[STACK_CTL_LINE_MAX] = '\0';
	ck_assert_int_eq(run(line, &out), 0);
	line[STACK_CTL_LINE_MAX] = ' ';
	ck_assert_int_eq(run(line, &out), 2);
	ck_assert_str_eq(sbuf_str(&out), "command too long (at most 4096 bytes)\n");
	sbuf_free(&out);
}
END_TEST

/* Issue 13: `drops` explains every frame read: each has exactly one fate, and each drop and each
 * error not sent has a named reason. */
START_TEST(test_drops_explains_every_frame)
{
	struct sbuf out = { 0 };
	struct frame f;
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0x77, 0x77 };
	static const uint8_t u[12] = { 0x30, 0x39, 0x00, 0x09, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd' };
	feed(0, f.b, build_echo(&f, 1, 1, 8));                                  /* answered */
	struct ip_spec closed = { .src = PEER_IP, .dst = US_IP, .proto = 17 };
	feed(0, f.b, build_ip(&f, &closed, u, sizeof(u)));                     /* dropped: UdpNoPorts, 3/3 sent */
	struct ip_spec far = { .src = IP(203, 0, 113, 5), .dst = US_IP, .proto = 17 };
	feed(0, f.b, build_ip(&f, &far, u, sizeof(u)));                        /* dropped; no route back */
	struct ip_spec mac = { .src = PEER_IP, .dst = US_IP, .proto = 17, .dstmac = other };
	feed(0, f.b, build_ip(&f, &mac, u, sizeof(u)));                        /* dropped: another host */
	feed(0, f.b, build_arp(&f, US0, 2, PEERMAC, PEER_IP, US0, US_IP));      /* delivered to ARP */
	struct ip_spec frag = { .src = PEER_IP, .dst = US_IP, .proto = 17, .id = 7, .frag = 0x2000 };
	feed(0, f.b, build_ip(&f, &frag, u, 8));                               /* held by reassembly */
	tx_clear();
	ck_assert_int_eq(run("drops", &out), 0);
	ck_assert_str_eq(sbuf_str(&out),
			 "EthInFrames                  7\n"   /* the fixture's ARP request too */
			 "RxAnswered                   2\n"
			 "RxForwarded                  0\n"
			 "RxDelivered                  1\n"
			 "RxHeld                       1\n"
			 "RxDropped                    3\n"
			 "dropped, by reason:\n"
			 "  EthInOtherHost             1\n"
			 "  UdpNoPorts                 2\n"
			 "errors not sent, by reason:\n"
			 "  IcmpErrNotSentNoRoute      1\n");
	ck_assert_int_eq(run("drops --json", &out), 0);
	ck_assert_str_eq(sbuf_str(&out),
			 "{\"frames\": 7, \"RxAnswered\": 2, \"RxForwarded\": 0, \"RxDelivered\": 1, \"RxHeld\": 1, "
			 "\"RxDropped\": 3, \"RxUnaccounted\": 0, \"dropped_by_reason\": {\"EthInOtherHost\": 1, "
			 "\"UdpNoPorts\": 2}, \"errors_not_sent\": {\"IcmpErrNotSentNoRoute\": 1}}\n");
	ck_assert_int_eq(run("drops --bogus", &out), 2);
	advance(31000); /* the held fragment times out */
	tx_clear();
	sbuf_free(&out);
}
END_TEST

Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_stats_text_and_json);
	tcase_add_test(tc, test_sysctl);
	tcase_add_test(tc, test_sysctl_base0);
	tcase_add_test(tc, test_ctl_control_bytes_refused);
	tcase_add_test(tc, test_ctl_line_limit);
	tcase_add_test(tc, test_drops_explains_every_frame);
	tcase_add_test(tc, test_addr_neigh_unknown);
	tcase_add_test(tc, test_addr_validation);
	suite_add_tcase(s, tc);
	return s;
}
