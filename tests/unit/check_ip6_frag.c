/* tests/unit/check_ip6_frag.c — IPv6 reassembly and our own fragmentation (ICMP6-SPEC.md §9), with
 * the fragment rules of §3 (V3.2) and §4 (V4.4, V4.14). */
#include <string.h>

#include "ip/ip6_frag.h"
#include "stack/core.h"
#include "tests/unit/harness6.h"

/* A fragment of G_PEER's to G_US0: Fragment header (inner next header nxt, byte offset off, M),
 * then len bytes of data; tclass for the ECN tests. */
static size_t frag_tc(struct frame *f, uint32_t id, uint8_t nxt, unsigned off, bool more, const uint8_t *data,
		      size_t len, uint8_t tclass)
{
	uint8_t fh[8] = { nxt, 0, (uint8_t)(off >> 8), (uint8_t)((off & 0xf8) | (more ? 1 : 0)), (uint8_t)(id >> 24),
			  (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id };
	struct ip6_spec s = { .nxt = 44, .ext = fh, .ext_len = 8, .tclass = tclass };
	return build_ip6(f, &s, data, len);
}

static size_t frag(struct frame *f, uint32_t id, uint8_t nxt, unsigned off, bool more, const uint8_t *data, size_t len)
{
	return frag_tc(f, id, nxt, off, more, data, len, 0);
}

/* An echo request message (checksum for G_PEER -> G_US0) of 8 + dlen bytes into m. */
static size_t echo_msg(uint8_t *m, uint16_t seq, size_t dlen)
{
	m[0] = 128;
	m[1] = 0;
	m[2] = m[3] = 0;
	m[4] = 0x12;
	m[5] = 0x34;
	m[6] = (uint8_t)(seq >> 8);
	m[7] = (uint8_t)seq;
	for (size_t i = 0; i < dlen; i++)
		m[8 + i] = (uint8_t)(i * 7 + 3);
	uint16_t c = csum6(G_PEER, G_US0, 58, m, 8 + dlen);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	return 8 + dlen;
}

/* Feeds msg (upper layer nxt) in fragments of chunk bytes (a multiple of 8). */
static void feed_frags(uint32_t id, uint8_t nxt, const uint8_t *msg, size_t len, size_t chunk)
{
	struct frame f;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off > chunk ? chunk : len - off;
		feed(0, f.b, frag(&f, id, nxt, (unsigned)off, off + n < len, msg + off, n));
	}
}

static uint8_t M[70000];

/* V9.1, V9.8: every Fragment header counts a request; complete -> OK, next header from the first. */
START_TEST(v9_8_reassembly)
{
	struct frame f;
	struct ip6_view v;
	size_t n = echo_msg(M, 1, 200);
	feed_frags(7, 58, M, n, 64);
	ck_assert_uint_eq(dctr("Ip6ReasmReqds"), 4);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(v.l4len, n);
	ck_assert_mem_eq(v.l4 + 8, M + 8, 200);
}
END_TEST

/* V9.2: an atomic fragment is processed at once, alone, and counted OK. */
START_TEST(v9_2_atomic)
{
	struct frame f;
	struct ip6_view v;
	size_t n = echo_msg(M, 1, 16);
	feed(0, f.b, frag(&f, 9, 58, 0, false, M, n));
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	take_icmp6(&f, &v, 129);
}
END_TEST

/* V4.14: an atomic fragment is quoted with its Fragment header (4/1 at its Next Header byte, 40);
 * a reassembled datagram without it (the fixed header's byte, 6). */
