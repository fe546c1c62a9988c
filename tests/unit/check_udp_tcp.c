/* tests/unit/check_udp_tcp.c — UDP stub sockets and services, the TCP reset stub. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stack/core.h"
#include "stack/udp.h"
#include "tests/unit/harness.h"

static size_t l4_frame(struct frame *f, uint8_t proto, uint32_t dst, const uint8_t *dstmac, uint8_t *l4, size_t len,
		       size_t csum_off, uint8_t tos)
{
	/* Fill the transport checksum over the pseudo header. */
	static uint8_t ph[2048];
	uint32_t src = PEER_IP;
	ph[0] = (uint8_t)(src >> 24); ph[1] = (uint8_t)(src >> 16); ph[2] = (uint8_t)(src >> 8); ph[3] = (uint8_t)src;
	ph[4] = (uint8_t)(dst >> 24); ph[5] = (uint8_t)(dst >> 16); ph[6] = (uint8_t)(dst >> 8); ph[7] = (uint8_t)dst;
	ph[8] = 0; ph[9] = proto; ph[10] = (uint8_t)(len >> 8); ph[11] = (uint8_t)len;
	l4[csum_off] = l4[csum_off + 1] = 0;
	memcpy(ph + 12, l4, len);
	uint16_t c = cksum(ph, 12 + len);
	l4[csum_off] = (uint8_t)(c >> 8);
	l4[csum_off + 1] = (uint8_t)c;
	struct ip_spec s = { .src = src, .dst = dst, .proto = proto, .dstmac = dstmac, .tos = tos };
	return build_ip(f, &s, l4, len);
}

static void send_udp(uint16_t sport, uint16_t dport, const char *text, uint32_t dst, const uint8_t *dstmac)
{
	struct frame f;
	uint8_t u[256];
	size_t n = strlen(text);
	u[0] = (uint8_t)(sport >> 8); u[1] = (uint8_t)sport; u[2] = (uint8_t)(dport >> 8); u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((8 + n) >> 8); u[5] = (uint8_t)(8 + n);
	memcpy(u + 8, text, n);
	feed(0, f.b, l4_frame(&f, 17, dst, dstmac, u, 8 + n, 6, 0));
}

/* UDP checksum of a received frame's datagram verifies. */
static void assert_udp_csum(const struct frame *r)
{
	const uint8_t *h = r->b + 14, *u = h + 20;
	uint16_t len = rd16(u + 4);
	uint8_t ph[2048];
	memcpy(ph, h + 12, 8);
	ph[8] = 0; ph[9] = 17; ph[10] = (uint8_t)(len >> 8); ph[11] = (uint8_t)len;
	memcpy(ph + 12, u, len);
	ck_assert_uint_eq(cksum(ph, 12 + len), 0);
}

static int ctl(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

START_TEST(test_bind_recv)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "bound udp 0.0.0.0:5000\n");
	ck_assert_int_eq(ctl("udp bind 5000", &out), 1);      /* in use */
	send_udp(1234, 5000, "hello world", US_IP, NULL);
	send_udp(1234, 5000, "bye\n", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), 2);
	ck_assert_uint_eq(stack_pkb_in_use(T), 2);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "udp 0.0.0.0:5000 rx 2 tx 0 queued 2"));
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "from 192.0.2.1:1234 11 bytes: hello world\nfrom 192.0.2.1:1234 4 bytes: bye\\x0a\n");
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
	ck_assert_int_eq(ctl("udp close 5000", &out), 0);
	send_udp(1234, 5000, "x", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 1);                     /* closed again: port unreachable */
	sbuf_free(&out);
}
END_TEST

