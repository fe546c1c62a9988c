/* tests/unit/check_icmp_ext.c — ICMP extensions (../shared/ICMP-EXT-SPEC.md), IPv4 rules: RFC 4884
 * sending (X1, X2) with RFC 5837 objects (X3), RFC 4884 receiving (X4), RFC 8335 PROBE (X5). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "icmp/icmp4.h"
#include "icmp/icmp_ext.h"
#include "icmp/probe.h"
#include "ip/route.h"
#include "stack/core.h"
#include "tests/unit/harness.h"

static const uint8_t ZERO[6];


static int ctl(const char *cmd, struct sbuf *keep)
{
	struct sbuf out = { 0 };
	int rc = stack_ctl(T, cmd, keep ? keep : &out, NOW);
	sbuf_free(&out);
	return rc;
}

/* Router fixture: forwarding on, B known on tap1, 203.0.113.0/25 via B. */
static void rt_setup(void)
{
	struct frame f;
	fx_setup();
	set_knob("ip_forward", "1");
	feed(1, f.b, build_arp(&f, BCASTMAC, 1, BMAC, B_IP, ZERO, US1_IP));
	tx_clear();
	ck_assert_int_eq(ctl("route add 203.0.113.0/25,via=198.51.100.2", NULL), 0);
}

/* A datagram from PEER (proto 17, payload pattern), total length tot, TTL ttl, fed on tap0. */
static void send_dgram(uint32_t dst, int ttl, size_t tot, uint16_t frag)
{
	static struct frame f;
	static uint8_t pl[2000];
	for (size_t i = 0; i < tot - 20; i++)
		pl[i] = (uint8_t)(i * 7 + 1);
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 17, .ttl = (uint8_t)ttl, .id = 0x4242, .frag = frag };
	feed(0, f.b, build_ip(&f, &s, pl, tot - 20));
}

/* Takes the ICMP error to PEER; returns the ICMP message and its length. */
static const uint8_t *take_icmp(struct frame *r, uint8_t type, uint8_t code, size_t *len)
{
	ck_assert_msg(tx_count() >= 1, "no ICMP %u/%u", type, code);
	tx_take(r);
	const uint8_t *h = r->b + 14, *m = h + (h[0] & 15) * 4;
	ck_assert_uint_eq(h[9], 1);
	ck_assert_msg(m[0] == type && m[1] == code, "got ICMP %u/%u, want %u/%u", m[0], m[1], type, code);
	*len = rd16(h + 2) - (size_t)(h[0] & 15) * 4;
	ck_assert_uint_eq(cksum(m, *len), 0);                /* X1.4: the ICMP checksum covers it all */
	return m;
}

