/* tests/unit/check_icmp4.c — the ICMP receive path (§1), echo (§2), timestamp (§3), mask (§4). */
#include <string.h>

#include "tests/unit/harness.h"


/* Sends an ICMP message of the given type to dst in a frame to dstmac, from PEER. */
static void icmp_to(uint32_t dst, const uint8_t *dstmac, uint8_t type, uint8_t code, uint32_t w2,
		    const uint8_t *data, size_t dlen, uint8_t tos)
{
	struct frame f;
	static uint8_t m[2048];
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 1, .tos = tos, .dstmac = dstmac };
	build_ip(&f, &s, m, build_icmp(m, type, code, w2, data, dlen));
	feed(0, f.b, f.len);
}

START_TEST(test_echo_reply_fields)
{
	struct frame q, r;
	uint8_t data[56];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa0 + i);
	static uint8_t m[64];
	size_t n = build_icmp(m, 8, 5, 0x1234abcd, data, sizeof(data)); /* code 5: must come back as 5 */
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1, .tos = 0xb9, .ttl = 3, .id = 777 };
	build_ip(&q, &s, m, n);
	feed(0, q.b, q.len);
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_uint_eq(r.len, q.len);
	/* Ethernet */
	ck_assert_mem_eq(r.b, PEERMAC, 6);
	ck_assert_mem_eq(r.b + 6, US0, 6);
	ck_assert_uint_eq(rd16(r.b + 12), 0x0800);
	/* IPv4 */
	const uint8_t *h = r.b + 14;
	ck_assert_uint_eq(h[0], 0x45);
	ck_assert_uint_eq(h[1], 0xb9);                 /* R2.4: TOS verbatim, ECN bits too */
	ck_assert_uint_eq(rd16(h + 2), 20 + n);
	ck_assert_uint_eq(rd16(h + 6), 0);             /* DF clear, no fragment */
	ck_assert_uint_eq(h[8], 64);                   /* ip_default_ttl, not the request's 3 */
	ck_assert_uint_eq(h[9], 1);
	ck_assert_uint_eq(cksum(h, 20), 0);
	ck_assert_uint_eq(rd32(h + 12), US_IP);
	ck_assert_uint_eq(rd32(h + 16), PEER_IP);
	/* ICMP */
	const uint8_t *e = h + 20;
	ck_assert_uint_eq(e[0], 0);
	ck_assert_uint_eq(e[1], 5);                    /* R2.2: code copied */
	ck_assert_uint_eq(cksum(e, n), 0);
	ck_assert_uint_eq(rd32(e + 4), 0x1234abcd);    /* id, seq */
	ck_assert_mem_eq(e + 8, data, sizeof(data));
	ck_assert_uint_eq(ctr("IcmpInMsgs"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgInType8"), 1);
	ck_assert_uint_eq(ctr("IcmpInEchos"), 1);
	ck_assert_uint_eq(ctr("IcmpOutMsgs"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgOutType0"), 1);
	ck_assert_uint_eq(ctr("IcmpOutEchoReps"), 1);
	ck_assert_uint_eq(ctr("IpOutRequests"), 1);
}
END_TEST

START_TEST(test_echo_ids_fresh)
{
	struct frame q, r1, r2;
	feed(0, q.b, build_echo(&q, 1, 1, 8));
	feed(0, q.b, build_echo(&q, 1, 2, 8));
	tx_take(&r1);
	tx_take(&r2);
	ck_assert_uint_ne(rd16(r1.b + 14 + 4), rd16(r2.b + 14 + 4));
}
END_TEST

START_TEST(test_echo_1472)
{
	struct frame q, r;
	feed(0, q.b, build_echo(&q, 9, 9, 1472));
	ck_assert_uint_eq(q.len, 1514);
	tx_take(&r);
	ck_assert_uint_eq(r.len, 1514);
	ck_assert_mem_eq(r.b + 14 + 28, q.b + 14 + 28, 1472); /* data returned whole */
	ck_assert_uint_eq(cksum(r.b + 34, 1480), 0);
}
END_TEST

START_TEST(test_echo_ignore_all)
{
	struct frame q;
	set_knob("icmp_echo_ignore_all", "1");
	feed(0, q.b, build_echo(&q, 1, 1, 8));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IcmpMsgInType8"), 1);
	ck_assert_uint_eq(ctr("IcmpInErrors"), 0);     /* R2.1: silently */
}
END_TEST

START_TEST(test_echo_broadcast_when_allowed)
{
	struct frame r;
	set_knob("icmp_echo_ignore_broadcasts", "0");
	icmp_to(IP(192, 0, 2, 255), BCASTMAC, 8, 0, 7, NULL, 0, 0);
	icmp_to(0xffffffffu, BCASTMAC, 8, 0, 8, NULL, 0, 0);
	icmp_to(IP(224, 0, 0, 1), (const uint8_t[]){ 0x01, 0, 0x5e, 0, 0, 1 }, 8, 0, 9, NULL, 0, 0);
	ck_assert_uint_eq(tx_count(), 3);
	for (int i = 0; i < 3; i++) {
		tx_take(&r);
		ck_assert_mem_eq(r.b, PEERMAC, 6);             /* answered to the requester, unicast */
		ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP); /* R2.3: the interface's address */
		ck_assert_uint_eq(rd32(r.b + 14 + 16), PEER_IP);
	}
	ck_assert_uint_eq(ctr("IpInBcastPkts"), 2);
	ck_assert_uint_eq(ctr("IpInMcastPkts"), 1);
}
END_TEST

START_TEST(test_unicast_ip_in_l2_broadcast_answered)
{
	struct frame r;
	icmp_to(US_IP, BCASTMAC, 8, 0, 1, NULL, 0, 0); /* R1.9 */
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	ck_assert_uint_eq(r.b[14 + 20], 0);
}
END_TEST

START_TEST(test_reply_source_other_interface)
{
	struct frame r;
	/* R2.3: the request's destination when it is ours, even on another interface. */
	icmp_to(US1_IP, NULL, 8, 0, 1, NULL, 0, 0);
	ck_assert_uint_eq(tx_take(&r), 0);
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US1_IP);
}
END_TEST

START_TEST(test_silent_types)
{
	/* R1.6: obsolete and unsolicited types vanish without InErrors. */
	const uint8_t types[] = { 1, 2, 6, 7, 9, 10, 14, 15, 16, 17, 18, 0, 42, 43 };
	uint8_t body[12] = { 0 };
	for (size_t i = 0; i < sizeof(types); i++)
		icmp_to(US_IP, NULL, types[i], 0, 0, body, sizeof(body), 0);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IcmpInErrors"), 0);
	ck_assert_uint_eq(ctr("IcmpInMsgs"), sizeof(types));
	ck_assert_uint_eq(ctr("IcmpMsgInType17"), 1);   /* R4.1: still counted */
	ck_assert_uint_eq(ctr("IcmpInAddrMasks"), 1);
}
END_TEST

START_TEST(test_timestamp_reply)
{
	struct frame r;
	/* Wall clock 10:00:00.123 UTC on some day. */
	uint64_t want = 10u * 3600000u + 123;
	stack_set_wall_offset(T, (int64_t)(20000ull * 86400000ull + want) - (int64_t)NOW);
	uint8_t body[12] = { 0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff, 0xee, 0xee, 0xee, 0xee };
	icmp_to(US_IP, NULL, 13, 0, 0x00420007, body, sizeof(body), 0x10);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	const uint8_t *h = r.b + 14, *m = h + 20;
	ck_assert_uint_eq(rd16(h + 2), 40);            /* R3.2: exactly 20 bytes of ICMP */
	ck_assert_uint_eq(h[1], 0x10);
	ck_assert_uint_eq(m[0], 14);
	ck_assert_uint_eq(m[1], 0);
	ck_assert_uint_eq(cksum(m, 20), 0);
	ck_assert_uint_eq(rd32(m + 4), 0x00420007);
	ck_assert_uint_eq(rd32(m + 8), 0x01020304);    /* originate verbatim */
	ck_assert_uint_eq(rd32(m + 12), want);
	ck_assert_uint_eq(rd32(m + 16), want);
	ck_assert_uint_eq(ctr("IcmpOutTimestampReps"), 1); /* R3.4 */
	ck_assert_uint_eq(ctr("IcmpMsgOutType14"), 1);
	ck_assert_uint_eq(ctr("IcmpOutEchoReps"), 0);
}
END_TEST

START_TEST(test_timestamp_minimal_body)
{
	struct frame r;
	uint8_t body[4] = { 9, 9, 9, 9 }; /* 12-byte request: the reply still has 20 bytes */
	icmp_to(US_IP, NULL, 13, 0, 1, body, 4, 0);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 2), 40);
	ck_assert_uint_eq(rd32(r.b + 34 + 8), 0x09090909);
	ck_assert_uint_eq(rd32(r.b + 34 + 12) >> 31, 0); /* high bit clear: a standard value */
}
END_TEST

