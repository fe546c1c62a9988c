/* tests/unit/check_ndisc.c — Neighbor Discovery as a host (ICMP6-SPEC.md §6: NS/NA, NUD, DAD,
 * link-local, RS, RA, Redirect) and MLD (§7). */
#include <string.h>

#include "eth/neigh.h"
#include "ip/ip6.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "tests/unit/harness6.h"

static const uint8_t H5MAC[6] = { 0x02, 0, 0, 0, 0, 0x05 };
static const uint8_t H6MAC[6] = { 0x02, 0, 0, 0, 0, 0x06 };
static const uint8_t RMAC[6] = { 0x02, 0, 0, 0, 0x09, 0x09 };
static const uint8_t TMAC[6] = { 0x02, 0, 0, 0, 0x08, 0x08 };
static const uint8_t H5[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 };
static const uint8_t LL_R[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [14] = 0x09, [15] = 0x09 };
static const uint8_t LL_T[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [14] = 0x08, [15] = 0x08 };
static const uint8_t SN_US0[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 };   /* ff02::1:ff00:2 */
static const uint8_t SN_H5[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 5 };
static const uint8_t NONCE[6] = { 1, 2, 3, 4, 5, 6 };

static const char *state6(const uint8_t *a)
{
	const struct neigh_entry *e = neigh_lookup(T, NEIGH_INET6, 0, a, 16);
	return e ? neigh_state_name((enum neigh_state)e->state) : "none";
}

static const uint8_t *mac6(const uint8_t *a)
{
	const struct neigh_entry *e = neigh_lookup(T, NEIGH_INET6, 0, a, 16);
	ck_assert_ptr_nonnull(e);
	return e->mac;
}

static bool router6(const uint8_t *a)
{
	const struct neigh_entry *e = neigh_lookup(T, NEIGH_INET6, 0, a, 16);
	return e && (e->flags & NEIGH_F_ROUTER);
}

/* An ND message of type with body (after the 4 reserved/flag bytes in word2), hop limit 255. */
static size_t build_nd(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t type, uint32_t word2,
		       const uint8_t *body, size_t blen, const uint8_t *srcmac)
{
	struct ip6_spec s = { .src = src, .dst = dst, .nxt = 58, .hlim = 255, .srcmac = srcmac };
	return build_icmp6(f, &s, type, 0, word2, body, blen);
}

/* An RA from src: cur hop limit, router lifetime, reachable, retrans, then options. */
static size_t build_ra(struct frame *f, const uint8_t *src, uint8_t chl, uint16_t life, uint32_t reach,
		       uint32_t retrans, const uint8_t *opt, size_t olen)
{
	uint8_t b[8 + 128];
	b[0] = (uint8_t)(reach >> 24); b[1] = (uint8_t)(reach >> 16); b[2] = (uint8_t)(reach >> 8); b[3] = (uint8_t)reach;
	b[4] = (uint8_t)(retrans >> 24); b[5] = (uint8_t)(retrans >> 16); b[6] = (uint8_t)(retrans >> 8); b[7] = (uint8_t)retrans;
	if (olen)
		memcpy(b + 8, opt, olen);
	return build_nd(f, src, ALLNODES, 134, (uint32_t)chl << 24 | life, b, 8 + olen, RMAC);
}

static void ra_simple(uint16_t life)
{
	struct frame f;
	static const uint8_t sllao[8] = { 1, 1, 0x02, 0, 0, 0, 0x09, 0x09 };
	feed(0, f.b, build_ra(&f, LL_R, 0, life, 0, 0, sllao, 8));
}

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* A Prefix Information option. */
static void pio(uint8_t o[32], const char *prefix, uint8_t plen, uint8_t flags, uint32_t valid, uint32_t pref)
{
	memset(o, 0, 32);
	o[0] = 3;
	o[1] = 4;
	o[2] = plen;
	o[3] = flags;
	put32(o + 4, valid);
	put32(o + 8, pref);
	a6(prefix, o + 16);
}

/* Runs the clock to the next timer (at most until limit); returns false when none is due. */
static bool step_to(uint64_t limit)
{
	uint64_t d = stack_next_deadline(T);
	if (d > limit)
		return false;
	if (d > NOW)
		NOW = d;
	stack_poll(T, NOW);
	return true;
}

/* Takes the next NS whose target is target (NUD probes for the fixture's peer may come first). */
static void take_ns(struct frame *f, struct ip6_view *v, const uint8_t *target)
{
	do
		take_icmp6(f, v, 135);
	while (!eq16(v->l4 + 8, target));
}

/* Runs the clock until an ICMPv6 message of type leaves (asserted: before limit); takes it. Timer
 * frames before it (MLD, RS, NS) are dropped. */
static void wait_icmp6(struct frame *f, struct ip6_view *v, uint8_t type, uint64_t limit)
{
	for (;;) {
		while (tx_count()) {
			take6(f, v);
			if (v->proto == 58 && v->l4[0] == type)
				return;
		}
		ck_assert_msg(step_to(limit), "no ICMPv6 type %u by %llu", type, (unsigned long long)limit);
	}
}

/* ---------------- §6 ---------------- */

/* V6.1: hop limit 254, code 1, an option of length 0, one past the end, an 16-byte SLLAO: dropped
 * silently. An unknown option is ignored; of two SLLAOs the first counts. */
