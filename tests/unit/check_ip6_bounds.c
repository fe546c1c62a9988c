/* tests/unit/check_ip6_bounds.c — memory stays bounded under IPv6 floods (issue 14 item 8): RAs from
 * many routers with many prefixes (at most 16 default routers, 16 RA prefixes and 16 SLAAC addresses
 * per interface), NSs from many sources (the neighbour cache stays at NEIGH_SIZE), replies to
 * unresolved neighbours (the pending queues stay at their bounds), fragments (queues and
 * ip6frag_high_thresh), MLD queries (no state grows, answers coalesce); and a DAD collision makes
 * the address dadfailed. After each flood, once its timers have run and the transmit queue is
 * empty, the stack holds no more buffers than before it. */
#include <errno.h>
#include <string.h>

#include "eth/ndisc.h"
#include "eth/neigh.h"
#include "eth/neigh_int.h"
#include "ip/ip6.h"
#include "ip/ip6_frag.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "tests/unit/harness.h"

/* tap0's configured address and its solicited-node group. */
static const uint8_t US6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
static const uint8_t US6_SN[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 2 };
static const uint8_t SN_MAC[6] = { 0x33, 0x33, 0xff, 0, 0, 2 };
static const uint8_t ALLNODES_MAC[6] = { 0x33, 0x33, 0, 0, 0, 1 };

static unsigned baseline; /* buffers held once DAD is over and the transmit queue is empty */

static void addr6(uint8_t a[16], uint16_t w0, uint16_t w1, uint16_t w2, uint16_t last)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(w0 >> 8); a[1] = (uint8_t)w0;
	a[2] = (uint8_t)(w1 >> 8); a[3] = (uint8_t)w1;
	a[4] = (uint8_t)(w2 >> 8); a[5] = (uint8_t)w2;
	a[14] = (uint8_t)(last >> 8); a[15] = (uint8_t)last;
}

static void ll6(uint8_t a[16], uint16_t last)
{
	addr6(a, 0xfe80, 0, 0, last);
}

/* Ethernet + IPv6 header + payload (plen bytes). l4 >= 0: the ICMPv6 message starts at that offset
 * of the payload and gets its checksum. Returns the frame length. */
static size_t build6(struct frame *f, const uint8_t *dmac, const uint8_t *smac, const uint8_t *src,
		     const uint8_t *dst, uint8_t hlim, uint8_t nxt, const uint8_t *pl, size_t plen, int l4)
{
	uint8_t *h = f->b + 14;
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	f->b[12] = 0x86;
	f->b[13] = 0xdd;
	memset(h, 0, 8);
	h[0] = 0x60;
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = nxt;
	h[7] = hlim;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	memcpy(h + 40, pl, plen);
	if (l4 >= 0) {
		uint8_t *m = h + 40 + l4;
		m[2] = m[3] = 0;
		uint16_t c = ip6_csum(src, dst, IPPROTO_ICMPV6_, m, plen - (size_t)l4);
		m[2] = (uint8_t)(c >> 8);
		m[3] = (uint8_t)c;
	}
	f->len = 14 + 40 + plen;
	return f->len;
}

/* An echo request from src (an address on tap0's link, at mac) to US6 with n data bytes. */
static size_t echo6(struct frame *f, const uint8_t *mac, const uint8_t *src, uint16_t seq, size_t n)
{
	uint8_t m[1500] = { 128, 0, 0, 0, 0x12, 0x34, (uint8_t)(seq >> 8), (uint8_t)seq };
	for (size_t i = 0; i < n; i++)
		m[8 + i] = (uint8_t)i;
	return build6(f, US0, mac, src, US6, 64, IPPROTO_ICMPV6_, m, 8 + n, 0);
}

static void feed6(const struct frame *f)
{
	feed(0, f->b, f->len);
}