/* The golden INC/OUT object of X3.3 for our fixture's interfaces (ifindex, address, name, MTU). */
static size_t golden_iio(uint8_t *o, unsigned role, uint32_t ifx, uint32_t addr, const char *name, uint32_t mtu)
{
	size_t n = 4;
	o[n++] = (uint8_t)(ifx >> 24); o[n++] = (uint8_t)(ifx >> 16); o[n++] = (uint8_t)(ifx >> 8); o[n++] = (uint8_t)ifx;
	if (addr) {
		const uint8_t sub[8] = { 0, 1, 0, 0, (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr };
		memcpy(o + n, sub, 8);
		n += 8;
	}
	memset(o + n, 0, 20);
	o[n] = 0x14;
	memcpy(o + n + 1, name, strlen(name));
	n += 20;
	o[n++] = (uint8_t)(mtu >> 24); o[n++] = (uint8_t)(mtu >> 16); o[n++] = (uint8_t)(mtu >> 8); o[n++] = (uint8_t)mtu;
	o[0] = 0;
	o[1] = (uint8_t)n;
	o[2] = 2;
	o[3] = (uint8_t)(role << 6 | 0x08 | (addr ? 0x04 : 0) | 0x03);
	return n;
}

/* Checks the extended layout: attribute 32, 128-byte field, version 2 header with a good checksum;
 * returns the extension and its length. */
static const uint8_t *check_extended(const uint8_t *m, size_t len, size_t *elen)
{
	ck_assert_uint_eq(m[5], 32);                         /* X1.2 */
	ck_assert_uint_ge(len, 8 + 128 + 4);
	const uint8_t *e = m + 136;
	*elen = len - 136;
	ck_assert_uint_eq(e[0], 0x20);                       /* X1.4 */
	ck_assert_uint_eq(e[1], 0);
	ck_assert_uint_ne(rd16(e + 2), 0);
	ck_assert_uint_eq(cksum(e, *elen), 0);
	return e;
}

/* ---- X0: knobs ---- */

START_TEST(test_x0_knobs)
{
	long v;
	ck_assert_int_eq(stack_knob_get(T, "icmp_errors_extension_mask", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(stack_knob_get(T, "icmp_echo_enable_probe", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(stack_knob_get(T, "icmp_echo_probe_proxy", &v), 0);
	ck_assert_int_eq(v, 1);
	set_knob("icmp_errors_extension_mask", "0x01");
	set_knob("icmp_errors_extension_mask", "0x07");
	ck_assert_int_eq(stack_knob_set(T, "icmp_errors_extension_mask", "0x08"), -EINVAL);
	ck_assert_int_eq(stack_knob_set(T, "icmp_errors_extension_mask", "0x80"), -EINVAL);
	ck_assert_int_eq(stack_knob_set(T, "icmp_errors_extension_mask", "-1"), -EINVAL);
	ck_assert_int_eq(stack_knob_get(T, "icmp_errors_extension_mask", &v), 0);
	ck_assert_int_eq(v, 7);                                /* the value is kept */
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("sysctl icmp_errors_extension_mask=0x10", &out), 2);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "only bits 0x7"));
	sbuf_free(&out);
	ck_assert_int_eq(stack_knob_set(T, "icmp_echo_enable_probe", "2"), -ERANGE);
}
END_TEST

/* ---- X1/X2/X3: sending ---- */

START_TEST(test_x2_off_classic)
{
	struct frame r;
	size_t len;
	send_dgram(IP(203, 0, 113, 2), 1, 60, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(m[5], 0);
	ck_assert_uint_eq(len, 8 + 60);                      /* nothing after the R5.13 quote */
}
END_TEST

START_TEST(test_x1_inc_exact)
{
	struct frame r;
	size_t len, elen;
	uint8_t g[64];
	set_knob("icmp_errors_extension_mask", "1");
	send_dgram(IP(203, 0, 113, 2), 1, 60, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 180);                         /* X1.6 */
	ck_assert_uint_eq(rd16(r.b + 14 + 2), 200);
	ck_assert_uint_eq(rd32(m + 4), 0x00200000);
	ck_assert_uint_eq(rd32(m + 8 + 12), PEER_IP);        /* +8..+67: the offender */
	ck_assert_uint_eq(m[8 + 8], 1);                      /* as held: TTL not decremented */
	ck_assert_uint_eq(m[8 + 20], 1);
	ck_assert_uint_eq(m[67], (uint8_t)(39 * 7 + 1));
	for (int i = 68; i < 136; i++)
		ck_assert_uint_eq(m[i], 0);                  /* zero-padded to 128 */
	const uint8_t *e = check_extended(m, len, &elen);
	ck_assert_uint_eq(elen, 44);
	size_t gl = golden_iio(g, 0, 0, US_IP, "tap0", 1500);
	ck_assert_uint_eq(gl, 40);
	ck_assert_mem_eq(e + 4, g, 40);                      /* X3.3 byte for byte */
	ck_assert_uint_eq(rd32(e + 4), 0x0028020f);
	/* counters as without the extension (X0) */
	ck_assert_uint_eq(ctr("IcmpOutMsgs"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgOutType11"), 1);
}
END_TEST

/* X1.3: offenders of 127, 128 and 129 bytes: the field is always 128. */
START_TEST(test_x1_field_sizes)
{
	struct frame r;
	size_t len, elen;
	size_t tot = 127 + (size_t)_i;
	set_knob("icmp_errors_extension_mask", "1");
	send_dgram(IP(203, 0, 113, 2), 1, tot, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 180);
	check_extended(m, len, &elen);
	/* the offender's last byte i sits at +8+i; a 127-byte one leaves one zero, 129 loses its last */
	ck_assert_uint_eq(m[8 + 126], (uint8_t)(106 * 7 + 1));
	if (tot == 127)
		ck_assert_uint_eq(m[8 + 127], 0);
	else
		ck_assert_uint_eq(m[8 + 127], (uint8_t)(107 * 7 + 1));
	ck_assert_uint_eq(m[136], 0x20);
}
END_TEST

/* X2.2: a 1028-byte offender: 128 quoted, not R5.13's 548. */
START_TEST(test_x2_big_offender)
{
	struct frame r;
	size_t len, elen;
	set_knob("icmp_errors_extension_mask", "1");
	send_dgram(IP(203, 0, 113, 2), 1, 1028, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 180);
	check_extended(m, len, &elen);
	set_knob("icmp_errors_extension_mask", "0");
	advance(2000);
	send_dgram(IP(203, 0, 113, 2), 1, 1028, 0);
	take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 556);                         /* the classic message, 576 on the wire */
}
END_TEST

/* X2.1: room 171 < 128 + 44 gives the classic message; room 172 the extension (mask 0x01). */
START_TEST(test_x2_room_boundary)
{
	struct frame r;
	size_t len;
	unsigned mtu = 199 + (unsigned)_i;
	set_knob("icmp_errors_extension_mask", "1");
	set_knob("min_pmtu", "68");
	rtcache_learn_pmtu(T, PEER_IP, mtu);
	send_dgram(IP(203, 0, 113, 2), 1, 300, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	if (mtu == 199) {
		ck_assert_uint_eq(m[5], 0);
		ck_assert_uint_eq(len, 8 + 171);
	} else {
		ck_assert_uint_eq(m[5], 32);
		ck_assert_uint_eq(len, 180);
	}
	/* mask 0x07 needs 128 + 96: 223 is too small, 224 fits (all or nothing, X2.1) */
	set_knob("icmp_errors_extension_mask", "7");
	rtcache_learn_pmtu(T, PEER_IP, mtu == 199 ? 199 : 200);
	advance(2000);
	send_dgram(IP(203, 0, 113, 2), 1, 300, 0);
	m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(m[5], 0);
}
END_TEST

START_TEST(test_x2_room_mask7)
{
	struct frame r;
	size_t len;
	unsigned mtu = 251 + (unsigned)_i;             /* 20 + 8 + 128 + 96 = 252 */
	set_knob("icmp_errors_extension_mask", "7");
	set_knob("min_pmtu", "68");
	rtcache_learn_pmtu(T, PEER_IP, mtu);
	send_dgram(IP(203, 0, 113, 2), 1, 300, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(m[5], mtu == 252 ? 32 : 0);
	ck_assert_uint_eq(len, mtu == 252 ? 232u : 8u + 223u);
}
END_TEST

/* X3.5: INC, OUT, NXT in that order on 11/0 with mask 0x07. */
START_TEST(test_x3_inc_out_nxt)
{
	struct frame r;
	size_t len, elen;
	uint8_t g[64];
	set_knob("icmp_errors_extension_mask", "0x07");
	send_dgram(IP(203, 0, 113, 2), 1, 60, 0);
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 232);
	const uint8_t *e = check_extended(m, len, &elen);
	ck_assert_uint_eq(elen, 4 + 40 + 40 + 12);
	golden_iio(g, 0, 0, US_IP, "tap0", 1500);
	ck_assert_mem_eq(e + 4, g, 40);
	golden_iio(g, 2, 1, US1_IP, "tap1", 1500);
	ck_assert_mem_eq(e + 44, g, 40);
	ck_assert_uint_eq(e[47], 0x8f);
	const uint8_t nxt[12] = { 0, 12, 2, 0xc4, 0, 1, 0, 0, 198, 51, 100, 2 };  /* the gateway */
	ck_assert_mem_eq(e + 84, nxt, 12);
	/* on-link destination: NXT is the destination itself */
	advance(2000);
	send_dgram(IP(198, 51, 100, 7), 1, 60, 0);
	m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(rd32(m + 136 + 84 + 8), IP(198, 51, 100, 7));
	/* the other way, from B on tap1 toward PEER: INC tap1, OUT tap0 (index 0), NXT PEER */
	advance(2000);
	struct frame f;
	uint8_t pl[40] = { 0 };
	struct ip_spec sb = { .src = B_IP, .dst = PEER_IP, .proto = 17, .ttl = 1, .dstmac = US1, .srcmac = BMAC };
	feed(1, f.b, build_ip(&f, &sb, pl, 40));
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	m = r.b + 34;
	ck_assert_uint_eq(rd16(r.b + 16) - 20, 232);
	golden_iio(g, 0, 1, US1_IP, "tap1", 1500);
	ck_assert_mem_eq(m + 140, g, 40);
	golden_iio(g, 2, 0, US_IP, "tap0", 1500);
	ck_assert_mem_eq(m + 180, g, 40);
	ck_assert_uint_eq(rd32(m + 220 + 8), PEER_IP);
	/* mask 0x04 alone: NXT only */
	set_knob("icmp_errors_extension_mask", "4");
	advance(2000);
	send_dgram(IP(203, 0, 113, 2), 1, 60, 0);
	m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 8 + 128 + 4 + 12);
	ck_assert_mem_eq(m + 140, nxt, 12);
}
END_TEST

/* X3.5: 3/4 carries OUT whose MTU equals bytes 6-7. */
START_TEST(test_x3_frag_needed_out)
{
	struct frame r;
	size_t len, elen;
	set_knob("icmp_errors_extension_mask", "7");
	T->ifs[1].mtu = 1000;
	send_dgram(IP(203, 0, 113, 2), 64, 1200, 0x4000);
	const uint8_t *m = take_icmp(&r, 3, 4, &len);
	ck_assert_uint_eq(rd16(m + 6), 1000);
	ck_assert_uint_eq(m[5], 32);
	const uint8_t *e = check_extended(m, len, &elen);
	ck_assert_uint_eq(e[44 + 3], 0x8f);
	ck_assert_uint_eq(rd32(e + 44 + 36), 1000);          /* OUT's MTU */
	ck_assert_uint_eq(rd32(e + 4 + 36), 1500);           /* INC's MTU */
}
END_TEST

/* X3.5: 3/0 (no route) carries INC only; 3/1 after ARP failure names the dead gateway. */
START_TEST(test_x3_unreach_roles)
{
	struct frame r;
	size_t len, elen;
	set_knob("icmp_errors_extension_mask", "7");
	send_dgram(IP(203, 0, 113, 200), 64, 60, 0);         /* outside 203.0.113.0/25: no route */
	const uint8_t *m = take_icmp(&r, 3, 0, &len);
	check_extended(m, len, &elen);
	ck_assert_uint_eq(elen, 44);
	ck_assert_uint_eq(m[136 + 7], 0x0f);
	ck_assert_int_eq(ctl("route add 203.0.113.0/26,via=198.51.100.77", NULL), 0);
	send_dgram(IP(203, 0, 113, 9), 64, 60, 0);
	tx_clear();                                          /* the ARP request */
	advance(2000);
	tx_clear();                                          /* retries */
	advance(1000);
	m = take_icmp(&r, 3, 1, &len);
	const uint8_t *e = check_extended(m, len, &elen);
	ck_assert_uint_eq(elen, 96);
	ck_assert_uint_eq(e[4 + 3], 0x0f);
	ck_assert_uint_eq(e[44 + 3], 0x8f);
	ck_assert_uint_eq(rd32(e + 44 + 4), 1);              /* tap1 */
	ck_assert_uint_eq(e[84 + 3], 0xc4);
	ck_assert_uint_eq(rd32(e + 84 + 8), IP(198, 51, 100, 77));
}
END_TEST

/* A UDP datagram with a zero checksum (none) from PEER to dst:dport. */
static void udp_to(uint32_t dst, uint16_t dport, size_t dlen)
{
	static struct frame f;
	uint8_t u[300] = { 0x82, 0x35, (uint8_t)(dport >> 8), (uint8_t)dport, 0, (uint8_t)(8 + dlen), 0, 0 };
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 17 };
	feed(0, f.b, build_ip(&f, &s, u, 8 + dlen));
}

/* X2.3: errors about datagrams delivered to us carry INC too (3/3, 3/2, 12/0, 11/1); redirects and
 * echo replies never. */
START_TEST(test_x2_local_errors)
{
	struct frame r, f;
	size_t len, elen;
	uint8_t g[64];
	set_knob("icmp_errors_extension_mask", "7");
	udp_to(US_IP, 9999, 20);
	const uint8_t *m = take_icmp(&r, 3, 3, &len);
	const uint8_t *e = check_extended(m, len, &elen);
	ck_assert_uint_eq(elen, 44);                         /* INC only: not forwarded */
	golden_iio(g, 0, 0, US_IP, "tap0", 1500);
	ck_assert_mem_eq(e + 4, g, 40);
	advance(2000);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 99 };
	uint8_t pl[8] = { 0 };
	feed(0, f.b, build_ip(&f, &s, pl, 8));
	m = take_icmp(&r, 3, 2, &len);
	check_extended(m, len, &elen);
	advance(2000);
	const uint8_t badopt[4] = { 7, 1, 0, 0 };            /* RR with length 1: pointer 20 */
	struct ip_spec so = { .src = PEER_IP, .dst = US_IP, .proto = 17, .opt = badopt, .optlen = 4 };
	feed(0, f.b, build_ip(&f, &so, pl, 8));
	m = take_icmp(&r, 12, 0, &len);
	ck_assert_uint_eq(m[4], 20);                         /* the pointer stays in byte 4 */
	ck_assert_uint_eq(m[5], 32);
	check_extended(m, len, &elen);
	advance(2000);
	send_dgram(US_IP, 64, 100, 0x2000);                  /* offset 0 with MF: reassembly times out */
	advance(30000);
	m = take_icmp(&r, 11, 1, &len);
	check_extended(m, len, &elen);
	ck_assert_uint_eq(elen, 44);
	/* echo replies: never */
	feed(0, f.b, build_echo(&f, 1, 1, 56));
	m = take_icmp(&r, 0, 0, &len);
	ck_assert_uint_eq(len, 64);
}
END_TEST

START_TEST(test_x2_redirect_never)
{
	struct frame r;
	size_t len;
	set_knob("icmp_errors_extension_mask", "7");
	ck_assert_int_eq(ctl("route add 203.0.113.64/26,via=192.0.2.9", NULL), 0);
	struct frame f;
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, (const uint8_t[6]){ 2, 0, 0, 0, 9, 9 }, IP(192, 0, 2, 9), ZERO, US_IP));
	tx_clear();
	send_dgram(IP(203, 0, 113, 70), 64, 60, 0);
	const uint8_t *m = take_icmp(&r, 5, 1, &len);
	ck_assert_uint_eq(len, 68);
	ck_assert_uint_eq(m[5], 0);
}
END_TEST