START_TEST(v6_1_validation)
{
	struct frame f;
	uint8_t body[16 + 24];
	memcpy(body, G_US0, 16);
	/* hop limit 254 */
	build_ns(&f, H5, SN_US0, G_US0, H5MAC, NULL);
	f.b[14 + 7] = 254;
	feed(0, f.b, f.len);
	/* code 1 */
	struct ip6_spec s = { .src = H5, .dst = SN_US0, .nxt = 58, .hlim = 255 };
	static const uint8_t sl[8] = { 1, 1, 2, 0, 0, 0, 0, 5 };
	memcpy(body + 16, sl, 8);
	feed(0, f.b, build_icmp6(&f, &s, 135, 1, 0, body, 24));
	/* length 0 */
	static const uint8_t z[8] = { 99, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(body + 16, z, 8);
	feed(0, f.b, build_nd(&f, H5, SN_US0, 135, 0, body, 24, H5MAC));
	/* past the end */
	static const uint8_t past[8] = { 99, 2, 0, 0, 0, 0, 0, 0 };
	memcpy(body + 16, past, 8);
	feed(0, f.b, build_nd(&f, H5, SN_US0, 135, 0, body, 24, H5MAC));
	/* SLLAO of 16 bytes */
	static const uint8_t sl2[16] = { 1, 2, 2, 0, 0, 0, 0, 5 };
	memcpy(body + 16, sl2, 16);
	feed(0, f.b, build_nd(&f, H5, SN_US0, 135, 0, body, 32, H5MAC));
	ck_assert_uint_eq(dctr("NdInInvalid"), 5);
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_str_eq(state6(H5), "none");
	/* an unknown option, then two SLLAOs: the first one's address is learned */
	static const uint8_t ok[24] = { 99, 1, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 5, 1, 1, 2, 0, 0, 0, 0, 6 };
	memcpy(body + 16, ok, 24);
	feed(0, f.b, build_nd(&f, H5, SN_US0, 135, 0, body, 40, H5MAC));
	ck_assert_str_eq(state6(H5), "DELAY"); /* STALE, then used for the answer */
	ck_assert_mem_eq(mac6(H5), H5MAC, 6);
	ck_assert_uint_eq(drain_icmp6(136), 1);
}
END_TEST

/* V6.2: target multicast; DAD NS to a unicast address or with an SLLAO; shorter than 24 bytes. */
START_TEST(v6_2_ns_validation)
{
	struct frame f;
	uint8_t any[16] = { 0 };
	feed(0, f.b, build_ns(&f, H5, SN_US0, ALLNODES, H5MAC, NULL));
	feed(0, f.b, build_ns(&f, any, G_US0, G_US0, NULL, NONCE));
	feed(0, f.b, build_ns(&f, any, SN_US0, G_US0, H5MAC, NONCE));
	feed(0, f.b, build_nd(&f, H5, SN_US0, 135, 0, G_US0, 8, H5MAC));
	ck_assert_uint_eq(dctr("NdInInvalid"), 4);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V6.3: a target not ours is ignored (no proxy). */
START_TEST(v6_3_not_our_target)
{
	struct frame f;
	uint8_t other[16];
	a6("2001:db8:7::2", other); /* shares our solicited-node group */
	feed(0, f.b, build_ns(&f, H5, SN_US0, other, H5MAC, NULL));
	ck_assert_uint_eq(tx_count(), 0);
	ck_assert_uint_eq(dctr("NdInIgnored"), 1);
}
END_TEST

/* V6.3: our subnet-router anycast address (forwarding): a unicast NS is answered at once, a
 * multicast one after a random delay up to 0.8 s; O=0, S=1, R=1, from a unicast address. */
START_TEST(v6_3_anycast_target)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16], sn0[16];
	a6("2001:db8:1::", any);
	a6("ff02::1:ff00:0", sn0);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	stack_poll(T, NOW);
	tx_clear();
	feed(0, f.b, build_ns(&f, H5, any, any, H5MAC, NULL));
	take_icmp6(&f, &v, 136);
	ck_assert_uint_eq(v.l4[4], 0xc0);
	ck_assert_ip6_eq(v.l4 + 8, any);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_uint_eq(v.l4len, 24);
	uint64_t t = NOW;
	feed(0, f.b, build_ns(&f, H5, sn0, any, H5MAC, NULL));
	ck_assert_uint_eq(drain_icmp6(136), 0);
	wait_icmp6(&f, &v, 136, t + 800);
	ck_assert_uint_lt(NOW - t, 800);
	ck_assert_uint_eq(v.l4[4], 0xc0);
	ck_assert_uint_eq(v.l4len, 32);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_ip6_eq(v.ip + 24, H5);
	/* a host has no anycast address: nothing */
	set_knob("net.ipv6.conf.all.forwarding", "0");
	stack_poll(T, NOW);
	tx_clear();
	feed(0, f.b, build_ns(&f, H5, any, any, H5MAC, NULL));
	ck_assert_uint_eq(drain_icmp6(136), 0);
}
END_TEST

/* V6.4: a DAD NS for our valid address: NA to ff02::1, S=0 O=1 R=0, TLLAO, from the target; byte
 * for byte. With forwarding R=1. */
START_TEST(v6_4_dad_ns_answered)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16] = { 0 };
	feed(0, f.b, build_ns(&f, any, SN_US0, G_US0, NULL, NONCE));
	take_icmp6(&f, &v, 136);
	static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	ck_assert_mem_eq(f.b, allnodes_mac, 6);
	ck_assert_mem_eq(f.b + 6, US0, 6);
	ck_assert_uint_eq(v.ip[7], 255);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_ip6_eq(v.ip + 24, ALLNODES);
	ck_assert_uint_eq(v.l4len, 32);
	static const uint8_t head[8] = { 136, 0 }, flags[4] = { 0x20, 0, 0, 0 }, tllao[2] = { 2, 1 };
	ck_assert_mem_eq(v.l4, head, 2);
	ck_assert_mem_eq(v.l4 + 4, flags, 4);
	ck_assert_ip6_eq(v.l4 + 8, G_US0);
	ck_assert_mem_eq(v.l4 + 24, tllao, 2);
	ck_assert_mem_eq(v.l4 + 26, US0, 6);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	feed(0, f.b, build_ns(&f, any, SN_US0, G_US0, NULL, NONCE));
	take_icmp6(&f, &v, 136);
	ck_assert_uint_eq(v.l4[4], 0xa0);
}
END_TEST

/* V6.5: a multicast NS with SLLAO: the asker is STALE with it; NA to it, S=1 O=1, TLLAO. A unicast
 * NS: O=0 and no TLLAO. A multicast NS without SLLAO from a stranger: no answer. */
