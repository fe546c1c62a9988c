/* tests/unit/check_errors_in.c — received ICMP errors reach the upper layers (ICMP-SPEC §8): the errno
 * table, error queues, pending errors, PMTU, redirects; and the ping client. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "icmp/ping.h"
#include "stack/core.h"
#include "tests/unit/harness.h"

#define FAR_IP IP(203, 0, 113, 2)
static const uint8_t ZERO[6];


static int ctl(const char *cmd, struct sbuf *out)
{
	sbuf_free(out);
	return stack_ctl(T, cmd, out, NOW);
}

/* The last frame we sent, as the offender an error will quote. */
static struct frame sent;

static void send_from_5000(const char *dst, const char *opts)
{
	struct sbuf out = { 0 };
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "udp send --from 5000 %s %s hello", opts, dst);
	ck_assert_int_eq(ctl(cmd, &out), 0);
	sbuf_free(&out);
	ck_assert_uint_ge(tx_count(), 1);
	while (tx_count())
		tx_take(&sent);
	ck_assert_uint_eq(rd16(sent.b + 12), 0x0800);
}

/* An ICMP error from `from` quoting the datagram in `sent` (its IP header + 8 bytes or more). */
static void error_about_sent(uint32_t from, uint8_t type, uint8_t code, uint32_t word2, size_t quote)
{
	struct frame f;
	uint8_t m[600];
	struct ip_spec s = { .src = from, .dst = US_IP, .proto = 1 };
	build_ip(&f, &s, m, build_icmp(m, type, code, word2, sent.b + 14, quote));
	feed(0, f.b, f.len);
}

static void gw_setup(void)
{
	struct frame f;
	fx_setup();
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, GW0MAC, GW0, ZERO, US_IP));
	tx_clear();
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("route add 203.0.113.0/24,via=192.0.2.9", &out), 0);
	sbuf_free(&out);
}

static const struct errno_row {
	uint8_t type, code;
	const char *name;
	int fatal;
} rows[] = {
	{ 3, 0, "ENETUNREACH", 0 }, { 3, 1, "EHOSTUNREACH", 0 }, { 3, 2, "ENOPROTOOPT", 1 },
	{ 3, 3, "ECONNREFUSED", 1 }, { 3, 4, "EMSGSIZE", 1 }, { 3, 5, "EOPNOTSUPP", 0 },
	{ 3, 6, "ENETUNREACH", 1 }, { 3, 7, "EHOSTDOWN", 1 }, { 3, 8, "ENONET", 1 },
	{ 3, 9, "ENETUNREACH", 1 }, { 3, 10, "EHOSTUNREACH", 1 }, { 3, 11, "ENETUNREACH", 0 },
	{ 3, 12, "EHOSTUNREACH", 0 }, { 3, 13, "EHOSTUNREACH", 1 }, { 3, 14, "EHOSTUNREACH", 1 },
	{ 3, 15, "EHOSTUNREACH", 1 }, { 11, 0, "EHOSTUNREACH", 0 }, { 11, 1, "EHOSTUNREACH", 0 },
	{ 12, 0, "EPROTO", 1 },
};

