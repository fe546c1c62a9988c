/* tests/unit/check_eth_arp.c — ARP answers, learning, resolution with retries and timeout, bounds. */
#include <string.h>

#include "eth/eth.h"
#include "eth/neigh.h"
#include "tests/unit/harness.h"

static const uint8_t ZERO[6];
static const uint8_t HOST7[6] = { 0x02, 0, 0, 0, 0, 0x07 };

START_TEST(test_gratuitous_at_up)
{
	struct stack_config cfg = { .pkb_count = 16 };
	struct stack *st = stack_new(&cfg);
	struct frame f;
	unsigned ifx;
	stack_iface_add(st, "tap9", US0, 1500);
	stack_addr_add(st, 0, US_IP, 24);
	stack_knob_set(st, "net.ipv6.conf.all.disable_ipv6", "1");
	stack_iface_up(st, 0, 5);
	struct pkb *p = stack_tx_pop(st, &ifx);
	ck_assert_ptr_nonnull(p);
	memcpy(f.b, p->data, p->len);
	ck_assert_uint_eq(p->len, 42);
	stack_pkb_free(st, p);
	ck_assert_mem_eq(f.b, BCASTMAC, 6);
	ck_assert_mem_eq(f.b + 6, US0, 6);
	ck_assert_uint_eq(rd16(f.b + 12), 0x0806);
	ck_assert_uint_eq(rd16(f.b + 14 + 6), 1);          /* a request ... */
	ck_assert_uint_eq(rd32(f.b + 14 + 14), US_IP);     /* ... whose sender ... */
	ck_assert_uint_eq(rd32(f.b + 14 + 24), US_IP);     /* ... and target are our address */
	ck_assert_mem_eq(f.b + 14 + 18, ZERO, 6);
	ck_assert_ptr_null(stack_tx_pop(st, &ifx));
	ck_assert_uint_eq(stack_pkb_in_use(st), 0);
	stack_free(st);
}
END_TEST

START_TEST(test_reply_to_request)
{
	struct frame f;
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, HOST7, IP(192, 0, 2, 7), ZERO, US_IP));
	ck_assert_uint_eq(tx_count(), 1);
	ck_assert_uint_eq(tx_take(&f), 0);
	ck_assert_uint_eq(f.len, 42);
	ck_assert_mem_eq(f.b, HOST7, 6);                   /* straight back to the asker */
	ck_assert_mem_eq(f.b + 6, US0, 6);
	const uint8_t *a = f.b + 14;
	ck_assert_uint_eq(rd16(a), 1);
	ck_assert_uint_eq(rd16(a + 2), 0x0800);
	ck_assert_uint_eq(a[4], 6);
	ck_assert_uint_eq(a[5], 4);
	ck_assert_uint_eq(rd16(a + 6), 2);
	ck_assert_mem_eq(a + 8, US0, 6);
	ck_assert_uint_eq(rd32(a + 14), US_IP);
	ck_assert_mem_eq(a + 18, HOST7, 6);
	ck_assert_uint_eq(rd32(a + 24), IP(192, 0, 2, 7));
	ck_assert_uint_eq(ctr("ArpInRequests"), 2);        /* the fixture's and this one */
	ck_assert_uint_eq(ctr("ArpOutReplies"), 2);
}
END_TEST

START_TEST(test_probe_answered_not_learned)
{
	struct frame f, r;
	/* RFC 5227 probe: sender IP 0. Answered; 0.0.0.0 must not enter the cache. */
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, HOST7, 0, ZERO, US_IP));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	struct sbuf out = { 0 };
	ck_assert_int_eq(stack_ctl(T, "neigh", &out, NOW), 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "0.0.0.0"));
	sbuf_free(&out);
}
END_TEST

/* An echo request from a host we have not heard from: the reply waits for ARP. */
static void echo_from_unknown(uint32_t src, uint16_t seq)
{
	struct frame f;
	uint8_t icmp[16];
	size_t n = build_icmp(icmp, 8, 0, seq, NULL, 0);
	struct ip_spec s = { .src = src, .dst = US_IP, .proto = 1, .srcmac = HOST7 };
	feed(0, f.b, build_ip(&f, &s, icmp, n));
}

static void expect_arp_request_for(uint32_t target)
{
	struct frame f;
	tx_take(&f);
	ck_assert_mem_eq(f.b, BCASTMAC, 6);
	ck_assert_uint_eq(rd16(f.b + 12), 0x0806);
	ck_assert_uint_eq(rd16(f.b + 14 + 6), 1);
	ck_assert_uint_eq(rd32(f.b + 14 + 14), US_IP);
	ck_assert_uint_eq(rd32(f.b + 14 + 24), target);
}