START_TEST(v6_5_ns_answered)
{
	struct frame f;
	struct ip6_view v;
	feed(0, f.b, build_ns(&f, H5, SN_US0, G_US0, H5MAC, NULL));
	ck_assert_str_eq(state6(H5), "DELAY"); /* STALE, then used for the answer */
	ck_assert_mem_eq(mac6(H5), H5MAC, 6);
	take_icmp6(&f, &v, 136);
	ck_assert_mem_eq(f.b, H5MAC, 6);
	ck_assert_ip6_eq(v.ip + 8, G_US0);
	ck_assert_ip6_eq(v.ip + 24, H5);
	ck_assert_uint_eq(v.ip[7], 255);
	ck_assert_uint_eq(v.l4[4], 0x60);
	ck_assert_uint_eq(v.l4len, 32);
	ck_assert_uint_eq(v.l4[24], 2);
	ck_assert_mem_eq(v.l4 + 26, US0, 6);
	feed(0, f.b, build_ns(&f, H5, G_US0, G_US0, H5MAC, NULL));
	take_icmp6(&f, &v, 136);
	ck_assert_uint_eq(v.l4[4], 0x40);
	ck_assert_uint_eq(v.l4len, 24);
	uint8_t h7[16];
	a6("2001:db8:1::7", h7);
	feed(0, f.b, build_ns(&f, h7, SN_US0, G_US0, NULL, NULL));
	ck_assert_uint_eq(tx_count(), 0);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	feed(0, f.b, build_ns(&f, H5, G_US0, G_US0, H5MAC, NULL));
	take_icmp6(&f, &v, 136);
	ck_assert_uint_eq(v.l4[4], 0xc0);
}
END_TEST

/* V6.6: NA with S=1 to a multicast address, or for a multicast target: dropped. */
START_TEST(v6_6_na_validation)
{
	struct frame f;
	feed(0, f.b, build_ns(&f, H5, SN_US0, G_US0, H5MAC, NULL));
	tx_clear();
	feed(0, f.b, build_na(&f, H5, ALLNODES, H5, 0x60, H6MAC, H5MAC));
	feed(0, f.b, build_na(&f, H5, G_US0, ALLNODES, 0x60, H6MAC, H5MAC));
	ck_assert_uint_eq(dctr("NdInInvalid"), 2);
	ck_assert_mem_eq(mac6(H5), H5MAC, 6);
}
END_TEST

/* V6.7: RFC 4861 7.2.5. No entry: nothing is created. INCOMPLETE: no TLLAO -> ignored; with one
 * and S=1 -> REACHABLE, the queue goes. REACHABLE + O=0 with another address -> STALE, address kept;
 * O=1 -> the new address. S=0 with the same address leaves the state. */
START_TEST(v6_7_na_updates)
{
	struct frame f;
	struct ip6_view v;
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x60, H5MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "none");
	/* an echo from H5 with no NS before: the reply waits for H5 */
	struct ip6_spec s = { .nxt = 58, .src = H5, .srcmac = H5MAC };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00070001, NULL, 0));
	ck_assert_str_eq(state6(H5), "INCOMPLETE");
	take_icmp6(&f, &v, 135);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x60, NULL, H5MAC));
	ck_assert_str_eq(state6(H5), "INCOMPLETE");
	ck_assert_uint_eq(tx_count(), 0);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x40, H5MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "REACHABLE");
	take_icmp6(&f, &v, 129);
	ck_assert_mem_eq(f.b, H5MAC, 6);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x40, H6MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "STALE");
	ck_assert_mem_eq(mac6(H5), H5MAC, 6);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x60, H6MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "REACHABLE");
	ck_assert_mem_eq(mac6(H5), H6MAC, 6);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x20, H6MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "REACHABLE");
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x20, H5MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "STALE");
	ck_assert_mem_eq(mac6(H5), H5MAC, 6);
}
END_TEST

/* V6.7: the R flag: R 1 -> 0 removes the routes through that neighbour. */
START_TEST(v6_7_router_flag)
{
	struct frame f;
	struct route6_res rr;
	ra_simple(1800);
	ck_assert(router6(LL_R));
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	feed(0, f.b, build_na(&f, LL_R, LL_US0, LL_R, 0x60, RMAC, RMAC));
	ck_assert(!router6(LL_R));
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
}
END_TEST

/* V6.8: resolution: NS to the solicited-node group at 0, 1, 2 s from the waiting packet's source,
 * with SLLAO; at 3 s the entry fails and the packet with it. */
START_TEST(v6_8_resolution_fails)
{
	struct frame f;
	struct ip6_view v;
	uint64_t t0 = NOW;
	struct ip6_spec s = { .nxt = 58, .src = H5, .srcmac = H5MAC };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00070001, NULL, 0));
	for (unsigned i = 0; i < 3; i++) {
		if (i)
			while (tx_count() == 0)
				ck_assert(step_to(t0 + 10000));
		ck_assert_uint_eq(NOW, t0 + 1000u * (uint64_t)i);
		take_icmp6(&f, &v, 135);
		static const uint8_t snmac[6] = { 0x33, 0x33, 0xff, 0, 0, 5 };
		ck_assert_mem_eq(f.b, snmac, 6);
		ck_assert_ip6_eq(v.ip + 8, G_US0);
		ck_assert_ip6_eq(v.ip + 24, SN_H5);
		ck_assert_ip6_eq(v.l4 + 8, H5);
		ck_assert_uint_eq(v.l4len, 32);
		ck_assert_uint_eq(v.l4[24], 1);
		ck_assert_mem_eq(v.l4 + 26, US0, 6);
	}
	advance(999);
	ck_assert_str_eq(state6(H5), "INCOMPLETE");
	advance(1);
	ck_assert_str_eq(state6(H5), "none");
	ck_assert_uint_eq(dctr("NdResolveFailed"), 1);
	ck_assert_uint_eq(tx_count(), 0);
}
END_TEST

/* V6.8: REACHABLE, STALE after the reachable time, used -> DELAY 5 s -> PROBE: 3 unicast NS to the
 * cached address 1 s apart -> FAILED. */
START_TEST(v6_8_nud_probe)
{
	struct frame f;
	struct ip6_view v;
	feed(0, f.b, build_ns(&f, H5, SN_US0, G_US0, H5MAC, NULL));
	tx_clear();
	struct ip6_spec s = { .nxt = 58, .src = H5, .srcmac = H5MAC };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00070001, NULL, 0));
	ck_assert_str_eq(state6(H5), "DELAY");
	take_icmp6(&f, &v, 129);
	advance(5000);
	ck_assert_str_eq(state6(H5), "PROBE");
	take_ns(&f, &v, H5);
	ck_assert_mem_eq(f.b, H5MAC, 6);
	ck_assert_ip6_eq(v.ip + 24, H5);
	advance(1000);
	take_ns(&f, &v, H5);
	ck_assert_mem_eq(f.b, H5MAC, 6);
	advance(1000);
	take_ns(&f, &v, H5);
	advance(1000);
	ck_assert_str_eq(state6(H5), "none");
	ck_assert_uint_eq(drain_icmp6(135), 0);
	/* answered: REACHABLE, then STALE within [0.5, 1.5) x 30 s */
	feed(0, f.b, build_ns(&f, H5, SN_US0, G_US0, H5MAC, NULL));
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00070002, NULL, 0));
	advance(5000);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x40, H5MAC, H5MAC));
	ck_assert_str_eq(state6(H5), "REACHABLE");
	advance(14999);
	ck_assert_str_eq(state6(H5), "REACHABLE");
	advance(30000);
	ck_assert_str_eq(state6(H5), "STALE");
	tx_clear();
}
END_TEST