START_TEST(test_errno_row)
{
	const struct errno_row *r = &rows[_i];
	struct sbuf out = { 0 };
	char want[96];
	send_from_5000("192.0.2.1:9", "--connect");
	error_about_sent(PEER_IP, r->type, r->code, r->type == 12 ? 21u << 24 : r->code == 4 ? 1400 : 0, 28);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	snprintf(want, sizeof(want), "udp 192.0.2.2:5000 -> 192.0.2.1:9  %s (%u/%u) from 192.0.2.1", r->name, r->type, r->code);
	ck_assert_msg(strstr(sbuf_str(&out), want), "want \"%s\" in:\n%s", want, sbuf_str(&out));
	ck_assert_msg((strstr(sbuf_str(&out), "pending") != NULL) == r->fatal, "%u/%u: pending wrong:\n%s",
		      r->type, r->code, sbuf_str(&out));
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "error "));
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "pending"));   /* read: cleared */
	ck_assert_uint_eq(ctr("IcmpInErrors"), 0);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_queue_bounded_and_unmatched)
{
	struct sbuf out = { 0 };
	send_from_5000("192.0.2.1:9", "");
	for (int i = 0; i < 12; i++)
		error_about_sent(PEER_IP, 3, 3, 0, 28);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "pending")); /* not connected: queued only */
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	unsigned n = 0;
	for (const char *c = sbuf_str(&out); (c = strstr(c, "error ")); c++)
		n++;
	ck_assert_uint_eq(n, 8);
	/* Quoting a port nobody has: counted, dropped. */
	sent.b[34 + 1] ^= 0x55;
	error_about_sent(PEER_IP, 3, 3, 0, 28);
	ck_assert_uint_eq(ctr("IcmpInErrors"), 1);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_bad_quotes_and_codes)
{
	struct sbuf out = { 0 };
	send_from_5000("192.0.2.1:9", "");
	error_about_sent(PEER_IP, 3, 3, 0, 27);             /* header + 7 */
	ck_assert_uint_eq(ctr("IcmpInErrors"), 1);
	error_about_sent(PEER_IP, 3, 16, 0, 28);            /* no such code: ignored silently */
	error_about_sent(PEER_IP, 4, 0, 0, 28);             /* source quench: counted, ignored */
	ck_assert_uint_eq(ctr("IcmpInErrors"), 1);
	ck_assert_uint_eq(ctr("IcmpInSrcQuenchs"), 1);
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	sbuf_free(&out);
}
END_TEST

START_TEST(test_bogus_error_responses)
{
	struct sbuf out = { 0 };
	set_knob("icmp_echo_ignore_broadcasts", "0");
	send_from_5000("192.0.2.255:9", "");
	error_about_sent(PEER_IP, 3, 3, 0, 28);
	ck_assert_uint_eq(ctr("IcmpInBogusErrors"), 1);
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	set_knob("icmp_ignore_bogus_error_responses", "0");
	error_about_sent(PEER_IP, 3, 3, 0, 28);
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "ECONNREFUSED"));
	sbuf_free(&out);
}
END_TEST

START_TEST(test_pmtu)
{
	struct sbuf out = { 0 };
	struct frame r;
	send_from_5000("203.0.113.2:9", "--df");
	error_about_sent(GW0, 3, 4, 1300, 28);
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.2 pmtu 1300 expires 600s\n");
	error_about_sent(GW0, 3, 4, 1400, 28);              /* never raised */
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "pmtu 1300"));
	/* Our own datagrams obey it: DF and too big is refused, the error queue says EMSGSIZE. */
	char big[1400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	char cmd[1500];
	snprintf(cmd, sizeof(cmd), "udp send --from 5000 --df 203.0.113.2:9 %.1350s", big);
	ck_assert_int_eq(ctl(cmd, &out), 1);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "Message too long"));
	/* Without DF it is fragmented to 1300. */
	snprintf(cmd, sizeof(cmd), "udp send --from 5000 203.0.113.2:9 %.1350s", big);
	ck_assert_int_eq(ctl(cmd, &out), 0);
	tx_clear();
	/* Below min_pmtu: 552, locked, and DF no longer set even when asked for "want". */
	error_about_sent(GW0, 3, 4, 500, 28);
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.2 pmtu 552 lock expires 600s\n");
	/* Reports about datagrams that are not ours teach nothing. */
	sent.b[14 + 12] = 198; sent.b[14 + 13] = 51; sent.b[14 + 14] = 100; sent.b[14 + 15] = 9;
	sent.b[14 + 16] = 203; sent.b[14 + 17] = 0; sent.b[14 + 18] = 113; sent.b[14 + 19] = 99;
	error_about_sent(GW0, 3, 4, 600, 28);
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "203.0.113.99"));
	/* Expiry. */
	advance(600000);
	tx_clear();
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	(void)r;
	sbuf_free(&out);
}
END_TEST