START_TEST(v4_14_quotes)
{
	struct frame f, e;
	struct ip6_view v;
	static const uint8_t data[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	feed(0, f.b, frag(&f, 9, 253, 0, false, data, 16));
	take_icmp6(&e, &v, 4);
	ck_assert_uint_eq(v.l4[1], 1);
	ck_assert_uint_eq(rd32(v.l4 + 4), 40);
	ck_assert_uint_eq(v.l4len - 8, f.len - 14);
	ck_assert_mem_eq(v.l4 + 8, f.b + 14, f.len - 14);
	feed(0, f.b, frag(&f, 10, 253, 0, true, data, 8));
	feed(0, f.b, frag(&f, 10, 253, 8, false, data + 8, 8));
	take_icmp6(&e, &v, 4);
	ck_assert_uint_eq(rd32(v.l4 + 4), 6);
	ck_assert_uint_eq(v.l4len - 8, 40 + 16);
	const uint8_t *q = v.l4 + 8;
	ck_assert_uint_eq(q[6], 253);
	ck_assert_uint_eq(rd16(q + 4), 16);
	ck_assert_mem_eq(q + 40, data, 16);
}
END_TEST

/* V9.1: a second Fragment header -> 4/0 at its offset; payload length 0 -> 4/0 ptr 40. */
START_TEST(v9_1_second_header_and_plen0)
{
	struct frame f;
	struct ip6_view v;
	uint8_t inner[24] = { 58, 0, 0, 0, 0, 0, 0, 5 }; /* an atomic Fragment header inside */
	size_t n = echo_msg(M, 1, 8);
	memcpy(inner + 8, M, n);
	feed(0, f.b, frag(&f, 9, 44, 0, false, inner, 8 + n));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 0);
	ck_assert_uint_eq(rd32(v.l4 + 4), 48);
	/* payload length 0 with a Fragment header next: the frame is cut to the fixed header */
	frag(&f, 11, 58, 0, true, M, 8);
	f.b[14 + 4] = f.b[14 + 5] = 0;
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 0);
	ck_assert_uint_eq(rd32(v.l4 + 4), 40);
	ck_assert_uint_eq(v.l4len, 8 + 40);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 2);
	/* a Fragment header cut short (4 of its 8 bytes): the same 4/0 ptr 40 */
	frag(&f, 12, 58, 0, true, M, 8);
	f.b[14 + 5] = 4;
	f.len = 14 + 44;
	feed(0, f.b, f.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(rd32(v.l4 + 4), 40);
	ck_assert_uint_eq(v.l4len, 8 + 44);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 3);
}
END_TEST

/* V9.3 (RFC 7112): a first fragment whose chain does not reach 8 bytes of UDP or 20 of TCP ->
 * 4/3 ptr 0; a chain ending in 59 is queued. */
START_TEST(v9_3_incomplete_chain)
{
	struct frame f;
	struct ip6_view v;
	static const uint8_t d17[8] = { 17, 0, 1, 4, 0, 0, 0, 0 }, d59[8] = { 59, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t d58[8] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	feed(0, f.b, frag(&f, 12, 60, 0, true, d17, 8));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 3);
	ck_assert_uint_eq(rd32(v.l4 + 4), 0);
	uint8_t tcp[16] = { 0 };
	feed(0, f.b, frag(&f, 13, 6, 0, true, tcp, 16));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 3);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 2);
	/* ICMPv6 with not even its type byte: incomplete too, and answered: Linux's V4.4 test reads
	 * the Fragment header's raw offset-and-M field, not 0 with M=1 (measured on 6.18.44 by make
	 * diff's frag6-first-no-l4; docs/POLICY.md's spec corrections) */
	feed(0, f.b, frag(&f, 16, 60, 0, true, d58, 8));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 3);
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 3);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentAboutError"), 0);
	feed(0, f.b, frag(&f, 14, 60, 0, true, d59, 8));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(T->reasm6->nqueues, 1);
	size_t n = echo_msg(M, 1, 8);
	feed(0, f.b, frag(&f, 15, 58, 0, true, M, 8)); /* exactly 8 bytes of ICMPv6: enough */
	ck_assert_uint_eq(tx_count(), 0);
	(void)n;
}
END_TEST

/* V9.5: M=1 with a length not a multiple of 8 -> 4/0 ptr 4; past 65535 -> 4/0 ptr 42; the queue
 * they created times out empty: counted, no 3/1. */