/* V6.9: DAD of the link-local: after a random [0, 1 s) an NS from :: to the solicited-node group,
 * target the address, nonce option (type 14, 6 bytes), no SLLAO, hop limit 255; valid 1 s after. */
START_TEST(v6_9_dad_bytes)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16] = { 0 };
	ck_assert(!ip6_is_local(T, LL_US0));
	for (;;) {
		while (tx_count() == 0)
			ck_assert(step_to(T0 + 999));
		take6(&f, &v);
		if (v.proto == 58 && v.l4[0] == 135)
			break;
	}
	uint64_t sent = NOW;
	static const uint8_t snmac[6] = { 0x33, 0x33, 0xff, 0, 0, 2 };
	ck_assert_mem_eq(f.b, snmac, 6);
	ck_assert_uint_eq(v.ip[7], 255);
	ck_assert_ip6_eq(v.ip + 8, any);
	ck_assert_ip6_eq(v.ip + 24, SN_US0);
	ck_assert_uint_eq(v.l4len, 32);
	ck_assert_uint_eq(v.l4[1], 0);
	ck_assert_uint_eq(rd32(v.l4 + 4), 0);
	ck_assert_ip6_eq(v.l4 + 8, LL_US0);
	ck_assert_uint_eq(v.l4[24], 14);
	ck_assert_uint_eq(v.l4[25], 1);
	ck_assert_mem_eq(v.l4 + 26, T->ifs[0].in6->addr[0].nonce, 6);
	advance(sent + 999 - NOW);
	ck_assert(!ip6_is_local(T, LL_US0));
	advance(1);
	ck_assert(ip6_is_local(T, LL_US0));
	/* no unsolicited NA afterwards */
	advance(3000);
	ck_assert_uint_eq(drain_icmp6(136), 0);
}
END_TEST

/* V6.9: a tentative address is not answered; our own NS looped back (our nonce) does not fail it;
 * another's NS from :: or an NA does. */
START_TEST(v6_9_dad_failure)
{
	struct frame f;
	uint8_t a7[16], a8[16], sn7[16], any[16] = { 0 };
	a6("2001:db8:1::7", a7);
	a6("2001:db8:1::8", a8);
	a6("ff02::1:ff00:7", sn7);
	ck_assert_int_eq(stack_addr6_add(T, 0, a7, 64), 0);
	ck_assert_int_eq(stack_addr6_add(T, 0, a8, 64), 0);
	tx_clear();
	struct ip6_spec s = { .nxt = 58, .dst = a7 };
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 1, NULL, 0));
	ck_assert_uint_eq(drain_icmp6(129), 0);
	feed(0, f.b, build_ns(&f, G_PEER, sn7, a7, PEERMAC, NULL)); /* not DAD: ignored */
	ck_assert_uint_eq(drain_icmp6(136), 0);
	const struct ifaddr6 *x = ip6_addr_find(T, a7, NULL);
	feed(0, f.b, build_ns(&f, any, sn7, a7, NULL, x->nonce));
	ck_assert_uint_eq(dctr("NdDadFailures"), 0);
	feed(0, f.b, build_ns(&f, any, sn7, a7, NULL, NONCE));
	ck_assert_uint_eq(dctr("NdDadFailures"), 1);
	feed(0, f.b, build_na(&f, G_PEER, ALLNODES, a8, 0x20, PEERMAC, PEERMAC));
	ck_assert_uint_eq(dctr("NdDadFailures"), 2);
	advance(3000);
	ck_assert(!ip6_is_local(T, a7));
	ck_assert(!ip6_is_local(T, a8));
	ck_assert_uint_eq(ip6_addr_find(T, a7, NULL)->state, IFA6_DADFAILED);
	tx_clear();
}
END_TEST

/* V6.10: 02:00:00:00:00:d0 -> fe80::ff:fe00:d0, on an interface brought up. */
START_TEST(v6_10_linklocal)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0xd0 };
	uint8_t want[16], got[16];
	a6("fe80::ff:fe00:d0", want);
	ip6_linklocal_from_mac(mac, got);
	ck_assert_ip6_eq(got, want);
	ck_assert_int_eq(stack_iface_add(T, "tap2", mac, 1500), 2);
	stack_iface_up(T, 2, NOW);
	unsigned ifx = 99;
	ck_assert_ptr_nonnull(ip6_addr_find(T, want, &ifx));
	ck_assert_uint_eq(ifx, 2);
	static const uint8_t mac2[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	a6("fe80::211:22ff:fe33:4455", want);
	ip6_linklocal_from_mac(mac2, got);
	ck_assert_ip6_eq(got, want);
	tx_clear();
}
END_TEST

/* V6.11: RS after the link-local's DAD, to ff02::2 from it with SLLAO; then 4 s x [0.9, 1.1], each
 * wait x [1.9, 2.1], capped near 3600 s; an RA ends it. */