START_TEST(test_pmtu_zero_and_lock_clears_df)
{
	struct sbuf out = { 0 };
	struct frame r;
	send_from_5000("203.0.113.2:9", "--df");
	error_about_sent(GW0, 3, 4, 0, 28);                 /* MTU 0 counts as below min_pmtu */
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.2 pmtu 552 lock expires 600s\n");
	/* The ping client ("want") now sends without DF. */
	unsigned h;
	ck_assert_int_eq(stack_ctl_start(T, "ping -c 1 -s 100 203.0.113.2", &out, NOW, &h), STACK_CTL_PENDING);
	tx_take(&r);
	ck_assert_uint_eq(rd16(r.b + 14 + 6) & 0x4000, 0);
	stack_ctl_cancel(T, h);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_redirect_accepted)
{
	struct sbuf out = { 0 };
	struct frame f, r;
	const uint8_t NEWMAC[6] = { 0x02, 0, 0, 0, 0x7, 0x7 };
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, NEWMAC, IP(192, 0, 2, 7), ZERO, US_IP));
	tx_clear();
	send_from_5000("203.0.113.2:9", "");
	ck_assert_mem_eq(sent.b, GW0MAC, 6);
	error_about_sent(GW0, 5, 1, IP(192, 0, 2, 7), 28);
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "203.0.113.2 via 192.0.2.7 dev tap0 redirected expires 300s\n");
	send_from_5000("203.0.113.2:9", "");
	ck_assert_mem_eq(sent.b, NEWMAC, 6);                /* the new first hop */
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");               /* a redirect is not an error */
	advance(300000);
	tx_clear();
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, GW0MAC, GW0, ZERO, US_IP));
	tx_clear();
	send_from_5000("203.0.113.2:9", "");
	ck_assert_mem_eq(sent.b, GW0MAC, 6);                /* expired */
	(void)r;
	sbuf_free(&out);
}
END_TEST