/* X3.4: an offender with no input interface gets no INC object: with mask 0x01, a classic message. */
START_TEST(test_x3_no_iif)
{
	uint8_t d[60] = { 0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 203, 0, 113, 2 };
	struct frame r;
	size_t len;
	set_knob("icmp_errors_extension_mask", "1");
	struct pkb *p = stack_alloc(T, 60);                  /* as the stack makes its own datagrams */
	memcpy(p->data, d, 60);
	p->len = 60;
	ck_assert_uint_eq(p->iif, PKB_IIF_NONE);
	icmp4_send_error(T, p, 3, 1, 0);
	const uint8_t *m = take_icmp(&r, 3, 1, &len);
	ck_assert_uint_eq(m[5], 0);
	ck_assert_uint_eq(len, 68);
	p->iif = 0;                                          /* the same offender arriving on tap0 */
	advance(2000);
	icmp4_send_error(T, p, 3, 1, 0);
	m = take_icmp(&r, 3, 1, &len);
	ck_assert_uint_eq(len, 180);
	stack_pkb_free(T, p);
}
END_TEST

/* X3.3: an interface without an address gives C-Type 0x0B, 32 bytes. */
START_TEST(test_x3_inc_no_address)
{
	static const uint8_t US2[6] = { 0x02, 0, 0, 0, 0, 0x22 };
	struct frame f, r;
	size_t len, elen;
	uint8_t g[64];
	ck_assert_int_eq(stack_iface_add(T, "a-long-name-15c", US2, 1400), 2);
	stack_iface_up(T, 2, NOW);
	tx_clear();
	set_knob("icmp_errors_extension_mask", "1");
	/* from PEER (routed back by tap0) but arriving on the address-less interface */
	struct ip_spec s = { .src = PEER_IP, .dst = IP(203, 0, 113, 2), .proto = 17, .ttl = 1, .dstmac = US2 };
	uint8_t pl[40] = { 0 };
	feed(2, f.b, build_ip(&f, &s, pl, 40));
	const uint8_t *m = take_icmp(&r, 11, 0, &len);
	ck_assert_uint_eq(len, 172);
	const uint8_t *e = check_extended(m, len, &elen);
	ck_assert_uint_eq(golden_iio(g, 0, 2, 0, "a-long-name-15c", 1400), 32);
	ck_assert_mem_eq(e + 4, g, 32);
	ck_assert_uint_eq(e[7], 0x0b);
}
END_TEST