START_TEST(v6_11_rs)
{
	struct frame f;
	struct ip6_view v;
	uint64_t times[16];
	unsigned n = 0;
	uint64_t llvalid = 0;
	while (n < 13) {
		ck_assert(step_to(NOW + 5000000));
		if (!llvalid && ip6_is_local(T, LL_US0))
			llvalid = NOW;
		while (tx_count()) {
			unsigned ifx = tx_take(&f);
			if (ifx != 0)
				continue;
			view6(&f, ifx, &v);
			if (v.proto != 58 || v.l4[0] != 133)
				continue;
			ck_assert_uint_ne(llvalid, 0);
			ck_assert_ip6_eq(v.ip + 8, LL_US0);
			ck_assert_ip6_eq(v.ip + 24, ALLROUTERS);
			ck_assert_uint_eq(v.ip[7], 255);
			ck_assert_uint_eq(v.l4len, 16);
			ck_assert_uint_eq(v.l4[8], 1);
			ck_assert_uint_eq(v.l4[9], 1);
			ck_assert_mem_eq(v.l4 + 10, US0, 6);
			times[n++] = NOW;
		}
	}
	ck_assert_uint_le(times[0] - llvalid, 1000);
	uint64_t w = times[1] - times[0];
	ck_assert_uint_ge(w, 3600);
	ck_assert_uint_le(w, 4400);
	for (unsigned i = 2; i < n; i++) {
		uint64_t w2 = times[i] - times[i - 1];
		if (w2 * 10 < 3600000ull * 9) { /* not yet at the cap */
			ck_assert_msg(w2 * 100 >= w * 190 && w2 * 100 <= w * 210, "wait %llu after %llu",
				      (unsigned long long)w2, (unsigned long long)w);
		} else {
			ck_assert_uint_le(w2, 3960000);
		}
		w = w2;
	}
	ra_simple(0);
	ck_assert_uint_eq(dctr("NdInRA"), 1);
	tx_clear();
	advance(8000000);
	unsigned rs0 = 0, rs1 = 0; /* tap1 heard no RA: it goes on */
	while (tx_count()) {
		unsigned ifx = tx_take(&f);
		view6(&f, ifx, &v);
		if (v.proto == 58 && v.l4[0] == 133)
			*(ifx ? &rs1 : &rs0) += 1;
	}
	ck_assert_uint_eq(rs0, 0);
	ck_assert_uint_gt(rs1, 0);
}
END_TEST

/* V6.12: an RA: default router for its lifetime, hop limit, MTU within [1280, link], retrans and
 * reachable; 0 removes the router; from a global source it is dropped. */
START_TEST(v6_12_ra)
{
	struct frame f;
	struct ip6_view v;
	struct route6_res rr;
	uint8_t g2[16];
	a6("2001:db8:1::77", g2);
	static const uint8_t mtu[8] = { 5, 1, 0, 0, 0, 0, 0x05, 0x78 };   /* 1400 */
	feed(0, f.b, build_ra(&f, g2, 33, 1800, 0, 0, mtu, 8));
	ck_assert_uint_eq(dctr("NdInInvalid"), 1);
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
	feed(0, f.b, build_ra(&f, LL_R, 33, 1800, 40000, 2500, mtu, 8));
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	ck_assert_ip6_eq(rr.nexthop, LL_R);
	ck_assert_uint_eq(T->ifs[0].in6->mtu, 1400);
	ck_assert_uint_eq(T->ifs[0].in6->retrans_ms, 2500);
	ck_assert_uint_eq(T->ifs[0].in6->base_reachable_ms, 40000);
	feed(0, f.b, build_echo6(&f, 1, 1, 8));
	take_icmp6(&f, &v, 129);
	ck_assert_uint_eq(v.ip[7], 33);
	static const uint8_t big[8] = { 5, 1, 0, 0, 0, 0, 0x05, 0xdd };   /* 1501 > link */
	static const uint8_t small[8] = { 5, 1, 0, 0, 0, 0, 0x04, 0xff };  /* 1279 */
	feed(0, f.b, build_ra(&f, LL_R, 0, 1800, 0, 0, big, 8));
	feed(0, f.b, build_ra(&f, LL_R, 0, 1800, 0, 0, small, 8));
	ck_assert_uint_eq(T->ifs[0].in6->mtu, 1400);
	advance(1799000);
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	advance(1000);
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
	ra_simple(600);
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	ra_simple(0);
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
	tx_clear();
}
END_TEST

/* V6.12, V6.8: an RA's Retrans Timer spaces the solicitations and its Reachable Time is the base
 * of REACHABLE ([0.5, 1.5) x 100 s); delay_first_probe_time is DELAY's length. */
START_TEST(v6_12_ra_times_used)
{
	struct frame f;
	struct ip6_view v;
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 100000, 2500, NULL, 0));
	struct ip6_spec s = { .nxt = 58, .src = H5, .srcmac = H5MAC };
	uint64_t t0 = NOW;
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00070001, NULL, 0));
	take_ns(&f, &v, H5);
	while (tx_count() == 0)
		ck_assert(step_to(t0 + 10000));
	ck_assert_uint_eq(NOW - t0, 2500);
	take_ns(&f, &v, H5);
	feed(0, f.b, build_na(&f, H5, G_US0, H5, 0x40, H5MAC, H5MAC));
	take_icmp6(&f, &v, 129);
	uint64_t t1 = NOW;
	advance(49999);
	ck_assert_str_eq(state6(H5), "REACHABLE");
	while (strcmp(state6(H5), "REACHABLE") == 0)
		advance(1000);
	ck_assert_str_eq(state6(H5), "STALE");
	ck_assert_uint_le(NOW - t1, 151000);
	set_knob("net.ipv6.neigh.default.delay_first_probe_time", "2");
	feed(0, f.b, build_icmp6(&f, &s, 128, 0, 0x00070002, NULL, 0));
	ck_assert_str_eq(state6(H5), "DELAY");
	advance(1999);
	ck_assert_str_eq(state6(H5), "DELAY");
	advance(1);
	ck_assert_str_eq(state6(H5), "PROBE");
	tx_clear();
}
END_TEST

/* V6.12: PIO with L and A on a /64: an on-link route and a SLAAC address from the MAC, after DAD. */
START_TEST(v6_12_pio_slaac)
{
	struct frame f;
	struct route6_res rr;
	uint8_t o[32], want[16], onlink[16];
	pio(o, "2001:db8:5::", 64, 0xc0, 3600, 1800);
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	a6("2001:db8:5::ff:fe00:2", want);
	a6("2001:db8:5::1234", onlink);
	ck_assert_int_eq(route6_lookup(T, onlink, -1, &rr), 0);
	ck_assert_ip6_eq(rr.nexthop, onlink);
	ck_assert_ptr_nonnull(ip6_addr_find(T, want, NULL));
	ck_assert(!ip6_is_local(T, want));
	struct ip6_view v;
	while (tx_count() == 0)
		ck_assert(step_to(NOW + 1000));
	take_ns(&f, &v, want); /* its DAD */
	advance(2000);
	ck_assert(ip6_is_local(T, want));
	/* preferred > valid, link-local prefix: ignored */
	pio(o, "2001:db8:6::", 64, 0xc0, 100, 200);
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	pio(o, "fe80::", 64, 0xc0, 100, 50);
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	a6("2001:db8:6::ff:fe00:2", want);
	ck_assert_ptr_null(ip6_addr_find(T, want, NULL));
	/* the valid lifetime ends the address */
	advance(3600000);
	a6("2001:db8:5::ff:fe00:2", want);
	ck_assert_ptr_null(ip6_addr_find(T, want, NULL));
	tx_clear();
}
END_TEST