START_TEST(test_redirect_ignored)
{
	struct sbuf out = { 0 };
	send_from_5000("203.0.113.2:9", "");
	error_about_sent(PEER_IP, 5, 1, IP(192, 0, 2, 7), 28);   /* not from our gateway */
	error_about_sent(GW0, 5, 1, IP(198, 51, 100, 7), 28);   /* new gateway not on that link */
	error_about_sent(GW0, 5, 1, GW0, 28);                    /* not different */
	error_about_sent(GW0, 5, 1, US_IP, 28);                  /* ours */
	error_about_sent(GW0, 5, 1, IP(192, 0, 2, 255), 28);     /* not a host */
	error_about_sent(GW0, 5, 4, IP(192, 0, 2, 7), 28);       /* code & 7 > 3 */
	ck_assert_uint_eq(ctr("IcmpInRedirectsIgnored"), 6);
	set_knob("ip_forward", "1");                             /* routers do not listen */
	error_about_sent(GW0, 5, 1, IP(192, 0, 2, 7), 28);
	set_knob("ip_forward", "0");
	set_knob("accept_redirects", "0");
	error_about_sent(GW0, 5, 1, IP(192, 0, 2, 7), 28);
	ck_assert_uint_eq(ctr("IcmpInRedirectsIgnored"), 8);
	ck_assert_int_eq(ctl("route cache", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "");
	sbuf_free(&out);
}
END_TEST

START_TEST(test_local_host_unreachable)
{
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp send --from 5000 192.0.2.77:9 hi", &out), 0);
	advance(3000);
	tx_clear();
	ck_assert_int_eq(ctl("udp recv 5000", &out), 0);
	ck_assert_str_eq(sbuf_str(&out), "error EHOSTUNREACH (3/1) local\n");
	sbuf_free(&out);
}
END_TEST

/* ---- ping ---- */

/* The peer's reply (TTL ttl) to the echo request q, into f; its length. */
static size_t echo_reply_to(const struct frame *q, uint8_t ttl, struct frame *f)
{
	const uint8_t *m = q->b + 34;
	ck_assert_uint_eq(m[0], 8);
	size_t n = rd16(q->b + 16) - 20;
	uint8_t reply[2000];
	memcpy(reply, m, n);
	reply[0] = 0;
	reply[2] = reply[3] = 0;
	uint16_t c = cksum(reply, n);
	reply[2] = (uint8_t)(c >> 8);
	reply[3] = (uint8_t)c;
	struct ip_spec s = { .src = rd32(q->b + 30), .dst = US_IP, .proto = 1, .ttl = ttl };
	return build_ip(f, &s, reply, n);
}

/* Answers the echo request at the head of the queue as the peer would. */
static void answer_echo(uint8_t ttl)
{
	struct frame q, f;
	tx_take(&q);
	feed(0, f.b, echo_reply_to(&q, ttl, &f));
}

START_TEST(test_ping_replies)
{
	struct sbuf out = { 0 };
	stack_set_clock_us(T, NOW * 1000 + 250);
	unsigned h = start_ping("ping -c 2 192.0.2.1", &out);
	ck_assert_str_eq(sbuf_str(&out), "PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.\n");
	sbuf_free(&out);
	ck_assert_uint_eq(tx_count(), 1);
	stack_set_clock_us(T, NOW * 1000 + 312);            /* 62 µs later */
	answer_echo(61);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), STACK_CTL_PENDING);
	ck_assert_str_eq(sbuf_str(&out), "64 bytes from 192.0.2.1: icmp_seq=1 ttl=61 time=0.062 ms\n");
	sbuf_free(&out);
	advance(999);
	ck_assert_uint_eq(tx_count(), 0);
	advance(1);
	ck_assert_uint_eq(tx_count(), 1);
	answer_echo(64);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);    /* all answered: done */
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "icmp_seq=2 ttl=64 time=0.000 ms\n"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "\n--- 192.0.2.1 ping statistics ---\n"
						     "2 packets transmitted, 2 received, 0% packet loss, time 1000ms\n"
						     "rtt min/avg/max/mdev = 0.000/0.031/0.062/0.031 ms\n"));
	ck_assert_uint_eq(ctr("IcmpMsgOutType8"), 2);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_ping_shows_redirect)
{
	/* A redirect about one of its requests: the ping client shows iputils' line and goes on. */
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -c 1 203.0.113.2", &out);
	sbuf_free(&out);
	tx_take(&sent);
	error_about_sent(GW0, 5, 1, IP(192, 0, 2, 7), 28);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), STACK_CTL_PENDING);
	ck_assert_str_eq(sbuf_str(&out), "From 192.0.2.9 icmp_seq=1 Redirect Host(New nexthop: 192.0.2.7)\n");
	stack_ctl_cancel(T, h);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_ping_errors)
{
	struct sbuf out = { 0 };
	struct frame q;
	unsigned h = start_ping("ping -c 3 -t 1 -i 0.2 203.0.113.2", &out);
	sbuf_free(&out);
	tx_take(&q);
	ck_assert_uint_eq(q.b[14 + 8], 1);
	memcpy(sent.b, q.b, q.len);
	error_about_sent(IP(192, 0, 2, 1), 11, 0, 0, 28);
	advance(200);
	tx_take(&q);
	memcpy(sent.b, q.b, q.len);
	error_about_sent(IP(192, 0, 2, 1), 3, 4, 1400, 28);
	advance(200);
	tx_take(&q);
	memcpy(sent.b, q.b, q.len);
	error_about_sent(IP(192, 0, 2, 1), 12, 0, 22u << 24, 28);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);    /* nothing came back */
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "From 192.0.2.1 icmp_seq=1 Time to live exceeded\n"
						     "From 192.0.2.1 icmp_seq=2 Frag needed and DF set (mtu = 1400)\n"
						     "From 192.0.2.1 icmp_seq=3 Parameter problem: pointer = 22\n"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 400ms\n"));
	ck_assert_ptr_null(strstr(sbuf_str(&out), "rtt"));
	sbuf_free(&out);
}
END_TEST