/* ---- X4: receiving ---- */

struct x4_case {
	const char *what;
	int attr;          /* length attribute */
	int trim;          /* bytes after the field: -1 = the whole extension */
	int version, bad_csum, zero_csum, objlen;  /* objlen: first object's length field */
	int ok;            /* reported */
	unsigned off, flags;
};
static const struct x4_case x4_cases[] = {
	{ "valid", 32, -1, 2, 0, 0, 8, 1, 100, 0 },
	{ "bad checksum", 32, -1, 2, 1, 0, 8, 1, 100, 1 },
	{ "checksum 0", 32, -1, 2, 0, 1, 8, 1, 100, 0 },
	{ "version 1", 32, -1, 1, 1, 0, 2, 1, 100, 0 },
	{ "object length 2", 32, -1, 2, 0, 0, 2, 1, 100, 1 },
	{ "object past the end", 32, -1, 2, 0, 0, 12, 1, 100, 1 },
	{ "attribute 0", 0, -1, 2, 0, 0, 8, 0, 0, 0 },
	{ "attribute 31", 31, -1, 2, 0, 0, 8, 0, 0, 0 },
	{ "2 bytes after the field", 32, 2, 2, 0, 0, 8, 0, 0, 0 },
	{ "4 bytes after the field", 32, 4, 2, 0, 0, 8, 1, 100, 0 },
};

/* An 11/0 message quoting a UDP datagram from us (US_IP:40000 -> 203.0.113.2:33434) in a 128-byte
 * field, then a version/checksum/object as the case says. Returns its length. */
static size_t x4_msg(uint8_t *m, const struct x4_case *c)
{
	memset(m, 0, 300);
	m[0] = 11;
	m[5] = (uint8_t)c->attr;
	uint8_t *in = m + 8;
	const uint8_t ih[20] = { 0x45, 0, 0, 60, 0, 1, 0, 0, 1, 17, 0, 0, 192, 0, 2, 2, 203, 0, 113, 2 };
	memcpy(in, ih, 20);
	const uint8_t uh[8] = { 0x9c, 0x40, 0x82, 0x9a, 0, 40, 0, 0 };
	memcpy(in + 20, uh, 8);
	uint8_t *e = m + 136;
	e[0] = (uint8_t)(c->version << 4);
	uint8_t obj[8] = { 0, (uint8_t)c->objlen, 2, 0x08, 0, 0, 0, 5 };
	if (c->objlen == 2) {      /* a walker that let a 2-byte object pass would find a fitting 6-byte one */
		obj[2] = 0;
		obj[3] = 6;
	}
	memcpy(e + 4, obj, 8);
	size_t elen = c->trim >= 0 ? (size_t)c->trim : 12;
	if (!c->zero_csum && elen >= 4) {
		uint16_t s = cksum(e, elen);
		if (c->bad_csum)
			s ^= 0x1111;
		e[2] = (uint8_t)(s >> 8);
		e[3] = (uint8_t)s;
	}
	size_t len = 136 + elen;
	uint16_t s = cksum(m, len);
	m[2] = (uint8_t)(s >> 8);
	m[3] = (uint8_t)s;
	return len;
}