/* V6.12: RFC 4862 5.5.3(e), the two-hour rule: a short valid lifetime cannot cut a long-lived
 * SLAAC address below two hours; one already under two hours is left alone; a longer one is taken. */
START_TEST(v6_12_two_hour_rule)
{
	struct frame f;
	uint8_t o[32], a[16];
	a6("2001:db8:5::ff:fe00:2", a);
	pio(o, "2001:db8:5::", 64, 0xc0, 10000, 10000);
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	const struct ifaddr6 *x = ip6_addr_find(T, a, NULL);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->valid_until, NOW + 10000000);
	pio(o, "2001:db8:5::", 64, 0xc0, 100, 100);
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	ck_assert_uint_eq(x->valid_until, NOW + 7200000);
	NOW += 1000;
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	ck_assert_uint_eq(x->valid_until, NOW - 1000 + 7200000);
	pio(o, "2001:db8:5::", 64, 0xc0, 8000, 8000);
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 0, 0, o, 32));
	ck_assert_uint_eq(x->valid_until, NOW + 8000000);
	tx_clear();
}
END_TEST

/* V6.12: Retrans Timer at least 10 ms, Reachable Time at least 100 ms. */
START_TEST(v6_12_clamps)
{
	struct frame f;
	feed(0, f.b, build_ra(&f, LL_R, 0, 0, 5, 3, NULL, 0));
	ck_assert_uint_eq(T->ifs[0].in6->retrans_ms, 10);
	ck_assert_uint_eq(T->ifs[0].in6->base_reachable_ms, 100);
}
END_TEST

/* V6.12: an RA from one of our own addresses installs no default router. */
START_TEST(v6_12_ra_from_us)
{
	struct frame f;
	struct route6_res rr;
	feed(0, f.b, build_ra(&f, LL_US0, 0, 1800, 0, 0, NULL, 0));
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
}
END_TEST

/* V6.13: any RA, even unused (accept_ra 0), updates its source's entry (STALE, router); an RS to a
 * host is ignored, to a router it updates the sender. */
START_TEST(v6_13_ra_rs_entries)
{
	struct frame f;
	struct route6_res rr;
	set_knob("net.ipv6.conf.all.accept_ra", "0");
	ra_simple(1800);
	ck_assert_str_eq(state6(LL_R), "STALE");
	ck_assert(router6(LL_R));
	ck_assert_mem_eq(mac6(LL_R), RMAC, 6);
	ck_assert_int_ne(route6_lookup(T, G_FAR, -1, &rr), 0);
	static const uint8_t sl[8] = { 1, 1, 0x02, 0, 0, 0, 0x08, 0x08 };
	feed(0, f.b, build_nd(&f, LL_T, ALLROUTERS, 133, 0, sl, 8, TMAC));
	ck_assert_str_eq(state6(LL_T), "none");
	set_knob("net.ipv6.conf.all.forwarding", "1");
	stack_poll(T, NOW); /* a router joins ff02::2 (V1.13) */
	tx_clear();
	feed(0, f.b, build_nd(&f, LL_T, ALLROUTERS, 133, 0, sl, 8, TMAC));
	ck_assert_str_eq(state6(LL_T), "STALE");
	ck_assert_uint_eq(tx_count(), 0); /* no RA is sent by default */
}
END_TEST

/* A Redirect from src: target, destination, TLLAO of TMAC (or none). */
static size_t build_redirect(struct frame *f, const uint8_t *src, const uint8_t *target, const uint8_t *dst,
			     bool tllao)
{
	uint8_t b[32 + 8];
	memcpy(b, target, 16);
	memcpy(b + 16, dst, 16);
	static const uint8_t tl[8] = { 2, 1, 0x02, 0, 0, 0, 0x08, 0x08 };
	memcpy(b + 32, tl, 8);
	return build_nd(f, src, LL_US0, 137, 0, b, tllao ? 40 : 32, RMAC);
}

/* V6.15: a valid Redirect from the current first hop: the destination goes via the target, whose
 * entry is STALE with the TLLAO (router); target = destination: on-link. From anyone else, from a
 * global source, or while forwarding: ignored. */
START_TEST(v6_15_redirect)
{
	struct frame f;
	struct route6_res rr;
	ra_simple(1800);
	feed(0, f.b, build_redirect(&f, LL_T, LL_T, G_FAR, true));      /* not the first hop */
	ck_assert_uint_eq(dctr("Icmp6InRedirectsIgnored"), 1);
	uint8_t g2[16];
	a6("2001:db8:1::77", g2);
	feed(0, f.b, build_redirect(&f, g2, LL_T, G_FAR, true));
	ck_assert_uint_eq(dctr("NdInInvalid"), 1);
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	ck_assert_ip6_eq(rr.nexthop, LL_R);
	feed(0, f.b, build_redirect(&f, LL_R, LL_T, G_FAR, true));
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	ck_assert_ip6_eq(rr.nexthop, LL_T);
	ck_assert_str_eq(state6(LL_T), "STALE");
	ck_assert_mem_eq(mac6(LL_T), TMAC, 6);
	ck_assert(router6(LL_T));
	uint8_t far2[16];
	a6("2001:db8:9::10", far2);
	feed(0, f.b, build_redirect(&f, LL_R, far2, far2, false));
	ck_assert_int_eq(route6_lookup(T, far2, -1, &rr), 0);
	ck_assert_ip6_eq(rr.nexthop, far2);
	/* aged out after 60 s unused */
	advance(61000);
	ck_assert_int_eq(route6_lookup(T, G_FAR, -1, &rr), 0);
	ck_assert_ip6_eq(rr.nexthop, LL_R);
	tx_clear();
}
END_TEST