START_TEST(v9_5_bad_lengths)
{
	struct frame f, o;
	struct ip6_view v;
	static uint8_t d[16];
	d[0] = 200; /* not an ICMPv6 error type, should the fragment be taken for ICMPv6 (V4.4) */
	frag(&o, 20, 253, 8, true, d, 12);
	feed(0, o.b, o.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 0);
	ck_assert_uint_eq(rd32(v.l4 + 4), 4);
	ck_assert_mem_eq(v.l4 + 8, o.b + 14, o.len - 14);
	frag(&o, 21, 253, 65528, false, d, 16);
	feed(0, o.b, o.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(rd32(v.l4 + 4), 42);
	/* both wrong: the end is judged first */
	frag(&o, 21, 253, 65528, true, d, 12);
	feed(0, o.b, o.len);
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(rd32(v.l4 + 4), 42);
	ck_assert_uint_eq(T->reasm6->nqueues, 2);
	advance(60000);
	ck_assert_uint_eq(dctr("Ip6ReasmTimeout"), 2);
	ck_assert_uint_eq(icmp6_out(3), 0);
	tx_clear();
}
END_TEST

/* V4.4 quirk: a non-first fragment of ICMPv6 is judged by its first payload byte: 1 is "an error". */
START_TEST(v4_4_fragment_type_quirk)
{
	struct frame f;
	static uint8_t d[12];
	d[0] = 1;
	feed(0, f.b, frag(&f, 22, 58, 8, true, d, 12));
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentAboutError"), 1);
	d[0] = 128;
	feed(0, f.b, frag(&f, 23, 58, 8, true, d, 12));
	ck_assert_uint_eq(drain_icmp6(4), 1);
	/* the walk stops at a non-first fragment: naming 60, its data is not read as a header */
	static uint8_t x[12] = { 58, 0, 0, 0, 0, 0, 0, 0, 1 };
	feed(0, f.b, frag(&f, 24, 60, 8, true, x, 12));
	ck_assert_uint_eq(drain_icmp6(4), 1);
	ck_assert_uint_eq(dctr("Icmp6ErrNotSentAboutError"), 1);
}
END_TEST

/* V9.5: a zero-length fragment, or a last fragment ending before held data: the queue goes. */
START_TEST(v9_5_discards)
{
	struct frame f;
	size_t n = echo_msg(M, 1, 40);
	feed(0, f.b, frag(&f, 30, 58, 0, true, M, 16));
	feed(0, f.b, frag(&f, 30, 58, 16, true, M + 16, 0));
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 1);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	feed(0, f.b, frag(&f, 31, 58, 16, true, M + 16, 16));
	feed(0, f.b, frag(&f, 31, 58, 8, false, M + 8, 8));
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 2);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	(void)n;
}
END_TEST

/* V9.6: a partial overlap discards the queue (later fragments start anew); a duplicate or a
 * fragment inside a held run is dropped and the queue kept. */
START_TEST(v9_6_overlap)
{
	struct frame f;
	struct ip6_view v;
	size_t n = echo_msg(M, 1, 40); /* 48 bytes */
	feed(0, f.b, frag(&f, 40, 58, 0, true, M, 24));
	feed(0, f.b, frag(&f, 40, 58, 16, true, M + 16, 16));
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 1);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	feed(0, f.b, frag(&f, 40, 58, 24, false, M + 24, n - 24)); /* a new queue */
	ck_assert_uint_eq(T->reasm6->nqueues, 1);
	feed(0, f.b, frag(&f, 40, 58, 24, false, M + 24, n - 24)); /* duplicate */
	feed(0, f.b, frag(&f, 40, 58, 32, false, M + 32, n - 32)); /* inside */
	ck_assert_uint_eq(T->reasm6->nqueues, 1);
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 1);
	feed(0, f.b, frag(&f, 40, 58, 0, true, M, 24));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
}
END_TEST

/* V9.7: above ip6frag_high_thresh new fragments are refused. */
START_TEST(v9_7_memory)
{
	struct frame f;
	set_knob("net.ipv6.ip6frag_high_thresh", "0");
	size_t n = echo_msg(M, 1, 40);
	feed(0, f.b, frag(&f, 50, 58, 0, true, M, 16));
	feed(0, f.b, frag(&f, 50, 58, 16, false, M + 16, n - 16));
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 1);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 0);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V9.8: CE in one fragment and not-ECT in another: dropped. */
START_TEST(v9_8_ecn)
{
	struct frame f;
	size_t n = echo_msg(M, 1, 40);
	feed(0, f.b, frag_tc(&f, 51, 58, 0, true, M, 16, 0x03));
	feed(0, f.b, frag_tc(&f, 51, 58, 16, false, M + 16, n - 16, 0x00));
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 0);
	ck_assert_uint_eq(tx_count(), 0);
	/* CE with ECT(0) is fine */
	feed(0, f.b, frag_tc(&f, 52, 58, 0, true, M, 16, 0x03));
	feed(0, f.b, frag_tc(&f, 52, 58, 16, false, M + 16, n - 16, 0x02));
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	ck_assert_uint_eq(drain_icmp6(129), 1);
}
END_TEST