START_TEST(test_resolve_then_send)
{
	struct frame f;
	uint32_t h = IP(192, 0, 2, 7);
	echo_from_unknown(h, 1);
	ck_assert_uint_eq(tx_count(), 1);
	expect_arp_request_for(h);
	ck_assert_uint_eq(stack_next_deadline(T), NOW + 1000);
	ck_assert_uint_eq(stack_pkb_in_use(T), 1);         /* the reply, waiting */
	feed(0, f.b, build_arp(&f, US0, 2, HOST7, h, US0, US_IP));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&f);
	ck_assert_mem_eq(f.b, HOST7, 6);
	ck_assert_uint_eq(rd16(f.b + 12), 0x0800);
	ck_assert_uint_eq(f.b[14 + 20], 0);                /* the echo reply */
	ck_assert_uint_eq(rd32(f.b + 14 + 16), h);
}
END_TEST

START_TEST(test_three_tries_then_give_up)
{
	uint32_t h = IP(192, 0, 2, 7);
	echo_from_unknown(h, 1);
	expect_arp_request_for(h);
	advance(999);
	ck_assert_uint_eq(tx_count(), 0);                  /* not before a second has passed */
	advance(1);
	expect_arp_request_for(h);
	advance(1000);
	expect_arp_request_for(h);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("ArpOutRequests"), 3 + 2);   /* + the two gratuitous ones at start */
	advance(999);
	ck_assert_uint_eq(ctr("ArpResolveFailed"), 0);
	advance(1);
	ck_assert_uint_eq(ctr("ArpResolveFailed"), 1);
	ck_assert_uint_eq(ctr("IpOutDiscards"), 1);         /* the reply that waited */
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
}
END_TEST

START_TEST(test_pending_queue_bounded)
{
	uint32_t h = IP(192, 0, 2, 7);
	for (uint16_t i = 0; i < NEIGH_PENDING_MAX + 12; i++)
		echo_from_unknown(h, i);
	ck_assert_uint_eq(tx_count(), 1);                  /* one ARP request, not one each */
	tx_clear();
	ck_assert_uint_eq(ctr("ArpQueueDrops"), 12);
	ck_assert_uint_eq(stack_pkb_in_use(T), NEIGH_PENDING_MAX);
	advance(3000);
	ck_assert_uint_eq(ctr("IpOutDiscards"), NEIGH_PENDING_MAX);
	tx_clear();
}
END_TEST

START_TEST(test_pending_total_bounded)
{
	/* Many unresolved neighbours: together they hold at most an eighth of the pool, so that
	 * reception always finds buffers (a forwarding flood toward hosts that never answer). */
	for (unsigned i = 0; i < 200; i++)
		echo_from_unknown(IP(192, 0, 2, 10) + i % 200, (uint16_t)i);
	tx_clear();
	ck_assert_uint_eq(stack_pkb_in_use(T), 256 / 8);
	ck_assert_uint_eq(ctr("ArpQueueDrops"), 200 - 256 / 8);
	advance(3000);
	tx_clear();
}
END_TEST

static void big_pool_setup(void)
{
	FX_PKBS = 1024;
	fx_setup();
	FX_PKBS = 256;
}