/* ---------------- §7 MLD ---------------- */

static const uint8_t MLD_HBH[8] = { 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00 };
static const uint8_t MLD2_ALL[16] = { 0xff, 0x02, [15] = 0x16 };

/* Asserts v is an MLDv2 report (V7.2 bytes) with nrec records; returns the records. */
static const uint8_t *mld2_report(const struct frame *f, const struct ip6_view *v, const uint8_t *src, unsigned nrec)
{
	static const uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0, 0x16 };
	ck_assert_mem_eq(f->b, mac, 6);
	ck_assert_uint_eq(v->ip[7], 1);
	ck_assert_uint_eq(rd32(v->ip) >> 20 & 0xff, 0);
	ck_assert_ip6_eq(v->ip + 8, src);
	ck_assert_ip6_eq(v->ip + 24, MLD2_ALL);
	ck_assert_uint_eq(v->ip[6], 0);
	ck_assert_mem_eq(v->ip + 40, MLD_HBH, 8);
	ck_assert_uint_eq(v->l4off, 48);
	ck_assert_uint_eq(v->l4[0], 143);
	ck_assert_uint_eq(v->l4[1], 0);
	ck_assert_uint_eq(rd16(v->l4 + 6), nrec);
	ck_assert_uint_eq(v->l4len, 8 + 20 * nrec);
	return v->l4 + 8;
}

/* V7.1, V7.2, V7.3: joining (a new address's solicited-node group): a TO_EXCLUDE report at once,
 * from our link-local, one more within 1 s; leaving: TO_INCLUDE twice. */
START_TEST(v7_2_report_bytes)
{
	struct frame f;
	struct ip6_view v;
	uint8_t a7[16], sn7[16], any[16] = { 0 };
	a6("2001:db8:1::7", a7);
	a6("ff02::1:ff00:7", sn7);
	uint64_t t = NOW;
	ck_assert_int_eq(stack_addr6_add(T, 0, a7, 64), 0);
	take_icmp6(&f, &v, 143);
	const uint8_t *r = mld2_report(&f, &v, LL_US0, 1);
	static const uint8_t rec[4] = { 4, 0, 0, 0 };
	ck_assert_mem_eq(r, rec, 4);
	ck_assert_ip6_eq(r + 4, sn7);
	ck_assert_uint_eq(tx_count(), 0);
	while (tx_count() == 0)
		ck_assert(step_to(t + 1001));
	take_icmp6(&f, &v, 143);
	r = mld2_report(&f, &v, LL_US0, 1);
	ck_assert_uint_eq(r[0], 4);
	ck_assert_uint_le(NOW - t, 1001);
	advance(3000);
	tx_clear();
	ck_assert_int_eq(ip6_addr_del(T, 0, a7), 0);
	take_icmp6(&f, &v, 143);
	r = mld2_report(&f, &v, LL_US0, 1);
	ck_assert_uint_eq(r[0], 3);
	ck_assert_ip6_eq(r + 4, sn7);
	advance(2000);
	take_icmp6(&f, &v, 143);
	ck_assert_uint_eq(mld2_report(&f, &v, LL_US0, 1)[0], 3);
	(void)any;
}
END_TEST

/* V7.1, V1.13: a router joins ff02::2 and ff05::2 and reports them; ff02::1 is never reported. */
START_TEST(v7_1_router_groups)
{
	struct frame f;
	struct ip6_view v;
	uint8_t site[16];
	a6("ff05::2", site);
	set_knob("net.ipv6.conf.all.forwarding", "1");
	stack_poll(T, NOW);
	ck_assert(ip6_mc_joined(T, 0, ALLROUTERS) && ip6_mc_joined(T, 0, site));
	take_icmp6(&f, &v, 143);
	ck_assert_ip6_eq(mld2_report(&f, &v, LL_US0, 1) + 4, ALLROUTERS);
	take_icmp6(&f, &v, 143);
	ck_assert_ip6_eq(mld2_report(&f, &v, LL_US0, 1) + 4, site);
	tx_clear();
	set_knob("net.ipv6.conf.all.forwarding", "0");
	stack_poll(T, NOW);
	ck_assert(!ip6_mc_joined(T, 0, ALLROUTERS));
	tx_clear();
}
END_TEST

/* V7.2: before any link-local is valid, reports come from ::. */
START_TEST(v7_2_report_from_unspecified)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16] = { 0 }, a7[16], sn7[16];
	a6("2001:db8:1::7", a7);
	a6("ff02::1:ff00:7", sn7);
	ck_assert(!ip6_is_local(T, LL_US0));
	ck_assert_int_eq(stack_addr6_add(T, 0, a7, 64), 0);
	take_icmp6(&f, &v, 143);
	const uint8_t *r = mld2_report(&f, &v, any, 1);
	ck_assert_ip6_eq(r + 4, sn7);
	tx_clear();
}
END_TEST

/* A query from src (link-local router by default) with Router Alert, hop limit 1. */
static size_t build_query(struct frame *f, const uint8_t *src, const uint8_t *dst, uint16_t mrd, const uint8_t *grp,
			  size_t len, bool ra, uint8_t hlim)
{
	static const uint8_t hbh_ra[8] = { 58, 0, 5, 2, 0, 0, 1, 0 }, hbh_pad[8] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	uint8_t b[32] = { 0 };
	memcpy(b, grp, 16);
	struct ip6_spec s = { .src = src, .dst = dst, .nxt = 0, .hlim = hlim, .ext = ra ? hbh_ra : hbh_pad, .ext_len = 8 };
	return build_icmp6(f, &s, 130, 0, (uint32_t)mrd << 16, b, len - 8);
}

/* V7.4: ignored: a global source, hop limit 2, no Router Alert, length 25, a v2 general query with
 * sources. */