/* The fixture: IPv6 on, 2001:db8:1::2/64 on tap0, DAD over (about two seconds), queue empty. */
static void setup6(void)
{
	FX_IPV6 = true;
	fx_setup();
	FX_IPV6 = false;
	ck_assert_int_eq(stack_addr6_add(T, 0, US6, 64), 0);
	for (int i = 0; i < 30; i++) {
		advance(100);
		tx_clear();
	}
	const struct iface6 *in6 = T->ifs[0].in6;
	ck_assert_uint_ge(in6->naddr, 2); /* the link-local and US6 */
	for (unsigned j = 0; j < in6->naddr; j++)
		ck_assert_uint_eq(in6->addr[j].state, IFA6_VALID);
	ck_assert(ip6_is_local(T, US6));
	baseline = stack_pkb_in_use(T);
}

/* Runs the timers for ms in 100 ms steps, emptying the transmit queue as the daemon would. */
static void run_for(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 100) {
		advance(100);
		tx_clear();
	}
}

static void assert_back_to_baseline(void)
{
	tx_clear();
	ck_assert_uint_eq(stack_pkb_in_use(T), baseline);
}

struct ra_count {
	unsigned all, routers, prefixes;
};

static void ra_count_route(const struct route6 *r, void *arg)
{
	struct ra_count *c = arg;
	c->all++;
	if (r->ifindex != 0 || !(r->flags & RT6_F_RA))
		return;
	c->routers += r->type == RT6_GATEWAY && r->plen == 0;
	c->prefixes += r->type == RT6_CONNECTED;
}

static unsigned routes6_count(void)
{
	struct ra_count c = { 0, 0, 0 };
	route6_foreach(T, ra_count_route, &c);
	return c.all;
}

/* What tap0 learned from RAs. */
static void ra_state(unsigned *routers, unsigned *prefixes, unsigned *slaac)
{
	struct ra_count c = { 0, 0, 0 };
	route6_foreach(T, ra_count_route, &c);
	*routers = c.routers;
	*prefixes = c.prefixes;
	*slaac = 0;
	const struct iface6 *in6 = T->ifs[0].in6;
	for (unsigned j = 0; j < in6->naddr; j++)
		*slaac += (in6->addr[j].flags & IFA6_F_SLAAC) != 0;
}

/* An RA from router fe80::a:k (MAC 02:00:00:0a:kk:kk) with a prefix 2001:db8:pfx::/64 (on-link,
 * autonomous) and its link-layer address. */
static size_t ra6(struct frame *f, uint16_t k, uint16_t pfx, uint16_t lifetime)
{
	uint8_t src[16], m[16 + 32 + 8] = { 134, 0, 0, 0, 64, 0, (uint8_t)(lifetime >> 8), (uint8_t)lifetime };
	const uint8_t mac[6] = { 0x02, 0, 0, 0x0a, (uint8_t)(k >> 8), (uint8_t)k };
	uint8_t *pio = m + 16, *sll = m + 48;
	ll6(src, (uint16_t)(0xa000 + k));
	pio[0] = 3; pio[1] = 4; pio[2] = 64; pio[3] = 0xc0;
	pio[4] = 0; pio[5] = 0; pio[6] = 0x0e; pio[7] = 0x10;         /* valid 3600 s */
	pio[8] = 0; pio[9] = 0; pio[10] = 0x07; pio[11] = 0x08;       /* preferred 1800 s */
	addr6(pio + 16, 0x2001, 0x0db8, pfx, 0);
	sll[0] = 1; sll[1] = 1;
	memcpy(sll + 2, mac, 6);
	return build6(f, ALLNODES_MAC, mac, src, ip6_allnodes, 255, IPPROTO_ICMPV6_, m, sizeof(m), 0);
}