START_TEST(test_x4_validation_table)
{
	const struct x4_case *c = &x4_cases[_i];
	uint8_t m[300];
	uint16_t off = 0;
	uint8_t flags = 0;
	size_t len = x4_msg(m, c);
	bool ok = icmp4_ext_rfc4884(m, len, 28, &off, &flags);
	ck_assert_msg(ok == (bool)c->ok, "%s: reported %d", c->what, ok);
	if (ok) {
		ck_assert_msg(off == c->off && flags == c->flags, "%s: off %u flags %u", c->what, off, flags);
	}
}
END_TEST

/* The same through the stack: a stub with --rfc4884 shows the offset, flag and objects. */
START_TEST(test_x4_stub)
{
	struct frame f;
	uint8_t m[300];
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp bind --rfc4884 40000", &out), 0);
	ck_assert_int_eq(ctl("udp bind 40001", NULL), 0);
	for (size_t k = 0; k < 2; k++) {
		struct x4_case c = x4_cases[k];
		size_t len = x4_msg(m, &c);
		struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
		feed(0, f.b, build_ip(&f, &s, m, len));
	}
	/* a real INC object, to the socket without the option */
	uint8_t g[64];
	struct x4_case c = x4_cases[0];
	size_t len = x4_msg(m, &c);
	m[8 + 20 + 1] = 0x41;                                /* source port 40001 */
	size_t gl = golden_iio(g, 0, 2, IP(192, 0, 2, 1), "tap0", 1500);
	memcpy(m + 140, g, gl);
	len = 140 + gl;
	m[138] = m[139] = 0;
	uint16_t x = cksum(m + 136, 4 + gl);
	m[138] = (uint8_t)(x >> 8); m[139] = (uint8_t)x;
	m[2] = m[3] = 0;
	x = cksum(m, len);
	m[2] = (uint8_t)(x >> 8); m[3] = (uint8_t)x;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, m, len));
	sbuf_free(&out);
	ck_assert_int_eq(ctl("sockets", &out), 0);
	const char *t = sbuf_str(&out);
	ck_assert_msg(strstr(t, "rfc4884 off 100 <INC:5>"), "%s", t);
	ck_assert_msg(strstr(t, "rfc4884 off 100 INVALID"), "%s", t);
	/* the socket without the option reports no extension (ee_data 0) */
	const char *l = strstr(t, "udp 0.0.0.0:40001");
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_null(strstr(l, "rfc4884"));
	sbuf_free(&out);
	/* with the option on, the real object decodes as newer traceroute shows it */
	ck_assert_int_eq(ctl("udp close 40001", NULL), 0);
	ck_assert_int_eq(ctl("udp bind --rfc4884 40001", NULL), 0);
	feed(0, f.b, build_ip(&f, &s, m, len));
	ck_assert_int_eq(ctl("sockets", &out), 0);
	ck_assert_msg(strstr(sbuf_str(&out), "rfc4884 off 100 <INC:2,192.0.2.1,\"tap0\",mtu=1500>"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

/* An error line says at most 119 characters of the objects (what the error queue's entry held of
 * them before the words moved to ctl/): twenty class-1 objects, 259 characters in full. */
START_TEST(test_x4_stub_text_cut)
{
	struct frame f;
	uint8_t m[400];
	struct sbuf out = { 0 };
	char want[300];
	size_t w = 0;
	ck_assert_int_eq(ctl("udp bind --rfc4884 40000", NULL), 0);
	struct x4_case c = x4_cases[0];
	x4_msg(m, &c);
	uint8_t *e = m + 136;
	for (unsigned k = 0; k < 20; k++) {
		uint8_t *o = e + 4 + 8 * k;
		o[0] = 0;
		o[1] = 8;
		o[2] = 1;
		o[3] = 1;
		o[4] = 0x01;
		o[5] = 0x02;
		o[6] = 0x03;
		o[7] = (uint8_t)k;
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s1/1:010203%02x", k ? ";" : "", k);
	}
	ck_assert_uint_eq(w, 259);
	size_t len = 136 + 4 + 160;
	e[2] = e[3] = 0;
	uint16_t x = cksum(e, 4 + 160);
	e[2] = (uint8_t)(x >> 8); e[3] = (uint8_t)x;
	m[2] = m[3] = 0;
	x = cksum(m, len);
	m[2] = (uint8_t)(x >> 8); m[3] = (uint8_t)x;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, m, len));
	ck_assert_int_eq(ctl("sockets", &out), 0);
	char line[200];
	snprintf(line, sizeof(line), "rfc4884 off 100 <%.119s>\n", want);
	ck_assert_msg(strstr(sbuf_str(&out), line), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

/* ---- X5: PROBE ---- */

static size_t probe_obj(uint8_t *o, uint8_t ctype, const uint8_t *id, size_t idlen, int lenfield)
{
	o[0] = (uint8_t)((lenfield >= 0 ? (size_t)lenfield : 4 + idlen) >> 8);
	o[1] = (uint8_t)(lenfield >= 0 ? (size_t)lenfield : 4 + idlen);
	o[2] = 3;
	o[3] = ctype;
	memcpy(o + 4, id, idlen);
	return 4 + idlen;
}

/* Sends a PROBE (ext: the bytes after the ICMP header, version 2 header and checksum set unless
 * raw) from PEER to dst; returns 1 and the reply in r/m when one came. */
static int probe_send(uint32_t dst, uint8_t code, uint8_t L, const uint8_t *obj, size_t olen, bool raw_ext,
		      const uint8_t *dmac, struct frame *r, const uint8_t **m)
{
	uint8_t ext[64], msg[100];
	struct frame f;
	size_t elen = 0;
	if (raw_ext) {
		memcpy(ext, obj, olen);
		elen = olen;
	} else if (obj) {
		ext[0] = 0x20; ext[1] = 0; ext[2] = ext[3] = 0;
		memcpy(ext + 4, obj, olen);
		elen = 4 + olen;
		uint16_t s = cksum(ext, elen);
		ext[2] = (uint8_t)(s >> 8); ext[3] = (uint8_t)s;
	}
	size_t ml = build_icmp(msg, 42, code, 0x42420100u | L, ext, elen);
	struct ip_spec s = { .src = PEER_IP, .dst = dst, .proto = 1, .dstmac = dmac };
	feed(0, f.b, build_ip(&f, &s, msg, ml));
	if (tx_count() == 0)
		return 0;
	tx_take(r);
	*m = r->b + 34;
	ck_assert_uint_eq(r->b[14 + 9], 1);
	ck_assert_uint_eq((*m)[0], 43);
	ck_assert_uint_eq(rd16(*m + 4), 0x4242);             /* identifier and sequence copied */
	ck_assert_uint_eq((*m)[6], 1);
	ck_assert_uint_eq(cksum(*m, rd16(r->b + 16) - 20), 0);
	ck_assert_uint_eq(rd16(r->b + 16) - 20, ml);         /* the request's bytes echoed */
	ck_assert_mem_eq(*m + 8, msg + 8, ml - 8);
	return 1;
}

struct probe_case {
	const char *what;
	uint8_t ctype;
	const char *id;       /* identification bytes, idlen of them */
	size_t idlen;
	int lenfield;         /* -1: right */
	uint8_t L;
	int code;             /* -1: no reply */
	uint8_t status;
};
#define IDX(n) "\0\0\0" #n
static const struct probe_case probe_cases[] = {
	{ "index 0 (tap0, up, IPv4)", 2, "\0\0\0\0", 4, -1, 1, 0, 0x06 },
	{ "name tap1", 1, "tap1", 4, -1, 1, 0, 0x06 },
	{ "address 198.51.100.1", 3, "\0\1\4\0\xc6\x33\x64\x01", 8, -1, 1, 0, 0x06 },
	{ "down without address (tap2)", 1, "tap2", 4, -1, 1, 0, 0x00 },
	{ "down with IPv4 (tap3)", 2, "\0\0\0\3", 4, -1, 1, 0, 0x02 },
	{ "unknown name", 1, "eth9", 4, -1, 1, 2, 0 },
	{ "index 999", 2, "\0\0\x03\xe7", 4, -1, 1, 2, 0 },
	{ "a neighbour's address", 3, "\0\1\4\0\xc0\0\2\1", 8, -1, 1, 2, 0 },
	{ "IPv6 address (none here)", 3, "\0\2\x10\0" "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 20, -1, 1, 2, 0 },
	{ "C-Type 4", 4, "\0\0\0\0", 4, -1, 1, 1, 0 },
	{ "Length 4", 2, "\0\0\0\0", 4, 4, 1, 1, 0 },
	{ "Length 28", 2, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24, 28, 1, 1, 0 },
	{ "Length past the end", 2, "\0\0\0\0", 4, 12, 1, 1, 0 },
	{ "16-byte name", 1, "tap0\0\0\0\0\0\0\0\0\0\0\0\0", 16, -1, 1, 1, 0 },
	{ "8-byte index", 2, "\0\0\0\0\0\0\0\0", 8, -1, 1, 1, 0 },
	{ "AFI 1 with length 16", 3, "\0\1\x10\0\xc0\0\2\2\0\0\0\0\0\0\0\0\0\0\0\0", 20, -1, 1, 1, 0 },
	{ "AFI 9", 3, "\0\x09\4\0\xc0\0\2\2", 8, -1, 1, 1, 0 },
	{ "13-character name padded", 1, "thirteen-char\0\0\0", 16, -1, 1, 1, 0 },
	{ "13-character name unpadded", 1, "thirteen-char", 13, -1, 1, 0, 0x04 },  /* up, no address */
	{ "name with NUL padding", 1, "tap0\0\0\0\0", 8, -1, 1, 0, 0x06 },
	/* L=0: the ARP table (POLICY X5.8) */
	{ "L=0 PEER in ARP", 3, "\0\1\4\0\xc0\0\2\1", 8, -1, 0, 0, 2 << 5 },
	{ "L=0 unknown address", 3, "\0\1\4\0\xc0\0\2\x63", 8, -1, 0, 3, 0 },
	{ "L=0 our own address", 3, "\0\1\4\0\xc0\0\2\2", 8, -1, 0, 3, 0 },
	{ "L=0 by name", 1, "tap0", 4, -1, 0, 1, 0 },
	{ "L=0 by index", 2, "\0\0\0\0", 4, -1, 0, 1, 0 },
};

static void probe_fixture_ifaces(void)
{
	static const uint8_t M2[6] = { 2, 0, 0, 0, 0, 0x32 }, M3[6] = { 2, 0, 0, 0, 0, 0x33 }, M4[6] = { 2, 0, 0, 0, 0, 0x34 };
	ck_assert_int_eq(stack_iface_add(T, "tap2", M2, 1500), 2);
	ck_assert_int_eq(stack_iface_add(T, "tap3", M3, 1500), 3);
	ck_assert_int_eq(stack_addr_add(T, 3, IP(203, 0, 113, 129), 25), 0);
	ck_assert_int_eq(stack_iface_add(T, "thirteen-char", M4, 1500), 4);
	stack_iface_up(T, 4, NOW);
	tx_clear();
}

START_TEST(test_x5_table)
{
	const struct probe_case *c = &probe_cases[_i];
	uint8_t o[64];
	struct frame r;
	const uint8_t *m;
	probe_fixture_ifaces();
	set_knob("icmp_echo_enable_probe", "1");
	size_t ol = probe_obj(o, c->ctype, (const uint8_t *)c->id, c->idlen, c->lenfield);
	int got = probe_send(US_IP, 0, c->L, o, ol, false, NULL, &r, &m);
	if (c->code < 0) {
		ck_assert_msg(!got, "%s: answered", c->what);
		return;
	}
	ck_assert_msg(got, "%s: no reply", c->what);
	ck_assert_msg(m[1] == c->code && m[7] == c->status, "%s: code %u byte7 0x%02x, want %d 0x%02x", c->what, m[1],
		      m[7], c->code, c->status);
	ck_assert_uint_eq(ctr("IcmpMsgOutType43"), 1);       /* X5.10 POLICY */
	ck_assert_uint_eq(ctr("IcmpMsgInType42"), 1);
	ck_assert_uint_eq(ctr("IcmpOutEchoReps"), 0);
	ck_assert_uint_eq(ctr("IcmpInErrors"), 0);
}
END_TEST

START_TEST(test_x5_lenient_and_policy)
{
	uint8_t o[64], raw[64];
	struct frame r;
	const uint8_t *m;
	set_knob("icmp_echo_enable_probe", "1");
	size_t ol = probe_obj(o, 2, (const uint8_t *)"\0\0\0\1", 4, -1);
	/* Class-Num 5, version 1, a bad extension checksum: processed anyway (X5.5) */
	o[2] = 5;
	ck_assert(probe_send(US_IP, 0, 1, o, ol, false, NULL, &r, &m));
	ck_assert_uint_eq(m[1], 0);
	ck_assert_uint_eq(m[7], 0x06);
	o[2] = 3;
	raw[0] = 0x10; raw[1] = 0; raw[2] = 0xde; raw[3] = 0xad;
	memcpy(raw + 4, o, ol);
	ck_assert(probe_send(US_IP, 0, 1, raw, 4 + ol, true, NULL, &r, &m));
	ck_assert_uint_eq(m[1], 0);
	/* no extension at all: malformed */
	ck_assert(probe_send(US_IP, 0, 1, NULL, 0, false, NULL, &r, &m));
	ck_assert_uint_eq(m[1], 1);
	/* X5.7 POLICY: request code 5, reply code 0 */
	ck_assert(probe_send(US_IP, 5, 1, o, ol, false, NULL, &r, &m));
	ck_assert_uint_eq(m[1], 0);
	/* X5.4: to the limited broadcast, with echo_ignore_broadcasts=1, answered from tap0's address */
	ck_assert(probe_send(IP(255, 255, 255, 255), 0, 1, o, ol, false, BCASTMAC, &r, &m));
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP);
	ck_assert(probe_send(IP(192, 0, 2, 255), 0, 1, o, ol, false, BCASTMAC, &r, &m));
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP);
	ck_assert(probe_send(IP(224, 0, 0, 1), 0, 1, o, ol, false, BCASTMAC, &r, &m));
	ck_assert_uint_eq(rd32(r.b + 14 + 12), US_IP);
	/* X5.9: not rate limited: 300 back to back, 300 replies */
	tx_clear();
	for (int i = 0; i < 300; i++) {
		ck_assert(probe_send(US_IP, 0, 1, o, ol, false, NULL, &r, &m));
	}
	/* X5.8: proxy off → L=0 dropped silently, like Linux */
	set_knob("icmp_echo_probe_proxy", "0");
	size_t al = probe_obj(o, 3, (const uint8_t *)"\0\1\4\0\xc0\0\2\1", 8, -1);
	ck_assert(!probe_send(US_IP, 0, 0, o, al, false, NULL, &r, &m));
	/* Incomplete: an ARP entry still resolving */
	set_knob("icmp_echo_probe_proxy", "1");
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("udp send 192.0.2.77:9 x", &out), 0);
	sbuf_free(&out);
	tx_clear();
	al = probe_obj(o, 3, (const uint8_t *)"\0\1\4\0\xc0\0\2\x4d", 8, -1);
	ck_assert(probe_send(US_IP, 0, 0, o, al, false, NULL, &r, &m));
	ck_assert_uint_eq(m[1], 0);
	ck_assert_uint_eq(m[7], 1 << 5);
}
END_TEST