/* V9.8 with V6.1: a reassembled ND message is dropped. */
START_TEST(v9_8_reassembled_nd)
{
	uint8_t sn[16];
	a6("ff02::1:ff00:2", sn);
	uint8_t m[32] = { 135, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(m + 8, G_US0, 16);
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, PEERMAC, 6);
	uint16_t c = csum6(G_PEER, sn, 58, m, 32);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	struct frame f;
	uint8_t fh1[8] = { 58, 0, 0, 1, 0, 0, 0, 60 }, fh2[8] = { 58, 0, 0, 16, 0, 0, 0, 60 };
	struct ip6_spec s = { .nxt = 44, .ext = fh1, .ext_len = 8, .dst = sn, .hlim = 255 };
	feed(0, f.b, build_ip6(&f, &s, m, 16));
	s.ext = fh2;
	feed(0, f.b, build_ip6(&f, &s, m + 16, 16));
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	ck_assert_uint_eq(dctr("NdInInvalid"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V9.4, V9.9: the queue lives ip6frag_time from creation, not extended by later fragments; at
 * expiry 3/1 only if the first fragment came, quoting it as received. */
START_TEST(v9_9_timeout)
{
	struct frame f, first, e;
	struct ip6_view v;
	size_t n = echo_msg(M, 1, 40);
	feed(0, first.b, frag(&first, 60, 58, 0, true, M, 16));
	advance(59000);
	feed(0, f.b, frag(&f, 60, 58, 16, true, M + 16, 16));
	peer6_refresh(); /* the peer is still there: its entry (failed by now) is learned again */
	tx_clear();
	advance(999);
	ck_assert_uint_eq(T->reasm6->nqueues, 1);
	advance(1);
	ck_assert_uint_eq(dctr("Ip6ReasmTimeout"), 1);
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 1);
	take_icmp6(&e, &v, 3);
	ck_assert_uint_eq(v.l4[1], 1);
	ck_assert_uint_eq(v.l4len - 8, first.len - 14);
	ck_assert_mem_eq(v.l4 + 8, first.b + 14, first.len - 14);
	/* without the first fragment: counted, no 3/1 */
	/* (not ICMPv6, so that V4.4's quirk cannot be what holds a 3/1 back) */
	feed(0, f.b, frag(&f, 61, 253, 16, false, M + 16, n - 16));
	advance(60000);
	ck_assert_uint_eq(dctr("Ip6ReasmTimeout"), 2);
	ck_assert_uint_eq(icmp6_out(3), 1); /* the first queue's only */
	tx_clear();
}
END_TEST

/* V9.4: for a global destination the arrival interface is not part of the key. */
START_TEST(v9_4_key)
{
	struct frame f;
	size_t n = echo_msg(M, 1, 40);
	feed(0, f.b, frag(&f, 70, 58, 0, true, M, 16));
	frag(&f, 70, 58, 16, false, M + 16, n - 16);
	memcpy(f.b, US1, 6);
	feed(1, f.b, f.len);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	tx_clear();
}
END_TEST

/* V9.4: for a link-local destination the arrival interface is part of the key. */
START_TEST(v9_4_key_linklocal)
{
	struct frame f;
	static uint8_t d[24];
	uint8_t fh1[8] = { 253, 0, 0, 1, 0, 0, 0, 71 }, fh2[8] = { 253, 0, 0, 16, 0, 0, 0, 71 };
	struct ip6_spec s = { .nxt = 44, .ext = fh1, .ext_len = 8, .src = LL_PEER, .dst = LL_US0 };
	feed(0, f.b, build_ip6(&f, &s, d, 16));
	s.ext = fh2;
	s.dstmac = US1;
	build_ip6(&f, &s, d, 8);
	feed(1, f.b, f.len);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 0);
	ck_assert_uint_eq(T->reasm6->nqueues, 2);
	s.dstmac = NULL;
	build_ip6(&f, &s, d, 8);
	feed(0, f.b, f.len);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	tx_clear();
}
END_TEST

/* V9.5: a second, different end discards the queue. */
START_TEST(v9_5_two_ends)
{
	struct frame f;
	size_t n = echo_msg(M, 1, 40);
	feed(0, f.b, frag(&f, 72, 58, 16, false, M + 16, 16)); /* ends at 32 */
	feed(0, f.b, frag(&f, 72, 58, 40, false, M + 40, 8));  /* ends at 48, overlapping nothing */
	ck_assert_uint_eq(dctr("Ip6ReasmFails"), 1);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	(void)n;
}
END_TEST

/* V3.2, V9.10: a 3040-byte echo request comes back as fragments of 1496, 1496 and 152 bytes
 * (payloads 1448, 1448, 104 after the fixed header and a Fragment header), one identification. */
START_TEST(v9_10_fragmented_reply)
{
	struct frame f;
	struct ip6_view v;
	size_t n = echo_msg(M, 1, 3000 - 8);
	ck_assert_uint_eq(40 + n, 3040);
	feed_frags(80, 58, M, n, 1448);
	ck_assert_uint_eq(dctr("Ip6ReasmOKs"), 1);
	static const unsigned want[3] = { 1496, 1496, 152 };
	static uint8_t got[4000];
	uint32_t id = 0;
	for (unsigned i = 0; i < 3; i++) {
		take6(&f, &v);
		ck_assert_uint_eq(v.iplen, want[i]);
		ck_assert_uint_eq(v.ip[6], 44);
		ck_assert_uint_eq(v.proto, 44);
		const uint8_t *fh = v.ip + 40;
		ck_assert_uint_eq(fh[0], 58);
		unsigned off = rd16(fh + 2) & 0xfff8u;
		ck_assert_uint_eq(off, 1448u * (uint64_t)i);
		ck_assert_uint_eq(rd16(fh + 2) & 1, i < 2);
		if (i == 0)
			id = rd32(fh + 4);
		ck_assert_uint_eq(rd32(fh + 4), id);
		memcpy(got + off, v.ip + 48, v.iplen - 48);
	}
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(got[0], 129);
	ck_assert_uint_eq(csum6(G_US0, G_PEER, 58, got, n), 0);
	ck_assert_mem_eq(got + 4, M + 4, n - 4);
	ck_assert_uint_eq(dctr("Ip6FragOKs"), 1);
	ck_assert_uint_eq(dctr("Ip6FragCreates"), 3);
}
END_TEST

Suite *ip6_frag_suite(void)
{
	Suite *s = suite_create("ip6_frag");
	TCase *tc = tcase_create("frag");
	tcase_add_checked_fixture(tc, fx6_setup, fx6_teardown);
	tcase_add_test(tc, v9_8_reassembly);
	tcase_add_test(tc, v9_2_atomic);
	tcase_add_test(tc, v4_14_quotes);
	tcase_add_test(tc, v9_1_second_header_and_plen0);
	tcase_add_test(tc, v9_3_incomplete_chain);
	tcase_add_test(tc, v9_5_bad_lengths);
	tcase_add_test(tc, v4_4_fragment_type_quirk);
	tcase_add_test(tc, v9_5_discards);
	tcase_add_test(tc, v9_6_overlap);
	tcase_add_test(tc, v9_7_memory);
	tcase_add_test(tc, v9_8_ecn);
	tcase_add_test(tc, v9_8_reassembled_nd);
	tcase_add_test(tc, v9_9_timeout);
	tcase_add_test(tc, v9_4_key);
	tcase_add_test(tc, v9_4_key_linklocal);
	tcase_add_test(tc, v9_5_two_ends);
	tcase_add_test(tc, v9_10_fragmented_reply);
	suite_add_tcase(s, tc);
	return s;
}