START_TEST(ra_flood_bounded)
{
	struct frame f;
	unsigned routers, prefixes, slaac;
	/* 40 routers, each with its own prefix: 16 of each are taken, the rest counted. */
	for (uint16_t k = 0; k < 40; k++) {
		feed6((ra6(&f, k, (uint16_t)(0x100 + k), 1800), &f));
		tx_clear();
	}
	ra_state(&routers, &prefixes, &slaac);
	ck_assert_uint_eq(routers, RT6_RA_ROUTERS_MAX);
	ck_assert_uint_eq(prefixes, ND_RA_PREFIXES_MAX);
	ck_assert_uint_eq(slaac, IP6_SLAAC_MAX);
	ck_assert_uint_eq(ctr("NdInRA"), 40);
	ck_assert_uint_eq(ctr("NdRaLimit"), 3 * 24);
	ck_assert_uint_le(T->ifs[0].in6->naddr, STACK_MAX_ADDRS6);
	/* The same again, and a second round of new ones: nothing grows. */
	for (uint16_t k = 0; k < 80; k++) {
		feed6((ra6(&f, k, (uint16_t)(0x100 + k), 1800), &f));
		tx_clear();
	}
	unsigned r2, p2, s2;
	ra_state(&r2, &p2, &s2);
	ck_assert_uint_eq(r2, routers);
	ck_assert_uint_eq(p2, prefixes);
	ck_assert_uint_eq(s2, slaac);
	ck_assert_uint_le(routes6_count(), ROUTE6_MAX);
	/* The SLAAC addresses finish DAD; the routers' (1800 s) and prefixes' (3600 s) lifetimes run
	 * out: all RA state goes. */
	run_for(3000);
	assert_back_to_baseline();
	for (int i = 0; i < 40; i++) {
		NOW += 100000;
		stack_poll(T, NOW);
		tx_clear();
	}
	ra_state(&r2, &p2, &s2);
	ck_assert_uint_eq(r2, 0);
	ck_assert_uint_eq(p2, 0);
	ck_assert_uint_eq(s2, 0);
	assert_back_to_baseline();
}
END_TEST

/* An NS for US6 from src (MAC mac), with its link-layer address. */
static size_t ns6(struct frame *f, const uint8_t *mac, const uint8_t *src)
{
	uint8_t m[32] = { 135 };
	memcpy(m + 8, US6, 16);
	m[24] = 1; m[25] = 1;
	memcpy(m + 26, mac, 6);
	return build6(f, SN_MAC, mac, src, US6_SN, 255, IPPROTO_ICMPV6_, m, sizeof(m), 0);
}

START_TEST(ns_flood_bounded)
{
	struct frame f;
	uint8_t src[16];
	const unsigned n = NEIGH_SIZE * 3;
	uint64_t na0 = ctr("NdOutNA");
	for (unsigned k = 0; k < n; k++) {
		const uint8_t mac[6] = { 0x02, 0, 0, 0x0b, (uint8_t)(k >> 8), (uint8_t)k };
		addr6(src, 0x2001, 0x0db8, 1, (uint16_t)(0x1000 + k));
		feed6((ns6(&f, mac, src), &f));
		tx_clear();
		ck_assert_uint_le(T->neigh->used, NEIGH_SIZE);
	}
	/* Every one answered; the cache full but no larger, the oldest reused. */
	ck_assert_uint_eq(ctr("NdOutNA") - na0, n);
	ck_assert_uint_eq(T->neigh->used, NEIGH_SIZE);
	ck_assert_uint_ge(ctr("NdCacheEvictions"), n - NEIGH_SIZE);
	assert_back_to_baseline();
}
END_TEST

START_TEST(unresolved_flood_bounded)
{
	struct frame f;
	uint8_t src[16];
	const uint8_t mac[6] = { 0x02, 0, 0, 0x0c, 0, 1 };
	/* One silent neighbour sends 200 echo requests: their replies wait for its NA, at most
	 * NEIGH_PENDING_MAX of them, and no more than an eighth of the pool in all. */
	addr6(src, 0x2001, 0x0db8, 1, 0x3000);
	for (unsigned k = 0; k < 200; k++) {
		feed6((echo6(&f, mac, src, (uint16_t)k, 56), &f));
		tx_clear();
		ck_assert_uint_le(T->neigh->pending, NEIGH_PENDING_MAX);
		ck_assert_uint_le(T->neigh->pending, FX_PKBS / 8);
	}
	ck_assert_uint_gt(ctr("NdQueueDrops"), 0);
	/* 300 silent neighbours, one request each. */
	for (unsigned k = 0; k < 300; k++) {
		addr6(src, 0x2001, 0x0db8, 1, (uint16_t)(0x4000 + k));
		feed6((echo6(&f, mac, src, (uint16_t)k, 56), &f));
		tx_clear();
		ck_assert_uint_le(T->neigh->pending, FX_PKBS / 8);
		ck_assert_uint_le(T->neigh->used, NEIGH_SIZE);
	}
	/* Resolution fails (three solicitations a second apart); what waited is given up. */
	run_for(5000);
	ck_assert_uint_eq(T->neigh->pending, 0);
	ck_assert_uint_gt(ctr("NdResolveFailed"), 0);
	assert_back_to_baseline();
}
END_TEST