/* X5.8: the same address in the ARP tables of two interfaces: code 4, Multiple Interfaces. */
START_TEST(test_x5_proxy_multiple)
{
	uint8_t o[16];
	struct frame r, f;
	const uint8_t *m;
	set_knob("icmp_echo_enable_probe", "1");
	feed(1, f.b, build_arp(&f, BCASTMAC, 1, (const uint8_t[6]){ 2, 0, 0, 0, 0x77, 1 }, PEER_IP, ZERO, US1_IP));
	tx_clear();
	struct sbuf out = { 0 };
	ck_assert_int_eq(ctl("neigh", &out), 0);
	bool twice = strstr(sbuf_str(&out), "192.0.2.1 dev tap1") && strstr(sbuf_str(&out), "192.0.2.1 dev tap0");
	sbuf_free(&out);
	size_t al = probe_obj(o, 3, (const uint8_t *)"\0\1\4\0\xc0\0\2\1", 8, -1);
	ck_assert(probe_send(US_IP, 0, 0, o, al, false, NULL, &r, &m));
	ck_assert_msg(twice, "the fixture could not put 192.0.2.1 on both interfaces");
	ck_assert_uint_eq(m[1], 4);
	ck_assert_uint_eq(m[7], 0);
}
END_TEST

/* X5.3: disabled (the default) or echo_ignore_all: consumed, only InMsgs and InType42 move. */
START_TEST(test_x5_disabled)
{
	uint8_t o[16];
	struct frame r;
	const uint8_t *m;
	size_t ol = probe_obj(o, 2, (const uint8_t *)"\0\0\0\0", 4, -1);
	ck_assert(!probe_send(US_IP, 0, 1, o, ol, false, NULL, &r, &m));
	ck_assert_uint_eq(ctr("IcmpInMsgs"), 1);
	ck_assert_uint_eq(ctr("IcmpMsgInType42"), 1);
	ck_assert_uint_eq(ctr("IcmpInErrors"), 0);
	ck_assert_uint_eq(ctr("IcmpOutMsgs"), 0);
	set_knob("icmp_echo_enable_probe", "1");
	set_knob("icmp_echo_ignore_all", "1");
	ck_assert(!probe_send(US_IP, 0, 1, o, ol, false, NULL, &r, &m));
	set_knob("icmp_echo_ignore_all", "0");
	ck_assert(probe_send(US_IP, 0, 1, o, ol, false, NULL, &r, &m));
	/* X5.11: an unsolicited reply is dropped silently */
	uint8_t msg[32];
	struct frame f;
	size_t ml = build_icmp(msg, 43, 0, 0x12340106, o, ol);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, msg, ml));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(ctr("IcmpInErrors"), 0);
}
END_TEST

