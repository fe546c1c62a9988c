/* tests/unit/check_ip6_router.c — IPv6 as a router and the ICMP extensions over IPv6:
 * Redirects (ICMP6-SPEC V6.14), Router Advertisements (V6.16), RFC 4884/5837 on ICMPv6 errors
 * (ICMP-EXT-SPEC X1-X3) and RFC 8335 PROBE over ICMPv6 (X5). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "eth/neigh.h"
#include "ip/ip6.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"
#include "tests/unit/harness.h"
#include "tests/unit/harness6.h"

static const uint8_t GWMAC[6] = { 0x02, 0, 0, 0, 0, 0x09 };

/* --- X1-X3 over ICMPv6 --- */

START_TEST(x_icmp6_ext_inc)
{
	struct frame f;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 58, .dst = G_FAR };

	/* Mask 0: a classic 1/0 quoting the whole 56-byte offender. */
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, (const uint8_t *)"abcdefgh", 8));
	take_icmp6(&f, &v, 1);
	ck_assert_uint_eq(v.l4[4], 0);
	ck_assert_uint_eq(v.l4len, 8 + 56);

	set_knob("net.ipv6.icmp.errors_extension_mask", "1");
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 2, (const uint8_t *)"abcdefgh", 8));
	take_icmp6(&f, &v, 1);
	/* X1.2/X1.3: length attribute 16 (64-bit words), 128 bytes of the offender zero-padded,
	 * then the structure: X1.6's example, ICMPv6 192 bytes, 232 on the wire. */
	ck_assert_uint_eq(v.l4[4], 16);
	ck_assert_uint_eq(v.l4len, 192);
	ck_assert_uint_eq(v.iplen, 232);
	const uint8_t *e = v.l4 + 8 + 128;
	ck_assert_uint_eq(v.l4[8 + 56], 0);                 /* padding after the 56 quoted bytes */
	ck_assert_uint_eq(e[0], 0x20);
	ck_assert_uint_eq(csum_buf(e, 56), 0);              /* X1.4: its own checksum */
	/* X3.3: INC, 52 bytes: ifIndex 0, AFI 2 + G_US0, a 20-byte name sub-object, MTU. */
	ck_assert_uint_eq(be16_get(e + 4), 52);
	ck_assert_uint_eq(e[6], 2);
	ck_assert_uint_eq(e[7], 0x0f);
	ck_assert_uint_eq(be32_get(e + 8), 0);
	ck_assert_uint_eq(be16_get(e + 12), 2);
	ck_assert_ip6_eq(e + 16, G_US0);
	ck_assert_uint_eq(e[32], 20);
	ck_assert_str_eq((const char *)e + 33, "tap0");
	ck_assert_uint_eq(be32_get(e + 52), 1500);

	/* X1.1: Parameter Problem is never extended (4/1 for an unknown next header). */
	struct ip6_spec u = { .nxt = 253 };
	uint8_t junk[8] = { 0 };
	feed(0, f.b, build_ip6(&f, &u, junk, sizeof(junk)));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(be32_get(v.l4 + 4), 6);
	ck_assert_uint_eq(v.l4len, 8 + 48);
}
END_TEST

/* X2.1: all or nothing — a bit the interface has nothing for gives no object, and a structure
 * with no object is not sent (OUT and NXT only on forwarded offenders). */
START_TEST(x_icmp6_ext_out_only_local)
{
	struct frame f;
	struct ip6_view v;
	struct ip6_spec s = { .nxt = 58, .dst = G_FAR };
	set_knob("net.ipv6.icmp.errors_extension_mask", "6");
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	take_icmp6(&f, &v, 1);
	ck_assert_uint_eq(v.l4[4], 0);
	ck_assert_uint_eq(v.l4len, 8 + 48);
}
END_TEST