START_TEST(test_addrmask)
{
	struct frame r;
	uint8_t body[4] = { 0 };
	icmp_to(US_IP, NULL, 17, 0, 5, body, 4, 0);
	ck_assert_uint_eq(tx_count(), 0);              /* R4.1: default off */
	set_knob("icmp_addrmask_reply", "1");
	icmp_to(IP(192, 0, 2, 255), BCASTMAC, 17, 0, 5, body, 4, 0); /* R4.2: broadcast too */
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	const uint8_t *m = r.b + 34;
	ck_assert_uint_eq(m[0], 18);
	ck_assert_uint_eq(rd32(m + 4), 5);
	ck_assert_uint_eq(rd32(m + 8), 0xffffff00u);
	ck_assert_uint_eq(cksum(m, 12), 0);
}
END_TEST

Suite *icmp4_suite(void)
{
	Suite *s = suite_create("icmp4");
	TCase *tc = tcase_create("receive");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_echo_reply_fields);
	tcase_add_test(tc, test_echo_ids_fresh);
	tcase_add_test(tc, test_echo_1472);
	tcase_add_test(tc, test_echo_ignore_all);
	tcase_add_test(tc, test_echo_broadcast_when_allowed);
	tcase_add_test(tc, test_unicast_ip_in_l2_broadcast_answered);
	tcase_add_test(tc, test_reply_source_other_interface);
	tcase_add_test(tc, test_silent_types);
	tcase_add_test(tc, test_timestamp_reply);
	tcase_add_test(tc, test_timestamp_minimal_body);
	tcase_add_test(tc, test_addrmask);
	suite_add_tcase(s, tc);
	return s;
}
