/* tests/unit/harness.h — a stack on a fake clock, frame builders, and transmit-queue helpers. */
#ifndef TAPSTACK_TEST_HARNESS_H
#define TAPSTACK_TEST_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/stack.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The fixture: tap0 192.0.2.2/24 (MAC US0) with neighbour PEER 192.0.2.1 (MAC PEERMAC) already in
 * the ARP cache; tap1 198.51.100.1/24 (MAC US1). The clock starts at T0. */
#define T0       1000000u
#define US_IP    IP(192, 0, 2, 2)
#define PEER_IP  IP(192, 0, 2, 1)
#define US1_IP   IP(198, 51, 100, 1)
extern const uint8_t US0[6], US1[6], PEERMAC[6], BCASTMAC[6];

extern struct stack *T;     /* the stack under test */
extern unsigned FX_PKBS;    /* pool size fx_setup gives it (256) */
extern bool FX_IPV6;        /* fx_setup leaves IPv6 on (else net.ipv6.conf.all.disable_ipv6=1) */
extern uint64_t NOW;        /* the fake clock, ms */

void fx_setup(void);        /* checked fixture: fresh stack, tx queue empty */

/* The router fixture's neighbours: B on tap1, GW0 on tap0. */
#define B_IP  IP(198, 51, 100, 2)
#define GW0   IP(192, 0, 2, 9)
extern const uint8_t BMAC[6], GW0MAC[6];
/* fx_setup, then forwarding on and B and GW0 in the ARP cache (tx queue empty). */
void fx_router_setup(void);
/* Starts a streaming control command (ping, probe) into out, emptied first; its session. */
unsigned start_ping(const char *cmd, struct sbuf *out);
/* Sets a knob (asserts that it took). */
void set_knob(const char *k, const char *v);
void fx_teardown(void);     /* drains tx, frees the stack, asserts no buffer leaked */

/* A frame under construction. */
struct frame {
	uint8_t b[70000];
	size_t len;
};

struct ip_spec {
	uint32_t src, dst;
	uint8_t proto, tos, ttl;    /* ttl 0: 64 ... */
	bool ttl0;                  /* ... unless this asks for a real 0 */
	uint16_t id, frag;          /* frag: flags | offset field as on the wire */
	const uint8_t *opt;         /* options, optlen bytes (a multiple of 4) */
	size_t optlen;
	const uint8_t *dstmac;      /* NULL: US0 */
	const uint8_t *srcmac;      /* NULL: PEERMAC */
};

/* Ethernet + IPv4 header (valid checksum) + payload. Returns the frame length. */
size_t build_ip(struct frame *f, const struct ip_spec *s, const uint8_t *payload, size_t len);
/* An ICMP message: type, code, the 4 bytes of the second word, data; checksum set. Returns length. */
size_t build_icmp(uint8_t *out, uint8_t type, uint8_t code, uint32_t word2, const uint8_t *data, size_t dlen);
/* An echo request from PEER to US with datalen bytes of pattern data. */
size_t build_echo(struct frame *f, uint16_t id, uint16_t seq, size_t datalen);
/* An ARP packet in an Ethernet frame. */
size_t build_arp(struct frame *f, const uint8_t *ethdst, uint16_t op, const uint8_t *sha, uint32_t spa,
		 const uint8_t *tha, uint32_t tpa);

/* Feeds a frame on ifindex at NOW. */
void feed(unsigned ifindex, const uint8_t *frame, size_t len);
/* Frames waiting in the transmit queue. */
unsigned tx_count(void);
/* Pops the next frame into f (asserts there is one); returns its interface. */
unsigned tx_take(struct frame *f);
void tx_clear(void);
/* A counter's value by name (asserts it exists). */
uint64_t ctr(const char *name);
/* Advances the clock and runs timers. */
void advance(uint64_t ms);

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
/* Internet checksum of a buffer; 0 when the buffer carries a correct checksum. */
uint16_t cksum(const uint8_t *p, size_t len);

Suite *wire_suite(void);
Suite *eth_arp_suite(void);
Suite *ip4_suite(void);
Suite *icmp4_suite(void);
Suite *ctl_suite(void);
Suite *icmp_err_suite(void);
Suite *udp_tcp_suite(void);
Suite *forward_suite(void);
Suite *errors_in_suite(void);
Suite *conf_suite(void);   /* tap/conf.c, linked into the unit tests */
Suite *parity_suite(void);
Suite *icmp_ext_suite(void);
Suite *neigh_suite(void);
Suite *addr_suite(void);
Suite *ip6_bounds_suite(void); /* tests/unit/check_ip6_bounds.c */
Suite *ctl6_suite(void);  /* tests/unit/check_ctl6.c: the IPv6 printouts */
Suite *udp6_suite(void);  /* tests/unit/check_udp6.c: UDP, TCP reset, ping over IPv6 */
Suite *rtcache_suite(void); /* tests/unit/check_rtcache.c: the route cache of both families, route text */

#endif