/* X3.5 over ICMPv6: 3/0 while forwarding carries INC, OUT and NXT (24 bytes). */
START_TEST(x_icmp6_ext_forwarded)
{
	struct frame f;
	struct ip6_view v;
	uint8_t far[16], gw[16];
	a6("2001:db8:7::1", far);
	a6("2001:db8:2::9", gw);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	set_knob("net.ipv6.icmp.errors_extension_mask", "7");
	struct route6 r = { .plen = 64, .type = RT6_GATEWAY, .ifindex = 1 };
	memcpy(r.prefix, far, 16);
	r.gw = inet_v6(gw);
	ck_assert_int_eq(route6_add(T, &r), 0);
	struct ip6_spec s = { .nxt = 58, .dst = far, .hlim = 1 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	take_icmp6(&f, &v, 3);
	ck_assert_uint_eq(v.l4[4], 16);
	const uint8_t *e = v.l4 + 8 + 128;
	ck_assert_uint_eq(v.l4len, 8 + 128 + 4 + 52 + 52 + 24);
	ck_assert_uint_eq(e[7], 0x0f);                      /* INC: tap0 */
	ck_assert_uint_eq(e[4 + 52 + 3], 0x8f);             /* OUT: tap1 */
	ck_assert_uint_eq(be32_get(e + 4 + 52 + 4), 1);
	ck_assert_ip6_eq(e + 4 + 52 + 12, G_US1);
	ck_assert_uint_eq(be16_get(e + 4 + 104), 24);        /* NXT: the gateway */
	ck_assert_uint_eq(e[4 + 104 + 3], 0xc4);
	ck_assert_ip6_eq(e + 4 + 104 + 8, gw);
}
END_TEST

/* X4.2 over ICMPv6: a stub with --rfc4884 reads where the extension starts (attribute x 8), the
 * example of X4.2: 128 - 40 - 8 = 80, and the objects; ICMPv6 4/x is never looked at (X4.2). */
START_TEST(x4_icmp6_stub)
{
	struct frame f;
	struct sbuf out = { 0 };
	ck_assert_int_eq(stack_ctl(T, "udp bind --rfc4884 [::]:40000", &out, NOW), 0);
	sbuf_free(&out);
	uint8_t q[128 + 4 + 8] = { 0 };
	q[0] = 0x60;
	be16_put(q + 4, 8 + 8);
	q[6] = 17;
	q[7] = 64;
	memcpy(q + 8, G_US0, 16);
	memcpy(q + 24, G_PEER, 16);
	be16_put(q + 40, 40000);
	be16_put(q + 42, 9);
	be16_put(q + 44, 16);
	uint8_t *e = q + 128;
	e[0] = 0x20;
	be16_put(e + 4, 8);                                   /* INC, ifIndex only */
	e[6] = 2;
	e[7] = 0x08;
	be32_put(e + 8, 5);
	be16_put(e + 2, csum_buf(e, 12));
	struct ip6_spec s = { .nxt = 58 };
	feed(0, f.b, build_icmp6(&f, &s, 1, 4, 16u << 24, q, sizeof(q)));
	ck_assert_int_eq(stack_ctl(T, "sockets", &out, NOW), 0);
	const char *t = sbuf_str(&out);
	ck_assert_msg(strstr(t, "ECONNREFUSED"), "%s", t);
	ck_assert_msg(strstr(t, "rfc4884 off 80 <INC:5>"), "%s", t);
	sbuf_free(&out);
	/* A Parameter Problem with the same bytes: no extension reported. */
	feed(0, f.b, build_icmp6(&f, &s, 4, 0, 16u << 24, q, sizeof(q)));
	ck_assert_int_eq(stack_ctl(T, "sockets", &out, NOW), 0);
	t = sbuf_str(&out);
	const char *pp = strstr(t, "EPROTO");
	ck_assert_ptr_nonnull(pp);
	const char *nl = strchr(pp, '\n');
	ck_assert(!strstr(pp, "rfc4884") || (nl && strstr(pp, "rfc4884") > nl));
	sbuf_free(&out);
}
END_TEST

/* --- X5 over ICMPv6 --- */

/* ICMPv6 160 with one Interface Identification Object by address (C-Type 3, AFI 2). */
static size_t build_probe6(struct frame *f, uint16_t id, uint8_t seq, const uint8_t *addr)
{
	uint8_t m[4 + 4 + 24];
	m[0] = (uint8_t)(id >> 8);
	m[1] = (uint8_t)id;
	m[2] = seq;
	m[3] = 1;                                    /* L */
	m[4] = 0x20;
	m[5] = 0;
	m[6] = m[7] = 0;
	be16_put(m + 8, 24);
	m[10] = 3;
	m[11] = 3;
	be16_put(m + 12, 2);
	m[14] = 16;
	m[15] = 0;
	memcpy(m + 16, addr, 16);
	be16_put(m + 6, csum_buf(m + 4, sizeof(m) - 4));
	struct ip6_spec s = { .nxt = 58 };
	/* build_icmp6 writes type, code, checksum and takes the second word from word2. */
	return build_icmp6(f, &s, 160, 0, be32_get(m), m + 4, sizeof(m) - 4);
}

START_TEST(x5_probe6)
{
	struct frame f;
	struct ip6_view v;
	/* Off by default: counted, no answer. */
	feed(0, f.b, build_probe6(&f, 0x4242, 1, G_US0));
	ck_assert_uint_eq(icmp6_in(160), 1);
	ck_assert_uint_eq(drain_icmp6(161), 0);
	set_knob("icmp_echo_enable_probe", "1");
	feed(0, f.b, build_probe6(&f, 0x4242, 2, G_US0));
	take_icmp6(&f, &v, 161);
	ck_assert_uint_eq(v.l4[1], 0);                      /* No Error */
	ck_assert_uint_eq(be16_get(v.l4 + 4), 0x4242);
	ck_assert_uint_eq(v.l4[6], 2);
	ck_assert_uint_eq(v.l4[7], 0x04 | 0x02 | 0x01);     /* A, 4, 6 */
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_uint_eq(icmp6_out(161), 1);
	/* An address that is not ours: No Such Interface. */
	feed(0, f.b, build_probe6(&f, 0x4242, 3, G_FAR));
	take_icmp6(&f, &v, 161);
	ck_assert_uint_eq(v.l4[1], 2);
	/* IPv6's echo_ignore_all silences it too. */
	set_knob("net.ipv6.icmp.echo_ignore_all", "1");
	feed(0, f.b, build_probe6(&f, 0x4242, 4, G_US0));
	ck_assert_uint_eq(drain_icmp6(161), 0);
}
END_TEST

/* The PROBE client over IPv6 (X5, `tapstackctl probe`): type 160 with an IPv6 address object
 * (AFI 2), the reply printed with its code and state bits; a reply from elsewhere is ignored. */
START_TEST(x5_probe6_client)
{
	struct frame f, o;
	struct ip6_view v;
	struct sbuf out = { 0 };
	unsigned h = start_ping("probe -L -a 2001:db8:1::1 2001:db8:1::1", &out);
	ck_assert_msg(strstr(sbuf_str(&out), "PROBE 2001:db8:1::1 (2001:db8:1::1): L=1 interface address 2001:db8:1::1"),
		      "%s", sbuf_str(&out));
	take_icmp6(&o, &v, 160);
	ck_assert_ip6_eq(v.ip + 24, G_PEER);
	ck_assert_uint_eq(v.l4[7], 1);                       /* L */
	ck_assert_uint_eq(be16_get(v.l4 + 12), 24);          /* the object: AFI 2, 16 bytes */
	ck_assert_uint_eq(v.l4[15], 3);
	ck_assert_uint_eq(be16_get(v.l4 + 16), 2);
	ck_assert_uint_eq(v.l4[18], 16);
	ck_assert_ip6_eq(v.l4 + 20, G_PEER);
	ck_assert_uint_eq(csum_buf(v.l4 + 8, 4 + 24), 0);    /* X1.4 */
	ck_assert_uint_eq(icmp6_out(160), 1);
	/* The answer: No Error, Reachable, A, 6. */
	uint8_t r[4 + 4 + 24];
	memcpy(r, v.l4 + 4, sizeof(r));
	uint32_t w2 = be32_get(r);
	w2 = (w2 & 0xffffff00u) | (2u << 5) | 0x04 | 0x01;
	uint8_t farsrc[16];
	a6("2001:db8:1::77", farsrc);
	struct ip6_spec other = { .nxt = 58, .src = farsrc };
	feed(0, f.b, build_icmp6(&f, &other, 161, 0, w2, r + 4, sizeof(r) - 4));
	struct ip6_spec s = { .nxt = 58 };
	feed(0, f.b, build_icmp6(&f, &s, 161, 0, w2, r + 4, sizeof(r) - 4));
	ck_assert_int_eq(stack_ctl_poll(T, h, &out), 0);
	const char *t = sbuf_str(&out);
	ck_assert_msg(strstr(t, "36 bytes from 2001:db8:1::1: icmp_seq=1 code=0 (No Error) state=2 (Reachable) A=1 4=0 6=1 ttl=64"),
		      "%s", t);
	ck_assert_uint_eq(dctr("Icmp6InUnsolicited"), 1);
	sbuf_free(&out);
}
END_TEST

/* The PROBE client to a link-local target: its scope names the link (fe80::1%tap0), as ping's;
 * without one, connect's EINVAL; an unknown scope is an unknown name. */
START_TEST(x5_probe6_client_scoped)
{
	struct frame o;
	struct ip6_view v;
	struct sbuf out = { 0 };
	char cmd[128], ll[48];
	ip6_ntoa(LL_PEER, ll);
	snprintf(cmd, sizeof(cmd), "probe -L -I tap0 %s%%tap0", ll);
	start_ping(cmd, &out);
	take_icmp6(&o, &v, 160);
	ck_assert_uint_eq(v.ifindex, 0);
	ck_assert_ip6_eq(v.ip + 24, LL_PEER);
	ck_assert_ip6_eq(v.ip + 8, LL_US0);
	sbuf_free(&out);
	unsigned h = 0;
	snprintf(cmd, sizeof(cmd), "probe -L -I tap0 %s", ll);
	ck_assert_int_eq(stack_ctl_start(T, cmd, &out, NOW, &h), 1);
	ck_assert_str_eq(sbuf_str(&out), "probe: connect: Invalid argument\n");
	sbuf_free(&out);
	snprintf(cmd, sizeof(cmd), "probe -L -I tap0 %s%%nope9", ll);
	ck_assert_int_eq(stack_ctl_start(T, cmd, &out, NOW, &h), 2);
	ck_assert_msg(strstr(sbuf_str(&out), "Name or service not known"), "%s", sbuf_str(&out));
	sbuf_free(&out);
}
END_TEST

/* --- V6.14 Redirects --- */

/* A router on tap0's link, fe80::9 (GWMAC), known to us, and a route through it. */
static void gw_on_tap0(uint8_t gwll[16], uint8_t far[16])
{
	struct frame f;
	a6("fe80::9", gwll);
	a6("2001:db8:3::1", far);
	feed(0, f.b, build_ns(&f, gwll, LL_US0, LL_US0, GWMAC, NULL));
	drain_icmp6(136);
	struct route6 r = { .plen = 64, .type = RT6_GATEWAY, .ifindex = 0 };
	memcpy(r.prefix, far, 16);
	r.prefix[15] = 0;
	r.gw = inet_v6(gwll);
	ck_assert_int_eq(route6_add(T, &r), 0);
}

START_TEST(v6_14_redirect)
{
	struct frame f;
	struct ip6_view v;
	uint8_t gwll[16], far[16];
	set_knob("net.ipv6.conf.all.forwarding", "1");
	gw_on_tap0(gwll, far);
	struct ip6_spec s = { .nxt = 58, .dst = far };
	size_t n = build_icmp6(&f, &s, 128, 0, 1, (const uint8_t *)"abcdefgh", 8);
	feed(0, f.b, n);
	/* The Redirect to the source, and the packet itself forwarded to the gateway. */
	bool redirect = false, forwarded = false;
	while (tx_count()) {
		struct frame o;
		take6(&o, &v);
		if (v.proto == 58 && v.l4[0] == 137) {
			redirect = true;
			ck_assert_ip6_eq(v.ip + 8, LL_US0);
			ck_assert_ip6_eq(v.ip + 24, G_PEER);
			ck_assert_uint_eq(v.ip[7], 255);
			ck_assert_ip6_eq(v.l4 + 8, gwll);      /* target: the better first hop */
			ck_assert_ip6_eq(v.l4 + 24, far);      /* destination */
			ck_assert_uint_eq(v.l4[40], 2);        /* TLLAO: the gateway's MAC */
			ck_assert_mem_eq(v.l4 + 42, GWMAC, 6);
			ck_assert_uint_eq(v.l4[48], 4);        /* Redirected Header: the packet as it came */
			ck_assert_uint_eq(v.l4[49] * 8u, 8 + ((n - 14 + 7) & ~7u));
			ck_assert_mem_eq(v.l4 + 56, f.b + 14, n - 14);
			ck_assert_uint_eq(v.l4[56 + 7], 64);   /* hop limit not yet decremented */
		} else if (v.proto == 58 && v.l4[0] == 128 && eq16(v.ip + 24, far)) {
			forwarded = true;
			ck_assert_mem_eq(v.eth, GWMAC, 6);
			ck_assert_uint_eq(v.ip[7], 63);
		}
	}
	ck_assert(redirect);
	ck_assert(forwarded);
	/* Rate limited per destination and source: a burst of 6 in all. */
	unsigned redirects = 1;
	for (int i = 0; i < 10; i++) {
		feed(0, f.b, n);
		redirects += drain_icmp6(137);
	}
	ck_assert_uint_eq(redirects, 6);
	NOW += 1000;
	stack_poll(T, NOW);
	feed(0, f.b, n);
	ck_assert_uint_eq(drain_icmp6(137), 1);
}
END_TEST

/* No Redirect when the gateway is not link-local, for a routing header, or for a source that is
 * not on the link (V6.14). */
START_TEST(v6_14_no_redirect)
{
	struct frame f;
	uint8_t gwll[16], far[16], g2[16], far2[16];
	set_knob("net.ipv6.conf.all.forwarding", "1");
	gw_on_tap0(gwll, far);
	a6("2001:db8:1::9", g2);
	a6("2001:db8:4::1", far2);
	struct route6 r = { .plen = 64, .type = RT6_GATEWAY, .ifindex = 0 };
	memcpy(r.prefix, far2, 16);
	r.prefix[15] = 0;
	r.gw = inet_v6(g2);
	ck_assert_int_eq(route6_add(T, &r), 0);
	struct ip6_spec s = { .nxt = 58, .dst = far2 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(drain_icmp6(137), 0);             /* global gateway */
	uint8_t rh[8 + 16] = { 58, 2, 0, 0 };               /* type 0, Segments Left 0 */
	struct ip6_spec t = { .nxt = 43, .dst = far, .ext = rh, .ext_len = sizeof(rh) };
	feed(0, f.b, build_icmp6(&f, &t, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(drain_icmp6(137), 0);             /* a routing header */
	struct route6 dflt = { .plen = 0, .type = RT6_GATEWAY, .ifindex = 0 }; /* G_FAR: reachable, off-link */
	dflt.gw = inet_v6(gwll);
	ck_assert_int_eq(route6_add(T, &dflt), 0);
	struct ip6_spec o = { .nxt = 58, .src = G_FAR, .dst = far };
	feed(0, f.b, build_icmp6(&f, &o, 128, 0, 1, NULL, 0));
	while (tx_count()) { /* a source not on the link: no Redirect, not even one waiting for ND */
		struct frame w;
		struct ip6_view x;
		take6(&w, &x);
		ck_assert(!(x.proto == 58 && (x.l4[0] == 137 || (x.l4[0] == 135 && eq16(x.l4 + 8, G_FAR)))));
	}
	feed(0, f.b, build_icmp6(&f, &(struct ip6_spec){ .nxt = 58, .dst = far }, 128, 0, 2, NULL, 0));
	ck_assert_uint_eq(drain_icmp6(137), 1);             /* (control: an on-link source gets one) */
}
END_TEST

/* --- V6.16 Router Advertisements --- */

static void check_ra(const struct ip6_view *v, uint16_t lifetime)
{
	ck_assert_ip6_eq(v->ip + 8, LL_US0);
	ck_assert_ip6_eq(v->ip + 24, ALLNODES);
	ck_assert_uint_eq(v->ip[7], 255);
	ck_assert_uint_eq(v->l4[4], 64);                     /* Cur Hop Limit */
	ck_assert_uint_eq(v->l4[5], 0);                      /* M = O = 0 */
	ck_assert_uint_eq(be16_get(v->l4 + 6), lifetime);
	ck_assert_uint_eq(be32_get(v->l4 + 8), 0);
	ck_assert_uint_eq(be32_get(v->l4 + 12), 0);
	const uint8_t *o = v->l4 + 16;
	ck_assert_uint_eq(o[0], 1);                          /* SLLAO */
	ck_assert_mem_eq(o + 2, US0, 6);
	ck_assert_uint_eq(o[8], 5);                          /* MTU */
	ck_assert_uint_eq(be32_get(o + 12), 1500);
	ck_assert_uint_eq(o[16], 3);                         /* PIO 2001:db8:1::/64, L and A */
	ck_assert_uint_eq(o[17], 4);
	ck_assert_uint_eq(o[18], 64);
	ck_assert_uint_eq(o[19], 0xc0);
	ck_assert_uint_eq(be32_get(o + 20), 86400);
	ck_assert_uint_eq(be32_get(o + 24), 14400);
	uint8_t pfx[16];
	a6("2001:db8:1::", pfx);
	ck_assert_ip6_eq(o + 32, pfx);
	ck_assert_uint_eq(v->l4len, 16 + 8 + 8 + 32);
}

START_TEST(v6_16_ra)
{
	struct frame f;
	struct ip6_view v;
	/* Not without forwarding. */
	ck_assert_int_eq(stack_iface_set_ra(T, 0, true), 0);
	stack_poll(T, NOW);
	ck_assert_uint_eq(drain_icmp6(134), 0);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	NOW += 1000;
	stack_poll(T, NOW);
	take_icmp6(&f, &v, 134);
	check_ra(&v, 1800);
	ck_assert(ip6_mc_joined(T, 0, ALLROUTERS));
	/* The first three at most 16 s apart, then 198..600 s. */
	uint64_t last = NOW;
	unsigned seen = 1;
	while (seen < 5) {
		NOW = stack_next_deadline(T);
		stack_poll(T, NOW);
		if (drain_icmp6(134)) {
			uint64_t gap = NOW - last;
			if (seen < 3)
				ck_assert_uint_le(gap, 16000);
			else
				ck_assert(gap >= 198000 && gap <= 600000);
			last = NOW;
			seen++;
		}
	}
	/* An RS: answered within 0.5 s (3 s after the last RA at the earliest). */
	uint8_t rs[8 + 8] = { 0 };
	rs[8] = 1;
	rs[9] = 1;
	memcpy(rs + 10, PEERMAC, 6);
	struct ip6_spec s = { .nxt = 58, .src = LL_PEER, .dst = ALLROUTERS, .hlim = 255 };
	uint8_t rmac[6];
	ip6_mcast_mac(ALLROUTERS, rmac);
	s.dstmac = rmac;
	NOW += 5000;
	stack_poll(T, NOW);
	feed(0, f.b, build_icmp6(&f, &s, 133, 0, 0, rs + 8, 8));
	uint64_t asked = NOW;
	while (!drain_icmp6(134)) {
		NOW = stack_next_deadline(T);
		ck_assert_uint_le(NOW - asked, 500);
		stack_poll(T, NOW);
	}
	/* Off: one final RA with Router Lifetime 0. */
	ck_assert_int_eq(stack_iface_set_ra(T, 0, false), 0);
	stack_poll(T, NOW);
	take_icmp6(&f, &v, 134);
	check_ra(&v, 0);
	NOW += 700000;
	stack_poll(T, NOW);
	ck_assert_uint_eq(drain_icmp6(134), 0);
}
END_TEST

/* V9.3 with V4.4: a first fragment (M=1) whose chain ends in a Destination Options header naming
 * ICMPv6 with no ICMPv6 byte gets its 4/3 (Linux tests the Fragment header's raw offset-and-M
 * field, not the offset); an atomic fragment so cut is an ICMPv6 message without a type: nothing.
 * Found by make diff (frag6-first-no-l4). */
START_TEST(v9_3_icmp6_type_cut_off)
{
	struct frame f;
	struct ip6_view v;
	uint8_t ext[16] = { 60, 0, 0, 1, 0, 0, 0x12, 0x35,     /* Fragment: offset 0, M=1 */
			    58, 0, 1, 4, 0, 0, 0, 0 };          /* DestOpt naming ICMPv6, PadN(4) */
	struct ip6_spec s = { .nxt = 44, .ext = ext, .ext_len = sizeof(ext) };
	feed(0, f.b, build_ip6(&f, &s, NULL, 0));
	take_icmp6(&f, &v, 4);
	ck_assert_uint_eq(v.l4[1], 3);
	ck_assert_uint_eq(be32_get(v.l4 + 4), 0);
	ext[3] = 0;                                             /* atomic: processed alone, no 4/3 */
	feed(0, f.b, build_ip6(&f, &s, NULL, 0));
	ck_assert_uint_eq(drain_icmp6(4), 0);
}
END_TEST


/* --- §8 forwarding --- */

static const uint8_t B6MAC[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* An NS from src (link-layer address mac) for our address target on ifindex, to us (dstmac). */
static void ns_from(unsigned ifindex, const uint8_t *src, const uint8_t *target, const uint8_t *mac,
		    const uint8_t *dstmac)
{
	struct frame f;
	uint8_t d[16 + 8] = { 0 };
	memcpy(d, target, 16);
	d[16] = 1;
	d[17] = 1;
	memcpy(d + 18, mac, 6);
	struct ip6_spec s = { .nxt = 58, .src = src, .dst = target, .hlim = 255, .dstmac = dstmac, .srcmac = mac };
	feed(ifindex, f.b, build_icmp6(&f, &s, 135, 0, 0, d, sizeof(d)));
	drain_icmp6(136);
}

/* B, 2001:db8:2::2 on tap1, known as a neighbour (its NS with SLLAO made the entry). */
static void b_on_tap1(uint8_t b[16])
{
	a6("2001:db8:2::2", b);
	ns_from(1, b, G_US1, B6MAC, US1);
}

/* Takes the next frame sent on ifindex that is a forwarded echo request (type 128). */
static bool take_forwarded(struct ip6_view *v, struct frame *o)
{
	while (tx_count()) {
		take6(o, v);
		if (v->proto == 58 && v->l4[0] == 128)
			return true;
	}
	return false;
}

START_TEST(v8_1_forward)
{
	struct frame f, o;
	struct ip6_view v;
	uint8_t b[16];
	b_on_tap1(b);
	struct ip6_spec s = { .nxt = 58, .dst = b, .tclass = 0x2e, .flow = 0x12345 };
	size_t n = build_icmp6(&f, &s, 128, 0, 0x00070001, (const uint8_t *)"abcdefgh", 8);
	/* forwarding=0 and a route: an address error, silence. */
	feed(0, f.b, n);
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 1);
	ck_assert_uint_eq(tx_count(), 0);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	feed(0, f.b, n);
	ck_assert(take_forwarded(&v, &o));
	ck_assert_uint_eq(v.ifindex, 1);
	ck_assert_mem_eq(v.eth, B6MAC, 6);
	ck_assert_uint_eq(v.ip[7], 63);                      /* hop limit - 1 */
	ck_assert_mem_eq(v.ip, f.b + 14, 7);                 /* the rest as it came (V8.2) */
	ck_assert_mem_eq(v.ip + 8, f.b + 14 + 8, n - 14 - 8);
	ck_assert_uint_eq(dctr("Ip6OutForwDatagrams"), 1);
}
END_TEST

START_TEST(v8_1_hop_limit_and_sources)
{
	struct frame f, o;
	struct ip6_view v;
	uint8_t b[16], any[16] = { 0 };
	b_on_tap1(b);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	/* Hop limit 1 (and 0): 3/0 from the inbound interface's address, quoting it unchanged. */
	for (int hl = 1; hl >= 0; hl--) {
		struct ip6_spec s = { .nxt = 58, .dst = b, .hlim = (uint8_t)hl, .hlim0 = hl == 0 };
		size_t n = build_icmp6(&f, &s, 128, 0, 1, NULL, 0);
		feed(0, f.b, n);
		take_icmp6(&o, &v, 3);
		ck_assert_uint_eq(v.l4[1], 0);
		ck_assert_ip6_eq(v.ip + 8, G_US0);
		ck_assert_mem_eq(v.l4 + 8, f.b + 14, n - 14);
	}
	ck_assert_uint_eq(dctr("Ip6InHdrErrors"), 2);
	/* From ::: an address error, silence. */
	struct ip6_spec u = { .nxt = 58, .dst = b, .src = any };
	feed(0, f.b, build_icmp6(&f, &u, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 1);
	/* A link-local source to another link: 1/2 back on the arrival link, from our link-local. */
	struct ip6_spec l = { .nxt = 58, .dst = b, .src = LL_PEER };
	feed(0, f.b, build_icmp6(&f, &l, 128, 0, 1, NULL, 0));
	take_icmp6(&o, &v, 1);
	ck_assert_uint_eq(v.l4[1], 2);
	ck_assert_ip6_eq(v.ip + 8, LL_US0);
	ck_assert_ip6_eq(v.ip + 24, LL_PEER);
	ck_assert_uint_eq(dctr("Ip6InAddrErrors"), 2);
	ck_assert_uint_eq(dctr("Ip6OutForwDatagrams"), 0);
}
END_TEST

/* V8.1, V8.2: above the egress MTU: 2/0 with that MTU, never fragments; the hop limit first. */
START_TEST(v8_2_too_big)
{
	struct frame f, o;
	struct ip6_view v;
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x22 }, cmac[6] = { 0x02, 0, 0, 0, 0, 0x0c };
	uint8_t g2[16], c[16];
	a6("2001:db8:3::1", g2);
	a6("2001:db8:3::2", c);
	ck_assert_int_eq(stack_iface_add(T, "tap2", mac2, 1280), 2);
	ck_assert_int_eq(stack_addr6_add(T, 2, g2, 64), 0);
	stack_iface_up(T, 2, NOW);
	for (int i = 0; i < 30; i++) {
		NOW += 100;
		stack_poll(T, NOW);
	}
	tx_clear();
	ns_from(2, c, g2, cmac, mac2);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	uint8_t data[1400 - 48];
	memset(data, 0x5a, sizeof(data));
	struct ip6_spec s = { .nxt = 58, .dst = c };
	size_t n = build_icmp6(&f, &s, 128, 0, 1, data, sizeof(data));
	ck_assert_uint_eq(n - 14, 1400);
	feed(0, f.b, n);
	take_icmp6(&o, &v, 2);
	ck_assert_uint_eq(rd32(v.l4 + 4), 1280);
	ck_assert_uint_eq(v.l4len, 1240);                    /* 1232 of the offender: 1280 in all */
	ck_assert_uint_eq(v.l4[8 + 7], 64);                  /* the quote's hop limit not decremented */
	ck_assert_uint_eq(dctr("Ip6InTooBigErrors"), 1);
	ck_assert_uint_eq(dctr("Ip6FragFails"), 1);
	ck_assert_uint_eq(dctr("Ip6OutForwDatagrams"), 1);
	ck_assert_uint_eq(drain_icmp6(128), 0);              /* not forwarded, not fragmented */
	/* With hop limit 1 too: 3/0 comes first. */
	struct ip6_spec h = { .nxt = 58, .dst = c, .hlim = 1 };
	feed(0, f.b, build_icmp6(&f, &h, 128, 0, 2, data, sizeof(data)));
	ck_assert_uint_eq(drain_icmp6(3), 1);
}
END_TEST

/* V8.3: a link-local destination only goes back out its own link; multicast is never forwarded. */
START_TEST(v8_3_scope)
{
	struct frame f, o;
	struct ip6_view v;
	uint8_t ll[16], mc[16];
	a6("fe80::99", ll);
	a6("ff0e::1234", mc);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	struct ip6_spec s = { .nxt = 58, .dst = ll, .src = LL_PEER };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	bool out = false;
	while (tx_count()) {
		take6(&o, &v);
		ck_assert_uint_eq(v.ifindex, 0);
		out |= v.proto == 58 && v.l4[0] == 135 && eq16(v.l4 + 8, ll); /* resolving it on tap0 */
	}
	ck_assert(out);
	uint8_t gmac[6];
	ip6_mcast_mac(mc, gmac);
	struct ip6_spec m = { .nxt = 58, .dst = mc, .dstmac = gmac };
	feed(0, f.b, build_icmp6(&f, &m, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(dctr("Ip6OutForwDatagrams"), 1);   /* only the link-local one */
}
END_TEST

/* V8.4: no route 1/0, prohibit 1/1, blackhole silence, ND failure 1/3 per queued packet. */
START_TEST(v8_4_unreachable)
{
	struct frame f, o;
	struct ip6_view v;
	uint8_t p[16], bh[16], nohost[16];
	a6("2001:db8:5::1", p);
	a6("2001:db8:6::1", bh);
	a6("2001:db8:2::77", nohost);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	struct route6 r = { .plen = 64, .type = RT6_PROHIBIT };
	memcpy(r.prefix, p, 16);
	r.prefix[15] = 0;
	ck_assert_int_eq(route6_add(T, &r), 0);
	r.type = RT6_BLACKHOLE;
	memcpy(r.prefix, bh, 16);
	r.prefix[15] = 0;
	ck_assert_int_eq(route6_add(T, &r), 0);
	struct ip6_spec s = { .nxt = 58, .dst = G_FAR };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	take_icmp6(&o, &v, 1);
	ck_assert_uint_eq(v.l4[1], 0);
	s.dst = p;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 2, NULL, 0));
	take_icmp6(&o, &v, 1);
	ck_assert_uint_eq(v.l4[1], 1);
	s.dst = bh;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 3, NULL, 0));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(dctr("Ip6InNoRoutes"), 3);
	/* Two packets for a neighbour that never answers: 3 NS 1 s apart, then two 1/3s quoting
	 * them as held (hop limit already 63). */
	s.dst = nohost;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 4, NULL, 0));
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 5, NULL, 0));
	unsigned ns = drain_icmp6(135);
	for (int i = 0; i < 40; i++) {
		NOW += 100;
		stack_poll(T, NOW);
		ns += tx_count() ? 0 : 0;
		while (tx_count()) {
			take6(&o, &v);
			if (v.proto == 58 && v.l4[0] == 135)
				ns++;
			if (v.proto == 58 && v.l4[0] == 1) {
				ck_assert_uint_eq(v.l4[1], 3);
				ck_assert_uint_eq(v.l4[8 + 7], 63);
				ck_assert_ip6_eq(v.ip + 8, G_US0);
				ns += 100;
			}
		}
	}
	ck_assert_uint_eq(ns, 3 + 200);
}
END_TEST