START_TEST(test_ping_no_answer_and_local_errors)
{
	struct sbuf out = { 0 };
	unsigned h = start_ping("ping -c 1 -M do -s 1600 192.0.2.1", &out);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "ping: local error: message too long, mtu=1500\n"));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "1 packets transmitted, 0 received, +1 errors, 100% packet loss"));
	sbuf_free(&out);
	h = start_ping("ping -c 1 192.0.2.1", &out);
	tx_clear();
	advance(1999);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), STACK_CTL_PENDING);
	advance(1);
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 1);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "1 packets transmitted, 0 received, 100% packet loss, time 0ms\n"));
	/* A large ping: fragmented out, fine. */
	sbuf_free(&out);
	h = start_ping("ping -c 1 -s 3000 192.0.2.1", &out);
	ck_assert_uint_eq(tx_count(), 3);
	stack_ctl_cancel(T, h);
	sbuf_free(&out);
}
END_TEST

/* The engine alone (icmp/ping.c, no ctl/): a session made from a configuration reports what
 * happens as events, and writes no text. */
static struct ping_event ev_log[8];
static unsigned ev_n;

static void ev_record(struct stack *st, struct ping_session *s, const struct ping_event *ev)
{
	(void)st;
	ck_assert_uint_eq(s->out.len, 0);
	if (ev_n < 8)
		ev_log[ev_n] = *ev;
	ev_n++;
}

START_TEST(test_ping_engine_events)
{
	struct ping_cfg cfg = { .dst = inet_v4(PEER_IP), .oif = -1, .count = 2, .size = 56, .ttl = 64,
				.interval_ms = 1000, .df = IP4_DF_WANT, .linger_ms = PING_LINGER_NOREPLY_MS };
	struct frame q, f;
	ev_n = 0;
	ck_assert_int_eq(ping_dst_check(T, &cfg.dst, -1), 0);
	struct inet_addr us = inet_v4(US_IP);
	ck_assert_int_eq(ping_dst_check(T, &us, -1), PING_DST_LOCAL);
	stack_set_clock_us(T, NOW * 1000 + 250);
	struct ping_session *s = ping_session_new(T, &cfg, ev_record);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(ping_session_get(T, s->handle), s);
	ck_assert_uint_eq(tx_count(), 0);                   /* nothing before the next poll */
	ping_poll(T);
	tx_take(&q);
	ck_assert_uint_eq(rd16(q.b + 34 + 6), 1);
	stack_set_clock_us(T, NOW * 1000 + 312);            /* 62 µs later, answered twice */
	feed(0, f.b, echo_reply_to(&q, 61, &f));
	feed(0, f.b, echo_reply_to(&q, 61, &f));
	ck_assert_uint_eq(ev_n, 2);
	ck_assert_int_eq(ev_log[0].kind, PING_EV_REPLY);
	ck_assert_uint_eq(ev_log[0].seq, 1);
	ck_assert_uint_eq(ev_log[0].hops, 61);
	ck_assert_uint_eq(ev_log[0].rtt_us, 62);
	ck_assert_uint_eq(ev_log[0].bytes, 64);
	ck_assert(inet_eq(&ev_log[0].from, &cfg.dst));
	ck_assert(!ev_log[0].dup);
	ck_assert_int_eq(ev_log[1].kind, PING_EV_REPLY);
	ck_assert(ev_log[1].dup);
	/* The second request: a Time Exceeded about it, which ends the session. */
	advance(1000);
	tx_take(&sent);
	error_about_sent(GW0, 11, 0, 0, 28);
	ck_assert_uint_eq(ev_n, 4);
	ck_assert_int_eq(ev_log[2].kind, PING_EV_ERROR);
	ck_assert_uint_eq(ev_log[2].seq, 2);
	ck_assert_uint_eq(ev_log[2].type, 11);
	ck_assert_uint_eq(ev_log[2].code, 0);
	ck_assert(ev_log[2].counted);
	ck_assert_ptr_null(ev_log[2].ext);
	ck_assert_uint_eq(ev_log[2].from.u.v4, GW0);
	ck_assert_int_eq(ev_log[3].kind, PING_EV_END);
	ck_assert(s->done);
	ck_assert_uint_eq(s->sent, 2);
	ck_assert_uint_eq(s->received, 1);
	ck_assert_uint_eq(s->dups, 1);
	ck_assert_uint_eq(s->errors, 1);
	ck_assert_uint_eq(s->rtt_max, 62);
	ck_assert_int_eq(s->status, 0);
	ck_assert_uint_eq(s->out.len, 0);
	unsigned h = s->handle;
	ping_session_free(T, s);
	ck_assert_ptr_null(ping_session_get(T, h));
	/* Unanswered: reported as the next request goes. */
	ev_n = 0;
	s = ping_session_new(T, &cfg, ev_record);
	ping_poll(T);
	advance(1000);
	ck_assert_uint_eq(ev_n, 1);
	ck_assert_int_eq(ev_log[0].kind, PING_EV_UNANSWERED);
	ck_assert_uint_eq(ev_log[0].seq, 1);
	ck_assert_uint_eq(tx_count(), 2);
	ping_session_free(T, s);
}
END_TEST