START_TEST(test_rx_queue_bounded)
{
	struct sbuf out = { 0 };
	ctl("udp bind 5000", &out);
	for (int i = 0; i < UDP_RXQ_MAX + 5; i++)
		send_udp(1, 5000, "x", US_IP, NULL);
	ck_assert_uint_eq(ctr("UdpRcvbufErrors"), 5);
	ck_assert_uint_eq(ctr("UdpInErrors"), 5);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), UDP_RXQ_MAX);   /* the refused are not "in" */
	ck_assert_uint_eq(stack_pkb_in_use(T), UDP_RXQ_MAX);
	ctl("udp close 5000", &out);
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_send)
{
	struct sbuf out = { 0 }, out2 = { 0 };
	struct frame r;
	ck_assert_int_eq(ctl("udp send 192.0.2.1:6000 hello  there", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "sent 11 bytes from udp 0.0.0.0:40000 to 192.0.2.1:6000\n");
	tx_take(&r);
	const uint8_t *u = r.b + 34;
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP);
	ck_assert_uint_eq(rd16(u), 40000);
	ck_assert_uint_eq(rd16(u + 2), 6000);
	ck_assert_uint_eq(rd16(u + 4), 19);
	ck_assert_mem_eq(u + 8, "hello there", 11);
	assert_udp_csum(&r);
	ck_assert_int_eq(ctl("udp send --from 7777 192.0.2.1:6000 x", &out), 0);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 34), 7777);
	ck_assert_uint_eq(ctr("UdpOutDatagrams"), 2);
	ck_assert_int_eq(ctl("udp send 192.0.2.1 x", &out), 2);
	ck_assert_int_eq(ctl("udp send 192.0.2.1:0 x", &out), 2);
	ck_assert_int_eq(ctl("udp send 192.0.2.1:9", &out), 2);
	ck_assert_int_eq(ctl("udp send 203.0.113.1:9 x", &out), 1); /* no route */
	ck_assert_uint_eq(ctr("UdpOutDatagrams"), 2);                 /* not sent: not counted */
	ck_assert_int_eq(stack_ctl(T, "udp bogus", &out2, NOW), 2);
	sbuf_free(&out);
	sbuf_free(&out2);
}
END_TEST

START_TEST(test_echo_and_discard_services)
{
	struct frame r;
	ck_assert_int_eq(stack_service_enable(T, "echo"), 0);
	ck_assert_int_eq(stack_service_enable(T, "discard"), 0);
	ck_assert_int_eq(stack_service_enable(T, "echo"), -EADDRINUSE);
	ck_assert_int_eq(stack_service_enable(T, "chargen"), -ENOENT);
	send_udp(4321, 7, "ping me", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	const uint8_t *u = r.b + 34;
	ck_assert_uint_eq(rd32(r.b + 14 + 16), PEER_IP);
	ck_assert_uint_eq(rd16(u), 7);
	ck_assert_uint_eq(rd16(u + 2), 4321);
	ck_assert_mem_eq(u + 8, "ping me", 7);
	assert_udp_csum(&r);
	send_udp(4321, 9, "gone", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 0);
	/* No echo to a broadcast: tapstack never amplifies. */
	send_udp(4321, 7, "x", IP(192, 0, 2, 255), BCASTMAC);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), 3);
}
END_TEST

/* Issue 11: all receive queues together hold at most an eighth of the pool (UdpMemErrors), so
 * sockets nobody reads cannot take the buffers reception needs; ping still gets through. */
START_TEST(test_rx_queues_share_of_pool)
{
	struct sbuf out = { 0 };
	struct frame r;
	char cmd[32];
	unsigned share = FX_PKBS / UDP_RXQ_SHARE_DIV;
	for (unsigned p = 0; p < 8; p++) {
		snprintf(cmd, sizeof(cmd), "udp bind %u", 5000 + p);
		ck_assert_int_eq(ctl(cmd, &out), 0);
	}
	for (unsigned p = 0; p < 8; p++)
		for (int i = 0; i < UDP_RXQ_MAX; i++)
			send_udp(1, (uint16_t)(5000 + p), "x", US_IP, NULL);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), share);
	ck_assert_uint_eq(ctr("UdpMemErrors"), 8 * UDP_RXQ_MAX - share);
	ck_assert_uint_eq(ctr("UdpRcvbufErrors"), 0);
	ck_assert_uint_eq(ctr("UdpInErrors"), 8 * UDP_RXQ_MAX - share);
	ck_assert_uint_eq(stack_pkb_in_use(T), share);
	struct frame f;
	feed(0, f.b, build_echo(&f, 1, 1, 56));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	ck_assert_uint_eq(r.b[34], 0); /* echo reply */
	/* Reading one datagram makes room for one more. */
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	send_udp(1, 5007, "y", US_IP, NULL);
	ck_assert_uint_eq(ctr("UdpInDatagrams"), share + 1);
	for (unsigned p = 0; p < 8; p++) {
		snprintf(cmd, sizeof(cmd), "udp close %u", 5000 + p);
		ck_assert_int_eq(ctl(cmd, &out), 0);
	}
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
	sbuf_free(&out);
}
END_TEST

/* Issue 11: a send without --from closes its ephemeral socket; --keep keeps it until it has been
 * unused for UDP_KEEP_IDLE_MS. */