/* V8.5: a router answers NSs with R=1, listens to ff02::2, answers its subnet-router anycast
 * address from a unicast one, and ignores RAs. */
START_TEST(v8_5_router_host_differences)
{
	struct frame f, o;
	struct ip6_view v;
	set_knob("net.ipv6.conf.all.forwarding", "1");
	feed(0, f.b, build_ns(&f, G_PEER, G_US0, G_US0, PEERMAC, NULL));
	take_icmp6(&o, &v, 136);
	ck_assert_uint_eq(v.l4[4] & 0x80, 0x80);
	uint8_t rmac[6], anyc[16];
	ip6_mcast_mac(ALLROUTERS, rmac);
	struct ip6_spec m = { .nxt = 58, .dst = ALLROUTERS, .dstmac = rmac };
	feed(0, f.b, build_icmp6(&f, &m, 128, 0, 1, NULL, 0));
	take_icmp6(&o, &v, 129);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	a6("2001:db8:1::", anyc);
	struct ip6_spec a = { .nxt = 58, .dst = anyc };
	feed(0, f.b, build_icmp6(&f, &a, 128, 0, 2, NULL, 0));
	take_icmp6(&o, &v, 129);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	/* An RA with a lifetime: no default route while forwarding. */
	uint8_t ra[8 + 8] = { 0 };                          /* Reachable, Retrans 0; SLLAO */
	ra[8] = 1;
	ra[9] = 1;
	memcpy(ra + 10, PEERMAC, 6);
	struct ip6_spec r = { .nxt = 58, .src = LL_PEER, .dst = ALLNODES, .hlim = 255 };
	uint8_t amac[6];
	ip6_mcast_mac(ALLNODES, amac);
	r.dstmac = amac;
	feed(0, f.b, build_icmp6(&f, &r, 134, 0, 0x40000708, ra, sizeof(ra)));
	struct route6_res rr;
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
}
END_TEST