/* A fragment of datagram id from src to US6: offset (bytes, a multiple of 8), M, n bytes of data. */
static size_t frag6(struct frame *f, const uint8_t *src, uint32_t id, unsigned off, bool more, size_t n)
{
	uint8_t m[1500] = { IPPROTO_ICMPV6_, 0, (uint8_t)(off >> 8), (uint8_t)((off & 0xf8) | more),
			    (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id };
	if (off == 0)
		m[8] = 128; /* an echo request's start */
	return build6(f, US0, PEERMAC, src, US6, 64, IPPROTO_FRAGMENT_, m, 8 + n, -1);
}

static void assert_reasm_consistent(void)
{
	unsigned nq = 0;
	size_t mem = 0;
	for (unsigned i = 0; i < REASM6_MAX_QUEUES; i++)
		if (T->reasm6->q[i].used) {
			nq++;
			for (const struct pkb *p = T->reasm6->q[i].frags; p; p = p->next)
				mem += p->cap;
		}
	ck_assert_uint_eq(nq, T->reasm6->nqueues);
	ck_assert_uint_eq(mem, T->reasm6->mem);
}

START_TEST(frag_flood_bounded)
{
	struct frame f;
	uint8_t src[16];
	addr6(src, 0x2001, 0x0db8, 1, 1);
	/* 300 first fragments of as many datagrams: at most REASM6_MAX_QUEUES queues, and the pool
	 * keeps its reserve (the rest are refused). */
	for (uint32_t id = 0; id < 300; id++) {
		feed6((frag6(&f, src, id, 0, true, 1200), &f));
		tx_clear();
		ck_assert_uint_le(T->reasm6->nqueues, REASM6_MAX_QUEUES);
		assert_reasm_consistent();
	}
	ck_assert_uint_gt(ctr("Ip6ReasmFails"), 0);
	ck_assert_uint_lt(stack_pkb_in_use(T), FX_PKBS);
	/* Expiry gives everything back (with 3/1s to the source, whose resolution then ends). */
	run_for(61000);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	run_for(5000);
	assert_back_to_baseline();
	/* ip6frag_high_thresh: with 8 KiB, held memory stops one buffer past it. */
	set_knob("net.ipv6.ip6frag_high_thresh", "8192");
	size_t cap = 0;
	for (uint32_t id = 1000; id < 1100; id++) {
		feed6((frag6(&f, src, id, 0, true, 1200), &f));
		tx_clear();
		for (unsigned i = 0; i < REASM6_MAX_QUEUES; i++)
			if (T->reasm6->q[i].used && T->reasm6->q[i].frags)
				cap = T->reasm6->q[i].frags->cap;
		ck_assert_uint_le(T->reasm6->mem, 8192 + cap);
		assert_reasm_consistent();
	}
	ck_assert_uint_gt(T->reasm6->mem, 0);
	/* Queues live ip6frag_time from creation: then all is given back (3/1 to the source). */
	run_for(61000);
	ck_assert_uint_eq(T->reasm6->nqueues, 0);
	ck_assert_uint_eq(T->reasm6->mem, 0);
	ck_assert_uint_gt(ctr("Ip6ReasmTimeout"), 0);
	run_for(5000); /* the 3/1s' neighbour resolution ends */
	assert_back_to_baseline();
}
END_TEST

/* An MLDv2 general query (RFC 3810 5.1) from fe80::1 with a Router Alert, max response 1000 ms. */
static size_t mldq(struct frame *f)
{
	uint8_t src[16], m[8 + 28] = { IPPROTO_ICMPV6_, 0, 5, 2, 0, 0, 1, 0, /* HBH: Router Alert 0, PadN */
				       130, 0, 0, 0, 0x03, 0xe8, 0, 0 };
	ll6(src, 1);
	m[8 + 24] = 2;     /* QRV */
	m[8 + 25] = 125;   /* QQIC */
	return build6(f, ALLNODES_MAC, PEERMAC, src, ip6_allnodes, 1, IPPROTO_HOPOPTS_, m, sizeof(m), 8);
}

START_TEST(mld_query_flood_bounded)
{
	struct frame f;
	unsigned groups = T->ifs[0].in6->ngroups;
	uint64_t out0 = ctr("MldOutReports");
	for (unsigned k = 0; k < 500; k++) {
		feed6((mldq(&f), &f));
		ck_assert_uint_le(tx_count(), 1);
		tx_clear();
		NOW += 1;
		stack_poll(T, NOW);
	}
	ck_assert_uint_eq(ctr("MldInQueries"), 500);
	ck_assert_uint_eq(T->ifs[0].in6->ngroups, groups);
	/* One answer is pending at a time, the earlier of the two (RFC 3810 5.2): the report goes when
	 * the smallest of the delays drawn since the last one runs out, some 45 ms on average with a
	 * query each millisecond and delays up to 1000 ms: a dozen reports for the 500 queries (15 with
	 * the fixture's seed), not one each; once the queries stop, at most the one that was pending. */
	uint64_t during = ctr("MldOutReports") - out0;
	ck_assert_uint_le(during, 50);
	run_for(2000);
	ck_assert_uint_le(ctr("MldOutReports") - out0 - during, 1);
	ck_assert_uint_gt(ctr("MldOutReports") - out0, 0);
	assert_back_to_baseline();
}
END_TEST

static const struct ifaddr6 *find6(const uint8_t *a)
{
	unsigned ifx;
	return ip6_addr_find(T, a, &ifx);
}

START_TEST(dad_collision_na)
{
	struct frame f;
	uint8_t a[16], m[32] = { 136, 0, 0, 0, 0x20 /* O */ };
	const uint8_t other[6] = { 0x02, 0, 0, 0x0d, 0, 1 };
	addr6(a, 0x2001, 0x0db8, 1, 0x77);
	ck_assert_int_eq(stack_addr6_add(T, 0, a, 64), 0);
	ck_assert_uint_eq(find6(a)->state, IFA6_TENTATIVE);
	/* Another host already has it: its NA for the address while ours is tentative. */
	memcpy(m + 8, a, 16);
	m[24] = 2; m[25] = 1;
	memcpy(m + 26, other, 6);
	feed6((build6(&f, ALLNODES_MAC, other, a, ip6_allnodes, 255, IPPROTO_ICMPV6_, m, sizeof(m), 0), &f));
	ck_assert_uint_eq(find6(a)->state, IFA6_DADFAILED);
	ck_assert_uint_eq(ctr("NdDadFailures"), 1);
	run_for(3000);
	ck_assert_uint_eq(find6(a)->state, IFA6_DADFAILED);
	ck_assert(!ip6_is_local(T, a));
	/* An echo to it is not answered. */
	tx_clear();
	uint8_t src[16];
	addr6(src, 0x2001, 0x0db8, 1, 1);
	uint8_t e[16] = { 128, 0, 0, 0, 0, 1, 0, 1 };
	feed6((build6(&f, US0, PEERMAC, src, a, 64, IPPROTO_ICMPV6_, e, sizeof(e), 0), &f));
	for (unsigned n = tx_count(); n; n--) {
		struct frame r;
		tx_take(&r);
		ck_assert(!(r.len >= 54 + 8 && r.b[12] == 0x86 && r.b[20] == IPPROTO_ICMPV6_ && r.b[54] == 129));
	}
	assert_back_to_baseline();
}
END_TEST

START_TEST(dad_collision_ns)
{
	struct frame f;
	uint8_t a[16], sn[16], m[24] = { 135 };
	const uint8_t other[6] = { 0x02, 0, 0, 0x0d, 0, 2 };
	addr6(a, 0x2001, 0x0db8, 1, 0x78);
	ck_assert_int_eq(stack_addr6_add(T, 0, a, 64), 0);
	/* Another host runs DAD for the same address at the same time: its NS from ::. */
	memcpy(m + 8, a, 16);
	ip6_solicited_node(a, sn);
	uint8_t snmac[6];
	ip6_mcast_mac(sn, snmac);
	feed6((build6(&f, snmac, other, ip6_any, sn, 255, IPPROTO_ICMPV6_, m, sizeof(m), 0), &f));
	ck_assert_uint_eq(find6(a)->state, IFA6_DADFAILED);
	ck_assert_uint_eq(ctr("NdDadFailures"), 1);
	/* A second collision on an address already failed counts nothing more and changes nothing. */
	feed6((build6(&f, snmac, other, ip6_any, sn, 255, IPPROTO_ICMPV6_, m, sizeof(m), 0), &f));
	ck_assert_uint_eq(find6(a)->state, IFA6_DADFAILED);
	run_for(3000);
	assert_back_to_baseline();
}
END_TEST

/* The fragment with offset off (bytes) and M of the 32-byte echo request l4 from PEER to US6, after
 * a Destination Options header of 8 bytes when dstopt. */
static size_t frag_part(struct frame *f, const uint8_t *src, const uint8_t *l4, unsigned off, bool more, bool dstopt)
{
	uint8_t m[64] = { 0 }, *fh = m + (dstopt ? 8 : 0);
	if (dstopt) {
		m[0] = IPPROTO_FRAGMENT_;
		m[2] = 1; m[3] = 4; /* PadN of 4 */
	}
	fh[0] = IPPROTO_ICMPV6_;
	fh[2] = (uint8_t)(off >> 8);
	fh[3] = (uint8_t)((off & 0xf8) | more);
	fh[7] = 0x5a;
	memcpy(fh + 8, l4 + off, 16);
	return build6(f, US0, PEERMAC, src, US6, 64, dstopt ? IPPROTO_DSTOPTS_ : IPPROTO_FRAGMENT_, m,
		      (size_t)(fh - m) + 8 + 16, -1);
}

/* RFC 8200 4.5: each fragment's data follows its own Fragment header, wherever that is; the
 * unfragmentable part is the first fragment's. Fragments whose headers before the Fragment header
 * differ in length reassemble into the sender's bytes. */
START_TEST(frag_unfragmentable_parts_differ)
{
	struct frame f, r;
	uint8_t src[16], l4[32] = { 128, 0, 0, 0, 0x77, 0x77, 0, 1 };
	addr6(src, 0x2001, 0x0db8, 1, 1);
	for (unsigned i = 8; i < 32; i++)
		l4[i] = (uint8_t)(0xa0 + i);
	uint16_t c = ip6_csum(src, US6, IPPROTO_ICMPV6_, l4, sizeof(l4));
	l4[2] = (uint8_t)(c >> 8);
	l4[3] = (uint8_t)c;
	/* The neighbour is known, so that the reply goes out at once. */
	const uint8_t *mac = PEERMAC;
	feed6((ns6(&f, mac, src), &f));
	for (int first_opt = 0; first_opt < 2; first_opt++) {
		tx_clear();
		feed6((frag_part(&f, src, l4, 0, true, first_opt), &f));
		feed6((frag_part(&f, src, l4, 16, false, !first_opt), &f));
		ck_assert_uint_eq(tx_count(), 1);
		tx_take(&r);
		ck_assert_uint_eq(r.b[20], IPPROTO_ICMPV6_);
		ck_assert_uint_eq(r.b[54], 129);
		ck_assert_uint_eq(r.len, 54 + 32);
		ck_assert_mem_eq(r.b + 54 + 4, l4 + 4, 28); /* id, seq and data as sent */
	}
	assert_back_to_baseline();
}
END_TEST

/* V9.1: a Fragment header in a datagram of payload length 0 (its frame longer: trimmed away) is
 * 4/0 with the pointer at the Fragment header (40), Ip6InHdrErrors. */
START_TEST(frag_header_payload_length_zero)
{
	struct frame f, r;
	uint8_t src[16], m[8 + 16] = { IPPROTO_ICMPV6_, 0, 0, 0, 0, 0, 0, 9, 128 };
	addr6(src, 0x2001, 0x0db8, 1, 1);
	feed6((ns6(&f, PEERMAC, src), &f));
	tx_clear();
	uint64_t hdr0 = ctr("Ip6InHdrErrors");
	build6(&f, US0, PEERMAC, src, US6, 64, IPPROTO_FRAGMENT_, m, sizeof(m), -1);
	f.b[18] = f.b[19] = 0; /* payload length 0 */
	feed6(&f);
	ck_assert_uint_eq(ctr("Ip6InHdrErrors") - hdr0, 1);
	ck_assert_uint_eq(tx_count(), 1);
	tx_take(&r);
	ck_assert_uint_eq(r.b[20], IPPROTO_ICMPV6_);
	ck_assert_uint_eq(r.b[54], 4);
	ck_assert_uint_eq(r.b[55], 0);
	ck_assert_uint_eq(rd32(r.b + 58), 40);
	ck_assert_mem_eq(r.b + 38, src, 16);
	assert_back_to_baseline();
}
END_TEST

/* V6.12, RFC 5942 4: a PIO with A and without L makes a SLAAC address but no on-link route; the
 * address's prefix is not on-link for it (and takes none of the 16 RA prefixes). */
START_TEST(slaac_without_onlink_no_route)
{
	struct frame f;
	uint8_t src[16], m[16 + 32] = { 134, 0, 0, 0, 64, 0, 0, 0 }, *pio = m + 16, slaac[16], dst[16];
	struct route6_res rr;
	ll6(src, 0xa0);
	pio[0] = 3; pio[1] = 4; pio[2] = 64; pio[3] = 0x40;            /* A, not L */
	pio[6] = 0x0e; pio[7] = 0x10; pio[10] = 0x07; pio[11] = 0x08;
	addr6(pio + 16, 0x2001, 0x0db8, 0x55, 0);
	feed6((build6(&f, ALLNODES_MAC, PEERMAC, src, ip6_allnodes, 255, IPPROTO_ICMPV6_, m, sizeof(m), 0), &f));
	memcpy(slaac, pio + 16, 8);
	ip6_eui64(US0, slaac + 8);
	ck_assert_ptr_nonnull(find6(slaac));
	ck_assert(find6(slaac)->flags & IFA6_F_SLAAC);
	addr6(dst, 0x2001, 0x0db8, 0x55, 9);
	ck_assert_int_eq(route6_lookup(T, dst, -1, &rr), -ENETUNREACH);
	unsigned routers, prefixes, n;
	ra_state(&routers, &prefixes, &n);
	ck_assert_uint_eq(prefixes, 0);
	run_for(3000);
	assert_back_to_baseline();
}
END_TEST

Suite *ip6_bounds_suite(void)
{
	Suite *s = suite_create("ip6_bounds");
	TCase *tc = tcase_create("floods");
	tcase_add_checked_fixture(tc, setup6, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ra_flood_bounded);
	tcase_add_test(tc, ns_flood_bounded);
	tcase_add_test(tc, unresolved_flood_bounded);
	tcase_add_test(tc, frag_flood_bounded);
	tcase_add_test(tc, mld_query_flood_bounded);
	tcase_add_test(tc, dad_collision_na);
	tcase_add_test(tc, dad_collision_ns);
	suite_add_tcase(s, tc);
	TCase *th = tcase_create("hostile");
	tcase_add_checked_fixture(th, setup6, fx_teardown);
	tcase_add_test(th, frag_unfragmentable_parts_differ);
	tcase_add_test(th, frag_header_payload_length_zero);
	tcase_add_test(th, slaac_without_onlink_no_route);
	suite_add_tcase(s, th);
	return s;
}
