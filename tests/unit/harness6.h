/* tests/unit/harness6.h — IPv6 on top of the unit fixture: frame builders (Ethernet + IPv6 +
 * extension headers + ICMPv6 with a correct checksum, computed here independently of the core),
 * a parser for what the stack sends, and the IPv6 fixture (../shared/ICMP6-SPEC.md). */
#ifndef TAPSTACK_TEST_HARNESS6_H
#define TAPSTACK_TEST_HARNESS6_H

#include <string.h>

#include "tests/unit/harness.h"

/* The IPv6 fixture: fx_setup with IPv6 on, 2001:db8:1::2/64 on tap0 and 2001:db8:2::1/64 on tap1,
 * the clock run ~2 s so DAD is over (link-locals from the MACs: US0 02:00:00:00:00:02 ->
 * fe80::ff:fe00:2), the peer (PEERMAC) known as a neighbour under both G_PEER and LL_PEER, and
 * router solicitation off (net.ipv6.conf.all.router_solicitations=0) so no RS comes between a
 * test and its frames. The transmit queue is empty. */
extern const uint8_t LL_US0[16], LL_US1[16], G_US0[16], G_US1[16], LL_PEER[16], G_PEER[16], G_FAR[16];
extern const uint8_t ALLNODES[16], ALLROUTERS[16];
void fx6_setup(void);
/* The same with router solicitation left at its default (the RS tests). */
void fx6_setup_rs(void);
/* Brings the stack up with IPv6 but runs nothing: the DAD and MLD tests. */
void fx6_setup_raw(void);
void fx6_teardown(void);
/* The peer announces itself again (NS with SLLAO from G_PEER and LL_PEER): after a long run of
 * the clock its entries have failed, as nothing answered their probes. Answers stay queued. */
void peer6_refresh(void);

/* Text to 16 bytes (asserts it parses). */
void a6(const char *text, uint8_t out[16]);

struct ip6_spec {
	const uint8_t *src, *dst;  /* NULL: G_PEER, G_US0 */
	uint8_t nxt;               /* the fixed header's Next Header */
	uint8_t hlim;              /* 0: 64 ... */
	bool hlim0;                /* ... unless this asks for a real 0 */
	uint8_t tclass;
	uint32_t flow;
	const uint8_t *ext;        /* extension headers after the fixed header, ext_len bytes */
	size_t ext_len;
	bool plen_set;             /* the payload length field is plen, not the real length */
	uint16_t plen;
	const uint8_t *dstmac;     /* NULL: US0, or 33:33:.. for a multicast destination */
	const uint8_t *srcmac;     /* NULL: PEERMAC */
};

/* Ethernet + IPv6 + ext + payload. Returns the frame length. */
size_t build_ip6(struct frame *f, const struct ip6_spec *s, const uint8_t *payload, size_t len);
/* The ICMPv6 checksum of msg between src and dst (0 when msg carries a correct one). */
uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *msg, size_t len);
/* An ICMPv6 message between s's addresses after s's extension headers (the last of which must
 * name 58, or s->nxt is 58): type, code, second word, data. Returns the frame length. */
size_t build_icmp6(struct frame *f, const struct ip6_spec *s, uint8_t type, uint8_t code, uint32_t word2,
		   const uint8_t *data, size_t dlen);
/* An echo request from G_PEER to G_US0 with datalen bytes of pattern data (i * 7 + 3). */
size_t build_echo6(struct frame *f, uint16_t id, uint16_t seq, size_t datalen);
/* Neighbor Solicitation for target, hop limit 255; sllao/nonce NULL: absent. */
size_t build_ns(struct frame *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, const uint8_t *sllao,
		const uint8_t *nonce);
/* Neighbor Advertisement: flags byte (R 0x80, S 0x40, O 0x20); tllao NULL: absent. */
size_t build_na(struct frame *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, uint8_t flags,
		const uint8_t *tllao, const uint8_t *srcmac);

/* A frame the stack sent, taken apart (asserted: Ethernet type 86dd, version 6, payload length
 * matches the frame, an ICMPv6 checksum verifies). */
struct ip6_view {
	const uint8_t *eth, *ip;
	size_t iplen;               /* 40 + payload length */
	uint8_t proto;              /* after the extension headers */
	unsigned l4off;             /* from ip */
	const uint8_t *l4;
	size_t l4len;
	unsigned ifindex;
};
void view6(const struct frame *f, unsigned ifindex, struct ip6_view *v);
/* tx_take + view6. */
void take6(struct frame *f, struct ip6_view *v);
/* Takes the next frame that is ICMPv6 of type (asserts one comes); frames before it are skipped
 * only when they are what timers send on their own (MLD reports, RS, NS). */
void take_icmp6(struct frame *f, struct ip6_view *v, uint8_t type);
/* Empties the transmit queue; returns how many of its frames were ICMPv6 of type t. */
unsigned drain_icmp6(uint8_t type);

/* A counter's growth since the fixture finished (its own frames not counted). */
uint64_t dctr(const char *name);
/* Per-type counters (Icmp6InType<t>, Icmp6OutType<t>), also since the fixture finished. */
uint64_t icmp6_in(uint8_t t);
uint64_t icmp6_out(uint8_t t);

static inline bool eq16(const uint8_t *a, const uint8_t *b) { return memcmp(a, b, 16) == 0; }
#define ck_assert_ip6_eq(a, b) ck_assert_mem_eq((a), (b), 16)

Suite *ip6_suite(void);
Suite *icmp6_suite(void);
Suite *ndisc_suite(void);
Suite *ip6_frag_suite(void);
Suite *ip6_router_suite(void);

#endif