/* V8.6: Hop-by-Hop is processed on forwarded packets: an unknown option with action 10 earns a
 * 4/2 from the router and the packet goes no further. */
START_TEST(v8_6_hbh_forwarded)
{
	struct frame f, o;
	struct ip6_view v;
	uint8_t b[16];
	b_on_tap1(b);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	uint8_t hbh[8] = { 58, 0, 0x80, 4, 0, 0, 0, 0 };
	struct ip6_spec s = { .nxt = 0, .dst = b, .ext = hbh, .ext_len = sizeof(hbh) };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	take_icmp6(&o, &v, 4);
	ck_assert_uint_eq(v.l4[1], 2);
	ck_assert_uint_eq(rd32(v.l4 + 4), 42);
	ck_assert_uint_eq(drain_icmp6(128), 0);
}
END_TEST

/* V7.3 at interface up: the solicited-node group (the link-local's and 2001:db8:1::2's are the
 * same, ff02::1:ff00:2) is reported as a state change at once and once more within 1 s — two
 * TO_EXCLUDE reports, and no answer to a query nobody sent (a regression: the general-query timer
 * started at 0). */
START_TEST(v7_3_reports_at_up)
{
	struct stack_config cfg = { .pkb_count = 64, .seed = 42 };
	struct stack *st = stack_new(&cfg);
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 2 };
	ck_assert_int_eq(stack_iface_add(st, "tap9", mac, 1500), 0);
	ck_assert_int_eq(stack_addr6_add(st, 0, G_US0, 64), 0);
	stack_iface_up(st, 0, 5000);
	ck_assert_uint_ge(stack_next_deadline(st), 5000);
	unsigned to_ex = 0, other = 0;
	for (uint64_t t = 5000; t < 6500; t += 10) {
		stack_poll(st, t);
		struct pkb *p;
		unsigned ifx;
		while ((p = stack_tx_pop(st, &ifx))) {
			const uint8_t *h = p->data + 14;
			if (p->len >= 14 + 48 + 28 && h[6] == 0 && h[40 + 8] == 143) {
				const uint8_t *m = h + 48;
				ck_assert_uint_eq(be16_get(m + 6), 1);
				if (m[8] == 4)
					to_ex++;
				else
					other++;
			}
			stack_pkb_free(st, p);
		}
	}
	ck_assert_uint_eq(to_ex, 2);
	ck_assert_uint_eq(other, 0);
	stack_free(st);
}
END_TEST