START_TEST(test_ping_usage)
{
	struct sbuf out = { 0 };
	unsigned h;
	ck_assert_int_eq(stack_ctl_start(T, "ping", &out, NOW, &h), 2);
	ck_assert_int_eq(stack_ctl_start(T, "ping -c 0 192.0.2.1", &out, NOW, &h), 2);
	ck_assert_int_eq(stack_ctl_start(T, "ping -M maybe 192.0.2.1", &out, NOW, &h), 2);
	ck_assert_int_eq(stack_ctl_start(T, "ping -t 256 192.0.2.1", &out, NOW, &h), 2);
	ck_assert_int_eq(stack_ctl_start(T, "ping -i 0 192.0.2.1", &out, NOW, &h), 2);
	ck_assert_int_eq(stack_ctl_start(T, "ping 192.0.2.300", &out, NOW, &h), 2);
	ck_assert_int_eq(stack_ctl(T, "route del 203.0.113.0/24", &out, NOW), 0);
	ck_assert_int_eq(stack_ctl_start(T, "ping 203.0.113.5", &out, NOW, &h), 1);   /* no route */
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "Network is unreachable"));
	ck_assert_int_eq(stack_ctl(T, "ping 192.0.2.1", &out, NOW), 2);               /* needs streaming */
	/* Sessions are bounded. */
	unsigned hs[PING_MAX_SESSIONS + 8], n = 0;
	int rc;
	while (n < PING_MAX_SESSIONS + 8 && (rc = stack_ctl_start(T, "ping -c 100 192.0.2.1", &out, NOW, &hs[n])) == STACK_CTL_PENDING)
		n++;
	ck_assert_uint_eq(n, PING_MAX_SESSIONS);
	ck_assert_int_eq(rc, 1);
	for (unsigned i = 0; i < n; i++)
		stack_ctl_cancel(T, hs[i]);
	ck_assert_uint_eq(stack_next_deadline(T) > NOW + 1000, 1);
	sbuf_free(&out);
}
END_TEST

Suite *errors_in_suite(void)
{
	Suite *s = suite_create("errors_in");
	TCase *tc = tcase_create("errors_in");
	tcase_add_checked_fixture(tc, gw_setup, fx_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_errno_row, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_queue_bounded_and_unmatched);
	tcase_add_test(tc, test_bad_quotes_and_codes);
	tcase_add_test(tc, test_bogus_error_responses);
	tcase_add_test(tc, test_pmtu);
	tcase_add_test(tc, test_pmtu_zero_and_lock_clears_df);
	tcase_add_test(tc, test_redirect_accepted);
	tcase_add_test(tc, test_redirect_ignored);
	tcase_add_test(tc, test_local_host_unreachable);
	tcase_add_test(tc, test_ping_replies);
	tcase_add_test(tc, test_ping_shows_redirect);
	tcase_add_test(tc, test_ping_errors);
	tcase_add_test(tc, test_ping_no_answer_and_local_errors);
	tcase_add_test(tc, test_ping_engine_events);
	tcase_add_test(tc, test_ping_usage);
	suite_add_tcase(s, tc);
	return s;
}