START_TEST(test_send_ephemeral_closed_unless_keep)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp send 192.0.2.1:6000 a", &out), 0);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	send_udp(9, 40000, "late", US_IP, NULL); /* to the port it used: nobody there */
	ck_assert_uint_eq(ctr("UdpNoPorts"), 1);
	tx_clear();
	ck_assert_int_eq(ctl("udp send --keep 192.0.2.1:6000 b", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "sent 1 bytes from udp 0.0.0.0:40001 to 192.0.2.1:6000\n");
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "udp 0.0.0.0:40001 rx 0 tx 1 queued 0 dropped 0\n");
	ck_assert_uint_le(stack_next_deadline(T), NOW + UDP_KEEP_IDLE_MS); /* the stack wakes for it */
	advance(UDP_KEEP_IDLE_MS - 1);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_str_ne(sbuf_str(&out), "");
	advance(1);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	ck_assert_uint_eq(stack_next_deadline(T) > NOW + 3600000u, 1);
	sbuf_free(&out);
}
END_TEST

/* Issue 11: the echo service never answers a source port below 1024 (another service: two of
 * them would echo each other forever) and answers at most UDP_ECHO_BURST at once, then
 * UDP_ECHO_PER_SEC a second. */
START_TEST(test_echo_loop_protection)
{
	ck_assert_int_eq(stack_service_enable(T, "echo"), 0);
	send_udp(7, 7, "loop", US_IP, NULL);
	send_udp(19, 7, "loop", US_IP, NULL);
	send_udp(1023, 7, "loop", US_IP, NULL);
	send_udp(0, 7, "loop", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("UdpEchoLoopDrops"), 4);
	send_udp(1024, 7, "fine", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 1);
	tx_clear();
	for (int i = 0; i < UDP_ECHO_BURST + 10; i++)
		send_udp(4000, 7, "x", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), UDP_ECHO_BURST - 1);
	ck_assert_uint_eq(ctr("UdpEchoRateLimited"), 11);
	tx_clear();
	advance(10); /* 10 ms: 10 more answers */
	for (int i = 0; i < 20; i++)
		send_udp(4000, 7, "x", US_IP, NULL);
	ck_assert_uint_eq(tx_count(), 10 * UDP_ECHO_PER_SEC / 1000);
	tx_clear();
}
END_TEST

START_TEST(test_udp_malformed)
{
	struct frame f;
	uint8_t u[16] = { 0, 1, 0x27, 0x0f, 0, 7 };          /* length 7 < 8 */
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 17 };
	feed(0, f.b, build_ip(&f, &s, u, 8));
	u[5] = 30;                                            /* length past the datagram */
	feed(0, f.b, build_ip(&f, &s, u, 16));
	feed(0, f.b, build_ip(&f, &s, u, 4));                /* shorter than a header */
	ck_assert_uint_eq(ctr("UdpInErrors"), 3);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* ---- TCP ---- */

static void send_tcp(uint8_t flags, uint32_t seq, uint32_t ack, size_t dlen, uint8_t tos, int corrupt)
{
	struct frame f;
	uint8_t t[64] = { 0x9c, 0x40, 0, 80 };
	t[4] = (uint8_t)(seq >> 24); t[5] = (uint8_t)(seq >> 16); t[6] = (uint8_t)(seq >> 8); t[7] = (uint8_t)seq;
	t[8] = (uint8_t)(ack >> 24); t[9] = (uint8_t)(ack >> 16); t[10] = (uint8_t)(ack >> 8); t[11] = (uint8_t)ack;
	t[12] = 0x50;
	t[13] = flags;
	t[14] = 0xff;
	for (size_t i = 0; i < dlen; i++)
		t[20 + i] = 'a';
	size_t n = l4_frame(&f, 6, US_IP, NULL, t, 20 + dlen, 16, tos);
	if (corrupt)
		f.b[n - 1] ^= 1;
	feed(0, f.b, n);
}

static void take_rst(struct frame *r)
{
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(r);
	const uint8_t *h = r->b + 14, *t = h + 20;
	ck_assert_uint_eq(h[9], 6);
	ck_assert_uint_eq(rd16(h + 2), 40);
	ck_assert_uint_eq(rd16(h + 6), 0x4000);              /* DF */
	ck_assert_uint_eq(rd16(t), 80);
	ck_assert_uint_eq(rd16(t + 2), 40000);
	ck_assert_uint_eq(t[12], 0x50);
	ck_assert_uint_eq(rd16(t + 14), 0);
	uint8_t ph[32];
	memcpy(ph, h + 12, 8);
	ph[8] = 0; ph[9] = 6; ph[10] = 0; ph[11] = 20;
	memcpy(ph + 12, t, 20);
	ck_assert_uint_eq(cksum(ph, 32), 0);
}