Suite *ip6_router_suite(void)
{
	Suite *s = suite_create("ip6_router");
	TCase *tc = tcase_create("router");
	tcase_add_checked_fixture(tc, fx6_setup, fx6_teardown);
	tcase_add_test(tc, x_icmp6_ext_inc);
	tcase_add_test(tc, x_icmp6_ext_out_only_local);
	tcase_add_test(tc, x_icmp6_ext_forwarded);
	tcase_add_test(tc, x5_probe6);
	tcase_add_test(tc, x4_icmp6_stub);
	tcase_add_test(tc, x5_probe6_client);
	tcase_add_test(tc, x5_probe6_client_scoped);
	tcase_add_test(tc, v6_14_redirect);
	tcase_add_test(tc, v6_14_no_redirect);
	tcase_add_test(tc, v6_16_ra);
	tcase_add_test(tc, v9_3_icmp6_type_cut_off);
	tcase_add_test(tc, v7_3_reports_at_up);
	tcase_add_test(tc, v8_1_forward);
	tcase_add_test(tc, v8_1_hop_limit_and_sources);
	tcase_add_test(tc, v8_2_too_big);
	tcase_add_test(tc, v8_3_scope);
	tcase_add_test(tc, v8_4_unreachable);
	tcase_add_test(tc, v8_5_router_host_differences);
	tcase_add_test(tc, v8_6_hbh_forwarded);
	suite_add_tcase(s, tc);
	return s;
}