/* The client: `probe -i 0 -L PEER` against a scripted answer. */
START_TEST(test_x5_client)
{
	struct sbuf out = { 0 };
	unsigned h;
	struct frame r, f;
	ck_assert_int_eq(stack_ctl_start(T, "probe -I tap7 -L 192.0.2.1", &out, NOW, &h), STACK_CTL_PENDING);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "PROBE 192.0.2.1 (192.0.2.1): L=1 interface name tap7"));
	tx_take(&r);
	uint8_t *m = r.b + 34;
	ck_assert_uint_eq(m[0], 42);
	ck_assert_uint_eq(m[7], 1);
	ck_assert_uint_eq(m[8], 0x20);
	ck_assert_uint_eq(cksum(m + 8, 12), 0);
	const uint8_t obj[8] = { 0, 8, 3, 1, 't', 'a', 'p', '7' };
	ck_assert_mem_eq(m + 12, obj, 8);
	/* the peer answers: code 0, A and 4 */
	m[0] = 43;
	m[7] = 0x06;
	m[2] = m[3] = 0;
	uint16_t c = cksum(m, 20);
	m[2] = (uint8_t)(c >> 8); m[3] = (uint8_t)c;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, m, 20));
	sbuf_free(&out);
	int rc = stack_ctl_poll(T, h, &out);
	ck_assert_msg(rc == 0, "rc %d: %s", rc, sbuf_str(&out));
	ck_assert_msg(strstr(sbuf_str(&out), "20 bytes from 192.0.2.1: icmp_seq=1 code=0 (No Error) state=0 (Reserved) A=1 4=1 6=0"),
		      "%s", sbuf_str(&out));
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "1 packets transmitted, 1 received"));
	sbuf_free(&out);
	ck_assert_int_eq(stack_ctl_start(T, "probe -L 192.0.2.1", &out, NOW, &h), 2);
	sbuf_free(&out);
}
END_TEST