START_TEST(test_cache_bounded)
{
	struct frame f;
	/* 1000 neighbours each asking for us: the cache stays at its size. */
	for (unsigned i = 0; i < 1000; i++) {
		uint8_t mac[6] = { 0x02, 1, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
		NOW++;
		feed(0, f.b, build_arp(&f, BCASTMAC, 1, mac, IP(192, 0, 2, 0) + 3 + (i % 250), ZERO, US_IP));
		tx_clear();
	}
	for (unsigned i = 0; i < 1000; i++) {
		uint8_t mac[6] = { 0x02, 2, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
		NOW++;
		feed(1, f.b, build_arp(&f, BCASTMAC, 1, mac, IP(198, 51, 100, 2) + (i % 250), ZERO, US1_IP));
		tx_clear();
	}
	ck_assert_uint_ge(ctr("ArpCacheEvictions"), 1);
	struct sbuf out = { 0 };
	stack_ctl(T, "neigh", &out, NOW);
	unsigned lines = 0;
	for (const char *c = sbuf_str(&out); *c; c++)
		lines += *c == '\n';
	ck_assert_uint_eq(lines, 256);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_entry_expires)
{
	struct frame f;
	struct sbuf out = { 0 };
	advance(60000);
	stack_ctl(T, "neigh", &out, NOW);
	ck_assert_str_eq(sbuf_str(&out), "");
	sbuf_free(&out);
	/* The next reply to the peer has to ask again. */
	feed(0, f.b, build_echo(&f, 1, 1, 8));
	expect_arp_request_for(PEER_IP);
	feed(0, f.b, build_arp(&f, US0, 2, PEERMAC, PEER_IP, US0, US_IP));
	tx_clear();
}
END_TEST

START_TEST(test_refresh_before_expiry)
{
	struct frame f;
	advance(56000);
	feed(0, f.b, build_echo(&f, 1, 1, 8));
	ck_assert_uint_eq(tx_count(), 2);
	tx_take(&f);                                       /* a unicast question first */
	ck_assert_mem_eq(f.b, PEERMAC, 6);
	ck_assert_uint_eq(rd16(f.b + 12), 0x0806);
	tx_take(&f);                                       /* the reply goes out meanwhile */
	ck_assert_uint_eq(rd16(f.b + 12), 0x0800);
}
END_TEST

START_TEST(test_gratuitous_updates_known_only)
{
	struct frame f;
	uint8_t newmac[6] = { 0x02, 0, 0, 0, 0, 0x55 };
	/* A gratuitous ARP from the peer updates its entry; one from a stranger creates nothing. */
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, newmac, PEER_IP, ZERO, PEER_IP));
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, HOST7, IP(192, 0, 2, 7), ZERO, IP(192, 0, 2, 7)));
	ck_assert_uint_eq(tx_count(), 0);
	feed(0, f.b, build_echo(&f, 1, 1, 8));
	tx_take(&f);
	ck_assert_mem_eq(f.b, newmac, 6);
	struct sbuf out = { 0 };
	stack_ctl(T, "neigh", &out, NOW);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "192.0.2.7"));
	sbuf_free(&out);
}
END_TEST

/* An ARP reply nobody asked for creates no entry (Linux, arp_accept=0; make diff's
 * arp-reply-unsolicited): an echo request from that host then waits for our own request. */
START_TEST(test_unsolicited_reply_not_learned)
{
	struct frame f;
	feed(0, f.b, build_arp(&f, US0, 2, HOST7, IP(192, 0, 2, 7), US0, US_IP));
	ck_assert_uint_eq(tx_count(), 0);
	struct sbuf out = { 0 };
	stack_ctl(T, "neigh", &out, NOW);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "192.0.2.7"));
	sbuf_free(&out);
	struct ip_spec s = { .src = IP(192, 0, 2, 7), .dst = US_IP, .proto = 1, .srcmac = HOST7 };
	uint8_t echo[16];
	size_t n = build_icmp(echo, 8, 0, 0x00010001, (const uint8_t *)"abcdefgh", 8);
	feed(0, f.b, build_ip(&f, &s, echo, n));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&f);
	ck_assert_uint_eq(rd16(f.b + 12), 0x0806);          /* who-has 192.0.2.7, the reply waits */
	ck_assert_uint_eq(rd32(f.b + 14 + 24), IP(192, 0, 2, 7));
}
END_TEST

START_TEST(test_iface_down_drops)
{
	struct frame f;
	stack_iface_down(T, 0);
	feed(0, f.b, build_echo(&f, 1, 1, 8));
	ck_assert_uint_eq(ctr("EthInIfaceDown"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

Suite *eth_arp_suite(void)
{
	Suite *s = suite_create("eth_arp");
	TCase *tc = tcase_create("arp");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_reply_to_request);
	tcase_add_test(tc, test_probe_answered_not_learned);
	tcase_add_test(tc, test_resolve_then_send);
	tcase_add_test(tc, test_three_tries_then_give_up);
	tcase_add_test(tc, test_pending_total_bounded);
	tcase_add_test(tc, test_cache_bounded);
	tcase_add_test(tc, test_entry_expires);
	tcase_add_test(tc, test_refresh_before_expiry);
	tcase_add_test(tc, test_gratuitous_updates_known_only);
	tcase_add_test(tc, test_iface_down_drops);
	tcase_add_test(tc, test_unsolicited_reply_not_learned);
	suite_add_tcase(s, tc);
	TCase *big = tcase_create("pending");
	tcase_add_checked_fixture(big, big_pool_setup, fx_teardown);
	tcase_add_test(big, test_pending_queue_bounded);
	suite_add_tcase(s, big);
	TCase *t2 = tcase_create("announce");
	tcase_add_test(t2, test_gratuitous_at_up);
	suite_add_tcase(s, t2);
	return s;
}