START_TEST(test_tcp_syn_gets_rst_ack)
{
	struct frame r;
	send_tcp(0x02, 1000, 0, 0, 0x28, 0);
	take_rst(&r);
	const uint8_t *t = r.b + 34;
	ck_assert_uint_eq(t[13], 0x14);                      /* RST|ACK */
	ck_assert_uint_eq(rd32(t + 4), 0);
	ck_assert_uint_eq(rd32(t + 8), 1001);                /* SEG.SEQ + SEG.LEN, SYN counts one */
	ck_assert_uint_eq(r.b[15], 0x28);                    /* TOS reflected */
	ck_assert_uint_eq(ctr("TcpOutRsts"), 1);
	ck_assert_uint_eq(ctr("TcpInSegs"), 1);
	ck_assert_uint_eq(ctr("IcmpOutMsgs"), 0);            /* not a protocol unreachable */
}
END_TEST

START_TEST(test_tcp_data_fin)
{
	struct frame r;
	send_tcp(0x01, 0xfffffff0u, 0, 10, 0, 0);            /* FIN with 10 bytes, no ACK */
	take_rst(&r);
	ck_assert_uint_eq(rd32(r.b + 34 + 8), 0xfffffff0u + 11);
}
END_TEST

START_TEST(test_tcp_ack_gets_rst)
{
	struct frame r;
	send_tcp(0x10, 5, 777777, 0, 0, 0);
	take_rst(&r);
	const uint8_t *t = r.b + 34;
	ck_assert_uint_eq(t[13], 0x04);                      /* RST only */
	ck_assert_uint_eq(rd32(t + 4), 777777);              /* SEQ = SEG.ACK */
	ck_assert_uint_eq(rd32(t + 8), 0);
}
END_TEST

START_TEST(test_tcp_counters_for_bad_headers)
{
	/* Linux's accounting: every segment to us counts in TcpInSegs; a data offset below 5 is an
	 * error; a header cut short is discarded (our TcpInTruncated). */
	static struct frame f;
	uint8_t t[20] = { 0x9c, 0x40, 0, 80 };
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 6 };
	feed(0, f.b, build_ip(&f, &s, t, 10));
	t[12] = 0x40;                                        /* doff 4 */
	feed(0, f.b, build_ip(&f, &s, t, 20));
	t[12] = 0xf0;                                        /* doff 15: 60 bytes, 20 held */
	feed(0, f.b, build_ip(&f, &s, t, 20));
	ck_assert_uint_eq(ctr("TcpInSegs"), 3);
	ck_assert_uint_eq(ctr("TcpInErrs"), 1);
	ck_assert_uint_eq(ctr("TcpInTruncated"), 2);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

START_TEST(test_tcp_no_rst_for_rst_or_bad)
{
	send_tcp(0x04, 5, 0, 0, 0, 0);
	send_tcp(0x14, 5, 9, 0, 0, 0);
	ck_assert_uint_eq(tx_count(), 0);
	send_tcp(0x02, 5, 0, 4, 0, 1);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("TcpInCsumErrors"), 1);
	ck_assert_uint_eq(ctr("TcpInErrs"), 1);
	ck_assert_uint_eq(ctr("TcpOutRsts"), 0);
}
END_TEST

Suite *udp_tcp_suite(void)
{
	Suite *s = suite_create("udp_tcp");
	TCase *tc = tcase_create("udp_tcp");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_bind_recv);
	tcase_add_test(tc, test_rx_queue_bounded);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_echo_and_discard_services);
	tcase_add_test(tc, test_rx_queues_share_of_pool);
	tcase_add_test(tc, test_send_ephemeral_closed_unless_keep);
	tcase_add_test(tc, test_echo_loop_protection);
	tcase_add_test(tc, test_udp_malformed);
	tcase_add_test(tc, test_tcp_syn_gets_rst_ack);
	tcase_add_test(tc, test_tcp_data_fin);
	tcase_add_test(tc, test_tcp_ack_gets_rst);
	tcase_add_test(tc, test_tcp_no_rst_for_rst_or_bad);
	tcase_add_test(tc, test_tcp_counters_for_bad_headers);
	suite_add_tcase(s, tc);
	return s;
}