/* The ping client prints the objects of an extended error, as newer traceroute does. */
START_TEST(test_x4_ping_prints_objects)
{
	struct sbuf out = { 0 };
	unsigned h;
	struct frame r, f;
	uint8_t m[300], g[64];
	ck_assert_int_eq(stack_ctl_start(T, "ping -c 1 192.0.2.1", &out, NOW, &h), STACK_CTL_PENDING);
	tx_take(&r);
	memset(m, 0, sizeof(m));
	m[0] = 11;
	m[5] = 32;
	memcpy(m + 8, r.b + 14, 84);
	m[8 + 8] = 1;
	m[136] = 0x20;
	size_t gl = golden_iio(g, 0, 2, IP(192, 0, 2, 1), "tap0", 1500);
	memcpy(m + 140, g, gl);
	size_t len = 140 + gl;
	uint16_t x = cksum(m + 136, 4 + gl);
	m[138] = (uint8_t)(x >> 8); m[139] = (uint8_t)x;
	x = cksum(m, len);
	m[2] = (uint8_t)(x >> 8); m[3] = (uint8_t)x;
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	feed(0, f.b, build_ip(&f, &s, m, len));
	sbuf_free(&out);
	stack_ctl_poll(T, h, &out);
	ck_assert_msg(strstr(sbuf_str(&out), "From 192.0.2.1 icmp_seq=1 Time to live exceeded <INC:2,192.0.2.1,\"tap0\",mtu=1500>\n"),
		      "%s", sbuf_str(&out));
	sbuf_free(&out);
	stack_ctl_cancel(T, h);
}
END_TEST

Suite *icmp_ext_suite(void)
{
	Suite *s = suite_create("icmp_ext");
	TCase *tc = tcase_create("x");
	tcase_add_checked_fixture(tc, rt_setup, fx_teardown);
	tcase_add_test(tc, test_x0_knobs);
	tcase_add_test(tc, test_x2_off_classic);
	tcase_add_test(tc, test_x1_inc_exact);
	tcase_add_loop_test(tc, test_x1_field_sizes, 0, 3);
	tcase_add_test(tc, test_x2_big_offender);
	tcase_add_loop_test(tc, test_x2_room_boundary, 0, 2);
	tcase_add_loop_test(tc, test_x2_room_mask7, 0, 2);
	tcase_add_test(tc, test_x3_inc_out_nxt);
	tcase_add_test(tc, test_x3_frag_needed_out);
	tcase_add_test(tc, test_x3_unreach_roles);
	tcase_add_test(tc, test_x2_local_errors);
	tcase_add_test(tc, test_x2_redirect_never);
	tcase_add_test(tc, test_x3_no_iif);
	tcase_add_test(tc, test_x3_inc_no_address);
	tcase_add_loop_test(tc, test_x4_validation_table, 0, sizeof(x4_cases) / sizeof(x4_cases[0]));
	tcase_add_test(tc, test_x4_stub);
	tcase_add_test(tc, test_x4_stub_text_cut);
	tcase_add_test(tc, test_x4_ping_prints_objects);
	tcase_add_loop_test(tc, test_x5_table, 0, sizeof(probe_cases) / sizeof(probe_cases[0]));
	tcase_add_test(tc, test_x5_lenient_and_policy);
	tcase_add_test(tc, test_x5_disabled);
	tcase_add_test(tc, test_x5_proxy_multiple);
	tcase_add_test(tc, test_x5_client);
	suite_add_tcase(s, tc);
	return s;
}