START_TEST(v7_4_query_validation)
{
	struct frame f;
	uint8_t any[16] = { 0 }, g2[16];
	a6("2001:db8:1::77", g2);
	feed(0, f.b, build_query(&f, g2, ALLNODES, 1000, any, 28, true, 1));
	feed(0, f.b, build_query(&f, LL_R, ALLNODES, 1000, any, 28, true, 2));
	feed(0, f.b, build_query(&f, LL_R, ALLNODES, 1000, any, 28, false, 1));
	feed(0, f.b, build_query(&f, LL_R, ALLNODES, 1000, any, 25, true, 1));
	build_query(&f, LL_R, ALLNODES, 1000, any, 28, true, 1);
	/* one source: fix the count and the checksum */
	uint8_t *m = f.b + 14 + 48;
	m[27] = 1;
	m[2] = m[3] = 0;
	uint16_t c = csum6(LL_R, ALLNODES, 58, m, 28);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	feed(0, f.b, f.len);
	uint8_t uni[16];
	a6("2001:db8:1::5", uni); /* a group that is not a group */
	feed(0, f.b, build_query(&f, LL_R, ALLNODES, 1000, uni, 28, true, 1));
	ck_assert_uint_eq(dctr("MldInInvalid"), 6);
	advance(2000);
	ck_assert_uint_eq(drain_icmp6(143), 0);
}
END_TEST

/* V7.5, V7.1: a general query: one report within the Max Response Delay listing every group as
 * IS_EXCLUDE, never ff02::1; a group-specific query: that group only. */
START_TEST(v7_5_queries)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16] = { 0 }, sn1[16];
	uint64_t t = NOW;
	feed(0, f.b, build_query(&f, LL_R, ALLNODES, 1000, any, 28, true, 1));
	while (tx_count() == 0)
		ck_assert(step_to(t + 1000));
	ck_assert_uint_lt(NOW - t, 1000);
	take_icmp6(&f, &v, 143);
	unsigned n = rd16(v.l4 + 6);
	const uint8_t *r = mld2_report(&f, &v, LL_US0, n);
	/* tap0: ff02::1:ff00:2 (G_US0 and LL_US0 share it) */
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0], 2);
	ck_assert_ip6_eq(r + 4, SN_US0);
	ck_assert_uint_eq(tx_count(), 0);
	a6("ff02::1:ff00:1", sn1);
	(void)sn1;
	t = NOW;
	feed(0, f.b, build_query(&f, LL_R, SN_US0, 500, SN_US0, 28, true, 1));
	while (tx_count() == 0)
		ck_assert(step_to(t + 500));
	take_icmp6(&f, &v, 143);
	r = mld2_report(&f, &v, LL_US0, 1);
	ck_assert_uint_eq(r[0], 2);
	ck_assert_ip6_eq(r + 4, SN_US0);
}
END_TEST

/* V7.5: an MLDv1 query switches to v1: type 131 reports to the group itself within [0, MRD). */
START_TEST(v7_5_v1_fallback)
{
	struct frame f;
	struct ip6_view v;
	uint8_t any[16] = { 0 };
	uint64_t t = NOW;
	feed(0, f.b, build_query(&f, LL_R, ALLNODES, 2000, any, 24, true, 1));
	while (tx_count() == 0)
		ck_assert(step_to(t + 2000));
	take_icmp6(&f, &v, 131);
	ck_assert_ip6_eq(v.ip + 24, SN_US0);
	ck_assert_ip6_eq(v.l4 + 8, SN_US0);
	ck_assert_uint_eq(v.l4len, 24);
	ck_assert_uint_eq(v.ip[7], 1);
	ck_assert_mem_eq(v.ip + 40, MLD_HBH, 8);
	/* v1 for 260 s: a join now reports with 131; after that, MLDv2 again */
	uint8_t a7[16], a8[16], sn7[16];
	a6("2001:db8:1::7", a7);
	a6("2001:db8:1::8", a8);
	a6("ff02::1:ff00:7", sn7);
	advance(250000 - (NOW - t));
	tx_clear();
	ck_assert_int_eq(stack_addr6_add(T, 0, a7, 64), 0);
	take_icmp6(&f, &v, 131);
	ck_assert_ip6_eq(v.ip + 24, sn7);
	advance(11000);
	tx_clear();
	ck_assert_int_eq(stack_addr6_add(T, 0, a8, 64), 0);
	take_icmp6(&f, &v, 143);
	tx_clear();
}
END_TEST

Suite *ndisc_suite(void)
{
	Suite *s = suite_create("ndisc");
	TCase *tc = tcase_create("nd");
	tcase_add_checked_fixture(tc, fx6_setup, fx6_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, v6_1_validation);
	tcase_add_test(tc, v6_2_ns_validation);
	tcase_add_test(tc, v6_3_not_our_target);
	tcase_add_test(tc, v6_3_anycast_target);
	tcase_add_test(tc, v6_4_dad_ns_answered);
	tcase_add_test(tc, v6_5_ns_answered);
	tcase_add_test(tc, v6_6_na_validation);
	tcase_add_test(tc, v6_7_na_updates);
	tcase_add_test(tc, v6_7_router_flag);
	tcase_add_test(tc, v6_8_resolution_fails);
	tcase_add_test(tc, v6_8_nud_probe);
	tcase_add_test(tc, v6_9_dad_failure);
	tcase_add_test(tc, v6_10_linklocal);
	tcase_add_test(tc, v6_12_ra);
	tcase_add_test(tc, v6_12_pio_slaac);
	tcase_add_test(tc, v6_12_ra_times_used);
	tcase_add_test(tc, v6_12_ra_from_us);
	tcase_add_test(tc, v6_12_two_hour_rule);
	tcase_add_test(tc, v6_12_clamps);
	tcase_add_test(tc, v6_13_ra_rs_entries);
	tcase_add_test(tc, v6_15_redirect);
	suite_add_tcase(s, tc);
	TCase *raw = tcase_create("nd-raw");
	tcase_add_checked_fixture(raw, fx6_setup_raw, fx6_teardown);
	tcase_set_timeout(raw, 30);
	tcase_add_test(raw, v6_9_dad_bytes);
	tcase_add_test(raw, v6_11_rs);
	tcase_add_test(raw, v7_2_report_from_unspecified);
	suite_add_tcase(s, raw);
	TCase *mld = tcase_create("mld");
	tcase_add_checked_fixture(mld, fx6_setup, fx6_teardown);
	tcase_add_test(mld, v7_2_report_bytes);
	tcase_add_test(mld, v7_1_router_groups);
	tcase_add_test(mld, v7_4_query_validation);
	tcase_add_test(mld, v7_5_queries);
	tcase_add_test(mld, v7_5_v1_fallback);
	suite_add_tcase(s, mld);
	return s;
}
